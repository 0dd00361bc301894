"""Every page needs a signed-in user; the menu and pages follow the user's permissions."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from microloan.accounts.roles import AUDITOR, COLLECTOR
from microloan.backoffice import navigation
from microloan.kernel.services import get_business_date

pytestmark = pytest.mark.django_db

HOME = reverse("backoffice:home")
AUDIT = reverse("backoffice:audit")
VERIFY = reverse("backoffice:audit_verify")


@pytest.mark.parametrize("url", [HOME, AUDIT])
def test_anonymous_visitors_are_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('backoffice:login')}?next={url}"


def test_anonymous_verify_is_sent_to_login(client):
    assert client.post(VERIFY).url.startswith(reverse("backoffice:login"))


def test_the_menu_shows_only_what_the_role_may_open(auditor_client, collector_client):
    assert f'href="{AUDIT}"'.encode() in auditor_client.get(HOME).content
    collector_home = collector_client.get(HOME)
    assert collector_home.status_code == 200
    assert f'href="{AUDIT}"'.encode() not in collector_home.content
    assert f'href="{HOME}"'.encode() in collector_home.content


@pytest.mark.parametrize(("role", "sees_audit"), [(AUDITOR, True), (COLLECTOR, False)])
def test_the_menu_follows_the_real_roles(django_user_model, role, sees_audit):
    user = django_user_model.objects.create_user(username=f"{role}01", password="x" * 12)
    user.groups.add(Group.objects.get(name=role))  # made by accounts.roles after migrate
    client = Client()
    client.force_login(user)
    assert (f'href="{AUDIT}"'.encode() in client.get(HOME).content) is sees_audit
    assert client.get(AUDIT).status_code == (200 if sees_audit else 403)


def test_a_menu_entry_whose_url_is_not_mounted_is_left_out(auditor_client, monkeypatch, caplog):
    monkeypatch.setattr(
        navigation, "NAV_ITEMS", [*navigation.NAV_ITEMS, ("Ghost", "ghost:list", None)]
    )
    response = auditor_client.get(HOME)
    assert response.status_code == 200
    assert "Ghost" not in response.content.decode()
    assert "ghost:list" in caplog.text


def test_the_header_names_the_user_department_roles_and_business_date(auditor_client, auditor):
    html = auditor_client.get(HOME).content.decode()
    assert "auditor01" in html
    assert str(auditor.get_department_display()) in html
    assert "test_auditors" in html
    assert get_business_date().isoformat() in html


def test_home_shows_health_and_only_the_counts_the_user_may_see(auditor_client, collector_client):
    auditor_page = auditor_client.get(HOME)
    database, end_of_day = auditor_page.context["health_checks"]
    assert database.ok is True
    assert end_of_day.ok is None  # no end-of-day run yet
    labels = [label for label, _value in auditor_page.context["counts"]]
    assert len(labels) == 2
    assert collector_client.get(HOME).context["counts"] == []


@pytest.mark.parametrize(("method", "url"), [("get", AUDIT), ("post", VERIFY)])
def test_pages_refuse_users_without_the_permission_with_the_403_page(collector_client, method, url):
    response = getattr(collector_client, method)(url)
    assert response.status_code == 403
    assert "backoffice/base.html" in [t.name for t in response.templates]


def test_the_403_page_speaks_both_languages(collector_client):
    assert "无权" in collector_client.get(AUDIT).content.decode()
    collector_client.post(reverse("set_language"), {"language": "en", "next": HOME})
    assert "You do not have permission" in collector_client.get(AUDIT).content.decode()


def test_the_language_switch_changes_the_page_language(auditor_client):
    assert "退出登录" in auditor_client.get(HOME).content.decode()  # zh-Hans by default
    response = auditor_client.post(reverse("set_language"), {"language": "en", "next": HOME})
    assert response.url == HOME
    english = auditor_client.get(HOME).content.decode()
    assert "Sign out" in english and "退出登录" not in english
    auditor_client.post(reverse("set_language"), {"language": "zh-hans", "next": HOME})
    assert "退出登录" in auditor_client.get(HOME).content.decode()


def test_the_static_assets_are_vendored():
    from django.contrib.staticfiles import finders

    assert finders.find("backoffice/htmx.min.js")
    assert finders.find("backoffice/backoffice.css")
