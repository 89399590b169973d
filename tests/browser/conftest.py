"""Browser tests' fixtures: one Chromium, each person's own browser context, and the real stack.

    from .harness import assert_accessible, screenshot

    async def test_something(platform, browser_for):
        context = await browser_for(locale="de-DE", timezone_id="Europe/Berlin")   # or phone=True
        page = await context.new_page()
        await page.goto(...)
        await assert_accessible(page, "the page")
        await screenshot(page, "the-page")

`platform` runs every registered service (the portal and the development issuer too, once Platform starts them)
on a clock at real time, so what people see is today's. Here `sandbox` and `smtp` are the platform's. All three
and Chromium last as long as this package's tests (a package, so they stop before the suites after it start),
so each module makes data of its own (a program id of its own). Contexts still open when a test fails leave a
screenshot of each of their pages among the artifacts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, async_playwright

from flipside_devstack.fixtures import Sandbox
from flipside_devstack.people import local_stack_people, write_people
from flipside_devstack.platform import Platform
from flipside_devstack.smtp import SmtpSink
from flipside_devstack.stack import LocalStack

from .harness import CHROMIUM_FLAGS, DESKTOP, PHONE, chromium_executable, file_name, screenshot

BrowserFor = Callable[..., Awaitable[BrowserContext]]

FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    if report.when == "call" and report.failed:
        item.stash[FAILED] = True
    return report


@pytest.fixture(scope="package")
async def browser() -> AsyncIterator[Browser]:
    """Debian's Chromium, headless, with the flags this closed network needs."""
    executable = chromium_executable()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=executable, args=list(CHROMIUM_FLAGS))
        yield launched
        await launched.close()


@pytest.fixture
async def browser_for(browser: Browser, request: pytest.FixtureRequest) -> AsyncIterator[BrowserFor]:
    """A factory of browser contexts, one per person: their own cookies, language and time zone.

    `phone=True` gives a phone's viewport and touch; any other keyword goes to `Browser.new_context`
    (`extra_http_headers`, `base_url`, ...).
    """
    contexts: list[BrowserContext] = []

    async def open_context(
        locale: str = "en-GB", timezone_id: str = "Europe/London", phone: bool = False, **options: Any
    ) -> BrowserContext:
        context = await browser.new_context(
            locale=locale, timezone_id=timezone_id, **{**(PHONE if phone else DESKTOP), **options}
        )
        contexts.append(context)
        return context

    yield open_context
    if request.node.stash.get(FAILED, False):
        for number, page in enumerate(page for context in contexts for page in context.pages):
            await screenshot(page, f"failed-{file_name(request.node.name)}-{number}")
    for context in contexts:
        await context.close()


@pytest.fixture(scope="package")
def sandbox(stack: LocalStack) -> Sandbox:
    return Sandbox.on(stack)


@pytest.fixture(scope="package")
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture(scope="package")
def people_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The development issuer's people file: `make up`'s admin and lead at first; a module adds the leads of its
    program (`portal.enlist`), and the issuer reads the file again when it changes."""
    return write_people(tmp_path_factory.mktemp("issuer") / "people.json", local_stack_people())


@pytest.fixture(scope="package")
def platform(
    sandbox: Sandbox, smtp: SmtpSink, people_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    """Every registered service as a process, in the package's sandbox, its clock at real time; the development
    issuer beside them, with the package's people file."""
    running = Platform(
        sandbox.bootstrap_servers,
        sandbox.database_url,
        sandbox.topic_prefix,
        tmp_path_factory.mktemp("logs"),
        smtp.port,
        people=people_file,
    ).start()
    yield running
    running.stop()
