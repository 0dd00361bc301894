import base64
import json

import pytest
from django.test import Client

from microloan.kernel.actors import Actor

# Fixed test keys: tests do not depend on the developer's var/field_encryption_keys file.
KEY_1 = base64.urlsafe_b64encode(bytes(range(32))).decode()
KEY_2 = base64.urlsafe_b64encode(bytes(range(100, 132))).decode()
TEST_KEYS = f"t1:{KEY_1}"


@pytest.fixture(autouse=True)
def field_keys(settings):
    settings.FIELD_ENCRYPTION_KEYS = TEST_KEYS
    settings.FIELD_BLIND_INDEX_KEY = ""
    return settings


class JsonClient(Client):
    def post_json(self, path, body, **extra):
        return self.post(path, data=json.dumps(body), content_type="application/json", **extra)

    def patch_json(self, path, body, **extra):
        return self.patch(path, data=json.dumps(body), content_type="application/json", **extra)


@pytest.fixture
def client():
    return JsonClient()


def staff_actor(*perms, username="clerk01", user_pk=None):
    return Actor(kind="staff", id=username, permissions=frozenset(perms), user_pk=user_pk)


@pytest.fixture
def system():
    return Actor.system("test")
