"""The simulated identity provider (determinism, forced outcomes) and name / ID / phone
consistency across a customer's history."""

import pytest

from microloan.risk.identity import (
    IdentityRecord,
    SimulatedIdentityProvider,
    combined_outcome,
    identity_consistency,
)

PROVIDER = SimulatedIdentityProvider()
ID = "11010519491231002X"  # sequence digits "002"


def _with_sequence(sequence):
    return ID[:14] + sequence + ID[17:]


@pytest.mark.parametrize(
    ("name", "id_number", "outcome", "codes"),
    [
        ("张三", ID, "pass", ()),
        ("张三不符", ID, "fail", ("id_name_mismatch",)),
        ("Test Mismatch", ID, "fail", ("id_name_mismatch",)),
        ("张三", _with_sequence("999"), "fail", ("id_not_found",)),
        ("张三", _with_sequence("998"), "error", ("provider_unavailable",)),
    ],
)
def test_id_verification_outcomes(name, id_number, outcome, codes):
    result = PROVIDER.verify_id(name=name, id_number=id_number)
    assert (result.kind, result.outcome, result.reason_codes) == ("id_verification", outcome, codes)
    assert id_number not in str(result.raw) and name not in str(result.raw)


@pytest.mark.parametrize(
    ("token", "outcome", "codes"),
    [
        ("selfie-123", "pass", ()),
        ("fail-1", "fail", ("face_mismatch",)),
        ("SPOOF", "fail", ("liveness_failed",)),
        ("review-x", "review", ("face_low_confidence",)),
        ("error", "error", ("provider_unavailable",)),
    ],
)
def test_face_match_outcomes(token, outcome, codes):
    result = PROVIDER.match_face(id_number=ID, face_token=token)
    assert (result.kind, result.outcome, result.reason_codes) == ("face_match", outcome, codes)


def test_scores_are_deterministic_and_depend_on_the_inputs():
    first = PROVIDER.match_face(id_number=ID, face_token="selfie-1")
    again = SimulatedIdentityProvider().match_face(id_number=ID, face_token="selfie-1")
    other = PROVIDER.match_face(id_number=ID, face_token="selfie-2")
    assert first == again
    assert first.score != other.score
    assert 0.85 <= first.score <= 1 and PROVIDER.verify_id(name="李四", id_number=ID).score >= 0.95


@pytest.mark.parametrize(
    ("outcomes", "combined"),
    [
        (["pass", "pass"], "pass"),
        (["pass", "review"], "review"),
        (["error", "pass"], "review"),
        (["review", "fail"], "fail"),
        ([], "review"),
    ],
)
def test_combined_outcome(outcomes, combined):
    assert combined_outcome(outcomes) == combined


def _r(name, id_hash, phone_hash):
    return IdentityRecord(name, id_hash, phone_hash)


@pytest.mark.parametrize(
    ("previous", "names", "phones", "ids", "codes"),
    [
        ([], 1, 1, 1, ()),
        ([_r("张三", "id1", "p1")], 1, 1, 1, ()),
        # names compare without spaces, case and middle dots
        ([_r(" 张 三 ", "id1", "p1"), _r("ZHANG·san", "id9", "p9")], 1, 1, 1, ()),
        ([_r("李四", "id1", "p1")], 2, 1, 1, ("id_name_changed",)),
        ([_r("张三", "id1", "p2"), _r("张三", "id1", "p3")], 1, 3, 1, ("id_phone_changed",)),
        ([_r("王五", "id2", "p1")], 1, 1, 2, ("phone_used_by_other_id",)),
        ([_r("李四", "id1", "p2"), _r("王五", "id2", "p1")], 2, 2, 2,
         ("id_name_changed", "id_phone_changed", "phone_used_by_other_id")),
        # unknown values are never a difference
        ([_r("", "id1", ""), _r("张三", "", "p1")], 1, 1, 1, ()),
        # records sharing neither the ID nor the phone are ignored
        ([_r("李四", "id7", "p7")], 1, 1, 1, ()),
    ],
)  # fmt: skip
def test_identity_consistency(previous, names, phones, ids, codes):
    signals = identity_consistency(_r("张三", "id1", "p1"), previous)
    assert (signals.names_per_id, signals.phones_per_id, signals.ids_per_phone) == (
        names,
        phones,
        ids,
    )
    assert signals.reason_codes == codes


def test_consistency_with_the_same_name_in_another_script_case():
    signals = identity_consistency(_r("Zhang San", "id1", "p1"), [_r("ZHANG SAN", "id1", "p1")])
    assert signals.names_per_id == 1 and signals.reason_codes == ()
