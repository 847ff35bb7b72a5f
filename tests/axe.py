"""axe-core (npm, node_modules/axe-core) run in the page by Playwright: serious and critical violations fail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.async_api import Page

AXE_JS = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"

_RUN = """
async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({
      id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
    }));
}
"""


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical violations on the page as it is now (axe injected through the DevTools protocol,
    which the page's CSP does not govern, so the page keeps its real policy)."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.evaluate(AXE_JS.read_text())
    violations: list[dict[str, Any]] = await page.evaluate(_RUN)
    return violations


async def assert_accessible(page: Page) -> None:
    violations = await axe_violations(page)
    assert not violations, f"axe on {page.url}: {violations}"
