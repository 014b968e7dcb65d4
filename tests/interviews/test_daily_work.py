"""Issue 16, wrong or lost and feedback: what a researcher's daily work in the interviews UI needs."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from empathy_site.tenancy.context import tenant_scope
from interviews.models import Interview

from .factories import InterviewFactory, StudyFactory

TXT = b"Dana: I keep a spreadsheet of every supplier.\nSam: Why a spreadsheet?\nDana: Because the ERP is slow.\n"


@pytest.fixture
def researcher(client, bob):
    client.force_login(bob.user)
    return bob


@pytest.mark.parametrize("count", [1, 3])
def test_the_study_picked_on_the_upload_form_is_kept_for_every_file(client, researcher, count):
    with tenant_scope(researcher.org):
        study = StudyFactory(name="Onboarding")
    files = [SimpleUploadedFile(f"f{n}.txt", TXT + f"Sam: file {n}\n".encode()) for n in range(count)]
    response = client.post(reverse("interview_list", args=[researcher.org.slug]), {"files": files, "study": str(study.public_id)})
    assert response.status_code == 302
    with tenant_scope(researcher.org):
        assert [i.study_id for i in Interview.objects.all()] == [study.pk] * count
    assert "Onboarding" in client.get(reverse("interview_list", args=[researcher.org.slug])).content.decode()


def test_upload_with_no_file_says_so(client, researcher):
    response = client.post(reverse("interview_list", args=[researcher.org.slug]), {"study": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_researcher_edits_an_interviews_title_date_study_and_language(client, researcher):
    with tenant_scope(researcher.org):
        interview = InterviewFactory(title="f1")
        study = StudyFactory(name="Pricing")
    detail = reverse("interview_detail", args=[researcher.org.slug, interview.public_id])
    edit = reverse("interview_edit", args=[researcher.org.slug, interview.public_id])
    assert f'href="{edit}"' in client.get(detail).content.decode()
    assert client.get(edit).status_code == 200
    response = client.post(edit, {"title": "Dana, procurement lead", "study": str(study.public_id),
                                  "conducted_at": "2025-03-04T10:30", "language": "de"}, follow=True)
    page = response.content.decode()
    assert "Dana, procurement lead" in page and "Pricing" in page and "saved" in page
    with tenant_scope(researcher.org):
        interview.refresh_from_db()
    assert (interview.title, interview.study_id, interview.language) == ("Dana, procurement lead", study.pk, "de")
    assert interview.conducted_at.date().isoformat() == "2025-03-04"


def test_editing_an_interview_refuses_an_empty_title_plainly(client, researcher):
    with tenant_scope(researcher.org):
        interview = InterviewFactory(title="f1")
    response = client.post(reverse("interview_edit", args=[researcher.org.slug, interview.public_id]),
                           {"title": "  ", "language": "en"})
    assert response.status_code == 400 and "An interview needs a title." in response.content.decode()


def test_viewers_cannot_edit_an_interview(client, member_factory, org_a):
    viewer = member_factory(org_a, "viewer")
    client.force_login(viewer.user)
    with tenant_scope(org_a):
        interview = InterviewFactory()
    assert client.get(reverse("interview_edit", args=[org_a.slug, interview.public_id])).status_code == 403


def test_a_consent_scope_without_a_date_says_what_is_missing(client, researcher):
    from .factories import ParticipantFactory

    with tenant_scope(researcher.org):
        participant = ParticipantFactory(pseudonym="P01")
    page_url = reverse("participant_detail", args=[researcher.org.slug, participant.public_id])
    response = client.post(page_url, {"pseudonym": "P01", "consent_scope": "marketing"})
    assert response.status_code == 400
    assert "Add the date consent was given" in response.content.decode()
    response = client.post(page_url, {"pseudonym": "P01", "consent_scope": "marketing",
                                      "consent_given_at": "2026-01-05T09:00"}, follow=True)
    with tenant_scope(researcher.org):
        participant.refresh_from_db()
    assert participant.consent_state() == "marketing"
    assert "No consent recorded" not in response.content.decode()


def test_a_study_ending_before_it_starts_is_refused_in_words_not_a_constraint_name(client, researcher):
    response = client.post(reverse("study_list", args=[researcher.org.slug]),
                           {"name": "Pricing", "starts_on": "2026-05-01", "ends_on": "2026-04-01"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "The study cannot end before it starts." in page and "onstraint" not in page


def test_every_model_form_leaves_validation_to_its_service():
    """A ModelForm running model validation shows database-constraint names; each must derive ServiceModelForm."""
    from django import forms

    from interviews import forms as interview_forms
    from interviews.forms import ServiceModelForm
    from personas import forms as persona_forms

    model_forms = [
        cls for module in (interview_forms, persona_forms) for cls in vars(module).values()
        if isinstance(cls, type) and issubclass(cls, forms.ModelForm) and cls is not ServiceModelForm
    ]
    assert len(model_forms) >= 6
    assert [cls.__name__ for cls in model_forms if not issubclass(cls, ServiceModelForm)] == []


def test_redacting_one_finding_warns_that_the_original_file_goes_and_says_when_it_went(client, researcher):
    from interviews.models import RedactionFinding

    from .evidence_fixtures import make_interview

    interview = make_interview(researcher.org, [("Dana", "Mail dana@acme.test please, Dana here.")], title="Call")
    org = researcher.org.slug
    client.post(reverse("interview_scan", args=[org, interview.public_id]))
    page = client.get(reverse("interview_detail", args=[org, interview.public_id])).content.decode()
    assert "Once every finding here is decided, the original file is deleted." in page
    with tenant_scope(researcher.org):
        email = RedactionFinding.objects.get(kind="email")
        name = RedactionFinding.objects.get(kind="name")
    response = client.post(reverse("finding_decide", args=[org, email.public_id]), {"decision": "accept"}, follow=True)
    page = response.content.decode()
    assert "Redacted: now reads [EMAIL]." in page
    assert "It is the last one to decide, so the original file is then deleted." in page
    response = client.post(reverse("finding_decide", args=[org, name.public_id]), {"decision": "reject"}, follow=True)
    assert "the unredacted original file was deleted" in response.content.decode()


def test_deleting_a_highlight_asks_first(client, researcher):
    from interviews import services

    from .evidence_fixtures import make_interview

    interview = make_interview(researcher.org, [("Dana", "I keep a spreadsheet of every supplier.")], title="Call")
    with tenant_scope(researcher.org):
        services.highlight_create(interview=interview, span=services.Span(0, 0, 0, 6))
    page = client.get(reverse("interview_detail", args=[researcher.org.slug, interview.public_id])).content.decode()
    assert 'data-confirm-click="Delete this highlight?' in page


def test_the_processing_poll_keeps_the_pages_messages_and_reloads_once_done(client, researcher):
    with tenant_scope(researcher.org):
        queued = InterviewFactory(status=Interview.Status.QUEUED)
        ready = InterviewFactory()
    page = client.get(reverse("interview_detail", args=[researcher.org.slug, queued.public_id])).content.decode()
    assert 'hx-select="#processing"' in page and 'hx-select="#main"' not in page
    poll = client.get(reverse("interview_detail", args=[researcher.org.slug, ready.public_id]), HTTP_HX_REQUEST="true")
    assert poll["HX-Refresh"] == "true"
