"""The request id: set by the middleware for one request, read by services through kernel."""

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory

from microloan.api.middleware import RequestIdMiddleware
from microloan.audit.services import record_audit
from microloan.kernel.actors import Actor
from microloan.kernel.request_context import current_request_id


def _serve(headers: dict[str, str], view):
    request = RequestFactory().get("/api/v1/anything", headers=headers)
    return RequestIdMiddleware(view)(request)


@pytest.mark.django_db
def test_audit_records_written_during_a_request_carry_its_id():
    def view(request):
        with transaction.atomic():
            record = record_audit(
                actor=Actor.system("test"), action="x.done", object_type="x", object_id="x_1"
            )
        return HttpResponse(record.request_id)

    response = _serve({"X-Request-ID": "req-from-client"}, view)
    assert response.content == b"req-from-client"
    assert response["X-Request-ID"] == "req-from-client"
    assert current_request_id() == ""  # reset once the request is over


def test_an_unusable_header_is_replaced_by_a_generated_id():
    seen = []
    response = _serve(
        {"X-Request-ID": "not sane!"}, lambda r: seen.append(current_request_id()) or HttpResponse()
    )
    assert seen == [response["X-Request-ID"]]
    assert len(seen[0]) == 32 and seen[0] != "not sane!"


def test_the_id_is_reset_even_when_the_view_raises():
    def view(request):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        _serve({"X-Request-ID": "req-1"}, view)
    assert current_request_id() == ""
