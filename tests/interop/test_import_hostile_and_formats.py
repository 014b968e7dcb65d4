"""Imports from outside: hostile files refused with a readable error and nothing written; what is not text is
skipped and reported; the standard's variants (inline text, relative paths, unlabelled paragraphs, Taguette's
flat names, spreadsheets) all read."""

import io
import zipfile

import openpyxl
from django.test import override_settings

from empathy_site.tenancy.context import tenant_scope
from interviews.models import Highlight, Interview, Participant, Tag, Utterance
from tests.api_assertions import assert_error

from .helpers import api_client, make_zip, run_import

P = "urn:QDA-XML:project:1.0"
G = [f"11111111-1111-4111-8111-{n:012d}" for n in range(1, 40)]


def _qde(sources: str, codes: str = "", extra: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="{P}" name="Outside">'
            f'<CodeBook><Codes>{codes}</Codes></CodeBook>{extra}<Sources>{sources}</Sources></Project>').encode()


def _nothing_written(org):
    with tenant_scope(org):
        return not (Tag.objects.exists() or Interview.objects.exists() or Participant.objects.exists())


def test_a_zip_bomb_is_refused_before_it_is_expanded(org_a):
    bomb = make_zip({"project.qde": _qde(""), "sources/big.txt": b"0" * (60 * 1024 * 1024)})
    assert len(bomb) < 1024 * 1024
    job = run_import(org_a, bomb, "bomb.qdpx")
    assert job.status == "failed" and "zip bomb" in job.error
    assert _nothing_written(org_a)


@override_settings(IMPORT_MAX_UNCOMPRESSED_BYTES=1024 * 1024)
def test_an_archive_expanding_past_the_limit_is_refused(org_a):
    import os

    data = make_zip({"project.qde": _qde(""), "sources/a.txt": os.urandom(2 * 1024 * 1024)}, zipfile.ZIP_STORED)
    job = run_import(org_a, data, "big.qdpx")
    assert job.status == "failed" and "over the limit" in job.error


def test_path_traversal_entries_are_refused(org_a):
    for name in ("../evil.txt", "/etc/passwd", "sources/../../evil.txt", "C:/evil.txt", "sources\\..\\evil.txt"):
        job = run_import(org_a, make_zip({"project.qde": _qde(""), name: b"x"}), "travel.qdpx")
        assert job.status == "failed" and "outside the archive" in job.error, name
    assert _nothing_written(org_a)


def test_xxe_and_entity_expansion_are_refused(org_a):
    xxe = (b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           b'<Project xmlns="urn:QDA-XML:project:1.0" name="&x;"/>')
    job = run_import(org_a, make_zip({"project.qde": xxe}), "xxe.qdpx")
    assert job.status == "failed" and "DTD" in job.error
    laughs = (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;">]>'
              b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="' + G[0].encode() +
              b'" name="&b;" isCodable="true"/></Codes></CodeBook>')
    job = run_import(org_a, laughs, "laughs.qdc")
    assert job.status == "failed" and "DTD" in job.error
    assert _nothing_written(org_a)


def test_a_broken_file_fails_with_a_sentence_and_writes_nothing(org_a):
    job = run_import(org_a, b"PK\x03\x04 not really a zip", "broken.qdpx")
    assert job.status == "failed" and "not a readable zip" in job.error
    # A source with a bad selection, after a code was read: the whole file is undone.
    bad = _qde(f'<TextSource guid="{G[1]}" name="S"><PlainTextContent>A: hi</PlainTextContent>'
               f'<PlainTextSelection guid="{G[2]}" startPosition="x" endPosition="2"/></TextSource>',
               codes=f'<Code guid="{G[3]}" name="Kept?" isCodable="true"/>')
    job = run_import(org_a, make_zip({"project.qde": bad}), "bad.qdpx")
    assert job.status == "failed" and "position" in job.error
    assert _nothing_written(org_a)


def test_the_api_refuses_oversized_and_unknown_files_at_once(org_a):
    client = api_client(org_a)
    from django.core.files.uploadedfile import SimpleUploadedFile

    with override_settings(IMPORT_MAX_BYTES=1000):
        response = client.post("/api/v1/imports/", {"file": SimpleUploadedFile("p.qdpx", b"PK\x03\x04" + b"0" * 2000)},
                               format="multipart")
        assert_error(response, 413, "too_large")
    response = client.post("/api/v1/imports/", {"file": SimpleUploadedFile("p.pdf", b"%PDF-1.4")}, format="multipart")
    assert_error(response, 415, "unsupported_file")
    response = client.post("/api/v1/imports/", {"file": SimpleUploadedFile("p.qdpx", b"not a zip")}, format="multipart")
    assert_error(response, 415, "unsupported_file")


def test_other_source_types_are_skipped_and_reported_and_text_sources_read_every_way(org_a):
    codes = (f'<Code guid="{G[10]}" name="Price" isCodable="true" color="#F00"><Description>Money</Description>'
             f'<Code guid="{G[11]}" name="Discount" isCodable="true"/></Code>')
    sources = (
        f'<PDFSource guid="{G[4]}" name="Brochure" path="internal://b.pdf"/>'
        f'<AudioSource guid="{G[5]}" name="Call audio" path="internal://a.mp3"/>'
        # Inline text, labelled lines, a selection of exactly "too expensive".
        f'<TextSource guid="{G[6]}" name="Inline"><PlainTextContent>Interviewer: Why not?\nAnna: It is too expensive.'
        f'</PlainTextContent><PlainTextSelection guid="{G[7]}" startPosition="{len("Interviewer: Why not?") + 1 + len("Anna: It is ")}" '
        f'endPosition="{len("Interviewer: Why not?") + 1 + len("Anna: It is too expensive")}"><Coding guid="{G[8]}">'
        f'<CodeRef targetGUID="{G[11]}"/></Coding></PlainTextSelection></TextSource>'
        # A relative path, unlabelled paragraphs.
        f'<TextSource guid="{G[9]}" name="Field notes" plainTextPath="notes/field.txt"/>'
        f'<TextSource guid="{G[12]}" name="Elsewhere" plainTextPath="absolute://C:/data/x.txt"/>'
    )
    cases = (f'<Variables><Variable guid="{G[20]}" name="segment" typeOfVariable="Text"/></Variables>'
             f'<Cases><Case guid="{G[21]}" name="Anna"><VariableValue><VariableRef targetGUID="{G[20]}"/>'
             f'<TextValue>smb</TextValue></VariableValue><SourceRef targetGUID="{G[6]}"/></Case></Cases>')
    data = make_zip({"project.qde": _qde(sources, codes, cases),
                     "notes/field.txt": b"The office was quiet.\n\nEveryone used spreadsheets.\n"})
    job = run_import(org_a, data, "outside.qdpx")
    assert job.status == "done", job.error
    kinds = sorted((s["name"], s["kind"]) for s in job.report["skipped"])
    assert kinds == [("Brochure", "PDF"), ("Call audio", "audio"), ("Elsewhere", "text")]
    with tenant_scope(org_a):
        price = Tag.objects.get(name="Price")
        assert (price.colour, price.description, price.parent) == ("#ff0000", "Money", None)
        assert Tag.objects.get(name="Discount").parent == price
        highlight = Highlight.objects.get()
        assert highlight.quote == "too expensive"
        assert [t.name for t in highlight.tags.all()] == ["Discount"]
        assert highlight.participant.pseudonym == "Anna" and highlight.participant.attributes == {"segment": "smb"}
        notes = Interview.objects.get(title="Field notes")
        assert list(Utterance.objects.filter(interview=notes).order_by("position").values_list("text", flat=True)) == [
            "The office was quiet.", "Everyone used spreadsheets."]


def test_a_codebook_with_hundreds_of_codes_imports_in_one_job_and_taguette_names_rebuild_the_tree(org_a):
    codes = "".join(f'<Code guid="22222222-2222-4222-8222-{n:012d}" name="Theme {n // 10}.Code {n}" isCodable="true"/>'
                    for n in range(400))
    qdc = f'<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>{codes}</Codes></CodeBook>'.encode()
    job = run_import(org_a, qdc, "taguette.qdc", split_names=True)
    assert job.status == "done", job.error
    assert job.report["tags_created"] == 440
    with tenant_scope(org_a):
        assert Tag.objects.get(name="Code 123").parent.name == "Theme 12"
        assert Tag.objects.filter(parent__isnull=True).count() == 40


def test_a_codebook_spreadsheet_imports_from_csv_and_xlsx(org_a, org_b):
    csv_data = (b"name,description,parent,colour\nPricing,What it costs,,#112233\nDiscounts,,Pricing,\n"
                b"Trust,Do they believe us,,\n")
    job = run_import(org_a, csv_data, "codebook.csv")
    assert job.status == "done", job.error
    with tenant_scope(org_a):
        assert Tag.objects.get(name="Discounts").parent.name == "Pricing"
        assert Tag.objects.get(name="Pricing").colour == "#112233"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["tag", "description", "number of highlights"])
    sheet.append(["Pricing.Discounts", "Money off", 3])
    sheet.append(["Trust", "", 0])
    buffer = io.BytesIO()
    book.save(buffer)
    job = run_import(org_b, buffer.getvalue(), "taguette.xlsx", split_names=True)
    assert job.status == "done", job.error
    with tenant_scope(org_b):
        assert Tag.objects.get(name="Discounts").parent.name == "Pricing"
        assert sorted(Tag.objects.values_list("name", flat=True)) == ["Discounts", "Pricing", "Trust"]
