"""Campaigns and their versioned briefs."""
