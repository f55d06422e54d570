"""Platform registrations in the database, behind pylti1p3's ``ToolConfAbstract``.

One issuer may have several client ids, each with its own deployments. A JSON file in
pylti1p3's ``ToolConfJsonFile`` shape (``LTI_CONFIG``) can seed the table at start.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from cachetools import TTLCache
from flask import current_app, has_app_context
from flask_sqlalchemy.session import Session as FlaskSession
from pylti1p3.deployment import Deployment
from pylti1p3.registration import Registration
from pylti1p3.tool_config.abstract import ToolConfAbstract
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..config import ConfigError
from ..extensions import db
from ..keys import KeyRing, ToolKeys
from ..models import Deployment as DeploymentRow
from ..models import PlatformRegistration
from ..process_cache import ProcessCache, detached

logger = logging.getLogger(__name__)

#: What a registration in LTI_CONFIG must name (LTI-NOTES: registration data).
REQUIRED_FIELDS = ("client_id", "auth_login_url")
#: How long a process reuses a registration it read (default of REGISTRATION_CACHE_SECONDS).
#: Every login and launch looks its registration up two or three times; reading it once per
#: half minute instead takes the database off the launch path. A registration that is added
#: is seen at once (misses are never kept); one changed through the ORM is re-read at once by
#: the process that changed it (see _note_registration_changes) and by every other process
#: within this time. The same holds for its deployments and their settings: a deployment an
#: admin approves or holds takes effect in the other processes within this time.
REGISTRATION_CACHE_SECONDS = 30.0
#: Where each app keeps its RegistrationCache.
REGISTRATION_CACHE_KEY = "registration_cache"


@dataclass(frozen=True)
class DeploymentRecord:
    """What a launch needs of one deployment row, detached from the database session."""

    deployment_id: str
    status: str
    access_mode: str
    panopto_provider: str | None
    username_claim: str
    provider_sign_in: bool
    trust_context_history: bool

    @property
    def is_active(self) -> bool:
        return self.status == DEPLOYMENT_ACTIVE


@dataclass(frozen=True)
class RegistrationRecord:
    """What a launch needs of one registration row, detached from the database session."""

    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str | None
    auth_audience: str | None
    key_set_url: str | None
    key_set: dict[str, Any] | None
    is_default: bool
    #: Every deployment of the registration, held ones included, by deployment id.
    deployments: Mapping[str, DeploymentRecord]

    @classmethod
    def of(cls, row: PlatformRegistration) -> RegistrationRecord:
        return cls(
            issuer=row.issuer,
            client_id=row.client_id,
            auth_login_url=row.auth_login_url,
            auth_token_url=row.auth_token_url,
            auth_audience=row.auth_audience,
            key_set_url=row.key_set_url,
            key_set=row.key_set,
            is_default=row.is_default,
            deployments=MappingProxyType(
                {
                    d.deployment_id: detached(DeploymentRecord, d)
                    for d in row.deployments
                }
            ),
        )

    @property
    def deployment_ids(self) -> frozenset[str]:
        """The active deployments only: a held one is not usable until an admin approves
        it."""
        return frozenset(
            key for key, deployment in self.deployments.items() if deployment.is_active
        )


#: How many registrations (issuer, client id) a process keeps; far more than any tool has.
REGISTRATION_CACHE_SIZE = 1024


class RegistrationCache(ProcessCache[tuple[str, str | None], RegistrationRecord]):
    """Registration records read by this process in the last few seconds (per app)."""

    def __init__(self, ttl_seconds: float = REGISTRATION_CACHE_SECONDS) -> None:
        super().__init__(TTLCache(maxsize=REGISTRATION_CACHE_SIZE, ttl=ttl_seconds))


DEPLOYMENT_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/deployment_id"
DEPLOYMENT_ACTIVE = "active"
DEPLOYMENT_HELD = "held"
ACCESS_MODES = ("access_level", "grant")
#: Per-deployment settings a registrations file may give under ``deployment_options``.
DEPLOYMENT_OPTIONS = (
    "access_mode",
    "panopto_provider",
    "username_claim",
    "provider_sign_in",
    "trust_context_history",
)


class ToolKeyRegistration(Registration):
    """A pylti1p3 registration that reads the tool's key pair when something signs.

    pylti1p3 expects the keys set on every registration it looks up, which would read the
    key folder (for rotations) on every launch; most launches never sign anything. The
    first read takes one snapshot, so a ``kid`` and its signature always match even while
    ``keys rotate`` runs.
    """

    def __init__(self, keys: KeyRing | ToolKeys) -> None:
        super().__init__()
        self._keys = keys
        self._snapshot: ToolKeys | None = None

    def get_tool_private_key(self) -> str:
        return self._current().private_pem

    def get_tool_public_key(self) -> str:
        return self._current().public_pem

    def _current(self) -> ToolKeys:
        if self._snapshot is None:
            keys = self._keys
            self._snapshot = keys.current() if isinstance(keys, KeyRing) else keys
        return self._snapshot


class DatabaseToolConf(ToolConfAbstract):
    """Looks registrations and deployments up in the database.

    :param cache: this process's recent reads; None reads the database every time.
    """

    def __init__(
        self, keys: KeyRing | ToolKeys, cache: RegistrationCache | None = None
    ) -> None:
        super().__init__()
        self._keys = keys
        self._cache = cache

    # Every issuer may own several client ids (LTI-NOTES §1), so always take the "many"
    # branch of pylti1p3; it then calls the *_by_params methods below.
    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> Any:
        record = self._record(iss, None)
        return self._to_registration(record) if record else None

    def find_registration_by_params(
        self, iss: str, client_id: str | None, *args: Any, **kwargs: Any
    ) -> Any:
        if not client_id:
            return self.find_registration_by_issuer(iss)

        record = self._record(iss, client_id)
        return self._to_registration(record) if record else None

    def find_deployment(self, iss: str, deployment_id: str) -> Deployment | None:
        record = self._record(iss, None)
        return _deployment_of(record, deployment_id) if record else None

    def find_deployment_by_params(
        self,
        iss: str,
        deployment_id: str,
        client_id: str | None,
        *args: Any,
        **kwargs: Any,
    ) -> Deployment | None:
        record = self._record(iss, client_id or None)
        return _deployment_of(record, deployment_id) if record else None

    def get_jwks(
        self, iss: str | None = None, client_id: str | None = None, **kwargs: Any
    ):
        # The base class returns no keys without an issuer; the tool has one key pair for
        # every platform, so it is always the answer.
        return self._keys.jwks()

    def _record(self, iss: str, client_id: str | None) -> RegistrationRecord | None:
        """The registration of ``client_id``, or the issuer's default one for None."""
        if self._cache is None:
            return _load_record(iss, client_id)
        return self._cache.get((iss, client_id), lambda: _load_record(iss, client_id))

    def _to_registration(self, row: RegistrationRecord) -> Registration:
        registration = (
            ToolKeyRegistration(self._keys)
            .set_issuer(row.issuer)
            .set_client_id(row.client_id)
            .set_auth_login_url(row.auth_login_url)
            .set_key_set_url(row.key_set_url)
            .set_key_set(row.key_set)
        )
        if row.auth_token_url:
            registration.set_auth_token_url(row.auth_token_url)
        if row.auth_audience:
            registration.set_auth_audience(row.auth_audience)
        return registration


def _registration_row(iss: str, client_id: str) -> PlatformRegistration | None:
    return db.session.execute(
        select(PlatformRegistration)
        .options(selectinload(PlatformRegistration.deployments))
        .where(
            PlatformRegistration.issuer == iss,
            PlatformRegistration.client_id == client_id,
        )
    ).scalar_one_or_none()


def _default_registration_row(iss: str) -> PlatformRegistration | None:
    """The issuer's default registration, or its only one when none is marked default."""
    rows = (
        db.session.execute(
            select(PlatformRegistration).where(PlatformRegistration.issuer == iss)
        )
        .scalars()
        .all()
    )
    defaults = [row for row in rows if row.is_default]
    if defaults:
        return defaults[0]
    return rows[0] if len(rows) == 1 else None


def _deployment_of(record: RegistrationRecord, deployment_id: str) -> Deployment | None:
    """Only an active deployment counts; a held one is not usable yet."""
    if deployment_id not in record.deployment_ids:
        return None
    return Deployment().set_deployment_id(deployment_id)


def _load_record(iss: str, client_id: str | None) -> RegistrationRecord | None:
    row = (
        _registration_row(iss, client_id)
        if client_id
        else _default_registration_row(iss)
    )
    return RegistrationRecord.of(row) if row else None


def registration_row(iss: str, client_id: str) -> PlatformRegistration | None:
    return _registration_row(iss, client_id)


def deployment_record(
    iss: str, client_id: str, deployment_id: str
) -> DeploymentRecord | None:
    """The deployment as this process last read it (within REGISTRATION_CACHE_SECONDS):
    launches and views ask for it on every request, and it rarely changes."""
    cache = current_app.extensions.get(REGISTRATION_CACHE_KEY)
    if cache is None:
        record = _load_record(iss, client_id)
    else:
        record = cache.get((iss, client_id), lambda: _load_record(iss, client_id))
    return record.deployments.get(deployment_id) if record else None


def launch_deployment(launch_data: dict[str, Any]) -> DeploymentRecord | None:
    """The deployment a validated launch came from (see :func:`deployment_record`)."""
    deployment_id = launch_data.get(DEPLOYMENT_CLAIM)
    if not isinstance(deployment_id, str):
        return None
    return deployment_record(
        str(launch_data.get("iss")), client_id_of(launch_data), deployment_id
    )


def client_id_of(launch_data: dict[str, Any]) -> str:
    """Our client id in a validated launch: ``azp`` when present, else the audience."""
    azp = launch_data.get("azp")
    if isinstance(azp, str):
        return azp
    aud = launch_data.get("aud")
    return str(aud[0] if isinstance(aud, list) and aud else aud)


def deployment_status(iss: str, client_id: str, deployment_id: str) -> str | None:
    """``active``, ``held``, or None when the registration has no such deployment."""
    deployment = deployment_record(iss, client_id, deployment_id)
    return deployment.status if deployment else None


def _stored_deployment_status(
    iss: str, client_id: str, deployment_id: str
) -> str | None:
    """Like :func:`deployment_status`, read from the database now."""
    return db.session.execute(
        select(DeploymentRow.status)
        .join(PlatformRegistration)
        .where(
            PlatformRegistration.issuer == iss,
            PlatformRegistration.client_id == client_id,
            DeploymentRow.deployment_id == deployment_id,
        )
    ).scalar_one_or_none()


def record_new_deployment(
    iss: str, client_id: str, deployment_id: str, status: str
) -> str:
    """Add a deployment first seen in a launch; return the status it ends up with.

    Two workers may see the same new deployment at once: the unique constraint lets one
    insert win, and the other reads what the winner wrote.
    """
    registration = _registration_row(iss, client_id)
    if registration is None:
        raise LookupError("No such registration.")

    db.session.add(
        DeploymentRow(
            registration_id=registration.id,
            deployment_id=deployment_id,
            status=status,
            first_seen_at=time.time(),
        )
    )
    try:
        db.session.commit()
    except IntegrityError:
        # Another process recorded it first, after this one cached the registration.
        db.session.rollback()
        forget_cached_registrations()
        return _stored_deployment_status(iss, client_id, deployment_id) or status
    return status


def load_registrations_file(path: Path) -> int:
    """Upsert the registrations of a ToolConfJsonFile-shaped file; return how many.

    The file maps each issuer to a list of registrations (or one registration object) with
    ``client_id``, ``auth_login_url``, ``auth_token_url``, ``key_set_url`` or ``key_set``,
    ``deployment_ids`` and ``default``. Its ``private_key_file``/``public_key_file`` entries
    are ignored: the tool signs with its own key pair from ``TOOL_KEYS_DIR``.

    :raises ConfigError: naming the file and what is wrong with it.
    """
    data = _read_registrations(path)
    count = 0
    for issuer, entries in data.items():
        for entry in entries if isinstance(entries, list) else [entries]:
            _check_entry(path, issuer, entry)
            _upsert_registration(issuer, entry)
            count += 1

    db.session.commit()
    logger.info("Loaded %d platform registration(s) from %s", count, path)
    return count


#: What an administrator is told on changing a deployment the registrations file lists.
FILE_WINS_NOTE = (
    "LTI_CONFIG lists this deployment, so the tool's next start approves it and applies "
    "the file's settings again. Change the file too."
)


def file_lists_deployment(
    path: str | None, issuer: str, client_id: str, deployment_id: str
) -> bool:
    """Whether the registrations file lists this deployment: every start then approves it
    and applies the file's options to it again, whatever was changed since."""
    try:
        return (issuer, client_id, deployment_id) in deployments_in_file(path)
    except ConfigError:
        return False


def deployments_in_file(path: str | None) -> frozenset[tuple[str, str, str]]:
    """(issuer, client id, deployment id) of every deployment the registrations file
    lists; none when there is no file.

    :raises ConfigError: when the file cannot be read now (it may have changed since the
        start read it).
    """
    if not path:
        return frozenset()
    data = _read_registrations(Path(path))

    listed = set()
    for issuer, entries in data.items():
        for entry in entries if isinstance(entries, list) else [entries]:
            ids = entry.get("deployment_ids") if isinstance(entry, dict) else None
            for deployment_id in ids if isinstance(ids, list) else []:
                listed.add((issuer, str(entry.get("client_id")), str(deployment_id)))
    return frozenset(listed)


def _read_registrations(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except OSError as err:
        raise ConfigError(
            f"LTI_CONFIG names {path}, which cannot be read: {err}."
        ) from err
    except (ValueError, RecursionError) as err:
        # RecursionError: json gives up on absurdly deep nesting that way.
        raise ConfigError(f"LTI_CONFIG file {path} is not valid JSON: {err}.") from err

    if not isinstance(data, dict):
        raise ConfigError(
            f"LTI_CONFIG file {path} must map each issuer to registrations."
        )
    return data


def _check_entry(path: Path, issuer: str, entry: Any) -> None:
    if not isinstance(entry, dict):
        raise ConfigError(
            f"LTI_CONFIG file {path}: a registration of {issuer} is not an object."
        )

    for name in REQUIRED_FIELDS:
        if not isinstance(entry.get(name), str) or not entry[name]:
            raise ConfigError(
                f"LTI_CONFIG file {path}: a registration of {issuer} has no {name}."
            )

    if not entry.get("key_set_url") and not isinstance(entry.get("key_set"), dict):
        raise ConfigError(
            f"LTI_CONFIG file {path}: the registration of {issuer} with client id "
            f"{entry['client_id']} needs a key_set_url or a key_set."
        )

    deployments = entry.get("deployment_ids", [])
    if not isinstance(deployments, list) or not all(
        isinstance(d, str) for d in deployments
    ):
        raise ConfigError(
            f"LTI_CONFIG file {path}: deployment_ids of {issuer} must be a list."
        )


def forget_cached_registrations() -> None:
    """After a change to registrations: this process reads them afresh (others within
    REGISTRATION_CACHE_SECONDS)."""
    if not has_app_context():
        return
    cache = current_app.extensions.get(REGISTRATION_CACHE_KEY)
    if cache is not None:
        cache.clear()


@event.listens_for(FlaskSession, "after_flush")
def _note_registration_changes(session: Any, flush_context: Any) -> None:
    """Remember that this transaction wrote registrations or deployments (an admin page, a
    command, dynamic registration…), so that the commit can drop the cached copies."""
    changed = session.new | session.dirty | session.deleted
    if any(isinstance(row, PlatformRegistration | DeploymentRow) for row in changed):
        session.info["registrations_changed"] = True


@event.listens_for(FlaskSession, "after_commit")
def _forget_after_commit(session: Any) -> None:
    if session.info.pop("registrations_changed", False):
        forget_cached_registrations()


def _upsert_registration(issuer: str, entry: dict[str, Any]) -> None:
    row = _registration_row(issuer, entry["client_id"])
    if row is None:
        row = PlatformRegistration(issuer=issuer, client_id=entry["client_id"])
        db.session.add(row)

    row.auth_login_url = entry["auth_login_url"]
    row.auth_token_url = entry.get("auth_token_url")
    row.auth_audience = entry.get("auth_audience")
    row.key_set_url = entry.get("key_set_url")
    row.key_set = entry.get("key_set")
    row.is_default = bool(entry.get("default", False))
    if "page_origins" in entry:
        row.page_origins = list(entry["page_origins"] or []) or None
    if "label" in entry:
        row.label = entry["label"]

    known = {d.deployment_id: d for d in row.deployments}
    options = entry.get("deployment_options") or {}
    for deployment_id in entry.get("deployment_ids", []):
        deployment = known.get(deployment_id)
        if deployment is None:
            deployment = DeploymentRow(
                deployment_id=deployment_id, status=DEPLOYMENT_ACTIVE
            )
            row.deployments.append(deployment)
        # A deployment listed in the file is approved by whoever wrote the file.
        deployment.status = DEPLOYMENT_ACTIVE
        apply_deployment_options(deployment, options.get(deployment_id) or {})


def apply_deployment_options(
    deployment: DeploymentRow, options: dict[str, Any]
) -> None:
    """Set the per-deployment access settings named in ``options``.

    :raises ValueError: for an unknown option or a value of the wrong kind.
    """
    unknown = set(options) - set(DEPLOYMENT_OPTIONS)
    if unknown:
        raise ValueError(f"Unknown deployment option(s): {', '.join(sorted(unknown))}.")

    if "access_mode" in options:
        if options["access_mode"] not in ACCESS_MODES:
            raise ValueError(f"access_mode must be one of {', '.join(ACCESS_MODES)}.")
        deployment.access_mode = options["access_mode"]
    if "panopto_provider" in options:
        deployment.panopto_provider = options["panopto_provider"] or None
    if "username_claim" in options:
        deployment.username_claim = _username_claim(options["username_claim"])
    if "provider_sign_in" in options:
        deployment.provider_sign_in = _switch(options, "provider_sign_in")
    if "trust_context_history" in options:
        deployment.trust_context_history = _switch(options, "trust_context_history")


def _switch(options: dict[str, Any], name: str) -> bool:
    # Only JSON's true and false: a "false" string must not switch a safeguard off.
    value = options[name]
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be true or false, not {value!r}.")
    return value


#: Launch claims that may hold the LMS username, besides ``custom:NAME``.
USERNAME_CLAIMS = ("sub", "email", "preferred_username")


def _username_claim(value: Any) -> str:
    if not isinstance(value, str) or not (
        value in USERNAME_CLAIMS or (value.startswith("custom:") and len(value) > 7)
    ):
        raise ValueError(
            "username_claim must be sub, email, preferred_username or custom:NAME."
        )
    return value
