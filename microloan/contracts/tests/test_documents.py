"""Templates filled with a contract's figures, and the PDF they make (no database)."""

import pytest
from django.utils import translation

from microloan.contracts.default_texts import DEFAULT_TEMPLATES
from microloan.contracts.documents import (
    Party,
    build_document,
    check_template_body,
    percent,
    to_pdf,
)
from microloan.contracts.services.rendering import mask_id_number_for_contract
from microloan.contracts.services.templates import SAMPLE_LINE_TERMS

PARTY = Party("示范银行", "张三丰", "**************002X", "cus_demo")
LOAN_TERMS = {
    "kind": "loan",
    "line_id": "line_1",
    "loan_id": "loan_1",
    "amount": 1_234_567,
    "daily_rate": "0.0005",
    "apr": "0.1825",
    "day_count": 360,
    "term_months": 2,
    "method": "equal_principal",
    "start_date": "2026-03-02",
    "penalty_multiplier": "1.5",
    "grace_days": 1,
    "prepayment_fee_type": "none",
    "prepayment_mode": "lower_instalment",
    "schedule": [
        {
            "number": 1,
            "due_date": "2026-04-02",
            "principal": 617_284,
            "interest": 19_136,
            "balance_after": 617_283,
        },
        {
            "number": 2,
            "due_date": "2026-05-02",
            "principal": 617_283,
            "interest": 9_259,
            "balance_after": 0,
        },
    ],
    "consents": [
        {"purpose": "personal_information", "text_version": "2026.1", "granted_at": "2026-03-01"}
    ],
}


def _document(kind="loan", language="zh-hans", terms=LOAN_TERMS):
    title, body = DEFAULT_TEMPLATES[(kind, language)]
    return build_document(
        title=title, body=body, language=language, terms=terms, party=PARTY, contract_id="ctr_1"
    )


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_loan_contract_states_apr_amount_in_capitals_and_the_whole_schedule(language):
    text = _document(language=language).plain_text()
    assert "18.25%" in text
    assert "0.05%" in text  # daily rate
    assert "0.075%" in text  # penalty: 1.5 × the daily rate
    assert "12,345.67" in text
    assert "壹万贰仟叁佰肆拾伍元陆角柒分" in text
    for row in ("1 | 2026-04-02 | 6,172.84 | 191.36 | 6,364.20 | 6,172.83", "2 | 2026-05-02"):
        assert row in text
    assert "283.95" in text  # total interest 191.36 + 92.59
    assert "张三丰" in text and "**************002X" in text and "示范银行" in text
    if language == "en":
        assert "Processing of personal information" in text
    assert "personal_information" not in text  # the purpose's label, not its code


def test_the_apr_row_leads_the_key_terms_and_is_emphasised():
    key_terms = next(b for b in _document().blocks if b.emphasis_row == 0)
    assert key_terms.rows[0][1] == "18.25%"
    assert key_terms.rows[1][1] == "0.05%"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_line_agreement_states_limit_in_capitals_and_max_apr(language):
    text = _document("line_agreement", language, SAMPLE_LINE_TERMS).plain_text()
    assert "20,000.00" in text and "贰万元整" in text and "18.25%" in text
    assert "5/10/20" in text


def test_pdf_is_a_pdf_and_rendering_is_deterministic():
    first = to_pdf(_document())
    assert first.startswith(b"%PDF-")
    assert b"STSong-Light" in first  # the built-in CID font, not an embedded file
    assert to_pdf(_document()) == first
    assert to_pdf(_document(language="en")) != first


def test_variables_are_escaped_for_the_pdf_markup():
    party = Party("A & B <Bank>", "O'Brien", "****1234", "cus_x")
    title, body = DEFAULT_TEMPLATES[("loan", "en")]
    document = build_document(
        title=title, body=body, language="en", terms=LOAN_TERMS, party=party, contract_id="c"
    )
    assert to_pdf(document).startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("{% include 'x.html' %}", "load or include"),
        ("{% load static %}", "load or include"),
        ("{% if %}", "syntax"),
        ("text\n\n[[nonsense]]\n", "nonsense"),
    ],
)
def test_template_bodies_that_are_refused(body, fragment):
    with translation.override("en"):
        assert fragment in str(check_template_body(body))


def test_a_plain_body_is_accepted():
    assert check_template_body("{{ apr_percent }}\n\n[[schedule]]") is None


@pytest.mark.parametrize(
    ("rate", "shown"), [("0.1825", "18.25%"), ("0.0005", "0.05%"), ("0.00035", "0.035%")]
)
def test_percent(rate, shown):
    assert percent(rate) == shown


@pytest.mark.parametrize(
    ("id_number", "masked"),
    [
        ("11010519491231002X", "**************002X"),
        ("1101 0519 4912 3100 2X", "**************002X"),
    ],
)
def test_the_pdf_masks_the_id_number_except_its_last_four(id_number, masked):
    assert mask_id_number_for_contract(id_number) == masked
