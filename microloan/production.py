"""Start-up refusals when DEBUG is off: no development secret or signing key may run production.

Called from ``settings`` before Django is set up, so nothing here touches ``django.conf``. Each
refusal is an ``ImproperlyConfigured`` that names the variable to set.
"""

from __future__ import annotations

from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import NameOID
from django.core.exceptions import ImproperlyConfigured

# The organisation ``microloan keys init`` writes into its development certificates.
DEVELOPMENT_ORGANISATION = "Microloan (development)"
CONTRACT_SIGNING_VARIABLES = (
    "CONTRACT_SIGNING_KEY",
    "CONTRACT_SIGNING_CERT",
    "CONTRACT_SIGNING_CA",
)


def refuse_development_secret(env_name: str, value: str | None, development_file: Path) -> str:
    """``value`` when it is set and is not the secret development generated into
    ``development_file``; else a refusal naming ``env_name``."""
    if not value:
        raise ImproperlyConfigured(f"{env_name} must be set when DEBUG is off.")
    if development_file.exists() and development_file.read_text().strip() == value.strip():
        raise ImproperlyConfigured(
            f"{env_name} is the development secret generated in {development_file}; "
            "set a production secret when DEBUG is off."
        )
    return value


def refuse_development_signing_keys(values: dict[str, str | None], development_dir: Path) -> None:
    """The contract seal's key, certificate and CA must be set, exist, lie outside the
    development key directory, and not be certificates ``microloan keys init`` made."""
    development_dir = development_dir.resolve()
    for name in CONTRACT_SIGNING_VARIABLES:
        value = values.get(name)
        if not value:
            raise ImproperlyConfigured(
                f"{name} must be set when DEBUG is off (the development contract signing keys "
                f"in {development_dir} are for development only)."
            )
        path = Path(value).resolve()
        if not path.is_file():
            raise ImproperlyConfigured(f"{name} names {path}, which is not a file.")
        if path.is_relative_to(development_dir):
            raise ImproperlyConfigured(
                f"{name} points at the development keys in {development_dir}; "
                "set the production key and certificates when DEBUG is off."
            )
    for name in ("CONTRACT_SIGNING_CERT", "CONTRACT_SIGNING_CA"):
        if _organisation(Path(values[name])) == DEVELOPMENT_ORGANISATION:
            raise ImproperlyConfigured(
                f"{name} is a development certificate ({DEVELOPMENT_ORGANISATION}); "
                "set the production certificates when DEBUG is off."
            )


def _organisation(path: Path) -> str:
    try:
        certificate = x509.load_pem_x509_certificate(path.read_bytes())
    except ValueError as error:
        raise ImproperlyConfigured(f"{path} is not a PEM certificate: {error}") from None
    names = certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    return str(names[0].value) if names else ""
