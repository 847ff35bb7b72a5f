"""The home's charts as Chart.js configurations (plain JSON, drawn by static/src/charts.js): spend against budget,
and what an agreed creator and deliverable cost, per campaign."""

from __future__ import annotations

from typing import Any

from shared.money import minor_digits
from shared.workspace.queries import SpendRow


def _major(minor: int, currency: str) -> float:
    # For the bars' length only: every number people read is format_money of minor units.
    divisor: int = 10 ** minor_digits(currency)
    return minor / divisor


def spend_chart(rows: tuple[SpendRow, ...]) -> dict[str, Any] | None:
    """Budget, committed fees, approved and paid payables, and open offers per campaign (in one currency: the first
    campaign's; a campaign in another currency is in the table only). None when there is nothing to draw."""
    if not rows:
        return None
    currency = rows[0].currency
    shown = [row for row in rows if row.currency == currency]
    series = (
        ("Budget", "#c9c5e8", [row.budget_minor for row in shown]),
        ("Committed", "#3b2f8f", [row.committed_minor for row in shown]),
        ("Approved to pay", "#6c8ebf", [row.approved_minor for row in shown]),
        ("Paid", "#1c7c54", [row.paid_minor for row in shown]),
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


def cost_chart(rows: tuple[SpendRow, ...]) -> dict[str, Any] | None:
    """Cost per agreed creator and per deliverable, per campaign with agreed deals (in the first such campaign's
    currency). None when no campaign has an agreed deal yet."""
    costed = [row for row in rows if row.creators]
    if not costed:
        return None
    currency = costed[0].currency
    shown = [row for row in costed if row.currency == currency]
    series = (
        ("Per creator", "#3b2f8f", [row.per_creator_minor or 0 for row in shown]),
        ("Per deliverable", "#1c7c54", [row.per_deliverable_minor or 0 for row in shown]),
    )
    return {
        "type": "bar",
        "data": {
            "labels": [row.name for row in shown],
            "datasets": [
                {"label": f"{label} ({currency})", "data": [_major(v, currency) for v in values], "backgroundColor": c}
                for label, c, values in series
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
