"""The assessment chain origination calls: events, velocity windows, identity checks, context."""

import datetime as dt

import pytest
from django.utils import timezone

from microloan.kernel.errors import ValidationFailed
from microloan.products.domain import default_weilidai_terms
from microloan.risk import services
from microloan.risk.identity import IdentityResult
from microloan.risk.models import ApplicationEvent, IdentityCheck

from .conftest import actor_of, staff_with

pytestmark = pytest.mark.django_db

AT = timezone.make_aware(dt.datetime(2026, 3, 1, 12, 0))
ID_A, ID_B, ID_C = "11010519491231002X", "110105194912310037", "110105194912310045"
GOOD = {
    "age": 35, "monthly_income_fen": 800_000, "years_employed": 5, "education": "bachelor",
    "marital_status": "married", "credit_utilisation": 0.2, "prior_delinquencies": 0,
    "channel": "app", "device_tenure_days": 400,
}  # fmt: skip


def _event(subject, *, at, id_number=ID_A, name="张三", phone="13800138000", device="", ip=""):
    keys = services.subject_keys(name=name, id_number=id_number, phone=phone)
    return services.record_application_event(
        subject=subject, keys=keys, device_id=device, ip=ip, at=at
    )


def _assess(subject, **changes):
    arguments = {
        "subject": subject, "name": "张三", "id_number": ID_A, "phone": "13800138000",
        "features": GOOD, "terms": default_weilidai_terms(), "device_id": "dev-1",
        "ip": "1.2.3.4", "face_token": "selfie", "at": AT,
    }  # fmt: skip
    return services.assess_application(**{**arguments, **changes})


def test_the_same_subject_is_recorded_once():
    first = _event("app_1", at=AT)
    again = _event("app_1", at=AT + dt.timedelta(minutes=5), phone="13900139000")
    assert again.pk == first.pk and again.at == AT
    assert ApplicationEvent.objects.count() == 1
    assert services.velocity_counts(first).counts["id"] == {"1h": 1, "24h": 1, "30d": 1}


@pytest.mark.parametrize(
    ("earlier", "counts"),
    [
        (dt.timedelta(minutes=59), {"1h": 2, "24h": 2, "30d": 2}),
        (dt.timedelta(hours=1), {"1h": 1, "24h": 2, "30d": 2}),  # window is (at − 1 h, at]
        (dt.timedelta(hours=23, minutes=59), {"1h": 1, "24h": 2, "30d": 2}),
        (dt.timedelta(hours=24), {"1h": 1, "24h": 1, "30d": 2}),
        (dt.timedelta(days=29, hours=23), {"1h": 1, "24h": 1, "30d": 2}),
        (dt.timedelta(days=30), {"1h": 1, "24h": 1, "30d": 1}),
        (-dt.timedelta(minutes=1), {"1h": 1, "24h": 1, "30d": 1}),  # later events do not count
    ],
)
def test_velocity_windows(earlier, counts):
    _event("app_old", at=AT - earlier, device="dev-1", ip="1.2.3.4")
    current = _event("app_new", at=AT, device="dev-1", ip="1.2.3.4")
    data = services.velocity_counts(current)
    for key in ("id", "phone", "device", "ip"):
        assert data.counts[key] == counts, key
    assert "card" not in data.counts  # no card given: no count


def test_sharing_and_consistency_signals():
    _event("app_1", at=AT - dt.timedelta(days=2), id_number=ID_B, name="李四", device="dev-1")
    _event("app_2", at=AT - dt.timedelta(days=1), id_number=ID_C, name="王五", device="dev-1")
    _event("app_3", at=AT - dt.timedelta(hours=3), name="张三丰", phone="13900139000")
    current = _event("app_4", at=AT, device="dev-1")
    context = services.fraud_context(current, GOOD)
    assert context.ids_per_device == 3
    assert context.ids_per_phone == 3  # app_1 and app_2 used the same phone with other IDs
    assert (context.names_per_id, context.phones_per_id) == (2, 2)
    assert context.velocity["id"] == {"1h": 1, "24h": 2, "30d": 2}
    assert (context.age, context.years_employed, context.monthly_income_fen) == (35, 5, 800_000)


def test_names_compare_after_normalisation():
    _event("app_1", at=AT - dt.timedelta(days=1), name="Zhang San")
    current = _event("app_2", at=AT, name=" zhang  san ")
    assert services.fraud_context(current, {}).names_per_id == 1


def test_identity_checks_are_stored_per_answer():
    outcome = services.run_identity_checks(
        subject="app_1", name="张三", id_number=ID_A, face_token="spoof-1"
    )
    assert (outcome.outcome, outcome.reason_codes) == ("fail", ("liveness_failed",))
    stored = list(IdentityCheck.objects.filter(subject="app_1").order_by("kind"))
    assert [(c.kind, c.outcome, c.provider) for c in stored] == [
        ("face_match", "fail", "simulated"),
        ("id_verification", "pass", "simulated"),
    ]
    assert ID_A not in str(stored[1].raw_response)
    viewer = actor_of(staff_with("risk.view_identitycheck"))
    assert len(services.list_identity_checks(actor=viewer, subject="app_1")) == 2


def test_without_a_face_the_outcome_is_review():
    outcome = services.run_identity_checks(subject="app_1", name="张三", id_number=ID_A)
    assert (outcome.outcome, outcome.reason_codes) == ("review", ("face_not_checked",))
    assert IdentityCheck.objects.count() == 1


class ExplodingProvider:
    name = "exploding"

    def verify_id(self, *, name, id_number):
        raise TimeoutError("authority down")

    def match_face(self, *, id_number, face_token):
        return IdentityResult("face_match", "pass", 0.99, (), {})


def test_the_provider_comes_from_settings_and_its_failure_is_an_error_answer(settings):
    settings.RISK_IDENTITY_PROVIDER = f"{__name__}.ExplodingProvider"
    outcome = services.run_identity_checks(
        subject="app_1", name="张三", id_number=ID_A, face_token="selfie"
    )
    assert (outcome.outcome, outcome.reason_codes) == ("review", ("provider_exception",))
    assert set(IdentityCheck.objects.values_list("provider", "outcome")) == {
        ("exploding", "error"),
        ("exploding", "pass"),
    }


def test_a_clean_application_is_approved():
    assessment = _assess("app_1")
    assert assessment.identity.outcome == "pass"
    assert (assessment.fraud.score, assessment.score.grade) == (0, "A")
    assert assessment.decision.outcome == "auto_approve"
    assert assessment.decision.limit_fen == 3_200_000  # 8,000 CNY × 4 (grade A)
    assert assessment.risk_level == "low"
    assert (assessment.ruleset_version, assessment.scorecard_version) == (1, 1)
    assert assessment.as_dict()["decision"]["daily_rate"] == "0.0002"


def test_a_retry_is_not_a_second_application():
    _assess("app_1")
    assert _assess("app_1").fraud.score == 0


def test_a_second_application_within_the_hour_is_flagged():
    _assess("app_1")
    second = _assess("app_2", at=AT + dt.timedelta(minutes=30))
    assert "velocity_id_1h" in second.fraud.reason_codes
    assert "velocity_phone_1h" in second.fraud.reason_codes
    assert second.decision.outcome == "manual_review"  # 40 + 30 = 70: review, not reject
    assert second.risk_level == "high"


def test_a_blacklisted_applicant_is_rejected():
    analyst = actor_of(staff_with("risk.change_blacklistentry"))
    services.add_blacklist_entry(
        actor=analyst, kind="phone", value="13800138000", source="manual", reason="fraud ring"
    )
    assessment = _assess("app_1", at=timezone.now())
    assert assessment.fraud.reason_codes == ("blacklisted_phone",)
    assert assessment.decision.outcome == "auto_reject"
    assert assessment.decision.reasons == ("fraud_score_high",)


@pytest.mark.parametrize(
    ("changes", "outcome", "reasons"),
    [
        ({"name": "张三不符"}, "auto_reject", ("identity_failed",)),
        ({"face_token": ""}, "manual_review", ("identity_unverified",)),
        ({"admission_failures": ["blacklisted"]}, "auto_reject", ("admission_blacklisted",)),
        ({"features": {**GOOD, "prior_delinquencies": 3, "credit_utilisation": 0.95}},
         "auto_reject", ("grade_too_low",)),
        ({"features": {**GOOD, "years_employed": 30}}, "manual_review",
         ("fraud_score_elevated",)),
        ({"existing_credit_fen": 19_990_000}, "auto_reject", ("credit_cap_reached",)),
    ],
)  # fmt: skip
def test_decisions_through_the_chain(changes, outcome, reasons):
    assessment = _assess("app_1", **changes)
    assert (assessment.decision.outcome, assessment.decision.reasons) == (outcome, reasons)


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda: _event("", at=AT), "invalid_subject"),
        (lambda: _event("x" * 61, at=AT), "invalid_subject"),
        (lambda: _event("app_1", at=AT, ip="not-an-ip"), "invalid_ip"),
        (lambda: _event("app_1", at=AT, device="d" * 129), "invalid_device_id"),
        (lambda: services.run_identity_checks(subject="", name="张三", id_number=ID_A),
         "invalid_subject"),
        (lambda: services.run_identity_checks(
            subject="app_1", name="张三", id_number=ID_A, face_token="f" * 201),
         "invalid_face_token"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_and_stores_nothing(call, code):
    with pytest.raises(ValidationFailed) as refused:
        call()
    assert refused.value.code == code
    assert not ApplicationEvent.objects.exists() and not IdentityCheck.objects.exists()
