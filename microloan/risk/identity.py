"""Identity checks: the provider interface, a deterministic simulated provider, and the
name / ID / phone consistency of a customer's history. Pure: no ORM, no clock, no network.

A provider answers two questions (``settings.RISK_IDENTITY_PROVIDER`` names its class by dotted
path; ``SimulatedIdentityProvider`` is the default):

- ``verify_id(name=, id_number=)``: do this name and resident ID number belong together at
  the issuing authority?
- ``match_face(id_number=, face_token=)``: is the live face behind ``face_token`` (the
  reference of a captured selfie / liveness session) alive and the ID holder's photo?

Each returns an ``IdentityResult``: outcome ``pass`` / ``fail`` / ``review`` (low confidence: a
person should look) / ``error`` (the provider could not answer), a score in [0, 1], reason
codes and the provider's raw response, which must never hold a clear ID number or name.

The simulated provider passes everyone, with a score derived from a SHA-256 of the inputs
(deterministic: the same inputs always give the same result), except for these patterns, which
tests and demos use to force the other outcomes:

==========================================  ========  ==========================
input                                       outcome   reason code
==========================================  ========  ==========================
name containing "不符" or "MISMATCH"         fail      id_name_mismatch
ID number whose sequence digits (15-17)      fail      id_not_found
are "999"
ID number whose sequence digits are "998"   error     provider_unavailable
face token starting "fail"                  fail      face_mismatch
face token starting "spoof"                 fail      liveness_failed
face token starting "review"                review    face_low_confidence
face token starting "error"                 error     provider_unavailable
==========================================  ========  ==========================
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from microloan.kernel.masking import mask_id_number

ID_VERIFICATION, FACE_MATCH = "id_verification", "face_match"
CHECK_KINDS = (ID_VERIFICATION, FACE_MATCH)
PASS, FAIL, REVIEW, ERROR = "pass", "fail", "review", "error"
OUTCOMES = (PASS, FAIL, REVIEW, ERROR)


@dataclass(frozen=True)
class IdentityResult:
    kind: str  # id_verification | face_match
    outcome: str  # pass | fail | review | error
    score: float | None  # 0..1: match confidence / face similarity
    reason_codes: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict)


class IdentityProvider(Protocol):
    name: str

    def verify_id(self, *, name: str, id_number: str) -> IdentityResult: ...

    def match_face(self, *, id_number: str, face_token: str) -> IdentityResult: ...


def combined_outcome(outcomes: Iterable[str]) -> str:
    """One outcome for several checks: any fail fails; else any review or error needs a
    person (``review``); else pass. No checks at all is not a pass."""
    seen = set(outcomes)
    if not seen:
        return REVIEW
    if FAIL in seen:
        return FAIL
    return REVIEW if seen & {REVIEW, ERROR} else PASS


def _unit_interval(*parts: str) -> float:
    """A number in [0, 1) from the SHA-256 of ``parts``: the same inputs give the same number."""
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class SimulatedIdentityProvider:
    """A stand-in for the authority and face-match services (see the module doc)."""

    name = "simulated"

    def verify_id(self, *, name: str, id_number: str) -> IdentityResult:
        number = "".join(ch for ch in id_number if not ch.isspace()).upper()
        sequence = number[14:17]
        raw = {"provider": self.name, "id_number": mask_id_number(number)}
        if sequence == "998":
            return IdentityResult(ID_VERIFICATION, ERROR, None, ("provider_unavailable",), raw)
        if sequence == "999":
            return IdentityResult(ID_VERIFICATION, FAIL, 0.0, ("id_not_found",), raw)
        if "不符" in name or "MISMATCH" in name.upper():
            return IdentityResult(ID_VERIFICATION, FAIL, 0.0, ("id_name_mismatch",), raw)
        score = round(0.95 + 0.05 * _unit_interval("id", name, number), 4)
        return IdentityResult(ID_VERIFICATION, PASS, score, (), {**raw, "match": True})

    def match_face(self, *, id_number: str, face_token: str) -> IdentityResult:
        token = face_token.strip().lower()
        raw = {"provider": self.name, "face_token": face_token[:64]}
        forced = {
            "error": (ERROR, None, "provider_unavailable"),
            "spoof": (FAIL, 0.1, "liveness_failed"),
            "fail": (FAIL, 0.3, "face_mismatch"),
            "review": (REVIEW, 0.7, "face_low_confidence"),
        }
        for prefix, (outcome, score, code) in forced.items():
            if token.startswith(prefix):
                return IdentityResult(FACE_MATCH, outcome, score, (code,), raw)
        similarity = round(0.85 + 0.15 * _unit_interval("face", id_number, face_token), 4)
        return IdentityResult(
            FACE_MATCH, PASS, similarity, (), {**raw, "liveness": True, "similarity": similarity}
        )


# --- consistency of name / ID / phone across a customer's history -------------------------------


@dataclass(frozen=True)
class IdentityRecord:
    """One application's identity keys: a name digest and the blind indexes of ID and phone."""

    name: str
    id_hash: str
    phone_hash: str


@dataclass(frozen=True)
class ConsistencySignals:
    names_per_id: int  # distinct names seen with this ID number, the current one included
    phones_per_id: int  # distinct phones seen with this ID number, the current one included
    ids_per_phone: int  # distinct ID numbers seen with this phone, the current one included
    reason_codes: tuple[str, ...]  # id_name_changed, id_phone_changed, phone_used_by_other_id


def normalise_name(name: str) -> str:
    """For comparing names: Unicode NFKC, case-folded, without spaces and middle dots."""
    text = unicodedata.normalize("NFKC", name).casefold()
    return "".join(ch for ch in text if not ch.isspace() and ch not in "·•.-'")


def identity_consistency(
    current: IdentityRecord, previous: Iterable[IdentityRecord]
) -> ConsistencySignals:
    """Compare ``current`` with earlier records that share its ID number or its phone.

    Names are compared after ``normalise_name`` (digests are compared as they are); empty
    values are unknown, never a difference.
    """
    names = {normalise_name(current.name)} - {""}
    phones = {current.phone_hash} - {""}
    ids = {current.id_hash} - {""}
    codes: dict[str, None] = {}  # an ordered set
    for record in previous:
        if current.id_hash and record.id_hash == current.id_hash:
            name = normalise_name(record.name)
            if name and names and name not in names:
                codes["id_name_changed"] = None
            if record.phone_hash and phones and record.phone_hash not in phones:
                codes["id_phone_changed"] = None
            names |= {name} - {""}
            phones |= {record.phone_hash} - {""}
        if current.phone_hash and record.phone_hash == current.phone_hash:
            if record.id_hash and ids and record.id_hash not in ids:
                codes["phone_used_by_other_id"] = None
            ids |= {record.id_hash} - {""}
    return ConsistencySignals(
        names_per_id=len(names),
        phones_per_id=len(phones),
        ids_per_phone=len(ids),
        reason_codes=tuple(codes),
    )
