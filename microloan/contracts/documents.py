"""From a contract's terms and a template version to a document, and from a document to PDF.

Two steps so each can be tested alone: ``build_document`` fills the template with the figures
(APR, 大写 amount, schedule…) and returns blocks of text and tables; ``to_pdf`` lays the blocks
out with reportlab. Chinese text uses reportlab's built-in CID font STSong-Light (Adobe's
Asian font pack names it; viewers supply the glyphs), so no font file is shipped or embedded.
Rendering is deterministic (``invariant``): the same inputs give the same bytes.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.template import Context, Engine, TemplateSyntaxError
from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from microloan.customers.validation import CONSENT_PURPOSE_CHOICES
from microloan.kernel.money import format_yuan

from .capitals import amount_in_capitals

FONT = "STSong-Light"
MARKERS = ("parties", "key_terms", "schedule", "consents", "signatures")
_MARKER = re.compile(r"^\[\[(\w+)\]\]$")
_FORBIDDEN_TAGS = re.compile(r"{%\s*(load|include|extends|ssi|debug|templatetag)\b")
# A private engine: no loaders, no app template tags, so a template body cannot read files.
_ENGINE = Engine(
    loaders=[],
    builtins=["django.template.defaulttags", "django.template.defaultfilters"],
    libraries={},
    autoescape=True,
)

pdfmetrics.registerFont(UnicodeCIDFont(FONT))


@dataclass(frozen=True)
class Party:
    """Who the contract binds. The borrower's full name and the ID number masked except its
    last 4 (see services.borrower_party for why)."""

    lender_name: str
    borrower_name: str
    borrower_id_number: str
    customer_id: str


@dataclass
class Block:
    kind: str  # heading | text | table
    text: str = ""
    rows: list[list[str]] = field(default_factory=list)
    header: bool = False
    emphasis_row: int | None = None

    def plain(self) -> str:
        if self.kind == "table":
            return "\n".join(" | ".join(row) for row in self.rows)
        return self.text


@dataclass
class Document:
    title: str
    contract_id: str
    language: str
    blocks: list[Block]

    def plain_text(self) -> str:
        return "\n".join([self.title, *(block.plain() for block in self.blocks)])


def percent(rate: Decimal | str, *, places: int = 2) -> str:
    """``"0.1825"`` → ``"18.25%"``; a daily rate keeps what digits it has (``0.00035`` →
    ``"0.035%"``), never fewer than ``places``."""
    value = (Decimal(rate) * 100).normalize()
    exponent = -value.as_tuple().exponent if value.as_tuple().exponent < 0 else 0
    return f"{value:.{max(places, exponent)}f}%"


def _yuan(fen: int) -> str:
    return format_yuan(fen, symbol="")


def _method_label(method: str) -> str:
    labels = {
        "equal_instalment": _("equal instalments of principal and interest"),
        "equal_principal": _("equal principal"),
        "interest_first": _("interest first, principal at maturity"),
        "bullet": _("principal and interest at maturity"),
    }
    return str(labels.get(method, method))


def _prepayment_texts(terms: dict[str, Any]) -> tuple[str, str]:
    fee_type, value = terms.get("prepayment_fee_type", "none"), terms.get("prepayment_fee_value")
    if fee_type == "flat" and value:
        fee = _("A prepayment fee of CNY %(amount)s applies to each prepayment.") % {
            "amount": _yuan(int(Decimal(value)))
        }
    elif fee_type == "percent" and value:
        fee = _("A prepayment fee of %(rate)s of the principal prepaid applies.") % {
            "rate": percent(value)
        }
    else:
        fee = _("No prepayment fee is charged.")
    if terms.get("prepayment_mode") == "shorten_term":
        mode = _("the instalment stays the same and the term is shortened")
    else:
        mode = _("the term stays the same and the instalments are lowered")
    return fee, mode


def _penalty_daily_rate(terms: dict[str, Any], multiplier: Decimal) -> Decimal:
    """The daily penalty rate end of day charges: the loan's own (``penalty_daily_rate``, from
    its ``penalty_rate_e8``), or daily rate × multiplier for terms stored before it was kept."""
    if terms.get("penalty_daily_rate"):
        return Decimal(terms["penalty_daily_rate"])
    return Decimal(terms["daily_rate"]) * multiplier


def _ordinal(number: int) -> str:
    """``2`` → ``"2nd"`` (English prose; the Chinese text writes 第N天)."""
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


def template_context(terms: dict[str, Any], party: Party, contract_id: str) -> dict[str, Any]:
    """The variables a template body may use (all strings, already formatted)."""
    fee_text, mode_text = _prepayment_texts(terms)
    multiplier = Decimal(terms.get("penalty_multiplier", "1.5"))
    grace_days = int(terms.get("grace_days", 1))
    context = {
        "contract_id": contract_id,
        "line_id": terms.get("line_id", ""),
        "loan_id": terms.get("loan_id", ""),
        "lender_name": party.lender_name,
        "borrower_name": party.borrower_name,
        "borrower_id_number": party.borrower_id_number,
        "customer_id": party.customer_id,
        "daily_rate_percent": percent(terms["daily_rate"]),
        "apr_percent": percent(terms["apr"]),
        "day_count": terms.get("day_count", 360),
        "penalty_multiplier": str(multiplier.normalize()),
        "penalty_daily_rate_percent": percent(_penalty_daily_rate(terms, multiplier)),
        "penalty_surcharge_percent": percent(multiplier - 1, places=0),
        "grace_days": grace_days,
        "penalty_first_day": grace_days + 1,
        "penalty_first_day_ordinal": _ordinal(grace_days + 1),
        "prepayment_fee_text": fee_text,
        "prepayment_mode_text": mode_text,
        "business_date": terms.get("business_date", ""),
    }
    if "amount" in terms:
        schedule = terms.get("schedule", [])
        context.update(
            amount_yuan=_yuan(terms["amount"]),
            amount_capital=amount_in_capitals(terms["amount"]),
            term_months=terms["term_months"],
            method_label=_method_label(terms["method"]),
            start_date=terms.get("start_date", ""),
            first_due_date=schedule[0]["due_date"] if schedule else "",
            maturity_date=schedule[-1]["due_date"] if schedule else "",
            total_interest_yuan=_yuan(sum(row["interest"] for row in schedule)),
            total_repayment_yuan=_yuan(sum(row["principal"] + row["interest"] for row in schedule)),
        )
    if "limit" in terms:
        context.update(
            limit_yuan=_yuan(terms["limit"]),
            limit_capital=amount_in_capitals(terms["limit"]),
            opened_on=terms.get("opened_on", ""),
            expires_on=terms.get("expires_on", ""),
            allowed_terms="/".join(str(t) for t in terms.get("allowed_terms", [])),
            allowed_methods=", ".join(_method_label(m) for m in terms.get("allowed_methods", [])),
        )
    return context


def check_template_body(body: str) -> str | None:
    """Why ``body`` cannot be a template (a message), or None if it can."""
    if _FORBIDDEN_TAGS.search(body):
        return _("Templates may only use variables and simple tags, not load or include.")
    try:
        _ENGINE.from_string(body)
    except TemplateSyntaxError as error:
        return _("Template syntax error: %(error)s") % {"error": error}
    unknown = [
        name
        for paragraph in body.split("\n\n")
        if (match := _MARKER.match(paragraph.strip())) and (name := match.group(1)) not in MARKERS
    ]
    if unknown:
        return _("Unknown table marker: %(names)s") % {"names": ", ".join(unknown)}
    return None


def _key_terms_rows(terms: dict[str, Any], context: dict[str, Any]) -> list[list[str]]:
    # The APR leads, above the daily rate: regulation wants it the more prominent figure.
    rows = [[_("Annual percentage rate (APR, IRR method)"), context["apr_percent"]]]
    rows.append([_("Daily interest rate"), context["daily_rate_percent"]])
    if "amount" in terms:
        rows += [
            [_("Loan amount (CNY)"), f"{context['amount_yuan']}  {context['amount_capital']}"],
            [_("Term"), _("%(months)s months") % {"months": context["term_months"]}],
            [_("Repayment method"), context["method_label"]],
            [_("Total interest (CNY)"), context["total_interest_yuan"]],
        ]
    else:
        rows += [
            [_("Credit limit (CNY)"), f"{context['limit_yuan']}  {context['limit_capital']}"],
            [_("Valid until"), context["expires_on"]],
        ]
    return rows


def _table_block(name: str, terms: dict, context: dict, party: Party) -> Block:
    if name == "parties":
        return Block(
            "table",
            rows=[
                [_("Lender"), party.lender_name],
                [_("Borrower"), party.borrower_name],
                [_("Resident ID number"), party.borrower_id_number],
                [_("Customer number"), party.customer_id],
            ],
        )
    if name == "key_terms":
        return Block("table", rows=_key_terms_rows(terms, context), emphasis_row=0)
    if name == "schedule":
        header = [_("No."), _("Due date"), _("Principal"), _("Interest"), _("Total"), _("Balance")]
        rows = [
            [
                str(row["number"]),
                row["due_date"],
                _yuan(row["principal"]),
                _yuan(row["interest"]),
                _yuan(row["principal"] + row["interest"]),
                _yuan(row["balance_after"]),
            ]
            for row in terms.get("schedule", [])
        ]
        return Block("table", rows=[header, *rows], header=True)
    if name == "consents":
        consents = terms.get("consents", [])
        if not consents:
            return Block("text", text=_("(no consents recorded)"))
        header = [_("Purpose"), _("Text version"), _("Given at")]
        labels = dict(CONSENT_PURPOSE_CHOICES)
        rows = [
            [str(labels.get(c["purpose"], c["purpose"])), c["text_version"], c["granted_at"]]
            for c in consents
        ]
        return Block("table", rows=[header, *rows], header=True)
    return Block(
        "table",
        rows=[
            [_("Lender (seal)"), _("Borrower (electronic signature)")],
            [party.lender_name, party.borrower_name],
        ],
        header=True,
    )


def build_document(
    *, title: str, body: str, language: str, terms: dict, party: Party, contract_id: str
) -> Document:
    """The contract as blocks: the template filled in, markers replaced by tables."""
    with translation.override(language):
        context = template_context(terms, party, contract_id)
        text = _ENGINE.from_string(body).render(Context(context))
        blocks = []
        for paragraph in re.split(r"\n\s*\n", text.strip()):
            paragraph = paragraph.strip()
            if not paragraph:
                continue
            if match := _MARKER.match(paragraph):
                blocks.append(_table_block(match.group(1), terms, context, party))
            elif paragraph.startswith("## "):
                blocks.append(Block("heading", text=paragraph[3:].strip()))
            else:
                blocks.append(Block("text", text=paragraph))
        return Document(title=title, contract_id=contract_id, language=language, blocks=blocks)


def _styles(language: str) -> dict[str, ParagraphStyle]:
    wrap = "CJK" if language == "zh-hans" else None
    base = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=14, wordWrap=wrap)
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=16, leading=22, alignment=1),
        "heading": ParagraphStyle("heading", parent=base, fontSize=11, leading=16, spaceBefore=6),
        "text": ParagraphStyle("text", parent=base, spaceAfter=4),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11),
        "strong": ParagraphStyle("strong", parent=base, fontSize=11, leading=14),
    }


def _escape(text: str) -> str:
    # Template output is HTML-escaped by Django already; table cells come straight from terms.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


SHORT_CELL = 24  # characters a cell holds without wrapping; longer ones become Paragraphs


def _flowable_table(block: Block, styles: dict[str, ParagraphStyle], width: float) -> Table:
    # Short cells (numbers, dates, labels) are plain strings: a Paragraph per cell with CJK
    # line breaking costs most of the rendering time of a long schedule.
    def cell(text: str, row: int):
        if len(text) <= SHORT_CELL:
            return text
        style = styles["strong"] if row == block.emphasis_row else styles["cell"]
        return Paragraph(_escape(text), style)

    data = [[cell(text, r) for text in row] for r, row in enumerate(block.rows)]
    columns = max(len(row) for row in block.rows)
    col_widths = [width * 0.35, width * 0.65] if columns == 2 else None
    table = Table(data, colWidths=col_widths, repeatRows=1 if block.header else 0)
    commands = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    if block.header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")))
    if block.emphasis_row is not None:
        row = block.emphasis_row
        commands += [
            ("BACKGROUND", (0, row), (-1, row), colors.HexColor("#fff4d6")),
            ("FONTSIZE", (0, row), (-1, row), 11),
        ]
    if columns > 2:
        commands.append(("ALIGN", (2, 1), (-1, -1), "RIGHT"))
    table.setStyle(TableStyle(commands))
    return table


def to_pdf(document: Document) -> bytes:
    """The document as PDF bytes (A4, STSong-Light, page numbers and contract id in the
    footer)."""
    styles = _styles(document.language)
    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=document.title,
        subject=document.contract_id,
        creator="Microloan",
        invariant=1,
    )

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.drawRightString(
            A4[0] - 18 * mm, 9 * mm, f"{document.contract_id}  {canvas.getPageNumber()}"
        )
        canvas.restoreState()

    story: list = [Paragraph(_escape(document.title), styles["title"]), Spacer(1, 4 * mm)]
    for block in document.blocks:
        if block.kind == "table":
            story += [_flowable_table(block, styles, pdf.width), Spacer(1, 3 * mm)]
        else:
            story.append(Paragraph(block.text.replace("\n", "<br/>"), styles[block.kind]))
    pdf.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
