"""What browser tests do to a page beyond Playwright's own calls: check it with axe-core and keep a screenshot.

    await assert_accessible(page, "my sessions")   # fails listing every serious or critical WCAG violation
    await screenshot(page, "my-sessions")          # tests/browser/artifacts/my-sessions.png, full page
    refused = policy_refusals(page)                # before goto: what the page's CSP blocks, to assert empty

Chromium is Debian's (`/usr/bin/chromium`, or `FLIPSIDE_CHROMIUM`), axe-core the version locked in
`tests/browser/package-lock.json`; `scripts/bootstrap.sh` installs both.
"""

from __future__ import annotations

import json
import os
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page

HERE = Path(__file__).parent
AXE_SCRIPT = HERE / "node_modules" / "axe-core" / "axe.min.js"

# Without the background-networking flags Chromium dials out at start (updates, sync, field trials), and this
# closed network refuses those connections; QUIC would be tried for nothing too.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}}
# A phone of today's common size, touch and the mobile viewport meta tag honoured.
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}

# WCAG 2.0, 2.1 and 2.2, levels A and AA: the bar.
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa")
BLOCKING_IMPACTS = ("serious", "critical")


def chromium_executable() -> str:
    """Chromium to drive, or the test fails saying how to get it: a browser test never skips."""
    path = os.environ.get("FLIPSIDE_CHROMIUM") or "/usr/bin/chromium"
    if not os.access(path, os.X_OK):
        pytest.fail(
            f"no Chromium at {path}: run scripts/bootstrap.sh (it installs Debian's chromium) "
            "or set FLIPSIDE_CHROMIUM to a Chromium executable",
            pytrace=False,
        )
    return path


@cache
def axe_source() -> str:
    if not AXE_SCRIPT.exists():
        pytest.fail(
            f"axe-core is not installed ({AXE_SCRIPT} is missing): run scripts/bootstrap.sh "
            "(npm ci --prefix tests/browser)",
            pytrace=False,
        )
    return AXE_SCRIPT.read_text()


def artifacts_dir() -> Path:
    """Where screenshots go: FLIPSIDE_BROWSER_ARTIFACTS when set, else tests/browser/artifacts (gitignored)."""
    directory = Path(os.environ.get("FLIPSIDE_BROWSER_ARTIFACTS") or HERE / "artifacts")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


async def screenshot(page: Page, name: str) -> Path:
    """The whole page (not only the viewport) as `<name>.png` among the artifacts; its path printed."""
    path = artifacts_dir() / f"{file_name(name)}.png"
    await page.screenshot(path=path, full_page=True)
    print(f"screenshot: {path}")
    return path


def policy_refusals(page: Page) -> list[str]:
    """What the page's Content-Security-Policy refuses from now on (Chromium's console says "Refused to ..."), as it
    happens: a page that loads anything its own policy forbids is broken for people too."""
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text) if "Refused to" in message.text else None)
    return refused


def file_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "page"


async def assert_accessible(page: Page, name: str) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now; fail listing every serious or critical WCAG A/AA violation.

    axe's source is evaluated through the DevTools protocol (`page.evaluate`), which the page's
    Content-Security-Policy does not govern, so the page is checked under its own strict policy, as people get it.
    Returns the lesser (moderate, minor) violations, for a test that wants to look at them.
    """
    if not await page.evaluate("typeof window.axe === 'object'"):
        await page.evaluate(axe_source())
    results = await page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        list(WCAG_TAGS),
    )
    violations = results["violations"]
    blocking = [violation for violation in violations if violation["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"{name} ({page.url}) breaks WCAG 2.2 AA:\n" + "\n".join(map(described, blocking))
    return [violation for violation in violations if violation["impact"] not in BLOCKING_IMPACTS]


def described(violation: dict[str, Any]) -> str:
    """One violation with every node it was found on, as a person fixing the template needs it."""
    lines = [f"- {violation['impact']} {violation['id']}: {violation['help']} ({violation['helpUrl']})"]
    for node in violation["nodes"]:
        lines.append(f"    at {json.dumps(node['target'])}: {node['html'][:300]}")
        lines.extend(f"      {line}" for line in (node.get("failureSummary") or "").splitlines())
    return "\n".join(lines)
