"""The platform's side of LTI Dynamic Registration (LTI-NOTES section 5).

An administrator pastes the tool's registration URL on ``/admin/tools``; the platform
opens it in a frame with ``openid_configuration`` (this platform's configuration URL) and a
fresh single-use ``registration_token``. The tool fetches the configuration and POSTs its
registration to ``/lti/register-tool`` with the token as a bearer; the platform checks it,
issues a client id and a deployment id, starts using the new registration, and waits for
the tool's ``org.imsglobal.lti.close`` message.

Like a strict real platform, this one needs the registration token on the configuration
request as well, and refuses a registration asking for a scope it does not list (some
platforms refuse ``openid``).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from .errors import PlatformError

#: An administrator gets this long between opening the tool's page and its registration.
TOKEN_LIFETIME_SECONDS = 15 * 60
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
#: The LTI services this platform offers. It has no ``openid`` scope: ids tokens are not
#: an OAuth2 service here, and a tool that asks for it is refused.
SCOPES_SUPPORTED = (
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
)


class RegistrationRefused(PlatformError):
    title = "Tool registration refused"


@dataclass(frozen=True)
class ToolRegistration:
    client_id: str
    deployment_id: str
    login_url: str
    redirect_uris: tuple[str, ...]
    launch_url: str
    jwks_url: str
    name: str


class RegistrationTokens:
    """Single-use registration tokens, in memory like the rest of the dev platform."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, float] = {}

    def issue(self) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = time.time() + TOKEN_LIFETIME_SECONDS
        return token

    def is_valid(self, token: str) -> bool:
        with self._lock:
            return self._tokens.get(token, 0) > time.time()

    def use(self, token: str) -> bool:
        with self._lock:
            return self._tokens.pop(token, 0) > time.time()


def bearer_token(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def registration_start_url(
    tool_registration_url: str, config_url: str, token: str
) -> str:
    """The tool's registration URL with our two parameters, keeping its own query."""
    separator = "&" if urlsplit(tool_registration_url).query else "?"
    query = urlencode({"openid_configuration": config_url, "registration_token": token})
    return f"{tool_registration_url}{separator}{query}"


def openid_configuration(issuer: str) -> dict[str, Any]:
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/lti/authorize",
        "token_endpoint": f"{issuer}/lti/token",
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "registration_endpoint": f"{issuer}/lti/register-tool",
        "scopes_supported": list(SCOPES_SUPPORTED),
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public", "pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "claims_supported": [
            "iss",
            "sub",
            "name",
            "given_name",
            "family_name",
            "email",
        ],
        PLATFORM_CONFIGURATION: {
            "product_family_code": "ontrack",
            "version": "dev",
            "messages_supported": [
                {"type": "LtiResourceLinkRequest"},
                {"type": "LtiDeepLinkingRequest"},
            ],
        },
    }


def check_registration(body: Any) -> ToolRegistration:
    """Read the tool's registration request and issue it a client and a deployment.

    :raises RegistrationRefused: naming the first rule broken.
    """
    if not isinstance(body, dict):
        raise RegistrationRefused("The registration must be a JSON object.")
    tool = body.get(TOOL_CONFIGURATION)
    if not isinstance(tool, dict):
        raise RegistrationRefused("The registration has no LTI tool configuration.")

    scopes = str(body.get("scope") or "").split()
    unknown = [scope for scope in scopes if scope not in SCOPES_SUPPORTED]
    if unknown:
        raise RegistrationRefused(f"Scope not offered here: {unknown[0][:100]}.")
    if "id_token" not in (body.get("response_types") or []):
        raise RegistrationRefused("The tool must accept id_token responses.")

    redirect_uris = body.get("redirect_uris")
    if not isinstance(redirect_uris, list) or not redirect_uris:
        raise RegistrationRefused("The registration names no redirect_uris.")
    urls = {
        "initiate_login_uri": body.get("initiate_login_uri"),
        "jwks_uri": body.get("jwks_uri"),
        "target_link_uri": tool.get("target_link_uri"),
    }
    for name, value in {
        **urls,
        **{f"redirect_uri {u}": u for u in redirect_uris},
    }.items():
        if not isinstance(value, str) or urlsplit(value).scheme not in (
            "http",
            "https",
        ):
            raise RegistrationRefused(f"The {name.split()[0]} is not an http(s) URL.")

    return ToolRegistration(
        client_id="dr-" + secrets.token_hex(8),
        deployment_id="dr-deployment-" + secrets.token_hex(4),
        login_url=urls["initiate_login_uri"],
        redirect_uris=tuple(redirect_uris),
        launch_url=urls["target_link_uri"],
        jwks_url=urls["jwks_uri"],
        name=str(body.get("client_name") or "LTI tool")[:100],
    )


def registration_response(body: dict[str, Any], registration: ToolRegistration) -> dict:
    """The tool's registration as stored, with its client and deployment ids (DR §3.6)."""
    tool = dict(body.get(TOOL_CONFIGURATION) or {})
    tool["deployment_id"] = registration.deployment_id
    return {**body, "client_id": registration.client_id, TOOL_CONFIGURATION: tool}
