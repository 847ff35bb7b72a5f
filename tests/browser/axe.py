"""axe-core (npm, a devDependency) run inside the page Playwright drives: the accessibility check people
would run by hand, on every state of a screen a test walks through.

The script is evaluated through the DevTools protocol rather than added as a <script> tag, so the page's
CSP (no inline scripts) stays as strict as in production and is not reported as violated.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from playwright.async_api import Page

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@cache
def _axe_source() -> str:
    if not AXE.exists():
        raise AssertionError("node_modules/axe-core is missing: `make setup` installs it (npm ci)")
    return AXE.read_text()


async def axe_violations(page: Page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict[str, Any]]:
    """The axe violations of those impacts on the page as it is now (WCAG 2.x A and AA rules)."""
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        await page.evaluate(_axe_source())
    result: dict[str, Any] = await page.evaluate(
        """async () => axe.run(document, {
             runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
             resultTypes: ["violations"],
           })"""
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in impacts
    ]


async def assert_accessible(page: Page, where: str) -> None:
    """No serious or critical axe violation on the page, said with the rule and the elements."""
    violations = await axe_violations(page)
    assert not violations, f"axe found serious problems on {where}: {violations}"
