"""``microloan risk train-scorecard`` and ``microloan risk psi``."""

import io
import json

import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from microloan.risk import services
from microloan.risk.models import Scorecard
from microloan.risk.scorecard import load_scorecard

from .conftest import staff_with
from .test_training import german_credit_csv

pytestmark = pytest.mark.django_db


def _run(*args):
    out = io.StringIO()
    call_command("risk", *args, stdout=out)
    return out.getvalue()


def test_train_writes_and_registers_an_inactive_version(tmp_path):
    maker = staff_with("risk.add_scorecard", username="modeller")
    artifact_path = tmp_path / "card.json"
    output = _run(
        "train-scorecard", "--data", str(german_credit_csv()), "--target", "creditability",
        "--bad-value", "bad", "--seed", "7", "--out", str(artifact_path),
        "--register", "--by", maker.username, "--name", "german",
    )  # fmt: skip
    assert "AUC=" in output and "registered as scorecard version 2" in output
    artifact = json.loads(artifact_path.read_text(encoding="utf-8"))
    load_scorecard(artifact)
    assert artifact["training"]["seed"] == 7 and artifact["name"] == "german"
    stored = Scorecard.objects.get(version=2)
    assert (stored.status, stored.source, stored.maker_id) == ("inactive", "trained", maker.pk)
    assert stored.metrics["test"]["auc"] > 0.70
    assert services.active_scorecard().version == 1  # a person still has to activate it


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--data", "/nonexistent.csv", "--target", "y"], "No such file"),
        (["--target", "nope"], "no column"),
        (["--target", "creditability", "--bad-value", "awful"], "not a target value"),
        (["--target", "creditability", "--cutoffs", "1,2"], "four numbers"),
        (["--target", "creditability", "--by", "someone"], "add --register"),
        (["--target", "creditability", "--register", "--by", "ghost"], "No active staff user"),
    ],
)
def test_train_refuses_bad_input(args, message):
    if "--data" not in args:
        args = ["--data", str(german_credit_csv()), *args]
    with pytest.raises(CommandError, match=message):
        _run("train-scorecard", *args)
    assert not Scorecard.objects.filter(version__gt=1).exists()


def test_register_needs_the_permission():
    viewer = staff_with("risk.view_scorecard", username="viewer")
    with pytest.raises(CommandError, match="permission_denied"):
        _run(
            "train-scorecard", "--data", str(german_credit_csv()), "--target", "creditability",
            "--register", "--by", viewer.username,
        )  # fmt: skip


def test_psi_report_of_the_active_scorecard(tmp_path):
    expected = pd.DataFrame(
        {"age": [22, 30, 45, 50], "monthly_income_fen": [300_000, 600_000, 900_000, 2_000_000],
         "channel": ["app", "app", "wechat", "partner_shop"]}
    )  # fmt: skip
    actual = expected.assign(age=[22, 22, 22, 22])
    expected.to_csv(tmp_path / "expected.csv", index=False)
    actual.to_csv(tmp_path / "actual.csv", index=False)
    files = ["--expected", str(tmp_path / "expected.csv"), "--actual", str(tmp_path / "actual.csv")]
    lines = [json.loads(line) for line in _run("psi", *files, "--json").splitlines()]
    by_name = {line["name"]: line for line in lines}
    assert list(by_name)[-1] == "score"
    assert by_name["age"]["psi"] > 0.25 and by_name["age"]["stability"] == "significant_shift"
    assert by_name["monthly_income_fen"]["psi"] == 0
    assert by_name["education"]["absent"] is True and by_name["education"]["psi"] == 0
    text = _run("psi", *files, "--scorecard", "1")
    assert "scorecard version 1" in text and "significant_shift" in text
    with pytest.raises(CommandError, match="scorecard_not_found"):
        _run("psi", *files, "--scorecard", "9")
