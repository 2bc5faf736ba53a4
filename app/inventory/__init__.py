"""Inventory: items, stock locations, lots, suppliers, and the stock ledger with its balances."""
