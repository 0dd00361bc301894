"""Settings with DEBUG off, each in a fresh process (settings are read once per process): the
refusals to start with development secrets or signing keys, the transport and browser
protections, and ``microloan check --deploy`` with nothing to report."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from microloan.contracts.signing import CA_FILE, CERT_FILE, KEY_FILE, init_signing_keys

SHOW_SETTINGS = """
import json, django
django.setup()
from django.conf import settings
names = ["SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT",
         "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_PROXY_SSL_HEADER",
         "X_FRAME_OPTIONS", "SECURE_REFERRER_POLICY", "CONTENT_SECURITY_POLICY", "API_DOCS_PUBLIC"]
print(json.dumps({name: getattr(settings, name, None) for name in names}))
"""


def _production_keys(directory: Path) -> dict[str, str]:
    """A key and a self-signed certificate of a (pretend) production CA, outside var/."""
    directory.mkdir(parents=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example Bank")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    (directory / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (directory / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return {
        "CONTRACT_SIGNING_KEY": str(directory / "key.pem"),
        "CONTRACT_SIGNING_CERT": str(directory / "cert.pem"),
        "CONTRACT_SIGNING_CA": str(directory / "cert.pem"),
    }


@pytest.fixture
def production(tmp_path) -> dict[str, str]:
    """The environment of a correctly configured production process (var/ in tmp_path)."""
    return {
        "DEBUG": "0",
        "MICROLOAN_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "ALLOWED_HOSTS": "loans.example.com",
        "SECRET_KEY": base64.urlsafe_b64encode(os.urandom(48)).decode(),
        "FIELD_ENCRYPTION_KEYS": "k1:" + base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "PAYMENTS_CALLBACK_SECRET": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "AUDIT_HMAC_KEY": "a1:" + base64.urlsafe_b64encode(os.urandom(32)).decode(),
        **_production_keys(tmp_path / "production-keys"),
    }


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CONTRACT_SIGNING_",))}
    clean.update(env, DJANGO_SETTINGS_MODULE="microloan.settings")
    return subprocess.run(
        [sys.executable, *args], env=clean, capture_output=True, text=True, check=False
    )


def test_check_deploy_is_clean_with_production_configuration(production):
    checked = run(production, "-c", "from microloan.cli import main; main()", "check", "--deploy")
    assert checked.returncode == 0, checked.stderr
    assert "System check identified no issues" in checked.stdout


def test_transport_and_browser_protections_are_on(production):
    shown = run({**production, "BEHIND_TLS_PROXY": "1"}, "-c", SHOW_SETTINGS)
    assert shown.returncode == 0, shown.stderr
    values = json.loads(shown.stdout)
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SECURE_SSL_REDIRECT"] and values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["X_FRAME_OPTIONS"] == "DENY" and values["SECURE_REFERRER_POLICY"]
    assert "script-src 'self';" in values["CONTENT_SECURITY_POLICY"]
    assert values["API_DOCS_PUBLIC"] is False


def test_without_a_proxy_setting_forwarded_headers_are_not_trusted(production):
    values = json.loads(run(production, "-c", SHOW_SETTINGS).stdout)
    assert values["SECURE_PROXY_SSL_HEADER"] is None


def _refusal(env) -> str:
    started = run(env, "-c", "import django; django.setup()")
    assert started.returncode != 0
    assert "ImproperlyConfigured" in started.stderr
    return started.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize(
    "name", ["SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "PAYMENTS_CALLBACK_SECRET", "AUDIT_HMAC_KEY"]
)
def test_a_missing_secret_is_refused_by_name(production, name):
    assert f"{name} must be set" in _refusal({**production, name: ""})


@pytest.mark.parametrize(
    ("name", "file_name"),
    [
        ("SECRET_KEY", "secret_key"),
        ("FIELD_ENCRYPTION_KEYS", "field_encryption_keys"),
        ("PAYMENTS_CALLBACK_SECRET", "payments_callback_secret"),
        ("AUDIT_HMAC_KEY", "audit_hmac_key"),
    ],
)
def test_a_generated_development_secret_is_refused_by_name(production, name, file_name):
    var = Path(production["MICROLOAN_VAR_DIR"])
    var.mkdir(parents=True, exist_ok=True)
    (var / file_name).write_text(production[name] + "\n")  # as development wrote it
    refusal = _refusal(production)
    assert name in refusal and "development secret" in refusal


def test_unset_contract_signing_keys_are_refused(production):
    assert "CONTRACT_SIGNING_KEY must be set" in _refusal(
        {**production, "CONTRACT_SIGNING_KEY": ""}
    )


def test_the_development_contract_keys_are_refused_where_they_live(production):
    keys = init_signing_keys(Path(production["MICROLOAN_VAR_DIR"]) / "keys" / "contracts")
    development = {
        "CONTRACT_SIGNING_KEY": str(keys / KEY_FILE),
        "CONTRACT_SIGNING_CERT": str(keys / CERT_FILE),
        "CONTRACT_SIGNING_CA": str(keys / CA_FILE),
    }
    refusal = _refusal({**production, **development})
    assert "CONTRACT_SIGNING_KEY points at the development keys" in refusal


def test_development_certificates_copied_elsewhere_are_refused(production, tmp_path):
    keys = init_signing_keys(tmp_path / "copied")
    refusal = _refusal(
        {
            **production,
            "CONTRACT_SIGNING_KEY": str(keys / KEY_FILE),
            "CONTRACT_SIGNING_CERT": str(keys / CERT_FILE),
            "CONTRACT_SIGNING_CA": str(keys / CA_FILE),
        }
    )
    assert "CONTRACT_SIGNING_CERT is a development certificate" in refusal
