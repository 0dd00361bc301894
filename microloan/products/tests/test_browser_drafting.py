"""In a real browser, as people would: a product manager drafts a new version, types an
invalid penalty multiplier (the input stays, the error is in words), fixes it, changes the
daily rate, submits; a risk analyst sees the changes field by field and approves after a
confirmation that summarises them. In zh-Hans and in en."""

import re

import pytest

from microloan.kernel.actors import Actor
from microloan.products.models import ProductVersion
from microloan.products.services import approve_version, create_product, submit_version

from .conftest import CHECKER_PERMS, MAKER_PERMS, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {
        "draft": "Draft a new version",
        "max_rate": "Maximum daily rate (%)",
        "penalty": "Penalty multiplier (× daily rate)",
        "save": "Save the draft",
        "kept": "what you typed is kept",
        "too_big": "less than or equal to 2",
        "submit": "Submit for approval",
        "submitted": "Version submitted for approval.",
        "changes": "Changes against the active version v1",
        "approve": "Approve",
        "approved": "Version approved.",
        "confirm": "Approve WLD v2?",
    },
    "zh-hans": {
        "draft": "起草新版本",
        "max_rate": "最高日利率（%）",
        "penalty": "罚息倍数（× 日利率）",
        "save": "保存草稿",
        "kept": "您填写的内容已保留",
        "too_big": "确保该值小于或等于2",
        "submit": "提交审批",
        "submitted": "版本已提交审批。",
        "changes": "与生效版本 v1 相比的变更",
        "approve": "批准",
        "approved": "版本已批准。",
        "confirm": "批准 WLD v2？",
    },
}


@pytest.fixture
def active_product(django_user_model):
    """WLD v1, active, made and checked by two people outside the test's roles."""
    maker = Actor.from_user(make_staff(django_user_model, "setup_pm", *MAKER_PERMS))
    checker = Actor.from_user(make_staff(django_user_model, "setup_risk", *CHECKER_PERMS))
    version = create_product(actor=maker, code="WLD", names={"zh": "微粒贷", "en": "Weilidai"})
    submit_version(actor=maker, version_id=version.public_id)
    return approve_version(actor=checker, version_id=version.public_id)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_draft_change_submit_and_approve(open_as, live_server, active_product, language):
    words = WORDS[language]
    maker = open_as("product_manager", language)
    maker.goto(live_server.url + "/products/WLD/")
    maker.get_by_role("button", name=words["draft"]).click()
    maker.wait_for_url(re.compile(r"/products/versions/.+/edit/$"))

    maker.get_by_label(words["max_rate"]).fill("0.06")
    maker.get_by_label(words["penalty"]).fill("3")
    maker.get_by_role("button", name=words["save"]).click()
    body = maker.locator("body")
    assert words["kept"] in body.inner_text()
    assert words["too_big"] in body.inner_text()
    assert "JSON" not in body.inner_text()
    assert maker.get_by_label(words["penalty"]).input_value() == "3"
    assert maker.get_by_label(words["max_rate"]).input_value() == "0.06"

    maker.get_by_label(words["penalty"]).fill("1.8")
    maker.get_by_role("button", name=words["save"]).click()
    maker.get_by_role("button", name=words["submit"]).click()
    assert words["submitted"] in maker.locator("body").inner_text()
    draft = ProductVersion.objects.get(product__code="WLD", version=2)
    assert draft.status == ProductVersion.Status.PENDING_APPROVAL

    checker = open_as("risk_analyst", language)
    checker.goto(live_server.url + f"/products/versions/{draft.public_id}/")
    changes = checker.locator("#changes").inner_text()
    assert words["changes"] in changes
    assert "1.5 ×" in changes and "1.8 ×" in changes
    assert "0.0500%" in changes and "0.0600%" in changes
    questions = []

    def accept(dialog):
        questions.append(dialog.message)
        dialog.accept()

    checker.on("dialog", accept)
    checker.get_by_role("button", name=words["approve"], exact=True).click()
    checker.get_by_text(words["approved"]).wait_for()
    assert questions and words["confirm"] in questions[0] and "1.8 ×" in questions[0]
    draft.refresh_from_db()
    assert draft.status == ProductVersion.Status.ACTIVE
