"""The tool's RSA key pair: made on first start, published as a JWKS, rotated on demand.

The private key signs Deep Linking responses; platforms verify them with the public key served
at ``/lti/jwks``. Keys live in ``TOOL_KEYS_DIR`` and are never committed.

Rotation (``flask --app wsgi keys rotate``) keeps the old public key in ``previous/`` and
publishes it next to the new one (LTI-NOTES 3.2), so a platform that cached our key set still
verifies responses signed just before the switch, and learns the new key on its next fetch.
Every process notices the change on its next use of the keys: :class:`KeyRing` re-reads the
folder when the files change, so no restart is needed. ``keys retire KID`` drops an old key
once the platforms' caches have moved on.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
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
#: Sub-folder of retired public keys, one ``<kid>.pem`` each; still published.
PREVIOUS_DIR = "previous"


@dataclass(frozen=True)
class ToolKeys:
    """The PEM-encoded key pair and the public JWK derived from it."""

    private_pem: str
    public_pem: str
    #: Public keys of earlier pairs, still published so that cached key sets keep working.
    previous_public_pems: tuple[str, ...] = ()

    @property
    def public_jwk(self) -> dict[str, Any]:
        # pylti1p3 computes the same JWK (kid = RFC 7638 thumbprint, alg RS256, use sig)
        # when it signs, so the kid in our JWT headers always resolves in our JWKS.
        return dict(Registration.get_jwk(self.public_pem))

    @property
    def kid(self) -> str:
        return str(self.public_jwk["kid"])

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        """Current key first, then the retired ones; signing always uses the first."""
        keys = [self.public_jwk]
        for pem in self.previous_public_pems:
            jwk = dict(Registration.get_jwk(pem))
            if jwk["kid"] not in {key["kid"] for key in keys}:
                keys.append(jwk)
        return {"keys": keys}


class KeyRing:
    """The keys in a folder, read again whenever ``keys rotate`` or ``retire`` changes them.

    It answers like :class:`ToolKeys` (``private_pem``, ``kid``, ``jwks()``…), so callers
    need not know about rotation. A change is spotted by the files' inode and modification
    time and the previous keys' names: a stat and a listing per use, far cheaper than
    parsing keys.
    """

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._lock = threading.Lock()
        self._stamp: tuple[Any, ...] | None = None
        self._keys: ToolKeys | None = None
        self.current()

    @property
    def folder(self) -> Path:
        return self._folder

    def current(self) -> ToolKeys:
        stamp = _folder_stamp(self._folder)
        with self._lock:
            if self._keys is None or stamp != self._stamp:
                self._keys = load_or_create_keys(self._folder)
                # The stamp taken before reading: a change made meanwhile is seen next time.
                self._stamp = stamp
                logger.debug("Loaded tool key %s", self._keys.kid)
            return self._keys

    @property
    def private_pem(self) -> str:
        return self.current().private_pem

    @property
    def public_pem(self) -> str:
        return self.current().public_pem

    @property
    def public_jwk(self) -> dict[str, Any]:
        return self.current().public_jwk

    @property
    def kid(self) -> str:
        return self.current().kid

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        return self.current().jwks()


@dataclass(frozen=True)
class KeyInfo:
    kid: str
    status: str  # "current" or "previous"
    since: float


def rotate_keys(folder: Path) -> tuple[str, str]:
    """Make a new key pair current and keep the old public key published.

    :returns: (old kid, new kid).
    """
    old = load_or_create_keys(folder)
    previous = folder / PREVIOUS_DIR
    previous.mkdir(mode=0o755, exist_ok=True)
    _write_atomically(previous / f"{old.kid}.pem", old.public_pem.encode(), mode=0o644)

    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE_BITS)
    private_pem = _private_pem_bytes(key)
    # os.replace is atomic: every reader sees the old key or the new one, never half.
    _write_atomically(folder / PRIVATE_KEY_FILE, private_pem, mode=0o600)
    new = load_or_create_keys(folder)
    _write_atomically(folder / PUBLIC_KEY_FILE, new.public_pem.encode(), mode=0o644)

    logger.info("Rotated the tool key: %s is current, %s is kept", new.kid, old.kid)
    return old.kid, new.kid


def retire_key(folder: Path, kid: str) -> bool:
    """Stop publishing a previous key. The current key cannot be retired.

    :returns: whether a key was removed.
    """
    if not kid or "/" in kid or kid.startswith("."):
        return False
    path = folder / PREVIOUS_DIR / f"{kid}.pem"
    if not path.is_file():
        return False
    path.unlink()
    logger.info("Retired tool key %s", kid)
    return True


def list_keys(folder: Path) -> list[KeyInfo]:
    keys = load_or_create_keys(folder)
    infos = [KeyInfo(keys.kid, "current", (folder / PRIVATE_KEY_FILE).stat().st_mtime)]
    for path in sorted((folder / PREVIOUS_DIR).glob("*.pem")):
        infos.append(KeyInfo(path.stem, "previous", path.stat().st_mtime))
    return infos


def _folder_stamp(folder: Path) -> tuple[Any, ...]:
    """What changes when keys are rotated or retired: the private key file's inode and
    modification time, and the names of the previous keys. (A folder's own modification
    time is too coarse: the kernel's clock ticks every few milliseconds.)"""
    try:
        info = (folder / PRIVATE_KEY_FILE).stat()
        private = (info.st_ino, info.st_mtime_ns)
    except FileNotFoundError:
        private = None
    try:
        previous = tuple(sorted(os.listdir(folder / PREVIOUS_DIR)))
    except FileNotFoundError:
        previous = ()
    return private, previous


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

    return ToolKeys(
        private_pem=private_pem,
        public_pem=public_pem,
        previous_public_pems=_previous_public_pems(folder),
    )


def _previous_public_pems(folder: Path) -> tuple[str, ...]:
    # Newest first: the last key replaced is the one platforms are most likely to hold.
    paths = sorted(
        (folder / PREVIOUS_DIR).glob("*.pem"),
        key=lambda path: path.stat().st_mtime,
        reverse=True,
    )
    return tuple(path.read_text() for path in paths)


def _private_pem_bytes(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _create_private_key(folder: Path, private_path: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE_BITS)
    private_pem = _private_pem_bytes(key)

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
