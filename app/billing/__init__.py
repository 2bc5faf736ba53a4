"""Billing and claims: encounters, charges, claims, X12 files, remittances and the money ledger."""
