"""A stateful Stripe API simulator (Connect accounts, links, balance, transfers, payouts, events, webhooks).

The app never imports it: it talks to it over HTTP through the real `stripe` SDK, with
STRIPE_API_BASE pointing here. Started by `rapport stripe-sim`, `rapport demo` and the tests.
"""

from .app import Simulator
from .server import running_simulator
from .store import WebhookEndpoint
from .webhooks import sign

__all__ = ["Simulator", "WebhookEndpoint", "running_simulator", "sign"]
