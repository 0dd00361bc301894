"""The platform seal: signing keys, PAdES sealing of a contract PDF, and verification.

Development keys come from ``init_signing_keys()``: a self-made CA and a platform signing
certificate (EC P-256, SHA-256) under ``var/keys/contracts/``. Production points the settings
``CONTRACT_SIGNING_KEY``, ``CONTRACT_SIGNING_CERT`` and ``CONTRACT_SIGNING_CA`` (PEM files) at
its own key, certificate and the CA that verifiers trust; when any of them is set, a missing
file is a configuration error and nothing is generated. Only with none of them set (the
development layout) are missing keys created on first use, so a fresh checkout can sign.

Sealing is pyHanko's ``SimpleSigner`` with a ``PdfSignatureMetadata`` of subfilter PAdES
(ETSI.CAdES.detached), appended as an incremental update so the bytes the borrower saw stay
the first bytes of the sealed file. Verification checks the signature's integrity, that it
covers the entire file (nothing appended after sealing), and the chain to the platform CA.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

KEY_FILE = "signing-key.pem"
CERT_FILE = "signing-cert.pem"
CA_FILE = "ca-cert.pem"
CA_KEY_FILE = "ca-key.pem"
SEAL_FIELD = "PlatformSeal"
SIGNATURE_BYTES_RESERVED = 8192  # room for a configured RSA-4096 chain too
CA_VALIDITY = dt.timedelta(days=3650)
CERT_VALIDITY = dt.timedelta(days=825)
_SETTING_NAMES = ("CONTRACT_SIGNING_KEY", "CONTRACT_SIGNING_CERT", "CONTRACT_SIGNING_CA")


def default_keys_dir() -> Path:
    return Path(settings.VAR_DIR) / "keys" / "contracts"


@dataclass(frozen=True)
class KeyPaths:
    key: Path
    cert: Path
    ca: Path
    configured: bool  # set by settings (production), not the development default

    def all_exist(self) -> bool:
        return self.key.exists() and self.cert.exists() and self.ca.exists()


def key_paths() -> KeyPaths:
    """Where the signing key, certificate and CA certificate live (settings, else defaults)."""
    directory = default_keys_dir()
    values = [getattr(settings, name) for name in _SETTING_NAMES]  # declared in settings.py
    defaults = (directory / KEY_FILE, directory / CERT_FILE, directory / CA_FILE)
    key, cert, ca = (Path(v) if v else d for v, d in zip(values, defaults, strict=True))
    return KeyPaths(key=key, cert=cert, ca=ca, configured=any(values))


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Microloan (development)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_usage(*, sign: bool, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=sign,  # non-repudiation: what PDF signature validators require
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _make_ca(now: dt.datetime):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = _name("Microloan Development Contract CA")
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(sign=False, ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _make_signing_cert(ca_key, ca_cert, now: dt.datetime):
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("Microloan Contract Seal"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + CERT_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(sign=True, ca=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def _pem_key(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _pem_cert(cert) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def init_signing_keys(directory: Path | str | None = None, *, force: bool = False) -> Path:
    """Create a self-made CA and a platform signing certificate in ``directory``
    (``var/keys/contracts/`` by default); returns the directory.

    Development only: production brings its own key and certificates. Existing keys are kept
    unless ``force`` (then contracts sealed before stop verifying against the new CA). The
    files are written into a temporary directory that is renamed into place, so two processes
    initialising at once never mix one's key with the other's certificate.
    """
    target = Path(directory) if directory else default_keys_dir()
    complete = all((target / name).exists() for name in (KEY_FILE, CERT_FILE, CA_FILE))
    if complete and not force:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    ca_key, ca_cert = _make_ca(now)
    key, cert = _make_signing_cert(ca_key, ca_cert, now)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    for name, data in (
        (CA_KEY_FILE, _pem_key(ca_key)),
        (CA_FILE, _pem_cert(ca_cert)),
        (KEY_FILE, _pem_key(key)),
        (CERT_FILE, _pem_cert(cert)),
    ):
        path = staging / name
        path.write_bytes(data)
        path.chmod(0o600 if name.endswith("key.pem") else 0o644)
    if force and target.exists():
        shutil.rmtree(target)
    try:
        os.rename(staging, target)
    except OSError:  # another process won the race (or a partial directory exists): keep its
        shutil.rmtree(staging, ignore_errors=True)
        if not all((target / name).exists() for name in (KEY_FILE, CERT_FILE, CA_FILE)):
            raise
    logger.info("contract signing keys created in %s", target)
    return target


def ensure_signing_keys() -> KeyPaths:
    """The key paths, creating development keys when none are configured and none exist."""
    paths = key_paths()
    if paths.all_exist():
        return paths
    if paths.configured:
        missing = [str(p) for p in (paths.key, paths.cert, paths.ca) if not p.exists()]
        raise ImproperlyConfigured(f"contract signing files missing: {', '.join(missing)}")
    if not settings.DEBUG:
        logger.warning("creating development contract signing keys: set CONTRACT_SIGNING_*")
    init_signing_keys(paths.key.parent)
    return paths


def _stamp(path: Path) -> tuple[str, int]:
    return str(path), path.stat().st_mtime_ns


@lru_cache(maxsize=4)
def _load_signer(key: tuple[str, int], cert: tuple[str, int], ca: tuple[str, int]):
    from pyhanko.sign import signers

    # Only the signing certificate goes into the signature: verifiers take the CA from their
    # own trust store, and a CA copy in the CMS would be bytes no check depends on.
    return signers.SimpleSigner.load(key[0], cert[0])


@lru_cache(maxsize=4)
def _load_ca(ca: tuple[str, int]):
    from pyhanko.keys import load_cert_from_pemder

    return load_cert_from_pemder(ca[0])


def platform_signer():
    """The pyHanko signer of the platform seal (cached; reloaded when a file changes)."""
    paths = ensure_signing_keys()
    return _load_signer(_stamp(paths.key), _stamp(paths.cert), _stamp(paths.ca))


def platform_ca():
    return _load_ca(_stamp(ensure_signing_keys().ca))


def seal_pdf(pdf: bytes, *, reason: str, location: str = "") -> bytes:
    """``pdf`` with the platform's PAdES signature appended (incremental update)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    metadata = signers.PdfSignatureMetadata(
        field_name=SEAL_FIELD,
        subfilter=SigSeedSubFilter.PADES,
        reason=reason,
        location=location or None,
    )
    # A fixed reservation skips pyHanko's dry-run signature that estimates the size, which
    # doubles the cost of a seal; an EC signature with one certificate is about 1.2 kB.
    output = signers.sign_pdf(
        writer, metadata, signer=platform_signer(), bytes_reserved=SIGNATURE_BYTES_RESERVED
    )
    return output.getvalue()


@dataclass
class Verification:
    """What verifying a PDF found. ``ok`` only if every check passed."""

    ok: bool
    signatures: int = 0
    intact: bool = False
    trusted: bool = False
    covers_whole_file: bool = False
    signer: str = ""
    signed_at: str = ""
    problems: list[str] = field(default_factory=list)


def _children(value: bytes) -> list[bytes]:
    """The DER values inside the constructed DER value ``value``; refuses values whose
    declared length takes in zero bytes (an end-of-contents pair is not DER)."""
    from asn1crypto import parser

    _class, _method, _tag, _header, contents, _trailer = parser.parse(value, strict=True)
    children, position = [], 0
    while position < len(contents):
        size = parser.peek(contents[position:])
        child = contents[position : position + size]
        if child[:2] == b"\x00\x00":
            raise ValueError("end-of-contents inside a DER value")
        children.append(child)
        position += size
    return children


def _signature_padding_is_clean(seal) -> bool:
    """The signature's /Contents is the only part of the file the signature's hash cannot
    cover: the CMS value, then zero padding. The value's outer lengths must be exact (no
    padding taken in) and everything after it zeros, so a changed byte there fails too."""
    from asn1crypto import parser

    raw = bytes(seal.sig_object.get_object()["/Contents"])
    length = parser.peek(raw)
    if raw[:1] != b"\x30" or raw[length:].strip(b"\x00"):
        return False
    content_type, explicit = _children(raw[:length])  # ContentInfo: OID, [0] SignedData
    (signed_data,) = _children(explicit)
    _children(signed_data)
    return content_type.startswith(b"\x06")


def _unused_fields_as_sealed(seal) -> bool:
    """Validators ignore the SignedData version and its list of digest algorithms; the seal
    writes version 1 and exactly the signer's digest algorithm, so anything else was changed
    after sealing."""
    signed_data = seal.signed_data
    signer_algorithm = seal.signer_info["digest_algorithm"]
    algorithms = list(signed_data["digest_algorithms"])
    return (
        signed_data["version"].native == "v1"
        and len(algorithms) == 1
        and algorithms[0].dump() == signer_algorithm.dump()
    )


def verify_pdf(data: bytes) -> Verification:
    """Check the PAdES seal of ``data`` against the platform CA.

    Never raises on bad input: an unreadable or unsigned file is a failed verification with the
    reason in ``problems`` (codes: unreadable, no_signature, not_intact, not_trusted,
    not_whole_file, invalid).
    """
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        signatures = PdfFileReader(io.BytesIO(data), strict=True).embedded_signatures
    except Exception:  # any parse failure of untrusted input means "unreadable"
        return Verification(ok=False, problems=["unreadable"])
    if not signatures:
        return Verification(ok=False, problems=["no_signature"])
    context = ValidationContext(trust_roots=[platform_ca()], allow_fetching=False)
    seal = signatures[-1]
    try:
        # No diff analysis: a seal must cover the entire file (checked below), so there are no
        # later revisions to analyse.
        status = validate_pdf_signature(seal, context, skip_diff=True)
    except Exception:  # a damaged signature structure is an invalid signature
        return Verification(ok=False, signatures=len(signatures), problems=["invalid"])
    covers_all = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    try:
        padding_clean = _signature_padding_is_clean(seal) and _unused_fields_as_sealed(seal)
    except Exception:  # a signature container that does not parse was changed
        padding_clean = False
    problems = [
        code
        for code, failed in (
            ("not_intact", not status.intact),
            ("invalid", not status.valid),
            ("not_trusted", not status.trusted),
            ("not_whole_file", not covers_all),
            ("signature_container_altered", not padding_clean),
        )
        if failed
    ]
    signed_at = status.signer_reported_dt.isoformat() if status.signer_reported_dt else ""
    return Verification(
        ok=not problems and status.bottom_line,
        signatures=len(signatures),
        intact=status.intact,
        trusted=status.trusted,
        covers_whole_file=covers_all,
        signer=status.signing_cert.subject.human_friendly if status.signing_cert else "",
        signed_at=signed_at,
        problems=problems,
    )
