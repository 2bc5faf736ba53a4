"""GraphQL surface of the audit trail (compliance officers only)."""
