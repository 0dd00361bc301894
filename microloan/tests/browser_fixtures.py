"""Pytest plugin: back-office pages driven in a real browser (Playwright + Debian's chromium).

Loaded from ``microloan/conftest.py``. Fixtures:

- ``open_as(role, language="zh-hans") -> Page``: a staff user in ``role`` signs in through the
  login form of pytest-django's ``live_server``, picks the language with the language switch
  and gets the page (its base URL is the live server, so ``page.goto("/backoffice/...")`` works).
  The test needs the database (``live_server`` means a transactional database). Chromium
  starts at the first call and stops at the test's end (see ``_Browser`` for why): build the
  test's data before the first ``open_as`` call.

Without the ``playwright`` package or /usr/bin/chromium the tests are skipped with a reason
starting "SKIPPED LOUDLY" (``-ra`` prints it), never silently passed. A failing browser test
leaves a screenshot of every page it opened under ``test-artifacts/browser/``.
"""

from __future__ import annotations

import asyncio
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


def _skip_without_browser():
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("SKIPPED LOUDLY: no browser: the playwright package is not installed")
    if not CHROMIUM.exists():
        pytest.skip(f"SKIPPED LOUDLY: no browser: {CHROMIUM} is missing (apt-get install chromium)")


class _Browser:
    """Playwright and chromium for one test, started on the first ``open_as`` call.

    Not shared across tests on purpose: the sync API marks an asyncio loop as running in this
    thread for as long as Playwright lives, and then every ``asyncio.run`` (the PDF sealing of
    contracts) fails and Django refuses ORM calls. Started late, a test can build its data
    (sign contracts included) before it opens the first page; stopped at its end, the next test
    in the process (xdist workers mix browser and other tests) runs as usual.
    """

    def __init__(self):
        self.playwright = None
        self.browser = None

    def start(self):
        if self.browser is None:
            from playwright.sync_api import sync_playwright

            self.playwright = sync_playwright().start()
            try:
                self.browser = self.playwright.chromium.launch(
                    executable_path=str(CHROMIUM), headless=True
                )
            except Exception as error:
                self.stop()
                pytest.skip(f"SKIPPED LOUDLY: no browser: {CHROMIUM} does not start: {error}")
        return self.browser

    def stop(self):
        if self.browser is not None:
            self.browser.close()
        if self.playwright is not None:
            self.playwright.stop()
        self.browser = self.playwright = None
        asyncio._set_running_loop(None)  # in case the driver left it marked


@pytest.fixture
def open_as(request, live_server, monkeypatch):
    """Factory: ``open_as(role, language="zh-hans")`` -> a signed-in Playwright page."""
    from microloan.accounts.roles import ROLE_DEPARTMENTS, ROLES
    from microloan.accounts.testing import make_staff

    _skip_without_browser()
    # Needed (checked): while Playwright lives, Django sees "an async context" in this thread
    # and refuses ORM calls (SynchronousOnlyOperation) from the test. Nothing in the project is
    # async; the ORM calls run between Playwright calls, never inside its loop.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    chromium = _Browser()
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
        context = chromium.start().new_context(base_url=live_server.url, locale=language)
        context.set_default_timeout(TIMEOUT_MS)
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
    chromium.stop()


def _short(language: str) -> str:
    return {"zh-hans": "zh-Hans"}.get(language, language)
