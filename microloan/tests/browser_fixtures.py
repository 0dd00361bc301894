"""Pytest plugin: back-office pages driven in a real browser (Playwright + Debian's chromium).

Loaded from ``microloan/conftest.py``. Fixtures:

- ``browser``: one headless chromium per test process (each xdist worker launches its own).
- ``open_as(role, language="zh-hans") -> Page``: a staff user in ``role`` signs in through the
  login form of pytest-django's ``live_server``, picks the language with the language switch
  and gets the page (its base URL is the live server, so ``page.goto("/backoffice/...")`` works).
  The test needs the database (``live_server`` means a transactional database).

Without the ``playwright`` package or /usr/bin/chromium the tests are skipped with a reason
starting "SKIPPED LOUDLY" (``-ra`` prints it), never silently passed. A failing browser test
leaves a screenshot of every page it opened under ``test-artifacts/browser/``.
"""

from __future__ import annotations

import itertools
import os
import re
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("MICROLOAN_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
PASSWORD = "browser-test-Pa55word!"
# Playwright waits this long (ms) for a page or element; pages answer in well under a second,
# but two cores shared with other test processes can stall one for a few.
TIMEOUT_MS = 20_000

_numbers = itertools.count(1)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        for index, page in enumerate(getattr(item, "_browser_pages", [])):
            _screenshot(item, page, index)
    return report


def _screenshot(item, page, index: int) -> None:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid)[-150:]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{name}-{index}.png"), full_page=True)
    except Exception as error:  # a crashed page must not hide the test's own failure
        item.add_report_section("call", "screenshot", f"no screenshot: {error}")


@pytest.fixture(scope="session")
def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("SKIPPED LOUDLY: no browser: the playwright package is not installed")
    if not CHROMIUM.exists():
        pytest.skip(f"SKIPPED LOUDLY: no browser: {CHROMIUM} is missing (apt-get install chromium)")
    # Needed (checked): the sync API leaves an asyncio loop marked running in this thread until
    # the session ends, so Django sees "an async context" and refuses every later ORM call in
    # this process (SynchronousOnlyOperation), browser test or not. Nothing in the project is
    # async; the ORM calls run between Playwright calls, never inside the loop.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(_playwright):
    try:
        browser = _playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
    except Exception as error:
        pytest.skip(f"SKIPPED LOUDLY: no browser: {CHROMIUM} does not start: {error}")
    yield browser
    browser.close()


@pytest.fixture
def open_as(request, browser, live_server):
    """Factory: ``open_as(role, language="zh-hans")`` -> a signed-in Playwright page."""
    from microloan.accounts.roles import ROLE_DEPARTMENTS, ROLES
    from microloan.accounts.testing import make_staff

    contexts = []
    request.node._browser_pages = []

    def open_page(role: str, language: str = "zh-hans"):
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
        username = f"browser_{role}_{next(_numbers)}"
        make_staff(
            role=role,
            username=username,
            password=PASSWORD,
            first_name=role.replace("_", " ").title(),
            department=ROLE_DEPARTMENTS.get(role, ""),
        )
        context = browser.new_context(base_url=live_server.url, locale=language)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        request.node._browser_pages.append(page)
        page.goto("/login/")
        page.locator("input[name=username]").fill(username)
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator(".login-box button[type=submit]").click()
        page.wait_for_load_state()
        if page.locator(".login-box").count():
            raise AssertionError(f"sign-in as {role} failed: {page.inner_text('body')[:300]}")
        switch = page.locator(f'.language-switch button[value="{language}"]')
        if switch.get_attribute("aria-current") != "true":
            with page.expect_navigation():
                switch.click()
        assert page.locator("html").get_attribute("lang") in (language, _short(language))
        return page

    yield open_page
    for context in contexts:
        context.close()


def _short(language: str) -> str:
    return {"zh-hans": "zh-Hans"}.get(language, language)
