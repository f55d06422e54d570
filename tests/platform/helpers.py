"""Test doubles for the dev platform: a stub tool with its own key, and a browser driver.

Spec strings (claim URIs, role URIs) are written out here rather than imported from the
platform, so a typo in the platform cannot hide behind the same typo in the tests.
"""

from __future__ import annotations

import json
import time
import uuid
from html.parser import HTMLParser
from typing import Any

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from requests.adapters import BaseAdapter

from devkit.dev_platform.web import EXTENSION_KEY

PLATFORM_URL = "http://127.0.0.1:8001"
TOOL_LOGIN_URL = "http://127.0.0.1:8000/lti/login"
TOOL_LAUNCH_URL = "http://127.0.0.1:8000/lti/launch"
TOOL_JWKS_URL = "http://127.0.0.1:8000/lti/jwks"
CLIENT_ID = "panopto-tool-dev"
DEPLOYMENT_ID = "ontrack-dev-1"
RETURN_URL = "http://127.0.0.1:8001/lti/deep-link/return"
TASK_ID = "task-1-1p"

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
LIS = "http://purl.imsglobal.org/vocab/lis/v2/membership"


def new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem_of(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": kid, "alg": "RS256", "use": "sig"})
    return jwk


class JwksStub(BaseAdapter):
    """Serves JWKS documents in turn (the last one repeats) and counts the fetches."""

    def __init__(self, documents: list[Any], status: int = 200) -> None:
        super().__init__()
        self.documents = documents
        self.status = status
        self.calls = 0

    def send(self, request, **kwargs) -> requests.Response:
        document = self.documents[min(self.calls, len(self.documents) - 1)]
        self.calls += 1

        response = requests.Response()
        response.status_code = self.status
        response._content = json.dumps(document).encode()
        response.headers["Content-Type"] = "application/json"
        response.url = request.url
        response.request = request
        return response

    def close(self) -> None:
        pass


class StubTool:
    """Plays the tool's back end: publishes a key and signs Deep Linking responses."""

    kid = "stub-tool-key-1"

    def __init__(self, key: rsa.RSAPrivateKey) -> None:
        self.key = key
        self.jwks_stub: JwksStub | None = None

    def jwks(self) -> dict[str, Any]:
        return {"keys": [public_jwk(self.key, self.kid)]}

    def sign(
        self,
        claims: dict[str, Any],
        key: rsa.RSAPrivateKey | None = None,
        kid: str | None = None,
    ) -> str:
        return jwt.encode(
            claims,
            pem_of(key or self.key),
            algorithm="RS256",
            headers={"kid": kid or self.kid},
        )

    @staticmethod
    def response_claims(data: str | None, items: list[dict] | None = None) -> dict:
        """A valid LtiDeepLinkingResponse; ``data`` None leaves the claim out."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": CLIENT_ID,
            "aud": PLATFORM_URL,
            "iat": now,
            "exp": now + 300,
            "nonce": uuid.uuid4().hex,
            LTI + "deployment_id": DEPLOYMENT_ID,
            LTI + "message_type": "LtiDeepLinkingResponse",
            LTI + "version": "1.3.0",
            DL + "content_items": [video_item()] if items is None else items,
        }
        if data is not None:
            claims[DL + "data"] = data
        return claims


def video_item(session_id: str = "abc-123", **extra: Any) -> dict[str, Any]:
    """An ltiResourceLink item as the Panopto tool would return it."""
    item = {
        "type": "ltiResourceLink",
        "title": f"Lecture {session_id}",
        "url": TOOL_LAUNCH_URL,
        "custom": {"panopto_session_id": session_id},
        "iframe": {"width": 720, "height": 405},
    }
    item.update(extra)
    return item


class FormParser(HTMLParser):
    """Reads the first form of a page: its action, method and hidden fields."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.method: str | None = None
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = values.get("action")
            self.method = values.get("method")
        if tag == "input" and values.get("type") == "hidden":
            self.fields[values["name"] or ""] = values.get("value") or ""


def parse_form(html: str) -> FormParser:
    parser = FormParser()
    parser.feed(html)
    return parser


class PlatformDriver:
    """Drives the platform as the browser and the tool's front channel would."""

    def __init__(self, app, client) -> None:
        self.app = app
        self.client = client

    @property
    def service(self):
        return self.app.extensions[EXTENSION_KEY]

    @property
    def store(self):
        return self.service.store

    def sign_in(self, user_id: str) -> None:
        self.client.get(f"/tasks/{TASK_ID}")
        response = self.client.post(
            "/session/user",
            data={"user_id": user_id, "csrf_token": self.csrf(), "task_id": TASK_ID},
        )
        assert response.status_code == 302

    def csrf(self) -> str:
        with self.client.session_transaction() as session:
            return session["csrf_token"]

    def open_chooser(self, placement: str = "task_description") -> FormParser:
        """Click "Insert Panopto video": the login initiation form for the tool."""
        response = self.client.get(
            "/lti/deep-link/start",
            query_string={"placement": placement, "task_id": TASK_ID},
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        return parse_form(response.get_data(as_text=True))

    def open_item(self, item_id: str) -> FormParser:
        """Load a placed item's iframe: the login initiation form for the tool."""
        response = self.client.get(f"/lti/launch-item/{item_id}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return parse_form(response.get_data(as_text=True))

    @staticmethod
    def auth_params(login: FormParser, **overrides: str | None) -> dict[str, str]:
        """The tool's authentication request for a login initiation (LTI-NOTES 2.2)."""
        params = {
            "scope": "openid",
            "response_type": "id_token",
            "response_mode": "form_post",
            "prompt": "none",
            "client_id": login.fields["client_id"],
            "redirect_uri": TOOL_LAUNCH_URL,
            "login_hint": login.fields["login_hint"],
            "lti_message_hint": login.fields["lti_message_hint"],
            "state": "state-" + uuid.uuid4().hex,
            "nonce": "nonce-" + uuid.uuid4().hex,
        }
        params.update(overrides)
        return {name: value for name, value in params.items() if value is not None}

    def authorize(self, params: dict[str, str], method: str = "GET"):
        if method == "POST":
            return self.client.post("/lti/authorize", data=params)
        return self.client.get("/lti/authorize", query_string=params)

    def id_token_claims(self, login: FormParser, **overrides: str) -> dict[str, Any]:
        """Authorize ``login`` and return the verified claims of the posted id_token."""
        params = self.auth_params(login, **overrides)
        response = self.authorize(params)
        assert response.status_code == 200, response.get_data(as_text=True)

        form = parse_form(response.get_data(as_text=True))
        assert form.action == params["redirect_uri"]
        assert form.fields["state"] == params["state"]
        return self.verify_id_token(form.fields["id_token"])

    def verify_id_token(self, id_token: str) -> dict[str, Any]:
        """Verify an id_token the way a tool would, with the platform's published JWKS."""
        jwks = jwt.PyJWKSet.from_dict(self.client.get("/.well-known/jwks.json").json)
        kid = jwt.get_unverified_header(id_token)["kid"]
        return jwt.decode(
            id_token,
            jwks[kid],
            algorithms=["RS256"],
            audience=CLIENT_ID,
            issuer=PLATFORM_URL,
        )

    def open_chooser_id(self) -> str | None:
        with self.client.session_transaction() as session:
            return session.get("deep_link_request")

    def post_response(self, token: str):
        return self.client.post("/lti/deep-link/return", data={"JWT": token})
