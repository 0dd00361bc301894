"""Product services: maker-checker life cycle, one active version, rules at approval, audit."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from microloan.audit.models import AuditRecord
from microloan.kernel.actors import Actor
from microloan.kernel.errors import (
    BusinessRuleViolation,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from microloan.products.domain import default_weilidai_terms
from microloan.products.models import Product, ProductVersion
from microloan.products.services import (
    active_version,
    approve_version,
    create_product,
    create_version,
    get_product,
    list_pending_versions,
    list_products,
    reject_version,
    submit_version,
    update_draft,
)

pytestmark = pytest.mark.django_db
NAMES = {"zh": "微粒贷", "en": "Weilidai"}
Status = ProductVersion.Status


def _actions():
    return list(AuditRecord.objects.order_by("seq").values_list("action", flat=True))


def _active(maker, checker, code="WLD", params=None):
    version = create_product(actor=maker, code=code, names=NAMES, params=params)
    submit_version(actor=maker, version_id=version.public_id)
    return approve_version(actor=checker, version_id=version.public_id, reason="ok")


def test_create_product_makes_a_draft_v1_with_the_defaults(maker, maker_user):
    version = create_product(actor=maker, code="WLD", names=NAMES)
    assert version.public_id.startswith("pv_")
    assert version.product.public_id.startswith("prod_")
    assert (version.version, version.status, version.maker) == (1, Status.DRAFT, maker_user)
    stored = ProductVersion.objects.get(pk=version.pk)
    assert stored.terms() == default_weilidai_terms()
    record = AuditRecord.objects.get(action="product.created")
    assert record.object_id == version.product.public_id
    assert record.after["terms"]["max_line_limit"] == "200000.00"
    assert record.after["status"] == "draft"


def test_params_override_the_defaults(maker):
    version = create_product(
        actor=maker, code="WLD2", names=NAMES, params={"allowed_terms": [3, 6, 12]}
    )
    assert ProductVersion.objects.get(pk=version.pk).allowed_terms == [3, 6, 12]


def test_full_life_cycle(maker, checker, checker_user):
    v1 = _active(maker, checker)
    assert (v1.status, v1.checker, v1.reason) == (Status.ACTIVE, checker_user, "ok")
    assert v1.approved_at is not None

    v2 = create_version(actor=maker, product_code="WLD", params={"daily_rate_min": "0.00015"})
    assert (v2.version, v2.status) == (2, Status.DRAFT)
    assert v2.terms().daily_rate_min == Decimal("0.00015")
    assert v2.terms().allowed_terms == v1.terms().allowed_terms  # copied from the latest
    update_draft(actor=maker, version_id=v2.public_id, params={"grace_days": 2})
    submit_version(actor=maker, version_id=v2.public_id)
    assert [v.public_id for v in list_pending_versions(actor=checker)] == [v2.public_id]
    approve_version(actor=checker, version_id=v2.public_id)

    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v2.status) == (Status.RETIRED, Status.ACTIVE)
    assert v1.retired_at is not None
    assert v2.terms().grace_days == 2
    assert active_version(code="WLD") == v2
    assert _actions() == [
        "product.created",
        "product.version_submitted",
        "product.version_approved",
        "product.version_created",
        "product.version_updated",
        "product.version_submitted",
        "product.version_retired",
        "product.version_approved",
    ]
    approved = AuditRecord.objects.filter(action="product.version_approved").order_by("seq").last()
    assert approved.before["status"] == "pending_approval"
    assert approved.after["status"] == "active"
    assert approved.after["replaces"] == v1.public_id
    updated = AuditRecord.objects.get(action="product.version_updated")
    assert (updated.before["terms"]["grace_days"], updated.after["terms"]["grace_days"]) == (1, 2)


def test_the_maker_may_not_approve_even_holding_the_permission(maker_checker, checker):
    version = create_product(actor=maker_checker, code="WLD", names=NAMES)
    submit_version(actor=maker_checker, version_id=version.public_id)
    for decide in (
        lambda: approve_version(actor=maker_checker, version_id=version.public_id),
        lambda: reject_version(actor=maker_checker, version_id=version.public_id, reason="no"),
    ):
        with pytest.raises(BusinessRuleViolation) as refused:
            decide()
        assert refused.value.code == "maker_cannot_approve"
        assert refused.value.status == 422
    version.refresh_from_db()
    assert version.status == Status.PENDING_APPROVAL
    approve_version(actor=checker, version_id=version.public_id)


def test_reject_needs_a_reason_and_keeps_it(maker, checker, checker_user):
    version = create_product(actor=maker, code="WLD", names=NAMES)
    submit_version(actor=maker, version_id=version.public_id)
    with pytest.raises(ValidationFailed) as refused:
        reject_version(actor=checker, version_id=version.public_id, reason="  ")
    assert refused.value.code == "reason_required"
    rejected = reject_version(actor=checker, version_id=version.public_id, reason="rate too high")
    assert (rejected.status, rejected.reason, rejected.checker) == (
        Status.REJECTED,
        "rate too high",
        checker_user,
    )
    assert rejected.rejected_at is not None
    with pytest.raises(NotFound):
        active_version(code="WLD")


@pytest.mark.parametrize(
    ("step", "code"),
    [
        ("approve_draft", "version_not_pending"),
        ("submit_twice", "version_not_draft"),
        ("edit_pending", "version_not_draft"),
        ("approve_twice", "version_not_pending"),
    ],
)
def test_wrong_status_is_a_conflict(maker, checker, step, code):
    version = create_product(actor=maker, code="WLD", names=NAMES)
    vid = version.public_id
    if step != "approve_draft":
        submit_version(actor=maker, version_id=vid)
    if step == "approve_twice":
        approve_version(actor=checker, version_id=vid)
    actions = {
        "approve_draft": lambda: approve_version(actor=checker, version_id=vid),
        "submit_twice": lambda: submit_version(actor=maker, version_id=vid),
        "edit_pending": lambda: update_draft(actor=maker, version_id=vid, params={}),
        "approve_twice": lambda: approve_version(actor=checker, version_id=vid),
    }
    count = AuditRecord.objects.count()
    with pytest.raises(Conflict) as refused:
        actions[step]()
    assert refused.value.code == code
    assert AuditRecord.objects.count() == count


def test_rules_are_checked_on_every_write_and_nothing_is_stored(maker):
    bad = {"max_line_limit": "300000.00", "line_validity_months": 24, "daily_rate_max": "0.0007"}
    with pytest.raises(ValidationFailed) as refused:
        create_product(actor=maker, code="WLD", names=NAMES, params=bad)
    assert refused.value.code == "product_terms_invalid"
    assert {name: p.code for name, p in refused.value.problems.items()} == {
        "max_line_limit": "line_limit_above_cap",
        "line_validity_months": "line_validity_above_cap",
        "daily_rate_max": "apr_above_cap",
    }
    assert not Product.objects.exists()
    assert not AuditRecord.objects.exists()

    version = create_product(actor=maker, code="WLD", names=NAMES)
    with pytest.raises(ValidationFailed) as refused:
        update_draft(actor=maker, version_id=version.public_id, params={"grace_days": 31})
    assert refused.value.code == "grace_days_out_of_range"
    version.refresh_from_db()
    assert version.grace_days == 1


def test_approval_rechecks_terms_stored_behind_the_services_back(maker, checker):
    version = create_product(actor=maker, code="WLD", names=NAMES)
    submit_version(actor=maker, version_id=version.public_id)
    ProductVersion.objects.filter(pk=version.pk).update(max_line_limit=30_000_000)
    with pytest.raises(ValidationFailed) as refused:
        approve_version(actor=checker, version_id=version.public_id)
    assert refused.value.code == "line_limit_above_cap"
    version.refresh_from_db()
    assert version.status == Status.PENDING_APPROVAL


@pytest.mark.parametrize(
    ("code", "names", "field", "error_code"),
    [
        ("wld", NAMES, "code", "invalid_product_code"),
        ("W", NAMES, "code", "invalid_product_code"),
        ("W" * 17, NAMES, "code", "invalid_product_code"),
        (None, NAMES, "code", "invalid_product_code"),
        ("WLD", {"zh": "微粒贷"}, "name_en", "invalid_name"),
        ("WLD", {"zh": "", "en": "x" * 101}, "name_zh", "invalid_name"),
    ],
)
def test_bad_product_identity_is_refused(maker, code, names, field, error_code):
    with pytest.raises(ValidationFailed) as refused:
        create_product(actor=maker, code=code, names=names)
    assert refused.value.code == error_code
    assert field in refused.value.fields
    assert not Product.objects.exists()


def test_codes_are_unique(maker):
    create_product(actor=maker, code="WLD", names=NAMES)
    with pytest.raises(Conflict) as refused:
        create_product(actor=maker, code="WLD", names=NAMES)
    assert refused.value.code == "product_code_taken"
    assert Product.objects.count() == 1


def test_only_the_maker_edits_or_submits_a_draft(maker, django_user_model):
    from microloan.products.tests.conftest import MAKER_PERMS, make_staff

    other = Actor.from_user(make_staff(django_user_model, "pm02", *MAKER_PERMS))
    version = create_product(actor=maker, code="WLD", names=NAMES)
    for act in (
        lambda: update_draft(actor=other, version_id=version.public_id, params={}),
        lambda: submit_version(actor=other, version_id=version.public_id),
    ):
        with pytest.raises(BusinessRuleViolation) as refused:
            act()
        assert refused.value.code == "not_the_maker"


def test_permissions_are_required(maker, checker, viewer):
    with pytest.raises(PermissionDenied):
        create_product(actor=viewer, code="WLD", names=NAMES)
    version = create_product(actor=maker, code="WLD", names=NAMES)
    with pytest.raises(PermissionDenied):
        create_version(actor=checker, product_code="WLD")
    with pytest.raises(PermissionDenied):
        submit_version(actor=checker, version_id=version.public_id)
    submit_version(actor=maker, version_id=version.public_id)
    with pytest.raises(PermissionDenied):
        approve_version(actor=maker, version_id=version.public_id)
    with pytest.raises(PermissionDenied):
        list_products(actor=Actor.borrower("cus_x"))


def test_a_system_actor_is_not_a_maker():
    with pytest.raises(PermissionDenied) as refused:
        create_product(actor=Actor.system("script"), code="WLD", names=NAMES)
    assert refused.value.code == "staff_user_required"


def test_unknown_ids(maker, checker):
    with pytest.raises(NotFound) as refused:
        approve_version(actor=checker, version_id="pv_nope")
    assert refused.value.code == "version_not_found"
    with pytest.raises(NotFound) as refused:
        create_version(actor=maker, product_code="NOPE")
    assert refused.value.code == "product_not_found"
    with pytest.raises(NotFound):
        get_product(actor=maker, code="NOPE")


def test_reads_show_the_active_version(maker, checker):
    v1 = _active(maker, checker)
    create_version(actor=maker, product_code="WLD")
    create_product(actor=maker, code="ABC", names=NAMES)
    products = list(list_products(actor=checker))
    assert [p.code for p in products] == ["ABC", "WLD"]
    assert [p.active_versions for p in products] == [[], [v1]]
    detail = get_product(actor=checker, code="WLD")
    assert [v.version for v in detail.all_versions] == [2, 1]


def test_the_database_allows_one_active_version_per_product(maker, checker):
    v1 = _active(maker, checker)
    v2 = create_version(actor=maker, product_code="WLD")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductVersion.objects.filter(pk=v2.pk).update(status=Status.ACTIVE)
    assert v1.product.versions.filter(status=Status.ACTIVE).count() == 1
