"""Anchors outside the database and MACs under a key it does not hold: what someone who can
rewrite the database (but has neither the key nor the anchor file) can no longer hide."""

import base64
import hashlib
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from microloan.audit.anchors import append_anchor, read_anchors
from microloan.audit.chain import compute_record_hash, compute_record_mac, parse_audit_keys
from microloan.audit.models import AuditChainHead, AuditRecord
from microloan.audit.services import (
    AnchorRefused,
    anchor_audit_chain,
    anchor_file,
    record_audit,
    verify_audit_chain,
)
from microloan.audit.testing import as_database_owner

pytestmark = pytest.mark.django_db

KEY_1 = "a1:" + base64.urlsafe_b64encode(b"\x01" * 32).decode()
KEY_2 = "a2:" + base64.urlsafe_b64encode(b"\x02" * 32).decode()


def _append(actor, count, start=1):
    return [
        record_audit(
            actor=actor,
            action="loan.repaid",
            object_type="loan",
            object_id=f"loan_{n}",
            after={"paid_fen": n * 100},
        )
        for n in range(start, start + count)
    ]


def _run(*args) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with translation.override("en"):
        try:
            call_command("audit", *args, stdout=out, stderr=err)
        except CommandError as error:
            return error.returncode, out.getvalue() + err.getvalue() + str(error)
    return 0, out.getvalue() + err.getvalue()


def _move_head(seq: int) -> None:
    last_hash = AuditRecord.objects.get(seq=seq).record_hash
    as_database_owner(
        "UPDATE audit_auditchainhead SET last_seq = %s, last_hash = %s", [seq, last_hash]
    )


def _rewrite_from(seq: int, *, actor_id: str, mac_key: str | None = None) -> None:
    """Edit record ``seq`` and recompute every later hash and the head, as an insider would;
    with ``mac_key`` (an insider who also stole the key) the MACs are recomputed too."""
    records = list(AuditRecord.objects.filter(seq__gte=seq).order_by("seq"))
    prev_hash = AuditRecord.objects.get(seq=seq - 1).record_hash if seq > 1 else "0" * 64
    keys = parse_audit_keys(mac_key) if mac_key else None
    for record in records:
        if record.seq == seq:
            record.actor_id = actor_id
        record.prev_hash = prev_hash
        record.record_hash = compute_record_hash(record.hashed_fields())
        mac = record.record_mac
        if keys:
            mac = compute_record_mac(keys.signing_key, keys.signing_id, record.record_hash)
        as_database_owner(
            "UPDATE audit_auditrecord SET actor_id = %s, prev_hash = %s, record_hash = %s,"
            " record_mac = %s WHERE seq = %s",
            [record.actor_id, record.prev_hash, record.record_hash, mac, record.seq],
        )
        prev_hash = record.record_hash
    _move_head(records[-1].seq)


def test_each_record_carries_the_signing_key_id_and_a_mac(clerk, settings):
    settings.AUDIT_HMAC_KEY = KEY_1
    (record,) = _append(clerk, 1)
    stored = AuditRecord.objects.get(seq=record.seq)
    assert stored.key_id == "a1"
    expected = compute_record_mac(b"\x01" * 32, "a1", stored.record_hash)
    assert stored.record_mac == expected


def test_an_anchored_intact_chain_verifies(clerk):
    _append(clerk, 4)
    written = anchor_audit_chain()
    assert (written.seq, written.checked) == (4, 4)
    _append(clerk, 2, start=5)
    result = verify_audit_chain(chunk_size=3)
    assert (result.ok, result.verified, result.anchors, result.anchored_seq) == (True, 6, 1, 4)
    code, output = _run("verify")
    assert code == 0
    assert "OK: 6 audit records verified (hashes and MACs); 1 anchors checked" in output


def test_anchor_lines_are_signed_and_chain_to_the_line_before(clerk):
    _append(clerk, 2)
    anchor_audit_chain()
    anchor_audit_chain()  # nothing new: the same head, anchored again
    lines = anchor_file().read_text().splitlines()
    first, second = (json.loads(line) for line in lines)
    assert (first["seq"], first["prev"]) == (2, "0" * 64)
    assert second["prev"] == hashlib.sha256(lines[0].encode()).hexdigest()
    assert first["record_hash"] == AuditRecord.objects.get(seq=2).record_hash
    assert len(first["mac"]) == 64


@pytest.mark.parametrize("seq", [0, 10, 1800, 10**12 + 7])
def test_an_anchor_line_reads_back_as_written(tmp_path, seq):
    keys = parse_audit_keys(KEY_1)
    path = tmp_path / "anchors.jsonl"
    append_anchor(path, keys, seq=seq, record_hash="ab" * 32, at=timezone.now())
    append_anchor(path, keys, seq=seq + 1, record_hash="cd" * 32, at=timezone.now())
    assert [(a.line, a.seq) for a in read_anchors(path, keys)] == [(1, seq), (2, seq + 1)]
    assert f'"seq":{seq},' in path.read_text()


def test_an_empty_chain_can_be_anchored_and_verified():
    assert anchor_audit_chain().seq == 0
    assert verify_audit_chain().ok


def test_records_cut_off_below_the_last_anchor_with_the_head_moved_back_fail(clerk):
    _append(clerk, 5)
    anchor_audit_chain()
    as_database_owner("DELETE FROM audit_auditrecord WHERE seq >= 4")
    _move_head(3)  # the chain alone now looks whole
    result = verify_audit_chain()
    assert (result.ok, result.verified) == (False, 3)
    assert (result.first_broken.seq, result.first_broken.problem) == (5, "records_removed")
    code, output = _run("verify")
    assert code == 1
    assert "names record 5, but the chain ends at record 3" in output
    assert "audit chain verification failed" in output


def test_a_head_moved_back_over_anchored_records_fails(clerk):
    _append(clerk, 5)
    anchor_audit_chain()
    _move_head(2)
    assert verify_audit_chain().first_broken.problem == "records_removed"
    assert _run("verify")[0] == 1


def test_records_after_the_last_anchor_rest_on_the_head_alone(clerk):
    """The documented limit: cut below the head but above the last anchor, and moved back,
    goes unseen until anchored. End of day anchors daily, so at most a day is exposed."""
    _append(clerk, 3)
    anchor_audit_chain()
    _append(clerk, 2, start=4)
    as_database_owner("DELETE FROM audit_auditrecord WHERE seq >= 4")
    _move_head(3)
    assert verify_audit_chain().ok


def test_an_edited_record_with_every_later_hash_recomputed_fails_its_mac(clerk):
    _append(clerk, 5)
    _rewrite_from(2, actor_id="someone_else")
    result = verify_audit_chain()  # no anchor needed: the MAC alone catches it
    broken = result.first_broken
    assert (result.ok, broken.seq, broken.problem) == (False, 2, "mac_mismatch")
    code, output = _run("verify")
    assert code == 1
    assert "seq=2 object=loan:loan_2" in output
    assert "The record's MAC does not match" in output


def test_verify_never_shows_the_mac_a_forged_record_would_need(clerk, settings):
    _append(clerk, 3)
    _rewrite_from(2, actor_id="someone_else")
    forged = AuditRecord.objects.get(seq=2)
    keys = parse_audit_keys(settings.AUDIT_HMAC_KEY)
    needed = compute_record_mac(keys.signing_key, keys.signing_id, forged.record_hash)
    assert needed not in str(verify_audit_chain().as_dict())
    assert needed not in _run("verify")[1]


def test_a_rewrite_with_the_stolen_key_still_disagrees_with_the_anchor(clerk, settings):
    settings.AUDIT_HMAC_KEY = KEY_1
    _append(clerk, 5)
    anchor_audit_chain()
    _rewrite_from(2, actor_id="someone_else", mac_key=KEY_1)
    broken = verify_audit_chain().first_broken
    assert (broken.seq, broken.problem) == (5, "anchor_mismatch")
    assert _run("verify")[0] == 1


@pytest.mark.parametrize(
    "rewrite",
    [
        pytest.param(lambda lines: [lines[0].replace('"seq":3', '"seq":2'), *lines[1:]], id="edit"),
        pytest.param(lambda lines: [lines[0], lines[2]], id="drop_middle_line"),
        pytest.param(lambda lines: [lines[1], lines[0], lines[2]], id="reorder"),
        pytest.param(lambda lines: [*lines, lines[-1]], id="replay_line"),
        pytest.param(lambda lines: [*lines[:2], "{}"], id="garbage"),
    ],
)
def test_a_rewritten_anchor_file_fails(clerk, rewrite):
    for start in (1, 4, 7):
        _append(clerk, 3, start=start)
        anchor_audit_chain()
    path = anchor_file()
    path.write_text("\n".join(rewrite(path.read_text().splitlines())) + "\n")
    result = verify_audit_chain()
    assert (result.ok, result.first_broken.problem) == (False, "anchor_file_broken")
    code, output = _run("verify")
    assert code == 1
    assert "was altered: line" in output


def test_an_anchor_file_forged_with_another_key_fails(clerk, settings):
    _append(clerk, 3)
    anchor_audit_chain()
    head = AuditChainHead.objects.get()
    forged = anchor_file().with_suffix(".forged")
    forger_keys = parse_audit_keys("a1:" + "A" * 43)  # the key id is public, the key is not
    append_anchor(
        forged, forger_keys, seq=head.last_seq, record_hash=head.last_hash, at=timezone.now()
    )
    forged.replace(anchor_file())
    broken = verify_audit_chain().first_broken
    assert (broken.problem, broken.seq) == ("anchor_file_broken", 0)
    assert _run("verify")[0] == 1


def test_anchoring_a_broken_chain_is_refused_and_writes_nothing(clerk):
    _append(clerk, 3)
    anchor_audit_chain()
    _append(clerk, 2, start=4)
    before = anchor_file().read_bytes()
    _rewrite_from(4, actor_id="someone_else")
    with pytest.raises(AnchorRefused) as refused:
        anchor_audit_chain()
    assert refused.value.broken.problem == "mac_mismatch"
    code, output = _run("anchor")
    assert code == 1
    assert "Not anchored: the audit chain does not verify." in output
    assert anchor_file().read_bytes() == before


def test_the_anchor_command_reports_what_it_anchored(clerk):
    _append(clerk, 2)
    code, output = _run("anchor")
    assert code == 0
    head = AuditChainHead.objects.get()
    assert f"Anchored record 2 (hash {head.last_hash})" in output


def test_key_rotation_keeps_old_records_verifiable_and_signs_with_the_new_key(clerk, settings):
    settings.AUDIT_HMAC_KEY = KEY_1
    _append(clerk, 2)
    anchor_audit_chain()
    settings.AUDIT_HMAC_KEY = f"{KEY_1},{KEY_2}"
    _append(clerk, 2, start=3)
    anchor_audit_chain()
    assert list(AuditRecord.objects.order_by("seq").values_list("key_id", flat=True)) == [
        "a1",
        "a1",
        "a2",
        "a2",
    ]
    assert json.loads(anchor_file().read_text().splitlines()[-1])["key_id"] == "a2"
    assert verify_audit_chain().ok
    settings.AUDIT_HMAC_KEY = KEY_2  # the old key dropped too early
    broken = verify_audit_chain().first_broken
    assert broken.problem == "anchor_file_broken"
    settings.AUDIT_ANCHOR_FILE = str(anchor_file()) + ".none"
    broken = verify_audit_chain().first_broken
    assert (broken.seq, broken.problem) == (1, "unknown_key")


def test_verify_without_anchors_passes_but_warns(clerk):
    _append(clerk, 1)
    code, output = _run("verify")
    assert code == 0
    assert "No anchors in" in output


def test_the_migration_signs_records_written_before_it(clerk):
    """Records from before the MAC column get one over the hash they hold."""
    import importlib

    from django.db import connection

    migration = importlib.import_module("microloan.audit.migrations.0003_record_mac")
    _append(clerk, 3)
    as_database_owner("UPDATE audit_auditrecord SET key_id = '', record_mac = ''")
    assert verify_audit_chain().first_broken.problem == "unknown_key"

    class SchemaEditor:
        pass

    editor = SchemaEditor()
    editor.connection = connection
    migration.sign_existing_records(None, editor)
    assert verify_audit_chain().ok
