"""lending.interface: what other apps read answers in plain rows and columns."""

from __future__ import annotations

import dataclasses

import pytest

from microloan.lending import interface
from microloan.lending.interface import LineScope

from . import helpers

pytestmark = pytest.mark.django_db


def test_queries_answer_frozen_rows_not_models(line):
    loan = helpers.active_loan(line)
    (row,) = interface.active_loans()
    assert (row.public_id, row.customer_id, row.dpd) == (loan.public_id, line.customer_id, 0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.dpd = 3
    assert interface.open_line_of(line.customer_id) == line.public_id
    assert interface.line_available(line.public_id) == line.limit - loan.principal
    assert interface.first_loan_ids([line.pk]) == {line.pk: loan.pk}
    assert interface.open_lines_of_customers({line.customer_id}) == [(line.pk, line.customer_id)]
    assert interface.loan_status_counts() == {"active": 1}
    assert not interface.customer_has_overdue_loan(line.customer_id)


def test_line_scope_builds_sql_from_integers_only(line):
    columns = interface.lines_in_scope(LineScope(pks=(line.pk,)))
    assert columns.pk == (line.pk,) and columns.public_id == (line.public_id,)
    assert interface.lines_in_scope(LineScope(pks=())).pk == ()
    with pytest.raises(ValueError):
        LineScope(pks=("1) OR (1=1",)).sql()
    assert "NOT IN (SELECT 1)" in LineScope(partition=(0, 10), exclude_sql="SELECT 1").sql()
