import pytest
from django.contrib.auth.models import Permission

from microloan.audit.testing import audit_rows_erasable  # noqa: F401 (a fixture)
from microloan.kernel.actors import Actor

MAKER_PERMS = (
    "products.view_productversion",
    "products.add_productversion",
    "products.change_productversion",
)
CHECKER_PERMS = ("products.view_productversion", "products.approve_productversion")
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_staff(django_user_model, username, *perms):
    user = django_user_model.objects.create_user(username=username, password=PASSWORD)
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return django_user_model.objects.get(pk=user.pk)  # fresh: no stale permission cache


@pytest.fixture
def maker_user(db, django_user_model):
    return make_staff(django_user_model, "pm01", *MAKER_PERMS)


@pytest.fixture
def checker_user(db, django_user_model):
    return make_staff(django_user_model, "risk01", *CHECKER_PERMS)


@pytest.fixture
def maker(maker_user):
    return Actor.from_user(maker_user)


@pytest.fixture
def checker(checker_user):
    return Actor.from_user(checker_user)


@pytest.fixture
def maker_checker(db, django_user_model):
    """Someone holding both roles: still may not approve their own version."""
    return Actor.from_user(
        make_staff(django_user_model, "both01", *MAKER_PERMS, *CHECKER_PERMS[1:])
    )


@pytest.fixture
def viewer(db, django_user_model):
    return Actor.from_user(make_staff(django_user_model, "cs01", "products.view_productversion"))
