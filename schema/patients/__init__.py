"""GraphQL surface of patient records."""
