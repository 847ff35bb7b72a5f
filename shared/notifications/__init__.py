"""Notifications: in-app, and email through an outbox; reminders from a periodic job."""
