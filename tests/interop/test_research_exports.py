"""Researcher exports: highlights, codebook, transcript and persona files hold what the reader may see, from the API."""

import csv
import io

import docx
import openpyxl
import pytest

from empathy_site.tenancy.context import tenant_scope
from interviews import services as interview_services
from interviews.models import SpeakerMapping
from personas import services as persona_services
from tests.api_assertions import assert_error

from .helpers import api_client, body


@pytest.fixture
def research(corpus):
    with tenant_scope(corpus["org"]):
        parent = interview_services.tag_create(name="Vendor choice", description="How they pick suppliers")
        child = interview_services.tag_create(name="Comparison", parent=parent)
        pain = interview_services.tag_create(name="=Onboarding pain")  # a spreadsheet formula, were it not escaped
        one = interview_services.highlight_create(interview=corpus["call1"], span=interview_services.Span(0, 3, 0, 24),
                                                  tags=[child], note="Always three.")
        two = interview_services.highlight_create(interview=corpus["call2"], span=interview_services.Span(2, 0, 2, 10),
                                                  tags=[pain])
        persona = persona_services.persona_create(name="Careful buyer", summary="Compares before signing")
        claim = persona_services.claim_create(persona=persona, kind="goal", statement="Avoids a bad supplier")
        persona_services.citation_create(claim=claim, highlight=one)
        interview_services.participant_update(participant=corpus["ines"], consent_withdrawn_at=corpus["call1"].created_at)
        SpeakerMapping.objects.filter(interview=corpus["call1"], label="Dana").update(label="Dana Whitfield")
    return {**corpus, "tags": (parent, child, pain), "highlights": (one, two), "persona": persona}


def test_highlights_as_csv_with_pseudonyms_consent_links_and_escaped_formulas(research):
    response = api_client(research["org"], scopes=("read",)).get("/api/v1/exports/highlights.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))
    assert rows[0] == ["Quote", "Tags", "Participant", "Consent", "Interview", "Study", "Note", "Link"]
    by_quote = {row[0]: row for row in rows[1:]}
    first = by_quote["compare three vendors"]
    assert first[1:5] == ["Comparison", "P-Dana", "missing", "Call 1"] or first[2] == "P-Dana"
    assert first[7].endswith(f"/o/{research['org'].slug}/interviews/{research['call1'].public_id}/")
    second = by_quote["Onboarding"]
    assert second[1] == "'=Onboarding pain" and second[3] == "withdrawn"


def test_highlights_of_a_tag_include_its_sub_tags_and_filter_by_search(research):
    client = api_client(research["org"], scopes=("read",))
    parent = research["tags"][0]
    rows = list(csv.reader(io.StringIO(body(client.get(f"/api/v1/exports/highlights.csv?tag={parent.public_id}")).decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["compare three vendors"]
    rows = list(csv.reader(io.StringIO(body(client.get("/api/v1/exports/highlights.csv?q=onboarding")).decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["Onboarding"]
    assert_error(client.get("/api/v1/exports/highlights.csv?colour=red"), 400, "invalid")
    assert_error(client.get("/api/v1/exports/highlights.csv?tag=00000000-0000-4000-8000-000000000000"), 400, "invalid")


def test_highlights_as_xlsx_have_one_sheet_per_top_level_tag(research):
    data = body(api_client(research["org"], scopes=("read",)).get("/api/v1/exports/highlights.xlsx"))
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert sorted(book.sheetnames) == ["=Onboarding pain", "Vendor choice"]
    assert book["Vendor choice"]["A2"].value == "compare three vendors"
    assert book["=Onboarding pain"]["B2"].value == "'=Onboarding pain"


def test_highlights_docx_and_html_group_quotes_by_tag_with_the_pseudonym_and_a_link(research):
    client = api_client(research["org"], scopes=("read",))
    document = docx.Document(io.BytesIO(body(client.get("/api/v1/exports/highlights.docx"))))
    texts = [p.text for p in document.paragraphs]
    assert "Comparison" in texts and "compare three vendors" in texts
    assert any("P-Dana · Call 1" in t for t in texts)
    assert any("consent withdrawn: do not use" in t for t in texts)
    html = body(client.get("/api/v1/exports/highlights.html")).decode()
    assert "compare three vendors" in html and "P-Dana" in html and f"/interviews/{research['call1'].public_id}/" in html


def test_the_codebook_as_csv_xlsx_and_docx_with_counts(research):
    client = api_client(research["org"], scopes=("read",))
    rows = list(csv.reader(io.StringIO(body(client.get("/api/v1/exports/codebook.csv")).decode("utf-8-sig"))))
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["Comparison"][1:3] == ["Vendor choice.Comparison", "Vendor choice"]
    assert by_name["Comparison"][5:7] == ["1", "1"]  # highlights, voices
    assert by_name["Vendor choice"][3] == "How they pick suppliers"
    book = openpyxl.load_workbook(io.BytesIO(body(client.get("/api/v1/exports/codebook.xlsx"))))
    assert [c.value for c in book["Codebook"][1]][:3] == ["Name", "Path", "Parent"]
    document = docx.Document(io.BytesIO(body(client.get("/api/v1/exports/codebook.docx"))))
    assert "1 highlight, 1 voice" in [p.text for p in document.paragraphs]


def test_a_transcript_export_marks_highlights_and_names_speakers_as_the_reader_may_see_them(research):
    url = f"/api/v1/exports/interviews/{research['call1'].public_id}"
    reader = api_client(research["org"], scopes=("read",))
    html = body(reader.get(f"{url}.html")).decode()
    assert "<mark>compare three vendors</mark>" in html
    assert "Dana Whitfield" not in html and "P-Dana:" in html
    document = docx.Document(io.BytesIO(body(reader.get(f"{url}.docx"))))
    marked = [r.text for p in document.paragraphs for r in p.runs if r.font.highlight_color]
    assert marked == ["compare three vendors"]
    personal = api_client(research["org"], scopes=("read", "personal_data"))
    assert "Dana Whitfield" in body(personal.get(f"{url}.html")).decode()


def test_a_persona_as_docx_with_claims_strength_and_cited_quotes(research):
    response = api_client(research["org"], scopes=("read",)).get(f"/api/v1/exports/personas/{research['persona'].public_id}.docx")
    assert response.status_code == 200
    texts = [p.text for p in docx.Document(io.BytesIO(body(response))).paragraphs]
    assert "Careful buyer" in texts and "Avoids a bad supplier" in texts and "compare three vendors" in texts
    assert any(t.startswith("Goal · strength") for t in texts)


def test_another_orgs_objects_are_404(research, org_b):
    client = api_client(org_b, scopes=("read",))
    assert_error(client.get(f"/api/v1/exports/interviews/{research['call1'].public_id}.docx"), 404, "not_found")
    assert_error(client.get(f"/api/v1/exports/personas/{research['persona'].public_id}.docx"), 404, "not_found")
