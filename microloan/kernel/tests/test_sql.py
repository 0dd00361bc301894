"""The prepared statements (kernel.sql) store and load exactly what the ORM would.

Each test writes or reads the same row both ways and compares what the database holds (raw
column values) or what comes back (converted values): JSON, decimals, dates, datetimes,
nullable columns, a foreign key and an encrypted personal-data field.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from microloan.customers.models import Consent, Customer
from microloan.customers.synthetic import make_card_number, make_id_number
from microloan.kernel.ids import new_public_id
from microloan.kernel.sql import insert_many, select_one, select_values, select_values_in
from microloan.origination.models import Application, ApplicationTransition

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=dt.UTC)


def _application(**overrides) -> Application:
    values = {
        "public_id": new_public_id("app"),
        "customer_id": "cus_x",
        "product_code": "WLD",
        "product_version": "pv_x",
        "requested_amount": 2_000_000,
        "purpose": "consumption",
        "state": "auto_approved",
        "applicant": {"monthly_income_fen": 1_200_000, "education": "bachelor"},
        "checks": {"score": {"points": 612.5, "grade": "B"}, "reasons": ["ok", "好"]},
        "decision_reasons": ["grade_b"],
        "daily_rate": Decimal("0.00035000"),
        "apr": Decimal("13.6400"),
        "term_options": [{"term": 12, "apr": "13.64"}],
        "submitted_at": AT,
        "submitted_on": dt.date(2026, 3, 2),
        "decided_at": AT + dt.timedelta(seconds=1),
        "policy_version": 3,
    }
    values.update(overrides)
    return Application(**values)


def _stored(model, pk) -> tuple:
    """The row as the database holds it (no converters)."""
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(field.column)
        for field in model._meta.concrete_fields
        if not field.primary_key and field.attname not in ("public_id", "updated_at")
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()


def test_save_of_a_new_row_stores_what_the_orm_insert_stores():
    prepared = _application()
    prepared.save()  # PreparedInsert
    (orm,) = Application.objects.bulk_create([_application(customer_id="cus_x")])
    orm = Application.objects.get(public_id=orm.public_id)
    assert prepared.pk is not None and prepared.pk != orm.pk
    assert not prepared._state.adding
    assert _stored(Application, prepared.pk) == _stored(Application, orm.pk)
    # auto_now was applied by pre_save, as save() does
    assert prepared.updated_at is not None


def test_a_saved_row_updates_through_the_orm_afterwards():
    application = _application()
    application.save()
    application.state = "withdrawn"
    application.save()
    assert Application.objects.get(pk=application.pk).state == "withdrawn"
    assert Application.objects.count() == 1


def test_a_refused_insert_raises_and_leaves_nothing():
    first = _application()
    first.save()
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017 - backend's IntegrityError
        _application(public_id=first.public_id).save()
    assert Application.objects.count() == 1


def test_select_one_loads_what_get_loads():
    saved = _application(sla_due_at=None, grade="B")
    saved.save()
    prepared = select_one(Application, '"public_id" = %s', [saved.public_id])
    orm = Application.objects.get(public_id=saved.public_id)
    for field in Application._meta.concrete_fields:
        assert getattr(prepared, field.attname) == getattr(orm, field.attname), field.name
    assert isinstance(prepared.daily_rate, Decimal) and prepared.daily_rate == Decimal("0.00035")
    assert prepared.submitted_at == AT and prepared.checks["reasons"] == ["ok", "好"]
    assert not prepared._state.adding


def test_select_one_with_fields_defers_the_rest_and_returns_none_when_nothing_matches():
    saved = _application()
    saved.save()
    partial = select_one(Application, '"public_id" = %s', [saved.public_id], fields=["state"])
    assert partial.state == "auto_approved" and partial.pk == saved.pk
    assert "checks" in partial.get_deferred_fields()
    assert partial.checks == saved.checks  # loaded on access, as with only()
    assert select_one(Application, '"public_id" = %s', ["app_missing"]) is None


def test_select_one_orders_and_locks():
    for amount in (1_000_000, 3_000_000, 2_000_000):
        _application(requested_amount=amount, customer_id=f"cus_{amount}").save()
    with transaction.atomic():
        largest = select_one(
            Application,
            '"product_code" = %s',
            ["WLD"],
            order_by='"requested_amount" DESC',
            lock=True,
        )
    assert largest.requested_amount == 3_000_000


def test_an_encrypted_field_round_trips_and_is_not_stored_plain():
    id_number = make_id_number(birth_date=dt.date(1990, 5, 17), sequence=7)
    customer = Customer(
        public_id=new_public_id("cus"),
        name="张三",
        id_number=id_number,
        phone="13912345678",
        bank_card_number=make_card_number(prefix="622202", length=19, serial=1),
        bank_name="中国工商银行",
        address="北京市朝阳区建国路88号",
        monthly_income=1_200_000,
        education="bachelor",
        marital_status="single",
        channel="app",
        gender="male",
        birth_date=dt.date(1990, 5, 17),
        id_expiry=dt.date(2035, 1, 1),
    )
    customer.save()
    loaded = select_one(Customer, '"public_id" = %s', [customer.public_id])
    assert loaded.id_number == id_number and loaded.name == "张三"
    assert loaded.id_number_index == customer.id_number_index != ""
    consent = Consent(
        public_id=new_public_id("cns"),
        customer=customer,
        purpose="personal_information",
        text_version="2026.1",
        granted_at=AT,
        channel="app",
    )
    consent.save()
    rows = select_values(
        Consent,
        ["purpose", "granted_at", "withdrawn_at"],
        '"customer_id" = %s',
        [customer.pk],
        order_by='"purpose"',
    )
    assert rows == list(
        Consent.objects.filter(customer=customer).values_list(
            "purpose", "granted_at", "withdrawn_at"
        )
    )
    assert rows == [("personal_information", AT, None)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT * FROM {connection.ops.quote_name(Customer._meta.db_table)} WHERE id = %s",
            [customer.pk],
        )
        raw = " ".join(str(value) for value in cursor.fetchone())
    assert id_number not in raw and "13912345678" not in raw


def test_select_values_with_limit_and_no_rows():
    assert select_values(Application, ["id"], '"state" = %s', ["approved"], limit=1) == []
    for n in range(3):
        _application(customer_id=f"cus_{n}").save()
    assert len(select_values(Application, ["id"], '"state" = %s', ["auto_approved"], limit=2)) == 2


def test_insert_many_stores_what_bulk_create_stores():
    application = _application()
    application.save()
    now = timezone.now()

    def steps():
        return [
            ApplicationTransition(
                application=application,
                from_state=from_state,
                to_state=to_state,
                actor="system",
                reasons=["r1"] if to_state == "auto_approved" else [],
                at=now,
            )
            for from_state, to_state in (("", "submitted"), ("submitted", "auto_approved"))
        ]

    prepared = steps()
    insert_many(prepared)
    ApplicationTransition.objects.bulk_create(steps())
    rows = list(
        ApplicationTransition.objects.order_by("id").values_list(
            "application_id", "from_state", "to_state", "actor", "reasons", "at"
        )
    )
    assert rows[:2] == rows[2:] and len(rows) == 4
    assert all(not step._state.adding for step in prepared)
    insert_many([])  # nothing to do


def test_select_values_in_matches_filter_in_for_few_and_many_keys():
    for n in range(5):
        _application(customer_id=f"cus_{n}").save()
    assert select_values_in(Application, ["customer_id"], "customer_id", []) == []
    few = select_values_in(Application, ["customer_id"], "customer_id", ["cus_1", "cus_3", "x"])
    assert sorted(few) == [("cus_1",), ("cus_3",)]
    many = [f"cus_{n}" for n in range(2_000)]  # three chunks, the last padded
    assert sorted(select_values_in(Application, ["customer_id"], "customer_id", many)) == sorted(
        Application.objects.values_list("customer_id")
    )
