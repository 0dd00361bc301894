"""``microloan risk train-scorecard`` and ``microloan risk psi``.

    microloan risk train-scorecard --data loans.csv --target bad [--bad-value 1]
        [--test-size 0.3] [--seed 42] [--out card.json] [--register [--by USERNAME]]
    microloan risk psi --expected dev.csv --actual recent.csv [--scorecard VERSION] [--json]

Training prints the characteristics kept (with their IV) and AUC / KS / Gini on the training
and the held-out rows; ``--register`` stores the artifact as a new INACTIVE scorecard version
(maker: ``--by``), which a second person activates (maker-checker).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from microloan.kernel.actors import Actor
from microloan.kernel.errors import DomainError
from microloan.risk import services
from microloan.risk.models import Scorecard
from microloan.risk.monitoring import psi_report
from microloan.risk.scorecard import GRADES
from microloan.risk.training import TrainingError, TrainingOptions, train_scorecard


def _read_csv(path: str) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except FileNotFoundError:
        raise CommandError(f"No such file: {path}") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise CommandError(f"Cannot read {path} as CSV: {exc}") from None


def _cutoffs(text: str) -> dict[str, float]:
    parts = text.split(",")
    try:
        values = [float(part) for part in parts]
    except ValueError:
        raise CommandError("--cutoffs takes four numbers: A,B,C,D") from None
    if len(values) != len(GRADES) - 1:
        raise CommandError("--cutoffs takes four numbers: A,B,C,D")
    return dict(zip(GRADES, values, strict=False))


class Command(BaseCommand):
    help = "Credit risk model tools: train a scorecard, measure population stability."

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True)
        train = subcommands.add_parser(
            "train-scorecard", help="Fit a WoE-binned logistic scorecard on a CSV file."
        )
        train.add_argument("--data", required=True, help="CSV, one row per applicant")
        train.add_argument("--target", required=True, help="the outcome column")
        train.add_argument("--bad-value", help="the target value meaning bad (default 1 / bad)")
        train.add_argument("--test-size", type=float, default=0.3)
        train.add_argument("--seed", type=int, default=42)
        train.add_argument("--out", help="write the artifact (JSON) to this file")
        train.add_argument("--register", action="store_true", help="store as inactive version")
        train.add_argument("--by", help="username of the maker (with --register)")
        train.add_argument("--name", default="trained", help="the scorecard's name")
        train.add_argument("--cutoffs", help="grade cut-offs A,B,C,D (default 660,630,600,570)")
        train.add_argument("--min-iv", type=float, default=0.02)
        train.add_argument("--max-bins", type=int, default=8)
        train.add_argument("--min-bin-share", type=float, default=0.05)

        stability = subcommands.add_parser(
            "psi", help="Population stability of each characteristic and of the score."
        )
        stability.add_argument("--expected", required=True, help="CSV, development population")
        stability.add_argument("--actual", required=True, help="CSV, recent population")
        stability.add_argument("--scorecard", type=int, help="version (default: the active one)")
        stability.add_argument("--json", action="store_true", help="one JSON object per line")

    def handle(self, *args, subcommand, **options):
        if subcommand == "train-scorecard":
            self.train(options)
        else:
            self.psi(options)

    # --- train-scorecard ---------------------------------------------------------------------

    def _maker(self, username: str | None) -> Actor:
        if not username:
            return Actor.system("cli.train-scorecard")
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active staff user {username!r}.")
        return Actor.from_user(user)

    def train(self, options) -> None:
        if options["by"] and not options["register"]:
            raise CommandError("--by names the maker of a registered version: add --register")
        maker = self._maker(options["by"]) if options["register"] else None
        training = TrainingOptions(
            name=options["name"],
            test_size=options["test_size"],
            seed=options["seed"],
            min_iv=options["min_iv"],
            max_bins=options["max_bins"],
            min_bin_share=options["min_bin_share"],
            **({"grade_cutoffs": _cutoffs(options["cutoffs"])} if options["cutoffs"] else {}),
        )
        data = _read_csv(options["data"])
        try:
            result = train_scorecard(
                data, target=options["target"], bad_value=options["bad_value"], options=training
            )
        except TrainingError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{len(result.features)} characteristics kept (IV):")
        for characteristic in result.artifact["characteristics"]:
            self.stdout.write(f"  {characteristic['name']:<60} {characteristic['iv']:.4f}")
        dropped = result.artifact["training"]["dropped"]
        if dropped:
            self.stdout.write(f"dropped: {', '.join(dropped)}")
        for split in ("train", "test"):
            m = result.metrics[split]
            self.stdout.write(
                f"{split:<5} rows={m['rows']} bad_rate={m['bad_rate']:.3f} "
                f"AUC={m['auc']:.4f} KS={m['ks']:.4f} Gini={m['gini']:.4f}"
            )
        if options["out"]:
            Path(options["out"]).write_text(
                json.dumps(result.artifact, ensure_ascii=False, indent=2), encoding="utf-8"
            )
            self.stdout.write(f"artifact written to {options['out']}")
        if maker is not None:
            try:
                scorecard = services.register_scorecard(
                    actor=maker,
                    artifact=result.artifact,
                    source=Scorecard.Source.TRAINED,
                    metrics=result.metrics,
                )
            except DomainError as exc:
                raise CommandError(f"{exc.code}: {exc.message}") from None
            self.stdout.write(
                self.style.SUCCESS(
                    f"registered as scorecard version {scorecard.version} ({scorecard.public_id}),"
                    " inactive: a second person activates it."
                )
            )

    # --- psi ---------------------------------------------------------------------------------

    def psi(self, options) -> None:
        try:
            stored = services.scorecard_by_version(options["scorecard"])
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None
        scorecard = services.scorecard_artifact(stored)
        expected, actual = _read_csv(options["expected"]), _read_csv(options["actual"])
        try:
            lines = psi_report(scorecard, expected, actual)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if options["json"]:
            for line in lines:
                self.stdout.write(json.dumps(line.as_dict(), ensure_ascii=False))
            return
        self.stdout.write(
            f"PSI, scorecard version {stored.version} ({stored.name}); "
            f"expected {len(expected)} rows, actual {len(actual)} rows"
        )
        for line in lines:
            note = " (column absent)" if line.absent else ""
            self.stdout.write(f"  {line.name:<40} {line.psi:8.4f}  {line.stability}{note}")
