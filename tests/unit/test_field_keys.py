"""The field keyring: settings that build it, and ciphertexts that name their key."""

from __future__ import annotations

import base64
import os

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import ValidationError

from app.config import Settings
from app.crypto import FieldCipher, Keyring, UnknownKeyError, key_id_of

A, B = os.urandom(32), os.urandom(32)


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


def version_1(key: bytes, plaintext: str, context: str) -> bytes:
    """A value as the cipher wrote it before keyrings (version byte, nonce, ciphertext)."""
    nonce = os.urandom(12)
    return b"\x01" + nonce + AESGCM(key).encrypt(nonce, plaintext.encode(), context.encode())


def test_a_value_names_its_key_and_decrypts_under_a_keyring_that_holds_it():
    # given
    old = FieldCipher(Keyring({"a": A}, "a"))
    both = FieldCipher(Keyring({"a": A, "b": B}, "b"))
    # when
    stored = old.encrypt("123456789", "patients.ssn:M1")
    rotated = both.reencrypt(stored, "patients.ssn:M1")
    # then
    assert key_id_of(stored) == "a" and key_id_of(rotated) == "b"
    assert both.decrypt(stored, "patients.ssn:M1") == "123456789"
    assert FieldCipher(Keyring({"b": B}, "b")).decrypt(rotated, "patients.ssn:M1") == "123456789"
    assert not both.is_current(stored) and both.is_current(rotated)


def test_a_retired_key_is_named_in_the_error():
    stored = FieldCipher(Keyring({"a": A}, "a")).encrypt("123456789", "ctx")
    with pytest.raises(UnknownKeyError, match="key 'a', which is not in the keyring"):
        FieldCipher(Keyring({"b": B}, "b")).decrypt(stored, "ctx")


def test_version_1_values_are_key_k1():
    # given: a value from before keyrings, and the old single key now under its id "k1"
    stored = version_1(A, "123456789", "ctx")
    cipher = FieldCipher(Keyring({"k1": A, "b": B}, "b"))
    # then
    assert key_id_of(stored) == "k1"
    assert cipher.decrypt(stored, "ctx") == "123456789"
    assert not FieldCipher(Keyring({"k1": A}, "k1")).is_current(stored)  # the format is old
    with pytest.raises(InvalidTag):
        cipher.decrypt(stored, "another row")


def test_a_value_relabelled_with_another_key_id_does_not_decrypt():
    # given: two ids for the same key bytes, so only the header binding can tell them apart
    cipher = FieldCipher(Keyring({"a": A, "b": A}, "a"))
    stored = cipher.encrypt("123456789", "ctx")
    relabelled = stored.replace(b"\x02\x01a", b"\x02\x01b", 1)
    # then
    with pytest.raises(InvalidTag):
        cipher.decrypt(relabelled, "ctx")


def test_settings_build_the_keyring():
    # the single key of before keyrings is key k1, and current when alone
    legacy = Settings(environment="test", field_encryption_key=b64(A))
    assert legacy.field_keys == Keyring({"k1": A}, "k1")
    # with it and a new key, the current one is named
    both = Settings(
        environment="test",
        field_encryption_key=b64(A),
        field_encryption_keys={"k2": b64(B)},
        field_encryption_key_id="k2",
    )
    assert both.field_keys == Keyring({"k2": B, "k1": A}, "k2")
    # and the development fallback is k1
    assert Settings(environment="test").field_keys.current == "k1"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"field_encryption_keys": {"a": b64(A), "b": b64(B)}}, "must name the key new values"),
        (
            {"field_encryption_keys": {"a": b64(A)}, "field_encryption_key_id": "b"},
            "the current key id 'b' is not in the keyring",
        ),
        ({"field_encryption_keys": {"a": b64(A[:16])}}, "must be 32 bytes"),
        ({"field_encryption_keys": {"a": "not base64!"}}, "field key 'a' is not base64"),
        ({"field_encryption_keys": {"a b": b64(A)}}, "key id 'a b'"),
        (
            {"field_encryption_key": b64(A), "field_encryption_keys": {"k1": b64(B)}},
            "gives 'k1' another key",
        ),
    ],
)
def test_a_malformed_keyring_stops_the_process(values, message):
    with pytest.raises(ValidationError, match=message):
        Settings(environment="test", **values)


def test_production_refuses_the_development_key():
    secret = {"jwt_secret": "x" * 48, "audit_hmac_key": b64(bytes(range(32)))}
    with pytest.raises(ValidationError, match="must be set in production"):
        Settings(environment="production", **secret)
    dev = {"k1": b64(Settings(environment="test").field_keys.keys["k1"])}
    with pytest.raises(ValidationError, match="must be set in production"):
        Settings(
            environment="production",
            field_encryption_keys={**dev, "k2": b64(B)},
            field_encryption_key_id="k2",
            **secret,
        )
    assert Settings(
        environment="production", field_encryption_keys={"k2": b64(B)}, **secret
    ).field_keys == Keyring({"k2": B}, "k2")
