"""A customer with something in every 360° section, built row by row (tests may write any
app's tables): lines, loans with schedules, an application decided with reasons, repayments,
payment orders, contracts, messages, a collection case."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal

from django.utils import timezone

from microloan.accounts.testing import make_staff
from microloan.collections.models import CollectionCase
from microloan.contracts.models import Contract, ContractTemplate
from microloan.customers.testing import make_customer
from microloan.lending.models import CreditLine, Instalment, Loan, LoanTransaction
from microloan.notifications.models import Message
from microloan.origination.models import Application
from microloan.payments.models import PaymentOrder
from microloan.products.domain import default_weilidai_terms
from microloan.products.models import Product, ProductVersion

DAY = dt.date(2026, 3, 2)
PHONE = "13912345678"


@dataclass(frozen=True)
class Book:
    customer_id: str
    line_id: str
    loan_ids: tuple[str, ...]
    application_id: str
    order_id: str
    contract_id: str
    message_id: str
    case_id: str


def _product_version() -> ProductVersion:
    maker = make_staff(username="pm360")
    product = Product.objects.create(code="WLD", name_zh="微粒贷", name_en="Weilidai")
    version = ProductVersion(product=product, version=1, maker=maker, status="active")
    version.set_terms(replace(default_weilidai_terms()))
    version.save()
    return version


def build_book(*, loans: int = 2, phone: str = PHONE) -> Book:
    customer = make_customer(phone=phone)
    cid = customer.public_id
    version = _product_version()
    line = CreditLine.objects.create(
        public_id=f"line_{cid[-26:]}", customer_id=cid, product_version=version,
        limit=2_000_000, used=300_000, daily_rate=Decimal("0.0005"), grade="B",
        opened_on=DAY, expires_on=DAY + dt.timedelta(days=365),
    )  # fmt: skip
    loan_ids = []
    for n in range(loans):
        loan = Loan.objects.create(
            public_id=f"loan_{n:02d}{cid[-24:]}", line=line, customer_id=cid,
            product_version=version, product_code="WLD", principal=300_000,
            daily_rate=Decimal("0.0005"), daily_rate_e8=50_000, penalty_rate_e8=75_000,
            method="equal_instalment", term_months=3, start_date=DAY,
            maturity_date=DAY + dt.timedelta(days=92), status=Loan.Status.ACTIVE,
            principal_outstanding=200_000, dpd=5 if n == 0 else 0,
        )  # fmt: skip
        loan_ids.append(loan.public_id)
        for number in (1, 2, 3):
            Instalment.objects.create(
                loan=loan, number=number, start_date=DAY + dt.timedelta(days=30 * (number - 1)),
                due_date=DAY + dt.timedelta(days=30 * number), principal=100_000, interest=4_500,
                balance_after=300_000 - 100_000 * number,
                status=Instalment.Status.PAID if number == 1 else Instalment.Status.SCHEDULED,
            )  # fmt: skip
        LoanTransaction.objects.create(
            public_id=f"ltx_{n:02d}{cid[-24:]}", loan=loan, kind=LoanTransaction.Kind.REPAYMENT,
            business_date=DAY + dt.timedelta(days=30), amount=104_500, principal=100_000,
            interest=4_500,
        )  # fmt: skip
    first = Loan.objects.get(public_id=loan_ids[0])
    application = Application.objects.create(
        public_id=f"app_{cid[-26:]}", customer_id=cid, product_code="WLD",
        product_version=version.public_id, requested_amount=5_000_000, purpose="consumption",
        state="rejected", decision_reasons=["admission_income_below_floor"],
        submitted_on=DAY, decided_at=timezone.now(),
    )  # fmt: skip
    order = PaymentOrder.objects.create(
        public_id=f"pay_{cid[-26:]}", kind=PaymentOrder.Kind.COLLECTION, customer_id=cid,
        loan_id=loan_ids[0], purpose_key=f"test:{cid}", amount=104_500,
        card_masked="6222 **** **** 1234", status=PaymentOrder.Status.SUCCEEDED,
        channel="simbank", business_date=DAY + dt.timedelta(days=30),
    )  # fmt: skip
    template = ContractTemplate.objects.create(
        kind="line_agreement", language="zh-hans", version=1, title="额度合同", body="…",
        created_by="pm360",
    )  # fmt: skip
    contract = Contract.objects.create(
        public_id=f"ctr_{cid[-26:]}", kind="line_agreement", customer_id=cid,
        line_id=line.public_id, language="zh-hans", template=template, terms={},
        business_date=DAY, status=Contract.Status.SIGNED, signed_at=timezone.now(),
    )  # fmt: skip
    message = Message.objects.create(
        public_id=f"msg_{cid[-26:]}", customer_id=cid, channel="sms",
        template_code="repayment_reminder", language="zh-hans", subject="还款提醒",
        body="您的借款将于3日后到期", dedupe_key=f"test:{cid}", status=Message.Status.SENT,
        next_attempt_at=timezone.now(), sent_at=timezone.now(),
    )  # fmt: skip
    case = CollectionCase.objects.create(
        public_id=f"ccas_{cid[-26:]}", loan=first, customer_id=cid, bucket="M1",
        opened_on=DAY + dt.timedelta(days=31), opening_overdue=104_500,
        bucket_entered_on=DAY + dt.timedelta(days=31), bucket_entry_overdue=104_500,
    )  # fmt: skip
    return Book(
        cid, line.public_id, tuple(loan_ids), application.public_id, order.public_id,
        contract.public_id, message.public_id, case.public_id,
    )  # fmt: skip
