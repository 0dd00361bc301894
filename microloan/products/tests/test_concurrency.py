"""PostgreSQL: two checkers approving two versions of one product at once take turns."""

import threading

import pytest
from django.db import connection

from microloan.kernel.actors import Actor
from microloan.products.models import ProductVersion
from microloan.products.services import (
    approve_version,
    create_product,
    create_version,
    submit_version,
)

from .conftest import CHECKER_PERMS, MAKER_PERMS, make_staff


@pytest.mark.postgres
def test_concurrent_approvals_leave_one_active_version(audit_rows_erasable, django_user_model):
    maker = Actor.from_user(make_staff(django_user_model, "pm01", *MAKER_PERMS))
    checkers = [
        Actor.from_user(make_staff(django_user_model, f"risk0{n}", *CHECKER_PERMS)) for n in (1, 2)
    ]
    first = create_product(actor=maker, code="WLD", names={"zh": "微粒贷", "en": "Weilidai"})
    second = create_version(actor=maker, product_code="WLD")
    for version in (first, second):
        submit_version(actor=maker, version_id=version.public_id)

    start = threading.Barrier(2)
    errors = []

    def approve(checker, version):
        try:
            start.wait()
            approve_version(actor=checker, version_id=version.public_id)
        except Exception as error:  # reported below; a thread's exception is otherwise lost
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=approve, args=pair)
        for pair in zip(checkers, (first, second), strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    statuses = sorted(ProductVersion.objects.values_list("status", flat=True))
    assert statuses == ["active", "retired"]
