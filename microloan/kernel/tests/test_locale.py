"""The kernel's refusals (errors, money, business date, maker-checker) read in zh-Hans too."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext

CATALOG = Path(__file__).resolve().parents[1] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _msgids() -> list[str]:
    text = CATALOG.read_text(encoding="utf-8")
    return [m for m in re.findall(r'^msgid "(.+)"$', text, re.M)]


def test_every_kernel_message_has_a_translation():
    text = CATALOG.read_text(encoding="utf-8")
    untranslated = re.findall(r'^msgid "(.+)"\nmsgstr ""$', text, re.M)
    assert _msgids() and untranslated == []
    assert "#, fuzzy" not in text


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("The business date is not %(date)s.", "当前营业日不是 %(date)s。"),
        ("The maker of a version cannot approve it.", "版本的提出人不能审批该版本。"),
        ("Rate must be a decimal number.", "利率须为十进制数。"),
        ("The service is busy. Try again in a moment.", "服务繁忙，请稍后重试。"),
        ("At most %(places)s decimals.", "最多 %(places)s 位小数。"),
    ],
)
def test_kernel_messages_read_in_chinese(message, expected):
    with translation.override("zh-hans"):
        assert gettext(message) == expected
    with translation.override("en"):
        assert gettext(message) == message
