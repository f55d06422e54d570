"""Platform registrations in the database, behind pylti1p3's ``ToolConfAbstract``.

One issuer may have several client ids, each with its own deployments. A JSON file in
pylti1p3's ``ToolConfJsonFile`` shape (``LTI_CONFIG``) can seed the table at start.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from pylti1p3.deployment import Deployment
from pylti1p3.registration import Registration
from pylti1p3.tool_config.abstract import ToolConfAbstract
from sqlalchemy import select

from ..config import ConfigError
from ..extensions import db
from ..keys import ToolKeys
from ..models import Deployment as DeploymentRow
from ..models import PlatformRegistration

logger = logging.getLogger(__name__)

#: What a registration in LTI_CONFIG must name (LTI-NOTES: registration data).
REQUIRED_FIELDS = ("client_id", "auth_login_url")


class DatabaseToolConf(ToolConfAbstract):
    """Looks registrations and deployments up in the database."""

    def __init__(self, keys: ToolKeys) -> None:
        super().__init__()
        self._keys = keys

    # Every issuer may own several client ids (LTI-NOTES §1), so always take the "many"
    # branch of pylti1p3; it then calls the *_by_params methods below.
    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> Any:
        row = _default_registration_row(iss)
        return self._to_registration(row) if row else None

    def find_registration_by_params(
        self, iss: str, client_id: str | None, *args: Any, **kwargs: Any
    ) -> Any:
        if not client_id:
            return self.find_registration_by_issuer(iss)

        row = _registration_row(iss, client_id)
        return self._to_registration(row) if row else None

    def find_deployment(self, iss: str, deployment_id: str) -> Deployment | None:
        row = _default_registration_row(iss)
        return _deployment_of(row, deployment_id) if row else None

    def find_deployment_by_params(
        self,
        iss: str,
        deployment_id: str,
        client_id: str | None,
        *args: Any,
        **kwargs: Any,
    ) -> Deployment | None:
        row = (
            _registration_row(iss, client_id)
            if client_id
            else _default_registration_row(iss)
        )
        return _deployment_of(row, deployment_id) if row else None

    def get_jwks(
        self, iss: str | None = None, client_id: str | None = None, **kwargs: Any
    ):
        # The base class returns no keys without an issuer; the tool has one key pair for
        # every platform, so it is always the answer.
        return self._keys.jwks()

    def _to_registration(self, row: PlatformRegistration) -> Registration:
        registration = (
            Registration()
            .set_issuer(row.issuer)
            .set_client_id(row.client_id)
            .set_auth_login_url(row.auth_login_url)
            .set_key_set_url(row.key_set_url)
            .set_key_set(row.key_set)
            .set_tool_private_key(self._keys.private_pem)
            .set_tool_public_key(self._keys.public_pem)
        )
        if row.auth_token_url:
            registration.set_auth_token_url(row.auth_token_url)
        if row.auth_audience:
            registration.set_auth_audience(row.auth_audience)
        return registration


def _registration_row(iss: str, client_id: str) -> PlatformRegistration | None:
    return db.session.execute(
        select(PlatformRegistration).where(
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


def _deployment_of(row: PlatformRegistration, deployment_id: str) -> Deployment | None:
    if deployment_id not in {d.deployment_id for d in row.deployments}:
        return None
    return Deployment().set_deployment_id(deployment_id)


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


def _read_registrations(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except OSError as err:
        raise ConfigError(
            f"LTI_CONFIG names {path}, which cannot be read: {err}."
        ) from err
    except ValueError as err:
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

    known = {d.deployment_id for d in row.deployments}
    for deployment_id in entry.get("deployment_ids", []):
        if deployment_id not in known:
            row.deployments.append(DeploymentRow(deployment_id=deployment_id))
