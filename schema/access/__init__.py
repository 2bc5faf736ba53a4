"""GraphQL surface of roles and their permissions."""
