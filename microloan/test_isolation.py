"""The test run keeps away from the checkout's var/: a test there once re-encrypted the real
contract files with test keys (issue #11)."""

from pathlib import Path

import microloan
from microloan.audit.services import anchor_file
from microloan.contracts.signing import key_paths
from microloan.contracts.storage import storage_dir
from microloan.notifications.providers import outbox_dir

CHECKOUT = Path(microloan.__file__).resolve().parent.parent


def test_var_dir_is_a_temporary_directory_outside_the_checkout(settings):
    var_dir = Path(settings.VAR_DIR).resolve()
    assert var_dir != (CHECKOUT / "var").resolve()
    assert not var_dir.is_relative_to(CHECKOUT)


def test_every_var_path_lies_outside_the_checkout(settings):
    paths = [
        storage_dir(),
        outbox_dir(),
        anchor_file(),
        *(getattr(key_paths(), name) for name in ("key", "cert", "ca")),
        Path(settings.STATIC_ROOT),
    ]
    for path in paths:
        assert not path.resolve().is_relative_to(CHECKOUT), path
