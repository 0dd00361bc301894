"""Demo customers for ``microloan demo``: valid synthetic personal data, the same on every run.

The data comes from a seeded generator, so a second run produces the same ID numbers and adds
nobody (existing ID numbers are skipped through the blind index). ``build_demo`` registers the
first ``DEMO_CUSTOMER_COUNT`` on the first business day (the launch sign-ups); the demo book
(``microloan.demo.book``) takes them on and registers the rest of ``demo_people`` on the days
they arrive.
"""

from __future__ import annotations

import datetime as dt
import random

from django.conf import settings

from microloan.kernel.actors import Actor

from .services import find_by_id_number, find_by_phone, register_customer, withdraw_consent
from .synthetic import random_card, random_id_number, random_mobile
from .validation import EDUCATION_CHOICES, MARITAL_STATUS_CHOICES, age_on

DEMO_SEED = 20260101
DEMO_CUSTOMER_COUNT = 36
CONSENT_TEXT_VERSION = "2026.1"

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董"
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红梅玉兰晨曦子涵浩然欣怡"
_STREETS = ("建国路", "中山路", "人民路", "解放路", "长安街", "南京路", "和平路", "新华路")
_EMPLOYERS = ("某某科技有限公司", "某某贸易有限公司", "某某餐饮管理有限公司", "某某物流有限公司")
_OLDEST_BIRTH_DATE = dt.date(1968, 1, 1)
_CHANNELS = ("app", "app", "app", "wechat", "partner_shop")


def _address(rng: random.Random) -> str:
    district = rng.choice(("北京市朝阳区", "上海市徐汇区", "天津市和平区"))
    building, floor, flat = rng.randrange(1, 999), rng.randrange(1, 30), rng.randrange(1, 9)
    return f"{district}{rng.choice(_STREETS)}{building}号{floor}0{flat}室"


def _person(rng: random.Random, today: dt.date) -> dict:
    male = rng.random() < 0.5
    # Birth dates do not depend on the business date, so every run makes the same people.
    birth_date = _OLDEST_BIRTH_DATE + dt.timedelta(days=rng.randrange(35 * 365))
    id_number = random_id_number(rng, birth_date=birth_date, male=male)
    card_number, bank = random_card(rng)
    long_term = age_on(birth_date, today) >= 46 and rng.random() < 0.5
    expiry = None if long_term else today + dt.timedelta(days=rng.randrange(60, 19 * 365))
    name = rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))
    return {
        "name": name,
        "id_number": id_number,
        "phone": random_mobile(rng),
        "bank_card_number": card_number,
        "bank_name": bank,
        "address": _address(rng),
        "employer": rng.choice(("北京", "上海", "天津")) + rng.choice(_EMPLOYERS),
        "years_employed": rng.randrange(0, 15),
        "monthly_income": f"{rng.randrange(30, 400) * 100}.00",
        "education": rng.choice(EDUCATION_CHOICES)[0],
        "marital_status": rng.choice(MARITAL_STATUS_CHOICES)[0],
        "device_id": f"demo-device-{rng.randrange(16**12):012x}",
        "channel": rng.choice(_CHANNELS),
        "id_expiry": expiry.isoformat() if expiry else None,
        "preferred_language": "en" if rng.random() < 0.1 else "zh-hans",
        "consents": [
            {"purpose": purpose, "text_version": CONSENT_TEXT_VERSION}
            for purpose in ("personal_information", "sensitive_financial_account")
            + (("credit_report_query",) if rng.random() < 0.85 else ())
        ],
    }


def demo_people(
    today: dt.date, count: int = DEMO_CUSTOMER_COUNT, *, seed: int = DEMO_SEED
) -> list[dict]:
    """The demo customers' registration data (ID expiry dates follow ``today``; the rest is
    the same on every call with the same ``seed``)."""
    rng = random.Random(seed)
    return [_person(rng, today) for _ in range(count)]


def build_demo(stdout) -> None:
    actor = Actor.system("demo")
    # Drawn as of the initial business date: a run on a later date draws the same people.
    initial = dt.date.fromisoformat(settings.INITIAL_BUSINESS_DATE)
    created = skipped = 0
    for index, person in enumerate(demo_people(initial)):
        if find_by_id_number(person["id_number"]) or find_by_phone(person["phone"]).exists():
            skipped += 1
            continue
        customer = register_customer(actor=actor, data=person)
        created += 1
        if index % 12 == 5:  # a few customers withdrew their credit-report consent
            has_it = any(c["purpose"] == "credit_report_query" for c in person["consents"])
            if has_it:
                withdraw_consent(
                    actor=actor, customer_id=customer.public_id, purpose="credit_report_query"
                )
    stdout.write(f"  customers: {created} created, {skipped} already there")
