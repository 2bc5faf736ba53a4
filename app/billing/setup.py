"""Billing set-up: the payers claims go to, and the practice as billing provider (one row)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import trail
from app.authz import Actor
from app.billing import codes
from app.billing.errors import BillingErrorCode
from app.billing.models import BillingProvider, Payer
from app.errors import CommonErrorCode, DomainError
from app.identifiers import npi_is_valid
from app.patients.rules import check_lengths, trimmed
from app.text import label

BILLING_PROVIDER_ID = 1


def _required(fields: dict[str, Any], *names: str) -> None:
    for name in names:
        if not fields.get(name):
            raise DomainError(CommonErrorCode.REQUIRED, f"{label(name)} is required.", [name])


def _address(fields: dict[str, Any], required: bool) -> None:
    """State and ZIP code as claims carry them: upper-case state, ZIP digits without the dash."""
    if fields.get("state") is not None:
        fields["state"] = fields["state"].upper()
        if fields["state"] not in codes.STATES:
            raise DomainError(
                BillingErrorCode.INVALID_STATE_CODE, "Not a US state code.", ["state"]
            )
    if fields.get("postal_code") is not None:
        digits = codes.zip_digits(fields["postal_code"])
        if digits is None:
            raise DomainError(
                BillingErrorCode.INVALID_ZIP_CODE,
                "A ZIP code is 12345 or 12345-6789.",
                ["postal_code"],
            )
        fields["postal_code"] = digits
    if required:
        _required(fields, "address_line1", "city", "state", "postal_code")


async def create_payer(session: AsyncSession, actor: Actor, *, fields: dict[str, Any]) -> Payer:
    fields = trimmed(fields)
    _required(fields, "name", "payer_id", "filing_indicator")
    fields["filing_indicator"] = fields["filing_indicator"].upper()
    if fields["filing_indicator"] not in codes.FILING_INDICATORS:
        raise DomainError(
            BillingErrorCode.INVALID_FILING_INDICATOR,
            "Not an X12 claim filing indicator code (CI, MB, MC, BL, ...).",
            ["filing_indicator"],
        )
    _address(fields, required=False)
    check_lengths(Payer, fields)
    taken = await session.scalar(select(Payer.id).where(Payer.payer_id == fields["payer_id"]))
    if taken is not None:
        raise DomainError(
            BillingErrorCode.PAYER_ID_TAKEN, "Another payer has this payer id.", ["payer_id"]
        )
    return await trail.add_created(session, actor, Payer(**fields), "Payer")


async def payers(session: AsyncSession) -> list[Payer]:
    return list((await session.scalars(select(Payer).order_by(Payer.name, Payer.id))).all())


async def billing_provider(session: AsyncSession) -> BillingProvider | None:
    return await session.get(BillingProvider, BILLING_PROVIDER_ID)


async def update_billing_provider(
    session: AsyncSession, actor: Actor, *, fields: dict[str, Any]
) -> BillingProvider:
    """Set the practice's billing identity (all of it at once). The ZIP code may be 5 digits
    here; the scrubber refuses to send a claim until it has its +4."""
    fields = trimmed(fields)
    _required(fields, "name", "npi", "tax_id")
    if not npi_is_valid(fields["npi"]):
        raise DomainError(
            BillingErrorCode.INVALID_BILLING_NPI,
            "An NPI is 10 digits, the last its Luhn check digit.",
            ["npi"],
        )
    tax_id = codes.tax_id_digits(fields["tax_id"])
    if tax_id is None:
        raise DomainError(
            BillingErrorCode.INVALID_TAX_ID, "A tax id (EIN) is 9 digits.", ["tax_id"]
        )
    fields["tax_id"] = tax_id
    phone = fields.get("contact_phone")
    if phone is not None:
        digits = "".join(c for c in phone if c.isdigit())
        if len(digits) != 10 or not phone.isascii():
            raise DomainError(
                BillingErrorCode.INVALID_CONTACT_PHONE,
                "A contact phone is 10 digits (with any punctuation).",
                ["contact_phone"],
            )
        fields["contact_phone"] = digits
    _address(fields, required=True)
    check_lengths(BillingProvider, fields)
    row = await billing_provider(session)
    if row is None:
        row = BillingProvider(id=BILLING_PROVIDER_ID, **fields)
        session.add(row)
    else:
        for name in ("address_line2", "contact_name", "contact_phone"):
            fields.setdefault(name, None)
        for name, value in fields.items():
            setattr(row, name, value)
    await session.flush()
    trail.record(session, actor, "update", "BillingProvider", row.id)
    return row
