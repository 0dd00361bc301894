"""Loan arithmetic shared by products and lending: pure functions, no ORM, no clock.

``schedules`` (repayment schedules), ``apr`` (the disclosed IRR-method APR) and
``allocation`` (the order a payment pays components in). Products checks its terms with them
at approval; lending applies them to loans. They import only kernel, so both can use them.
"""
