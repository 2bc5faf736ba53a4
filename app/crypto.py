"""Encryption of the most sensitive fields at rest (AES-256-GCM), under a keyring so the key can
rotate without downtime (`practice keys rotate`, app/key_rotation.py).

Stored form (version 2): 0x02, the key id's length, the key id (ASCII), a 12-byte nonce, then
ciphertext and tag. The associated data is the header and the value's context (its row and
column), so a ciphertext copied into another row, or relabelled with another key id, does not
decrypt. Version 1 (0x01, nonce, ciphertext; the context alone as associated data) came before
keyrings: it was written under the one key of that time, key id "k1", and still decrypts while
that key is in the keyring.

A model declares an encrypted column with `encrypted_column(context)`; key rotation finds every
such column, so a new domain's encrypted field is rotated once it is declared that way.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import LargeBinary
from sqlalchemy.orm import MappedColumn, mapped_column

_V1 = 1
_V2 = 2
_NONCE = 12
LEGACY_KEY_ID = "k1"  # the key that wrote version-1 values (PRACTICE_FIELD_ENCRYPTION_KEY)
KEY_ID = re.compile(r"[A-Za-z0-9_.-]{1,32}")
HEADER_MAX = 2 + 32  # the longest version-2 header: enough bytes to tell a value's key id
CONTEXT_INFO = "encrypted_context"  # Column.info key of an encrypted column's context template


class UnknownKeyError(ValueError):
    """A value encrypted under a key the keyring does not hold (retired too early, or never set)."""

    def __init__(self, key_id: str) -> None:
        super().__init__(
            f"value encrypted under key {key_id!r}, which is not in the keyring "
            "(PRACTICE_FIELD_ENCRYPTION_KEYS): put that key back until `practice keys rotate` "
            "has re-encrypted its values"
        )
        self.key_id = key_id


@dataclass(frozen=True)
class Keyring:
    """Field keys by id (32 bytes each) and the id that new values are encrypted under."""

    keys: Mapping[str, bytes]
    current: str

    def __post_init__(self) -> None:
        for key_id, key in self.keys.items():
            if not KEY_ID.fullmatch(key_id):
                raise ValueError(f"key id {key_id!r}: use 1-32 of A-Z a-z 0-9 _ . -")
            if len(key) != 32:
                raise ValueError(f"key {key_id!r} must be 32 bytes")
        if self.current not in self.keys:
            raise ValueError(f"the current key id {self.current!r} is not in the keyring")


def key_id_of(stored: bytes) -> str:
    """The id of the key a stored value is encrypted under (read from its header alone)."""
    version = stored[0] if stored else None
    if version == _V1:
        return LEGACY_KEY_ID
    if version == _V2 and len(stored) > 1 and len(stored) >= 2 + stored[1]:
        return stored[2 : 2 + stored[1]].decode("ascii", errors="replace")
    raise ValueError("unknown ciphertext version")


def _header(key_id: str) -> bytes:
    return bytes((_V2, len(key_id))) + key_id.encode("ascii")


class FieldCipher:
    """Encrypts under the keyring's current key; decrypts under whichever key a value names."""

    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring
        self._aeads = {key_id: AESGCM(key) for key_id, key in keyring.keys.items()}

    def encrypt(self, plaintext: str, context: str) -> bytes:
        header, nonce = _header(self.keyring.current), os.urandom(_NONCE)
        aead = self._aeads[self.keyring.current]
        return header + nonce + aead.encrypt(nonce, plaintext.encode(), header + context.encode())

    def decrypt(self, stored: bytes, context: str) -> str:
        key_id = key_id_of(stored)
        aead = self._aeads.get(key_id)
        if aead is None:
            raise UnknownKeyError(key_id)
        if stored[0] == _V1:
            header, associated = stored[:1], context.encode()
        else:
            header = stored[: 2 + stored[1]]
            associated = header + context.encode()
        body = stored[len(header) :]
        return aead.decrypt(body[:_NONCE], body[_NONCE:], associated).decode()

    def is_current(self, stored: bytes) -> bool:
        """Whether a value is already in the current form (version 2, the current key)."""
        return stored.startswith(_header(self.keyring.current))

    def reencrypt(self, stored: bytes, context: str) -> bytes:
        return self.encrypt(self.decrypt(stored, context), context)


def encrypted_column(context: str) -> MappedColumn[Any]:
    """A nullable column of FieldCipher values. `context` is a format string over the row's
    columns (e.g. "patients.ssn:{mrn}", columns that never change): the associated data that
    binds a value to its row, filled by `context_for` when writing and by key rotation."""
    return mapped_column(LargeBinary, nullable=True, info={CONTEXT_INFO: context})


def context_for(attribute: Any, **values: object) -> str:
    """The context of an encrypted column (`Patient.ssn_encrypted`) for one row's values."""
    return str(attribute.expression.info[CONTEXT_INFO]).format(**values)
