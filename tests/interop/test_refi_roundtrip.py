"""REFI-QDA: exports valid against the consortium's XSD, and an export imported into a fresh organisation
reproduces the codebook, transcripts, participants, highlights (identical quotes, same tags) and notes."""

from defusedxml import ElementTree as SafeET

from collaboration import services as collaboration_services
from collaboration.models import Memo
from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.services import membership_set
from interop.services import import_job_run
from interviews import services as interview_services
from interviews.models import Highlight, Interview, Participant, SpeakerMapping, Study, Tag
from tests.factories import OrganizationFactory
from tests.interviews.evidence_fixtures import utterance

from .helpers import api_client, body, codebook_schema, project_schema, qdpx_members, run_import

NS = {"p": "urn:QDA-XML:project:1.0", "c": "urn:QDA-XML:codebook:1.0"}


def _research(corpus, by=None):
    """A codebook with a hierarchy, highlights with tags and notes, and memos (written by `by`), on the shared corpus."""
    with tenant_scope(corpus["org"]):
        parent = interview_services.tag_create(name="Vendor choice", description="How they pick suppliers", colour="#0ea5e9")
        child = interview_services.tag_create(name="Comparison", description="Side by side", colour="#10b981", parent=parent)
        other = interview_services.tag_create(name="Onboarding pain", colour="#ef4444")
        call1, call2 = corpus["call1"], corpus["call2"]
        one = interview_services.highlight_create(
            interview=call1, span=interview_services.Span(0, 3, 0, 25), tags=[child], note="Always three.")
        text = utterance(call1, 2).text
        two = interview_services.highlight_create(
            interview=call1, span=interview_services.Span(1, 4, 2, len(text)), tags=[parent, other])
        start = utterance(call2, 2).text.index("legal")
        three = interview_services.highlight_create(
            interview=call2, span=interview_services.Span(2, start, 2, start + 25), tags=[other], note="Legal is slow")
        memos = (  # on an interview, a tag and a study: notes on the source, the code and the set
            collaboration_services.memo_create(target_type="interview", target=call1, title="First call",
                                               body="Dana leads procurement.\nAsk about audits.", by=by),
            collaboration_services.memo_create(target_type="tag", target=parent, body="Merge with sourcing?", by=by),
            collaboration_services.memo_create(target_type="study", target=corpus["study"], title="Plan",
                                               body="Five calls by March.", by=by),
        )
    return {"tags": (parent, child, other), "highlights": (one, two, three), "memos": memos}


def test_the_project_export_is_valid_against_the_refi_xsd_and_selects_each_quote(corpus):
    made = _research(corpus)
    response = api_client(corpus["org"]).get("/api/v1/exports/project.qdpx")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/zip"
    assert ".qdpx" in response["Content-Disposition"]
    members = qdpx_members(body(response))
    project_schema().validate(members["project.qde"].decode())  # raises on any deviation
    root = SafeET.fromstring(members["project.qde"])
    sources = {s.get("name"): s for s in root.iterfind("p:Sources/p:TextSource", NS)}
    assert set(sources) == {"Call 1", "Call 2"}
    for highlight in made["highlights"]:
        source = sources[highlight.interview.title]
        text = members[f"sources/{source.get('guid')}.txt"].decode()
        selection = source.find(f"p:PlainTextSelection[@guid='{highlight.public_id}']", NS)
        selected = text[int(selection.get("startPosition")):int(selection.get("endPosition"))]
        if highlight.start_position == highlight.end_position:
            assert selected == highlight.quote
        else:  # over several utterances the selection also spans the speaker labels between them
            assert selected.startswith(highlight.quote.split("\n")[0]) and selected.endswith(highlight.quote.split("\n")[-1])
        codes = {ref.get("targetGUID") for ref in selection.iterfind("p:Coding/p:CodeRef", NS)}
        with tenant_scope(corpus["org"]):
            assert codes == {str(tag.public_id) for tag in highlight.tags.all()}
    # Speakers mapped to participants are written as their pseudonyms, which are also their cases.
    assert "P-Dana: We compare three vendors" in members[f"sources/{sources['Call 1'].get('guid')}.txt"].decode()
    cases = {c.get("name"): c for c in root.iterfind("p:Cases/p:Case", NS)}
    assert set(cases) == {"P-Dana", "P-Ines"}
    sets = {s.get("name"): [m.get("targetGUID") for m in s.iterfind("p:MemberSource", NS)] for s in root.iterfind("p:Sets/p:Set", NS)}
    assert sets == {"Onboarding": [sources["Call 1"].get("guid")]}


def test_the_codebook_export_is_qdc_with_nested_codes_colours_descriptions_and_stable_guids(corpus):
    parent, child, _ = _research(corpus)["tags"]
    client = api_client(corpus["org"], scopes=("read",))
    first = body(client.get("/api/v1/exports/codebook.qdc"))
    codebook_schema().validate(first.decode())
    root = SafeET.fromstring(first)
    assert root.tag == "{urn:QDA-XML:codebook:1.0}CodeBook"
    top = root.find(f"c:Codes/c:Code[@guid='{parent.public_id}']", NS)
    assert top.get("name") == "Vendor choice" and top.get("color") == "#0ea5e9"
    assert top.find("c:Description", NS).text == "How they pick suppliers"
    nested = top.find(f"c:Code[@guid='{child.public_id}']", NS)
    assert nested.get("name") == "Comparison"
    with tenant_scope(corpus["org"]):
        interview_services.tag_update(tag=parent, name="Vendor selection")
    again = SafeET.fromstring(body(client.get("/api/v1/exports/codebook.qdc")))
    assert again.find(f"c:Codes/c:Code[@guid='{parent.public_id}']", NS).get("name") == "Vendor selection"


def _world(org):
    """What a user sees of an organisation, with ids left out: comparable across organisations."""
    with tenant_scope(org):
        tags = {t.name: (t.parent.name if t.parent else None, t.colour, t.description) for t in Tag.objects.select_related("parent")}
        interviews = {}
        for interview in Interview.objects.select_related("study"):
            speakers = {s.pk: (s.participant.pseudonym if s.participant else s.label)
                        for s in SpeakerMapping.objects.filter(interview=interview).select_related("participant")}
            interviews[interview.title] = {
                "study": interview.study.name if interview.study else None,
                "lines": [(speakers[u.speaker_id], u.text) for u in interview.utterances.order_by("position")],
            }
        highlights = sorted(
            (h.interview.title, h.quote, h.note, tuple(sorted(t.name for t in h.tags.all())),
             h.participant.pseudonym if h.participant else None)
            for h in Highlight.objects.select_related("interview", "participant").prefetch_related("tags")
        )
        participants = {p.pseudonym: p.attributes for p in Participant.objects.all()}
        studies = sorted(Study.objects.values_list("name", flat=True))
        memos = sorted(
            (m.target_type, getattr(m.target, "title", None) or m.target.name, m.title, m.body, m.created_at,
             m.author.email if m.author else None)
            for m in Memo.objects.select_related("author", "interview", "tag", "study"))
    return {"tags": tags, "interviews": interviews, "highlights": highlights, "participants": participants,
            "studies": studies, "memos": memos}


def test_export_then_import_into_a_fresh_org_reproduces_what_a_user_sees(corpus, alice):
    made = _research(corpus, by=alice.user)
    exported = body(api_client(corpus["org"]).get("/api/v1/exports/project.qdpx"))
    project_schema().validate(qdpx_members(exported)["project.qde"].decode())
    fresh = OrganizationFactory(slug="fresh", name="Fresh")
    membership_set(organization=fresh, user=alice.user, role="researcher")  # a memo's author, known by GUID
    job = run_import(fresh, exported, "project.qdpx")
    assert job.status == "done", job.error
    assert job.report["highlights_created"] == 3 and job.report["tags_created"] == 3
    assert job.report["interviews_created"] == 2 and job.report["participants_created"] == 2
    assert job.report["notes_imported"] == 2 and job.report["skipped"] == []
    assert job.report["memos_imported"] == 3
    original, restored = _world(corpus["org"]), _world(fresh)
    # The team member's speaker label is their name in both; everything else must be equal.
    assert restored == original
    with tenant_scope(fresh):  # a code keeps its GUID: the next export (and a re-import) knows it
        assert set(Tag.objects.values_list("public_id", flat=True)) == {t.public_id for t in made["tags"]}


def test_an_import_run_twice_creates_nothing_twice_and_a_second_import_matches(corpus):
    _research(corpus)
    exported = body(api_client(corpus["org"]).get("/api/v1/exports/project.qdpx"))
    fresh = OrganizationFactory(slug="fresh", name="Fresh")
    job = run_import(fresh, exported, "project.qdpx")
    with tenant_scope(fresh):
        assert import_job_run(job_id=job.pk) is None  # the task delivered again: nothing to do
        counts = (Tag.objects.count(), Interview.objects.count(), Highlight.objects.count(), Participant.objects.count())
    again = run_import(fresh, exported, "project.qdpx")
    assert again.status == "done", again.error
    assert again.report["interviews_matched"] == 2 and again.report["interviews_created"] == 0
    assert again.report["tags_matched"] == 3 and again.report["tags_created"] == 0
    assert again.report["participants_matched"] == 2
    assert again.report["memos_imported"] == 0  # the same notes on the same objects are there already
    with tenant_scope(fresh):
        assert (Tag.objects.count(), Interview.objects.count(), Highlight.objects.count(), Participant.objects.count()) == counts
        assert Memo.objects.count() == 3


def test_codes_merge_into_existing_tags_by_name_when_the_guid_is_new(corpus):
    _research(corpus)
    exported = body(api_client(corpus["org"]).get("/api/v1/exports/codebook.qdc"))
    other = OrganizationFactory(slug="other", name="Other")
    with tenant_scope(other):
        mine = interview_services.tag_create(name="comparison")
    job = run_import(other, exported, "codebook.qdc")
    assert job.status == "done", job.error
    assert (job.report["tags_matched"], job.report["tags_created"]) == (1, 2)
    with tenant_scope(other):
        assert Tag.objects.get(pk=mine.pk).name == "comparison"
        assert Tag.objects.count() == 3
