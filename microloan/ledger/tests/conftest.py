import pytest

from microloan.kernel.actors import Actor
from microloan.kernel.services import set_initial_business_date

from .helpers import TODAY


@pytest.fixture
def today(db):
    """Today's business date, fixed so dates in tests mean the same thing on every run."""
    return set_initial_business_date(TODAY)


@pytest.fixture
def system():
    return Actor.system("test-ledger")


@pytest.fixture
def accountant():
    return Actor(kind="staff", id="accountant", permissions=frozenset({"ledger.post_manual_entry"}))


@pytest.fixture
def clerk():
    """A staff member who may look at the ledger but not post to it."""
    return Actor(kind="staff", id="clerk", permissions=frozenset({"ledger.view_journalentry"}))
