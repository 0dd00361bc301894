"""Payments use cases, one module per topic.

- ``orders``: create disbursement and repayment orders, send them, apply the bank's result
  (posting to lending once), status queries.
- ``callbacks``: signed bank callbacks.
- ``sweep``: ``process_orders()``, the worker pass that sends and queries.
- ``autodebit``: the end-of-day auto-debit hook.
- ``reconcile``: settlement file against our orders; breaks.
- ``queries``: read-only look-ups.
"""
