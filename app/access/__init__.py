"""Roles and their permissions: stored in the database, changed at run time, read from memory."""
