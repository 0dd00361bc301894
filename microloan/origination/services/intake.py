"""Checking what an applicant sends: every field at once, against the formats (the customers
app's checks: ``stdnum`` ID numbers, ``phonenumbers``, Luhn) and against the registered
customer (the ID, name, phone and card given must be the customer's own).

The application carries the applicant's identity again (as a lender's form does: the person
confirms who they are at the moment of applying) and their current declared finances, which
may differ from registration (income changes). Fields it leaves out default to the customer's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from microloan.customers.interface import Applicant, consent_purposes_in_force
from microloan.customers.validation import (
    EDUCATION_CHOICES,
    MARITAL_STATUS_CHOICES,
    FieldInvalid,
    Problem,
    ResidentId,
    check_card_number,
    check_channel,
    check_choice,
    check_device_id,
    check_id_number,
    check_monthly_income,
    check_name,
    check_phone,
    check_text,
    check_years_employed,
    normalise_card,
    validate_consents,
)
from microloan.kernel.errors import ValidationFailed
from microloan.kernel.money import to_yuan_str
from microloan.products.domain import ProductTerms
from microloan.products.interface import OfferedProduct, offered_product

from ..models import LoanPurpose

# Consents an application needs in force (or given with it): processing the applicant's
# personal information, and querying their credit report (PIPL art. 13; credit reporting).
REQUIRED_CONSENTS = ("personal_information", "credit_report_query")
FACE_TOKEN_MAX_LENGTH = 200
FIELDS = frozenset(
    {
        "product_code", "requested_amount", "purpose", "name", "id_number", "phone",
        "bank_card_number", "monthly_income", "employer", "years_employed", "education",
        "marital_status", "device_id", "channel", "face_token", "consents",
    }
)  # fmt: skip


class ApplicationInvalid(ValidationFailed):
    """Every problem of an application at once; the code is the problems' one code, or
    ``application_invalid`` when there are several kinds."""

    def __init__(self, problems: dict[str, Problem]) -> None:
        self.problems = problems
        codes = {problem.code for problem in problems.values()}
        super().__init__(
            _("Some details of the application are not acceptable."),
            code=codes.pop() if len(codes) == 1 else "application_invalid",
            fields={name: problem.message for name, problem in problems.items()},
        )


@dataclass(frozen=True)
class CleanApplication:
    product: OfferedProduct
    terms: ProductTerms
    requested_amount: int
    purpose: str
    name: str
    id_number: str
    phone: str
    bank_card_number: str
    resident: ResidentId
    declared: dict[str, Any]  # monthly_income_fen, employer, years_employed, education, ...
    device_id: str
    channel: str
    face_token: str
    consents: list[tuple[str, str]]  # given with the application: (purpose, text version)


def _check(problems: dict[str, Problem], name: str, check) -> Any:
    try:
        return check()
    except FieldInvalid as invalid:
        problems[name] = Problem(invalid.code, invalid.message)
        return None


def _required(data: Mapping[str, Any], name: str) -> Any:
    value = data.get(name)
    if value is None or value == "":
        raise FieldInvalid("required", _("This field is required."))
    return value


def _mismatch() -> FieldInvalid:
    return FieldInvalid(
        "applicant_mismatch", _("This does not match the registered customer's details.")
    )


def _product(code: Any) -> tuple[OfferedProduct, ProductTerms]:
    """The product ``code`` on offer (its active version) and its terms."""
    if not isinstance(code, str) or not code.strip():
        raise FieldInvalid("required", _("This field is required."))
    product = offered_product(code.strip()[:16])
    if product is None:
        raise FieldInvalid("product_not_available", _("No product with this code is on offer."))
    return product, product.terms


def _amount(value: Any, terms: ProductTerms | None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldInvalid("invalid_amount", _("Give the amount in yuan, e.g. 5000.00."))
    if terms is not None and not terms.min_drawdown <= value <= terms.max_line_limit:
        raise FieldInvalid(
            "amount_out_of_range",
            _("The limit asked for must be from %(low)s to %(high)s yuan.")
            % {"low": to_yuan_str(terms.min_drawdown), "high": to_yuan_str(terms.max_line_limit)},
        )
    if value <= 0:
        raise FieldInvalid("invalid_amount", _("The amount must be more than zero."))
    return value


def _same_customer_value(given: str, registered: str, normalise) -> str:
    if normalise(given) != normalise(registered):
        raise _mismatch()
    return given


def validate_application(
    data: Mapping[str, Any],
    *,
    customer: Applicant,
    today: dt.date,
    input_problems: Mapping[str, Problem] | None = None,
) -> CleanApplication:
    """The checked application, or ``ApplicationInvalid`` naming every problem.
    ``input_problems``: fields the caller could not read (the API's yuan strings), reported
    with the others; such a field is left out of ``data``."""
    if not isinstance(data, Mapping):
        raise ApplicationInvalid({"body": Problem("invalid_body", _("Must be a JSON object."))})
    problems: dict[str, Problem] = {}
    for name in sorted(set(data) - FIELDS):
        problems[name] = Problem("unknown_field", _("Unknown field."))
    product, terms = _check(
        problems, "product_code", lambda: _product(data.get("product_code"))
    ) or (None, None)
    amount = _check(
        problems,
        "requested_amount",
        lambda: _amount(_required(data, "requested_amount"), terms),
    )
    purpose = _check(
        problems,
        "purpose",
        lambda: check_choice(data.get("purpose", "consumption"), LoanPurpose.choices),
    )
    name = _check(
        problems,
        "name",
        lambda: _same_customer_value(
            check_name(_required(data, "name")), customer.name, lambda v: " ".join(v.split())
        ),
    )
    resident = _check(
        problems, "id_number", lambda: check_id_number(_required(data, "id_number"), today=today)
    )
    if resident is not None and resident.number != customer.id_number.upper():
        problems["id_number"] = Problem("applicant_mismatch", _mismatch().message)
    # check_phone gives the 11 national digits, the form registration stored.
    phone = _check(
        problems,
        "phone",
        lambda: _same_customer_value(check_phone(_required(data, "phone")), customer.phone, str),
    )
    card = _check(
        problems,
        "bank_card_number",
        lambda: _same_customer_value(
            check_card_number(_required(data, "bank_card_number")),
            customer.bank_card_number,
            normalise_card,
        ),
    )
    declared = _declared(data, customer, problems)
    device_id = _check(problems, "device_id", lambda: check_device_id(data.get("device_id")))
    channel = _check(
        problems, "channel", lambda: check_channel(data.get("channel") or customer.channel)
    )
    face_token = data.get("face_token") or ""
    if not isinstance(face_token, str) or len(face_token) > FACE_TOKEN_MAX_LENGTH:
        problems["face_token"] = Problem("invalid_face_token", _("At most 200 characters."))
    consents: list[tuple[str, str]] = []
    try:
        consents = validate_consents(data.get("consents"))
    except ValidationFailed as invalid:
        problems.update(getattr(invalid, "problems", {}))
    else:
        missing = missing_consents(customer, given=consents)
        if missing:
            problems["consents"] = Problem(
                "consent_missing",
                _("These consents are needed to apply: %(purposes)s.")
                % {"purposes": ", ".join(missing)},
            )
    problems.update(input_problems or {})
    if problems:
        raise ApplicationInvalid(problems)
    return CleanApplication(
        product=product,
        terms=terms,
        requested_amount=amount,
        purpose=purpose,
        name=name,
        id_number=resident.number,
        phone=phone,
        bank_card_number=card,
        resident=resident,
        declared=declared,
        device_id=device_id,
        channel=channel,
        face_token=face_token,
        consents=consents,
    )


def _declared(
    data: Mapping[str, Any], customer: Applicant, problems: dict[str, Problem]
) -> dict[str, Any]:
    """Current finances: given in the application, else as registered."""

    def given(name: str, registered: Any) -> Any:
        return data.get(name, registered)

    return {
        "monthly_income_fen": _check(
            problems,
            "monthly_income",
            lambda: check_monthly_income(given("monthly_income", customer.monthly_income)),
        ),
        "employer": _check(
            problems,
            "employer",
            lambda: check_text(
                given("employer", customer.employer), code="too_long", min_length=0, max_length=100
            ),
        ),
        "years_employed": _check(
            problems,
            "years_employed",
            lambda: check_years_employed(given("years_employed", customer.years_employed)),
        ),
        "education": _check(
            problems,
            "education",
            lambda: check_choice(given("education", customer.education), EDUCATION_CHOICES),
        ),
        "marital_status": _check(
            problems,
            "marital_status",
            lambda: check_choice(
                given("marital_status", customer.marital_status), MARITAL_STATUS_CHOICES
            ),
        ),
    }


def missing_consents(customer: Applicant, *, given: list[tuple[str, str]]) -> list[str]:
    """Required purposes neither in force for the customer nor given with the application."""
    have = {purpose for purpose, _version in given}
    wanted = [purpose for purpose in REQUIRED_CONSENTS if purpose not in have]
    if not wanted:
        return []
    in_force = consent_purposes_in_force(customer.customer_id)
    return [purpose for purpose in wanted if purpose not in in_force]
