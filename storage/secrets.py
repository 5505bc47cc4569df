"""Secrets kept in the database are kept encrypted: Slack's bot and refresh tokens.

Fernet (from `cryptography`: AES in CBC mode with an HMAC, so a changed value is refused, not
misread), through MultiFernet so keys can be rotated: the first key encrypts, every key given
decrypts. The keys come from whoever opens the store (Accord's configuration, `database.secret_keys`,
which the shipped app.yaml reads from ``ACCORD_SECRET_KEYS``); storage never reads the environment.

A stored value reads ``fernet:`` and then the Fernet token, so an encrypted value is told from
a plain one at a glance: migration 0006 encrypts only what is still plain, and running it again,
or over a table where some rows were encrypted already, changes nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from storage.errors import StorageError

__all__ = [
    "HOLDS_TOKENS",
    "KEY_VARIABLE",
    "PREFIX",
    "SecretKeyError",
    "Secrets",
    "is_encrypted",
    "missing_key",
    "new_key",
    "parse_keys",
    "wrong_key",
]

PREFIX = "fernet:"

#: Where the keys come from, as people are told when one is missing or wrong.
KEY_VARIABLE = "ACCORD_SECRET_KEYS"
NEW_KEY_HINT = "make one with `accord secrets new-key`"


class SecretKeyError(StorageError):
    """A secret in the database cannot be written or read with the keys given."""


def new_key() -> str:
    """A fresh random key, as text to put in ACCORD_SECRET_KEYS."""
    return Fernet.generate_key().decode("ascii")


def parse_keys(keys: str | Iterable[str]) -> tuple[str, ...]:
    """Keys from "new,old" text (or a list), newest first; ValueError names the one that is no key."""
    items = keys.split(",") if isinstance(keys, str) else list(keys)
    found = tuple(key.strip() for key in items if key and key.strip())
    for position, key in enumerate(found, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            which = "the key" if len(found) == 1 else f"key {position} of {len(found)}"
            raise ValueError(
                f"{which} is not a Fernet key (32 bytes in URL-safe base64, 44 characters; {NEW_KEY_HINT})"
            ) from None
    return found


def is_encrypted(value: str | None) -> bool:
    return value is not None and value.startswith(PREFIX)


class Secrets:
    """Encrypts with the first of its keys and decrypts with any of them."""

    def __init__(self, keys: Sequence[str]) -> None:
        keys = parse_keys(keys)
        if not keys:
            raise ValueError("no secret keys given")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    def encrypt(self, plain: str) -> str:
        return PREFIX + self._fernet.encrypt(plain.encode("utf-8")).decode("ascii")

    def decrypt(self, stored: str) -> str:
        """The plain value; a value written before encryption (no prefix) is taken as it is."""
        if not is_encrypted(stored):
            return stored
        try:
            return self._fernet.decrypt(stored[len(PREFIX) :].encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise wrong_key() from None

    def reencrypt(self, stored: str) -> str:
        """The value encrypted with the first key, whichever key (or none) it was under before."""
        if not is_encrypted(stored):
            return self.encrypt(stored)
        try:
            return PREFIX + self._fernet.rotate(stored[len(PREFIX) :].encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError):
            raise wrong_key() from None


def missing_key(what: str) -> SecretKeyError:
    """``what`` says what needs the key, e.g. `HOLDS_TOKENS`."""
    return SecretKeyError(f"{what}, and no key is set: set {KEY_VARIABLE} to a key ({NEW_KEY_HINT}).")


HOLDS_TOKENS = "The database holds Slack tokens, which Accord keeps encrypted"


def wrong_key() -> SecretKeyError:
    return SecretKeyError(
        f"A Slack token in the database was encrypted with a key that is not in {KEY_VARIABLE}: "
        "put back the key it was encrypted with (after the new one, separated by a comma)."
    )
