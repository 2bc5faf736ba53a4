"""Encryption of the most sensitive fields at rest (AES-256-GCM, key from Settings).

Stored form: version byte, 12-byte nonce, ciphertext+tag. The associated data binds a value to
its row and column, so a ciphertext copied into another patient's row does not decrypt.
"""

from __future__ import annotations

import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_VERSION = b"\x01"


class FieldCipher:
    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def encrypt(self, plaintext: str, context: str) -> bytes:
        nonce = os.urandom(12)
        return _VERSION + nonce + self._aead.encrypt(nonce, plaintext.encode(), context.encode())

    def decrypt(self, stored: bytes, context: str) -> str:
        if stored[:1] != _VERSION:
            raise ValueError("unknown ciphertext version")
        nonce, ciphertext = stored[1:13], stored[13:]
        return self._aead.decrypt(nonce, ciphertext, context.encode()).decode()
