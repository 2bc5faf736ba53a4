"""GraphQL of the patient portal."""
