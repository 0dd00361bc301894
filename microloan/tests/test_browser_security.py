"""Every response carries the Content-Security-Policy and frame refusal; the API docs and schema
need a staff sign-in unless API_DOCS_PUBLIC (development) says otherwise."""

import pytest
from django.test import Client

from microloan.accounts.testing import make_staff

pytestmark = pytest.mark.django_db

DOCS = ["/api/v1/docs", "/api/v1/openapi.json"]


@pytest.mark.parametrize("path", ["/login/", "/api/v1/health", "/api/v1/accounts/me"])
def test_pages_and_api_replies_carry_the_policy(client, path, settings):
    response = client.get(path)
    assert response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY
    assert "script-src 'self';" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_the_policy_allows_the_back_office_and_docs_assets(client, settings):
    # Nothing loads from another origin: the scripts the pages name are this site's static files.
    settings.API_DOCS_PUBLIC = True
    for path in ("/login/", "/api/v1/docs"):
        page = client.get(path).content.decode()
        assert "https://" not in page and "http://" not in page, path


@pytest.mark.parametrize("path", DOCS)
def test_docs_need_a_staff_sign_in_when_not_public(client, settings, path):
    settings.API_DOCS_PUBLIC = False
    response = client.get(path)
    assert response.status_code == 302 and response.url.startswith("/login/?next=")
    staff = Client()
    staff.force_login(make_staff())
    assert staff.get(path).status_code == 200


@pytest.mark.parametrize("path", DOCS)
def test_docs_are_open_in_development(client, settings, path):
    settings.API_DOCS_PUBLIC = True
    assert client.get(path).status_code == 200
