"""The demo product: made and approved by the demo roles, once."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group

from microloan.accounts.models import StaffUser
from microloan.audit.models import AuditRecord
from microloan.kernel.actors import Actor
from microloan.products.demo import build_demo
from microloan.products.domain import default_weilidai_terms
from microloan.products.models import Product, ProductVersion
from microloan.products.services import active_version, create_product

pytestmark = pytest.mark.django_db


def test_build_demo_creates_and_approves_wld_once():
    out = StringIO()
    build_demo(out)
    version = active_version(code="WLD")
    assert version.terms() == default_weilidai_terms()
    assert (version.maker.username, version.checker.username) == ("product_manager", "risk_analyst")
    assert not version.maker.has_usable_password()  # made here: no password to leak
    assert "v1" in out.getvalue()

    count = AuditRecord.objects.count()
    build_demo(out)
    assert ProductVersion.objects.count() == 1
    assert AuditRecord.objects.count() == count
    assert "unchanged" in out.getvalue()


def test_build_demo_carries_on_a_draft_left_behind():
    user = StaffUser.objects.create_user(username="product_manager")
    user.groups.add(Group.objects.get(name="product_manager"))
    maker = Actor.from_user(StaffUser.objects.get(pk=user.pk))
    draft = create_product(actor=maker, code="WLD", names={"zh": "微粒贷", "en": "Weilidai"})
    build_demo(StringIO())
    draft.refresh_from_db()
    assert draft.status == "active"
    assert Product.objects.count() == 1
