"""Practice management backend: domain services, models and infrastructure."""
