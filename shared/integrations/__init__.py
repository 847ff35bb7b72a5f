"""The only code that talks to the outside world: payments, storage, OAuth providers, email."""
