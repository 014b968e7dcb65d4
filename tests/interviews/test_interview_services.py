import pytest
from django.core.exceptions import ValidationError
from django.db.models import F

from empathy_site.tenancy.context import tenant_scope
from interviews import parsers, services
from interviews.models import Interview, InterviewParticipant, SpeakerMapping, Utterance

from .factories import ParticipantFactory

VTT = (
    b"WEBVTT\n\n"
    b"1\n00:00:01.000 --> 00:00:03.000\n<v Dana Buyer>We compare three vendors\n\n"
    b"2\n00:00:03.000 --> 00:00:05.500\n<v Dana Buyer>before we sign anything.\n\n"
    b"3\n00:00:06.000 --> 00:00:07.000\n<v Sam Interviewer>Why three?\n"
)


@pytest.fixture
def upload(org_a, django_capture_on_commit_callbacks):
    """Upload as org A and run the queued processing task."""

    def do(data=VTT, name="call.vtt", **kwargs):
        with django_capture_on_commit_callbacks(execute=True), tenant_scope(org_a):
            interview = services.interview_upload(upload=services.Upload(name=name, data=data), **kwargs)
        with tenant_scope(org_a):
            return Interview.objects.get(pk=interview.pk)

    return do


def test_upload_parses_merges_cues_and_indexes_utterances(upload, org_a):
    interview = upload(title="Dana call")
    assert interview.status == "ready" and interview.error is None and interview.progress == 100
    assert interview.utterance_count == 2 and interview.detected_format == "vtt" and interview.duration_ms == 7000
    with tenant_scope(org_a):
        rows = list(Utterance.objects.filter(interview=interview).values_list("speaker__label", "start_ms", "end_ms", "text"))
    assert rows == [
        ("Dana Buyer", 1000, 5500, "We compare three vendors before we sign anything."),
        ("Sam Interviewer", 6000, 7000, "Why three?"),
    ]


def test_the_original_file_is_kept_untouched(upload, org_a):
    interview = upload()
    with interview.original_file.open("rb") as handle:
        assert handle.read() == VTT


def test_the_same_file_twice_is_recognised(upload, org_a):
    first = upload()
    with pytest.raises(services.DuplicateInterview) as caught:
        upload()
    assert caught.value.existing.pk == first.pk
    with tenant_scope(org_a):
        assert Interview.objects.count() == 1


def test_the_same_file_in_another_org_is_not_a_duplicate(upload, org_b):
    upload()
    with tenant_scope(org_b):
        services.interview_upload(upload=services.Upload(name="call.vtt", data=VTT))
        assert Interview.objects.count() == 1


@pytest.mark.parametrize(
    "name,data",
    [("empty.vtt", b""), ("image.png", b"\x89PNG\r\n\x1a\n" + bytes(50)), ("sheet.xlsx", b"PK\x03\x04" + bytes(40)), ("x.vtt", b"\x00\x01\x02" * 40)],
)
def test_unreadable_files_are_refused_before_anything_is_stored(upload, org_a, name, data):
    with pytest.raises(parsers.UnsupportedFile):
        upload(data=data, name=name)
    with tenant_scope(org_a):
        assert Interview.objects.count() == 0


def test_a_broken_file_fails_readably_and_keeps_the_original(upload, org_a):
    broken = b"WEBVTT\n\n00:00:01.000 --> banana\nHello\n"
    interview = upload(data=broken, name="broken.vtt")
    assert interview.status == "failed"
    assert "line" in interview.error.lower()
    with interview.original_file.open("rb") as handle:
        assert handle.read() == broken


def _interview_changes(org, interview):
    from empathy_site.sync.models import ChangeEvent

    with tenant_scope(org):
        return list(ChangeEvent.objects.filter(object_type="interview", object_id=interview.public_id)
                    .order_by("pk").values_list("action", "changed_fields"))


def test_each_processing_step_is_told_to_the_feed_naming_fields_the_api_has(upload, org_a):
    """Processing writes its results with update() and names what changed (no read of the row first): the names
    must be the API's, not the model's (`format`, not `detected_format`)."""
    from interviews.api.serializers import InterviewSerializer

    api_fields = set(InterviewSerializer().fields)
    ready = upload()
    broken = upload(data=b"WEBVTT\n\n00:00:01.000 --> banana\nHello\n", name="broken.vtt")
    created, claimed, finished = _interview_changes(org_a, ready)
    assert created[0] == "created" and claimed == ("updated", ["status", "error", "progress"])
    assert finished[0] == "updated" and set(finished[1]) <= api_fields
    assert {"status", "progress", "utterance_count", "format", "duration_ms", "warnings", "processed_at",
            "updated_at"} <= set(finished[1])
    failed = _interview_changes(org_a, broken)[-1]
    assert failed[0] == "updated" and set(failed[1]) <= api_fields
    assert {"status", "error", "warnings", "updated_at"} <= set(failed[1])
    assert ready.updated_at >= ready.processed_at > ready.created_at


def test_processing_twice_is_idempotent(upload, org_a):
    interview = upload()
    with tenant_scope(org_a):
        assert services.interview_process(interview_id=interview.pk) is None  # nothing to claim
        services.interview_reprocess(interview=interview)
    with tenant_scope(org_a):
        services.interview_process(interview_id=interview.pk)
        assert Utterance.objects.filter(interview=interview).count() == 2
        assert SpeakerMapping.objects.filter(interview=interview).count() == 2


def test_a_claim_held_by_a_dead_worker_is_taken_over(upload, org_a):
    from datetime import timedelta

    from django.utils import timezone

    interview = upload()
    with tenant_scope(org_a):
        Interview.objects.filter(pk=interview.pk).update(status="processing", claimed_at=timezone.now() - timedelta(hours=2))
        assert services.interview_process(interview_id=interview.pk).status == "ready"
        Interview.objects.filter(pk=interview.pk).update(status="processing", claimed_at=timezone.now())
        assert services.interview_process(interview_id=interview.pk) is None


def test_reprocess_keeps_speaker_mappings(upload, org_a):
    interview = upload()
    with tenant_scope(org_a):
        participant = ParticipantFactory(organization=org_a, pseudonym="P01")
        dana = SpeakerMapping.objects.get(interview=interview, label="Dana Buyer")
        services.speaker_map(speaker=dana, participant=participant)
        services.interview_reprocess(interview=interview)
        services.interview_process(interview_id=interview.pk)
        dana.refresh_from_db()
        assert dana.participant == participant
        assert Utterance.objects.filter(interview=interview, speaker__participant=participant).count() == 1


def test_speakers_are_numbered_in_the_order_they_first_spoke_without_gaps_after_a_reprocess(upload, org_a):
    interview = upload(data=VTT.replace(b"1\n00:00:01.000", b"0\n00:00:00.000 --> 00:00:00.500\n<v Sam Interviewer>Hello.\n\n1\n00:00:01.000"))
    with tenant_scope(org_a):
        numbers = dict(SpeakerMapping.objects.filter(interview=interview).values_list("label", "number"))
        assert numbers == {"Sam Interviewer": 1, "Dana Buyer": 2}
        # An unmapped speaker an earlier file had first, who no longer speaks: the reprocess drops it, and the
        # others close ranks (no "Speaker 3" without a "Speaker 1").
        SpeakerMapping.objects.filter(interview=interview).update(number=F("number") + 1)
        SpeakerMapping.objects.create(organization=org_a, interview=interview, label="Ghost", number=1)
        services.interview_reprocess(interview=interview)
        services.interview_process(interview_id=interview.pk)
        numbers = dict(SpeakerMapping.objects.filter(interview=interview).values_list("label", "number"))
    assert numbers == {"Sam Interviewer": 1, "Dana Buyer": 2}


@pytest.mark.postgres
def test_the_migration_numbers_existing_speakers_by_id_within_each_interview(upload, org_a):
    """interviews 0019: speakers stored before the number existed get the number label_speakers used to work out
    (their order by id within the interview)."""
    from importlib import import_module

    from django.conf import settings
    from django.db import connection

    first, second = upload(), upload(data=VTT.replace(b"compare", b"weigh"), name="other.vtt")
    with tenant_scope(org_a):
        SpeakerMapping.objects.update(number=99)
    migration = import_module("interviews.migrations.0019_speakermapping_number")
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")  # migrations run as the owner
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses while the uploads' checks are pending
        try:
            with connection.schema_editor(atomic=True) as editor:
                migration.number_existing_speakers(None, editor)
        finally:
            cursor.execute(f'SET ROLE "{settings.DATABASE_APP_ROLE}"')
    with tenant_scope(org_a):
        for interview in (first, second):
            by_id = SpeakerMapping.objects.filter(interview=interview).order_by("pk").values_list("number", flat=True)
            assert list(by_id) == [1, 2]


def test_speaker_mapping_records_attendance_and_refuses_other_orgs(upload, org_a, org_b, alice):
    interview = upload()
    with tenant_scope(org_b):
        outsider = ParticipantFactory(organization=org_b)
    with tenant_scope(org_a):
        sam = SpeakerMapping.objects.get(interview=interview, label="Sam Interviewer")
        services.speaker_map(speaker=sam, team_member=alice.user)
        assert InterviewParticipant.objects.get(interview=interview).team_member == alice.user
        with pytest.raises(ValidationError):
            services.speaker_map(speaker=sam, participant=outsider)


def test_team_member_must_belong_to_the_org(upload, org_a, charlie):
    interview = upload()
    with tenant_scope(org_a), pytest.raises(ValidationError):
        services.speaker_map(speaker=SpeakerMapping.objects.filter(interview=interview).first(), team_member=charlie.user)


def test_delete_removes_rows_and_file_after_commit(upload, org_a, django_capture_on_commit_callbacks):
    interview = upload()
    storage, name = interview.original_file.storage, interview.original_file.name
    with django_capture_on_commit_callbacks(execute=True), tenant_scope(org_a):
        services.interview_delete(interview=interview)
    with tenant_scope(org_a):
        assert not Utterance.objects.exists() and not Interview.objects.exists()
    assert not storage.exists(name)


def test_participant_pseudonyms_are_unique_per_org(org_a, org_b):
    with tenant_scope(org_a):
        services.participant_create(pseudonym="P01", attributes={"role": "procurement"})
        with pytest.raises(ValidationError):
            services.participant_create(pseudonym="P01")
    with tenant_scope(org_b):
        services.participant_create(pseudonym="P01")


def test_participant_attributes_must_be_key_values(org_a):
    with tenant_scope(org_a), pytest.raises(ValidationError):
        services.participant_create(pseudonym="P02", attributes=["not", "a", "map"])
