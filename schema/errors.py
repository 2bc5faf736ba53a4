"""Domain errors as clients see them: userErrors in mutation payloads, GraphQL errors from queries.

Services name the field at fault in their own words (snake_case paths); `input_path` is the one
place that turns such a path into the path of the input the client sent.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info
from strawberry.utils.str_converters import to_camel_case

from app.access.errors import AccessErrorCode
from app.auth import AuthErrorCode
from app.authz import Actor, unscoped
from app.billing.errors import BillingErrorCode
from app.errors import CommonErrorCode, DomainError, DomainErrors
from app.inventory.errors import InventoryErrorCode
from app.patients.errors import PatientErrorCode
from app.portal.errors import PortalErrorCode
from app.scheduling.errors import SchedulingErrorCode
from app.users.errors import UserErrorCode
from app.users.totp import TotpErrorCode
from schema.context import Context
from schema.enums import described_enum
from schema.ids import UnknownId

T = TypeVar("T")

# A domain field -> its exact input path, for inputs that name or nest it differently from the
# service (e.g. {"city": ["address", "city"]}); the rest of the domain path is camel-cased.
FieldOverrides = Mapping[str, Sequence[str]]

_DOMAIN_CODES: tuple[type[enum.StrEnum], ...] = (
    CommonErrorCode,
    AuthErrorCode,
    TotpErrorCode,
    UserErrorCode,
    PatientErrorCode,
    SchedulingErrorCode,
    AccessErrorCode,
    PortalErrorCode,
    InventoryErrorCode,
    BillingErrorCode,
)

_ErrorCode = enum.Enum(  # type: ignore[misc]
    "ErrorCode",
    {member.value: member.value for codes in _DOMAIN_CODES for member in codes},
)

# What each code tells a caller. Keyed by the domain's members (app/ stays free of GraphQL); a
# code added to a domain without a line here shows up in tests/core/test_schema_descriptions.py.
CODE_DESCRIPTIONS: dict[enum.StrEnum, str] = {
    # any domain
    CommonErrorCode.NOT_FOUND: (
        "Something the input names does not exist: no object has this id (or it is an id of "
        "another type), or no user has this username. `field` names the input that held it."
    ),
    CommonErrorCode.INVALID_INPUT: (
        "A value refused for a reason without a code of its own: text longer than its field "
        "allows, or a combination the operation does not support. The message says which."
    ),
    CommonErrorCode.INVALID_TEXT: (
        "Text holding a character no typed text may hold: a control character (line feeds and "
        "tabs are allowed in notes only), a bidirectional override or isolate (U+202A-U+202E, "
        "U+2066-U+2069), a line or paragraph separator, a lone surrogate, or, in a name, an "
        "invisible formatting character such as a zero-width space or joiner. The message "
        "names the character (U+XXXX) and where it is; nothing is removed silently."
    ),
    CommonErrorCode.REQUIRED: "A required value is missing, or blank once trimmed.",
    # sign-in
    AuthErrorCode.INVALID_CREDENTIALS: (
        "login: wrong username or password, or a disabled account (which of these is not said). "
        "Each failure slows further attempts down (see TOO_MANY_ATTEMPTS)."
    ),
    AuthErrorCode.TOO_MANY_ATTEMPTS: (
        "login: too many failed attempts from this address, at this username, or at this "
        "username from anywhere; retryAfterSeconds says when to try again (the wait doubles "
        "with each further failure, up to 15 minutes by default, and 30 seconds at most for "
        "a username tried from elsewhere). No password was checked. Said alike whether the "
        "username exists or not; an account is never locked by failures."
    ),
    AuthErrorCode.ACCOUNT_LOCKED: (
        "login: the password is right but an administrator has locked the account."
    ),
    TotpErrorCode.TOTP_REQUIRED: (
        "login: the password is right and the account has a TOTP second factor: send totpCode, "
        "the 6-digit code of the authenticator app. Counts as a failed attempt."
    ),
    TotpErrorCode.INVALID_TOTP_CODE: (
        "login or confirmTotpEnrolment: the TOTP code is not the current one (30 s either side "
        "is allowed) or was used already. Counts as a failed attempt at login."
    ),
    TotpErrorCode.TOTP_ENROLMENT_REQUIRED: (
        "login: the password is right, but the user's role requires a TOTP second factor and "
        "none is enrolled. totpEnrolment holds a new secret: add it to an authenticator app, "
        "then log in again with its code as totpCode, which enrols it and signs in."
    ),
    TotpErrorCode.NO_TOTP_ENROLMENT: (
        "confirmTotpEnrolment: no enrolment was started (startTotpEnrolment first)."
    ),
    TotpErrorCode.WRONG_PASSWORD: (
        "confirmTotpEnrolment: the password given is not the signed-in user's; nothing changed."
    ),
    AuthErrorCode.INVALID_REFRESH_TOKEN: (
        "refreshToken or logout: the token is unknown, already used, expired, or its session has "
        "ended; log in again. Presenting a used refresh token ends its whole session."
    ),
    # user administration (the `practice create-user` command; no mutation returns these yet)
    UserErrorCode.USERNAME_TAKEN: "Creating a user: another user has this username.",
    UserErrorCode.WEAK_PASSWORD: "Creating a user: the password has fewer than 12 characters.",
    UserErrorCode.LAST_ADMIN: (
        "setUserRoles: it would leave no active user holding admin, and so nobody able to change "
        "roles or the policy again; grant admin to someone else first."
    ),
    # roles and their permissions
    AccessErrorCode.INVALID_ROLE_NAME: (
        "A role name is lowercase letters, digits and underscores, starting with a letter, at "
        "most 32 characters, and not `system`."
    ),
    AccessErrorCode.ROLE_EXISTS: "createRole: a role with this name exists.",
    AccessErrorCode.UNKNOWN_ROLE: "No role has this name (or no role was given).",
    AccessErrorCode.UNKNOWN_PERMISSION: (
        "Not a (resource, action) pair of the permission catalog (see permissionCatalog)."
    ),
    AccessErrorCode.NOT_GRANTED: (
        "revokePermission: the role does not hold this permission itself (it may inherit it)."
    ),
    AccessErrorCode.BUILTIN_ROLE: "deleteRole: a builtin role cannot be deleted.",
    AccessErrorCode.ROLE_IN_USE: "deleteRole: users still hold the role; take it from them first.",
    AccessErrorCode.LOCKOUT: (
        "revokePermission: taking access_policy write from admin would leave nobody able to "
        "change roles."
    ),
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
    # scheduling
    SchedulingErrorCode.SLOT_UNAVAILABLE: (
        "The provider is booked at that time, perhaps a moment ago by someone else: ask for "
        "free slots again and pick another."
    ),
    SchedulingErrorCode.OUTSIDE_AVAILABILITY: (
        "The provider has no working hours at that time, or none at that location."
    ),
    SchedulingErrorCode.ROOM_UNAVAILABLE: (
        "No suitable room is free at that time: the room asked for, or any room of the type the "
        "appointment type needs."
    ),
    SchedulingErrorCode.INVALID_TRANSITION: (
        "The appointment's status does not allow this step, e.g. checking in a cancelled "
        "appointment or moving a fulfilled one."
    ),
    SchedulingErrorCode.IN_THE_PAST: "The start time has passed (by more than 5 minutes).",
    SchedulingErrorCode.TOO_EARLY: "markNoShow: the appointment has not started yet.",
    SchedulingErrorCode.INVALID_NPI: (
        "Not a National Provider Identifier: 10 digits, the last being the Luhn check digit of "
        "80840 followed by the first nine."
    ),
    SchedulingErrorCode.INVALID_TIMEZONE: "Not an IANA time zone name such as America/New_York.",
    SchedulingErrorCode.INVALID_TIME_RANGE: (
        "A time or span the rules refuse: a DateTime without its UTC offset, a start not before "
        "its end, a window longer than allowed, a time outside the years 1 to 9999, a duration "
        "outside 5 to 480 minutes, a weekday outside 0 to 6, extra hours without a location, "
        "a waitlist window that does not end in the future, or a time a schedule cannot hold: "
        "an appointment, availability exception, waitlist window or weekly hours' validity "
        "date outside a year before today to ten years after. `field` and the message say "
        "which."
    ),
    SchedulingErrorCode.INVALID_RRULE: (
        "A recurrence rule this API does not take: it needs FREQ=DAILY, WEEKLY, MONTHLY or "
        "YEARLY and COUNT or UNTIL (RFC 5545), at least one and at most 104 occurrences, all "
        "within five years of the first."
    ),
    SchedulingErrorCode.SERIES_CONFLICT: (
        "bookRecurringAppointments with skipConflicts: not one occurrence could be booked."
    ),
    SchedulingErrorCode.INACTIVE: "The provider or the appointment type is no longer in use.",
    SchedulingErrorCode.NAME_TAKEN: (
        "Something that must be unique is taken: a location's or appointment type's name, or "
        "a provider's user or NPI."
    ),
    SchedulingErrorCode.REASON_REQUIRED: "cancelAppointment: the reason is missing or blank.",
    SchedulingErrorCode.VERSION_CONFLICT: (
        "The appointment changed since the version given as expectedVersion (someone else moved, "
        "checked in or cancelled it meanwhile): read it again, then decide."
    ),
    # the portal's accounts
    PortalErrorCode.INVALID_INVITATION: (
        "activatePatientAccount: no invitation has this token (mistyped or cut short): check "
        "the link."
    ),
    PortalErrorCode.INVITATION_EXPIRED: (
        "activatePatientAccount: the invitation's link has expired; ask the practice for a new one."
    ),
    PortalErrorCode.INVITATION_USED: (
        "activatePatientAccount: the invitation was used already (or replaced by a newer "
        "one): sign in, or ask the practice for a new one."
    ),
    PortalErrorCode.PATIENT_HAS_LOGIN: (
        "The patient has a portal login of their own already (re-enable it if disabled)."
    ),
    PortalErrorCode.NO_EMAIL: "invitePatientUser: no address given and none on file.",
    PortalErrorCode.INVALID_RESET_TOKEN: (
        "resetPassword: the link is unknown, used or expired (which is not said): request a "
        "new one."
    ),
    PortalErrorCode.NOT_A_PATIENT_LOGIN: (
        "The username names a staff account, not a portal login: staff accounts are "
        "administered with setUserRoles."
    ),
    PortalErrorCode.NOT_A_PROXY_LINK: (
        "A patient's own (SELF) link is opened by invitation and ended by disabling the "
        "login, not granted or revoked as a proxy link."
    ),
    PortalErrorCode.END_DATE_PAST: "grantProxyAccess: endsOn is today or past.",
    PortalErrorCode.PROXY_AGE_LIMIT: (
        "grantProxyAccess: a PARENT link would end at the practice's age limit "
        "(PRACTICE_PROXY_PARENT_ACCESS_UNTIL_AGE), which the patient has reached."
    ),
    # inventory
    InventoryErrorCode.INSUFFICIENT_STOCK: (
        "Not enough unexpired stock of the item at the stock location (or in the lot named) for "
        "the quantity asked, perhaps used a moment ago by someone else; expired stock counts as "
        "none. Nothing was written."
    ),
    InventoryErrorCode.LOT_EXPIRED: (
        "consumeStock or transferStock: the lot named is past its expiry date; waste it "
        "(reason EXPIRED) instead."
    ),
    InventoryErrorCode.INVALID_NDC: (
        "Not a National Drug Code: 4-4-2, 5-3-2 or 5-4-1 digits with hyphens, or 11 digits "
        "(5-4-2, with or without hyphens). Ten digits without hyphens are ambiguous."
    ),
    InventoryErrorCode.NDC_NOT_ALLOWED: "Only medications and vaccines carry an NDC.",
    InventoryErrorCode.SKU_TAKEN: "createItem: another item has this SKU.",
    InventoryErrorCode.INVENTORY_NAME_TAKEN: (
        "A supplier's name, or a stock location's name within its location, is taken."
    ),
    InventoryErrorCode.INVALID_STOCK_QUANTITY: (
        "A quantity or amount the rules refuse: not positive where it must be, a negative cost, "
        "reorder point or par level, or a par level below the reorder point."
    ),
    InventoryErrorCode.INVALID_SUPPLY_CODE: (
        "Not a HCPCS Level II code (a letter A-V and four digits, e.g. J1100) or a CPT code "
        "(five digits, or four and F, T or U)."
    ),
    InventoryErrorCode.ITEM_INACTIVE: "receiveStock: the item is no longer stocked.",
    InventoryErrorCode.LOT_REQUIRED: (
        "receiveStock: medications and vaccines are received with their lot number."
    ),
    InventoryErrorCode.LOT_EXPIRY_MISMATCH: (
        "receiveStock: the lot is known with another expiry date; check the label."
    ),
    InventoryErrorCode.REASON_CODE_REQUIRED: "With the reason code OTHER, the note says why.",
    InventoryErrorCode.SAME_LOCATION: "transferStock: the two stock locations are the same.",
    InventoryErrorCode.WITNESS_REQUIRED: (
        "The item is a controlled substance: every movement needs witnessToken, the access "
        "token of a second staff member who may consume stock."
    ),
    InventoryErrorCode.INVALID_WITNESS: (
        "The witness token is not an open session of another active staff member who may "
        "consume stock (or it was spent already). Nothing was written."
    ),
    InventoryErrorCode.PURCHASE_ORDER_STATE: (
        "The purchase order's status does not allow this: only a DRAFT is ordered, a CLOSED one "
        "is not closed again, and stock is received only against an ORDERED or PARTLY_RECEIVED "
        "order."
    ),
    InventoryErrorCode.OVER_RECEIPT: (
        "receiveStock: more than the purchase order line still has to come (the message says "
        "how many); receive the surplus ad hoc."
    ),
    InventoryErrorCode.WRONG_ITEM: "receiveStock: the purchase order line is for another item.",
    InventoryErrorCode.COUNT_IN_PROGRESS: (
        "startStockCount: the stock location has an unfinished count; finish that one first."
    ),
    InventoryErrorCode.COUNT_FINISHED: "The stock count is finished: it changes no more.",
    # billing
    BillingErrorCode.PAYER_ID_TAKEN: "createPayer: another payer has this X12 payer id.",
    BillingErrorCode.INVALID_FILING_INDICATOR: (
        "createPayer: not an X12 claim filing indicator code (SBR09: CI, MB, MC, BL, HM, ...)."
    ),
    BillingErrorCode.INVALID_BILLING_NPI: (
        "updateBillingProvider: the NPI is not 10 digits ending in its Luhn check digit "
        "(computed with the 80840 prefix)."
    ),
    BillingErrorCode.INVALID_TAX_ID: (
        "updateBillingProvider: a tax id (EIN) is 9 digits (12-3456789)."
    ),
    BillingErrorCode.INVALID_ZIP_CODE: "A billing address's ZIP code is not 12345 or 12345-6789.",
    BillingErrorCode.INVALID_STATE_CODE: (
        "A billing address's state is not a two-letter US state code."
    ),
    BillingErrorCode.INVALID_CONTACT_PHONE: (
        "updateBillingProvider: the contact phone is not 10 digits."
    ),
    BillingErrorCode.INVALID_VALIDITY: "createFeeSchedule: validUntil is before validFrom.",
    BillingErrorCode.SCHEDULE_OVERLAP: (
        "createFeeSchedule: another schedule of the same payer (or another default schedule) "
        "is in force during part of this period; a date of service must have one price."
    ),
    BillingErrorCode.INVALID_PRICE: "setFeeScheduleEntry: a price is 0 to 10,000,000 cents.",
    BillingErrorCode.INVALID_PROCEDURE_CODE: (
        "Not a CPT code (5 digits, or 4 digits and F, T or U) nor a HCPCS Level II code (a "
        "letter and 4 digits)."
    ),
    BillingErrorCode.INVALID_MODIFIER: (
        "More than 4 modifiers, or one that is not two letters or digits."
    ),
    BillingErrorCode.INVALID_DIAGNOSIS_CODE: (
        "setEncounterDiagnoses: not an ICD-10-CM diagnosis code (`field` names its position)."
    ),
    BillingErrorCode.TOO_MANY_DIAGNOSES: (
        "setEncounterDiagnoses: a claim carries at most 12 diagnoses."
    ),
    BillingErrorCode.DUPLICATE_DIAGNOSIS: "setEncounterDiagnoses: the same code is listed twice.",
    BillingErrorCode.INVALID_POINTER: (
        "addChargeLine: more than 4 diagnosis pointers, or one that is not the position (from "
        "1) of one of the encounter's diagnoses."
    ),
    BillingErrorCode.INVALID_UNITS: "addChargeLine: units are 1 to 999.",
    BillingErrorCode.NO_PRICE: (
        "addChargeLine: neither the primary payer's fee schedule nor the default one in force "
        "on the date of service prices this code."
    ),
    BillingErrorCode.ENCOUNTER_LOCKED: (
        "A claim of the encounter is READY, SUBMITTED or ACCEPTED: its codes and lines are what "
        "was sent. Void or correct the claim instead."
    ),
    BillingErrorCode.LINE_REMOVED: "removeChargeLine: the line is removed already.",
    BillingErrorCode.COVERAGE_NOT_OF_PATIENT: "createClaim: the coverage is another patient's.",
    BillingErrorCode.COVERAGE_NOT_IN_FORCE: (
        "createClaim: the coverage's period does not hold the date of service."
    ),
    BillingErrorCode.UNKNOWN_PAYER: (
        "createClaim: no payer has the coverage's payer id; create the payer first."
    ),
    BillingErrorCode.CLAIM_EXISTS: (
        "createClaim: the encounter is billed to this coverage already (a claim that is not "
        "VOID); createCorrectedClaim: the claim is replaced already."
    ),
    BillingErrorCode.CLAIM_NOT_CLEAN: (
        "markClaimReady: the scrubber found a problem (one userError each; the message starts "
        "with its ScrubProblemCode). The claim stays DRAFT; scrubClaim lists them in detail."
    ),
    BillingErrorCode.CLAIM_INCOMPLETE: (
        "The claim lacks what every claim must carry (the billing provider, or the subscriber's "
        "name and birth date): scrub it."
    ),
    BillingErrorCode.INVALID_CLAIM_TRANSITION: (
        "The claim's state does not allow this step, e.g. marking a VOID claim ready, voiding a "
        "SUBMITTED one, or correcting a DRAFT one. Nothing changed."
    ),
    BillingErrorCode.PAYER_CLAIM_NUMBER_REQUIRED: (
        "voidClaim or createCorrectedClaim: the payer holds the claim but its claim number (from "
        "the acknowledgement or remittance) is not known yet."
    ),
    BillingErrorCode.CLAIM_REASON_REQUIRED: "voidClaim or createCorrectedClaim: say why (reason).",
    BillingErrorCode.CLAIM_NOT_READY: (
        "generateClaimBatch: a claim is not READY (scrub it and mark it ready first); `field` "
        "names its position in claimIds."
    ),
    BillingErrorCode.BATCH_SIZE: "generateClaimBatch: a batch carries 1 to 5,000 claims.",
    BillingErrorCode.BATCH_NOT_VALID_X12: (
        "generateClaimBatch: the 837P written fails pyx12's validation (one error per "
        "problem found) or the claims hold what an 837P cannot carry; nothing was sent."
    ),
    BillingErrorCode.ACKNOWLEDGEMENT_INVALID: (
        "importAcknowledgement: the file fails pyx12's validation (one error per problem "
        "found); nothing was changed."
    ),
    BillingErrorCode.ACKNOWLEDGEMENT_KIND_UNKNOWN: (
        "importAcknowledgement: the file is neither a 999 nor a 277CA (its ST01)."
    ),
    BillingErrorCode.INVALID_X12_FILE: (
        "importRemittance: the file is not a valid 835 (005010X221A1); one error per problem "
        "pyx12 found. Nothing was posted."
    ),
    BillingErrorCode.REMITTANCE_UNBALANCED: (
        "importRemittance: the claim payments less the provider adjustments (PLB) do not add up "
        "to the payment (BPR02). Nothing was posted."
    ),
    BillingErrorCode.WORK_ITEM_CLOSED: (
        "resolveRemittanceItem: the item is resolved or dismissed already."
    ),
    BillingErrorCode.RESOLUTION_REQUIRED: (
        "resolveRemittanceItem: name exactly one of claimId (post it to that claim) or "
        "dismissReason."
    ),
    BillingErrorCode.INVALID_AMOUNT: "An amount of money must be above zero cents.",
    BillingErrorCode.IDEMPOTENCY_KEY_REQUIRED: "recordPayment: send an idempotency key.",
    BillingErrorCode.IDEMPOTENCY_KEY_REUSED: (
        "recordPayment: this idempotency key was used for another payment (another patient or "
        "amount); a repeat of the same payment returns the first."
    ),
    BillingErrorCode.INVALID_ALLOCATION: (
        "recordPayment: an allocation names either a claim or a charge line, not both or neither."
    ),
    BillingErrorCode.ALLOCATIONS_EXCEED_PAYMENT: (
        "recordPayment: the allocations add up to more than the payment."
    ),
    BillingErrorCode.REFUND_EXCEEDS_PAYMENT: (
        "refundPayment: more than the payment brought, less what was refunded of it already."
    ),
    BillingErrorCode.WRITE_OFF_EXCEEDS_BALANCE: (
        "writeOff: more than the patient owes (a write-off never makes a credit)."
    ),
    BillingErrorCode.ACCOUNT_REASON_REQUIRED: "refundPayment or writeOff: say why (reason).",
}

ErrorCode = described_enum(
    _ErrorCode,
    "Why a mutation refused its input: stable codes for programs (the message is for people). "
    "Errors in the response's top-level `errors` list carry other codes in "
    "`extensions.code`: UNAUTHENTICATED (no valid access token), FORBIDDEN (your roles may not "
    "do this), BAD_USER_INPUT (an argument out of bounds, e.g. `first` or a cursor), "
    "GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED (also for a document too deep, with too "
    "many aliases or repeated fields), QUERY_TOO_COSTLY (the response could hold too many "
    "fields: `extensions.cost` and `maxCost` say how many; nothing ran), OPERATION_TIMED_OUT "
    "(stopped at the server's time limit), the persisted-query codes PERSISTED_QUERY_NOT_FOUND "
    "(send the document with its hash), PROVIDED_SHA_DOES_NOT_MATCH, PERSISTED_QUERY_INVALID "
    "and PERSISTED_QUERY_REQUIRED (this server runs registered documents only; see "
    "docs/API.md), and INTERNAL_SERVER_ERROR (with a requestId to quote).",
    CODE_DESCRIPTIONS,
)


def input_path(error: DomainError, overrides: FieldOverrides | None = None) -> list[str] | None:
    """The input path of the field at fault: the domain path's first name through `overrides`
    when given there, every other name camel-cased as the schema names input fields.

    An UnknownId comes from this layer and names its input path already: it passes as it is.
    """
    if error.field is None or isinstance(error, UnknownId):
        return error.field
    head, *rest = error.field
    start = list((overrides or {}).get(head, [to_camel_case(head)]))
    return start + [to_camel_case(name) for name in rest]


@strawberry.type(
    description="A rule the input broke. In a mutation payload's userErrors (never in the "
    "top-level `errors` list) it means the mutation changed nothing (a refused login still "
    "counts toward the lockout) and the payload's other fields are null, empty or false."
)
class UserError:
    field: list[str] | None = strawberry.field(
        description="Path to the input field at fault, in the API's spelling and relative to "
        'the mutation\'s `input`, e.g. ["address", "postalCode"], or ["occurrences", "3", '
        '"startsAt"] for one occurrence of a series. null when no one field is at fault.'
    )
    code: ErrorCode = strawberry.field(  # type: ignore[valid-type]
        description="What went wrong, for a program to act on; see ErrorCode."
    )
    message: str = strawberry.field(
        description="What went wrong, in English, for a person; may be reworded at any time."
    )

    @classmethod
    def from_domain(cls, error: DomainError, overrides: FieldOverrides | None = None) -> UserError:
        return cls(
            field=input_path(error, overrides),
            code=ErrorCode[error.code.value],
            message=error.message,
        )


def to_user_errors(error: DomainError, overrides: FieldOverrides | None = None) -> list[UserError]:
    """One userError per rule violation (a DomainErrors holds several)."""
    errors = error.errors if isinstance(error, DomainErrors) else [error]
    return [UserError.from_domain(one, overrides) for one in errors]


async def run_mutation(
    info: Info[Context, Any],
    work: Callable[[AsyncSession, Actor], Awaitable[T]],
    overrides: FieldOverrides | None = None,
) -> tuple[T | None, list[UserError]]:
    """Run one service call as one transaction; a domain error rolls it back to userErrors."""
    op = info.context.op
    return await run_public_mutation(info, lambda session: work(session, op.staff), overrides)


async def run_public_mutation(
    info: Info[Context, Any],
    work: Callable[[AsyncSession], Awaitable[T]],
    overrides: FieldOverrides | None = None,
) -> tuple[T | None, list[UserError]]:
    """`run_mutation` for a mutation anyone may call (logout): the work is given no actor."""
    try:
        async with info.context.op.transaction() as session:
            with unscoped(session):  # no caller yet: the work reads accounts, not their rows
                result = await work(session)
    except DomainError as error:
        return None, to_user_errors(error, overrides)
    return result, []


@contextmanager
def query_errors(overrides: FieldOverrides | None = None) -> Iterator[None]:
    """Around a query's (or subscription's) service calls: a query has no payload to carry
    userErrors, so a domain error leaves as a GraphQL error (see `query_error`)."""
    try:
        yield
    except DomainError as error:
        raise query_error(error, overrides) from error


def query_error(error: DomainError, overrides: FieldOverrides | None = None) -> GraphQLError:
    """A domain error as a query's GraphQL error: BAD_USER_INPUT, with the domain code as
    `reason` and the input path as `field` in its extensions."""
    extensions = {
        "code": "BAD_USER_INPUT",
        "reason": str(error.code),
        "field": input_path(error, overrides),
    }
    return GraphQLError(error.message, extensions=extensions)
