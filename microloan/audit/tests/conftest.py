import pytest

from microloan.audit.testing import audit_rows_erasable  # noqa: F401 (a fixture)
from microloan.kernel.actors import Actor


@pytest.fixture
def clerk():
    return Actor(
        kind="staff", id="clerk01", permissions=frozenset({"lending.change_loan"}), user_pk=7
    )


@pytest.fixture
def auditor():
    return Actor(kind="staff", id="auditor01", permissions=frozenset({"audit.view_auditrecord"}))
