"""A campaign at a glance: creators by stage, deliverables by status, committed spend against budget.

Three queries whatever the campaign's size (the campaign, collaborations grouped by status and
currency, deliverables grouped by status); the numbers are summed in SQL, never per row here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from shared.collaborations.board import DELIVERABLE_STATUSES, DONE_STATUSES
from shared.collaborations.board import STATUS_LABELS as DELIVERABLE_STATUS_LABELS
from shared.collaborations.rules import COMMITTED, OPEN, Status
from shared.collaborations.rules import STATUS_LABELS as COLLABORATION_STATUS_LABELS
from shared.db.engine import get_engine
from shared.errors import NotFound
from shared.money import format_money, minor_digits


@dataclass(frozen=True)
class Count:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class CampaignOverview:
    campaign_id: int
    name: str
    currency: str
    budget_minor: int
    creators_by_stage: list[Count]  # every collaboration status, in the order of the deal's life
    deliverables_by_status: list[Count]  # every deliverable status, in order
    overdue: int  # deliverables past their date and not live yet
    committed_minor: int  # fees of agreed deals (accepted, contracted, in progress, completed)
    open_offers_minor: int  # fees of offers still waiting for an answer (sent or countered)
    # Deals or offers in another currency than the campaign's: not added to the totals above.
    other_currencies: dict[str, int]
    # Payables in the campaign's currency (shared.payments): approved and not paid yet (approved, released, on
    # its way), and paid out.
    approved_minor: int = 0
    paid_minor: int = 0

    @property
    def remaining_minor(self) -> int:
        return self.budget_minor - self.committed_minor

    @property
    def over_budget(self) -> bool:
        return self.budget_minor > 0 and self.committed_minor > self.budget_minor

    @property
    def committed_percent(self) -> int | None:
        """Committed spend as a whole percentage of the budget; None when there is no budget."""
        if self.budget_minor <= 0:
            return None
        return self.committed_minor * 100 // self.budget_minor

    @property
    def creators_total(self) -> int:
        return sum(c.count for c in self.creators_by_stage)

    @property
    def deliverables_total(self) -> int:
        return sum(c.count for c in self.deliverables_by_status)

    def money(self, minor: int) -> str:
        return format_money(minor, self.currency)

    def charts(self) -> dict[str, dict[str, Any]]:
        """Chart.js configurations (static/src/charts.js), keyed by the id the template gives each chart."""
        return overview_charts(self)


def _major(minor: int, currency: str) -> float:
    # For plotting only: the bar's length. Every number people read is format_money of minor units.
    divisor: int = 10 ** minor_digits(currency)
    return minor / divisor


def overview_charts(overview: CampaignOverview) -> dict[str, dict[str, Any]]:
    """The three charts of the overview as Chart.js configurations (plain JSON, no functions)."""
    prefix = f"campaign-{overview.campaign_id}"
    bar_options: dict[str, Any] = {
        "indexAxis": "y",
        "responsive": True,
        "maintainAspectRatio": False,
        "animation": False,
        "plugins": {"legend": {"display": False}},
        "scales": {"x": {"beginAtZero": True, "ticks": {"precision": 0}}},
    }

    def counts(items: list[Count], label: str, color: str) -> dict[str, Any]:
        return {
            "type": "bar",
            "data": {
                "labels": [c.label for c in items],
                "datasets": [{"label": label, "data": [c.count for c in items], "backgroundColor": color}],
            },
            "options": bar_options,
        }

    spend_labels = ["Budget", "Committed", "Open offers", "Approved to pay", "Paid"]
    spend_values = [overview.budget_minor, overview.committed_minor, overview.open_offers_minor,
                    overview.approved_minor, overview.paid_minor]  # fmt: skip
    return {
        f"{prefix}-creators": counts(overview.creators_by_stage, "Creators", "#3b2f8f"),
        f"{prefix}-deliverables": counts(overview.deliverables_by_status, "Deliverables", "#1c7c54"),
        f"{prefix}-spend": {
            "type": "bar",
            "data": {
                "labels": spend_labels,
                "datasets": [
                    {
                        "label": f"Amount ({overview.currency})",
                        "data": [_major(v, overview.currency) for v in spend_values],
                        "backgroundColor": [
                            "#c9c5e8",
                            "#b42318" if overview.over_budget else "#3b2f8f",
                            "#ffd166",
                            "#6c8ebf",
                            "#1c7c54",
                        ],
                    }
                ],
            },
            "options": {**bar_options, "scales": {"x": {"beginAtZero": True}}},
        },
    }


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


async def get_campaign_overview(brand_id: int, campaign_id: int, *, today: dt.date | None = None) -> CampaignOverview:
    """The campaign's creators by stage, deliverables by status and committed spend; NotFound for another brand's."""
    today = today or _today()
    engine = get_engine()
    # The payables' totals ride along in the campaign's own query (the overview stays at three statements).
    campaigns = await engine.fetch(
        """
        SELECT c.id, c.name, c.budget_minor, c.currency,
               coalesce(sum(p.amount_minor) FILTER (WHERE p.status IN ('approved', 'released', 'waiting_funds',
                                                                        'transfer_sent', 'failed')), 0) AS approved,
               coalesce(sum(p.amount_minor) FILTER (WHERE p.status = 'paid_out'), 0) AS paid
        FROM campaign c LEFT JOIN payable p ON p.campaign = c.id AND p.currency = c.currency
        WHERE c.id = $1 AND c.brand = $2 GROUP BY c.id
        """,
        campaign_id,
        brand_id,
    )
    if not campaigns:
        raise NotFound("No such campaign.")
    campaign = campaigns[0]
    currency = str(campaign["currency"])
    deals = await engine.fetch(
        "SELECT status, currency, count(*) AS n, COALESCE(sum(fee_minor), 0) AS fees "
        "FROM collaboration WHERE campaign = $1 GROUP BY status, currency",
        campaign_id,
    )
    deliverables = await engine.fetch(
        "SELECT status, count(*) AS n, count(*) FILTER (WHERE due_on < $2 AND status <> ALL($3::varchar[])) AS overdue "
        "FROM deliverable WHERE campaign = $1 GROUP BY status",
        campaign_id,
        today,
        list(DONE_STATUSES),
    )
    by_status: dict[str, int] = {}
    committed = open_offers = 0
    other: dict[str, int] = {}
    for row in deals:
        status, fees = str(row["status"]), int(row["fees"])
        by_status[status] = by_status.get(status, 0) + int(row["n"])
        counted = status in COMMITTED or status in OPEN
        if counted and row["currency"] != currency:
            other[str(row["currency"])] = other.get(str(row["currency"]), 0) + fees
        elif status in COMMITTED:
            committed += fees
        elif status in OPEN:
            open_offers += fees
    deliverable_counts = {str(row["status"]): int(row["n"]) for row in deliverables}
    return CampaignOverview(
        campaign_id=int(campaign["id"]),
        name=str(campaign["name"]),
        currency=currency,
        budget_minor=int(campaign["budget_minor"]),
        creators_by_stage=[Count(s.value, COLLABORATION_STATUS_LABELS[s], by_status.get(s.value, 0)) for s in Status],
        deliverables_by_status=[
            Count(s, DELIVERABLE_STATUS_LABELS[s], deliverable_counts.get(s, 0)) for s in DELIVERABLE_STATUSES
        ],
        overdue=sum(int(row["overdue"]) for row in deliverables),
        committed_minor=committed,
        open_offers_minor=open_offers,
        other_currencies=other,
        approved_minor=int(campaign["approved"]),
        paid_minor=int(campaign["paid"]),
    )
