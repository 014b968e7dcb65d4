import pytest
from django.db import connection


def test_healthz(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_reports_database_and_broker(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": True, "broker": True}


def test_readyz_is_503_when_the_broker_does_not_answer(client, db, settings):
    from empathy_site.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    old = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/readyz")
    finally:
        app.conf.broker_url = old
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] is False


@pytest.mark.postgres
def test_database_is_postgresql(db):
    assert connection.vendor == "postgresql"
