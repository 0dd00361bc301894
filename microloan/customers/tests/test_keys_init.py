"""``microloan keys init``: development signing keys for contract seals, kept unless forced."""

from io import StringIO

from django.core.management import call_command


def test_keys_init_creates_then_keeps_the_signing_keys(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("keys", "init", stdout=StringIO())
    folder = tmp_path / "keys" / "contracts"
    certificate = (folder / "signing-cert.pem").read_bytes()
    assert certificate.startswith(b"-----BEGIN CERTIFICATE-----")
    call_command("keys", "init", stdout=StringIO())  # existing keys are kept
    assert (folder / "signing-cert.pem").read_bytes() == certificate
    call_command("keys", "init", "--force", stdout=StringIO())
    assert (folder / "signing-cert.pem").read_bytes() != certificate
