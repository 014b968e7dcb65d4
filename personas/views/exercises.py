"""Web UI for predict-then-reveal exercises: answer your own view, then your prediction, then see the truth."""

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse

from empathy_site.tenancy.lookups import resolve_one
from empathy_site.tenancy.roles import Perm
from empathy_site.tenancy.web import OrgView, ServiceFormView
from interviews.models import Participant

from .. import selectors, services
from ..forms import ExerciseBuildForm
from ..models import Exercise, ExerciseAnswer, ExerciseQuestion


def _segments() -> list[str]:
    """The values of the evidence policy's segment attribute among participants."""
    attribute = selectors.evidence_policy().segment_attribute
    values = {str(a.get(attribute)) for a in Participant.objects.values_list("attributes", flat=True)
              if isinstance(a, dict) and a.get(attribute) not in (None, "")}
    return sorted(values)


class ExerciseCreateView(ServiceFormView):
    read_permission = write_permission = Perm.RESEARCH
    form_class = ExerciseBuildForm

    def form_kwargs(self):
        return {"segments": _segments()}

    def get(self, request, form=None, status=200):
        return render(request, "personas/exercises/build.html", {
            "form": form or ExerciseBuildForm(segments=_segments()),
            "attribute": selectors.evidence_policy().segment_attribute}, status=status)

    def perform(self, form):
        return services.exercise_create(title=form.cleaned_data["title"], questions=form.question_specs(),
                                        by=self.request.user)

    def success_message(self, exercise) -> str:
        return f"Exercise built: {exercise.questions.count()} questions, answers computed from the evidence."

    def success_url(self, exercise) -> str:
        return reverse("exercise_take", args=[self.organization.slug, exercise.public_id])


class ExerciseListView(OrgView):
    def get(self, request):
        names_visible = selectors.evidence_policy().exercise_names_visible
        return render(request, "personas/exercises/list.html", {
            "exercises": Exercise.objects.select_related("created_by").order_by("-created_at", "-id")[:100],
            "answered": set(ExerciseAnswer.objects.filter(user=request.user).values_list("exercise_id", flat=True)),
            "my_score": selectors.exercise_score(user=request.user),
            "team": selectors.exercise_team_distribution(names_visible=names_visible), "names_visible": names_visible,
            "can_build": self.can(Perm.RESEARCH),
        })


def _posted_value(question: ExerciseQuestion, post, prefix: str):
    """The answer as the service takes it, from the form's fields; a ValidationError for one left blank."""
    name = f"{prefix}-{question.public_id}"
    if question.kind == ExerciseQuestion.Kind.SHARE:
        raw = post.get(name, "").strip()
        try:
            return float(raw)
        except ValueError:
            raise ValidationError(f"Question {question.position}: give a number from 0 to 100.") from None
    if question.kind == ExerciseQuestion.Kind.RANK:
        places = {}
        for option in question.options:
            raw = post.get(f"{name}-{option['id']}", "")
            if not raw.isdigit():
                raise ValidationError(f"Question {question.position}: give every option a place.")
            places[option["id"]] = int(raw)
        if sorted(places.values()) != list(range(1, len(places) + 1)):
            raise ValidationError(f"Question {question.position}: give each place once, 1 to {len(places)}.")
        return sorted(places, key=places.get)
    return post.get(name, "")


class ExerciseTakeView(OrgView):
    """Unanswered questions as a form; answered ones with the truth and the quotes behind it. The truth of a
    question is rendered only after the person's own answer to it exists."""

    read_permission = write_permission = Perm.MESSAGES

    def get(self, request, exercise_id, errors=(), status=200):
        exercise = resolve_one(Exercise, exercise_id)
        reveals = selectors.exercise_reveals(exercise=exercise, user=request.user)
        answered = {r["question"].pk for r in reveals}
        return render(request, "personas/exercises/take.html", {
            "exercise": exercise, "reveals": reveals, "errors": errors,
            "open": [q for q in exercise.questions.prefetch_related("evidence").order_by("position") if q.pk not in answered],
        }, status=status)

    def post(self, request, exercise_id):
        exercise = resolve_one(Exercise, exercise_id)
        answered = set(ExerciseAnswer.objects.filter(exercise=exercise, user=request.user).values_list("question_id", flat=True))
        given = []
        try:
            for question in exercise.questions.exclude(pk__in=answered).order_by("position"):
                if not any(key.startswith(f"own-{question.public_id}") for key in request.POST):
                    continue  # left for later
                given.append((question, _posted_value(question, request.POST, "own"),
                              _posted_value(question, request.POST, "prediction")))
            services.exercise_answer(exercise=exercise, answers=given, by=request.user)
        except ValidationError as error:
            return self.get(request, exercise_id, errors=error.messages, status=400)
        flash.success(request, "Answered. Here is what the evidence says.")
        return redirect("exercise_take", org_slug=self.organization.slug, exercise_id=exercise_id)
