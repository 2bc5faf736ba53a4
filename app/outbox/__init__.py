"""Outgoing messages (reminders, waitlist offers): written in the transaction that causes them,
sent later by `practice worker`."""
