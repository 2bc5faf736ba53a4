"""Inventory as the API shows it: items, stock locations, lots, levels, movements, alerts."""
