"""Back-office pages: message log with filters, message detail with retry, template editor."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from microloan.accounts.roles import ADMIN, AUDITOR, CS_AGENT, PRODUCT_MANAGER
from microloan.accounts.testing import make_staff
from microloan.notifications import delivery
from microloan.notifications.models import MessageTemplate
from microloan.notifications.providers import get_provider
from microloan.notifications.services import enqueue_message

pytestmark = [pytest.mark.django_db, pytest.mark.urls("microloan.notifications.tests.urls")]


def _client(role):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_staff(role=role))
    return client


@pytest.fixture
def message(db):
    (message,) = enqueue_message(
        customer_id="cus_views",
        template="contract_signed",
        variables={"kind": "loan", "contract_id": "62220212345678901"},
        dedupe_key="v1",
    )
    return message


def test_log_page_and_htmx_fragment(message):
    client = _client(CS_AGENT)
    page = client.get(reverse("notifications:messages"))
    text = page.content.decode()
    assert page.status_code == 200 and message.public_id in text and "<html" in text
    assert "62220212345678901" not in text
    fragment = client.get(
        reverse("notifications:messages"), {"status": "sent"}, HTTP_HX_REQUEST="true"
    )
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()
    assert message.public_id not in fragment.content.decode()
    bad = client.get(
        reverse("notifications:messages"), {"date_from": "2026-05-02", "date_to": "2026-05-01"}
    )
    assert bad.status_code == 422


def test_detail_and_retry(message):
    get_provider("inbox").fail_next(permanent=True)
    delivery.deliver_due_messages(10)
    url = reverse("notifications:message", args=[message.public_id])
    viewer = _client(AUDITOR)
    page = viewer.get(url)
    assert page.status_code == 200 and "622**********8901" in page.content.decode()
    assert "Retry" not in page.content.decode()
    retry = reverse("notifications:message_retry", args=[message.public_id])
    assert viewer.post(retry).status_code == 403
    admin = _client(ADMIN)
    assert "Retry" in admin.get(url).content.decode()
    assert admin.post(retry).status_code == 302
    message.refresh_from_db()
    assert message.status == "queued"
    again = admin.post(retry, follow=True)
    assert "Only a failed or cancelled message can be retried." in again.content.decode()
    assert viewer.get(reverse("notifications:message", args=["msg_nope"])).status_code == 404


def test_pages_need_their_permission(message):
    assert _client(PRODUCT_MANAGER).get(reverse("notifications:messages")).status_code == 403
    assert _client(CS_AGENT).get(reverse("notifications:templates")).status_code == 403
    anonymous = Client().get(reverse("notifications:messages"))
    assert anonymous.status_code == 302


def test_template_list_and_edit(db):
    pm = _client(PRODUCT_MANAGER)
    listing = pm.get(reverse("notifications:templates"))
    assert listing.status_code == 200 and "repayment_reminder" in listing.content.decode()
    assert "${amount}" in listing.content.decode()
    url = reverse("notifications:template", args=["limit_changed"])
    form = pm.get(url)
    assert form.status_code == 200 and "csrfmiddlewaretoken" in form.content.decode()
    template = MessageTemplate.objects.get(code="limit_changed")
    data = {
        "subject_zh": template.subject_zh,
        "body_zh": "额度由${old_limit}调整为${new_limit}，原因${why}",
        "subject_en": template.subject_en,
        "body_en": template.body_en,
    }
    refused = pm.post(url, data)
    assert refused.status_code == 422 and "Unknown variable(s): why" in refused.content.decode()
    template.refresh_from_db()
    assert template.version == 1
    data["body_zh"] = "额度由${old_limit}调整为${new_limit}。"
    assert pm.post(url, data).status_code == 302
    template.refresh_from_db()
    assert (template.version, template.body_zh) == (2, data["body_zh"])
    auditor = _client(AUDITOR)
    assert auditor.get(url).status_code == 200
    assert auditor.post(url, data).status_code == 403
    assert pm.get(reverse("notifications:template", args=["nope"])).status_code == 404
