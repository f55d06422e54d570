"""The administrators' view of the tool: registrations, deployments, set-up values, health.

Two kinds of administrator reach it:

- **site administrators**, with ``ADMIN_TOKEN`` from the environment: they see every
  platform and may invite new ones (Dynamic Registration);
- **platform administrators**, through an LTI launch that asks for the admin page
  (custom ``panopto_tool_page=admin``) with an institution or system Administrator role:
  they see and approve only their own platform's registrations and deployments.

Either way the browser holds a signed, hour-long *admin ticket*: in a cookie for page
loads, and in every form, which is what authorises a change (a cross-site page cannot read
it, so it also stops cross-site request forgery).
"""

from __future__ import annotations

import hmac
import json
import logging
from dataclasses import dataclass
from typing import Any

import requests
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select, text

from .errors import Forbidden, NotFoundError
from .extensions import db
from .http import HttpSession
from .lti.tool_config import DEPLOYMENT_ACTIVE, DEPLOYMENT_HELD
from .models import Deployment, PlatformRegistration
from .registration import ToolRegistration, ToolUrls

logger = logging.getLogger(__name__)

TICKET_SALT = "admin-ticket"
#: Long enough to register a platform; a forgotten tab soon stops working.
TICKET_MAX_AGE_SECONDS = 60 * 60
COOKIE_NAME = "panopto_tool_admin"
SITE = "site"
PLATFORM = "platform"
#: Panopto's discovery document answers fast and needs no credentials: a good heartbeat.
PANOPTO_HEALTH_PATH = "/Panopto/oauth2/.well-known/openid-configuration"


@dataclass(frozen=True)
class AdminIdentity:
    kind: str
    name: str
    #: The platform a platform administrator belongs to; None for site administrators.
    issuer: str | None = None
    #: The launch that opened the page (platform administrators only).
    launch_id: str | None = None

    @property
    def is_site_admin(self) -> bool:
        return self.kind == SITE

    def may_manage(self, registration: PlatformRegistration) -> bool:
        return self.is_site_admin or registration.issuer == self.issuer


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def token_matches(configured: str | None, offered: str | None) -> bool:
    """Constant-time comparison with ``ADMIN_TOKEN``; never true when none is set."""
    if not configured or not offered:
        return False
    return hmac.compare_digest(configured.encode(), offered.encode())


def issue_ticket(secret_key: str, identity: AdminIdentity) -> str:
    payload = {
        "k": identity.kind,
        "n": identity.name,
        "i": identity.issuer,
        "l": identity.launch_id,
    }
    return URLSafeTimedSerializer(secret_key, salt=TICKET_SALT).dumps(payload)


def read_ticket(secret_key: str, ticket: str | None) -> AdminIdentity | None:
    if not ticket:
        return None
    try:
        payload = URLSafeTimedSerializer(secret_key, salt=TICKET_SALT).loads(
            ticket, max_age=TICKET_MAX_AGE_SECONDS
        )
    except BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("k") not in (SITE, PLATFORM):
        return None
    return AdminIdentity(
        kind=payload["k"],
        name=str(payload.get("n") or ""),
        issuer=payload.get("i"),
        launch_id=payload.get("l"),
    )


def registrations_for(identity: AdminIdentity) -> list[PlatformRegistration]:
    query = select(PlatformRegistration).order_by(
        PlatformRegistration.issuer, PlatformRegistration.client_id
    )
    if not identity.is_site_admin:
        query = query.where(PlatformRegistration.issuer == identity.issuer)
    return list(db.session.execute(query).scalars())


def set_deployment_status(
    identity: AdminIdentity, deployment_pk: int, status: str
) -> Deployment:
    """Approve (``active``) or hold a deployment the identity may manage."""
    if status not in (DEPLOYMENT_ACTIVE, DEPLOYMENT_HELD):
        raise ValueError("Unknown deployment status.")
    deployment = _manageable_deployment(identity, deployment_pk)
    deployment.status = status
    db.session.commit()
    logger.info(
        "An administrator set a deployment of %s to %s",
        deployment.registration.issuer,
        status,
    )
    return deployment


def remove_deployment(
    identity: AdminIdentity, deployment_pk: int
) -> tuple[str, str, str]:
    """Remove a deployment the identity may manage.

    :returns: what named it (issuer, client id, deployment id), as the row is gone.
    """
    deployment = _manageable_deployment(identity, deployment_pk)
    removed = deployment_key(deployment)
    db.session.delete(deployment)
    db.session.commit()
    return removed


def deployment_key(deployment: Deployment) -> tuple[str, str, str]:
    """(issuer, client id, deployment id): how a deployment is named outside the tool."""
    registration = deployment.registration
    return registration.issuer, registration.client_id, deployment.deployment_id


def _manageable_deployment(identity: AdminIdentity, deployment_pk: int) -> Deployment:
    deployment = db.session.get(Deployment, deployment_pk)
    if deployment is None:
        raise NotFoundError("There is no such deployment.")
    if not identity.may_manage(deployment.registration):
        raise Forbidden("You may only manage your own platform's deployments.")
    return deployment


def tool_configuration(urls: ToolUrls) -> str:
    """The JSON tool configuration an LMS may import (the Dynamic Registration body)."""
    body = ToolRegistration(urls, "", None).lti_registration_data()
    return json.dumps(body, indent=2)


def health(panopto_base_url: str, http: requests.Session | None = None) -> list[Check]:
    return [_database_check(), _panopto_check(panopto_base_url, http or HttpSession())]


def _database_check() -> Check:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as err:  # any driver error means the same thing here
        logger.warning("Health check: database unreachable: %s", type(err).__name__)
        return Check("Database", False, "not reachable")
    return Check("Database", True, "reachable")


def _panopto_check(base_url: str, http: requests.Session) -> Check:
    try:
        response = http.get(base_url + PANOPTO_HEALTH_PATH, timeout=(3.05, 5))
    except requests.RequestException as err:
        logger.warning("Health check: Panopto unreachable: %s", type(err).__name__)
        return Check("Panopto", False, f"{base_url} did not answer")
    if response.status_code >= 500:
        return Check(
            "Panopto", False, f"{base_url} answered HTTP {response.status_code}"
        )
    return Check("Panopto", True, f"{base_url} answered")


def describe(
    registration: PlatformRegistration,
    in_file: frozenset[tuple[str, str, str]] = frozenset(),
) -> dict[str, Any]:
    """What the admin page shows of one registration (no key material).

    ``in_file`` names the deployments the registrations file lists, whose changes here
    last only until the next start.
    """
    return {
        "id": registration.id,
        "issuer": registration.issuer,
        "client_id": registration.client_id,
        "label": registration.label,
        "auth_login_url": registration.auth_login_url,
        "key_set_url": registration.key_set_url,
        "has_key_set": registration.key_set is not None,
        "deployments": [
            {
                "id": deployment.id,
                "deployment_id": deployment.deployment_id,
                "status": deployment.status,
                "access_mode": deployment.access_mode,
                "panopto_provider": deployment.panopto_provider,
                "username_claim": deployment.username_claim,
                "provider_sign_in": deployment.provider_sign_in,
                "trust_context_history": deployment.trust_context_history,
                "from_file": deployment_key(deployment) in in_file,
            }
            for deployment in sorted(
                registration.deployments, key=lambda d: d.deployment_id
            )
        ],
    }
