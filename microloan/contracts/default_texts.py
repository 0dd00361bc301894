# ruff: noqa: E501 -- contract prose: one paragraph per line, wrapped by the PDF layout
"""Version 1 of each contract template, in Chinese and English (seeded by a data migration).

A body is Django template text (variables only; no tags that load or include files). Blank
lines separate paragraphs; a paragraph starting ``## `` is a heading; a paragraph that is just
``[[parties]]``, ``[[key_terms]]``, ``[[schedule]]``, ``[[consents]]`` or ``[[signatures]]``
places that table. Product managers publish changed wording as new versions.
"""

from __future__ import annotations

LOAN_ZH_TITLE = "个人消费借款合同"
LOAN_ZH = """\
合同编号：{{ contract_id }}　　授信额度编号：{{ line_id }}　　借据编号：{{ loan_id }}

[[parties]]

借款人通过贷款人的移动应用申请借款，双方经平等协商，根据《中华人民共和国民法典》等法律法规，订立本合同。

## 第一条　借款金额与用途

借款金额为人民币（小写）{{ amount_yuan }}元，（大写）{{ amount_capital }}。借款仅用于个人消费，不得用于购房、投资证券、期货等法律法规禁止的用途。

## 第二条　利率与年化利率

[[key_terms]]

本借款按日计息，日利率为{{ daily_rate_percent }}，按实际天数对未偿本金计息。按内部收益率（IRR）法计算的年化利率为{{ apr_percent }}。除利息外，贷款人不收取其他费用，也不从本金中预先扣除利息。

## 第三条　期限与还款方式

借款期限为{{ term_months }}个月，还款方式为{{ method_label }}，首期还款日为{{ first_due_date }}，到期日为{{ maturity_date }}。如放款日晚于{{ start_date }}，各期还款日按实际放款日顺延。还款计划如下：

[[schedule]]

合计应还本金{{ amount_yuan }}元，利息{{ total_interest_yuan }}元，本息合计{{ total_repayment_yuan }}元。

## 第四条　逾期与罚息

借款人未按期足额还款的，逾期本金自还款日后第{{ penalty_first_day }}天起按日计收罚息，罚息日利率为日利率的{{ penalty_multiplier }}倍，即日{{ penalty_daily_rate_percent }}。罚息取代逾期本金的正常利息，不另计正常利息：合计为日利率的{{ penalty_multiplier }}倍（在日利率之上加收{{ penalty_surcharge_percent }}）。还款日后{{ grace_days }}天内（宽限期）还清的，不计罚息，不作逾期记录。

## 第五条　提前还款

借款人可在放款后任何一日提前偿还部分或全部借款，利息计至实际还款日。{{ prepayment_fee_text }}部分提前还款后，{{ prepayment_mode_text }}。

## 第六条　授权与同意

借款人已阅读并同意以下授权（以系统记录为准）：

[[consents]]

## 第七条　电子签署

本合同以电子方式订立。借款人在应用内确认签署时，系统记录签署时间、IP地址、设备标识及本合同文件的SHA-256摘要；贷款人随后加盖电子签章（PAdES）。对本合同文件的任何改动均可被检测。本合同自借款人签署且贷款人加盖电子签章之日起生效。

[[signatures]]
"""

LOAN_EN_TITLE = "Personal Consumer Loan Contract"
LOAN_EN = """\
Contract no. {{ contract_id }}    Credit line no. {{ line_id }}    Loan no. {{ loan_id }}

[[parties]]

The Borrower applied for this loan through the Lender's mobile application. The parties agree as follows.

## 1. Amount and purpose

The loan amount is CNY {{ amount_yuan }} (in Chinese capitals: {{ amount_capital }}). The loan is for personal consumption only and may not be used to buy property or invest in securities or futures.

## 2. Interest rate and APR

[[key_terms]]

Interest accrues daily at {{ daily_rate_percent }} per day on the principal outstanding, for the actual number of days. The annual percentage rate by the internal-rate-of-return (IRR) method is {{ apr_percent }}. The Lender charges no fees besides interest and deducts no interest from the principal up front.

## 3. Term and repayment

The term is {{ term_months }} months, repaid by {{ method_label }}. The first due date is {{ first_due_date }} and the loan matures on {{ maturity_date }}. If the money is paid out after {{ start_date }}, the due dates move with the actual value date. Repayment schedule:

[[schedule]]

In total: principal CNY {{ amount_yuan }}, interest CNY {{ total_interest_yuan }}, principal and interest CNY {{ total_repayment_yuan }}.

## 4. Late payment

Overdue principal bears penalty interest of {{ penalty_multiplier }} times the daily rate ({{ penalty_daily_rate_percent }} per day) for each day from the {{ penalty_first_day_ordinal }} day after the due date. The penalty replaces normal interest on overdue principal, it is not charged on top of it: {{ penalty_multiplier }} times the daily rate in all, the daily rate plus {{ penalty_surcharge_percent }}. A payment made within {{ grace_days }} day(s) after the due date (grace period) incurs no penalty and no negative record.

## 5. Prepayment

The Borrower may prepay part or all of the loan on any day after disbursement, with interest to the day of payment. {{ prepayment_fee_text }} After a partial prepayment, {{ prepayment_mode_text }}.

## 6. Authorisations and consents

The Borrower has read and given the following consents (as recorded by the system):

[[consents]]

## 7. Electronic signature

This contract is concluded electronically. When the Borrower signs in the app, the time, IP address, device identifier and the SHA-256 digest of this file are recorded; the Lender then applies its electronic seal (PAdES). Any later change to this file is detectable. The contract takes effect when the Borrower has signed and the Lender has sealed it.

[[signatures]]
"""

LINE_ZH_TITLE = "个人循环授信额度合同"
LINE_ZH = """\
合同编号：{{ contract_id }}　　授信额度编号：{{ line_id }}

[[parties]]

贷款人经审核同意向借款人提供个人循环授信额度，双方订立本合同。

## 第一条　授信额度

授信额度为人民币（小写）{{ limit_yuan }}元，（大写）{{ limit_capital }}，额度有效期自{{ opened_on }}至{{ expires_on }}，期内可循环使用。每笔借款另行签订借款合同，借款合同与本合同不一致的，以借款合同为准。

## 第二条　利率与年化利率

[[key_terms]]

日利率为{{ daily_rate_percent }}，按实际天数对未偿本金计息；本额度项下借款的年化利率（IRR法）最高为{{ apr_percent }}，具体以每笔借款合同载明为准。

## 第三条　借款期限与还款方式

可选借款期限：{{ allowed_terms }}个月；可选还款方式：{{ allowed_methods }}。

## 第四条　逾期与罚息

逾期本金自还款日后第{{ penalty_first_day }}天起按日利率的{{ penalty_multiplier }}倍（即日{{ penalty_daily_rate_percent }}）计收罚息，罚息取代正常利息，不另计正常利息；还款日后{{ grace_days }}天内还清的不计罚息。

## 第五条　提前还款

借款人可随时提前还款，利息计至实际还款日。{{ prepayment_fee_text }}

## 第六条　额度调整

贷款人可根据借款人的信用状况调整、冻结或终止授信额度，并及时通知借款人。

## 第七条　授权与同意

[[consents]]

## 第八条　电子签署

本合同以电子方式订立，借款人签署时系统记录签署时间、IP地址、设备标识及文件SHA-256摘要，贷款人随后加盖电子签章（PAdES）。

[[signatures]]
"""

LINE_EN_TITLE = "Revolving Personal Credit Line Agreement"
LINE_EN = """\
Contract no. {{ contract_id }}    Credit line no. {{ line_id }}

[[parties]]

Having reviewed the Borrower's application, the Lender grants the Borrower a revolving personal credit line on these terms.

## 1. Credit limit

The limit is CNY {{ limit_yuan }} (in Chinese capitals: {{ limit_capital }}), available from {{ opened_on }} to {{ expires_on }} and revolving within that period. Each drawdown is governed by its own loan contract, which prevails over this agreement where they differ.

## 2. Interest rate and APR

[[key_terms]]

The daily rate is {{ daily_rate_percent }}, charged on the principal outstanding for the actual number of days; the APR (IRR method) of a loan on this line is at most {{ apr_percent }}, as each loan contract states.

## 3. Terms and repayment methods

Available terms: {{ allowed_terms }} months. Repayment methods: {{ allowed_methods }}.

## 4. Late payment

Overdue principal bears penalty interest of {{ penalty_multiplier }} times the daily rate ({{ penalty_daily_rate_percent }} per day) from the {{ penalty_first_day_ordinal }} day after the due date, instead of normal interest, not on top of it; a payment within {{ grace_days }} day(s) after the due date incurs no penalty.

## 5. Prepayment

The Borrower may prepay at any time, with interest to the day of payment. {{ prepayment_fee_text }}

## 6. Changes to the line

The Lender may adjust, freeze or end the line according to the Borrower's credit standing and will notify the Borrower promptly.

## 7. Authorisations and consents

[[consents]]

## 8. Electronic signature

This agreement is concluded electronically: signing records the time, IP address, device identifier and the file's SHA-256 digest, and the Lender then applies its electronic seal (PAdES).

[[signatures]]
"""

DEFAULT_TEMPLATES = {
    ("loan", "zh-hans"): (LOAN_ZH_TITLE, LOAN_ZH),
    ("loan", "en"): (LOAN_EN_TITLE, LOAN_EN),
    ("line_agreement", "zh-hans"): (LINE_ZH_TITLE, LINE_ZH),
    ("line_agreement", "en"): (LINE_EN_TITLE, LINE_EN),
}
