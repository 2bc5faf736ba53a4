"""Error codes of the inventory rules."""

import enum


class InventoryErrorCode(enum.StrEnum):
    INSUFFICIENT_STOCK = "INSUFFICIENT_STOCK"  # not enough usable (unexpired) stock
    LOT_EXPIRED = "LOT_EXPIRED"  # a named lot is past its expiry date
    INVALID_NDC = "INVALID_NDC"
    NDC_NOT_ALLOWED = "NDC_NOT_ALLOWED"  # an NDC on an item that is not a drug
    SKU_TAKEN = "SKU_TAKEN"
    INVENTORY_NAME_TAKEN = "INVENTORY_NAME_TAKEN"
    INVALID_STOCK_QUANTITY = "INVALID_STOCK_QUANTITY"
    INVALID_SUPPLY_CODE = "INVALID_SUPPLY_CODE"  # not a HCPCS Level II or CPT code
    ITEM_INACTIVE = "ITEM_INACTIVE"
    LOT_REQUIRED = "LOT_REQUIRED"  # a drug or vaccine received without a lot number
    LOT_EXPIRY_MISMATCH = "LOT_EXPIRY_MISMATCH"  # the lot is known with another expiry date
    REASON_CODE_REQUIRED = "REASON_CODE_REQUIRED"
    SAME_LOCATION = "SAME_LOCATION"
    WITNESS_REQUIRED = "WITNESS_REQUIRED"
    INVALID_WITNESS = "INVALID_WITNESS"
    PURCHASE_ORDER_STATE = "PURCHASE_ORDER_STATE"  # the order's status does not allow this step
    OVER_RECEIPT = "OVER_RECEIPT"  # more than the line has still to come
    WRONG_ITEM = "WRONG_ITEM"  # the purchase order line is for another item
    COUNT_IN_PROGRESS = "COUNT_IN_PROGRESS"  # the stock location has an unfinished count
    COUNT_FINISHED = "COUNT_FINISHED"  # the count is finished: it changes no more
