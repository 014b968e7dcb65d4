"""API views for calibration records and predict-then-reveal exercises (outcomes live on MessageViewSet)."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from empathy_site.api.base import OrgAPIView, TenantModelViewSet
from empathy_site.api.schema import results_of
from empathy_site.tenancy.lookups import resolve_many, resolve_one
from empathy_site.tenancy.models import User
from empathy_site.tenancy.roles import Perm
from interviews.models import Highlight, Tag

from .. import selectors, services
from ..models import Exercise, ExerciseQuestion, Persona
from .outcome_serializers import (
    AnswersCreateSerializer,
    ExerciseCreateSerializer,
    ExerciseSerializer,
    RecordQuerySerializer,
    RecordSerializer,
    RevealSerializer,
)


def record_subject(view, raw_author) -> User | None:
    """The member whose record is asked for, or None for the team. Another member's record, without the right
    to see it, is "not found" exactly like somebody who is not a member: no existence leak."""
    if raw_author is None:
        return None
    author = resolve_one(User, raw_author)
    if author == view.actor:
        return author
    is_key = view.actor is None  # an integration key reads the organisation's data as a whole
    if not (is_key or selectors.others_records_visible(is_admin=view.can(Perm.MANAGE_ORG))):
        resolve_one(User.objects.none(), raw_author)  # raises the same 404
    return author


# One component for both the GET and the POST answer (two inline serializers of one name would collide).
REVEAL_LIST = results_of(RevealSerializer, "RevealList")

class CalibrationView(OrgAPIView):
    """Predictions against outcomes: signed error (predicted - observed), MAE and the projection index."""

    query_parameters = {"get": ("author",)}

    @extend_schema(parameters=[RecordQuerySerializer], responses=RecordSerializer)
    def get(self, request):
        query = RecordQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        author = record_subject(self, query.validated_data.get("author"))
        return Response(selectors.calibration_record(author=author).as_dict())


def _question_specs(questions) -> list[services.QuestionSpec]:
    return [
        services.QuestionSpec(
            kind=q["kind"], segment=q["segment"].strip(), tag=resolve_one(Tag, q["tag"], field="tag"),
            tags=resolve_many(Tag, q["tags"], field="tags"), highlights=resolve_many(
                Highlight.objects.select_related("participant"), q["highlights"], field="highlights"),
        )
        for q in questions
    ]


class ExerciseViewSet(TenantModelViewSet):
    """Exercises researchers build from the evidence. Questions come without their truth; answering a question
    (POST answers) is the only way to see it, with the quotes behind it."""

    http_method_names = ["get", "post", "head", "options"]
    model = Exercise
    serializer_class = ExerciseSerializer
    write_permission = Perm.RESEARCH
    # Answering is what marketers do; reading one's own answers needs the same right.
    action_permissions = {"answers": Perm.MESSAGES}
    query_parameters = {"score": ("author",)}

    def scope_queryset(self, queryset):
        return queryset.select_related("persona", "created_by").prefetch_related("questions__evidence")

    @extend_schema(request=ExerciseCreateSerializer, responses={201: ExerciseSerializer})
    def create(self, request, *args, **kwargs):
        serializer = ExerciseCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        exercise = services.exercise_create(
            title=data["title"], persona=resolve_one(Persona, data["persona"], field="persona"),
            questions=_question_specs(data["questions"]), by=self.actor,
        )
        return Response(ExerciseSerializer(self.get_queryset().get(pk=exercise.pk)).data, status=status.HTTP_201_CREATED)

    def _reveals(self, exercise):
        if self.actor is None:
            return []
        return RevealSerializer(selectors.exercise_reveals(exercise=exercise, user=self.actor), many=True).data

    @extend_schema(methods=["GET"], responses=REVEAL_LIST)
    @extend_schema(methods=["POST"], request=AnswersCreateSerializer, responses={201: REVEAL_LIST})
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def answers(self, request, *args, **kwargs):
        exercise = self.get_object()
        if request.method == "POST":
            serializer = AnswersCreateSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            questions = ExerciseQuestion.objects.filter(exercise=exercise)
            given = [(resolve_one(questions, a["question"], field="question"), a["own"], a["prediction"])
                     for a in serializer.validated_data["answers"]]
            services.exercise_answer(exercise=exercise, answers=given, by=self.actor)
            return Response({"results": self._reveals(exercise), "next": None}, status=status.HTTP_201_CREATED)
        return Response({"results": self._reveals(exercise), "next": None})

    @extend_schema(parameters=[RecordQuerySerializer], responses=RecordSerializer)
    @action(detail=False, methods=["get"], url_path="score")
    def score(self, request, *args, **kwargs):
        query = RecordQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        author = record_subject(self, query.validated_data.get("author"))
        return Response(selectors.exercise_score(user=author).as_dict())
