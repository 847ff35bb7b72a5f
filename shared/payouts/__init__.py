"""Creators' payout accounts (Stripe Connect Express) and Stripe's webhook events."""
