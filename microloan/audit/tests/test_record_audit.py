"""record_audit: the chain it builds, what it stores, what it refuses."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.db import transaction

from microloan.audit.chain import GENESIS_HASH
from microloan.audit.models import AuditChainHead, AuditRecord
from microloan.audit.services import AuditOutsideTransaction, record_audit, verify_audit_chain
from microloan.kernel.actors import Actor
from microloan.kernel.request_context import request_id_set_to


def _record(actor, n=1, **kwargs):
    kwargs = {"action": "loan.frozen", "object_type": "loan", "object_id": f"loan_{n}"} | kwargs
    return record_audit(actor=actor, **kwargs)


@pytest.mark.django_db
def test_records_form_a_chain_and_the_head_follows_it(clerk):
    records = [_record(clerk, n) for n in range(1, 5)]
    stored = list(AuditRecord.objects.order_by("seq"))
    assert [r.seq for r in stored] == [1, 2, 3, 4]
    assert stored[0].prev_hash == GENESIS_HASH
    for previous, record in itertools.pairwise(stored):
        assert record.prev_hash == previous.record_hash
    # The hash recomputed from what the database hands back is the one written.
    assert [r.compute_hash() for r in stored] == [r.record_hash for r in records]
    head = AuditChainHead.objects.get()
    assert (head.last_seq, head.last_hash) == (4, stored[-1].record_hash)


@pytest.mark.django_db
def test_who_what_and_which_request_are_stored(clerk):
    with request_id_set_to("req-abc"):
        record = _record(clerk, before={"status": "active"}, after={"status": "frozen"})
    stored = AuditRecord.objects.get(pk=record.pk)
    assert (stored.actor_kind, stored.actor_id, stored.action) == (
        "staff",
        "clerk01",
        "loan.frozen",
    )
    assert (stored.object_type, stored.object_id) == ("loan", "loan_1")
    assert (stored.before, stored.after, stored.request_id) == (
        {"status": "active"},
        {"status": "frozen"},
        "req-abc",
    )


@pytest.mark.django_db
def test_system_actors_without_a_request_are_recorded():
    record = _record(Actor.system("eod"), action="eod.step_finished", object_type="eod_run")
    assert (record.actor_kind, record.actor_id, record.request_id) == ("system", "eod", "")


@pytest.mark.django_db
def test_personal_data_is_masked_before_it_is_stored(clerk):
    after = {
        "name": "张三丰",
        "id_number": "11010519491231002X",
        "phone": "13812345678",
        "bank_card": "6222021234567890",
        "address": "北京市朝阳区建国路88号",
        "limit_fen": 2_000_000,
        "contacts": [{"contact_phone": "13900001111", "relation": "spouse"}],
    }
    record = _record(clerk, action="customer.registered", object_type="customer", after=after)
    stored = AuditRecord.objects.get(pk=record.pk).after
    assert stored == {
        "name": "张**",
        "id_number": "110***********002X",
        "phone": "138****5678",
        "bank_card": "622202******7890",
        "address": "北京市朝阳区****",
        "limit_fen": 2_000_000,
        "contacts": [{"contact_phone": "139****1111", "relation": "spouse"}],
    }
    assert "13812345678" not in str(stored) and after["phone"] == "13812345678"


@pytest.mark.django_db
def test_decimals_dates_and_tuples_are_stored_as_json(clerk):
    after = {"daily_rate": Decimal("0.00050000"), "due": dt.date(2026, 2, 1), "terms": (5, 10)}
    record = _record(clerk, after=after)
    stored = AuditRecord.objects.get(pk=record.pk)
    assert stored.after == {"daily_rate": "0.00050000", "due": "2026-02-01", "terms": [5, 10]}
    assert verify_audit_chain().ok


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"action": "frozen"}, ValueError),  # not dotted
        ({"action": "Loan.Frozen"}, ValueError),
        ({"action": "loan." + "x" * 100}, ValueError),
        ({"object_type": ""}, ValueError),
        ({"object_id": "x" * 101}, ValueError),
        ({"after": ["not", "a", "dict"]}, TypeError),
        ({"after": {"when": object()}}, TypeError),
        ({"after": {"ratio": float("nan")}}, ValueError),
        ({"after": {"note": "\ud800"}}, ValueError),  # a lone surrogate is not text
    ],
)
def test_bad_arguments_are_refused_and_nothing_is_stored(clerk, kwargs, error):
    with pytest.raises(error):
        _record(clerk, **kwargs)
    assert not AuditRecord.objects.exists()
    assert not AuditChainHead.objects.filter(last_seq__gt=0).exists()


@pytest.mark.django_db
def test_a_rolled_back_change_takes_its_audit_record_with_it(clerk):
    _record(clerk, 1)
    with pytest.raises(RuntimeError), transaction.atomic():
        _record(clerk, 2)
        raise RuntimeError("the business change failed")
    _record(clerk, 3)
    assert list(AuditRecord.objects.order_by("seq").values_list("seq", "object_id")) == [
        (1, "loan_1"),
        (2, "loan_3"),
    ]
    assert verify_audit_chain().ok


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_record_audit_refuses(clerk):
    with pytest.raises(AuditOutsideTransaction):
        _record(clerk)
    assert not AuditRecord.objects.exists()
