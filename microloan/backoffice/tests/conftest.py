import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from microloan.accounts.models import Department

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _group(name, *perms):
    """A test role made here, so these tests do not depend on accounts.roles."""
    group, _created = Group.objects.get_or_create(name=name)
    for perm in perms:
        app_label, codename = perm.split(".")
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return group


def _staff(django_user_model, username, department, group):
    user = django_user_model.objects.create_user(
        username=username, password=PASSWORD, department=department, first_name=username
    )
    user.groups.add(group)
    return user


@pytest.fixture
def auditor(db, django_user_model):
    group = _group("test_auditors", "audit.view_auditrecord", "accounts.view_staffuser")
    return _staff(django_user_model, "auditor01", Department.INTERNAL_AUDIT, group)


@pytest.fixture
def collector(db, django_user_model):
    return _staff(
        django_user_model, "collector01", Department.COLLECTIONS, _group("test_collectors")
    )


def _signed_in(user):
    client = Client()  # one browser per user: a test may use two side by side
    client.force_login(user)
    return client


@pytest.fixture
def auditor_client(auditor):
    return _signed_in(auditor)


@pytest.fixture
def collector_client(collector):
    return _signed_in(collector)
