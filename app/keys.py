"""The tool's RSA key pair: made on first start, published as a JWKS.

The private key signs Deep Linking responses; platforms verify them with the public key served
at ``/lti/jwks``. Keys live in ``TOOL_KEYS_DIR`` and are never committed.
"""

from __future__ import annotations

import logging
import os
import secrets
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
    """Read the key pair from ``folder``, creating it if the private key is missing.

    Several worker processes may start at once on a fresh install; each may try to create
    the key, and exactly one wins (see :func:`_create_private_key`).
    """
    private_path = folder / PRIVATE_KEY_FILE
    if not private_path.exists():
        _create_private_key(folder, private_path)

    private_pem = private_path.read_text()
    public_pem = _public_pem_of(private_pem)

    # public.pem is a copy for administrators; the tool always derives its public key from
    # the private one, so the two can never disagree.
    public_path = folder / PUBLIC_KEY_FILE
    if not public_path.exists():
        _write_atomically(public_path, public_pem.encode(), mode=0o644)

    return ToolKeys(private_pem=private_pem, public_pem=public_pem)


def _create_private_key(folder: Path, private_path: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE_BITS)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )

    # Write the whole key to a private temporary file, then hard-link it into place: the
    # link either appears complete or fails because another process linked its key first,
    # so no process ever reads a half-written key, and every process ends up with one key.
    temporary = _write_temporary(folder, private_pem, mode=0o600)
    try:
        os.link(temporary, private_path)
        logger.info("Created a new tool key pair in %s", folder)
    except FileExistsError:
        logger.info("Another process created the tool key pair first; using it")
    finally:
        temporary.unlink()


def _write_atomically(path: Path, content: bytes, mode: int) -> None:
    temporary = _write_temporary(path.parent, content, mode)
    os.replace(temporary, path)


def _write_temporary(folder: Path, content: bytes, mode: int) -> Path:
    """A new file in ``folder`` holding ``content``, created with ``mode`` from the start."""
    path = folder / f".key-{os.getpid()}-{secrets.token_hex(4)}.tmp"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    return path


def _public_pem_of(private_pem: str) -> str:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return public.decode()
