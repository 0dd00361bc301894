"""The platform seal: keys, PAdES sealing, verification, a one-byte tamper, the CLI."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from microloan.contracts import signing
from microloan.contracts.documents import Party, build_document, to_pdf
from microloan.contracts.services.templates import SAMPLE_LOAN_TERMS

from .helpers import flip_byte


def _pdf() -> bytes:
    document = build_document(
        title="借款合同",
        body="{{ apr_percent }}\n\n[[schedule]]",
        language="zh-hans",
        terms=SAMPLE_LOAN_TERMS,
        party=Party("L", "张三", "****1234", "cus_1"),
        contract_id="ctr_test",
    )
    return to_pdf(document)


@pytest.fixture(scope="module")
def unsigned():
    return _pdf()


@pytest.fixture
def sealed(unsigned):
    return signing.seal_pdf(unsigned, reason="test")


def test_a_sealed_pdf_verifies_and_keeps_the_signed_bytes_first(sealed, unsigned):
    result = signing.verify_pdf(sealed)
    assert result.ok, result.problems
    assert result.intact and result.trusted and result.covers_whole_file
    assert "Microloan Contract Seal" in result.signer
    assert sealed.startswith(unsigned)


def test_sealing_uses_pades(sealed):
    assert b"/ETSI.CAdES.detached" in sealed


def _content_offset(sealed: bytes) -> int:
    """A byte inside the first page's content stream (covered by the signature)."""
    return sealed.index(b"stream", sealed.index(b"/Length")) + 20


def test_changing_one_byte_breaks_verification(sealed):
    tampered = flip_byte(sealed, _content_offset(sealed))
    result = signing.verify_pdf(tampered)
    assert not result.ok
    assert "not_intact" in result.problems


def test_one_byte_changed_anywhere_fails(sealed):
    """Every 53rd byte of the file, and every byte of the start of the signature container
    (the part the signature's hash cannot cover)."""
    contents = sealed.index(b"/Contents <") + len(b"/Contents <")
    offsets = [*range(0, len(sealed), 53), *range(contents, contents + 120)]
    survivors = [o for o in offsets if signing.verify_pdf(flip_byte(sealed, o)).ok]
    assert survivors == []


def test_bytes_appended_after_the_seal_are_detected(sealed):
    result = signing.verify_pdf(sealed + b"\n% appended\n")
    assert not result.ok


def test_an_unsigned_pdf_and_garbage_fail(unsigned):
    assert signing.verify_pdf(unsigned).problems == ["no_signature"]
    assert signing.verify_pdf(b"not a pdf").problems == ["unreadable"]
    assert signing.verify_pdf(b"").problems == ["unreadable"]


def test_a_seal_from_another_ca_is_not_trusted(unsigned, settings, tmp_path):
    other = signing.init_signing_keys(tmp_path / "other")
    settings.CONTRACT_SIGNING_KEY = str(other / signing.KEY_FILE)
    settings.CONTRACT_SIGNING_CERT = str(other / signing.CERT_FILE)
    foreign = signing.seal_pdf(unsigned, reason="elsewhere")
    result = signing.verify_pdf(foreign)  # trust root is still the platform CA
    assert not result.ok and "not_trusted" in result.problems


def test_keys_init_creates_a_ca_and_a_certificate_it_signed(tmp_path):
    from cryptography import x509

    directory = signing.init_signing_keys(tmp_path / "keys")
    ca = x509.load_pem_x509_certificate((directory / signing.CA_FILE).read_bytes())
    cert = x509.load_pem_x509_certificate((directory / signing.CERT_FILE).read_bytes())
    assert cert.issuer == ca.subject
    cert.verify_directly_issued_by(ca)
    assert (directory / signing.KEY_FILE).stat().st_mode & 0o777 == 0o600
    before = (directory / signing.KEY_FILE).read_bytes()
    assert signing.init_signing_keys(directory) == directory  # kept, not replaced
    assert (directory / signing.KEY_FILE).read_bytes() == before


def test_configured_paths_that_do_not_exist_are_an_error(settings, tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    settings.CONTRACT_SIGNING_KEY = str(tmp_path / "missing.pem")
    with pytest.raises(ImproperlyConfigured):
        signing.ensure_signing_keys()


def test_development_keys_are_created_on_first_use(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    for name in ("CONTRACT_SIGNING_KEY", "CONTRACT_SIGNING_CERT", "CONTRACT_SIGNING_CA"):
        setattr(settings, name, "")  # unset in the environment, as settings.py declares it
    paths = signing.ensure_signing_keys()
    assert paths.all_exist() and paths.key.parent == tmp_path / "keys" / "contracts"


@pytest.mark.django_db
def test_cli_verify_exits_non_zero_on_a_tampered_file(sealed, tmp_path):
    good, bad = tmp_path / "good.pdf", tmp_path / "bad.pdf"
    good.write_bytes(sealed)
    bad.write_bytes(flip_byte(sealed, _content_offset(sealed)))
    out = io.StringIO()
    call_command("contracts", "verify", "--signature-only", str(good), stdout=out)
    assert out.getvalue().startswith("OK")
    with pytest.raises(CommandError) as unrecorded:  # sealed, but no contract recorded it
        call_command("contracts", "verify", str(good))
    assert "not_a_recorded_contract" in str(unrecorded.value)
    with pytest.raises(CommandError) as failed:
        call_command("contracts", "verify", "--signature-only", str(bad))
    assert failed.value.returncode == 1 and "not_intact" in str(failed.value)
    with pytest.raises(CommandError):
        call_command("contracts", "verify", str(tmp_path / "none.pdf"))


def test_cli_keys_init(tmp_path):
    out = io.StringIO()
    call_command("contracts", "keys-init", "--dir", str(tmp_path / "k"), stdout=out)
    assert Path(tmp_path / "k" / signing.CA_FILE).exists()
