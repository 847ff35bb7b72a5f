"""Results: live posts checked against their platforms, their metrics over time, and campaign results."""
