"""Concurrent writers on real parallel PostgreSQL connections: no lost update, no cycle, no 500.

Each thread has its own Django connection (closed when it ends) and waits on a
barrier, so the requests really overlap.
"""

import threading

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from rest_framework.test import APIClient

from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.services import api_key_create
from interviews import selectors, services
from interviews.models import Participant, ParticipantExternalId, Study, Tag
from interviews.services import tags as tag_services
from personas.models import Persona
from tests.api_assertions import assert_error

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8


def api_key(org) -> str:
    _, raw = api_key_create(organization=org, name="crm", scopes=["read", "write"])
    # A first request stamps the key's last_used_at; done now, so the concurrent requests don't all
    # queue behind that one UPDATE of the key's row, which would serialise them and hide the race.
    assert client_with(raw).get("/api/v1/studies/").status_code == 200
    return raw


def client_with(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def concurrently(calls, timeout=60):
    """Run each call in its own thread with its own connection, all released at once.

    Returns one ("ok", value) or ("error", exception) per call, in order.
    """
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(10)
            outcomes[index] = ("ok", call())
        except Exception as error:  # recorded, asserted on by the test
            outcomes[index] = ("error", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c), daemon=True) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(t.is_alive() for t in threads), "a concurrent writer never finished (deadlock or hang)"
    return outcomes


def finishes(call, timeout=20):
    """Run call on its own connection; a walk that loops forever fails the test instead of hanging it.

    Safety net only: if the call is still running after `timeout`, its database session is
    terminated so the thread stops and the test database can be emptied.
    """
    result, pid = {}, {}

    def run():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid["pid"] = cursor.fetchone()[0]
            result["value"] = call()
        except Exception as error:
            result["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    hung = thread.is_alive()
    if hung and "pid" in pid:
        with connection.cursor() as cursor:
            # Both sessions log in as the owner and SET ROLE to the app role, which may not signal an owner's session.
            cursor.execute("RESET ROLE")
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid["pid"]])
            cursor.execute(f'SET ROLE "{settings.DATABASE_APP_ROLE}"')
        thread.join(10)
    assert not hung, "the call did not finish: an ancestor walk loops on a cycle"
    return result


def statuses(outcomes) -> list:
    assert all(kind == "ok" for kind, _ in outcomes), [v for k, v in outcomes if k == "error"]
    return sorted(response.status_code for _, response in outcomes)


# If-Match ------------------------------------------------------------------------------


def test_if_match_lets_exactly_one_of_eight_concurrent_patches_through(org_a):
    raw = api_key(org_a)
    api = client_with(raw)
    created = api.post("/api/v1/participants/", {"pseudonym": "P1"}, format="json").json()
    url = f"/api/v1/participants/{created['id']}/"
    etag = api.get(url)["ETag"]

    def patch(writer):
        return lambda: client_with(raw).patch(url, {"attributes": {"writer": writer}}, format="json", HTTP_IF_MATCH=etag)

    outcomes = concurrently([patch(f"Writer {n}") for n in range(THREADS)])

    assert statuses(outcomes) == [200] + [412] * (THREADS - 1)
    refused = [r for _, r in outcomes if r.status_code == 412]
    assert all(r.json()["error"]["code"] == "precondition_failed" for r in refused)
    winner = next(r for _, r in outcomes if r.status_code == 200)
    current = api.get(url)
    assert current.json()["attributes"] == winner.json()["attributes"]
    assert current["ETag"] == winner["ETag"] != etag


def test_if_match_guards_delete_against_a_concurrent_patch(org_a):
    raw = api_key(org_a)
    api = client_with(raw)
    created = api.post("/api/v1/studies/", {"name": "Churn"}, format="json").json()
    url = f"/api/v1/studies/{created['id']}/"
    etag = api.get(url)["ETag"]

    outcomes = concurrently([
        lambda: client_with(raw).patch(url, {"goal": "Why they leave"}, format="json", HTTP_IF_MATCH=etag),
        lambda: client_with(raw).delete(url, HTTP_IF_MATCH=etag),
    ])

    codes = statuses(outcomes)
    assert codes in ([200, 412], [204, 404])  # never both: the delete would discard the accepted patch


# The tag tree ------------------------------------------------------------------------------


def tag_ids(org, *names) -> list:
    with tenant_scope(org):
        return [str(Tag.objects.get(name=name).public_id) for name in names]


def has_cycle(org) -> bool:
    with tenant_scope(org):
        parents = dict(Tag.objects.values_list("pk", "parent_id"))
    for start in parents:
        seen, node = set(), start
        while node is not None:
            if node in seen:
                return True
            seen.add(node)
            node = parents.get(node)
    return False


def meet_before(monkeypatch, owner, name, parties=2):
    """Writers that reach owner.name (after their checks, before their write) wait there for each other,
    so the race is certain rather than left to thread timing. When a lock lets only one writer that far,
    the wait gives up after a few seconds and that writer carries on alone."""
    original = getattr(owner, name)
    meeting = threading.Barrier(parties)

    def wrapper(*args, **kwargs):
        try:
            meeting.wait(3)
        except threading.BrokenBarrierError:
            pass
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, wrapper)


def test_two_concurrent_reparentings_cannot_close_a_cycle(org_a, monkeypatch):
    raw = api_key(org_a)
    with tenant_scope(org_a):
        services.tag_create(name="X")
        services.tag_create(name="Y")
    x, y = tag_ids(org_a, "X", "Y")
    meet_before(monkeypatch, Tag, "save")

    outcomes = concurrently([
        lambda: client_with(raw).patch(f"/api/v1/tags/{x}/", {"parent": y}, format="json"),
        lambda: client_with(raw).patch(f"/api/v1/tags/{y}/", {"parent": x}, format="json"),
    ])

    assert statuses(outcomes) == [200, 400]
    refused = next(r for _, r in outcomes if r.status_code == 400).json()["error"]
    assert refused["code"] == "invalid" and "under itself" in refused["message"]
    assert not has_cycle(org_a)


def test_two_concurrent_reparentings_in_the_service_cannot_close_a_cycle(org_a, monkeypatch):
    with tenant_scope(org_a):
        a = services.tag_create(name="A")
        b = services.tag_create(name="B")
    meet_before(monkeypatch, Tag, "save")

    def move(tag, parent):
        def call():  # each writer reads its own copies, as separate requests would
            with tenant_scope(org_a):
                return services.tag_update(tag=Tag.objects.get(pk=tag.pk), parent=Tag.objects.get(pk=parent.pk))
        return call

    outcomes = concurrently([move(a, b), move(b, a)])

    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["error", "ok"]
    error = next(v for k, v in outcomes if k == "error")
    assert isinstance(error, ValidationError) and "under itself" in str(error)
    assert not has_cycle(org_a)


def test_two_concurrent_opposite_merges_keep_one_tag(org_a, monkeypatch):
    raw = api_key(org_a)
    with tenant_scope(org_a):
        services.tag_create(name="Cost")
        services.tag_create(name="Price")
    cost, price = tag_ids(org_a, "Cost", "Price")
    meet_before(monkeypatch, tag_services, "audit_record")

    outcomes = concurrently([
        lambda: client_with(raw).post(f"/api/v1/tags/{cost}/merge/", {"into": price}, format="json"),
        lambda: client_with(raw).post(f"/api/v1/tags/{price}/merge/", {"into": cost}, format="json"),
    ])

    codes = statuses(outcomes)
    assert codes in ([200, 400], [200, 404])
    with tenant_scope(org_a):
        assert Tag.objects.count() == 1


def plant_cycle(org):
    """X -> Y -> X written straight to the table, as a bad migration or import could leave it."""
    with tenant_scope(org):
        x = services.tag_create(name="X")
        y = services.tag_create(name="Y", parent=x)
        child = services.tag_create(name="Child")
        Tag.objects.filter(pk=x.pk).update(parent=y)
    return x, y, child


def test_a_planted_cycle_never_hangs_the_tree_a_move_or_a_merge(org_a):
    x, y, child = plant_cycle(org_a)

    def in_org(call):
        def run():
            with tenant_scope(org_a):
                return call()
        return run

    tree = finishes(in_org(selectors.tag_tree))
    assert sorted(t.name for t in tree["value"]) == ["Child", "X", "Y"]

    moved = finishes(in_org(lambda: services.tag_update(tag=child, parent=x)))
    assert isinstance(moved.get("error"), ValidationError) and "loop" in str(moved["error"])

    merged = finishes(in_org(lambda: services.tag_merge(source=child, target=y)))
    assert isinstance(merged.get("error"), ValidationError) and "loop" in str(merged["error"])

    # The way out works: lifting a tag of the loop to the top level needs no walk.
    lifted = finishes(in_org(lambda: services.tag_update(tag=x, parent=None)))
    assert "error" not in lifted, lifted
    assert not has_cycle(org_a)


def test_a_planted_cycle_answers_400_through_the_api(org_a):
    raw = api_key(org_a)
    x, _, child = plant_cycle(org_a)
    response = finishes(lambda: client_with(raw).patch(
        f"/api/v1/tags/{child.public_id}/", {"parent": str(x.public_id)}, format="json"))["value"]
    assert "loop" in assert_error(response, 400, "invalid")["message"]
    listed = finishes(lambda: client_with(raw).get("/api/v1/tags/"))["value"]
    assert listed.status_code == 200 and len(listed.json()["results"]) == 3


# Unique races ---------------------------------------------------------------------------------


def assert_one_created_rest_conflict(outcomes, created=201):
    codes = statuses(outcomes)
    assert codes == [created] + [409] * (THREADS - 1), codes
    for _, response in outcomes:
        if response.status_code == 409:
            error = response.json()["error"]
            assert error["code"] == "conflict" and "already" in error["message"]


def post_all(raw, path, body):
    return concurrently([lambda: client_with(raw).post(path, body, format="json") for _ in range(THREADS)])


def test_concurrent_creates_of_one_pseudonym_give_one_201_and_409s(org_a):
    outcomes = post_all(api_key(org_a), "/api/v1/participants/", {"pseudonym": "P-race"})
    assert_one_created_rest_conflict(outcomes)
    conflict = next(r for _, r in outcomes if r.status_code == 409).json()["error"]
    assert "pseudonym" in conflict["details"]
    with tenant_scope(org_a):
        assert Participant.objects.filter(pseudonym="P-race").count() == 1


def test_concurrent_creates_of_one_crm_id_give_one_201_and_409s(org_a):
    raw = api_key(org_a)
    outcomes = concurrently([
        (lambda n=n: client_with(raw).post(
            "/api/v1/participants/", {"pseudonym": f"P{n}", "external_ids": {"hubspot": "77"}}, format="json"))
        for n in range(THREADS)
    ])
    assert_one_created_rest_conflict(outcomes)
    with tenant_scope(org_a):
        assert ParticipantExternalId.objects.filter(system="hubspot", external_id="77").count() == 1
        assert Participant.objects.count() == 1


def test_concurrent_upserts_of_one_new_external_id_create_it_once(org_a):
    raw = api_key(org_a)
    body = {"system": "hubspot", "participants": [{"external_id": "555", "attributes": {"role": "buyer"}}]}
    outcomes = post_all(raw, "/api/v1/participants/upsert/", body)

    codes = statuses(outcomes)
    assert set(codes) <= {200, 409} and 200 in codes, codes
    created = [r.json()["results"][0]["created"] for _, r in outcomes if r.status_code == 200]
    assert created.count(True) == 1
    with tenant_scope(org_a):
        assert Participant.objects.count() == 1
        assert ParticipantExternalId.objects.filter(system="hubspot", external_id="555").count() == 1


def test_concurrent_creates_of_one_tag_name_give_one_201_and_409s(org_a):
    outcomes = post_all(api_key(org_a), "/api/v1/tags/", {"name": "Trust"})
    assert_one_created_rest_conflict(outcomes)
    with tenant_scope(org_a):
        assert Tag.objects.filter(name__iexact="trust").count() == 1


def test_concurrent_creates_of_one_tag_name_in_other_cases_give_one_tag(org_a):
    raw = api_key(org_a)
    names = ["Trust", "trust", "TRUST", "tRuSt", "Trust", "trust", "TRUST", "TrusT"]
    outcomes = concurrently([lambda n=n: client_with(raw).post("/api/v1/tags/", {"name": n}, format="json") for n in names])
    assert_one_created_rest_conflict(outcomes)
    with tenant_scope(org_a):
        assert Tag.objects.filter(name__iexact="trust").count() == 1


def test_concurrent_creates_of_one_study_name_give_one_201_and_409s(org_a):
    outcomes = post_all(api_key(org_a), "/api/v1/studies/", {"name": "Churn"})
    assert_one_created_rest_conflict(outcomes)
    with tenant_scope(org_a):
        assert Study.objects.filter(name="Churn").count() == 1


def test_concurrent_creates_of_one_persona_name_give_one_201_and_409s(org_a):
    outcomes = post_all(api_key(org_a), "/api/v1/personas/", {"name": "Procurement Pia"})
    assert_one_created_rest_conflict(outcomes)
    with tenant_scope(org_a):
        assert Persona.objects.filter(name="Procurement Pia").count() == 1


def test_a_taken_name_is_a_409_in_the_api_and_a_field_error_in_the_service(org_a):
    api = client_with(api_key(org_a))
    assert api.post("/api/v1/tags/", {"name": "Trust"}, format="json").status_code == 201
    again = api.post("/api/v1/tags/", {"name": "trust"}, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict" and "name" in again.json()["error"]["details"]
    with tenant_scope(org_a), pytest.raises(ValidationError) as raised:
        services.tag_create(name="TRUST")
    assert "name" in raised.value.message_dict
