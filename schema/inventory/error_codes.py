"""What each of this domain's error codes tells a caller: its part of the ErrorCode enum's
descriptions (assembled in schema/error_codes.py), keyed by the domain's own members so that
app/ stays free of GraphQL."""

from __future__ import annotations

import enum

from app.inventory.errors import InventoryErrorCode

DESCRIPTIONS: dict[enum.StrEnum, str] = {
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
}
