"""Rule set and scorecard versions: defaults on first use, drafts, maker-checker activation."""

import copy

import pytest

from microloan.audit.models import AuditRecord
from microloan.kernel.actors import Actor
from microloan.kernel.errors import (
    BusinessRuleViolation,
    Conflict,
    PermissionDenied,
    ValidationFailed,
)
from microloan.risk import services
from microloan.risk.models import RuleSet, Scorecard, VersionStatus
from microloan.risk.rulesets import default_thresholds
from microloan.risk.services.common import save_activation

from .conftest import actor_of, staff_with
from .test_scorecard import ARTIFACT

pytestmark = pytest.mark.django_db

RULESET_PERMS = ("risk.view_ruleset", "risk.add_ruleset", "risk.approve_ruleset")
SCORECARD_PERMS = ("risk.view_scorecard", "risk.add_scorecard", "risk.approve_scorecard")


@pytest.fixture
def maker():
    return actor_of(staff_with(*RULESET_PERMS, *SCORECARD_PERMS))


@pytest.fixture
def checker():
    return actor_of(staff_with(*RULESET_PERMS, *SCORECARD_PERMS))


def test_defaults_become_version_1_on_first_use():
    ruleset = services.active_ruleset()
    assert (ruleset.version, ruleset.status) == (1, VersionStatus.ACTIVE)
    assert ruleset.thresholds == default_thresholds()
    scorecard = services.active_scorecard()
    assert (scorecard.version, scorecard.source, scorecard.status) == (1, "expert", "active")
    assert services.active_ruleset().pk == ruleset.pk  # created once
    assert services.active_scorecard().pk == scorecard.pk
    assert AuditRecord.objects.filter(action="ruleset.activated").count() == 1
    assert AuditRecord.objects.filter(action="scorecard.activated").count() == 1


def test_a_ruleset_draft_is_activated_by_another_person(maker, checker):
    draft = services.create_ruleset_draft(
        actor=maker, changes={"decision": {"review_fraud_score": 40}}, note="tighter"
    )
    assert (draft.version, draft.status) == (2, VersionStatus.DRAFT)
    assert draft.thresholds["decision"]["review_fraud_score"] == 40
    assert draft.thresholds["fraud_rules"] == default_thresholds()["fraud_rules"]
    assert services.active_ruleset().version == 1

    with pytest.raises(BusinessRuleViolation) as refused:
        services.activate_ruleset(actor=maker, ruleset_id=draft.public_id)
    assert refused.value.code == "maker_cannot_approve"

    active = services.activate_ruleset(actor=checker, ruleset_id=draft.public_id)
    assert active.status == VersionStatus.ACTIVE and active.checker_id == checker.user_pk
    assert services.active_ruleset().version == 2
    assert RuleSet.objects.get(version=1).status == VersionStatus.RETIRED
    with pytest.raises(Conflict) as refused:
        services.activate_ruleset(actor=checker, ruleset_id=draft.public_id)
    assert refused.value.code == "ruleset_not_draft"
    actions = set(AuditRecord.objects.values_list("action", flat=True))
    assert {"ruleset.draft_created", "ruleset.activated", "ruleset.retired"} <= actions


def test_a_draft_starts_from_the_latest_version(maker):
    services.create_ruleset_draft(actor=maker, changes={"decision": {"review_fraud_score": 40}})
    second = services.create_ruleset_draft(
        actor=maker, changes={"decision": {"limit_step_fen": 100}}
    )
    assert second.version == 3
    assert second.thresholds["decision"]["review_fraud_score"] == 40
    assert second.thresholds["decision"]["limit_step_fen"] == 100


def test_invalid_drafts_store_nothing(maker):
    services.active_ruleset()
    with pytest.raises(ValidationFailed) as refused:
        services.create_ruleset_draft(
            actor=maker, changes={"fraud_rules": {"velocity_ip": {"max_1h": -1}}}
        )
    assert "fraud_rules.velocity_ip.max_1h" in refused.value.fields
    with pytest.raises(ValidationFailed):
        services.create_ruleset_draft(actor=maker, changes=["not", "an", "object"])
    assert RuleSet.objects.count() == 1


def test_versions_need_permissions_and_people():
    viewer = actor_of(staff_with("risk.view_ruleset", "risk.view_scorecard"))
    with pytest.raises(PermissionDenied):
        services.create_ruleset_draft(actor=viewer, changes={})
    with pytest.raises(PermissionDenied):
        services.register_scorecard(actor=viewer, artifact=ARTIFACT)
    with pytest.raises(PermissionDenied) as refused:  # a system actor is not a maker
        services.create_ruleset_draft(actor=Actor.system("x"), changes={})
    assert refused.value.code == "staff_user_required"


def test_a_scorecard_is_registered_inactive_and_activated_by_another_person(maker, checker):
    registered = services.register_scorecard(actor=maker, artifact=copy.deepcopy(ARTIFACT))
    assert (registered.version, registered.status, registered.name) == (2, "inactive", "hand")
    assert services.active_scorecard().version == 1
    with pytest.raises(BusinessRuleViolation):
        services.activate_scorecard(actor=maker, scorecard_id=registered.public_id)
    services.activate_scorecard(actor=checker, scorecard_id=registered.public_id)
    assert services.active_scorecard().version == 2
    expert = Scorecard.objects.get(version=1)
    assert expert.status == "retired"
    # rolling back to the expert card is an activation like any other
    services.activate_scorecard(actor=maker, scorecard_id=expert.public_id)
    assert services.active_scorecard().version == 1
    with pytest.raises(Conflict):
        services.activate_scorecard(actor=checker, scorecard_id=expert.public_id)


def test_a_system_registered_scorecard_can_be_activated_by_anyone_allowed(checker):
    cli = Actor.system("cli.train-scorecard")
    registered = services.register_scorecard(actor=cli, artifact=copy.deepcopy(ARTIFACT))
    assert registered.maker_id is None
    services.activate_scorecard(actor=checker, scorecard_id=registered.public_id)
    assert services.scorecard_artifact(services.active_scorecard()).name == "hand"


def test_an_invalid_artifact_is_not_registered(maker):
    broken = {**ARTIFACT, "pdo": -1}
    with pytest.raises(ValidationFailed) as refused:
        services.register_scorecard(actor=maker, artifact=broken)
    assert "pdo" in refused.value.fields
    assert not Scorecard.objects.filter(version__gt=1).exists()


def test_a_second_active_version_is_a_conflict_not_a_crash(maker):
    """What a checker racing another checker meets: the one-active constraint, as a 409."""
    services.active_ruleset()
    draft = services.create_ruleset_draft(actor=maker, changes={})
    draft.status = VersionStatus.ACTIVE
    with pytest.raises(Conflict) as refused:
        save_activation(draft, ["status"])
    assert refused.value.code == "concurrent_activation"
    assert RuleSet.objects.get(pk=draft.pk).status == VersionStatus.DRAFT
