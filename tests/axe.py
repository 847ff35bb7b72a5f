"""axe-core (npm, node_modules/axe-core) run in the page Playwright drives: the accessibility check people
would run by hand, on every state of a screen a test walks through. Serious and critical violations fail.

The script is evaluated through the DevTools protocol rather than added as a <script> tag, so the page's
CSP (no inline scripts) stays as strict as in production and is not reported as violated.

Runs are chained in the page: the browser fixture checks every page on load while a test may check the
same page explicitly, and axe refuses to start while another run is in progress.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from playwright.async_api import Page

AXE_JS = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"

_RUN = """
async () => {
  const run = () => axe.run(document, {
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
    resultTypes: ["violations"],
  });
  const previous = window.__rapportAxe || Promise.resolve();
  const mine = previous.catch(() => null).then(run);
  window.__rapportAxe = mine;
  const result = await mine;
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      // Each element with its markup and axe's reason (a contrast's colours and ratio): enough to fix it from.
      nodes: v.nodes.slice(0, 5).map((n) => [
        n.target.join(" "), n.html.slice(0, 160), ((n.any[0] || n.all[0] || n.none[0] || {}).message || ""),
      ].join(" | ")),
    }));
}
"""


@cache
def _axe_source() -> str:
    if not AXE_JS.exists():
        raise AssertionError("node_modules/axe-core is missing: `make setup` installs it (npm ci)")
    return AXE_JS.read_text()


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical violations on the page as it is now (WCAG 2.x A and AA rules, best practice)."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.evaluate(_axe_source())
    violations: list[dict[str, Any]] = await page.evaluate(_RUN)
    return violations


async def assert_accessible(page: Page, where: str | None = None) -> None:
    """No serious or critical axe violation on the page, said with the rule and the elements."""
    violations = await axe_violations(page)
    assert not violations, f"axe found serious problems on {where or page.url}: {violations}"
