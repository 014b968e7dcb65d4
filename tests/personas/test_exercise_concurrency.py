"""Answers are final: the same person answering the same question on parallel connections gets one answer
recorded and a 409 for the others (the unique constraint decides, not a check made before writing)."""

import pytest
from rest_framework.test import APIClient

from empathy_site.tenancy.context import tenant_scope
from interviews import services as interview_services
from personas import services
from personas.models import ExerciseAnswer
from tests.interviews.factories import ParticipantFactory
from tests.test_concurrency import concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_parallel_answers_to_one_question_record_one(org_a, alice):
    with tenant_scope(org_a):
        ParticipantFactory(organization=org_a, attributes={"role": "buyer"})
        tag = interview_services.tag_create(name="Audit")
        exercise = services.exercise_create(title="x", questions=[services.QuestionSpec(kind="share", tag=tag, segment="buyer")])
        question = exercise.questions.get()

    def answer():
        client = APIClient()
        client.force_login(alice.user)
        return client.post(f"/api/v1/exercises/{exercise.public_id}/answers/", {"answers": [
            {"question": str(question.public_id), "own": 50, "prediction": 40}]}, format="json",
            HTTP_X_ORGANIZATION=org_a.slug).status_code

    results = concurrently([answer] * 6)
    assert all(kind == "ok" for kind, _ in results), results
    assert sorted(status for _, status in results) == [201] + [409] * 5
    with tenant_scope(org_a):
        assert ExerciseAnswer.objects.count() == 1
