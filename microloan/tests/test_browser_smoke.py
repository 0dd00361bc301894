"""The browser fixture itself: a role signs in, in each language, and sees its menu."""

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("language", "sign_out"), [("zh-hans", "退出登录"), ("en", "Sign out")])
def test_open_as_signs_in_and_picks_the_language(open_as, language, sign_out):
    page = open_as("admin", language)
    assert page.url.endswith("/")
    assert sign_out in page.locator("header.topbar").inner_text()
    assert page.locator("nav.sidebar a").count() > 0
