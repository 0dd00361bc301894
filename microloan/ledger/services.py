"""Posting to the general ledger, and reversing.

- ``post_entry``: one automatic entry for a business event (disbursement, repayment…). It
  checks no permission and writes no audit row of its own: it runs inside the calling business
  action, which checks the caller's permission and audits the action (a repayment's audit row
  names the loan and the amount). Auditing every automatic posting again would double the trail
  and put EOD's thousands of postings through the audit chain's single lock.
- ``post_entries_bulk``: many entries at once (end of day), set-based.
- ``post_manual_entry`` / ``reverse_entry``: a person's correction, permission-checked
  (``ledger.post_manual_entry``) and audited.

Idempotency: an entry may carry a ``source_ref`` (unique). Posting again with the same
reference returns the entry already posted, provided it is the same posting (type, date and
lines); a different posting under a used reference is refused (409 ``source_ref_conflict``),
because returning the old entry would leave the caller's records and the ledger apart.

Reads (trial balance, statements, balances) live in ``reports`` and are re-exported here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microloan.audit.services import record_audit
from microloan.kernel.actors import Actor
from microloan.kernel.errors import Conflict, NotFound, ValidationFailed
from microloan.kernel.money import to_yuan_str
from microloan.kernel.services import get_business_date

from . import accounts as gl
from .domain import (
    DESCRIPTION_MAX_LENGTH,
    EntryDraft,
    EntryType,
    LineDraft,
    posting_signature,
    reversal_lines,
    validate_entry,
)
from .models import Account, JournalEntry, JournalLine, new_entry_id
from .reports import (
    AccountStatement,
    EntryPage,
    StatementLine,
    TrialBalance,
    TrialBalanceRow,
    account_balances,
    account_statement,
    get_entry,
    gl_balances_by_loan,
    gl_balances_by_product,
    list_accounts,
    list_entries,
    trial_balance,
)

__all__ = [
    "PERM_POST_MANUAL",
    "PERM_VIEW",
    "AccountStatement",
    "EntryPage",
    "StatementLine",
    "TrialBalance",
    "TrialBalanceRow",
    "account_balances",
    "account_statement",
    "get_entry",
    "gl_balances_by_loan",
    "gl_balances_by_product",
    "list_accounts",
    "list_entries",
    "post_entries_bulk",
    "post_entry",
    "post_manual_entry",
    "reverse_entry",
    "trial_balance",
]

PERM_POST_MANUAL = "ledger.post_manual_entry"
PERM_VIEW = "ledger.view_journalentry"
ENTRY_COLUMNS = (
    "public_id",
    "business_date",
    "entry_type",
    "description",
    "product_code",
    "loan_id",
    "source_ref",
    "created_at",
    "created_by",
)
LINE_COLUMNS = (
    "entry_id",
    "account_code",
    "debit",
    "credit",
    "business_date",
    "loan_id",
    "product_code",
)
_REF_CHUNK = 500  # source refs per IN (...) look-up


def _known_accounts() -> set[str]:
    return set(Account.objects.values_list("code", flat=True))


def _posted_signatures(refs: Sequence[str]) -> dict[str, tuple]:
    """The signature of every entry already posted under one of ``refs``."""
    found: dict[str, tuple] = {}
    for start in range(0, len(refs), _REF_CHUNK):
        chunk = refs[start : start + _REF_CHUNK]
        headers = dict(
            (ref, (kind, day))
            for ref, kind, day in JournalEntry.objects.filter(source_ref__in=chunk).values_list(
                "source_ref", "entry_type", "business_date"
            )
        )
        if not headers:
            continue
        lines: dict[str, list[tuple]] = {ref: [] for ref in headers}
        for ref, *line in JournalLine.objects.filter(
            entry__source_ref__in=list(headers)
        ).values_list(
            "entry__source_ref", "account_id", "debit", "credit", "loan_id", "product_code"
        ):
            lines[ref].append(tuple(line))
        for ref, (kind, day) in headers.items():
            found[ref] = posting_signature(kind, day, lines[ref])
    return found


def _source_ref_conflict(source_ref: str, *, field: str = "source_ref") -> Conflict:
    return Conflict(
        _("A different posting was already made under this source reference."),
        code="source_ref_conflict",
        fields={field: source_ref[:200]},
    )


def _already_posted(draft: EntryDraft) -> JournalEntry | None:
    """The entry posted earlier under the draft's ``source_ref``, if it is the same posting."""
    if draft.source_ref is None:
        return None
    existing = JournalEntry.objects.filter(source_ref=draft.source_ref).first()
    if existing is None:
        return None
    if _posted_signatures([draft.source_ref])[draft.source_ref] != draft.signature():
        raise _source_ref_conflict(draft.source_ref)
    return existing


def _new_entry(actor: Actor, draft: EntryDraft, reverses: JournalEntry | None) -> JournalEntry:
    return JournalEntry(
        public_id=new_entry_id(),
        business_date=draft.business_date,
        entry_type=draft.entry_type,
        description=draft.description or "",
        product_code=draft.product_code,
        loan_id=draft.loan_id,
        source_ref=draft.source_ref,
        reverses=reverses,
        created_by=actor.label[:160],
    )


def _new_lines(entry: JournalEntry, draft: EntryDraft) -> list[JournalLine]:
    return [
        JournalLine(
            entry_id=entry.pk,
            account_id=line.account,
            debit=line.debit,
            credit=line.credit,
            business_date=draft.business_date,
            loan_id=line.loan_id,
            product_code=line.product_code,
        )
        for line in draft.lines
    ]


def _insert_one(actor: Actor, draft: EntryDraft, reverses: JournalEntry | None) -> JournalEntry:
    """Insert a validated draft in a savepoint, so a lost race on a unique column (source_ref,
    reverses) leaves the caller's transaction usable."""
    with transaction.atomic():
        entry = _new_entry(actor, draft, reverses)
        entry.save()
        JournalLine.objects.bulk_create(_new_lines(entry, draft))
    return entry


def _post(actor: Actor, draft: EntryDraft) -> tuple[JournalEntry, bool]:
    """(entry, created): insert a validated draft, or find it already posted."""
    with transaction.atomic():
        existing = _already_posted(draft)
        if existing is not None:
            return existing, False
        try:
            entry = _insert_one(actor, draft, None)
        except IntegrityError:
            # A concurrent posting with the same source_ref committed first.
            existing = _already_posted(draft)
            if existing is None:
                raise
            return existing, False
    return entry, True


def _refuse_reserved_type(entry_type: str, *, field: str = "entry_type") -> None:
    if entry_type in EntryType.RESERVED:
        raise ValidationFailed(
            _("Manual entries and reversals have their own services."),
            code="reserved_entry_type",
            fields={field: _("Not allowed here.")},
        )


def post_entry(
    *,
    actor: Actor,
    entry_type: str,
    business_date: dt.date,
    lines: Sequence[LineDraft | Mapping[str, Any]],
    description: str = "",
    loan_id: str | None = None,
    product_code: str | None = None,
    source_ref: str | None = None,
) -> JournalEntry:
    """Post one balanced entry for a business event, or return the one already posted under
    ``source_ref``. Lines are ``LineDraft``s or mappings ``{"account", "debit", "credit"}``
    (fen); a line without its own ``loan_id``/``product_code`` takes the entry's.

    Raises ``ValidationFailed`` (unbalanced_entry, zero_line, unknown_account, …) and
    ``Conflict`` (source_ref_conflict). Audited by the caller's business action, not here.
    """
    _refuse_reserved_type(entry_type)
    draft = EntryDraft.of(
        entry_type=entry_type,
        business_date=business_date,
        lines=lines,
        description=description,
        loan_id=loan_id,
        product_code=product_code,
        source_ref=source_ref,
    )
    validate_entry(draft, known_accounts=_known_accounts())
    entry, _created = _post(actor, draft)
    return entry


def post_entries_bulk(*, actor: Actor, drafts: Sequence[EntryDraft]) -> int:
    """Post many entries in one transaction with a few set-based inserts; returns how many
    were posted. Every draft is validated first (errors name ``drafts.<i>.…``) and nothing is
    posted if one is invalid. Drafts whose ``source_ref`` is already posted (or repeated in
    ``drafts``) are skipped when they are the same posting, refused when they differ.
    Audited by the calling batch run, not here.
    """
    known = _known_accounts()
    for index, draft in enumerate(drafts):
        _refuse_reserved_type(draft.entry_type, field=f"drafts.{index}.entry_type")
        validate_entry(draft, known_accounts=known, field_prefix=f"drafts.{index}.")
    with transaction.atomic():
        refs = list(dict.fromkeys(d.source_ref for d in drafts if d.source_ref is not None))
        seen = _posted_signatures(refs)
        fresh: list[EntryDraft] = []
        for index, draft in enumerate(drafts):
            if draft.source_ref is not None:
                signature = draft.signature()
                if draft.source_ref in seen:
                    if seen[draft.source_ref] != signature:
                        raise _source_ref_conflict(
                            draft.source_ref, field=f"drafts.{index}.source_ref"
                        )
                    continue
                seen[draft.source_ref] = signature
            fresh.append(draft)
        _insert_entries(actor, fresh)
    return len(fresh)


def _insert_rows(model, columns: Sequence[str], rows: list[tuple]) -> None:
    """Insert ``rows`` the fastest way the database offers: ``COPY … FROM STDIN`` on
    PostgreSQL, one prepared INSERT run over every row (executemany) on SQLite. bulk_create
    builds the same statements but spends most of its time preparing each value through the
    model fields; database constraints are checked either way."""
    if not rows:
        return
    ops = connection.ops
    table = ops.quote_name(model._meta.db_table)
    names = ", ".join(ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)


def _insert_entries(actor: Actor, drafts: list[EntryDraft]) -> None:
    """Insert validated drafts: the entries, their new keys read back, then the lines."""
    ops = connection.ops
    created_at = ops.adapt_datetimefield_value(timezone.now())
    created_by = actor.label[:160]
    public_ids = [new_entry_id() for _draft in drafts]
    days = {d.business_date: ops.adapt_datefield_value(d.business_date) for d in drafts}
    _insert_rows(
        JournalEntry,
        ENTRY_COLUMNS,
        [
            (
                public_id,
                days[d.business_date],
                d.entry_type,
                d.description or "",
                d.product_code,
                d.loan_id,
                d.source_ref,
                created_at,
                created_by,
            )
            for public_id, d in zip(public_ids, drafts, strict=True)
        ],
    )
    keys: dict[str, int] = {}
    for start in range(0, len(public_ids), _REF_CHUNK):
        chunk = public_ids[start : start + _REF_CHUNK]
        keys.update(JournalEntry.objects.filter(public_id__in=chunk).values_list("public_id", "id"))
    _insert_rows(
        JournalLine,
        LINE_COLUMNS,
        [
            (
                keys[public_id],
                line.account,
                line.debit,
                line.credit,
                days[d.business_date],
                line.loan_id,
                line.product_code,
            )
            for public_id, d in zip(public_ids, drafts, strict=True)
            for line in d.lines
        ],
    )


def _refuse_future_date(business_date: dt.date) -> None:
    if not isinstance(business_date, dt.date) or isinstance(business_date, dt.datetime):
        raise ValidationFailed(fields={"business_date": _("Must be a date (YYYY-MM-DD).")})
    today = get_business_date()
    if business_date > today:
        raise ValidationFailed(
            code="future_business_date",
            fields={
                "business_date": _("Must not be after the business date %(today)s.")
                % {"today": today.isoformat()}
            },
        )


def _audit_lines(lines: Iterable[LineDraft]) -> list[dict]:
    return [
        {
            "account": line.account,
            "debit": to_yuan_str(line.debit),
            "credit": to_yuan_str(line.credit),
            "loan_id": line.loan_id,
            "product_code": line.product_code,
        }
        for line in lines
    ]


def post_manual_entry(
    *,
    actor: Actor,
    business_date: dt.date,
    lines: Sequence[LineDraft | Mapping[str, Any]],
    description: str,
    loan_id: str | None = None,
    product_code: str | None = None,
    source_ref: str | None = None,
) -> JournalEntry:
    """A person's journal entry (type ``manual``): needs ``ledger.post_manual_entry``, a
    description, a business date not after today's, and is audited
    (``ledger.manual_entry_posted``)."""
    actor.require(PERM_POST_MANUAL)
    draft = EntryDraft.of(
        entry_type=EntryType.MANUAL,
        business_date=business_date,
        lines=lines,
        description=description,
        loan_id=loan_id,
        product_code=product_code,
        source_ref=source_ref,
    )
    validate_entry(draft, known_accounts=_known_accounts())
    for index, line in enumerate(draft.lines):
        if line.account in gl.LOAN_SUBLEDGER_ACCOUNTS:
            raise ValidationFailed(
                _("Account %(code)s is kept loan by loan in lending; post there instead.")
                % {"code": line.account},
                code="account_owned_by_subledger",
                fields={f"lines.{index}.account": "lending"},
            )
    with transaction.atomic():
        _refuse_future_date(business_date)
        entry, created = _post(actor, draft)
        if created:
            record_audit(
                actor=actor,
                action="ledger.manual_entry_posted",
                object_type="journal_entry",
                object_id=entry.public_id,
                after={
                    "business_date": business_date.isoformat(),
                    "description": draft.description,
                    "loan_id": loan_id,
                    "product_code": product_code,
                    "lines": _audit_lines(draft.lines),
                },
            )
    return entry


def reverse_entry(
    *, actor: Actor, entry_id: str, business_date: dt.date, reason: str
) -> JournalEntry:
    """Post the reversal of entry ``entry_id`` (same lines, sides swapped) on ``business_date``.

    Needs ``ledger.post_manual_entry``; audited (``ledger.entry_reversed``). Refused: an entry
    already reversed (409 ``already_reversed``), a reversal itself (409
    ``cannot_reverse_reversal``: post a new entry instead), an entry a sub-ledger owns (409
    ``entry_owned_by_subledger`` naming the owner: only its services reverse it, together with
    the loan), a date before the original's or after today's business date. Only manual
    entries are reversed here.
    """
    actor.require(PERM_POST_MANUAL)
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationFailed(fields={"reason": _("Must not be empty.")})
    if len(reason) > DESCRIPTION_MAX_LENGTH:
        raise ValidationFailed(
            fields={"reason": _("At most %(n)s characters.") % {"n": DESCRIPTION_MAX_LENGTH}}
        )
    with transaction.atomic():
        _refuse_future_date(business_date)
        original = (
            JournalEntry.objects.select_for_update()
            .filter(public_id=entry_id if isinstance(entry_id, str) else "")
            .first()
        )
        if original is None:
            raise NotFound(_("No such journal entry."), code="entry_not_found")
        if original.entry_type == EntryType.REVERSAL:
            raise Conflict(
                _("A reversal cannot be reversed; post a new entry instead."),
                code="cannot_reverse_reversal",
            )
        owner = EntryType.owner(original.entry_type)
        if owner is not None:
            raise Conflict(
                _(
                    "This entry belongs to the %(owner)s sub-ledger; it is corrected only "
                    "through %(owner)s, which changes the loan as well."
                )
                % {"owner": owner},
                code="entry_owned_by_subledger",
                fields={"entry_id": original.public_id, "owner": owner},
            )
        if JournalEntry.objects.filter(reverses=original).exists():
            raise Conflict(_("This entry has already been reversed."), code="already_reversed")
        if business_date < original.business_date:
            raise ValidationFailed(
                code="reversal_before_original",
                fields={
                    "business_date": _("Must not be before the entry's date %(date)s.")
                    % {"date": original.business_date.isoformat()}
                },
            )
        draft = EntryDraft(
            entry_type=EntryType.REVERSAL,
            business_date=business_date,
            lines=reversal_lines(
                LineDraft(ln.account_id, ln.debit, ln.credit, ln.loan_id, ln.product_code)
                for ln in original.lines.order_by("id")
            ),
            description=f"Reversal of {original.public_id}: {reason}"[:DESCRIPTION_MAX_LENGTH],
            loan_id=original.loan_id,
            product_code=original.product_code,
            source_ref=f"reversal:{original.public_id}",
        )
        try:
            entry = _insert_one(actor, draft, original)
        except IntegrityError as exc:  # a concurrent reversal of the same entry won
            raise Conflict(
                _("This entry has already been reversed."), code="already_reversed"
            ) from exc
        record_audit(
            actor=actor,
            action="ledger.entry_reversed",
            object_type="journal_entry",
            object_id=original.public_id,
            after={
                "reversal": entry.public_id,
                "business_date": business_date.isoformat(),
                "reason": reason,
            },
        )
    return entry
