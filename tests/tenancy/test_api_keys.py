import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from rest_framework.test import APIClient

from empathy_site.tenancy.models import ApiKey, AuditEvent
from empathy_site.tenancy.services import (
    API_KEY_PREFIX,
    api_key_authenticate,
    api_key_create,
    api_key_hash,
    api_key_looks_valid,
    api_key_revoke,
)


def test_key_is_prefixed_checksummed_and_stored_only_as_a_hash(org_a):
    key, raw = api_key_create(organization=org_a, name="HubSpot", scopes=["read"])
    assert raw.startswith(API_KEY_PREFIX)
    assert api_key_looks_valid(raw)
    assert key.key_hash == api_key_hash(raw) and len(key.key_hash) == 64
    stored = ApiKey.objects.values_list("prefix", "last_four", "key_hash").get()
    assert raw not in "".join(stored)
    assert key.masked == f"{raw[:8]}…{raw[-4:]}"


def test_a_typo_fails_the_checksum_without_a_lookup(org_a, django_assert_num_queries):
    _, raw = api_key_create(organization=org_a, name="k", scopes=["read"])
    typo = raw[:-7] + ("A" if raw[-7] != "A" else "B") + raw[-6:]
    assert not api_key_looks_valid(typo)
    with django_assert_num_queries(0):
        assert api_key_authenticate(raw_key=typo) is None


def test_unknown_scope_is_refused(org_a):
    with pytest.raises(ValidationError):
        api_key_create(organization=org_a, name="k", scopes=["admin"])


def test_revoked_key_gets_401_and_revocation_is_audited(org_a, alice):
    key, raw = api_key_create(organization=org_a, name="k", scopes=["read"], by=alice.user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/participants/").status_code == 200
    api_key_revoke(api_key=key, by=alice.user)
    response = client.get("/api/v1/participants/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    assert set(AuditEvent.objects.values_list("action", flat=True)) >= {"api_key_created", "api_key_revoked"}


def test_last_use_is_recorded(org_a):
    key, raw = api_key_create(organization=org_a, name="k", scopes=["read"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.get("/api/v1/participants/")
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_read_key_cannot_write(org_a):
    _, raw = api_key_create(organization=org_a, name="k", scopes=["read"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = client.post("/api/v1/studies/", {"name": "New"}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_create_api_key_command_prints_the_key_once(org_a, capsys):
    call_command("create_api_key", "--org", org_a.slug, "--name", "CRM", "--scopes", "read,write")
    raw = capsys.readouterr().out.strip()
    key = api_key_authenticate(raw_key=raw)
    assert key is not None and key.scopes == ["read", "write"] and key.organization == org_a
