"""``microloan keys <subcommand>``: maintenance of the field encryption keys.

    microloan keys status              values per encryption key id, blind indexes per index key
    microloan keys rotate              re-encrypt everything (values, contract files) under the
                                       newest key
    microloan keys reindex             rebuild blind indexes after the index key changed
    microloan keys init [--force]      development: contract-sealing CA and certificate

Rotating: append a new ``id:key`` to FIELD_ENCRYPTION_KEYS (the last one encrypts), deploy, run
``keys rotate``, check ``keys status`` shows nothing on old keys, then remove the old key. If
FIELD_BLIND_INDEX_KEY is unset the blind indexes are keyed from the FIRST key: removing it (or
setting FIELD_BLIND_INDEX_KEY) changes the index key, so run ``keys reindex`` straight after;
until then look-ups by ID number, phone or card find nothing.

Each subcommand is a ``KeysSubcommand`` in ``SUBCOMMANDS``. The command lives in contracts
because it covers both: customers' encrypted fields (through ``customers.key_rotation``) and
contracts' own files and signing keys.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from microloan.customers.key_rotation import (
    DEFAULT_CHUNK_SIZE,
    RewriteReport,
    key_status,
    reindex_blind_indexes,
    rotate_encryption_keys,
)

from ...signing import init_signing_keys
from ...storage import reencrypt_stored_files


def _contract_files(*, dry_run: bool):
    """The contract files' rotation (contracts stores its PDFs encrypted with these keys)."""
    return reencrypt_stored_files(dry_run=dry_run)


class KeysSubcommand:
    name = ""
    help = ""

    def add_arguments(self, parser) -> None:
        pass

    def run(self, command: BaseCommand, options: dict) -> None:
        raise NotImplementedError


def _chunk_size_argument(parser) -> None:
    parser.add_argument(
        "--chunk-size",
        type=int,
        default=DEFAULT_CHUNK_SIZE,
        help=f"rows per transaction (default {DEFAULT_CHUNK_SIZE})",
    )


def _checked_chunk_size(options: dict) -> int:
    if options["chunk_size"] < 1:
        raise CommandError("--chunk-size must be at least 1")
    return options["chunk_size"]


def _write_report(command: BaseCommand, report: RewriteReport, what: str) -> None:
    for label, rows in report.rows.items():
        command.stdout.write(f"  {label}: {rows} rows, {report.values[label]} {what}")
    command.stdout.write(command.style.SUCCESS(f"Done: {report.total_rows} rows rewritten."))


class Status(KeysSubcommand):
    name = "status"
    help = "Count stored values per key id and blind indexes per index key."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="exit with status 1 if anything still needs `keys rotate` or `keys reindex`",
        )

    def run(self, command: BaseCommand, options: dict) -> None:
        status = key_status()
        out = command.stdout
        out.write(f"Encrypting key: {status.current_key_id}")
        for column in status.columns:
            counts = " ".join(f"{kid}={n}" for kid, n in column.per_key.items())
            unknown = f" unknown-key={column.unknown}" if column.unknown else ""
            out.write(f"  {column.column}: {counts}{unknown}")
        out.write(f"Blind-index key fingerprint: {status.blind_index_fingerprint}")
        for index in status.indexes:
            out.write(f"  {index.column}: current={index.current} stale={index.stale}")
        pending = []
        files = _contract_files(dry_run=True)
        out.write(f"  contract files: {files.files} stored, {files.rewritten} on older keys")
        if files.rewritten:
            pending.append(f"{files.rewritten} contract files need `microloan keys rotate`")
        if status.values_to_rotate:
            pending.append(f"{status.values_to_rotate} values need `microloan keys rotate`")
        if status.indexes_to_rebuild:
            pending.append(f"{status.indexes_to_rebuild} indexes need `microloan keys reindex`")
        if not pending:
            out.write(command.style.SUCCESS("Everything is on the current keys."))
            return
        for line in pending:
            out.write(command.style.WARNING(line))
        if options["check"]:
            raise CommandError("keys are not current", returncode=1)


class Rotate(KeysSubcommand):
    name = "rotate"
    help = "Re-encrypt every encrypted value under the newest key (idempotent, resumable)."

    def add_arguments(self, parser) -> None:
        _chunk_size_argument(parser)

    def run(self, command: BaseCommand, options: dict) -> None:
        report = rotate_encryption_keys(chunk_size=_checked_chunk_size(options))
        _write_report(command, report, "values re-encrypted")
        files = _contract_files(dry_run=False)
        command.stdout.write(
            f"  contract files: {files.files} stored, {files.rewritten} re-encrypted"
        )


class Reindex(KeysSubcommand):
    name = "reindex"
    help = "Rebuild blind indexes made with another index key (idempotent, resumable)."

    def add_arguments(self, parser) -> None:
        _chunk_size_argument(parser)

    def run(self, command: BaseCommand, options: dict) -> None:
        report = reindex_blind_indexes(chunk_size=_checked_chunk_size(options))
        _write_report(command, report, "indexes rebuilt")


class Init(KeysSubcommand):
    name = "init"
    help = "Development: create the contract-sealing CA and platform certificate (var/keys/)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="replace existing keys")

    def run(self, command: BaseCommand, options: dict) -> None:
        result = init_signing_keys(force=options["force"])
        command.stdout.write(command.style.SUCCESS(f"Contract signing keys: {result}"))


SUBCOMMANDS: list[KeysSubcommand] = [Status(), Rotate(), Reindex(), Init()]


class Command(BaseCommand):
    help = "Key maintenance: field encryption status, rotate, reindex; signing keys init."

    def add_arguments(self, parser):
        subparsers = parser.add_subparsers(dest="subcommand", required=True)
        for subcommand in SUBCOMMANDS:
            subcommand.add_arguments(subparsers.add_parser(subcommand.name, help=subcommand.help))

    def handle(self, *args, subcommand: str, **options):
        chosen = next(s for s in SUBCOMMANDS if s.name == subcommand)
        chosen.run(self, options)
