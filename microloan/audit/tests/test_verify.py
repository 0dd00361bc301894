"""audit verify: an intact chain passes; edits and removals behind the app's back are named."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microloan.audit.chain import compute_record_hash
from microloan.audit.models import AuditRecord
from microloan.audit.services import record_audit, verify_audit_chain
from microloan.audit.testing import as_database_owner
from microloan.kernel.actors import Actor

pytestmark = pytest.mark.django_db


def _append(actor, count):
    return [
        record_audit(
            actor=actor,
            action="loan.repaid",
            object_type="loan",
            object_id=f"loan_{n}",
            after={"paid_fen": n * 100},
        )
        for n in range(1, count + 1)
    ]


_as_dba = as_database_owner


def _command_output(*args):
    out, err = io.StringIO(), io.StringIO()
    with translation.override("en"):
        try:
            call_command("audit", "verify", *args, stdout=out, stderr=err)
        except CommandError as error:
            return error.returncode, out.getvalue() + err.getvalue()
    return 0, out.getvalue() + err.getvalue()


def test_an_intact_chain_verifies_across_chunk_boundaries(clerk):
    _append(clerk, 7)
    for chunk_size in (1, 2, 3, 7, 100):
        result = verify_audit_chain(chunk_size=chunk_size)
        assert (result.ok, result.verified, result.first_broken) == (True, 7, None)
    code, output = _command_output("--chunk-size", "3")
    assert (code, output.splitlines()[0]) == (
        0,
        "OK: 7 audit records verified (hashes and MACs); 0 anchors checked, the last one at"
        " record 0.",
    )


def test_an_empty_trail_verifies():
    assert verify_audit_chain().as_dict() == {
        "ok": True,
        "verified": 0,
        "first_broken": None,
        "anchors": 0,
        "anchored_seq": 0,
    }


def test_an_edited_record_is_named_with_expected_and_stored_hash(clerk):
    records = _append(clerk, 5)
    _as_dba("UPDATE audit_auditrecord SET after = %s WHERE seq = 3", ['{"paid_fen": 1}'])
    result = verify_audit_chain(chunk_size=2)
    assert (result.ok, result.verified) == (False, 2)
    broken = result.first_broken
    assert (broken.seq, broken.object_type, broken.object_id) == (3, "loan", "loan_3")
    assert broken.problem == "hash_mismatch"
    assert broken.stored_hash == records[2].record_hash
    assert broken.expected_hash == AuditRecord.objects.get(seq=3).compute_hash()
    assert broken.expected_hash != broken.stored_hash

    code, output = _command_output()
    assert code == 1
    assert "seq=3 object=loan:loan_3" in output
    assert f"expected hash: {broken.expected_hash}" in output
    assert f"stored hash:   {records[2].record_hash}" in output


def test_an_edit_with_a_recomputed_hash_fails_its_mac(clerk):
    _append(clerk, 4)
    forged = AuditRecord.objects.get(seq=2)
    forged.actor_id = "someone_else"
    _as_dba(
        "UPDATE audit_auditrecord SET actor_id = %s, record_hash = %s WHERE seq = 2",
        ["someone_else", compute_record_hash(forged.hashed_fields())],
    )
    broken = verify_audit_chain().first_broken
    assert (broken.seq, broken.problem) == (2, "mac_mismatch")


def test_a_deleted_record_leaves_a_gap_that_is_caught(clerk):
    records = _append(clerk, 5)
    _as_dba("DELETE FROM audit_auditrecord WHERE seq = 2")
    result = verify_audit_chain()
    assert (result.ok, result.verified) == (False, 1)
    broken = result.first_broken
    assert (broken.seq, broken.object_id, broken.problem) == (3, "loan_3", "missing_records")
    with translation.override("en"):
        assert verify_audit_chain().first_broken.detail == "Records 2 to 2 are missing."
    assert broken.expected_hash == records[0].record_hash
    assert _command_output()[0] == 1


def test_removing_the_first_record_is_caught(clerk):
    _append(clerk, 3)
    _as_dba("DELETE FROM audit_auditrecord WHERE seq = 1")
    broken = verify_audit_chain().first_broken
    assert (broken.seq, broken.problem) == (2, "missing_records")


def test_removing_records_from_the_end_is_caught_by_the_chain_head(clerk):
    _append(clerk, 5)
    _as_dba("DELETE FROM audit_auditrecord WHERE seq >= 4")
    result = verify_audit_chain()
    assert (result.ok, result.verified) == (False, 3)
    assert (result.first_broken.seq, result.first_broken.problem) == (5, "head_mismatch")


def test_records_appended_after_a_tampering_do_not_hide_it(clerk):
    _append(clerk, 3)
    _as_dba("UPDATE audit_auditrecord SET object_id = 'loan_x' WHERE seq = 2")
    _append(clerk, 2)
    broken = verify_audit_chain().first_broken
    assert (broken.seq, broken.object_id) == (2, "loan_x")


keys = st.text(max_size=10).filter(lambda k: "\x00" not in k)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    # Valid Unicode only (a lone surrogate is refused: test_record_audit); NUL cannot be stored
    # in PostgreSQL text or jsonb.
    | st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=12,
)
audit_calls = st.fixed_dictionaries(
    {
        "actor": st.sampled_from([Actor.system("eod"), Actor(kind="staff", id="李四")]),
        "action": st.from_regex(r"\A[a-z][a-z0-9_]{0,10}\.[a-z][a-z0-9_]{0,10}\Z"),
        "object_type": st.sampled_from(["loan", "credit_line", "customer"]),
        "object_id": st.text(min_size=1, max_size=30).filter(lambda s: "\x00" not in s),
        "before": st.none() | st.dictionaries(st.sampled_from(["name", "phone", "x"]), json_values),
        "after": st.none() | st.dictionaries(keys, json_values, max_size=5),
    }
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calls=st.lists(audit_calls, min_size=1, max_size=6))
def test_any_sequence_of_records_verifies(calls):
    with transaction.atomic():
        for call in calls:
            record_audit(**call)
        result = verify_audit_chain(chunk_size=4)
        assert (result.ok, result.verified) == (True, len(calls)), result.first_broken
        transaction.set_rollback(True)
