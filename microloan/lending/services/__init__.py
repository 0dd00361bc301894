"""Lending use cases, one module per topic.

- ``lines``: open, freeze/unfreeze, limit changes (maker-checker), close a credit line.
- ``drawdowns``: draw a loan on a line, disburse it, cancel it before disbursement.
- ``repayments``: repay any day, apply held overpayments, refund them.
- ``quotes`` / ``prepayments``: payoff quote, partial prepayment, full payoff.
- ``restructure`` / ``writeoff``: maker-checker loan changes; ``requests`` decides any request.
- ``reconcile``: loan sub-ledger against the general ledger.
- ``queries``: read-only look-ups for the API and the back office.

Every state change is one ``transaction.atomic()`` with its audit record inside. Lock order, so
two services never wait on each other in opposite orders: the credit line first, then the
loan, then the loan's instalments; the ledger and the audit chain head come last.
"""
