"""Encryption of Panopto tokens at rest, with Fernet (from ``cryptography``).

``TOKEN_ENCRYPTION_KEYS`` lists Fernet keys, newest first. The first encrypts; every key
decrypts, so a new key can be put in front and old rows re-encrypted at leisure
(``flask --app wsgi tokens reencrypt``) before the old key is removed.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class TokenDecryptError(Exception):
    """A stored ciphertext does not open with any configured key (or was altered)."""


class TokenCipher:
    """Encrypts and decrypts short secrets (OAuth tokens) with a list of Fernet keys."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("At least one Fernet key is needed.")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        """
        :raises TokenDecryptError: when no key opens it.
        """
        try:
            return self._fernet.decrypt(ciphertext.encode("ascii")).decode()
        except (InvalidToken, UnicodeError, ValueError) as err:
            raise TokenDecryptError("No configured key decrypts this value.") from err

    def rotate(self, ciphertext: str) -> str:
        """The same secret encrypted with the newest key.

        :raises TokenDecryptError: when no key opens it.
        """
        try:
            return self._fernet.rotate(ciphertext.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError, ValueError) as err:
            raise TokenDecryptError("No configured key decrypts this value.") from err


def new_key() -> str:
    """A fresh Fernet key, for ``TOKEN_ENCRYPTION_KEYS``."""
    return Fernet.generate_key().decode("ascii")
