"""Staff user accounts, their roles and their sessions (refresh tokens)."""
