"""Payments actions, by family: milestones (payables appear), approvals (policy, approve, refuse, release,
manual payouts), transfers (the outbox's bookkeeping and the webhooks' news)."""

from shared.payments.actions.approvals import (
    Outcome,
    WrongCode,
    check_approve_payables,
    check_release_payables,
    do_record_manual_payout,
    do_refuse_payable,
    do_set_payment_policy,
)
from shared.payments.actions.milestones import (
    do_cancel_open_payables,
    do_mark_bonus_met,
    record_milestone,
    record_milestone_when_all_deliverables,
)

__all__ = [
    "Outcome",
    "WrongCode",
    "check_approve_payables",
    "check_release_payables",
    "do_cancel_open_payables",
    "do_mark_bonus_met",
    "do_record_manual_payout",
    "do_refuse_payable",
    "do_set_payment_policy",
    "record_milestone",
    "record_milestone_when_all_deliverables",
]
