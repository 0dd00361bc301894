"""Risk rules and scorecards per second: each fraud rule alone, the whole rule set, the expert
scorecard one applicant at a time and over a table, the decision policy.

Run: ``python -m benchmarks.bench_risk [--applicants 20000] [--repeat 3]``. Prints one JSON line
per figure. Pure computation: no database. Timings are the best of ``--repeat`` runs; nothing
here asserts a time (figures vary with the machine).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time

import django


def make_contexts(count: int, seed: int = 20260301):
    from microloan.risk.fraud import FraudContext

    generator = random.Random(seed)

    def counts():
        hour = generator.choice([1, 1, 1, 2, 3])
        day = hour + generator.choice([0, 0, 1, 2])
        return {"1h": hour, "24h": day, "30d": day + generator.choice([0, 1, 3])}

    return [
        FraudContext(
            velocity={key: counts() for key in ("id", "phone", "card", "device", "ip")},
            ids_per_device=generator.choice([1, 1, 1, 2, 4]),
            ids_per_phone=generator.choice([1, 1, 2]),
            ids_per_card=generator.choice([1, 1, 2]),
            names_per_id=generator.choice([1, 1, 1, 2]),
            phones_per_id=generator.choice([1, 2, 3, 4]),
            blacklisted=generator.choice([(), (), (), ("device",)]),
            age=generator.randrange(18, 60),
            years_employed=generator.randrange(0, 30),
            monthly_income_fen=generator.randrange(100_000, 5_000_000),
        )
        for _ in range(count)
    ]


def make_applicants(count: int, seed: int = 20260302) -> list[dict]:
    generator = random.Random(seed)
    return [
        {
            "age": generator.randrange(18, 60),
            "monthly_income_fen": generator.randrange(200_000, 4_000_000),
            "years_employed": generator.choice([None, *range(0, 20)]),
            "education": generator.choice(["high_school", "associate", "bachelor", "master"]),
            "marital_status": generator.choice(["single", "married", "divorced"]),
            "credit_utilisation": generator.choice([None, generator.random()]),
            "prior_delinquencies": generator.choice([0, 0, 0, 1, 2, 4]),
            "channel": generator.choice(["app", "wechat", "partner_shop", "web"]),
            "device_tenure_days": generator.randrange(0, 1000),
        }
        for _ in range(count)
    ]


def best_of(repeat: int, function) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - started)
    return best, result


def emit(**figure) -> None:
    print(json.dumps({"bench": "risk", **figure}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applicants", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    arguments = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microloan.settings")
    django.setup()

    import pandas as pd

    from microloan.products.domain import default_weilidai_terms
    from microloan.risk.batch_scoring import score_frame
    from microloan.risk.decision import DEFAULT_DECISION_POLICY, DecisionInput, decide
    from microloan.risk.fraud import DEFAULT_FRAUD_RULES, RULES, evaluate_fraud
    from microloan.risk.scorecard import load_scorecard, score_applicant
    from microloan.risk.services.scorecards import expert_artifact

    n = arguments.applicants
    contexts = make_contexts(n)
    for name, rule in RULES.items():
        params = DEFAULT_FRAUD_RULES[name]
        seconds, _ = best_of(arguments.repeat, lambda r=rule, p=params: [r(c, p) for c in contexts])
        emit(figure="fraud_rule", rule=name, evaluations=n, per_second=round(n / seconds),
             microseconds_each=round(seconds / n * 1e6, 3))  # fmt: skip
    seconds, results = best_of(
        arguments.repeat, lambda: [evaluate_fraud(c, DEFAULT_FRAUD_RULES) for c in contexts]
    )
    emit(figure="fraud_rule_set", rules=len(RULES), evaluations=n,
         per_second=round(n / seconds), rules_per_second=round(n * len(RULES) / seconds),
         hit_share=round(sum(bool(r.hits) for r in results) / n, 3))  # fmt: skip

    card = load_scorecard(expert_artifact())
    applicants = make_applicants(n)
    seconds, scores = best_of(
        arguments.repeat, lambda: [score_applicant(card, a) for a in applicants]
    )
    emit(figure="scorecard_one_by_one", characteristics=len(card.characteristics),
         evaluations=n, per_second=round(n / seconds))  # fmt: skip
    frame = pd.DataFrame(applicants)
    seconds, batch = best_of(arguments.repeat, lambda: score_frame(card, frame))
    if any(abs(b - s.score) > 1e-9 for b, s in zip(batch, scores, strict=True)):
        raise SystemExit("batch scores differ from one-by-one scores")
    emit(figure="scorecard_table", rows=n, per_second=round(n / seconds))

    terms = default_weilidai_terms()
    facts = [
        DecisionInput(s.grade, r.score, "pass", (), a["monthly_income_fen"], 0, terms)
        for s, r, a in zip(scores, results, applicants, strict=True)
    ]
    seconds, _ = best_of(
        arguments.repeat, lambda: [decide(f, DEFAULT_DECISION_POLICY) for f in facts]
    )
    emit(figure="decision_policy", evaluations=n, per_second=round(n / seconds))


if __name__ == "__main__":
    main()
