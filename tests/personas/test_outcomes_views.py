"""The web side: the mirror and the perspective instruction on the check form (with its experiment), outcomes
on the message page and by CSV, the insights page, and exercises whose truth is not in the page before answering."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from empathy_site.tenancy.context import tenant_scope
from interviews import services as interview_services
from personas import selectors, services
from personas.forms import instruction_token
from personas.models import AssumptionCheck, Exercise, Outcome

INSTRUCTION = "Set aside your own preferences as a consumer"


def token_in(html: str) -> str:
    return re.search(r'name="instruction_token" value="([^"]+)"', html).group(1)


def post_message(client, org, token, title="Spring", **extra):
    return client.post(reverse("message_create", args=[org.slug]), {
        "title": title, "channel": "email", "body": "Words", "basis": "preference", "own_taste": "4",
        "predicted_reaction": "3", "instruction_token": token, **extra})


def test_the_form_shows_the_mirror_then_the_instruction_and_records_it(client, org_a, alice):
    client.force_login(alice.user)
    page = client.get(reverse("message_create", args=[org_a.slug])).content.decode()
    assert "Your record:" in page and "5 more before your record shows" in page
    assert INSTRUCTION in page  # no experiment: shown on every check
    assert post_message(client, org_a, token_in(page)).status_code == 302
    with tenant_scope(org_a):
        assert AssumptionCheck.objects.get().instruction_shown is True


def test_a_forged_or_missing_token_vouches_for_nothing(client, org_a, alice):
    client.force_login(alice.user)
    forged = instruction_token(True)[:-2] + "xx"
    assert post_message(client, org_a, forged).status_code == 302
    assert post_message(client, org_a, "", title="Two").status_code == 302
    with tenant_scope(org_a):
        assert list(AssumptionCheck.objects.values_list("instruction_shown", flat=True)) == [False, False]


def test_the_experiment_assigns_the_instruction_at_random_and_records_it(client, org_a, alice):
    with tenant_scope(org_a):
        services.evidence_policy_update(instruction_experiment=True)
        draws = [selectors.instruction_assignment() for _ in range(4000)]
    # A fair coin: 2000 expected, sd 31.6; 5 sd either side fails once in millions of runs.
    assert 1842 <= sum(draws) <= 2158
    client.force_login(alice.user)
    seen = {}
    for _ in range(24):
        page = client.get(reverse("message_create", args=[org_a.slug])).content.decode()
        seen.setdefault(INSTRUCTION in page, page)
    assert set(seen) == {True, False}  # both halves turn up (all alike: 1 in 8 million)
    assert post_message(client, org_a, token_in(seen[False]), title="Without").status_code == 302
    assert post_message(client, org_a, token_in(seen[True]), title="With").status_code == 302
    with tenant_scope(org_a):
        recorded = dict(AssumptionCheck.objects.values_list("revision__message__title", "instruction_shown"))
    assert recorded == {"Without": False, "With": True}


def test_a_form_shown_again_with_errors_keeps_its_assignment(client, org_a, alice):
    client.force_login(alice.user)
    token = instruction_token(False)
    page = post_message(client, org_a, token, body="").content.decode()
    assert token_in(page) == token and INSTRUCTION not in page


def test_stakeholder_basis_on_the_form(client, org_a, alice):
    client.force_login(alice.user)
    refused = post_message(client, org_a, "", basis="stakeholder")
    assert refused.status_code == 400 and "whose constraint" in refused.content.decode().lower()
    assert post_message(client, org_a, "", basis="stakeholder", stakeholder="legal").status_code == 302
    with tenant_scope(org_a):
        assert AssumptionCheck.objects.get().stakeholder == "legal"
    insights = client.get(reverse("message_insights", args=[org_a.slug])).content.decode()
    assert "stakeholder constraints" in insights and "Legal 1" in insights


def write(org, by, title, taste=4, predicted=4):
    with tenant_scope(org):
        return services.message_create(title=title, channel="email", body="Words.", target_personas=[], by=by,
                                       check=services.CheckAnswers(basis="preference", own_taste=taste,
                                                                   predicted_reaction=predicted))


def test_record_an_outcome_on_the_message_page(client, org_a, alice):
    message = write(org_a, alice.user, "Spring")
    client.force_login(alice.user)
    url = reverse("message_outcome_create", args=[org_a.slug, message.public_id])
    bad = client.post(url, {"observed_reaction": "3", "revision": "1", "metric_value": "0.03"})
    assert bad.status_code == 400 and "Name the metric" in bad.content.decode()
    ok = client.post(url, {"observed_reaction": "2", "revision": "1", "metric_name": "reply rate", "metric_value": "0.03",
                           "metric_source": "campaign_report"})
    assert ok.status_code == 302
    page = client.get(reverse("message_detail", args=[org_a.slug, message.public_id])).content.decode()
    assert "reply rate" in page and "+2" in page


def test_csv_import_is_all_or_nothing_and_names_every_wrong_row(client, org_a, alice):
    spring = write(org_a, alice.user, "Spring")
    write(org_a, alice.user, "Autumn")
    client.force_login(alice.user)
    url = reverse("outcome_import", args=[org_a.slug])
    bad = ("message,observed_reaction,revision,metric_name,metric_value\n"
           f"{spring.public_id},4,,ctr,0.03\nAutumn,9,,,\nWinter,3,,,\nSpring,2,,,\n")
    response = client.post(url, {"file": _file(bad)})
    text = response.content.decode()
    assert response.status_code == 400 and "Nothing was imported" in text
    assert "Row 3:" in text and "Row 4: no message" in text and "Row 5:" in text and "one row per message" in text
    with tenant_scope(org_a):
        assert not Outcome.objects.exists()
    good = f"message,observed_reaction,revision\n{spring.public_id},4,\nAutumn,2,1\n"
    assert client.post(url, {"file": _file(good)}).status_code == 302
    with tenant_scope(org_a):
        assert sorted(Outcome.objects.values_list("message__title", "observed_reaction")) == [("Autumn", 2), ("Spring", 4)]
    assert client.post(url, {"file": _file("title\nx\n")}).status_code == 400
    assert client.post(url, {"file": _file(b"\xff\xfe\x00bad")}).status_code == 400


def _file(content):
    return SimpleUploadedFile("outcomes.csv", content.encode() if isinstance(content, str) else content, content_type="text/csv")


def test_insights_show_calibration_below_and_above_five(client, org_a, alice):
    client.force_login(alice.user)
    for n, observed in enumerate([3, 3, 3, 3]):
        message = write(org_a, alice.user, f"m{n}", taste=5 - n, predicted=4)
        with tenant_scope(org_a):
            services.outcome_record(message=message, observed_reaction=observed)
    page = client.get(reverse("message_insights", args=[org_a.slug])).content.decode()
    assert "4 so far: 1 more needed" in page
    message = write(org_a, alice.user, "m5", taste=1, predicted=2)
    with tenant_scope(org_a):
        services.outcome_record(message=message, observed_reaction=4)
    page = client.get(reverse("message_insights", args=[org_a.slug])).content.decode()
    assert "1 more needed" not in page.split("Predictions against outcomes")[1].split("By quarter")[0]
    assert "MAE" in page and "The perspective instruction" in page


def test_an_exercise_page_holds_no_truth_before_answering(client, evidence, bob, member_factory):
    with tenant_scope(evidence["org"]):
        audit = interview_services.tag_create(name="Audit")
        interview_services.highlight_set_tags(highlight=evidence["h"]["ana1"], tags=[audit])
        exercise = services.exercise_create(title="Buyers", questions=[
            services.QuestionSpec(kind="share", tag=audit, segment="procurement")], by=bob.user)
        question = exercise.questions.get()
    mia = member_factory(evidence["org"], "marketer", "mia@example.test")
    client.force_login(mia.user)
    url = reverse("exercise_take", args=[evidence["org"].slug, exercise.public_id])
    before = client.get(url).content.decode()
    assert "What share of procurement participants" in before
    # The page's own numbers (input bounds) and random ones (ids, the CSRF token) aside, no 50 (the truth) anywhere.
    shown = re.sub(r'max="100"|min="0"|name="csrfmiddlewaretoken" value="\w+"|[0-9a-f]{8}-[0-9a-f-]{27}', "",
                   before.split("<main")[1])
    assert "1 of 2" not in before and "50" not in shown
    answered = client.post(url, {f"own-{question.public_id}": "90", f"prediction-{question.public_id}": "80"})
    assert answered.status_code == 302
    after = client.get(url).content.decode()
    assert "1 of 2 procurement participants raised “Audit”." in after and "Ana" in after
    listing = client.get(reverse("exercise_list", args=[evidence["org"].slug])).content.decode()
    assert "4 more needed" in listing and "without names" in listing


@pytest.mark.parametrize("role, status", [("viewer", 403), ("marketer", 200)])
def test_roles_on_the_new_pages(client, org_a, alice, member_factory, role, status):
    message = write(org_a, alice.user, "Spring")
    member = member_factory(org_a, role)
    client.force_login(member.user)
    assert client.get(reverse("outcome_import", args=[org_a.slug])).status_code == status
    posted = client.post(reverse("message_outcome_create", args=[org_a.slug, message.public_id]),
                         {"observed_reaction": "3", "revision": "1"})
    assert posted.status_code == (403 if role == "viewer" else 302)


def test_a_researcher_builds_an_exercise_from_tags_and_a_segment(client, evidence, bob, member_factory):
    with tenant_scope(evidence["org"]):
        tags = [interview_services.tag_create(name=n) for n in ("Audit", "Speed", "Price")]
        interview_services.highlight_set_tags(highlight=evidence["h"]["ben"], tags=tags[:2])
    client.force_login(bob.user)
    url = reverse("exercise_create", args=[evidence["org"].slug])
    page = client.get(url).content.decode()
    assert "procurement" in page and "legal" in page  # the segments the evidence has
    response = client.post(url, {"title": "Buyers", "segment": "procurement", "tags": [str(t.public_id) for t in tags]})
    assert response.status_code == 302
    with tenant_scope(evidence["org"]):
        exercise = Exercise.objects.get()
        kinds = list(exercise.questions.values_list("kind", "truth"))
    # Tags in name order: Audit, Price, Speed.
    assert kinds == [("share", [50.0]), ("share", [0.0]), ("share", [50.0]), ("rank", [75.0, 0.0, 75.0])]
    mia = member_factory(evidence["org"], "marketer", "mia@example.test")
    client.force_login(mia.user)
    assert client.get(url).status_code == 403


def test_a_researcher_builds_quote_questions_from_the_evidence(client, evidence, bob):
    client.force_login(bob.user)
    url = reverse("exercise_create", args=[evidence["org"].slug])
    response = client.post(url, {"title": "Whose words?", "segment": "legal", "quote_questions": "1"})
    assert response.status_code == 302, response.content.decode()
    with tenant_scope(evidence["org"]):
        question = Exercise.objects.get().questions.get()
        options = question.option_list()
    assert question.kind == "quote" and len(options) == 4 and sorted(question.truth) == [0.0, 0.0, 0.0, 100.0]
    right = options[question.truth.index(100.0)]
    assert right["label"] == evidence["h"]["cy"].quote  # Cy is the only legal participant
    assert {o["label"] for o in options} == {h.quote for h in evidence["h"].values()}

    # Procurement has three quotes but only Cy's from outside it: one question can be built, two cannot.
    refused = client.post(url, {"title": "Too many", "segment": "procurement", "quote_questions": "2"})
    assert refused.status_code == 400
    assert "enough for 1 quote question" in refused.content.decode()
    empty = client.post(url, {"title": "Nothing", "segment": "legal", "quote_questions": "0"})
    assert empty.status_code == 400 and "Choose tags to ask about" in empty.content.decode()
    with tenant_scope(evidence["org"]):
        assert Exercise.objects.count() == 1
