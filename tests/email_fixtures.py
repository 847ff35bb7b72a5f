"""Fixtures for a real SMTP server (aiosmtpd) that captures the emails the app sends."""
