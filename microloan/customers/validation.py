"""Checks of a customer's personal data, using the libraries that know the formats. Pure.

Resident ID numbers go through ``stdnum.cn.ric`` (length, check digit, birth date, and the
region code as it existed in the birth year), phones through ``phonenumbers`` (Chinese mobile
numbers only), bank cards through ``stdnum.luhn``. Dates are compared with the business date the
caller passes in: nothing here reads the clock or the database.

``validate_registration`` and ``validate_changes`` report every problem at once, field by field,
in one ``CustomerDataInvalid``; each problem keeps its own stable code (``invalid_id_number``…).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import phonenumbers
from django.utils.translation import gettext_lazy as _
from stdnum import luhn
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

from microloan.kernel.errors import ValidationFailed
from microloan.kernel.money import MoneyFormatError, parse_yuan

NAME_MIN_LENGTH, NAME_MAX_LENGTH = 2, 30
CARD_MIN_LENGTH, CARD_MAX_LENGTH = 16, 19
ADDRESS_MIN_LENGTH, ADDRESS_MAX_LENGTH = 5, 200
BANK_NAME_MAX_LENGTH = 64
EMPLOYER_MAX_LENGTH = 100
DEVICE_ID_MAX_LENGTH = 128
MAX_YEARS_EMPLOYED = 60
OLDEST_BIRTH_DATE = dt.date(1900, 1, 1)
# A second-generation ID is valid for at most 20 years; people aged 46 or more get one valid for
# life ("长期"), which is sent as no expiry date.
MAX_ID_VALIDITY_YEARS = 20
LONG_TERM_ID_MIN_AGE = 46

GENDER_CHOICES = (("male", _("Male")), ("female", _("Female")))
EDUCATION_CHOICES = (
    ("junior_high_or_below", _("Junior high school or below")),
    ("high_school", _("High school or vocational school")),
    ("associate", _("Associate degree")),
    ("bachelor", _("Bachelor's degree")),
    ("master", _("Master's degree")),
    ("doctorate", _("Doctorate")),
)
MARITAL_STATUS_CHOICES = (
    ("single", _("Single")),
    ("married", _("Married")),
    ("divorced", _("Divorced")),
    ("widowed", _("Widowed")),
)
LANGUAGE_CHOICES = (("zh-hans", _("Simplified Chinese")), ("en", _("English")))
CONSENT_PURPOSE_CHOICES = (
    ("personal_information", _("Processing of personal information")),
    ("credit_report_query", _("Credit report query")),
    ("e_contract", _("Electronic contracts")),
    ("sensitive_face", _("Face recognition (sensitive personal information)")),
    ("sensitive_financial_account", _("Financial account (sensitive personal information)")),
)
CONSENT_PURPOSES = frozenset(value for value, _label in CONSENT_PURPOSE_CHOICES)
# Registration collects a bank card, which is sensitive personal information: its separate
# consent is required along with the general one (PIPL arts. 13, 29).
REGISTRATION_CONSENTS = ("personal_information", "sensitive_financial_account")
TEXT_VERSION_MAX_LENGTH = 32

_CHANNEL = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_TEXT_VERSION = re.compile(r"^[A-Za-z0-9._-]{1,32}$")
_DEVICE_ID = re.compile(r"^[\x21-\x7e]{1,128}$")
# Letters of any script, the middle dot of transliterated names (阿依古丽·买买提), and the
# space, hyphen and apostrophe of Latin-script names.
_NAME_PUNCTUATION = frozenset(" ·•-'.")


class FieldInvalid(Exception):
    """One field's problem: a stable code and a translated message."""

    def __init__(self, code: str, message: Any) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Problem:
    code: str
    message: Any


class CustomerDataInvalid(ValidationFailed):
    """Customer data refused, every problem at once. ``problems`` keeps each field's own code;
    the error's code is that code when there is one kind of problem, else
    ``customer_data_invalid``."""

    def __init__(self, problems: dict[str, Problem]) -> None:
        self.problems = problems
        codes = {problem.code for problem in problems.values()}
        super().__init__(
            _("Some of the customer's details are not acceptable."),
            code=codes.pop() if len(codes) == 1 else "customer_data_invalid",
            fields={name: problem.message for name, problem in problems.items()},
        )


# --- normalisation (also what the blind indexes are computed from) ----------------------------


def _compact(value: str) -> str:
    return "".join(ch for ch in str(value).strip() if ch not in " -\u3000")


def normalise_id_number(value: str) -> str:
    """Spaces and dashes removed, a trailing check letter upper case ("...002x" -> "...002X")."""
    return _compact(value).upper()


def normalise_phone(value: str) -> str:
    """E.164 ("+8613812345678") when the text is a phone number, else its digits."""
    try:
        number = phonenumbers.parse(str(value), "CN")
    except phonenumbers.NumberParseException:
        return "".join(ch for ch in str(value) if ch.isdigit())
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_card(value: str) -> str:
    """Digits only."""
    return "".join(ch for ch in str(value) if ch.isdigit())


BLIND_INDEX_NORMALISERS: dict[str, Callable[[str], str]] = {
    "id_number": normalise_id_number,
    "phone": normalise_phone,
    "card": normalise_card,
}


# --- single fields ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ResidentId:
    number: str  # normalised, 18 characters
    birth_date: dt.date
    gender: str  # "male" | "female"
    province: str
    county: str


def age_on(birth_date: dt.date, on: dt.date) -> int:
    """Whole years of age on ``on`` (a 29 February birthday counts on 1 March in other years)."""
    had_birthday = (on.month, on.day) >= (birth_date.month, birth_date.day)
    return on.year - birth_date.year - (0 if had_birthday else 1)


def check_id_number(value: str, *, today: dt.date) -> ResidentId:
    """A second-generation resident ID number, with what it says about its holder."""
    number = normalise_id_number(value)
    body, check = number[:17], number[17:]
    if len(number) != 18 or not body.isdigit() or check not in "0123456789X":
        raise FieldInvalid(
            "invalid_id_number", _("An ID number has 17 digits followed by a digit or X.")
        )
    if ric.calc_check_digit(number) != check:
        raise FieldInvalid(
            "invalid_id_number", _("The check digit of this ID number is wrong: check for typos.")
        )
    try:
        birth_date = ric.get_birth_date(number)
    except StdnumError:
        birth_date = None
    if birth_date is None or not OLDEST_BIRTH_DATE <= birth_date <= today:
        raise FieldInvalid(
            "invalid_birth_date", _("The birth date in this ID number is impossible.")
        )
    try:
        place = ric.get_birth_place(number)
    except StdnumError:
        raise FieldInvalid(
            "id_region_unknown",
            _("The region code of this ID number does not exist (or did not in the birth year)."),
        ) from None
    gender = "male" if int(number[16]) % 2 else "female"
    return ResidentId(
        number, birth_date, gender, place.get("province", ""), place.get("county", "")
    )


def check_phone(value: str) -> str:
    """A mainland China mobile number, returned as its 11 national digits."""
    try:
        number = phonenumbers.parse(str(value), "CN")
    except phonenumbers.NumberParseException:
        number = None
    if (
        number is None
        or number.country_code != 86
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE
    ):
        raise FieldInvalid("invalid_phone", _("Enter a mainland China mobile number."))
    return phonenumbers.national_significant_number(number)


def check_card_number(value: str) -> str:
    """A bank card number: 16 to 19 digits with a valid Luhn check digit."""
    number = _compact(value)
    if not number.isdigit() or not CARD_MIN_LENGTH <= len(number) <= CARD_MAX_LENGTH:
        raise FieldInvalid("invalid_card", _("A bank card number has 16 to 19 digits."))
    if not luhn.is_valid(number):
        raise FieldInvalid(
            "invalid_card", _("This bank card number is not valid: check for typos.")
        )
    return number


def check_name(value: str) -> str:
    name = " ".join(str(value).split())
    if not NAME_MIN_LENGTH <= len(name) <= NAME_MAX_LENGTH:
        raise FieldInvalid(
            "invalid_name",
            _("A name has %(min)d to %(max)d characters.")
            % {"min": NAME_MIN_LENGTH, "max": NAME_MAX_LENGTH},
        )
    if not all(ch.isalpha() or ch in _NAME_PUNCTUATION for ch in name) or not name[0].isalpha():
        raise FieldInvalid("invalid_name", _("A name has only letters (and · between parts)."))
    return name


def check_id_expiry(value: Any, *, today: dt.date, birth_date: dt.date | None) -> dt.date | None:
    """The ID card's expiry date; ``None`` means valid for life, which needs age 46 or more."""
    if value in (None, ""):
        if birth_date is not None and age_on(birth_date, today) < LONG_TERM_ID_MIN_AGE:
            raise FieldInvalid(
                "id_expiry_required", _("Give the expiry date printed on the ID card.")
            )
        return None
    expiry = _as_date(value)
    if expiry is None:
        raise FieldInvalid("invalid_date", _("Must be a date (YYYY-MM-DD)."))
    if expiry < today:
        raise FieldInvalid("id_expired", _("This ID card has expired."))
    if expiry > _add_years(today, MAX_ID_VALIDITY_YEARS):
        raise FieldInvalid(
            "invalid_id_expiry", _("An ID card is valid for at most 20 years: check the date.")
        )
    return expiry


def check_monthly_income(value: Any) -> int:
    """Monthly income in fen from an int (fen) or a string of yuan ("8000.00")."""
    invalid = FieldInvalid("invalid_amount", _("Give the amount in yuan, e.g. 8000.00."))
    if isinstance(value, int) and not isinstance(value, bool):
        fen = value
    elif isinstance(value, str):
        try:
            fen = parse_yuan(value, field="monthly_income")
        except MoneyFormatError:
            raise invalid from None
    else:
        raise invalid
    if fen < 0:
        raise FieldInvalid("invalid_income", _("Income cannot be negative."))
    return fen


def check_text(value: Any, *, code: str, min_length: int, max_length: int) -> str:
    text = " ".join(str(value or "").split())
    if len(text) < min_length:
        raise FieldInvalid("required", _("This field is required."))
    if len(text) > max_length:
        raise FieldInvalid(code, _("At most %(n)d characters.") % {"n": max_length})
    return text


def check_choice(value: Any, choices: tuple[tuple[str, Any], ...]) -> str:
    allowed = [key for key, _label in choices]
    if value not in allowed:
        raise FieldInvalid(
            "invalid_choice", _("Must be one of: %(choices)s.") % {"choices": ", ".join(allowed)}
        )
    return value


def check_years_employed(value: Any) -> int | None:
    if value in (None, ""):
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not 0 <= value <= MAX_YEARS_EMPLOYED
    ):
        raise FieldInvalid(
            "invalid_years_employed",
            _("Give whole years from 0 to %(n)d.") % {"n": MAX_YEARS_EMPLOYED},
        )
    return value


def check_channel(value: Any) -> str:
    if not isinstance(value, str) or not _CHANNEL.match(value):
        raise FieldInvalid(
            "invalid_channel", _("A channel code is lower-case letters, digits and _.")
        )
    return value


def check_device_id(value: Any) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or not _DEVICE_ID.match(value):
        raise FieldInvalid(
            "invalid_device_id", _("A device id is 1 to 128 visible ASCII characters.")
        )
    return value


def check_consent_purpose(value: Any) -> str:
    if value not in CONSENT_PURPOSES:
        raise FieldInvalid(
            "invalid_consent_purpose",
            _("Must be one of: %(choices)s.") % {"choices": ", ".join(sorted(CONSENT_PURPOSES))},
        )
    return value


def check_text_version(value: Any) -> str:
    if not isinstance(value, str) or not _TEXT_VERSION.match(value):
        raise FieldInvalid(
            "invalid_text_version",
            _("A text version is 1 to 32 letters, digits, '.', '_' or '-'."),
        )
    return value


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# --- whole records ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerData:
    """A customer's details after validation, in stored form (income in fen)."""

    name: str
    id_number: str
    birth_date: dt.date
    gender: str
    phone: str
    bank_card_number: str
    bank_name: str
    address: str
    employer: str
    years_employed: int | None
    monthly_income: int
    education: str
    marital_status: str
    device_id: str
    channel: str
    id_expiry: dt.date | None
    preferred_language: str


# Fields a customer record may change after registration. Name, ID number (and what it
# implies: birth date, gender) identify the person and are never edited in place.
UPDATABLE_FIELDS = (
    "phone",
    "bank_card_number",
    "bank_name",
    "address",
    "employer",
    "years_employed",
    "monthly_income",
    "education",
    "marital_status",
    "device_id",
    "id_expiry",
    "preferred_language",
)
IMMUTABLE_FIELDS = ("name", "id_number", "birth_date", "gender", "channel")


# Checks of the fields that stand alone (the ID expiry also needs the birth date).
_FIELD_CHECKS: dict[str, Callable[[Any], Any]] = {
    "name": check_name,
    "phone": check_phone,
    "bank_card_number": check_card_number,
    "bank_name": lambda v: check_text(
        v, code="too_long", min_length=2, max_length=BANK_NAME_MAX_LENGTH
    ),
    "address": lambda v: check_text(
        v, code="too_long", min_length=ADDRESS_MIN_LENGTH, max_length=ADDRESS_MAX_LENGTH
    ),
    "employer": lambda v: check_text(
        v, code="too_long", min_length=0, max_length=EMPLOYER_MAX_LENGTH
    ),
    "years_employed": check_years_employed,
    "monthly_income": check_monthly_income,
    "education": lambda v: check_choice(v, EDUCATION_CHOICES),
    "marital_status": lambda v: check_choice(v, MARITAL_STATUS_CHOICES),
    "device_id": check_device_id,
    "channel": check_channel,
    "preferred_language": lambda v: check_choice(v, LANGUAGE_CHOICES),
}


_REGISTRATION_DEFAULTS = {
    "employer": "",
    "years_employed": None,
    "device_id": "",
    "channel": "app",
    "preferred_language": "zh-hans",
}


def _run(problems: dict[str, Problem], name: str, check: Callable[[], Any]) -> Any:
    try:
        return check()
    except FieldInvalid as invalid:
        problems[name] = Problem(invalid.code, invalid.message)
        return None


def _required(data: Mapping[str, Any], name: str) -> Any:
    value = data.get(name, _REGISTRATION_DEFAULTS.get(name))
    if name not in _REGISTRATION_DEFAULTS and (value is None or value == ""):
        raise FieldInvalid("required", _("This field is required."))
    return value


@dataclass(frozen=True)
class RegistrationData:
    customer: CustomerData
    consents: list[tuple[str, str]]  # (purpose, text version)


def validate_registration(
    data: Mapping[str, Any], *, today: dt.date, required_consents: tuple[str, ...] = ()
) -> RegistrationData:
    """Every field of a new customer and the consents given with it (``data["consents"]``),
    checked at once; raises ``CustomerDataInvalid`` naming every problem."""
    problems: dict[str, Problem] = {}
    known = {*CustomerData.__dataclass_fields__, "consents"} - {"birth_date", "gender"}
    for name in sorted(set(data) - known):
        problems[name] = Problem("unknown_field", _("Unknown field."))
    clean: dict[str, Any] = {}
    resident = _run(
        problems,
        "id_number",
        lambda: check_id_number(_required(data, "id_number"), today=today),
    )
    for name, check in _FIELD_CHECKS.items():
        clean[name] = _run(problems, name, lambda n=name, c=check: c(_required(data, n)))
    clean["id_expiry"] = _run(
        problems,
        "id_expiry",
        lambda: check_id_expiry(
            data.get("id_expiry"),
            today=today,
            birth_date=resident.birth_date if resident else None,
        ),
    )
    consents: list[tuple[str, str]] = []
    try:
        consents = validate_consents(data.get("consents"), required=required_consents)
    except CustomerDataInvalid as invalid:
        problems.update(invalid.problems)
    if problems:
        raise CustomerDataInvalid(problems)
    customer = CustomerData(
        **clean,
        id_number=resident.number,
        birth_date=resident.birth_date,
        gender=resident.gender,
    )
    return RegistrationData(customer=customer, consents=consents)


def validate_changes(
    changes: Mapping[str, Any], *, today: dt.date, birth_date: dt.date
) -> dict[str, Any]:
    """The changed fields of an existing customer, checked at once, in stored form."""
    problems: dict[str, Problem] = {}
    clean: dict[str, Any] = {}
    for name, value in changes.items():
        if name in IMMUTABLE_FIELDS:
            problems[name] = Problem(
                "field_not_updatable", _("This cannot be changed after registration.")
            )
        elif name == "id_expiry":
            clean[name] = _run(
                problems,
                name,
                lambda v=value: check_id_expiry(v, today=today, birth_date=birth_date),
            )
        elif name in UPDATABLE_FIELDS:
            clean[name] = _run(
                problems, name, lambda n=name, v=value: _FIELD_CHECKS[n](_required({n: v}, n))
            )
        else:
            problems[name] = Problem("unknown_field", _("Unknown field."))
    if problems:
        raise CustomerDataInvalid(problems)
    return clean


def validate_consents(items: Any, *, required: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """``[{"purpose", "text_version"}, …]`` as (purpose, text version) pairs; every purpose in
    ``required`` must be present. Problems are reported under ``consents`` or ``consents.<i>``."""
    problems: dict[str, Problem] = {}
    pairs: list[tuple[str, str]] = []
    for index, item in enumerate(items or []):
        if not isinstance(item, Mapping):
            problems[f"consents.{index}"] = Problem("invalid_consent", _("Must be a JSON object."))
            continue
        purpose = _run(
            problems,
            f"consents.{index}.purpose",
            lambda i=item: check_consent_purpose(i.get("purpose")),
        )
        version = _run(
            problems,
            f"consents.{index}.text_version",
            lambda i=item: check_text_version(i.get("text_version")),
        )
        if purpose and version:
            pairs.append((purpose, version))
    missing = [purpose for purpose in required if purpose not in {p for p, _v in pairs}]
    if missing and not problems:
        problems["consents"] = Problem(
            "consent_missing",
            _("These consents are needed to register: %(purposes)s.")
            % {"purposes": ", ".join(missing)},
        )
    if problems:
        raise CustomerDataInvalid(problems)
    return pairs
