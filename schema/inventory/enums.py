"""Inventory enums as the API shows them, every value described."""

from __future__ import annotations

from app.inventory import models
from app.inventory.events import AlertKind as DomainAlertKind
from app.inventory.models import ReasonCode as DomainReasonCode
from schema.enums import described_enum

ItemCategory = described_enum(
    models.ItemCategory,
    "What kind of thing an item is.",
    {
        models.ItemCategory.SUPPLY: "Consumable supplies: gloves, syringes, gauze.",
        models.ItemCategory.MEDICATION: "Drugs (with an NDC); received with a lot number.",
        models.ItemCategory.VACCINE: "Vaccines (with an NDC); received with a lot number.",
        models.ItemCategory.EQUIPMENT: "Durable equipment: an ECG machine, a scale.",
    },
)

ControlledSchedule = described_enum(
    models.ControlledSchedule,
    "A DEA controlled-substance schedule: every movement of such an item needs a witness.",
    {
        models.ControlledSchedule.II: "Schedule II: high potential for abuse (e.g. morphine).",
        models.ControlledSchedule.III: "Schedule III (e.g. testosterone, ketamine).",
        models.ControlledSchedule.IV: "Schedule IV (e.g. lorazepam, tramadol).",
        models.ControlledSchedule.V: "Schedule V (e.g. pregabalin, codeine cough syrups).",
    },
)

MovementKind = described_enum(
    models.MovementKind,
    "What a row of the stock ledger records.",
    {
        models.MovementKind.RECEIVE: "Stock arrived (from a supplier).",
        models.MovementKind.CONSUME: "Stock used, for a visit or otherwise.",
        models.MovementKind.ADJUST: "A correction with a reason code (found, lost, damaged...).",
        models.MovementKind.TRANSFER_OUT: "Moved out to another stock location.",
        models.MovementKind.TRANSFER_IN: "Moved in from another stock location.",
        models.MovementKind.WASTE: "Taken out of use (broken, contaminated, partial dose).",
        models.MovementKind.EXPIRE: "Taken out of use because the lot expired.",
        models.MovementKind.COUNT: "The variance a stock count found.",
    },
)

ReasonCode = described_enum(
    DomainReasonCode,
    "Why stock was adjusted or wasted.",
    {
        DomainReasonCode.DAMAGED: "Broken or damaged.",
        DomainReasonCode.CONTAMINATED: "Contaminated or its sterility lost.",
        DomainReasonCode.EXPIRED: "Past its expiry date (a waste so coded is an EXPIRE row).",
        DomainReasonCode.RECALLED: "Recalled by the manufacturer or the FDA.",
        DomainReasonCode.PARTIAL_DOSE_DISCARDED: "What was left of a vial after a dose.",
        DomainReasonCode.LOST: "Missing.",
        DomainReasonCode.FOUND: "Found, beyond what the ledger held.",
        DomainReasonCode.DATA_ENTRY_ERROR: "Correcting an earlier wrong entry.",
        DomainReasonCode.RETURNED_TO_SUPPLIER: "Sent back to the supplier.",
        DomainReasonCode.OTHER: "Something else, which the note must say.",
    },
)

AlertKind = described_enum(
    DomainAlertKind,
    "What an inventory alert is about.",
    {
        DomainAlertKind.LOW_STOCK: "Unexpired stock of the item, all locations together, is "
        "at or below its reorder point.",
        DomainAlertKind.EXPIRING: "A lot with stock expires within the practice's alert window "
        "(30 days by default).",
    },
)
