"""What each of this domain's error codes tells a caller: its part of the ErrorCode enum's
descriptions (assembled in schema/error_codes.py), keyed by the domain's own members so that
app/ stays free of GraphQL."""

from __future__ import annotations

import enum

from app.patients.errors import PatientErrorCode

DESCRIPTIONS: dict[enum.StrEnum, str] = {
    # patient records
    PatientErrorCode.POSSIBLE_DUPLICATE: (
        "createPatient: a patient with the same family name, given name (ignoring case) and "
        "birth date exists; the message gives that patient's MRN. If this is another person, "
        "send the input again with confirmDuplicate: true."
    ),
    PatientErrorCode.BIRTH_DATE_IN_FUTURE: (
        "The birth date is after today (in the practice's time zone)."
    ),
    PatientErrorCode.BIRTH_DATE_TOO_OLD: "The birth date is before 1900-01-01.",
    PatientErrorCode.INVALID_SSN: (
        "Not a social security number the SSA could issue: 9 digits (dashes and spaces allowed), "
        "with no 000, 666 or 9xx area, no 00 group and no 0000 serial."
    ),
    PatientErrorCode.INVALID_EMAIL: "Not an email address of the form name@domain.tld.",
    PatientErrorCode.INVALID_PHONE: (
        "The phone number has fewer than 10 or more than 15 digits (other characters are not "
        "counted)."
    ),
    PatientErrorCode.INVALID_STATE: "The state is not a two-letter code (e.g. NY).",
    PatientErrorCode.INVALID_POSTAL_CODE: "Not a US ZIP code: 12345 or 12345-6789.",
    PatientErrorCode.INVALID_ICD10_CODE: (
        "addProblem: not an ICD-10-CM diagnosis code (chapters and blocks such as E08-E13 are "
        "groupings, not codes)."
    ),
    PatientErrorCode.PROBLEM_ALREADY_RESOLVED: "resolveProblem: the problem is resolved already.",
    PatientErrorCode.INVALID_PERIOD: (
        "Dates out of order: a coverage that ends before it starts, or a problem resolved "
        "before its onset or after today."
    ),
    PatientErrorCode.INVALID_PRIORITY: (
        "addCoverage: priority is not 1 (primary), 2 (secondary) or 3 (tertiary)."
    ),
    PatientErrorCode.SUBSCRIBER_REQUIRED: (
        "addCoverage: subscriberName is needed when the patient is not the subscriber "
        "(relationship other than SELF)."
    ),
    PatientErrorCode.NOTE_SIGNED: (
        "updateNote or signNote: the note is signed and never changes again; add an addendum."
    ),
    PatientErrorCode.NOTE_NOT_SIGNED: (
        "addNoteAddendum: the note is still a draft; change the draft itself instead."
    ),
    PatientErrorCode.NOT_NOTE_AUTHOR: (
        "updateNote or signNote: only the author of a draft may change or sign it."
    ),
    PatientErrorCode.BREAK_GLASS_REASON_REQUIRED: (
        "breakGlass: the reason has fewer than 10 characters once trimmed (more than 500 is "
        "INVALID_INPUT)."
    ),
    PatientErrorCode.BREAK_GLASS_LIMIT_REACHED: (
        "breakGlass: you opened as many different patients by break-glass today (the "
        "practice's day) as one user may (5 by default); patients opened today can be opened "
        "again. The refusal is recorded for review."
    ),
    PatientErrorCode.BREAK_GLASS_SELF_REVIEW: (
        "reviewBreakGlass: the grant is your own; another compliance officer must review it."
    ),
    PatientErrorCode.BREAK_GLASS_ALREADY_REVIEWED: (
        "reviewBreakGlass: the grant was found APPROPRIATE or INAPPROPRIATE already; only a "
        "NEEDS_FOLLOW_UP finding can be followed by another."
    ),
}
