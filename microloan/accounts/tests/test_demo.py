"""``microloan demo``: one login per role in development, never in production."""

import importlib.machinery
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from microloan.accounts.models import StaffUser
from microloan.accounts.roles import ROLE_DEPARTMENTS, ROLES
from microloan.accounts.testing import make_staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_hashing")]


@pytest.fixture
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def demo(*args):
    """The command without its demo book (``microloan.demo.tests`` builds a small one)."""
    out = StringIO()
    call_command("demo", *args, "--customers", "0", stdout=out)
    return out.getvalue()


def printed_passwords(output):
    return {
        line.split()[0]: line.split()[1]
        for line in output.splitlines()
        if line.startswith("  ") and line.split()[0] in ROLES
    }


def test_it_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        demo()
    assert not StaffUser.objects.exists()


def test_it_creates_one_login_per_role_with_a_printed_password(settings):
    settings.DEBUG = True
    passwords = printed_passwords(demo("--if-empty"))
    assert set(passwords) == set(ROLES)
    for role, password in passwords.items():
        user = StaffUser.objects.get(username=role)
        assert user.check_password(password)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert user.department == ROLE_DEPARTMENTS[role]
    assert list(StaffUser.objects.filter(is_staff=True).values_list("username", flat=True)) == [
        "admin"
    ]


def test_if_empty_does_nothing_when_staff_exist(settings):
    settings.DEBUG = True
    make_staff(username="someone")
    output = demo("--if-empty")
    assert "--reset-passwords" in output
    assert list(StaffUser.objects.values_list("username", flat=True)) == ["someone"]


def test_reset_passwords_gives_new_ones(settings):
    settings.DEBUG = True
    old = printed_passwords(demo())
    new = printed_passwords(demo("--reset-passwords"))
    assert set(new) == set(ROLES)
    for role in ROLES:
        user = StaffUser.objects.get(username=role)
        assert user.check_password(new[role]) and not user.check_password(old[role])


def test_each_named_app_demo_builder_runs(settings, monkeypatch):
    from microloan.demo.management.commands import demo as command

    settings.DEBUG = True
    calls = []

    def build(stdout):
        calls.append(stdout)
        stdout.write("kernel demo built")

    monkeypatch.setattr(command, "APP_DEMOS", (("kernel", build),))
    output = demo()
    assert len(calls) == 1
    assert "Demo data: kernel" in output and "kernel demo built" in output


def test_every_app_demo_module_is_named():
    """An app's ``demo.build_demo`` runs only when the command names it: none is forgotten."""
    from django.apps import apps

    from microloan.demo.management.commands.demo import APP_DEMOS

    named = {build.__module__ for _, build in APP_DEMOS}
    present = set()
    for config in apps.get_app_configs():
        name = f"{config.name}.demo"
        found = config.name.startswith("microloan.") and importlib.util.find_spec(name)
        if found and hasattr(importlib.import_module(name), "build_demo"):
            present.add(name)
    assert named == present


def test_it_refuses_a_negative_size(settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="--customers"):
        call_command("demo", "--customers", "-1", "--days", "5", stdout=StringIO())
    assert not StaffUser.objects.exists()
