"""``microloan demo`` builds a living book through the real services: a tiny one here.

Ten people over 45 business days, with the behaviour profiles dealt in turn (instead of drawn
by their shares, which a book this small might miss) so the book surely holds a borrower who
falls behind, one who never pays, and one who pays off early. The test commits (the payments
go to the simulated bank after their transaction commits, as in production).
"""

import itertools
from io import StringIO

import pytest
from django.core.management import call_command

from microloan.audit.services import verify_audit_chain
from microloan.collections.models import CollectionCase, ContactAttempt
from microloan.contracts.models import Contract
from microloan.contracts.signing import CA_FILE, CERT_FILE, KEY_FILE, init_signing_keys
from microloan.customers.models import Customer
from microloan.demo import onboarding
from microloan.demo.behaviour import Borrower, Profile
from microloan.kernel.services import get_business_date
from microloan.lending.models import Loan
from microloan.lending.services import reconcile
from microloan.notifications.models import Message
from microloan.origination.models import Application
from microloan.payments.models import PaymentOrder, ReconciliationRun

TEST_KEYS = "t1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
PROFILES = (Profile.ROLLER, Profile.DEFAULTER, Profile.PREPAYER, Profile.FORGETFUL)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_settings(settings, tmp_path):
    keys = init_signing_keys(tmp_path / "keys")
    settings.DEBUG = True
    settings.FIELD_ENCRYPTION_KEYS = TEST_KEYS
    settings.FIELD_BLIND_INDEX_KEY = ""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CONTRACT_STORAGE_DIR = str(tmp_path / "contracts")
    settings.NOTIFICATIONS_DIR = str(tmp_path / "notifications")
    settings.CONTRACT_SIGNING_KEY = str(keys / KEY_FILE)
    settings.CONTRACT_SIGNING_CERT = str(keys / CERT_FILE)
    settings.CONTRACT_SIGNING_CA = str(keys / CA_FILE)
    return settings


@pytest.fixture
def dealt_profiles(monkeypatch):
    cycle = itertools.cycle(PROFILES)

    def deal(rng):
        return Borrower(
            next(cycle), cure_after_days=8, stop_after_instalments=0, prepay_after_days=15
        )

    monkeypatch.setattr(onboarding, "assign_borrower", deal)
    # Everyone approved draws (the real book: a quarter), so ten people make enough loans.
    monkeypatch.setattr(onboarding, "TAKE_UP_SHARE", 1.0)


def demo(*args) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict:
    models = (Customer, Application, Loan, Contract, PaymentOrder, CollectionCase, Message)
    return {model.__name__: model.objects.count() for model in models}


def test_a_tiny_book_has_every_kind_of_case_and_its_books_agree(demo_settings, dealt_profiles):
    output = demo("--customers", "10", "--days", "45")

    assert get_business_date().isoformat() == "2026-02-15"  # 45 ends of day from 2026-01-01
    assert "2026-01:" in output and "2026-02:" in output  # one progress line per month
    states = set(Application.objects.values_list("state", flat=True))
    assert {"auto_approved", "approved"} <= states and len(states) >= 3
    assert Loan.objects.filter(status="active", dpd=0).exists()
    assert Loan.objects.filter(status="active", dpd__gt=0).exists()  # the defaulter, at least
    assert Loan.objects.filter(status="paid_off").count() >= 2  # the showcase's and a prepayer's
    assert Contract.objects.filter(status="signed").count() >= 2
    assert PaymentOrder.objects.filter(kind="auto_debit", status="succeeded").exists()
    assert PaymentOrder.objects.filter(kind="auto_debit", status="failed").exists()
    assert ReconciliationRun.objects.count() == 45  # operations reconciled every day
    assert CollectionCase.objects.exists()
    assert ContactAttempt.objects.exists()  # the demo collector called
    # on the registered mobile, picked as on the page (recorded masked, never typed)
    assert set(ContactAttempt.objects.values_list("number_used", flat=True)) == {
        "registered_mobile"
    }
    assert Message.objects.filter(status="sent").exists()
    # Sent on their simulated day at whatever hour the test runs (none waits for a morning).
    assert not Message.objects.filter(status="queued").exists()
    assert reconcile.reconcile().ok
    assert verify_audit_chain().ok

    before = counts()
    again = demo("--customers", "10", "--days", "45")
    assert "unchanged" in again
    assert counts() == before
