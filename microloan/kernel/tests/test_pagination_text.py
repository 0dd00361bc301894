"""kernel.pagination (one Page, strict and lenient) and kernel.text (one clean_reason)."""

from __future__ import annotations

import pytest

from microloan.kernel.errors import ValidationFailed
from microloan.kernel.pagination import Page, page_for_display, page_of, paginate
from microloan.kernel.text import clean_reason


def test_paginate_takes_one_page_and_counts_all():
    page = paginate(list(range(125)), 2, 50)
    assert page == Page(list(range(50, 100)), 125, 2, 50)
    assert (page.pages, page.number, page.has_previous, page.has_next) == (3, 2, True, True)
    assert (page.previous_page_number, page.next_page_number) == (1, 3)
    assert list(page) == page.items and len(page) == 50


@pytest.mark.parametrize(("number", "size"), [(0, 50), (1, 0), (1, 201)])
def test_paginate_refuses_pages_out_of_bounds(number, size):
    with pytest.raises(ValidationFailed) as refused:
        paginate([], number, size)
    assert refused.value.code == "invalid_page" and "page" in refused.value.fields


def test_an_empty_page_is_still_a_page_of_one():
    page = paginate([], 1, 50)
    assert page and page.pages == 1 and not page.has_next and len(page) == 0


@pytest.mark.parametrize(("requested", "shown"), [(None, 1), ("x", 1), ("2", 2), ("99", 3)])
def test_a_page_for_display_is_lenient(requested, shown):
    page = page_for_display(list(range(101)), requested, 50)
    assert page.number == shown and page.total == 101


def test_page_of_and_map_shape_the_items():
    page = paginate(["a", "b", "c"], 1, 2)
    assert page_of(page, str.upper) == {"items": ["A", "B"], "total": 3, "page": 1, "page_size": 2}
    assert page.map(str.upper).items == ["A", "B"] and page.map(str.upper).total == 3


def test_clean_reason_strips_or_collapses():
    assert clean_reason("  why \n", max_length=500) == "why"
    assert clean_reason(" a \n  b ", max_length=500, collapse_spaces=True) == "a b"
    assert clean_reason(None, max_length=500, required=False) == ""


@pytest.mark.parametrize(
    ("reason", "max_length", "code"),
    [
        ("  ", 500, "reason_required"),
        (7, 1000, "reason_required"),
        ("x" * 501, 500, "reason_too_long"),
        ("x" * 1001, 1000, "reason_too_long"),
    ],
)
def test_clean_reason_refuses_on_the_field_given(reason, max_length, code):
    with pytest.raises(ValidationFailed) as refused:
        clean_reason(reason, max_length=max_length, field="note")
    assert refused.value.code == code and list(refused.value.fields) == ["note"]
