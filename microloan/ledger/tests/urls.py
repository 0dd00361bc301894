"""The ledger router on a test-only API at /t/ledger/, as the root API will mount it."""

from microloan.api.base import MicroloanAPI
from microloan.api.urls import api_urlpatterns
from microloan.ledger.api import router

ledger_test_api = MicroloanAPI(title="Ledger test API", urls_namespace="ledgertest", docs_url=None)
ledger_test_api.add_router("ledger", router)

urlpatterns = api_urlpatterns(ledger_test_api, "t/")
