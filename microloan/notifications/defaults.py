"""The templates the platform ships with, created in the database on first use.

Product managers edit the texts afterwards; the codes, variables and default channels stay
as here, because the code that sends each message supplies exactly these values.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DefaultTemplate:
    code: str
    description: str
    variables: dict[str, str]
    channels: tuple[str, ...]
    subject_zh: str
    body_zh: str
    subject_en: str
    body_en: str


APPLICATION_APPROVED = "application_approved"
APPLICATION_REJECTED = "application_rejected"
OFFER = "offer"
CONTRACT_SIGNED = "contract_signed"
DISBURSEMENT_SUCCEEDED = "disbursement_succeeded"
DISBURSEMENT_FAILED = "disbursement_failed"
REPAYMENT_RECEIVED = "repayment_received"
REPAYMENT_REMINDER = "repayment_reminder"
REPAYMENT_DUE_TODAY = "repayment_due_today"
LIMIT_CHANGED = "limit_changed"
OVERDUE_NOTICE = "overdue_notice"
COLLECTION_NOTICE = "collection_notice"
LINE_FROZEN = "line_frozen"

DEFAULT_TEMPLATES: tuple[DefaultTemplate, ...] = (
    DefaultTemplate(
        APPLICATION_APPROVED,
        "Application approved, with the limit, APR and daily rate.",
        {"limit": "money", "apr": "percent", "daily_rate": "daily_rate"},
        ("sms", "push"),
        "申请已通过",
        "【微贷】您的借款额度申请已通过，额度${limit}，年化利率${apr}，日利率${daily_rate}。",
        "Application approved",
        "[Microloan] Your credit line application is approved: limit ${limit}, "
        "APR ${apr}, daily rate ${daily_rate}.",
    ),
    DefaultTemplate(
        APPLICATION_REJECTED,
        "Application refused, with the reasons.",
        {"reasons": "label"},
        ("sms", "inbox"),
        "申请结果通知",
        "【微贷】很抱歉，您的借款额度申请未通过，原因：${reasons}。"
        "您可在App内申请人工复核或要求说明。",
        "Application result",
        "[Microloan] We are sorry, your credit line application was not approved. "
        "Reason: ${reasons}. You may ask for an explanation or a human review in the app.",
    ),
    DefaultTemplate(
        OFFER,
        "The offer of an approved line, in the inbox.",
        {"limit": "money", "apr": "percent", "daily_rate": "daily_rate"},
        ("inbox",),
        "您的借款额度",
        "您的可用额度为${limit}，年化利率${apr}，日利率${daily_rate}。签署额度合同后即可随借随还。",
        "Your credit offer",
        "Your credit limit is ${limit} at an APR of ${apr} (daily rate ${daily_rate}). "
        "Sign the line agreement to draw money at any time and repay any day.",
    ),
    DefaultTemplate(
        CONTRACT_SIGNED,
        "A contract was signed.",
        {"kind": "label", "contract_id": "text"},
        ("inbox",),
        "合同已签署",
        "您已签署《${kind}》（编号 ${contract_id}），可在App内查看和验证。",
        "Contract signed",
        "You signed the ${kind} (no. ${contract_id}); you can view and verify it in the app.",
    ),
    DefaultTemplate(
        DISBURSEMENT_SUCCEEDED,
        "The loan reached the borrower's card, with the first due date and amount.",
        {"amount": "money", "first_due_date": "date", "first_due_amount": "money"},
        ("sms", "push", "inbox"),
        "借款已到账",
        "【微贷】您的借款${amount}已到账。首期还款日${first_due_date}，应还${first_due_amount}。",
        "Loan paid out",
        "[Microloan] Your loan of ${amount} has reached your card. First instalment "
        "${first_due_amount} due on ${first_due_date}.",
    ),
    DefaultTemplate(
        DISBURSEMENT_FAILED,
        "The payment to the borrower's card failed, and why.",
        {"reason": "label"},
        ("sms", "inbox"),
        "放款失败",
        "【微贷】您的借款放款未成功，原因：${reason}。额度已恢复，请核对银行卡后重试。",
        "Payout failed",
        "[Microloan] Your loan could not be paid out: ${reason}. Your limit is restored; "
        "please check your bank card and try again.",
    ),
    DefaultTemplate(
        REPAYMENT_RECEIVED,
        "A repayment was posted.",
        {"amount": "money", "business_date": "date"},
        ("sms", "inbox"),
        "还款成功",
        "【微贷】您于${business_date}还款${amount}已入账，感谢您按时还款。",
        "Repayment received",
        "[Microloan] Your repayment of ${amount} on ${business_date} has been received. Thank you.",
    ),
    DefaultTemplate(
        REPAYMENT_REMINDER,
        "Reminder some days before an instalment is due.",
        {"days": "integer", "due_date": "date", "amount": "money"},
        ("sms", "push"),
        "还款提醒",
        "【微贷】您本期应还${amount}将于${days}天后（${due_date}）到期，请确保还款银行卡余额充足。",
        "Repayment reminder",
        "[Microloan] Your instalment of ${amount} is due in ${days} day(s), on ${due_date}. "
        "Please keep enough money on your repayment card.",
    ),
    DefaultTemplate(
        REPAYMENT_DUE_TODAY,
        "Reminder on the due date.",
        {"due_date": "date", "amount": "money"},
        ("sms", "push"),
        "今日还款日",
        "【微贷】今天（${due_date}）是您的还款日，本期应还${amount}，系统将自动扣款。",
        "Repayment due today",
        "[Microloan] Your instalment of ${amount} is due today (${due_date}); "
        "it will be debited automatically.",
    ),
    DefaultTemplate(
        LIMIT_CHANGED,
        "The credit limit changed.",
        {"old_limit": "money", "new_limit": "money"},
        ("sms", "inbox"),
        "额度调整通知",
        "【微贷】您的借款额度已由${old_limit}调整为${new_limit}。",
        "Credit limit changed",
        "[Microloan] Your credit limit has changed from ${old_limit} to ${new_limit}.",
    ),
    DefaultTemplate(
        OVERDUE_NOTICE,
        "An instalment is overdue.",
        {"overdue_amount": "money", "days_past_due": "integer", "due_date": "date"},
        ("sms", "inbox"),
        "逾期提醒",
        "【微贷】您${due_date}到期的借款已逾期${days_past_due}天，逾期金额${overdue_amount}。"
        "逾期可能产生罚息并影响您的信用记录，请尽快还款。",
        "Overdue notice",
        "[Microloan] Your instalment due on ${due_date} is ${days_past_due} day(s) overdue "
        "(${overdue_amount}). Penalty interest may apply and your credit record may be "
        "affected; please repay as soon as possible.",
    ),
    DefaultTemplate(
        COLLECTION_NOTICE,
        "A collection case entered a bucket whose strategy sends SMS or push (its channels).",
        {"overdue_amount": "money", "days_past_due": "integer"},
        ("sms", "push"),
        "逾期还款提醒",
        "【微贷】您的借款已逾期${days_past_due}天，逾期金额${overdue_amount}。"
        "请尽快在App内还款，以免产生更多罚息并影响您的信用记录。如已还款请忽略。",
        "Overdue payment",
        "[Microloan] Your loan is ${days_past_due} day(s) overdue (${overdue_amount}). "
        "Please repay in the app soon to avoid more penalty interest and harm to your credit "
        "record. Ignore this if you have paid.",
    ),
    DefaultTemplate(
        LINE_FROZEN,
        "The credit line was frozen: no new drawdowns; loans already drawn are unchanged.",
        {},
        ("sms", "inbox"),
        "额度暂停使用",
        "【微贷】您的借款额度已暂停使用，暂不能借款；已借款项的还款计划不变。"
        "如有疑问，请在App内联系客服。",
        "Credit line frozen",
        "[Microloan] Your credit line has been frozen: you cannot draw new loans for now. "
        "Loans you already have keep their repayment schedule. Contact us in the app with "
        "any question.",
    ),
)

DEFAULTS_BY_CODE = {template.code: template for template in DEFAULT_TEMPLATES}
