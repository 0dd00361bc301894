"""Drafting in the back office: new product, new version, the terms form (typed input kept,
errors in words next to the field), the checker's field-by-field diff, and who may do what."""

import pytest
from django.test import Client
from django.urls import reverse

from microloan.kernel.actors import Actor
from microloan.products.forms import TermsForm
from microloan.products.models import ProductVersion
from microloan.products.services import (
    approve_version,
    create_product,
    create_version,
    submit_version,
)

from .conftest import CHECKER_PERMS, MAKER_PERMS, make_staff

pytestmark = [pytest.mark.django_db, pytest.mark.urls("microloan.products.tests.page_urls")]
NAMES = {"zh": "微粒贷", "en": "Weilidai"}


def _browser(user, language="en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


@pytest.fixture
def active(maker, checker):
    version = create_product(actor=maker, code="WLD", names=NAMES)
    submit_version(actor=maker, version_id=version.public_id)
    return approve_version(actor=checker, version_id=version.public_id)


def _form_data(version, **changes):
    terms = version.terms()
    data = TermsForm.initial_from(terms)
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data.update(changes)
    return data


def test_a_maker_creates_a_product_in_the_browser(maker_user):
    client = _browser(maker_user)
    assert client.get(reverse("products:new")).status_code == 200
    response = client.post(
        reverse("products:new"), {"code": "NEWP", "name_zh": "新产品", "name_en": "New"}
    )
    version = ProductVersion.objects.get(product__code="NEWP")
    assert response.status_code == 302
    assert response.url == reverse("products:edit", args=[version.public_id])


def test_a_bad_product_code_keeps_the_input_and_says_why(maker_user):
    response = _browser(maker_user).post(
        reverse("products:new"), {"code": "bad code", "name_zh": "新产品", "name_en": "New"}
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert 'value="bad code"' in html and 'value="新产品"' in html
    assert "capital letters" in html
    assert not ProductVersion.objects.exists()


def test_new_version_and_edit_with_percent_and_yuan(active, maker_user, checker_user):
    client = _browser(maker_user)
    response = client.post(reverse("products:new_version", args=["WLD"]))
    draft = ProductVersion.objects.get(version=2)
    assert response.url == reverse("products:edit", args=[draft.public_id])
    page = client.get(response.url).content.decode()
    assert "Minimum daily rate (%)" in page and 'value="0.02"' in page
    data = _form_data(draft, daily_rate_max="0.06", grade_E="0.06", penalty_multiplier="1.8")
    response = client.post(reverse("products:edit", args=[draft.public_id]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    draft.refresh_from_db()
    terms = draft.terms()
    assert str(terms.daily_rate_max) == "0.0006" and str(terms.penalty_multiplier) == "1.8"
    assert terms.min_drawdown == active.terms().min_drawdown  # yuan round trip
    submit_version(actor=_actor(maker_user), version_id=draft.public_id)
    html = _browser(checker_user).get(reverse("products:version", args=[draft.public_id]))
    html = html.content.decode()
    assert "Changes against the active version v1" in html
    assert "Penalty multiplier (× daily rate)" in html
    assert "1.5 ×" in html and "1.8 ×" in html
    assert "0.0500%" in html and "0.0600%" in html
    assert "Minimum drawdown" not in html.split('id="changes"')[1].split("</section>")[0]
    assert "hx-confirm=" in html  # the approve button asks, with a summary


def _actor(user):
    return Actor.from_user(user)


def test_an_invalid_value_keeps_what_was_typed(active, maker, maker_user):
    draft = create_version(actor=maker, product_code="WLD")
    data = _form_data(draft, penalty_multiplier="3", allowed_terms="5, ten", daily_rate_max="0.07")
    response = _browser(maker_user).post(reverse("products:edit", args=[draft.public_id]), data)
    html = response.content.decode()
    assert response.status_code == 422
    assert 'value="3"' in html and 'value="5, ten"' in html and 'value="0.07"' in html
    assert "less than or equal to 2" in html
    assert "Give whole months" in html
    assert "Not valid JSON" not in html
    draft.refresh_from_db()
    assert draft.terms() == active.terms()


def test_a_rule_breach_is_shown_next_to_its_field(active, maker, maker_user):
    draft = create_version(actor=maker, product_code="WLD")
    data = _form_data(draft, daily_rate_min="0.05", daily_rate_max="0.03")
    response = _browser(maker_user).post(reverse("products:edit", args=[draft.public_id]), data)
    html = response.content.decode()
    assert response.status_code == 422
    assert "The minimum rate is above the maximum rate." in html
    assert 'value="0.05"' in html and 'value="0.03"' in html


def test_the_form_is_in_chinese(active, maker, maker_user):
    draft = create_version(actor=maker, product_code="WLD")
    html = _browser(maker_user, "zh-hans").get(reverse("products:edit", args=[draft.public_id]))
    html = html.content.decode()
    assert "最低日利率" in html and "罚息倍数" in html and "等额本息" in html


def test_a_viewer_cannot_draft_or_edit(active, maker, django_user_model):
    user = make_staff(django_user_model, "cs02", "products.view_productversion")
    draft = create_version(actor=maker, product_code="WLD")
    client = _browser(user)
    assert client.get(reverse("products:new")).status_code == 403
    assert client.post(reverse("products:new_version", args=["WLD"])).status_code == 403
    url = reverse("products:edit", args=[draft.public_id])
    assert client.post(url, _form_data(draft, grace_days="5")).status_code == 403
    assert ProductVersion.objects.count() == 2


def test_another_maker_cannot_change_my_draft(active, maker, django_user_model):
    other = make_staff(django_user_model, "pm02", *MAKER_PERMS)
    draft = create_version(actor=maker, product_code="WLD")
    url = reverse("products:edit", args=[draft.public_id])
    response = _browser(other).post(url, _form_data(draft, grace_days="5"))
    assert response.status_code == 422
    assert "Only the maker" in response.content.decode()
    draft.refresh_from_db()
    assert draft.terms().grace_days == active.terms().grace_days


def test_the_maker_cannot_approve_their_own_version(active, django_user_model):
    both = make_staff(django_user_model, "both02", *MAKER_PERMS, *CHECKER_PERMS[1:])
    draft = create_version(actor=_actor(both), product_code="WLD")
    submit_version(actor=_actor(both), version_id=draft.public_id)
    client = _browser(both)
    page = client.get(reverse("products:version", args=[draft.public_id])).content.decode()
    assert "hx-confirm" not in page
    response = client.post(reverse("products:approve", args=[draft.public_id]))
    assert response.status_code in (403, 409, 422)
    draft.refresh_from_db()
    assert draft.status == ProductVersion.Status.PENDING_APPROVAL


def test_a_checker_cannot_draft(active, checker_user):
    client = _browser(checker_user)
    assert client.post(reverse("products:new_version", args=["WLD"])).status_code == 403
