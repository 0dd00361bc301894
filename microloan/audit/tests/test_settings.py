"""AUDIT_HMAC_KEY: generated into var/ in development, required when DEBUG is off."""

import os
import subprocess
import sys

LOAD_SETTINGS = "from django.conf import settings; print(settings.AUDIT_HMAC_KEY[:3])"


def _load_settings(tmp_path, **env):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"AUDIT_HMAC_KEY", "DATABASE_URL", "DEBUG"}
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="microloan.settings", MICROLOAN_VAR_DIR=str(tmp_path), **env
    )
    return subprocess.run(
        [sys.executable, "-c", LOAD_SETTINGS],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_development_generates_a_key_file_in_var(tmp_path):
    loaded = _load_settings(tmp_path, DEBUG="1")
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.strip() == "a1:"
    assert (tmp_path / "audit_hmac_key").read_text().startswith("a1:")


def test_without_debug_the_key_must_come_from_the_environment(tmp_path):
    production = {
        "DEBUG": "0",
        "SECRET_KEY": "x" * 50,
        "FIELD_ENCRYPTION_KEYS": "k1:" + "A" * 43 + "=",
        "PAYMENTS_CALLBACK_SECRET": "y" * 48,
    }
    loaded = _load_settings(tmp_path, **production)
    assert loaded.returncode != 0
    assert "AUDIT_HMAC_KEY must be set when DEBUG is off." in loaded.stderr
    assert not (tmp_path / "audit_hmac_key").exists()
