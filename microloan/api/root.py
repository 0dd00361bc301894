"""The root API at ``/api/v1/`` (docs at ``/api/v1/docs``, schema at ``/api/v1/openapi.json``)."""

from importlib import import_module

from microloan.kernel.modules import module_exists

from .base import MicroloanAPI
from .docs import docs_for_staff
from .routers import ROUTER_MODULES

api = MicroloanAPI(
    title="Microloan API",
    version="1",
    urls_namespace="api",
    docs_url="/docs",
    docs_decorator=docs_for_staff,
)

for _prefix, _module in ROUTER_MODULES:
    if module_exists(_module):
        api.add_router(_prefix, import_module(_module).router)
