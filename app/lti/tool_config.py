"""Platform registrations in the database, behind pylti1p3's ``ToolConfAbstract``.

One issuer may have several client ids, each with its own deployments. A JSON file in
pylti1p3's ``ToolConfJsonFile`` shape (``LTI_CONFIG``) can seed the table at start.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

from pylti1p3.deployment import Deployment
from pylti1p3.registration import Registration
from pylti1p3.tool_config.abstract import ToolConfAbstract
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..keys import ToolKeys
from ..models import Deployment as DeploymentRow
from ..models import PlatformRegistration

logger = logging.getLogger(__name__)

DEPLOYMENT_ACTIVE = "active"
DEPLOYMENT_HELD = "held"
ACCESS_MODES = ("access_level", "grant")
#: Per-deployment settings a registrations file may give under ``deployment_options``.
DEPLOYMENT_OPTIONS = (
    "access_mode",
    "panopto_provider",
    "username_claim",
    "provider_sign_in",
)


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
    """Only an active deployment counts; a held one is not usable yet."""
    active = {d.deployment_id for d in row.deployments if d.is_active}
    if deployment_id not in active:
        return None
    return Deployment().set_deployment_id(deployment_id)


def registration_row(iss: str, client_id: str) -> PlatformRegistration | None:
    return _registration_row(iss, client_id)


def deployment_row(
    iss: str, client_id: str, deployment_id: str
) -> DeploymentRow | None:
    return db.session.execute(
        select(DeploymentRow)
        .join(PlatformRegistration)
        .where(
            PlatformRegistration.issuer == iss,
            PlatformRegistration.client_id == client_id,
            DeploymentRow.deployment_id == deployment_id,
        )
    ).scalar_one_or_none()


def deployment_status(iss: str, client_id: str, deployment_id: str) -> str | None:
    """``active``, ``held``, or None when the registration has no such deployment."""
    row = deployment_row(iss, client_id, deployment_id)
    return row.status if row else None


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
        db.session.rollback()
        return deployment_status(iss, client_id, deployment_id) or status
    return status


def load_registrations_file(path: Path) -> int:
    """Upsert the registrations of a ToolConfJsonFile-shaped file; return how many.

    The file maps each issuer to a list of registrations (or one registration object) with
    ``client_id``, ``auth_login_url``, ``auth_token_url``, ``key_set_url`` or ``key_set``,
    ``deployment_ids`` and ``default``. Its ``private_key_file``/``public_key_file`` entries
    are ignored: the tool signs with its own key pair from ``TOOL_KEYS_DIR``.
    """
    data = json.loads(path.read_text())
    count = 0
    for issuer, entries in data.items():
        for entry in entries if isinstance(entries, list) else [entries]:
            _upsert_registration(issuer, entry)
            count += 1

    db.session.commit()
    logger.info("Loaded %d platform registration(s) from %s", count, path)
    return count


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
        deployment.provider_sign_in = bool(options["provider_sign_in"])


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
