"""Fixtures for the local OpenID Connect provider and OAuth2 stand-ins (creator sign-in)."""
