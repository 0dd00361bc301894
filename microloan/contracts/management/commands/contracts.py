"""``microloan contracts keys-init`` and ``microloan contracts verify FILE``."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from microloan.contracts.services.verification import verify_file
from microloan.contracts.signing import init_signing_keys, key_paths, verify_pdf


class Command(BaseCommand):
    help = "Contract signing keys and PDF verification."

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True)
        init = subcommands.add_parser(
            "keys-init",
            help="Create a development CA and platform signing certificate (var/keys/contracts/).",
        )
        init.add_argument("--dir", default=None, help="Directory for the key files.")
        init.add_argument("--force", action="store_true", help="Replace existing keys.")
        verify = subcommands.add_parser(
            "verify", help="Verify a sealed contract PDF against the platform CA; exit 1 if not."
        )
        verify.add_argument("file")
        verify.add_argument(
            "--signature-only",
            action="store_true",
            help="Check only the seal, not that the file is a recorded contract's sealed PDF.",
        )

    def handle(self, *args, subcommand, **options):
        if subcommand == "keys-init":
            paths = key_paths()
            if paths.configured and not options["dir"]:
                raise CommandError(
                    "CONTRACT_SIGNING_* settings point at configured keys; "
                    "pass --dir to create development keys elsewhere"
                )
            directory = init_signing_keys(options["dir"], force=options["force"])
            self.stdout.write(self.style.SUCCESS(f"Contract signing keys in {directory}"))
            return
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        data = path.read_bytes()
        if options["signature_only"]:
            seal = verify_pdf(data)
            problems, contract_id = seal.problems, ""
        else:
            try:
                result = verify_file(data)
            except DatabaseError as error:
                raise CommandError(
                    f"contract records unavailable ({error}); use --signature-only", returncode=2
                ) from error
            seal, problems, contract_id = result.seal, result.problems, result.contract_id
        if not problems and seal.ok:
            about = f" contract {contract_id}" if contract_id else ""
            self.stdout.write(
                self.style.SUCCESS(f"OK:{about} sealed by {seal.signer} at {seal.signed_at}")
            )
            return
        raise CommandError(f"verification failed: {', '.join(problems)}", returncode=1)
