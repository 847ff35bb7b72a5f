"""Collaborations: offers, counter-offers, the agreed terms, deliverables and product seeding."""
