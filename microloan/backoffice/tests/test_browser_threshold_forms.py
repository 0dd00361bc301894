"""In a real browser: threshold drafts are typed one labelled input per threshold; a bad value
keeps what was typed and is named in words next to its input (no JSON), in zh-Hans and en."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {
        "min_age": "Minimum age",
        "mild": "Mild limit cut (%)",
        "severe": "Severe limit cut (%)",
        "save": "Save the draft",
        "kept": "what you typed is kept",
        "low": "greater than or equal to 18",
        "above": "Must not be above “Severe limit cut (%)”",
    },
    "zh-hans": {
        "min_age": "最低年龄",
        "mild": "轻度降额比例（%）",
        "severe": "重度降额比例（%）",
        "save": "保存草稿",
        "kept": "您填写的内容已保留",
        "low": "确保该值大于或等于18",
        "above": "“重度降额比例（%）”",
    },
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_admission_policy_keeps_an_age_out_of_bounds(open_as, live_server, language):
    words = WORDS[language]
    page = open_as("risk_analyst", language)
    page.goto(live_server.url + "/origination/policies/")
    page.get_by_label(words["min_age"]).fill("16")
    page.locator("form[action$='/policies/draft/'] button[type=submit]").click()
    text = page.locator("body").inner_text()
    assert words["kept"] in text and words["low"] in text and "JSON" not in text
    assert page.get_by_label(words["min_age"]).input_value() == "16"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_early_warning_policy_names_a_broken_rule_in_words(open_as, live_server, language):
    words = WORDS[language]
    page = open_as("risk_analyst", language)
    page.goto(live_server.url + "/risk/postloan/policies/")
    page.get_by_label(words["mild"]).fill("60")
    page.get_by_role("button", name=words["save"]).click()
    text = page.locator("body").inner_text()
    assert words["kept"] in text and words["above"] in text
    assert "severe_cut_percent" not in text.split(words["kept"])[1]
    assert page.get_by_label(words["mild"]).input_value() == "60"
    assert page.get_by_label(words["severe"]).input_value() == "50"
