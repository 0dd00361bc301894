"""Template rendering and the strict variable check, by worked examples."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microloan.kernel.money import parse_yuan_display
from microloan.notifications import rendering
from microloan.notifications.defaults import DEFAULT_TEMPLATES
from microloan.notifications.timing import AllowedHours, RetryPolicy, parse_hours

DECLARED = {
    "amount": "money",
    "due": "date",
    "apr": "percent",
    "rate": "daily_rate",
    "days": "integer",
    "why": "label",
    "name": "text",
}


@pytest.mark.parametrize(
    ("text", "values", "language", "expected"),
    [
        ("还款${amount}", {"amount": 123456}, "zh-hans", "还款¥1,234.56"),
        ("pay ${amount}", {"amount": 5}, "en", "pay ¥0.05"),
        ("到期日${due}", {"due": "2026-03-05"}, "zh-hans", "到期日2026年3月5日"),
        ("due ${due}", {"due": dt.date(2026, 3, 5)}, "en", "due 2026-03-05"),
        ("APR ${apr}", {"apr": "0.1825"}, "en", "APR 18.25%"),
        ("日利率${rate}", {"rate": "0.0005"}, "zh-hans", "日利率0.050%"),
        ("in $days days", {"days": 3}, "en", "in 3 days"),
        (
            "原因：${why}",
            {"why": ["grade_too_low", "admission_income_below_floor"]},
            "zh-hans",
            "原因：综合信用评估未达要求、月收入低于最低要求",
        ),
        (
            "reason: ${why}",
            {"why": "card_invalid"},
            "en",
            "reason: the receiving bank card is invalid",
        ),
        (
            "reason: ${why}",
            {"why": "velocity_device_1h"},
            "en",
            "reason: the checks were not passed",
        ),
        (
            "原因：${why}",
            {"why": ["x1", "x2", "card_invalid"]},
            "zh-hans",
            "原因：未通过相关审核、收款银行卡无效",
        ),
        ("costs $$5 ${name}", {"name": "x"}, "en", "costs $5 x"),
        ("no placeholders", {}, "en", "no placeholders"),
    ],
)
def test_render(text, values, language, expected):
    assert rendering.render(text, DECLARED, values, language) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("${amount} on ${due}", None),
        ("${amount} and ${limit}", ("unknown", "limit")),
        ("$nickname ${zzz}", ("unknown", "nickname, zzz")),
        ("costs $5", "syntax"),
        ("broken ${amount", "syntax"),
    ],
)
def test_check_text(text, problem):
    found = rendering.check_text(text, DECLARED)
    if problem is None or isinstance(problem, tuple):
        assert found == problem
    else:
        assert found[0] == problem


def test_render_refuses_missing_values():
    with pytest.raises(rendering.MissingTemplateVariable, match="due"):
        rendering.render("${amount} on ${due}", DECLARED, {"amount": 1}, "en")
    with pytest.raises(rendering.MissingTemplateVariable):
        rendering.render("${amount}", DECLARED, {"amount": None}, "en")


def test_money_refuses_floats():
    with pytest.raises(ValueError):
        rendering.format_value("money", 12.5, "en")


@pytest.mark.parametrize("template", DEFAULT_TEMPLATES, ids=lambda spec: spec.code)
def test_shipped_templates_use_only_their_variables_in_both_languages(template):
    for text in (template.subject_zh, template.body_zh, template.subject_en, template.body_en):
        assert rendering.check_text(text, template.variables) is None
    assert set(template.variables.values()) <= set(rendering.VARIABLE_KINDS)
    assert template.body_zh and template.body_en


# --- backoff schedule ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attempt", "seconds"),
    [(1, 30), (2, 60), (3, 120), (4, 240), (5, 480), (6, None), (7, None)],
)
def test_backoff_schedule(attempt, seconds):
    delay = RetryPolicy(max_attempts=6, base_seconds=30, cap_seconds=3600).delay_after(attempt)
    assert (delay.total_seconds() if delay else None) == seconds


def test_backoff_is_capped():
    policy = RetryPolicy(max_attempts=20, base_seconds=30, cap_seconds=600)
    assert policy.delay_after(10) == dt.timedelta(seconds=600)


# --- allowed hours (Asia/Shanghai = UTC+8) ------------------------------------------------------

UTC = dt.UTC


@pytest.mark.parametrize(
    ("utc", "expected_local"),
    [
        (dt.datetime(2026, 3, 5, 1, 0, tzinfo=UTC), None),  # 09:00 local: allowed
        (dt.datetime(2026, 3, 5, 11, 59, tzinfo=UTC), None),  # 19:59 local
        (dt.datetime(2026, 3, 5, 12, 0, tzinfo=UTC), "2026-03-06T09:00"),  # 20:00 local
        (dt.datetime(2026, 3, 5, 15, 30, tzinfo=UTC), "2026-03-06T09:00"),  # 23:30 local
        (dt.datetime(2026, 3, 5, 18, 0, tzinfo=UTC), "2026-03-06T09:00"),  # 02:00 next day
        (dt.datetime(2026, 3, 5, 0, 59, tzinfo=UTC), "2026-03-05T09:00"),  # 08:59 local
    ],
)
def test_allowed_hours(utc, expected_local):
    waited = AllowedHours().not_before(utc)
    if expected_local is None:
        assert waited is None
    else:
        assert waited.strftime("%Y-%m-%dT%H:%M") == expected_local
        assert waited > utc


def test_parse_hours():
    assert parse_hours("08:30-21:00") == AllowedHours(dt.time(8, 30), dt.time(21, 0))
    with pytest.raises(ValueError):
        parse_hours("20:00-09:00")


# --- invariants --------------------------------------------------------------------------------


_names = st.sampled_from(sorted(DECLARED))


@given(
    fen=st.integers(min_value=-(10**15), max_value=10**15),
    language=st.sampled_from(["en", "zh-hans"]),
)
def test_money_reads_back_to_the_same_fen(fen, language):
    shown = rendering.render("${amount}", DECLARED, {"amount": fen}, language)
    assert parse_yuan_display(shown) == fen


@given(
    words=st.lists(
        st.text(alphabet="abc 元，", max_size=5) | _names.map(lambda n: "${" + n + "}"), max_size=8
    )
)
def test_a_checked_text_renders_without_placeholders_left(words):
    text = "".join(words)
    assert rendering.check_text(text, DECLARED) is None
    values = {
        "amount": 1,
        "due": "2026-01-01",
        "apr": "0.1",
        "rate": "0.0005",
        "days": 1,
        "why": "loan",
        "name": "x",
    }
    rendered = rendering.render(text, DECLARED, values, "en")
    assert "${" not in rendered


@given(
    policy=st.builds(
        RetryPolicy,
        max_attempts=st.integers(1, 12),
        base_seconds=st.integers(1, 600),
        cap_seconds=st.integers(1, 7200),
    )
)
def test_backoff_never_shrinks_and_stops_at_the_last_attempt(policy):
    delays = [policy.delay_after(n) for n in range(1, policy.max_attempts + 1)]
    assert delays[-1] is None and all(d is not None for d in delays[:-1])
    seconds = [d.total_seconds() for d in delays[:-1]]
    assert seconds == sorted(seconds) and all(0 < s <= policy.cap_seconds for s in seconds)
