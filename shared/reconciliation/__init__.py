"""Reconciliation: Stripe's transfers, payouts, fees and conversions matched to our ledger, per brand and month."""
