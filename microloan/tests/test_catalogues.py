"""The zh-Hans catalogues are complete and right: no fuzzy entry (msgfmt drops them, so the page
shows English, and their guessed wording is usually wrong), and each .mo matches its .po."""

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CATALOGUES = sorted(ROOT.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"))


def test_there_are_catalogues():
    assert len(CATALOGUES) > 10


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_fuzzy_entries(po):
    fuzzy = [
        entry.split("msgid ", 1)[-1].split("\n", 1)[0]
        for entry in po.read_text(encoding="utf-8").split("\n\n")
        if re.search(r"^#,.*\bfuzzy\b", entry, re.M) and 'msgid ""\nmsgstr ""\n"' not in entry
    ]
    assert not fuzzy, f"fuzzy entries (translate them, drop the flag): {fuzzy}"


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_compiled_catalogue_is_current(po, tmp_path):
    msgfmt = subprocess.run(["which", "msgfmt"], capture_output=True, text=True).stdout.strip()
    if not msgfmt:
        pytest.skip("SKIPPED LOUDLY: msgfmt (gettext) is not installed")
    fresh = tmp_path / "django.mo"
    subprocess.run([msgfmt, "-o", str(fresh), str(po)], check=True)
    assert fresh.read_bytes() == po.with_suffix(".mo").read_bytes(), (
        f"recompile: cd {po.parent} && msgfmt -o django.mo django.po"
    )


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        # One msgid has one translation across all catalogues (the project's wins, then the
        # apps' in INSTALLED_APPS order): these were wrong words on real pages (issue 13).
        ("Create draft", "创建草稿"),
        ("Blacklist", "黑名单"),
        ("From", "从"),  # a date filter, a state or a bucket: not "start date"
        ("To", "到"),
        ("Overdue", "逾期金额"),  # principal and interest, not principal alone
        ("Reject", "驳回"),
        ("Failed", "失败"),
    ],
)
def test_words_that_were_wrong_read_right(english, chinese):
    from django.utils import translation

    with translation.override("zh-hans"):
        assert translation.gettext(english) == chinese
