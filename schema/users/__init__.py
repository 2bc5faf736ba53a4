"""GraphQL surface of sign-in and the signed-in user."""
