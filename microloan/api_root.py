"""The root API at ``/api/v1/`` (docs at ``/api/v1/docs``, schema at ``/api/v1/openapi.json``).

Part of the assembly at the top of the layers (with ``microloan.urls``): it imports every
app's router by name, so a misspelt or missing router fails at start-up instead of being
silently left out.
"""

from microloan.accounts import api as accounts_api
from microloan.api import health
from microloan.api.base import MicroloanAPI
from microloan.api.docs import docs_for_staff
from microloan.audit import api as audit_api
from microloan.batch import api as batch_api
from microloan.collections import api as collections_api
from microloan.contracts import api as contracts_api
from microloan.customers import api as customers_api
from microloan.ledger import api as ledger_api
from microloan.lending import api as lending_api
from microloan.notifications import api as notifications_api
from microloan.origination import api as origination_api
from microloan.payments import api as payments_api
from microloan.products import api as products_api
from microloan.reports import api as reports_api
from microloan.risk import api as risk_api
from microloan.risk.postloan import api as risk_postloan_api

# (prefix under /api/v1/, router), in the order the docs list them.
ROUTERS = [
    ("", health.router),
    ("accounts", accounts_api.router),
    ("products", products_api.router),
    ("audit", audit_api.router),
    ("customers", customers_api.router),
    ("risk", risk_api.router),
    ("risk/postloan", risk_postloan_api.router),
    ("ledger", ledger_api.router),
    ("lending", lending_api.router),
    ("batch", batch_api.router),
    ("origination", origination_api.router),
    ("notifications", notifications_api.router),
    ("contracts", contracts_api.router),
    ("payments", payments_api.router),
    ("collections", collections_api.router),
    ("reports", reports_api.router),
]

api = MicroloanAPI(
    title="Microloan API",
    version="1",
    urls_namespace="api",
    docs_url="/docs",
    docs_decorator=docs_for_staff,
)
for _prefix, _router in ROUTERS:
    api.add_router(_prefix, _router)
