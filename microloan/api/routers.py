"""The routers mounted on the root API, in order: (prefix under /api/v1/, module with ``router``).

One line per app; a module that does not exist yet is skipped (``root.py``), so an app
being built is listed before its ``api.py`` is written.
"""

ROUTER_MODULES: list[tuple[str, str]] = [
    ("", "microloan.api.health"),
    ("accounts", "microloan.accounts.api"),
    ("products", "microloan.products.api"),
    ("audit", "microloan.audit.api"),
    ("customers", "microloan.customers.api"),
    ("risk", "microloan.risk.api"),
    ("risk/postloan", "microloan.risk.postloan.api"),
    ("ledger", "microloan.ledger.api"),
    ("lending", "microloan.lending.api"),
    ("batch", "microloan.batch.api"),
    ("origination", "microloan.origination.api"),
    ("notifications", "microloan.notifications.api"),
    ("contracts", "microloan.contracts.api"),
    ("payments", "microloan.payments.api"),
    ("collections", "microloan.collections.api"),
    ("reports", "microloan.reports.api"),
]
