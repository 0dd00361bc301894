"""Back-office pages: list, product, version (APR before the daily rate), approvals."""

import pytest
from django.test import Client
from django.urls import reverse

from microloan.audit.models import AuditRecord
from microloan.products.models import ProductVersion
from microloan.products.services import approve_version, create_product, submit_version

pytestmark = [pytest.mark.django_db, pytest.mark.urls("microloan.products.tests.page_urls")]
NAMES = {"zh": "微粒贷", "en": "Weilidai"}


def _browser(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")  # English page text, whatever gets translated
    client.force_login(user)
    return client


@pytest.fixture
def maker_client(maker_user):
    return _browser(maker_user)


@pytest.fixture
def checker_client(checker_user):
    return _browser(checker_user)


@pytest.fixture
def pending(maker):
    version = create_product(actor=maker, code="WLD", names=NAMES)
    return submit_version(actor=maker, version_id=version.public_id)


def test_pages_need_a_signed_in_user(client):
    url = reverse("products:list")
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("backoffice:login") in response.url


def test_pages_need_the_view_permission(django_user_model):
    outsider = django_user_model.objects.create_user(username="nobody", password="x" * 12)
    assert _browser(outsider).get(reverse("products:list")).status_code == 403


def test_list_shows_apr_before_the_daily_rate(maker, checker, pending, checker_client):
    approve_version(actor=checker, version_id=pending.public_id)
    html = checker_client.get(reverse("products:list")).content.decode()
    assert "WLD" in html and "微粒贷" in html
    assert "18.25%" in html  # worst-case APR
    assert html.index("18.25%") < html.index("0.0500%")  # then the daily rate


def test_version_page_shows_the_terms_and_apr_first(pending, checker_client):
    response = checker_client.get(reverse("products:version", args=[pending.public_id]))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("APR") < html.index("0.0200%")
    assert "¥500.00" in html and "¥40,000.00" in html and "¥200,000.00" in html
    assert "7.30%" in html  # APR of grade A (0.02 % a day)
    assert 'action="/products/versions/' in html  # approve/reject forms for the checker


def test_the_maker_sees_no_decision_forms_on_their_own_version(pending, maker_client):
    html = maker_client.get(reverse("products:version", args=[pending.public_id])).content
    assert reverse("products:approve", args=[pending.public_id]).encode() not in html
    assert b"another person must approve" in html


def test_approve_from_the_page(pending, checker_client):
    url = reverse("products:approve", args=[pending.public_id])
    response = checker_client.post(url, {"reason": "checked"})
    assert response.status_code == 302
    assert response.url == reverse("products:version", args=[pending.public_id])
    pending.refresh_from_db()
    assert (pending.status, pending.reason) == ("active", "checked")
    page = checker_client.get(response.url).content.decode()
    assert "Version approved." in page


def test_reject_with_htmx_returns_a_fragment(pending, checker_client):
    url = reverse("products:reject", args=[pending.public_id])
    refused = checker_client.post(url, {"reason": ""}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 422
    assert "alert-error" in refused.content.decode()
    assert "<html" not in refused.content.decode()
    done = checker_client.post(url, {"reason": "too risky"}, HTTP_HX_REQUEST="true")
    assert done.status_code == 200
    assert "alert-ok" in done.content.decode()
    pending.refresh_from_db()
    assert pending.status == "rejected"


def test_a_refused_decision_is_shown_with_its_status(pending, checker, checker_client):
    approve_version(actor=checker, version_id=pending.public_id)
    count = AuditRecord.objects.count()
    url = reverse("products:approve", args=[pending.public_id])
    response = checker_client.post(url, {"reason": "again"})
    assert response.status_code == 409
    assert "alert-error" in response.content.decode()
    assert AuditRecord.objects.count() == count


def test_the_maker_cannot_approve_through_the_page(pending, maker_client):
    response = maker_client.post(reverse("products:approve", args=[pending.public_id]))
    assert response.status_code == 403  # lacks products.approve_productversion
    pending.refresh_from_db()
    assert pending.status == "pending_approval"


def test_csrf_is_enforced(pending, checker_user):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(checker_user)
    response = client.post(reverse("products:approve", args=[pending.public_id]), {"reason": "x"})
    assert response.status_code == 403
    pending.refresh_from_db()
    assert pending.status == "pending_approval"


def test_pending_page_lists_versions_with_forms(pending, checker_client, maker_client):
    html = checker_client.get(reverse("products:pending")).content.decode()
    assert "WLD v1" in html
    assert reverse("products:approve", args=[pending.public_id]) in html
    own = maker_client.get(reverse("products:pending")).content.decode()
    assert reverse("products:approve", args=[pending.public_id]) not in own


def test_submit_from_the_page(maker, maker_client):
    draft = create_product(actor=maker, code="ABC", names=NAMES)
    html = maker_client.get(reverse("products:version", args=[draft.public_id])).content
    assert reverse("products:submit", args=[draft.public_id]).encode() in html
    response = maker_client.post(reverse("products:submit", args=[draft.public_id]))
    assert response.status_code == 302
    assert ProductVersion.objects.get(pk=draft.pk).status == "pending_approval"
    again = maker_client.post(reverse("products:submit", args=[draft.public_id]))
    assert again.status_code == 409


def test_unknown_ids_are_404(checker_client):
    assert checker_client.get(reverse("products:detail", args=["NOPE"])).status_code == 404
    assert checker_client.get(reverse("products:version", args=["pv_x"])).status_code == 404
    assert checker_client.post(reverse("products:approve", args=["pv_x"])).status_code == 404


def test_product_page_lists_versions(pending, checker, checker_client):
    approve_version(actor=checker, version_id=pending.public_id)
    html = checker_client.get(reverse("products:detail", args=["WLD"])).content.decode()
    assert "v1" in html and "18.25%" in html


def test_pages_are_translated_into_chinese(pending, checker_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(checker_user)
    html = client.get(reverse("products:version", args=[pending.public_id])).content.decode()
    assert "年化利率（IRR 法）" in html
    assert "待审批" in html  # the status
    assert "批准" in html and "驳回" in html
