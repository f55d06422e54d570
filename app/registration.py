"""LTI Dynamic Registration (https://www.imsglobal.org/spec/lti-dr/v1p0) and the platforms table.

The platform opens ``/lti/register?openid_configuration=…&registration_token=…`` in the
administrator's browser. We fetch the platform's OpenID configuration (sending the
registration token on that request too), check it, show the administrator what will be
registered, and on their click POST our tool configuration to the platform's registration
endpoint. The answer gives our client id and usually a deployment id; both are stored, and
the page tells the platform to close it (``org.imsglobal.lti.close``).

Registering opens the tool to a new platform, so it needs an *invitation*: a single-use
token an administrator makes on the admin page or with ``flask --app wsgi platforms
invite``, carried in the registration URL they paste into the platform (platforms keep the
URL's own query parameters). ``DYNAMIC_REGISTRATION_OPEN=true`` drops that requirement, for
development only.

pylti1p3next's ``DynamicRegistration`` builds the registration request and posts it. It
fetches the configuration without the registration token and checks neither the issuer
against the configuration URL nor the URLs' schemes, so :class:`ToolRegistration` does that.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from pylti1p3.dynamic_registration import DynamicRegistration
from pylti1p3.exception import LtiException
from sqlalchemy import select

from .errors import ToolError
from .extensions import db
from .http import HttpSession
from .lti.tool_config import DEPLOYMENT_ACTIVE
from .models import Deployment, PlatformRegistration
from .store import KeyValueStore

logger = logging.getLogger(__name__)

PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"

INVITE_PREFIX = "lti-registration-invite-"
HOLD_PREFIX = "lti-registration-hold-"
#: An invitation is pasted into a platform by hand: a week is enough to get round to it.
DEFAULT_INVITE_TTL_SECONDS = 7 * 24 * 60 * 60
#: Between the confirmation page and the click on "Register".
HOLD_TTL_SECONDS = 30 * 60
#: A platform's configuration or registration answer is a few kilobytes.
MAX_DOCUMENT_BYTES = 256 * 1024

#: LTI services we would ask for. We use none, so the registration asks for no scope at
#: all; any scope added here is only requested when the platform lists it.
WANTED_SCOPES: tuple[str, ...] = ()
#: Claims the tool uses: who the user is, for the chooser and for Panopto user mapping.
WANTED_CLAIMS = ["iss", "sub", "name", "given_name", "family_name", "email"]

ADMIN_ROLE = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"


class RegistrationError(ToolError):
    """The platform's configuration or registration answer cannot be used."""

    code = "registration_failed"
    message = "The registration could not be completed."


class PlatformUnreachable(RegistrationError):
    code = "registration_platform_unreachable"
    status = 502
    retryable = True
    message = (
        "The course system could not be reached to complete the registration. Please "
        "try again in a moment."
    )


@dataclass(frozen=True)
class ToolUrls:
    """Our own addresses, as the platform should call them."""

    login: str
    launch: str
    jwks: str
    logo: str

    @property
    def domain(self) -> str:
        return urlsplit(self.launch).netloc


@dataclass(frozen=True)
class PlatformConfiguration:
    """The checked parts of a platform's OpenID configuration."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str | None
    jwks_uri: str
    registration_endpoint: str
    scopes_supported: tuple[str, ...]
    product: str
    version: str

    @property
    def label(self) -> str:
        return f"{self.product} {self.version}".strip()


@dataclass(frozen=True)
class RegisteredPlatform:
    issuer: str
    client_id: str
    deployment_id: str | None
    label: str


# -- invitations and holds -------------------------------------------------------------


def create_invite(
    store: KeyValueStore, ttl_seconds: int = DEFAULT_INVITE_TTL_SECONDS
) -> str:
    invite = secrets.token_urlsafe(24)
    store.set(_key(INVITE_PREFIX, invite), True, ttl_seconds)
    return invite


def invite_is_valid(store: KeyValueStore, invite: str | None) -> bool:
    return bool(invite) and store.get(_key(INVITE_PREFIX, invite or "")) is not None


def use_invite(store: KeyValueStore, invite: str | None) -> bool:
    return bool(invite) and store.take(_key(INVITE_PREFIX, invite or "")) is not None


def hold(store: KeyValueStore, details: dict[str, Any]) -> str:
    """Keep what the confirmation page showed, for the POST that follows; its id."""
    hold_id = secrets.token_urlsafe(24)
    store.set(_key(HOLD_PREFIX, hold_id), details, HOLD_TTL_SECONDS)
    return hold_id


def take_hold(store: KeyValueStore, hold_id: str | None) -> dict[str, Any] | None:
    if not hold_id:
        return None
    value = store.take(_key(HOLD_PREFIX, hold_id))
    return value if isinstance(value, dict) else None


def _key(prefix: str, value: str) -> str:
    return prefix + hashlib.sha256(value.encode()).hexdigest()


# -- talking to the platform ----------------------------------------------------------


class ToolRegistration(DynamicRegistration):
    """pylti1p3next's registration flow with our URLs and the checks it leaves out."""

    client_name = "Panopto video"
    description = "Embed Panopto videos in units, tasks and comments."

    def __init__(
        self,
        urls: ToolUrls,
        openid_configuration_url: str,
        registration_token: str | None,
        http: requests.Session | None = None,
        allow_loopback_http: bool = False,
    ) -> None:
        self._urls = urls
        self._configuration_url = openid_configuration_url
        self._token = registration_token or None
        self._http = http or HttpSession()
        self._allow_loopback_http = allow_loopback_http
        self._platform: PlatformConfiguration | None = None

    # What pylti1p3next asks for.

    def get_request_session(self) -> requests.Session:
        return _NotClosing(self._http)

    def get_initiate_login_uri(self) -> str:
        return self._urls.login

    def get_jwks_uri(self) -> str:
        return self._urls.jwks

    def get_redirect_uris(self) -> list[str]:
        return [self._urls.launch]

    def get_domain(self) -> str:
        return self._urls.domain

    def get_target_link_uri(self) -> str:
        return self._urls.launch

    def get_logo_uri(self) -> str:
        return self._urls.logo

    def get_claims(self) -> list[str]:
        return list(WANTED_CLAIMS)

    def get_scopes(self) -> list[str]:
        """Only scopes the platform lists: some refuse a registration naming others."""
        if not self._configuration_url:
            return []  # a configuration for pasting by hand: no platform to ask
        supported = set(self.platform().scopes_supported)
        return [scope for scope in WANTED_SCOPES if scope in supported]

    def get_messages(self) -> list[dict[str, Any]]:
        return [
            {
                "type": "LtiDeepLinkingRequest",
                "target_link_uri": self._urls.launch,
                "label": "Insert Panopto video",
            },
            {
                "type": "LtiResourceLinkRequest",
                "target_link_uri": self._urls.launch,
                "label": "Panopto tool administration",
                "custom_parameters": {"panopto_tool_page": "admin"},
                "roles": [ADMIN_ROLE],
            },
        ]

    def get_openid_configuration_endpoint(self) -> str:
        return self._configuration_url

    def get_registration_token(self) -> str | None:  # type: ignore[override]
        return self._token

    def get_openid_configuration(self) -> dict[str, Any]:
        """Fetch the configuration with the registration token, once, and check it."""
        if not hasattr(self, "_document"):
            self._document = self._fetch_configuration()
            self._platform = check_configuration(
                self._document, self._configuration_url, self._allow_loopback_http
            )
        return self._document

    def platform(self) -> PlatformConfiguration:
        self.get_openid_configuration()
        if self._platform is None:  # get_openid_configuration() sets it or raises
            raise RegistrationError()
        return self._platform

    def complete_registration(
        self, openid_configuration: dict[str, Any], openid_registration: dict[str, Any]
    ) -> RegisteredPlatform:
        client_id = openid_registration.get("client_id")
        if not isinstance(client_id, str) or not client_id:
            raise RegistrationError("The course system's answer holds no client id.")
        tool = openid_registration.get(TOOL_CONFIGURATION) or {}
        deployment_id = tool.get("deployment_id") if isinstance(tool, dict) else None
        platform = self.platform()
        return RegisteredPlatform(
            issuer=platform.issuer,
            client_id=client_id,
            deployment_id=deployment_id if isinstance(deployment_id, str) else None,
            label=platform.label,
        )

    def register_with_platform(self) -> RegisteredPlatform:
        """POST our configuration; translate the library's failures into plain words."""
        try:
            return self.register()
        except RegistrationError:
            raise
        except (requests.RequestException, OSError) as err:
            logger.warning("Registration POST failed: %s", type(err).__name__)
            raise PlatformUnreachable() from err
        except (LtiException, AssertionError, ValueError, TypeError) as err:
            logger.info("Registration refused or malformed: %s", str(err)[:200])
            raise RegistrationError(
                "The course system refused the registration or answered in a way the "
                "tool does not understand. Ask its administrator to check the tool's "
                "registration settings, then try again."
            ) from err

    def _fetch_configuration(self) -> dict[str, Any]:
        check_platform_url(
            self._configuration_url, "openid_configuration", self._allow_loopback_http
        )
        headers = {"Accept": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        try:
            response = self._http.get(self._configuration_url, headers=headers)
            response.raise_for_status()
        except requests.RequestException as err:
            logger.warning("Fetching a platform configuration failed: %s", err)
            raise PlatformUnreachable() from err
        return _json_object(response, "configuration")


class _NotClosing:
    """pylti1p3next closes the session it is given (``with``); ours is reused."""

    def __init__(self, session: requests.Session) -> None:
        self._session = session

    def __enter__(self) -> requests.Session:
        return self._session

    def __exit__(self, *exc: object) -> None:
        return None


def check_configuration(
    document: dict[str, Any], configuration_url: str, allow_loopback_http: bool = False
) -> PlatformConfiguration:
    """The platform configuration, checked (DR 1.0 §3.4, §3.5).

    :raises RegistrationError: naming what is missing or wrong.
    """
    issuer = document.get("issuer")
    if not isinstance(issuer, str) or not issuer:
        raise RegistrationError("The course system's configuration names no issuer.")
    # DR 1.0 §3.5.1: the issuer must be of the host the configuration was fetched from.
    if _host(issuer) != _host(configuration_url):
        raise RegistrationError(
            "The course system's configuration names an issuer on another host than "
            "the configuration itself, so it cannot be trusted."
        )

    endpoints = {}
    for name in ("authorization_endpoint", "jwks_uri", "registration_endpoint"):
        value = document.get(name)
        if not isinstance(value, str) or not value:
            raise RegistrationError(f"The course system's configuration has no {name}.")
        endpoints[name] = check_platform_url(value, name, allow_loopback_http)
    token_endpoint = document.get("token_endpoint")
    if isinstance(token_endpoint, str) and token_endpoint:
        check_platform_url(token_endpoint, "token_endpoint", allow_loopback_http)
    else:
        token_endpoint = None

    details = document.get(PLATFORM_CONFIGURATION)
    if not isinstance(details, dict):
        raise RegistrationError(
            "The configuration is not an LTI platform's configuration."
        )
    scopes = document.get("scopes_supported")
    return PlatformConfiguration(
        issuer=issuer,
        authorization_endpoint=endpoints["authorization_endpoint"],
        token_endpoint=token_endpoint,
        jwks_uri=endpoints["jwks_uri"],
        registration_endpoint=endpoints["registration_endpoint"],
        scopes_supported=tuple(s for s in scopes or [] if isinstance(s, str))
        if isinstance(scopes, list)
        else (),
        product=str(details.get("product_family_code") or "LTI platform")[:100],
        version=str(details.get("version") or "")[:50],
    )


def check_platform_url(url: str, name: str, allow_loopback_http: bool = False) -> str:
    """An https URL; or, for development platforms, http to this machine.

    :param allow_loopback_http: only while the tool itself runs on plain HTTP (the demo):
        a production tool must not be made to fetch its own host's internal services.
    :raises RegistrationError: for anything else (``file:``, plain http elsewhere, junk).
    """
    try:
        parts = urlsplit(url)
    except ValueError as err:
        raise RegistrationError(f"The {name} address is not a URL.") from err
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and allow_loopback_http and _is_loopback(parts.hostname):
        return url
    raise RegistrationError(f"The {name} address must use https.")


def _is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def _host(url: str) -> str | None:
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.lower() if host else None


def _json_object(response: requests.Response, what: str) -> dict[str, Any]:
    if len(response.content) > MAX_DOCUMENT_BYTES:
        raise RegistrationError(f"The course system's {what} is far too large.")
    try:
        document = response.json()
    except ValueError as err:
        raise RegistrationError(f"The course system's {what} is not JSON.") from err
    if not isinstance(document, dict):
        raise RegistrationError(f"The course system's {what} is not a JSON object.")
    return document


# -- storing ---------------------------------------------------------------------------


def save_registration(
    result: RegisteredPlatform, platform: PlatformConfiguration
) -> PlatformRegistration:
    """Store (or update) the registration and its deployment, ready for launches."""
    row = db.session.execute(
        select(PlatformRegistration).where(
            PlatformRegistration.issuer == result.issuer,
            PlatformRegistration.client_id == result.client_id,
        )
    ).scalar_one_or_none()
    if row is None:
        others = db.session.execute(
            select(PlatformRegistration).where(
                PlatformRegistration.issuer == result.issuer
            )
        ).first()
        row = PlatformRegistration(
            issuer=result.issuer, client_id=result.client_id, is_default=others is None
        )
        db.session.add(row)

    row.auth_login_url = platform.authorization_endpoint
    row.auth_token_url = platform.token_endpoint
    row.key_set_url = platform.jwks_uri
    row.key_set = None
    row.label = result.label

    if result.deployment_id and result.deployment_id not in {
        d.deployment_id for d in row.deployments
    }:
        row.deployments.append(
            Deployment(deployment_id=result.deployment_id, status=DEPLOYMENT_ACTIVE)
        )
    db.session.commit()
    logger.info(
        "Registered %s (client %s) dynamically", result.issuer, result.client_id
    )
    return row
