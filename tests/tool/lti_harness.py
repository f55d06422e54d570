"""Drive the tool as an LTI 1.3 platform would, with the independent ``lti1p3platform``.

``lti1p3platform`` ships adapters for Django and FastAPI only, so the four small subclasses
below plug it into Flask's test client (LTI-NOTES section 7). :class:`PlatformDriver` wraps the
steps every test repeats: the third-party initiated login, the platform's answer to the
tool's authentication request, and the POST of the signed id_token back to the tool.
"""

from __future__ import annotations

import base64
import copy
import json
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
MESSAGE_TYPE = LTI + "message_type"
VERSION = LTI + "version"
ROLES = LTI + "roles"
DEPLOYMENT_ID = LTI + "deployment_id"
RESOURCE_LINK = LTI + "resource_link"
TARGET_LINK_URI = LTI + "target_link_uri"
CUSTOM = LTI + "custom"
DL_SETTINGS = DL + "deep_linking_settings"
CONTENT_ITEMS = DL + "content_items"
DL_DATA = DL + "data"

PLATFORM_ISSUER = "https://ontrack.test"
CLIENT_ID = "panopto-tool-test"
DEPLOYMENT = "ontrack-test-1"
OTHER_DEPLOYMENT = "ontrack-test-2"
AUTH_LOGIN_URL = "https://ontrack.test/lti/authorize"
DEEP_LINK_RETURN_URL = "https://ontrack.test/lti/deep-link/return"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
USER_ID = "ontrack-user-42"
PLAYER_SESSION_ID = "5e550000-0000-4000-8000-000000000001"
CONTEXT_ID = "unit-sit999"
CONTEXT_CLAIM = LTI + "context"

#: A platform's key size; small keys make signing fast but PyJWT refuses RSA under 2048.
RSA_BITS = 2048


@dataclass(frozen=True)
class KeyPair:
    private_pem: str
    public_pem: str

    @cached_property
    def jwk(self) -> dict[str, Any]:
        # Same JWK (kid = RFC 7638 thumbprint) that lti1p3platform puts in its headers.
        return Registration.get_jwk(self.public_pem)

    @cached_property
    def private_key(self) -> rsa.RSAPrivateKey:
        key = serialization.load_pem_private_key(
            self.private_pem.encode(), password=None
        )
        assert isinstance(key, rsa.RSAPrivateKey)
        return key

    @property
    def kid(self) -> str:
        return str(self.jwk["kid"])

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.jwk]}


def new_key_pair() -> KeyPair:
    key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        .decode()
    )
    return KeyPair(private_pem, public_pem)


def registrations_json(
    keys: KeyPair,
    *,
    key_set_url: str | None = None,
    deployments: tuple[str, ...] = (DEPLOYMENT, OTHER_DEPLOYMENT),
) -> dict[str, Any]:
    """The tool's LTI_CONFIG (ToolConfJsonFile shape) registering the test platform."""
    entry: dict[str, Any] = {
        "default": True,
        "client_id": CLIENT_ID,
        "auth_login_url": AUTH_LOGIN_URL,
        "auth_token_url": PLATFORM_ISSUER + "/lti/token",
        "deployment_ids": list(deployments),
    }
    if key_set_url:
        entry["key_set_url"] = key_set_url
    else:
        entry["key_set"] = keys.jwks()
    return {PLATFORM_ISSUER: [entry]}


# -- lti1p3platform adapters ----------------------------------------------------------


class HarnessRegistration(Registration):
    """lti1p3platform's registration with the platform key parsed only once.

    Parsing an RSA PEM costs about 25 ms, and lti1p3platform parses it again for every kid
    lookup and every signature; handing PyJWT the parsed key keeps the suite fast. What is
    signed, and how, is unchanged.
    """

    def __init__(self, keys: KeyPair) -> None:
        self._keys = keys

    def get_kid(self) -> str:
        return self._keys.kid

    def get_platform_private_key(self) -> Any:
        return self._keys.private_key


class HarnessPlatformConf(LTI1P3PlatformConfAbstract):
    """The platform's own registration of the tool, kept in memory."""

    def init_platform_config(self, **kwargs: Any) -> None:
        keys: KeyPair = kwargs["keys"]
        tool_url: str = kwargs["tool_url"]
        registration = (
            HarnessRegistration(keys)
            .set_iss(PLATFORM_ISSUER)
            .set_client_id(kwargs.get("client_id", CLIENT_ID))
            .set_deployment_id(kwargs.get("deployment_id", DEPLOYMENT))
            .set_launch_url(tool_url + "/lti/launch")
            .set_deeplink_launch_url(tool_url + "/lti/launch")
            .set_oidc_login_url(tool_url + "/lti/login")
            .set_platform_public_key(keys.public_pem)
            .set_platform_private_key(keys.private_pem)
        )
        if kwargs.get("tool_jwks"):
            registration.set_tool_key_set(kwargs["tool_jwks"])
        self._registration = registration

    def get_registration_by_params(self, **kwargs: Any) -> Registration:
        assert self._registration is not None
        return self._registration


class HarnessOIDCLogin(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs: Any) -> None:
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url: str) -> str:
        return url


class HarnessRequest(Request):
    """The tool's authentication request, as the platform's authorize endpoint sees it."""

    def build_metadata(self, request: Any) -> dict[str, Any]:
        return {
            "method": "GET",
            "get_data": dict(request),
            "form_data": {},
            "headers": {},
            "content_type": None,
            "path": "/lti/authorize",
            "json": None,
        }


class HarnessLaunch(LTIAdvantageMessageLaunchAbstract):
    def render_launch_form(self, launch_data: dict[str, Any], **kwargs: Any) -> Any:
        return launch_data


# -- the driver -----------------------------------------------------------------------


@dataclass
class LaunchForm:
    """What the platform's auto-submit form would POST to the tool."""

    id_token: str
    state: str
    launch_url: str
    auth_request: dict[str, str] = field(default_factory=dict)

    @property
    def claims(self) -> dict[str, Any]:
        return jwt.decode(self.id_token, options={"verify_signature": False})

    @property
    def header(self) -> dict[str, Any]:
        return jwt.get_unverified_header(self.id_token)


class PlatformDriver:
    """One test platform talking to one tool through Flask's test client."""

    def __init__(self, client: Any, tool_url: str, keys: KeyPair, **conf: Any) -> None:
        self.client = client
        self.tool_url = tool_url
        self.keys = keys
        self.conf = HarnessPlatformConf(keys=keys, tool_url=tool_url, **conf)

    @property
    def launch_url(self) -> str:
        return self.tool_url + "/lti/launch"

    # step 1 and 2: login initiation, then the tool's redirect to our authorize endpoint

    def login_url(self, hint: str = "deep-link") -> str:
        login = HarnessOIDCLogin(None, self.conf)
        login.set_lti_message_hint(hint=hint)
        return login.initiate_login(USER_ID)

    def login(self, hint: str = "deep-link", **overrides: str) -> dict[str, str]:
        """GET the tool's login URL; return the query of the tool's authentication request."""
        url = self.login_url(hint)
        params = dict(parse_qsl(urlsplit(url).query))
        params.update(overrides)
        response = self.client.get(urlsplit(url).path, query_string=params)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        location = response.headers["Location"]
        assert location.startswith(AUTH_LOGIN_URL + "?"), location
        return dict(parse_qsl(urlsplit(location).query))

    # step 3: the platform's signed answer

    def new_launch(self, auth_request: dict[str, str]) -> HarnessLaunch:
        launch = HarnessLaunch(HarnessRequest(auth_request), self.conf)
        launch.set_user_data(USER_ID, [INSTRUCTOR], full_name="Ina Instructor")
        launch.set_launch_context_claim(CONTEXT_ID, context_title="SIT999")
        return launch

    def deep_link_form(
        self,
        auth_request: dict[str, str],
        *,
        accept_multiple: bool = True,
        data: Any = None,
        extra_claims: dict[str, Any] | None = None,
    ) -> LaunchForm:
        launch = self.new_launch(auth_request)
        launch.set_dl(
            DEEP_LINK_RETURN_URL,
            title="Week 1 task",
            description="Choose the lecture for this task",
            accept_types={"ltiResourceLink", "link"},
        )
        settings = launch._deep_linking_launch_data[DL_SETTINGS]
        # lti1p3platform 0.1.8 hard-codes accept_multiple=True (LTI-NOTES section 7).
        settings["accept_multiple"] = accept_multiple
        if data is not None:
            settings["data"] = data
        if extra_claims:
            launch.set_extra_claims(extra_claims)
        return self._form(launch, auth_request)

    def resource_link_form(
        self,
        auth_request: dict[str, str],
        *,
        custom: dict[str, Any] | None = None,
        title: str = "Lecture 1",
        extra_claims: dict[str, Any] | None = None,
    ) -> LaunchForm:
        launch = self.new_launch(auth_request)
        launch.set_resource_link_claim("placement-77", title=title)
        if custom is not None:
            launch.set_custom_parameters_claim(custom)
        if extra_claims:
            launch.set_extra_claims(extra_claims)
        return self._form(launch, auth_request)

    def _form(self, launch: HarnessLaunch, auth_request: dict[str, str]) -> LaunchForm:
        result = launch.lti_launch()
        return LaunchForm(
            id_token=result["id_token"],
            state=result["state"],
            launch_url=result["launch_url"],
            auth_request=auth_request,
        )

    def post(
        self, form: LaunchForm, *, id_token: str | None = None, state: str | None = None
    ):
        """POST the form to the tool (optionally with a replaced id_token or state)."""
        assert form.launch_url == self.launch_url
        return self.client.post(
            urlsplit(form.launch_url).path,
            data={
                "id_token": form.id_token if id_token is None else id_token,
                "state": form.state if state is None else state,
            },
        )

    # placements: what the tool records when a video is inserted

    def placed(
        self,
        session_id: str = PLAYER_SESSION_ID,
        *,
        context_id: str = CONTEXT_ID,
        created_by: str = "ontrack-user-7",
        issuer: str = PLATFORM_ISSUER,
    ) -> dict[str, str]:
        """Record a placement of ``session_id`` as the chooser would; its custom map."""
        from app.extensions import db
        from app.models import Placement

        row = placement_row(session_id, context_id, created_by, issuer)
        with self.client.application.app_context():
            db.session.add(Placement(**row))
            db.session.commit()
        return placement_custom(row)

    # shortcuts

    def deployment_launch(self, deployment_id: str) -> tuple[LaunchForm, str]:
        """A Deep Linking launch of ``deployment_id``, named by its login as well (as a
        platform does): the form and its re-signed id_token."""
        form = self.deep_link_form(self.login(lti_deployment_id=deployment_id))
        return form, self.resign(form, changes={DEPLOYMENT_ID: deployment_id})

    def deep_link_launch(self, **kwargs: Any):
        form = self.deep_link_form(self.login(), **kwargs)
        return form, self.post(form)

    def resource_launch(self, **kwargs: Any):
        form = self.resource_link_form(self.login(hint="resource"), **kwargs)
        return form, self.post(form)

    # tampering

    def resign(
        self,
        form: LaunchForm,
        *,
        changes: dict[str, Any] | None = None,
        remove: tuple[str, ...] = (),
        header: dict[str, Any] | None = None,
        key: str | None = None,
        algorithm: str = "RS256",
    ) -> str:
        """The form's id_token with claims changed or removed, signed again."""
        claims = copy.deepcopy(form.claims)
        claims.update(changes or {})
        for name in remove:
            claims.pop(name, None)
        headers = {"kid": self.keys.kid, **(header or {})}
        # A header value of None means "leave this header out".
        headers = {name: value for name, value in headers.items() if value is not None}
        # PyJWS signs the JSON as given; PyJWT's encode() would refuse claims of the
        # wrong type (a non-string iss), which are exactly what some tests send.
        return jwt.api_jws.PyJWS().encode(
            json.dumps(claims).encode(),
            self.keys.private_key if key is None else key,
            algorithm=algorithm,
            headers=headers,
        )


def unsigned_token(claims: Any, header: Any) -> str:
    """A JWS with an empty signature, from any JSON values (PyJWT would refuse both)."""

    def part(value: Any) -> str:
        raw = json.dumps(value, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return f"{part(header)}.{part(claims)}."


def now() -> int:
    return int(time.time())


def placement_row(
    session_id: str = PLAYER_SESSION_ID,
    context_id: str = CONTEXT_ID,
    created_by: str = "ontrack-user-7",
    issuer: str = PLATFORM_ISSUER,
) -> dict[str, Any]:
    """The columns of a ``placements`` row, as an insert through the chooser writes them."""
    import secrets

    return {
        "id": secrets.token_urlsafe(24),
        "issuer": issuer,
        "client_id": CLIENT_ID,
        "deployment_id": DEPLOYMENT,
        "context_id": context_id,
        "session_id": session_id,
        "created_by": created_by,
        "created_at": time.time(),
    }


def placement_custom(row: dict[str, Any]) -> dict[str, str]:
    """The custom parameters of the content item that points at a placement row."""
    return {
        "panopto_session_id": row["session_id"],
        "panopto_placement_id": row["id"],
        "panopto_context_history": "$Context.id.history",
    }


def set_deployment(app: Any, deployment_id: str = DEPLOYMENT, **columns: Any) -> None:
    """Change a deployment's row (its status, access mode…) as an admin page would."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Deployment

    with app.app_context():
        row = db.session.execute(
            select(Deployment).where(Deployment.deployment_id == deployment_id)
        ).scalar_one()
        for name, value in columns.items():
            setattr(row, name, value)
        db.session.commit()
