"""Payables per milestone, maker-checker approvals, releases and transfers that happen exactly once."""
