"""The tool's RSA key pair: made on first start, published as a JWKS.

The private key signs Deep Linking responses; platforms verify them with the public key served
at ``/lti/jwks``. Keys live in ``TOOL_KEYS_DIR`` and are never committed.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pylti1p3.registration import Registration

logger = logging.getLogger(__name__)

#: 2048 bits is the size LTI platforms expect and the minimum NIST allows until 2030.
KEY_SIZE_BITS = 2048
PRIVATE_KEY_FILE = "private.pem"
PUBLIC_KEY_FILE = "public.pem"


@dataclass(frozen=True)
class ToolKeys:
    """The PEM-encoded key pair and the public JWK derived from it."""

    private_pem: str
    public_pem: str

    @property
    def public_jwk(self) -> dict[str, Any]:
        # pylti1p3 computes the same JWK (kid = RFC 7638 thumbprint, alg RS256, use sig)
        # when it signs, so the kid in our JWT headers always resolves in our JWKS.
        return dict(Registration.get_jwk(self.public_pem))

    @property
    def kid(self) -> str:
        return str(self.public_jwk["kid"])

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        return {"keys": [self.public_jwk]}


def load_or_create_keys(folder: Path) -> ToolKeys:
    """Read the key pair from ``folder``, creating both files if the private key is missing."""
    private_path = folder / PRIVATE_KEY_FILE
    public_path = folder / PUBLIC_KEY_FILE

    if not private_path.exists():
        _write_new_key_pair(folder, private_path, public_path)

    private_pem = private_path.read_text()
    if not public_path.exists():
        public_path.write_text(_public_pem_of(private_pem))

    return ToolKeys(private_pem=private_pem, public_pem=public_path.read_text())


def _write_new_key_pair(folder: Path, private_path: Path, public_path: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE_BITS)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )

    # Create the file with mode 0600 from the start, so the key is never world-readable.
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(private_pem)

    public_path.write_text(_public_pem_of(private_pem.decode()))
    logger.info("Created a new tool key pair in %s", folder)


def _public_pem_of(private_pem: str) -> str:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return public.decode()
