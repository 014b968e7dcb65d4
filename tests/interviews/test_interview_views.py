import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from empathy_site.tenancy.context import tenant_scope
from interviews.models import Interview, SpeakerMapping

from .factories import ParticipantFactory

TXT = b"Dana: I keep a spreadsheet of every supplier.\nSam: Why a spreadsheet?\nDana: Because the ERP is slow.\n"


@pytest.fixture
def researcher(client, bob):
    client.force_login(bob.user)
    return bob


def test_upload_several_files_and_see_the_transcript(client, researcher, django_capture_on_commit_callbacks):
    url = reverse("interview_list", args=[researcher.org.slug])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"files": [SimpleUploadedFile("a.txt", TXT), SimpleUploadedFile("b.txt", TXT + b"Sam: Thanks.\n")]})
    assert response.status_code == 302
    with tenant_scope(researcher.org):
        interviews = list(Interview.objects.order_by("title"))
    assert [i.status for i in interviews] == ["ready", "ready"]
    page = client.get(reverse("interview_detail", args=[researcher.org.slug, interviews[0].public_id])).content.decode()
    assert "I keep a spreadsheet of every supplier." in page and 'id="u-0"' in page


def test_refused_files_are_explained_with_a_400(client, researcher):
    url = reverse("interview_list", args=[researcher.org.slug])
    response = client.post(url, {"files": [SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + bytes(40))]}, follow=True)
    assert response.status_code == 400
    assert "photo.png" in response.content.decode()


def test_marketer_cannot_upload_or_delete(client, member_factory, org_a):
    marketer = member_factory(org_a, "marketer")
    client.force_login(marketer.user)
    url = reverse("interview_list", args=[org_a.slug])
    assert client.get(url).status_code == 200
    assert client.post(url, {"files": [SimpleUploadedFile("a.txt", TXT)]}).status_code == 403
    with tenant_scope(org_a):
        assert not Interview.objects.exists()


def test_map_a_speaker_in_the_ui(client, researcher, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("interview_list", args=[researcher.org.slug]), {"files": [SimpleUploadedFile("a.txt", TXT)]})
    with tenant_scope(researcher.org):
        interview = Interview.objects.get()
        speaker = SpeakerMapping.objects.get(interview=interview, label="Dana")
        participant = ParticipantFactory(pseudonym="P09", attributes={"role": "buyer"})
    client.post(
        reverse("speaker_map", args=[researcher.org.slug, interview.public_id, speaker.public_id]),
        {"who": f"p:{participant.public_id}"},
    )
    page = client.get(reverse("interview_detail", args=[researcher.org.slug, interview.public_id])).content.decode()
    assert "P09" in page and "role: buyer" in page


def test_transcript_page_runs_a_constant_number_of_queries(client, researcher, django_assert_max_num_queries):
    from .factories import UtteranceFactory

    with tenant_scope(researcher.org):
        first = UtteranceFactory()
        for _ in range(60):
            UtteranceFactory(speaker=first.speaker)
    # Session, person, membership, RLS binding; interview, speakers, utterances, highlights, tags, redactions,
    # participants; coders, recording, unread notifications, comments with the members to mention, memos.
    with django_assert_max_num_queries(24):
        response = client.get(reverse("interview_detail", args=[researcher.org.slug, first.interview.public_id]))
    assert response.status_code == 200


def test_participants_and_studies_pages(client, researcher):
    org = researcher.org.slug
    response = client.post(reverse("participant_list", args=[org]), {"pseudonym": "P01", "attributes": "role: procurement\nplan: pro"})
    assert response.status_code == 302
    page = client.get(reverse("participant_list", args=[org])).content.decode()
    assert "P01" in page and "role: procurement" in page
    bad = client.post(reverse("participant_list", args=[org]), {"pseudonym": "P02", "attributes": "no colon here"})
    assert bad.status_code == 400 and "key: value" in bad.content.decode()
    response = client.post(reverse("study_list", args=[org]), {"name": "Churn", "research_questions": "Why leave?\nWhen?"})
    assert response.status_code == 302
    assert "Why leave?" in client.get(response["Location"]).content.decode()
