"""The routers mounted on the root API, in order: (prefix under /api/v1/, module with ``router``).

Append one line per app when its ``api.py`` exists; only list modules that exist.
"""

ROUTER_MODULES: list[tuple[str, str]] = [
    ("", "microloan.api.health"),
    ("accounts", "microloan.accounts.api"),
    ("products", "microloan.products.api"),
    ("audit", "microloan.audit.api"),
    ("customers", "microloan.customers.api"),
    ("risk", "microloan.risk.api"),
    ("ledger", "microloan.ledger.api"),
    ("lending", "microloan.lending.api"),
    ("batch", "microloan.batch.api"),
]
