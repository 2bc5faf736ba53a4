"""The patient record's enums, each value described for callers."""

from __future__ import annotations

from app.patients import models
from schema.enums import described_enum

Sex = described_enum(
    models.Sex,
    "Administrative sex, as recorded for identity matching and billing (FHIR "
    "AdministrativeGender); gender identity is a field of its own.",
    {
        models.Sex.FEMALE: "Female.",
        models.Sex.MALE: "Male.",
        models.Sex.OTHER: "Other than female, male or unknown.",
        models.Sex.UNKNOWN: "Not known.",
    },
)
AllergyCategory = described_enum(
    models.AllergyCategory,
    "What kind of substance an allergy is to (FHIR allergy-intolerance-category).",
    {
        models.AllergyCategory.FOOD: "A food or food ingredient.",
        models.AllergyCategory.MEDICATION: "A drug or other medication.",
        models.AllergyCategory.ENVIRONMENT: "Something in the surroundings: pollen, dust, "
        "latex, animals, insect stings.",
        models.AllergyCategory.BIOLOGIC: "A biological product: a vaccine, blood product or "
        "antibody.",
    },
)
AllergySeverity = described_enum(
    models.AllergySeverity,
    "How bad the reaction is (FHIR reaction severity).",
    {
        models.AllergySeverity.MILD: "Mild physiological effects.",
        models.AllergySeverity.MODERATE: "Moderate physiological effects.",
        models.AllergySeverity.SEVERE: "Severe physiological effects.",
    },
)
ClinicalStatus = described_enum(
    models.ClinicalStatus,
    "Whether an allergy or problem is current (FHIR clinical status).",
    {
        models.ClinicalStatus.ACTIVE: "Current.",
        models.ClinicalStatus.INACTIVE: "Not present now, but may come back.",
        models.ClinicalStatus.RESOLVED: "Over.",
    },
)
SubscriberRelationship = described_enum(
    models.SubscriberRelationship,
    "How the patient relates to the coverage's subscriber, the policy holder (FHIR "
    "subscriber-relationship).",
    {
        models.SubscriberRelationship.SELF: "The patient is the subscriber.",
        models.SubscriberRelationship.SPOUSE: "The patient is the subscriber's spouse or partner.",
        models.SubscriberRelationship.CHILD: "The patient is the subscriber's child.",
        models.SubscriberRelationship.OTHER: "Any other relationship.",
    },
)
NoteStatus = described_enum(
    models.NoteStatus,
    "Where a clinical note is in its life.",
    {
        models.NoteStatus.DRAFT: "Being written: its author may change or sign it.",
        models.NoteStatus.SIGNED: "Signed by its author; it never changes again (addenda "
        "correct it).",
    },
)
