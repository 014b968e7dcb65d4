"""Issue 16: unmapped speakers are guessed (interviewer or customer), shown as such, mapped in one click, and
counted as customer voices until mapped, never silently dropped."""

import pytest
from django.urls import reverse

from empathy_site.tenancy.context import tenant_scope
from interviews import selectors, services
from interviews.models import Interview, Participant, SpeakerMapping
from interviews.services import Span

from .evidence_fixtures import make_interview

QUESTIONS = [
    ("Jordan Blake", "What do you use today?"),
    ("Dana Whitfield", "A spreadsheet, mostly. It is slow."),
    ("Jordan Blake", "Why is it slow? Who keeps it?"),
    ("Dana Whitfield", "Procurement keeps it and nobody trusts it."),
]
NAMED = [
    ("Sam", "Tell me about onboarding."),
    ("Ines", "Legal reviews every contract. Do you need the details?"),
    ("Sam", "Yes please."),
]


@pytest.fixture
def researcher(client, bob):
    client.force_login(bob.user)
    return bob


def _speakers(org, interview):
    with tenant_scope(org):
        return {s.label: s for s in SpeakerMapping.objects.filter(interview=interview)}


def _detail(client, org, interview):
    return client.get(reverse("interview_detail", args=[org.slug, interview.public_id])).content.decode()


def test_the_speaker_asking_most_questions_is_guessed_interviewer(org_a, researcher):
    interview = make_interview(org_a, QUESTIONS, title="Guess by questions")
    speakers = _speakers(org_a, interview)
    assert speakers["Jordan Blake"].guessed_role == "interviewer"
    assert speakers["Dana Whitfield"].guessed_role == "customer"
    # A suggestion, never a mapping.
    assert all(s.participant_id is None and s.team_member_id is None for s in speakers.values())


def test_a_label_naming_a_team_member_is_guessed_interviewer(org_a, alice, researcher):
    alice.user.full_name = "Sam Porter"
    alice.user.save(update_fields=["full_name"])
    # Ines asks the only question; Sam is a team member's first name, which wins.
    interview = make_interview(org_a, NAMED, title="Guess by name")
    speakers = _speakers(org_a, interview)
    assert speakers["Sam"].guessed_role == "interviewer"
    assert speakers["Ines"].guessed_role == "customer"


def test_the_panel_shows_guesses_never_team_member(client, org_a, researcher):
    interview = make_interview(org_a, QUESTIONS, title="Panel")
    page = _detail(client, org_a, interview)
    assert "Unmapped — customer?" in page and "Unmapped — interviewer?" in page
    assert "Create participant from this speaker" in page
    assert "New participant…" in page
    assert "2 speakers are not mapped yet." in page
    assert "Team member" not in page


def test_one_click_creates_a_pseudonymous_participant_and_maps_it(client, org_a, researcher):
    interview = make_interview(org_a, QUESTIONS, title="One click")
    dana = _speakers(org_a, interview)["Dana Whitfield"]
    url = reverse("speaker_map", args=[org_a.slug, interview.public_id, dana.public_id])
    response = client.post(url, {"who": "new"}, follow=True)
    assert response.status_code == 200
    with tenant_scope(org_a):
        dana.refresh_from_db()
        participant = Participant.objects.get()
        assert dana.participant == participant
        assert participant.pseudonym == "P1"  # never the raw label, which is a real name
        assert participant.name == "Dana Whitfield"  # kept as personal data
        assert interview.attendances.filter(participant=participant).exists()
    page = response.content.decode()
    assert "Participant P1 created" in page and "1 speaker is not mapped yet." in page


def test_the_dropdown_creates_a_participant_and_pseudonyms_do_not_clash(client, org_a, researcher):
    interview = make_interview(org_a, NAMED, title="Dropdown")
    speakers = _speakers(org_a, interview)
    with tenant_scope(org_a):
        services.participant_create(pseudonym="P1")
    for label in ("Ines", "Sam"):
        client.post(reverse("speaker_map", args=[org_a.slug, interview.public_id, speakers[label].public_id]),
                    {"who": "new"})
    with tenant_scope(org_a):
        mapped = {s.label: s.participant.pseudonym for s in SpeakerMapping.objects.filter(interview=interview)}
        assert mapped == {"Ines": "P2", "Sam": "P3"}
        # A generic label is no name worth keeping.
        assert Participant.objects.get(pseudonym="P3").name == "Sam"


def _tagged(org, interview, position, tag):
    with tenant_scope(org):
        return services.highlight_create(interview=interview, span=Span(position, 0, position, 5), tags=[tag])


def test_codebook_and_patterns_count_unmapped_customers(client, org_a, researcher):
    first = make_interview(org_a, QUESTIONS, title="First")
    second = make_interview(org_a, [*QUESTIONS, ("Jordan Blake", "Thanks.")], title="Second")
    with tenant_scope(org_a):
        tag = services.tag_create(name="Slow tools")
        other = services.tag_create(name="Trust")
        services.participant_create(pseudonym="P-known", attributes={"role": "buyer"})
    # The same label in two interviews is two voices; two quotes of one speaker are one.
    for interview in (first, second):
        for position in (1, 3):
            highlight = _tagged(org_a, interview, position, tag)
        with tenant_scope(org_a):
            services.highlight_add_tag(highlight=highlight, tag=other)
    # The interviewer's question is no customer voice.
    _tagged(org_a, first, 0, tag)
    with tenant_scope(org_a):
        by_name = {t.name: t for t in selectors.tag_tree()}
        assert by_name["Slow tools"].voice_count == 2
        values, rows = selectors.tag_segment_matrix(attribute="role")
        assert selectors.UNMAPPED_SEGMENT in values
        assert dict((t.name, counts) for t, counts in rows)["Slow tools"][selectors.UNMAPPED_SEGMENT] == 2
        assert [(a.name, b.name, voices) for a, b, _, voices in selectors.tag_cooccurrence()] == [("Slow tools", "Trust", 2)]

    codebook = client.get(reverse("codebook", args=[org_a.slug])).content.decode()
    assert "2 speakers are not mapped to a participant yet" in codebook and "Map speakers" in codebook
    patterns = client.get(reverse("patterns", args=[org_a.slug]) + "?attribute=role").content.decode()
    assert "(unmapped speakers)" in patterns and "2 speakers are not mapped to a participant yet" in patterns
    tag_page = client.get(reverse("tag_detail", args=[org_a.slug, tag.public_id])).content.decode()
    assert "Unmapped — customer?" in tag_page and "Unmapped — interviewer?" in tag_page
    assert "Team member" not in tag_page

    # Mapping the speaker turns the unmapped voice into the participant's.
    dana = _speakers(org_a, first)["Dana Whitfield"]
    client.post(reverse("speaker_map", args=[org_a.slug, first.public_id, dana.public_id]), {"who": "new"})
    with tenant_scope(org_a):
        assert {t.name: t.voice_count for t in selectors.tag_tree()}["Slow tools"] == 2
        assert selectors.unmapped_speakers()["customers"] == 1


def test_patterns_without_any_attributes_still_show_unmapped_voices(client, org_a, researcher):
    interview = make_interview(org_a, QUESTIONS, title="No attributes")
    with tenant_scope(org_a):
        tag = services.tag_create(name="Slow tools")
    _tagged(org_a, interview, 1, tag)
    page = client.get(reverse("patterns", args=[org_a.slug])).content.decode()
    assert "(unmapped speakers)" in page and "Slow tools" in page


def test_reprocess_keeps_mappings_and_guesses_again(org_a, researcher):
    interview = make_interview(org_a, QUESTIONS, title="Again")
    with tenant_scope(org_a):
        services.speakers_guess_roles(interview=Interview.objects.get(pk=interview.pk))
        roles = dict(SpeakerMapping.objects.filter(interview=interview).values_list("label", "guessed_role"))
    assert roles == {"Jordan Blake": "interviewer", "Dana Whitfield": "customer"}


def test_persona_evidence_counts_unmapped_customers(org_a, researcher):
    from personas import selectors as persona_selectors
    from personas import services as persona_services
    from personas.models import Claim

    first = make_interview(org_a, QUESTIONS, title="First")
    second = make_interview(org_a, [*QUESTIONS, ("Jordan Blake", "Thanks.")], title="Second")
    with tenant_scope(org_a):
        tag = services.tag_create(name="Slow tools")
    highlights = [_tagged(org_a, interview, 1, tag) for interview in (first, second)]
    with tenant_scope(org_a):
        persona = persona_services.persona_create(name="Careful buyer")
        claim = persona_services.claim_create(persona=persona, kind=Claim.Kind.values[0], statement="Spreadsheets are slow.")
        for highlight in highlights:
            persona_services.citation_create(claim=claim, highlight=highlight)
        policy = persona_selectors.evidence_policy()
        [strength] = persona_selectors.claims_with_strength(persona_ids=[persona.pk], policy=policy)
        assert strength.participant_count == 2
        assert persona_selectors.evidence_voices(claim_ids=[claim.pk], highlight_ids=[h.pk for h in highlights]) == 2
        assert persona_selectors.persona_gallery()[0].voice_count == 2


def test_a_deleted_participants_words_stop_counting_until_mapped_again(client, org_a, researcher):
    interview = make_interview(org_a, QUESTIONS, title="Deleted")
    with tenant_scope(org_a):
        tag = services.tag_create(name="Slow tools")
    _tagged(org_a, interview, 1, tag)
    dana = _speakers(org_a, interview)["Dana Whitfield"]
    client.post(reverse("speaker_map", args=[org_a.slug, interview.public_id, dana.public_id]), {"who": "new"})
    with tenant_scope(org_a):
        services.participant_delete(participant=Participant.objects.get())
        assert {t.name: t.voice_count for t in selectors.tag_tree()}["Slow tools"] == 0
    assert "participant deleted, not counted" in _detail(client, org_a, interview)
    client.post(reverse("speaker_map", args=[org_a.slug, interview.public_id, dana.public_id]), {"who": "new"})
    with tenant_scope(org_a):
        assert {t.name: t.voice_count for t in selectors.tag_tree()}["Slow tools"] == 1
