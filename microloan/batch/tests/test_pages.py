"""The back-office pages listing runs and showing one run's steps and checkpoints."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from microloan.batch.services import BATCH_ACTOR, run_eod

from .conftest import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.urls("microloan.batch.tests.urls")]


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def viewer_client(django_user_model):
    return _signed_in(make_user(django_user_model, "eod_viewer", "batch.view_eodrun"))


def test_runs_and_run_detail(book, viewer_client):
    run = run_eod(actor=BATCH_ACTOR, partitions=2)
    listing = viewer_client.get(reverse("batch:runs"))
    assert listing.status_code == 200
    assert run.public_id in listing.content.decode()
    detail = viewer_client.get(reverse("batch:run_detail", args=[run.public_id]))
    page = detail.content.decode()
    assert detail.status_code == 200
    for step in ("mark_due", "accrue_interest", "provisions", "portfolio_snapshot"):
        assert step in page
    assert "system:eod" in page


def test_empty_list_and_unknown_run(viewer_client):
    chinese = viewer_client.get(reverse("batch:runs")).content.decode()
    assert "日终批处理记录" in chinese and "日终批处理尚未运行" in chinese
    english = viewer_client.get(reverse("batch:runs"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "End-of-day runs" in english
    assert viewer_client.get(reverse("batch:run_detail", args=["eod_nope"])).status_code == 404


def test_pages_need_sign_in_and_the_view_permission(django_user_model):
    anonymous = Client().get(reverse("batch:runs"))
    assert anonymous.status_code == 302
    stranger = _signed_in(make_user(django_user_model, "stranger"))
    assert stranger.get(reverse("batch:runs")).status_code == 403
