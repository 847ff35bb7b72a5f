"""Walking the simulator's hosted onboarding page as a person would (over HTTP): the walk itself lives beside the
simulator (benches and the demo use it too)."""

from shared.integrations.stripe_simulator.walkthrough import FIELDS, fill_onboarding, ready_account

__all__ = ["FIELDS", "fill_onboarding", "ready_account"]
