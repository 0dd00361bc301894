"""Demo data: the Weilidai-like product ``WLD``, made by product_manager, approved by
risk_analyst, through the real services (so the audit trail shows the maker-checker steps).

Idempotent: a product ``WLD`` that already has an active version is left alone; product_manager's
draft or pending version is carried on to approval; otherwise a fresh version is made.
"""

from __future__ import annotations

from microloan.accounts.interface import role_actor
from microloan.accounts.roles import PRODUCT_MANAGER, RISK_ANALYST

from .models import Product, ProductVersion
from .services import approve_version, create_product, create_version, submit_version

DEMO_CODE = "WLD"
DEMO_NAMES = {"zh": "微粒贷（演示）", "en": "Weilidai (demo)"}
_CARRY_ON = (ProductVersion.Status.DRAFT, ProductVersion.Status.PENDING_APPROVAL)


def build_demo(stdout) -> None:
    product = Product.objects.filter(code=DEMO_CODE).first()
    if product and product.versions.filter(status=ProductVersion.Status.ACTIVE).exists():
        stdout.write(f"  product {DEMO_CODE} exists with an active version; unchanged")
        return
    maker = role_actor(PRODUCT_MANAGER)
    checker = role_actor(RISK_ANALYST)
    latest = product.versions.order_by("-version").first() if product else None
    if product is None:
        version = create_product(actor=maker, code=DEMO_CODE, names=DEMO_NAMES)
    elif latest and latest.maker_id == maker.user_pk and latest.status in _CARRY_ON:
        version = latest
    else:  # rejected, retired, or someone else's: start a fresh version
        version = create_version(actor=maker, product_code=DEMO_CODE)
    if version.status == ProductVersion.Status.DRAFT:
        version = submit_version(actor=maker, version_id=version.public_id)
    if version.status == ProductVersion.Status.PENDING_APPROVAL:
        version = approve_version(
            actor=checker, version_id=version.public_id, reason="Demo product approved."
        )
    stdout.write(f"  product {DEMO_CODE} v{version.version}: {version.get_status_display()}")
