"""Token services: raw values shown once, only hashes stored, revocation, audit records."""

import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from microloan.accounts.models import BorrowerApiToken, StaffApiToken
from microloan.accounts.roles import ADMIN
from microloan.accounts.services import (
    create_staff_token,
    issue_borrower_token,
    list_staff_tokens,
    resolve_borrower_token,
    resolve_staff_token,
    revoke_borrower_token,
    revoke_borrower_tokens,
    revoke_staff_token,
)
from microloan.accounts.testing import make_staff
from microloan.audit.models import AuditRecord
from microloan.kernel.actors import Actor
from microloan.kernel.errors import NotFound, PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice():
    return make_staff(username="alice")


def actor_of(user):
    return Actor.from_user(user)


def test_a_new_staff_token_is_returned_raw_once_and_stored_hashed(alice):
    token, raw = create_staff_token(actor=actor_of(alice), name="laptop")
    assert raw.startswith("mls_") and len(raw) > 40
    assert token.public_id.startswith("tok_") and token.user == alice and token.name == "laptop"
    stored = StaffApiToken.objects.filter(pk=token.pk).values().get()
    assert stored["token_hash"] == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {str(v) for v in stored.values()}


def test_creating_a_token_is_audited(alice):
    token, _raw = create_staff_token(actor=actor_of(alice), name="laptop")
    record = AuditRecord.objects.get(action="api_token.created")
    assert (record.actor_id, record.object_type, record.object_id) == (
        "alice",
        "staff_api_token",
        token.public_id,
    )
    assert record.after["token_name"] == "laptop"


@pytest.mark.parametrize(
    ("name", "field"),
    [("", "name"), ("   ", "name"), ("x" * 101, "name")],
)
def test_a_token_needs_a_sensible_name(alice, name, field):
    with pytest.raises(ValidationFailed) as refused:
        create_staff_token(actor=actor_of(alice), name=name)
    assert field in refused.value.fields
    assert not StaffApiToken.objects.exists()


def test_a_token_cannot_expire_in_the_past(alice):
    with pytest.raises(ValidationFailed) as refused:
        create_staff_token(
            actor=actor_of(alice), name="x", expires_at=timezone.now() - dt.timedelta(seconds=1)
        )
    assert "expires_at" in refused.value.fields


def test_resolving_a_token_gives_its_users_actor(alice):
    _token, raw = create_staff_token(actor=actor_of(alice), name="x")
    actor = resolve_staff_token(raw)
    assert actor.kind == "staff" and actor.id == "alice" and actor.user_pk == alice.pk


def test_a_borrower_token_does_not_resolve_as_staff_and_vice_versa(alice):
    _token, staff_raw = create_staff_token(actor=actor_of(alice), name="x")
    borrower_raw = issue_borrower_token(borrower_id="cust_1")
    assert resolve_borrower_token(staff_raw) is None
    assert resolve_staff_token(borrower_raw) is None
    # Even a staff hash planted among borrower tokens does not open a borrower route.
    assert resolve_borrower_token("mlb_" + staff_raw[4:]) is None


def test_the_owner_revokes_their_token_once(alice):
    token, raw = create_staff_token(actor=actor_of(alice), name="x")
    revoked = revoke_staff_token(actor=actor_of(alice), token_id=token.public_id)
    assert revoked.revoked_at is not None
    assert resolve_staff_token(raw) is None
    again = revoke_staff_token(actor=actor_of(alice), token_id=token.public_id)
    assert again.revoked_at == revoked.revoked_at
    assert AuditRecord.objects.filter(action="api_token.revoked").count() == 1


def test_someone_elses_token_is_not_found(alice):
    token, raw = create_staff_token(actor=actor_of(alice), name="x")
    with pytest.raises(NotFound):
        revoke_staff_token(actor=actor_of(make_staff()), token_id=token.public_id)
    assert resolve_staff_token(raw) is not None


def test_a_token_manager_revokes_anyones_token(alice):
    token, _raw = create_staff_token(actor=actor_of(alice), name="x")
    admin = make_staff(role=ADMIN)
    assert revoke_staff_token(actor=actor_of(admin), token_id=token.public_id).revoked_at


def test_list_shows_only_the_callers_live_tokens(alice):
    live, _ = create_staff_token(actor=actor_of(alice), name="live")
    dead, _ = create_staff_token(actor=actor_of(alice), name="dead")
    revoke_staff_token(actor=actor_of(alice), token_id=dead.public_id)
    create_staff_token(actor=actor_of(make_staff()), name="not mine")
    assert list(list_staff_tokens(actor=actor_of(alice))) == [live]
    assert set(list_staff_tokens(actor=actor_of(alice), include_revoked=True)) == {live, dead}


def test_a_borrower_token_resolves_to_the_borrower_until_revoked():
    raw = issue_borrower_token(borrower_id="cust_1")
    assert raw.startswith("mlb_")
    assert resolve_borrower_token(raw) == Actor.borrower("cust_1")
    assert BorrowerApiToken.objects.get().expires_at > timezone.now() + dt.timedelta(days=29)
    revoke_borrower_token(raw=raw)
    assert resolve_borrower_token(raw) is None
    actions = list(AuditRecord.objects.order_by("seq").values_list("action", "actor_id"))
    assert actions == [("borrower_token.issued", "cust_1"), ("borrower_token.revoked", "cust_1")]


def test_an_expired_borrower_token_does_not_resolve():
    raw = issue_borrower_token(borrower_id="cust_1", lifetime=dt.timedelta(seconds=-1))
    assert resolve_borrower_token(raw) is None


@pytest.mark.parametrize("borrower_id", ["", "x" * 41])
def test_a_borrower_token_needs_a_borrower_id(borrower_id):
    with pytest.raises(ValidationFailed):
        issue_borrower_token(borrower_id=borrower_id)


def test_revoking_all_tokens_of_a_borrower_needs_the_permission():
    raws = [issue_borrower_token(borrower_id="cust_1") for _ in range(2)]
    other = issue_borrower_token(borrower_id="cust_2")
    with pytest.raises(PermissionDenied):
        revoke_borrower_tokens(actor=actor_of(make_staff()), borrower_id="cust_1")
    revoked = revoke_borrower_tokens(actor=actor_of(make_staff(role=ADMIN)), borrower_id="cust_1")
    assert revoked == 2
    assert [resolve_borrower_token(r) for r in raws] == [None, None]
    assert resolve_borrower_token(other) == Actor.borrower("cust_2")
