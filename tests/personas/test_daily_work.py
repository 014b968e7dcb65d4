"""Issue 16, wrong or lost and feedback: personas and messages in a researcher's and marketer's daily work."""

import pytest
from django.urls import reverse

from empathy_site.tenancy.context import tenant_scope
from personas import services

from .fixtures import cite


def url(name, org, *args):
    return reverse(name, args=[org.slug, *args])


@pytest.fixture
def published(evidence, persona):
    with tenant_scope(evidence["org"]):
        claim = services.claim_create(persona=persona, kind="behaviour", statement="Compares vendors")
        cite(claim, evidence["h"]["ana1"], evidence["h"]["ben"])
        services.persona_publish(persona=persona)
    return persona


def test_loosening_the_policy_publishes_personas_in_review_again_and_says_so(client, alice, evidence, published):
    client.force_login(alice.user)
    org = evidence["org"]
    policy = {"min_citations": 3, "min_participants": 3, "segment_attribute": "role"}
    client.post(url("evidence_policy", org), policy)
    with tenant_scope(org):
        published.refresh_from_db()
    assert published.status == "needs_review"
    response = client.post(url("evidence_policy", org), {**policy, "min_citations": 2, "min_participants": 2}, follow=True)
    with tenant_scope(org):
        published.refresh_from_db()
    assert (published.status, published.review_reason) == ("published", "")
    assert "“Careful Buyer” is published again" in response.content.decode()


def test_a_persona_still_short_after_loosening_stays_in_review(client, alice, evidence, published):
    client.force_login(alice.user)
    org = evidence["org"]
    client.post(url("evidence_policy", org), {"min_citations": 4, "min_participants": 4, "segment_attribute": "role"})
    client.post(url("evidence_policy", org), {"min_citations": 3, "min_participants": 3, "segment_attribute": "role"})
    with tenant_scope(org):
        published.refresh_from_db()
    assert published.status == "needs_review"


def test_publish_is_not_offered_when_nothing_changed_since_the_last_version(client, bob, evidence, published):
    client.force_login(bob.user)
    org = evidence["org"]
    page = client.get(url("persona_detail", org, published.public_id)).content.decode()
    assert "Publish v2" not in page and "v1 is current; nothing changed since" in page
    with tenant_scope(org):
        services.claim_create(persona=published, kind="goal", statement="Wants a defensible choice")
    page = client.get(url("persona_detail", org, published.public_id)).content.decode()
    assert "Publish v2" in page


def test_revising_a_message_can_change_its_title(client, bob, evidence, persona):
    from personas.models import Message

    client.force_login(bob.user)
    org = evidence["org"]
    check = {"basis": "preference", "own_taste": "4", "predicted_reaction": "3"}
    client.post(url("message_create", org), {"title": "Spring", "channel": "email", "body": "Words",
                                             "target_personas": [str(persona.public_id)], **check})
    with tenant_scope(org):
        message = Message.objects.get()
    revise = client.get(url("message_revise", org, message.public_id)).content.decode()
    assert 'name="title"' in revise and 'value="Spring"' in revise
    response = client.post(url("message_revise", org, message.public_id), {
        "title": "Spring launch", "channel": "email", "body": "Better words",
        "target_personas": [str(persona.public_id)], **check,
    })
    assert response.status_code == 302
    with tenant_scope(org):
        message.refresh_from_db()
        assert message.title == "Spring launch" and message.revisions.count() == 2


def test_adding_and_citing_claims_say_what_happened(client, bob, evidence, persona):
    client.force_login(bob.user)
    org = evidence["org"]
    response = client.post(url("claim_create", org, persona.public_id), {"kind": "goal", "statement": "Defends choices"},
                           follow=True)
    assert "Claim added." in response.content.decode()
    with tenant_scope(org):
        claim = persona.claims.get()
    response = client.post(url("citation_create", org, claim.public_id),
                           {"highlight": str(evidence["h"]["ana1"].public_id), "stance": "supports"}, follow=True)
    assert "Cited as evidence for the claim." in response.content.decode()
