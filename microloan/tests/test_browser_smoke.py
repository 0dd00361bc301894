"""The browser fixture itself: a role signs in, in each language, and sees its menu; and the
browser leaves nothing behind for the tests that run after it in the same process."""

import asyncio

import pytest

from microloan.accounts.testing import make_staff


@pytest.mark.browser
@pytest.mark.parametrize(("language", "sign_out"), [("zh-hans", "退出登录"), ("en", "Sign out")])
def test_open_as_signs_in_and_picks_the_language(open_as, language, sign_out):
    page = open_as("admin", language)
    assert sign_out in page.locator("header.topbar").inner_text()
    assert page.locator("nav.sidebar a").count() > 0


@pytest.mark.django_db
def test_after_a_browser_test_asyncio_and_the_orm_work_as_usual():
    # Run after the browser tests above (file order): Playwright's loop must be gone.
    assert asyncio.run(asyncio.sleep(0, result=1)) == 1
    assert make_staff().pk
