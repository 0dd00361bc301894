import base64
import json

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from microloan.accounts.testing import make_staff
from microloan.kernel.actors import Actor

# Fixed keys: blind indexes in these tests do not depend on the developer's key file.
TEST_KEYS = "t1:" + base64.urlsafe_b64encode(bytes(range(32))).decode()


@pytest.fixture(autouse=True)
def postloan_checks_all_on_the_first_business_day(settings):
    """The post-loan tests check whole books on a month's first business day; production
    spreads the monthly checks over 20 business days (test_postloan_cycle.py covers that)."""
    settings.RISK_POSTLOAN_CYCLE_DAYS = 1


@pytest.fixture(autouse=True)
def field_keys(settings):
    settings.FIELD_ENCRYPTION_KEYS = TEST_KEYS
    settings.FIELD_BLIND_INDEX_KEY = ""
    return settings


class JsonClient(Client):
    def post_json(self, path, body, **extra):
        return self.post(path, data=json.dumps(body), content_type="application/json", **extra)


@pytest.fixture
def client():
    return JsonClient()


def staff_with(*perms, username=None):
    """A staff user holding exactly ``perms`` ("risk.change_blacklistentry", …)."""
    user = make_staff(username=username)
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


def actor_of(user):
    return Actor.from_user(type(user).objects.get(pk=user.pk))  # fresh: permission cache
