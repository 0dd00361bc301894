"""The audit trail page: filters, HTMX fragments, and the verify button."""

import pytest
from django.db import connection, transaction
from django.urls import reverse

from microloan.audit.services import record_audit
from microloan.audit.triggers import drop_append_only_triggers
from microloan.kernel.actors import Actor

pytestmark = pytest.mark.django_db

AUDIT = reverse("backoffice:audit")
VERIFY = reverse("backoffice:audit_verify")
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def trail():
    eod, clerk = Actor.system("eod"), Actor(kind="staff", id="clerk01")
    with transaction.atomic():
        record_audit(actor=clerk, action="line.frozen", object_type="credit_line", object_id="l1")
        record_audit(actor=eod, action="loan.accrued", object_type="loan", object_id="loan_a")
        record_audit(
            actor=clerk,
            action="loan.written_off",
            object_type="loan",
            object_id="loan_b",
            after={"status": "written_off", "phone": "13812345678"},
        )


def _seqs(response):
    return [record.seq for record in response.context["page"]]


def test_the_full_page_lists_records_newest_first(auditor_client, trail):
    response = auditor_client.get(AUDIT)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and 'id="audit-results"' in html
    assert _seqs(response) == [3, 2, 1]
    assert "138****5678" in html and "13812345678" not in html


@pytest.mark.parametrize(
    ("query", "seqs"),
    [
        ({"object_type": "loan"}, [3, 2]),
        ({"object_id": "l1"}, [1]),
        ({"actor_id": "eod"}, [2]),
        ({"action": "loan"}, [3, 2]),
        ({"action": "loan.accrued"}, [2]),
        ({"object_type": "loan", "actor_id": "clerk01"}, [3]),
        ({"object_type": "customer"}, []),
    ],
)
def test_filters(auditor_client, trail, query, seqs):
    assert _seqs(auditor_client.get(AUDIT, query)) == seqs


def test_an_htmx_request_gets_only_the_results_fragment(auditor_client, trail):
    response = auditor_client.get(AUDIT, {"object_type": "loan"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "<table" in html
    assert response.templates[0].name == "backoffice/audit/_results.html"
    assert "HX-Request" in response["Vary"]


def test_an_htmx_history_restore_gets_the_whole_page(auditor_client, trail):
    response = auditor_client.get(AUDIT, **HTMX, HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in response.content.decode()


def test_a_bad_date_range_is_explained_and_lists_nothing(auditor_client, trail):
    query = {"date_from": "2026-03-02", "date_to": "2026-03-01"}
    response = auditor_client.get(AUDIT, query, **HTMX)
    assert response.status_code == 200
    assert response.context["page"] is None
    assert "date_to" in response.context["form"].errors
    malformed = auditor_client.get(AUDIT, {"date_from": "yesterday"}, **HTMX)
    assert "date_from" in malformed.context["form"].errors


def test_pages_of_fifty(auditor_client):
    with transaction.atomic():
        for n in range(55):
            record_audit(
                actor=Actor.system("eod"),
                action="loan.accrued",
                object_type="loan",
                object_id=str(n),
            )
    first = auditor_client.get(AUDIT, {"action": "loan"})
    assert len(first.context["page"]) == 50
    second = auditor_client.get(AUDIT, {"action": "loan", "page": 2}, **HTMX)
    assert _seqs(second) == [5, 4, 3, 2, 1]
    assert "action=loan" in first.content.decode()  # page links keep the filters


def test_verify_answers_with_a_fragment_for_htmx(auditor_client, trail):
    response = auditor_client.post(VERIFY, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert response.context["verification"].ok
    assert response.context["verification"].verified == 3


def test_verify_without_htmx_renders_the_whole_page(auditor_client, trail):
    response = auditor_client.post(VERIFY)
    assert "<html" in response.content.decode()
    assert response.context["verification"].ok


def test_verify_names_a_tampered_record(auditor_client, trail):
    drop_append_only_triggers(connection)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditrecord SET object_id = 'loan_x' WHERE seq = 2")
    response = auditor_client.post(VERIFY, **HTMX)
    verification = response.context["verification"]
    assert not verification.ok
    assert verification.first_broken.seq == 2
    assert "loan:loan_x" in response.content.decode()


def test_verify_is_post_only(auditor_client):
    assert auditor_client.get(VERIFY).status_code == 405
