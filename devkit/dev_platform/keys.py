"""The platform's RSA key pair: made on first start, published as a JWKS.

The private key signs the id_tokens the platform posts to the tool; the tool checks them
against ``/.well-known/jwks.json``. The key folder is outside version control.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto import jwk

logger = logging.getLogger(__name__)

#: 2048 bits: what LTI tools expect, and the smallest RSA size NIST accepts until 2030.
KEY_SIZE_BITS = 2048
PUBLIC_EXPONENT = 65537
PRIVATE_KEY_FILE = "private.pem"
PUBLIC_KEY_FILE = "public.pem"
PRIVATE_KEY_MODE = 0o600


@dataclass(frozen=True)
class PlatformKeys:
    """The PEM private key and the public JWK published for it."""

    private_pem: bytes
    public_jwk: dict[str, Any]

    @property
    def kid(self) -> str:
        return str(self.public_jwk["kid"])

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        return {"keys": [dict(self.public_jwk)]}


def load_or_create_keys(folder: Path) -> PlatformKeys:
    """Read the key pair in ``folder``, generating it first when the private key is missing."""
    private_path = folder / PRIVATE_KEY_FILE

    if not private_path.exists():
        _write_new_key(folder, private_path)

    private_pem = private_path.read_bytes()
    public_pem = _public_pem_of(private_pem)
    (folder / PUBLIC_KEY_FILE).write_bytes(public_pem)

    return PlatformKeys(private_pem=private_pem, public_jwk=public_jwk_of(public_pem))


def public_jwk_of(public_pem: bytes) -> dict[str, Any]:
    """The public JWK of a PEM key, with kid = its RFC 7638 thumbprint (SHA-256)."""
    key = jwk.JWK.from_pem(public_pem)
    public = key.export_public(as_dict=True)
    public.update({"kid": key.thumbprint(), "alg": "RS256", "use": "sig"})
    return public


def _write_new_key(folder: Path, private_path: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(
        public_exponent=PUBLIC_EXPONENT, key_size=KEY_SIZE_BITS
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )

    # Open with the final mode, so the key is never readable by others, even briefly.
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_KEY_MODE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)

    logger.info("Created a new platform key pair in %s", folder)


def _public_pem_of(private_pem: bytes) -> bytes:
    private_key = serialization.load_pem_private_key(private_pem, password=None)
    return private_key.public_key().public_bytes(
        serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo,
    )
