"""Versioned contract texts: list, create a version, activate one.

New contracts use the active version of their kind and language. When none exists (a fresh
database, or a test database just flushed) version 1 is created from ``default_texts``, so a
drawdown never fails for want of a text.
"""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction
from django.db.models import Max, QuerySet
from django.utils.translation import gettext_lazy as _

from microloan.audit.services import record_audit
from microloan.kernel.actors import Actor
from microloan.kernel.errors import NotFound, ValidationFailed
from microloan.kernel.ids import new_public_id

from ..default_texts import DEFAULT_TEMPLATES
from ..documents import Party, build_document, check_template_body, to_pdf
from ..models import TEMPLATE_ID_PREFIX, ContractTemplate, Kind, Language
from .common import ADD_TEMPLATE, CHANGE_TEMPLATE, SYSTEM, VIEW_TEMPLATE

TITLE_MAX_LENGTH = 200
BODY_MAX_LENGTH = 50_000
NOTE_MAX_LENGTH = 500

# Terms to try a new template on before it is stored: a body that renders with these renders
# with any contract's terms (the same keys, other values).
SAMPLE_LOAN_TERMS = {
    "kind": "loan",
    "line_id": "line_sample",
    "loan_id": "loan_sample",
    "amount": 1_000_000,
    "daily_rate": "0.0005",
    "apr": "0.1825",
    "day_count": 360,
    "term_months": 1,
    "method": "equal_instalment",
    "start_date": "2026-01-01",
    "penalty_multiplier": "1.5",
    "grace_days": 1,
    "schedule": [
        {
            "number": 1,
            "due_date": "2026-02-01",
            "principal": 1_000_000,
            "interest": 15_500,
            "balance_after": 0,
        }
    ],
    "consents": [],
}
SAMPLE_LINE_TERMS = {
    "kind": "line_agreement",
    "line_id": "line_sample",
    "limit": 2_000_000,
    "daily_rate": "0.0005",
    "apr": "0.1825",
    "day_count": 360,
    "opened_on": "2026-01-01",
    "expires_on": "2027-01-01",
    "allowed_terms": [5, 10, 20],
    "allowed_methods": ["equal_instalment"],
    "penalty_multiplier": "1.5",
    "grace_days": 1,
    "consents": [],
}
SAMPLE_PARTY = Party("Lender", "张三", "**************1234", "cus_sample")


def _seed_default(kind: str, language: str) -> ContractTemplate:
    title, body = DEFAULT_TEMPLATES[(kind, language)]
    try:
        with transaction.atomic():
            template = ContractTemplate.objects.create(
                public_id=new_public_id(TEMPLATE_ID_PREFIX),
                kind=kind,
                language=language,
                version=1,
                title=title,
                body=body,
                note="default text",
                is_active=True,
                created_by=SYSTEM.label,
            )
            record_audit(
                actor=SYSTEM,
                action="contract_template.seeded",
                object_type="contract_template",
                object_id=template.public_id,
                after={"kind": kind, "language": language, "version": 1},
            )
            return template
    except IntegrityError:  # another request seeded it (or a version 1 exists, inactive)
        return ContractTemplate.objects.filter(kind=kind, language=language).order_by(
            "-is_active", "-version"
        )[0]


# Active templates already loaded by this process: (kind, language, pk, public_id, version) ->
# row. A version never changes once stored (a new text is a new version).
_ACTIVE: dict[tuple, ContractTemplate] = {}
_ACTIVE_MAX = 32


def _active_marker(kind: str, language: str) -> tuple | None:
    """(kind, language, pk, public id, version) of the active version, in one small plain-SQL
    query: asked for every contract, so an activation by any process is used at once."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote('id')}, {quote('public_id')}, {quote('version')}"
            f" FROM {quote(ContractTemplate._meta.db_table)} WHERE {quote('kind')} = %s"
            f" AND {quote('language')} = %s AND {quote('is_active')} = %s",
            [kind, language, True],
        )
        rows = cursor.fetchall()
    return (kind, language, *rows[0]) if len(rows) == 1 else None


def active_template(kind: str, language: str) -> ContractTemplate:
    """The version new contracts of ``kind`` in ``language`` use (kept per process while it
    is the active one: treat it as read-only)."""
    marker = _active_marker(kind, language)
    if marker is not None and marker in _ACTIVE:
        return _ACTIVE[marker]
    found = ContractTemplate.objects.filter(kind=kind, language=language, is_active=True).first()
    if found is None:
        return _seed_default(kind, language)
    if marker == (kind, language, found.pk, found.public_id, found.version):
        if len(_ACTIVE) >= _ACTIVE_MAX:
            _ACTIVE.clear()
        _ACTIVE[marker] = found
    return found


def list_templates(
    *, actor: Actor, kind: str | None = None, language: str | None = None
) -> QuerySet[ContractTemplate]:
    actor.require_staff()
    actor.require(VIEW_TEMPLATE)
    templates = ContractTemplate.objects.all()
    if kind:
        templates = templates.filter(kind=kind)
    if language:
        templates = templates.filter(language=language)
    return templates.order_by("kind", "language", "-version")


def get_template(*, actor: Actor, template_id: str) -> ContractTemplate:
    actor.require_staff()
    actor.require(VIEW_TEMPLATE)
    template = ContractTemplate.objects.filter(public_id=str(template_id)[:60]).first()
    if template is None:
        raise NotFound(_("No such contract template."), code="template_not_found")
    return template


def _text(value, limit: int, *, required: bool) -> tuple[str, str | None]:
    if not isinstance(value, str):
        return "", _("Must be text.")
    value = value.strip()
    if required and not value:
        return value, _("This field is required.")
    if len(value) > limit:
        return value, _("At most %(limit)s characters.") % {"limit": limit}
    return value, None


def _validate(kind, language, title, body, note) -> tuple[str, str, str]:
    problems = {}
    if kind not in Kind.values:
        problems["kind"] = _("Must be one of: %(choices)s.") % {"choices": ", ".join(Kind.values)}
    if language not in Language.values:
        problems["language"] = _("Must be one of: %(choices)s.") % {
            "choices": ", ".join(Language.values)
        }
    title, problems["title"] = _text(title, TITLE_MAX_LENGTH, required=True)
    body, problems["body"] = _text(body, BODY_MAX_LENGTH, required=True)
    note, problems["note"] = _text(note, NOTE_MAX_LENGTH, required=False)
    if not problems["body"]:
        problems["body"] = check_template_body(body)
    if not any(problems.values()) and (problem := _trial_render(kind, language, title, body)):
        problems["body"] = problem
    problems = {name: problem for name, problem in problems.items() if problem}
    if problems:
        raise ValidationFailed(fields=problems)
    return title, body, note


def _trial_render(kind: str, language: str, title: str, body: str) -> str | None:
    terms = SAMPLE_LOAN_TERMS if kind == Kind.LOAN else SAMPLE_LINE_TERMS
    try:
        document = build_document(
            title=title,
            body=body,
            language=language,
            terms=terms,
            party=SAMPLE_PARTY,
            contract_id="ctr_sample",
        )
        to_pdf(document)
    except Exception as error:  # any failure means the text cannot be used
        return _("The template does not render: %(error)s") % {"error": str(error)[:200]}
    return None


def create_template_version(
    *,
    actor: Actor,
    kind: str,
    language: str,
    title: str,
    body: str,
    note: str = "",
    activate: bool = False,
) -> ContractTemplate:
    """A new version (previous number + 1) of the text for ``kind`` and ``language``; it
    replaces the active one only if ``activate`` (else activate it later)."""
    actor.require_staff()
    actor.require(ADD_TEMPLATE)
    if activate:
        actor.require(CHANGE_TEMPLATE)
    title, body, note = _validate(kind, language, title, body, note)
    with transaction.atomic():
        active_template(kind, language)  # version 1 exists before any new one is numbered
        versions = ContractTemplate.objects.select_for_update().filter(kind=kind, language=language)
        latest = versions.aggregate(latest=Max("version"))["latest"] or 0
        template = ContractTemplate.objects.create(
            public_id=new_public_id(TEMPLATE_ID_PREFIX),
            kind=kind,
            language=language,
            version=latest + 1,
            title=title,
            body=body,
            note=note,
            created_by=actor.label,
        )
        record_audit(
            actor=actor,
            action="contract_template.created",
            object_type="contract_template",
            object_id=template.public_id,
            after={"kind": kind, "language": language, "version": template.version},
        )
        if activate:
            _activate(actor, template)
    return template


def _activate(actor: Actor, template: ContractTemplate) -> None:
    previous = ContractTemplate.objects.filter(
        kind=template.kind, language=template.language, is_active=True
    ).exclude(pk=template.pk)
    before = list(previous.values_list("version", flat=True))
    previous.update(is_active=False)
    template.is_active = True
    template.save(update_fields=["is_active"])
    record_audit(
        actor=actor,
        action="contract_template.activated",
        object_type="contract_template",
        object_id=template.public_id,
        before={"active_versions": before},
        after={"active_version": template.version},
    )


def activate_template(*, actor: Actor, template_id: str) -> ContractTemplate:
    """Make this version the one new contracts use (contracts made before keep theirs)."""
    actor.require_staff()
    actor.require(CHANGE_TEMPLATE)
    with transaction.atomic():
        template = get_template(actor=actor, template_id=template_id)
        template = ContractTemplate.objects.select_for_update().get(pk=template.pk)
        if not template.is_active:
            _activate(actor, template)
    return template
