"""Signals from a real repayment history, and the maker-checker approval of large cuts."""

import datetime as dt
import itertools

import pytest

from microloan.audit.models import AuditRecord
from microloan.kernel.actors import Actor
from microloan.kernel.errors import (
    BusinessRuleViolation,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from microloan.lending.models import CreditLine
from microloan.risk.models import EarlyWarningAction, EarlyWarningPolicy, PostLoanCheck
from microloan.risk.postloan import services
from microloan.risk.postloan.rules import DEFAULT_THRESHOLDS
from microloan.risk.tests.postloan_book import (
    draw,
    open_line,
    run_hook,
    staff_with,
    start_book,
    walk_to,
)

START = dt.date(2026, 3, 2)
FIRST_OF_JULY = dt.date(2026, 7, 1)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def checks_only_when_the_test_runs_them():
    """These tests walk end of day across month starts and then run the hook themselves: the
    registered hook would add a check per line at every month start on the way."""
    from microloan.batch.registry import unregister_hook
    from microloan.risk.postloan.hooks import HOOK_NAME, register

    unregister_hook(HOOK_NAME)
    yield
    register()


ANALYST_PERMS = (
    "risk.view_postloancheck",
    "risk.add_postloancheck",
    "risk.view_earlywarningaction",
    "risk.approve_earlywarningaction",
)


@pytest.fixture
def version(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return start_book(START)


@pytest.fixture
def analyst():
    return Actor.from_user(staff_with(*ANALYST_PERMS))


@pytest.fixture
def second_analyst():
    return Actor.from_user(staff_with(*ANALYST_PERMS))


def use_policy(**changes):
    """Make a policy with ``changes`` the active one (the defaults otherwise)."""
    EarlyWarningPolicy.objects.filter(status="active").update(status="retired")
    version = (EarlyWarningPolicy.objects.order_by("-version").values_list("version", flat=True)
               .first() or 0) + 1  # fmt: skip
    return EarlyWarningPolicy.objects.create(
        version=version, thresholds={**DEFAULT_THRESHOLDS, **changes}
    )


def test_paying_only_what_is_due_while_drawing_more_cuts_the_line_by_half(version):
    """A borrower draws every month and pays exactly each instalment: by 1 July the principal
    rose at the March, April, May and June month-ends and three months were minimum-only."""
    line = open_line(version, "cust_stretch", limit=10_000_000)
    steady = open_line(version, "cust_steady", limit=10_000_000)
    draw(line, 1_000_000)
    draw(steady, 1_000_000)
    for day in (dt.date(2026, 4, 10), dt.date(2026, 5, 10), dt.date(2026, 6, 10)):
        walk_to(day, pay=None)
        draw(line, 1_000_000)
    walk_to(FIRST_OF_JULY, pay=None)
    assert run_hook() == 2

    check = PostLoanCheck.objects.get(line=line)
    principal = check.facts["principal_at_month_ends"]
    assert principal[0] == 0 and all(b > a for a, b in itertools.pairwise(principal))
    months = check.facts["months_due_paid"]  # March..June: nothing due in March
    assert months[0] == [0, 0] and all(due == paid > 0 for due, paid in months[1:])
    assert check.minimum_payments and check.rising_utilisation
    assert check.decision == "reduce" and check.proposed_limit == 5_000_000
    assert check.reasons == ["minimum_payments", "rising_utilisation"]
    action = EarlyWarningAction.objects.get(line=line)
    assert (action.status, action.maker_id, action.new_limit) == ("pending", None, 5_000_000)
    line.refresh_from_db()
    assert line.limit == 10_000_000  # waits for a risk analyst

    other = PostLoanCheck.objects.get(line=steady)
    assert not other.minimum_payments and not other.rising_utilisation
    assert other.decision == "none"
    # Four months on book, at most a day late (paid on the due date), 6 % used.
    assert other.facts["max_dpd_6m"] == 0 and other.score == 300 + 120 + 80 + 80 + 25


@pytest.fixture
def pending(version, analyst):
    """A 40 % cut asked for by ``analyst`` through an on-demand check."""
    use_policy(reduce_below_score=1000, freeze_below_score=0, mild_cut_percent=40,
               severe_cut_percent=40)  # fmt: skip
    line = open_line(version, "cust_x")
    draw(line)
    check = services.check_line(actor=analyst, line_id=line.public_id)
    assert check.trigger == "on_demand" and check.decision == "reduce"
    return EarlyWarningAction.objects.get(check_record=check)


def test_the_maker_cannot_decide_and_a_second_analyst_applies_the_cut(
    pending, analyst, second_analyst
):
    assert pending.maker_id == analyst.user_pk and pending.status == "pending"
    for decide in (services.approve_action, services.reject_action):
        with pytest.raises(BusinessRuleViolation) as refused:
            decide(actor=analyst, action_id=pending.public_id)
        assert refused.value.code == "maker_cannot_approve"
    action = services.approve_action(actor=second_analyst, action_id=pending.public_id, note="ok")
    assert (action.status, action.checker_id) == ("applied", second_analyst.user_pk)
    line = CreditLine.objects.get(pk=pending.line_id)
    assert line.limit == 3_000_000 and line.status == "active"
    assert AuditRecord.objects.filter(action="postloan.action_approved").count() == 1
    with pytest.raises(Conflict) as again:
        services.approve_action(actor=second_analyst, action_id=pending.public_id)
    assert again.value.code == "action_not_pending"


def test_rejecting_leaves_the_line_alone(pending, second_analyst):
    action = services.reject_action(actor=second_analyst, action_id=pending.public_id, note="no")
    assert action.status == "rejected"
    assert CreditLine.objects.get(pk=pending.line_id).limit == 5_000_000


def test_a_pending_action_is_not_duplicated_by_the_next_check(pending, second_analyst):
    check = services.check_line(actor=second_analyst, line_id=pending.line.public_id)
    assert check.decision == "reduce" and "action_pending" in check.reasons
    assert EarlyWarningAction.objects.filter(line=pending.line).count() == 1


def test_a_cut_approved_after_the_limit_fell_is_skipped(pending, second_analyst):
    CreditLine.objects.filter(pk=pending.line_id).update(limit=2_000_000)
    action = services.approve_action(actor=second_analyst, action_id=pending.public_id)
    assert action.status == "skipped" and action.decision_note == "not_a_reduction"
    assert CreditLine.objects.get(pk=pending.line_id).limit == 2_000_000


def test_end_of_day_actions_have_no_maker_and_any_analyst_approves(version, analyst):
    use_policy(reduce_below_score=1000, freeze_below_score=0, mild_cut_percent=40,
               severe_cut_percent=40)  # fmt: skip
    line = open_line(version, "cust_y")
    draw(line)
    walk_to(dt.date(2026, 4, 1), pay=None)
    assert run_hook() == 1
    action = EarlyWarningAction.objects.get(line=line)
    assert action.maker_id is None
    assert services.approve_action(actor=analyst, action_id=action.public_id).status == "applied"


def test_permissions_and_unknown_ids(pending, version):
    nobody = Actor.from_user(staff_with("risk.view_postloancheck"))
    with pytest.raises(PermissionDenied):
        services.approve_action(actor=nobody, action_id=pending.public_id)
    with pytest.raises(PermissionDenied):
        services.check_line(actor=nobody, line_id=pending.line.public_id)
    with pytest.raises(PermissionDenied):  # a system actor is not a second person
        services.approve_action(actor=Actor.system("x"), action_id=pending.public_id)
    checker = Actor.from_user(staff_with(*ANALYST_PERMS))
    with pytest.raises(NotFound):
        services.approve_action(actor=checker, action_id="ewa_nope")
    with pytest.raises(NotFound):
        services.check_line(actor=checker, line_id="line_nope")
    assert EarlyWarningAction.objects.get(pk=pending.pk).status == "pending"


def test_a_policy_draft_is_validated_whole_and_takes_over_when_someone_else_approves(version):
    maker = Actor.from_user(staff_with("risk.add_earlywarningpolicy"))
    checker = Actor.from_user(staff_with("risk.approve_earlywarningpolicy"))
    first = services.active_policy()
    with pytest.raises(ValidationFailed) as refused:
        services.create_policy_draft(
            actor=maker, changes={"mild_cut_percent": 0, "freeze_on_blacklist": "yes", "x": 1}
        )
    assert set(refused.value.fields) == {
        "changes.mild_cut_percent",
        "changes.freeze_on_blacklist",
        "changes.x",
    }
    with pytest.raises(ValidationFailed):
        services.create_policy_draft(actor=maker, changes={})
    assert EarlyWarningPolicy.objects.count() == 1

    draft = services.create_policy_draft(
        actor=maker, changes={"mild_cut_percent": 25}, note="tighter"
    )
    assert (draft.version, draft.status, draft.thresholds["mild_cut_percent"]) == (2, "draft", 25)
    assert services.active_policy().pk == first.pk  # a draft changes nothing yet

    maker_as_checker = Actor.from_user(
        staff_with("risk.add_earlywarningpolicy", "risk.approve_earlywarningpolicy")
    )
    own = services.create_policy_draft(actor=maker_as_checker, changes={"mild_cut_percent": 30})
    with pytest.raises(BusinessRuleViolation) as refused:
        services.approve_policy(actor=maker_as_checker, policy_id=own.public_id)
    assert refused.value.code == "maker_cannot_approve"

    policy = services.approve_policy(actor=checker, policy_id=draft.public_id)
    assert (policy.status, policy.checker_id) == ("active", checker.user_pk)
    assert services.active_policy().pk == policy.pk
    assert EarlyWarningPolicy.objects.get(pk=first.pk).status == "retired"
    with pytest.raises(Conflict) as refused:
        services.approve_policy(actor=checker, policy_id=draft.public_id)
    assert refused.value.code == "policy_not_draft"
    with pytest.raises(NotFound):
        services.approve_policy(actor=checker, policy_id="ewp_nope")
    actions = set(AuditRecord.objects.values_list("action", flat=True))
    assert {
        "early_warning_policy.draft_created",
        "early_warning_policy.retired",
        "early_warning_policy.activated",
    } <= actions


def test_changing_the_policy_needs_the_permissions(version):
    nobody = Actor.from_user(staff_with())
    with pytest.raises(PermissionDenied):
        services.create_policy_draft(actor=nobody, changes={"min_limit": 100})
    draft = services.create_policy_draft(
        actor=Actor.from_user(staff_with("risk.add_earlywarningpolicy")),
        changes={"min_limit": 100},
    )
    with pytest.raises(PermissionDenied):
        services.approve_policy(actor=nobody, policy_id=draft.public_id)
    assert EarlyWarningPolicy.objects.get(pk=draft.pk).status == "draft"
