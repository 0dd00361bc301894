"""Post-loan checks and early warning (issue #6).

- ``scoring``: the behaviour score (pure, table-driven).
- ``signals``: early-warning signal definitions and the check calendar (pure).
- ``rules``: the policy thresholds and the decision: no action, cut the limit, freeze (pure).
- ``features``: the facts of many lines at once, from lending's set-based queries (columns).
- ``services``: the end-of-day hook ``run_postloan_checks``, ``check_line`` on demand,
  ``approve_action`` / ``reject_action`` (a second person), reads.
- ``hooks.register``: adds the hook to end of day; call it from ``RiskConfig.ready()``.
- ``api`` (router), ``views`` + ``urls`` (pages, app_name ``risk_postloan``).
"""
