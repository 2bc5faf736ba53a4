"""Patient records: demographics, insurance, allergies, problems and clinical notes."""
