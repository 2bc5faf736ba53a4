"""GraphQL surface of scheduling: set-up, free slots, appointments, the day view, live changes."""
