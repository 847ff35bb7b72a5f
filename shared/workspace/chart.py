"""The home's spend-against-budget chart as a Chart.js configuration (plain JSON, drawn by static/src/charts.js)."""

from __future__ import annotations

from typing import Any

from shared.money import minor_digits
from shared.workspace.queries import SpendRow


def _major(minor: int, currency: str) -> float:
    # For the bars' length only: every number people read is format_money of minor units.
    divisor: int = 10 ** minor_digits(currency)
    return minor / divisor


def spend_chart(rows: tuple[SpendRow, ...]) -> dict[str, Any] | None:
    """Budget, committed fees and open offers per campaign (in one currency: the first campaign's; a campaign in
    another currency is in the table only). None when there is nothing to draw."""
    if not rows:
        return None
    currency = rows[0].currency
    shown = [row for row in rows if row.currency == currency]
    series = (
        ("Budget", "#c9c5e8", [row.budget_minor for row in shown]),
        ("Committed", "#3b2f8f", [row.committed_minor for row in shown]),
        ("Open offers", "#b07d00", [row.offered_minor for row in shown]),
    )
    return {
        "type": "bar",
        "data": {
            "labels": [row.name for row in shown],
            "datasets": [
                {
                    "label": f"{label} ({currency})",
                    "data": [_major(v, currency) for v in values],
                    "backgroundColor": color,
                }
                for label, color, values in series
            ],
        },
        "options": {
            "indexAxis": "y",
            "responsive": True,
            "maintainAspectRatio": False,
            "animation": False,
            "plugins": {"legend": {"position": "bottom"}},
            "scales": {"x": {"beginAtZero": True}},
        },
    }
