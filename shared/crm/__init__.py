"""CRM: a brand's relationships with creators (roster, stages, notes, timeline, prospects)."""
