"""Utterances are stored with COPY into a temporary table and one INSERT ... SELECT (#19 ingest speed), under the
runtime role with row-level security in force: same rows as before, nothing another organisation can write into."""

import pytest
from django.db import DatabaseError, connection, transaction

from empathy_site.tenancy.context import tenant_atomic, tenant_scope
from interviews.models import SpeakerMapping, Utterance
from interviews.services.ingest import _insert_utterances
from tests.interviews.evidence_fixtures import make_interview

pytestmark = pytest.mark.postgres


def _rows(org_id, interview, speaker, texts, start=0):
    return [(org_id, interview.pk, start + n, speaker.pk, n * 1000, n * 1000 + 900, text)
            for n, text in enumerate(texts)]


def test_rows_go_in_whole_and_searchable_and_a_second_call_in_one_transaction_adds_only_its_own(org_a):
    interview = make_interview(org_a, [("Ann", "hello")], title="Copy")
    with tenant_scope(org_a):
        speaker = SpeakerMapping.objects.filter(interview=interview).first()
        Utterance.objects.filter(interview=interview).delete()
        with tenant_atomic():
            _insert_utterances(_rows(org_a.pk, interview, speaker, ["first tab\tand quote 'x'", "naïve café"]))
            _insert_utterances(_rows(org_a.pk, interview, speaker, ["third \\ backslash"], start=2))
        stored = list(Utterance.objects.filter(interview=interview).order_by("position").values_list("position", "text"))
        assert stored == [(0, "first tab\tand quote 'x'"), (1, "naïve café"), (2, "third \\ backslash")]
        # Each row got its own public id, made by the INSERT (version 4 UUIDs, as the ORM makes them).
        public_ids = set(Utterance.objects.filter(interview=interview).values_list("public_id", flat=True))
        assert len(public_ids) == 3 and {public_id.version for public_id in public_ids} == {4}
        with connection.cursor() as cursor:  # the generated tsvector filled itself, as for any insert
            cursor.execute("SELECT count(*) FROM interviews_utterance WHERE interview_id = %s "
                           "AND search_vector @@ to_tsquery('english', 'backslash')", [interview.pk])
            assert cursor.fetchone()[0] == 1


def test_rows_of_another_organisation_are_refused_by_row_level_security(org_a, org_b):
    interview = make_interview(org_a, [("Ann", "hello")], title="Copy")
    with tenant_scope(org_a):
        speaker = SpeakerMapping.objects.filter(interview=interview).first()
        before = Utterance.objects.count()
    with pytest.raises(DatabaseError), tenant_scope(org_b), transaction.atomic():
        _insert_utterances(_rows(org_a.pk, interview, speaker, ["smuggled"]))
    with tenant_scope(org_a):
        assert Utterance.objects.count() == before
