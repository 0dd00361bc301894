"""``microloan audit verify`` and ``microloan audit anchor``.

verify: recompute the hash chain, check every record's MAC and the chain against the signed
anchors outside the database; report the first break and exit 1.
anchor: sign the chain head and append it to the anchor file (end of day does this too).
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from microloan.audit.anchors import AnchorFileBroken
from microloan.audit.services import (
    VERIFY_CHUNK_SIZE,
    AnchorRefused,
    anchor_audit_chain,
    anchor_file,
    verify_audit_chain,
)


class Command(BaseCommand):
    help = "Audit trail tools."

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True)
        verify = subcommands.add_parser(
            "verify",
            help="Recompute every record's hash and MAC in order and compare the chain with the"
            " anchors; exit 1 at the first break.",
        )
        verify.add_argument("--chunk-size", type=int, default=VERIFY_CHUNK_SIZE)
        subcommands.add_parser(
            "anchor",
            help="Sign the chain head and append it to the anchor file (AUDIT_ANCHOR_FILE).",
        )

    def handle(self, *args, subcommand, **options):
        if subcommand == "verify":
            self.verify(options["chunk_size"])
        elif subcommand == "anchor":
            self.anchor()

    def anchor(self) -> None:
        try:
            written = anchor_audit_chain()
        except AnchorFileBroken as error:
            raise CommandError(
                _("Not anchored: the anchor file %(path)s was altered: %(error)s")
                % {"path": anchor_file(), "error": error},
                returncode=1,
            ) from error
        except AnchorRefused as refusal:
            self._write_broken(refusal.broken)
            raise CommandError(
                _("Not anchored: the audit chain does not verify."), returncode=1
            ) from refusal
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Anchored record %(seq)d (hash %(hash)s) in %(path)s; %(checked)d new records"
                    " verified."
                )
                % {
                    "seq": written.seq,
                    "hash": written.record_hash,
                    "path": written.path,
                    "checked": written.checked,
                }
            )
        )

    def verify(self, chunk_size: int) -> None:
        if chunk_size < 1:
            raise CommandError(_("--chunk-size must be at least 1"))
        result = verify_audit_chain(chunk_size=chunk_size)
        if result.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "OK: %(verified)d audit records verified (hashes and MACs); %(anchors)d"
                        " anchors checked, the last one at record %(anchored)d."
                    )
                    % {
                        "verified": result.verified,
                        "anchors": result.anchors,
                        "anchored": result.anchored_seq,
                    }
                )
            )
            if result.anchors == 0:
                self.stdout.write(
                    self.style.WARNING(
                        _(
                            "No anchors in %(path)s: records cut off the end cannot be detected"
                            " until the chain is anchored (microloan audit anchor)."
                        )
                        % {"path": anchor_file()}
                    )
                )
            return
        self._write_broken(result.first_broken)
        self.stderr.write(
            _("%(verified)d records verified before the break.") % {"verified": result.verified}
        )
        raise CommandError(_("audit chain verification failed"), returncode=1)

    def _write_broken(self, broken) -> None:
        self.stderr.write(
            _("BROKEN at record seq=%(seq)d object=%(object)s")
            % {
                "seq": broken.seq,
                "object": f"{broken.object_type}:{broken.object_id}",
            }
            + "\n"
            + _("  problem: %(problem)s (%(detail)s)")
            % {"problem": broken.problem, "detail": broken.detail}
            + "\n"
            + _("  expected hash: %(hash)s") % {"hash": broken.expected_hash}
            + "\n"
            + _("  stored hash:   %(hash)s") % {"hash": broken.stored_hash}
        )
