"""A campaign at a glance: creators by stage, deliverables by status, committed spend against budget, and what each
agreed creator and deliverable costs.

Four queries whatever the campaign's size (the campaign, collaborations grouped by status and currency,
deliverables grouped by status, the agreed deals' costs with their totals); the numbers are summed in SQL, never
per row here.
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
from shared.money import format_money, minor_digits, per_each


@dataclass(frozen=True)
class Count:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class CreatorCost:
    """One agreed deal of the campaign: its fee, how many deliverables it owes, what it has paid out."""

    collaboration_id: int
    creator_name: str
    fee_minor: int
    deliverables: int
    paid_minor: int

    @property
    def per_deliverable_minor(self) -> int | None:
        return per_each(self.fee_minor, self.deliverables)


CREATOR_COSTS_SHOWN = 50


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
    # The agreed deals in the campaign's currency, largest fee first (at most CREATOR_COSTS_SHOWN), and the totals
    # the costs per creator and per deliverable are shared among (all agreed deals, not only those shown).
    creator_costs: tuple[CreatorCost, ...] = ()
    agreed_creators: int = 0
    agreed_deliverables: int = 0

    @property
    def per_creator_minor(self) -> int | None:
        return per_each(self.committed_minor, self.agreed_creators)

    @property
    def per_deliverable_minor(self) -> int | None:
        return per_each(self.committed_minor, self.agreed_deliverables)

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

    def money(self, minor: int | None) -> str:
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
        f"{prefix}-costs": {
            "type": "bar",
            "data": {
                "labels": [c.creator_name for c in overview.creator_costs[:12]],
                "datasets": [
                    {
                        "label": f"Fee ({overview.currency})",
                        "data": [_major(c.fee_minor, overview.currency) for c in overview.creator_costs[:12]],
                        "backgroundColor": "#3b2f8f",
                    },
                    {
                        "label": f"Per deliverable ({overview.currency})",
                        "data": [
                            _major(c.per_deliverable_minor or 0, overview.currency) for c in overview.creator_costs[:12]
                        ],
                        "backgroundColor": "#1c7c54",
                    },
                    {
                        "label": f"Paid ({overview.currency})",
                        "data": [_major(c.paid_minor, overview.currency) for c in overview.creator_costs[:12]],
                        "backgroundColor": "#6c8ebf",
                    },
                ],
            },
            "options": {
                **bar_options,
                "plugins": {"legend": {"position": "bottom"}},
                "scales": {"x": {"beginAtZero": True}},
            },
        },
    }


def _creator_cost(r: Any) -> CreatorCost:
    return CreatorCost(
        int(r["id"]), str(r["display_name"]), int(r["fee_minor"]), int(r["deliverables"]), int(r["paid"])
    )


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
    # The agreed deals' costs; the window totals count every agreed deal, also those past the LIMIT.
    costs = await engine.fetch(
        """
        WITH agreed AS (
            SELECT co.id, cr.display_name, co.fee_minor,
                   (SELECT count(*) FROM deliverable d WHERE d.collaboration = co.id) AS deliverables,
                   (SELECT coalesce(sum(p.amount_minor), 0) FROM payable p
                    WHERE p.collaboration = co.id AND p.currency = co.currency AND p.status = 'paid_out') AS paid
            FROM collaboration co JOIN creator cr ON cr.id = co.creator
            WHERE co.campaign = $1 AND co.status = ANY($2::varchar[]) AND co.currency = $3
        )
        SELECT *, count(*) OVER () AS creators_total, sum(deliverables) OVER () AS deliverables_total
        FROM agreed ORDER BY fee_minor DESC, id LIMIT $4
        """,
        campaign_id,
        [s.value for s in COMMITTED],
        currency,
        CREATOR_COSTS_SHOWN,
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
        creator_costs=tuple(_creator_cost(r) for r in costs),
        agreed_creators=int(costs[0]["creators_total"]) if costs else 0,
        agreed_deliverables=int(costs[0]["deliverables_total"]) if costs else 0,
    )
