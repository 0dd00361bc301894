"""The root API: health, schema and docs, JSON errors at the edges of /api/v1/."""

import pytest
from django.db import OperationalError

from microloan.api import health
from microloan.api_root import api
from microloan.kernel.services import get_business_date

pytestmark = pytest.mark.django_db


def test_health_reports_the_database_and_the_business_date(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "business_date": get_business_date().isoformat(),
    }


def test_health_is_503_in_our_shape_when_the_database_is_unreachable(client, monkeypatch):
    def unreachable():
        raise OperationalError("connection refused")

    monkeypatch.setattr(health, "get_business_date", unreachable)
    response = client.get("/api/v1/health")
    assert response.status_code == 503
    assert response.json()["code"] == "database_unavailable"
    assert set(response.json()) == {"code", "message", "fields"}


def test_the_schema_and_the_docs_are_served(client):
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "Microloan API"
    assert "/api/v1/health" in schema.json()["paths"]
    assert "/api/v1/accounts/tokens" in schema.json()["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_the_root_api_is_mounted_under_its_namespace():
    assert api.urls_namespace == "api"


def test_the_api_root_is_404_in_our_shape(client):
    response = client.get("/api/v1/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_unknown_api_paths_are_404_in_our_shape(client, method):
    response = getattr(client, method)("/api/v1/accounts/nothing-here")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
