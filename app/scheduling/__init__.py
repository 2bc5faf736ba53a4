"""Scheduling: locations, rooms, providers' availability, appointments, waitlist, reminders."""
