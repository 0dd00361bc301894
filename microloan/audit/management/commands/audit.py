"""``microloan audit verify``: recompute the audit hash chain and report the first break."""

from django.core.management.base import BaseCommand, CommandError

from microloan.audit.services import VERIFY_CHUNK_SIZE, verify_audit_chain


class Command(BaseCommand):
    help = "Audit trail tools."

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True)
        verify = subcommands.add_parser(
            "verify", help="Recompute every record's hash in order; exit 1 at the first break."
        )
        verify.add_argument("--chunk-size", type=int, default=VERIFY_CHUNK_SIZE)

    def handle(self, *args, subcommand, **options):
        if subcommand == "verify":
            self.verify(options["chunk_size"])

    def verify(self, chunk_size: int) -> None:
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1")
        result = verify_audit_chain(chunk_size=chunk_size)
        if result.ok:
            self.stdout.write(self.style.SUCCESS(f"OK: {result.verified} audit records verified."))
            return
        broken = result.first_broken
        self.stderr.write(
            f"BROKEN at record seq={broken.seq} object={broken.object_type}:{broken.object_id}\n"
            f"  problem: {broken.problem} ({broken.detail})\n"
            f"  expected hash: {broken.expected_hash}\n"
            f"  stored hash:   {broken.stored_hash}\n"
            f"  {result.verified} records verified before the break."
        )
        raise CommandError("audit chain verification failed", returncode=1)
