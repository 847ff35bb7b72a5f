"""Accounting exports: payables and payouts, the general-ledger journal, creator statements (CSV, made by a job)."""
