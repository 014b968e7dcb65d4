import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from empathy_site.tenancy.context import tenant_scope
from interviews import services as interview_services
from interviews.services import Span
from personas import services

from .fixtures import cite


def url(name, org, *args):
    return reverse(name, args=[org.slug, *args])


@pytest.fixture
def researcher(client, bob):
    client.force_login(bob.user)
    return client


def _build(evidence, persona, claims, citations_per_claim):
    """A persona with `claims` claims and `citations_per_claim` citations each (distinct highlights)."""
    with tenant_scope(evidence["org"]):
        highlights = [
            interview_services.highlight_create(interview=evidence["interviews"][name], span=Span(0, 0, 0, 5 + n))
            for n in range(max(1, citations_per_claim // 4 + 1)) for name in ("ana1", "ana2", "ben", "cy")
        ][:citations_per_claim]
        for n in range(claims):
            claim = services.claim_create(persona=persona, kind="goal" if n % 2 else "pain_point", statement=f"Claim {n}")
            cite(claim, *highlights)


def _queries(client, path):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    # Binding the transaction to the organisation is not counted: the test's one transaction stays bound after
    # the first request, where each real request is a transaction of its own.
    return len([query for query in captured.captured_queries if "set_config" not in query["sql"]])


def test_persona_page_runs_constant_queries_at_two_sizes(researcher, evidence, persona, org_a):
    from personas.models import Persona

    _build(evidence, persona, claims=4, citations_per_claim=4)
    with tenant_scope(evidence["org"]):
        big = services.persona_create(name="Big")
    _build(evidence, big, claims=40, citations_per_claim=10)  # 40 claims, 400 citations
    with tenant_scope(evidence["org"]):
        assert sum(c.citations.count() for c in Persona.objects.get(pk=big.pk).claims.all()) == 400
    small_count = _queries(researcher, url("persona_detail", org_a, persona.public_id))
    big_count = _queries(researcher, url("persona_detail", org_a, big.public_id))
    assert small_count == big_count


def test_persona_page_shows_claims_quotes_and_strength(researcher, evidence, persona, org_a):
    with tenant_scope(evidence["org"]):
        claim = services.claim_create(persona=persona, kind="behaviour", statement="Compares vendors in spreadsheets")
        cite(claim, evidence["h"]["ana1"], evidence["h"]["ben"])
        cite(claim, evidence["h"]["cy"], stance="contradicts")
    page = researcher.get(url("persona_detail", org_a, persona.public_id)).content.decode()
    assert "Compares vendors in spreadsheets" in page and "2 voices" in page and "1 against" in page
    assert "Ana" in page and "role: procurement" in page and "#u-0" in page and "Contradicts" in page


def test_publish_from_the_page_lists_every_shortfall(researcher, evidence, persona, org_a):
    with tenant_scope(evidence["org"]):
        weak = services.claim_create(persona=persona, kind="goal", statement="Wants speed")
        cite(weak, evidence["h"]["ana1"])
    response = researcher.post(url("persona_publish", org_a, persona.public_id), follow=True)
    page = response.content.decode()
    assert "Wants speed" in page and "needs 2 supporting citations, has 1" in page and "Not published" in page
    with tenant_scope(evidence["org"]):
        cite(weak, evidence["h"]["ben"])
    page = researcher.post(url("persona_publish", org_a, persona.public_id), follow=True).content.decode()
    assert "Published as version 1" in page


def test_editor_finds_evidence_and_cites_it_in_one_click(researcher, evidence, persona, org_a):
    with tenant_scope(evidence["org"]):
        claim = services.claim_create(persona=persona, kind="behaviour", statement="Compares vendors")
    results = researcher.get(url("claim_evidence", org_a, claim.public_id), {"q": "compare*"}).content.decode()
    assert "Cite" in results and str(evidence["h"]["ana1"].public_id) in results
    researcher.post(url("citation_create", org_a, claim.public_id), {"highlight": str(evidence["h"]["ana1"].public_id), "stance": "supports"})
    with tenant_scope(evidence["org"]):
        assert claim.citations.count() == 1
    again = researcher.get(url("claim_evidence", org_a, claim.public_id), {"q": "compare*"}).content.decode()
    assert "cited" in again


def test_gallery_filters_by_status_and_segment(researcher, evidence, org_a):
    with tenant_scope(evidence["org"]):
        services.persona_create(name="Buyer", segment={"role": "procurement"})
        services.persona_create(name="Lawyer", segment={"role": "legal"})
    page = researcher.get(url("persona_gallery", org_a), {"segment": "role=legal"}).content.decode()
    assert "Lawyer" in page and "Buyer" not in page
    page = researcher.get(url("persona_gallery", org_a), {"status": "published"}).content.decode()
    assert "Lawyer" not in page


def test_versions_compare_and_print(researcher, evidence, persona, org_a):
    with tenant_scope(evidence["org"]):
        claim = services.claim_create(persona=persona, kind="goal", statement="First")
        cite(claim, evidence["h"]["ana1"], evidence["h"]["ben"])
        services.persona_publish(persona=persona)
        services.claim_update(claim=claim, statement="Second")
        services.persona_publish(persona=persona)
    page = researcher.get(url("persona_versions", org_a, persona.public_id), {"a": 1, "b": 2}).content.decode()
    assert "<del>First</del>" in page and "<ins>Second</ins>" in page
    printed = researcher.get(url("persona_print", org_a, persona.public_id)).content.decode()
    assert "Second" in printed and "sidebar" not in printed


def test_marketer_reads_but_cannot_edit_or_publish(client, evidence, persona, member_factory, org_a):
    marketer = member_factory(org_a, "marketer")
    client.force_login(marketer.user)
    assert client.get(url("persona_detail", org_a, persona.public_id)).status_code == 200
    assert client.get(url("persona_edit", org_a, persona.public_id)).status_code == 403
    assert client.post(url("persona_publish", org_a, persona.public_id)).status_code == 403


def test_owner_sees_the_needs_review_notice(client, evidence, persona, org_a):
    with tenant_scope(evidence["org"]):
        claim = services.claim_create(persona=persona, kind="goal", statement="g")
        cite(claim, evidence["h"]["ana1"], evidence["h"]["ben"])
        services.persona_publish(persona=persona)
        interview_services.highlight_delete(highlight=evidence["h"]["ben"])
    client.force_login(evidence["owner"])
    dashboard = client.get(url("dashboard", org_a)).content.decode()
    assert "needs review" in dashboard and str(persona.public_id) in dashboard
    page = client.get(url("persona_detail", org_a, persona.public_id)).content.decode()
    assert "Needs review." in page


def test_policy_page_is_for_admins(client, evidence, org_a, bob):
    client.force_login(bob.user)
    assert client.get(url("evidence_policy", org_a)).status_code == 403
    client.force_login(evidence["owner"])
    response = client.post(url("evidence_policy", org_a), {"min_citations": 3, "min_participants": 2, "segment_attribute": "role"})
    assert response.status_code == 302
