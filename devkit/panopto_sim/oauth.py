"""Panopto's OAuth2 server, built from authlib's server components.

Grants (API-NOTES section 1): authorization code, refresh token (rotated on every use,
a used one is refused with ``invalid_grant``) and password, including the
identity-provider variant whose password is a hash of the user key and the
provider's application key (API-NOTES 1.4). Clients authenticate with HTTP Basic or
with body fields. Access tokens live 3600 s; a refresh token comes only with the
``offline_access`` scope.

Nothing here reads ``flask.request``; the views in ``signin.py`` drive this server.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from typing import Any

from authlib.common.security import generate_token
from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749 import InvalidGrantError
from authlib.oauth2.rfc6749.grants import (
    AuthorizationCodeGrant,
    RefreshTokenGrant,
    ResourceOwnerPasswordCredentialsGrant,
)
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oauth2.rfc6750 import BearerTokenGenerator, BearerTokenValidator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from flask import Flask

from .models import User
from .store import Store
from .tokens import (
    ACCESS_TOKEN_LIFETIME,
    CLIENT_AUTH_METHODS,
    SUPPORTED_SCOPES,
    AuthorizationCode,
    Client,
    Token,
    TokenStore,
)

logger = logging.getLogger(__name__)

ACCESS_TOKEN_LENGTH = 42
REFRESH_TOKEN_LENGTH = 48
USER_KEY_SEPARATOR = "\\"
"""User keys of an identity provider read ``{provider}\\{username}`` (API-NOTES 1.4)."""


def provider_password(user_key: str, application_key: str) -> str:
    """The password of the identity-provider variant (API-NOTES 1.4):
    base64 of SHA-256 over ``lower(userKey) + "|" + lower(applicationKey)``."""
    material = f"{user_key.lower()}|{application_key.lower()}".encode()
    return base64.b64encode(hashlib.sha256(material).digest()).decode("ascii")


def check_plain_password(store: Store, username: str, password: str) -> User | None:
    """The user whose own password this is; never a user who signs in by SSO only."""
    user = store.user_by_username(username)
    if user is None or user.password is None:
        return None
    if not hmac.compare_digest(user.password.encode(), password.encode()):
        return None
    return user


class SimAuthorizationServer(AuthorizationServer):
    """authlib's Flask server over the simulator's in-memory stores."""

    def __init__(
        self,
        app: Flask,
        client: Client,
        store: Store,
        tokens: TokenStore,
        idp_name: str,
        idp_application_key: str | None,
    ) -> None:
        super().__init__()
        self.client = client
        self.store = store
        self.tokens = tokens
        self.idp_name = idp_name
        self.idp_application_key = idp_application_key

        self.init_app(app, query_client=self._find_client, save_token=self._store_token)
        self.scopes_supported = list(SUPPORTED_SCOPES)
        self.register_token_generator("default", self._generate)
        self.register_grant(CodeGrant)
        self.register_grant(RotatingRefreshGrant)
        self.register_grant(PasswordGrant)
        self.register_endpoint(Revocation)

    def _find_client(self, client_id: str) -> Client | None:
        return self.client if client_id == self.client.client_id else None

    def _store_token(self, token: dict, request: Any) -> None:
        self.tokens.save_token(token, request.client.client_id, request.user.id)
        logger.info(
            "issued a token to %s for %s (scope %s)",
            request.client.client_id,
            request.user.username,
            token.get("scope"),
        )

    def _generate(self, include_refresh_token: bool = True, **kwargs: Any) -> dict:
        """Issue a bearer token; a refresh token only with ``offline_access``
        (API-NOTES 1.5), whatever the grant would otherwise allow."""
        scope = kwargs["client"].get_allowed_scope(kwargs.get("scope"))
        offline = "offline_access" in scope_to_list(scope)
        return _bearer_generator(
            include_refresh_token=include_refresh_token and offline, **kwargs
        )

    def authenticate_password(self, username: str, password: str) -> User | None:
        """Check a password grant, plain or identity-provider hashed."""
        if USER_KEY_SEPARATOR in username:
            return self._authenticate_provider_user(username, password)

        return check_plain_password(self.store, username, password)

    def _authenticate_provider_user(self, user_key: str, password: str) -> User | None:
        provider, _, username = user_key.partition(USER_KEY_SEPARATOR)
        if self.idp_application_key is None:
            logger.info("hashed password grant refused: no application key configured")
            return None
        if provider.casefold() != self.idp_name.casefold():
            return None

        expected = provider_password(user_key, self.idp_application_key)
        if not hmac.compare_digest(expected.encode(), password.encode()):
            return None
        # A provisioned user's username is the user key itself; older seeds use the
        # bare username for users the provider also knows.
        return self.store.user_by_username(user_key) or self.store.user_by_username(
            username
        )


def _issue_random(length: int) -> Any:
    def issue(**_: Any) -> str:
        return generate_token(length)

    return issue


_bearer_generator = BearerTokenGenerator(
    _issue_random(ACCESS_TOKEN_LENGTH),
    _issue_random(REFRESH_TOKEN_LENGTH),
    ACCESS_TOKEN_LIFETIME,
)


class CodeGrant(AuthorizationCodeGrant):
    """Authorization code grant; codes are single-use and expire after ten minutes."""

    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS
    server: SimAuthorizationServer

    def save_authorization_code(self, code: str, request: Any) -> None:
        self.server.tokens.save_code(
            AuthorizationCode(
                code=code,
                client_id=request.client.client_id,
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope,
                user_id=request.user.id,
                issued_at=self.server.tokens.clock(),
            )
        )

    def query_authorization_code(
        self, code: str, client: Client
    ) -> AuthorizationCode | None:
        return self.server.tokens.take_code(code, client.client_id)

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        # Already gone: take_code removed it when it was looked up.
        return None

    def authenticate_user(self, authorization_code: AuthorizationCode) -> User | None:
        return self.server.store.user(authorization_code.user_id)


class RotatingRefreshGrant(RefreshTokenGrant):
    """Refresh grant that issues a new refresh token and retires the used one."""

    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True
    server: SimAuthorizationServer

    def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
        return self.server.tokens.find_refresh(refresh_token)

    def authenticate_user(self, refresh_token: Token) -> User | None:
        return self.server.store.user(refresh_token.user_id)

    def revoke_old_credential(self, refresh_token: Token) -> None:
        self.server.tokens.revoke_refresh(refresh_token)


class PasswordGrant(ResourceOwnerPasswordCredentialsGrant):
    """Password grant, plain or with the identity-provider hash."""

    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS
    server: SimAuthorizationServer

    def authenticate_user(self, username: str, password: str) -> User:
        user = self.server.authenticate_password(username, password)
        if user is None:
            logger.info("password grant refused for %s", username)
            # authlib would answer invalid_request; RFC 6749 section 5.2 and the
            # errors reported from Panopto (API-NOTES 1.7) say invalid_grant.
            raise InvalidGrantError("The username or password is wrong.")
        return user


class Revocation(RevocationEndpoint):
    """RFC 7009 revocation; Panopto staff describe HTTP Basic, body fields work too."""

    CLIENT_AUTH_METHODS = CLIENT_AUTH_METHODS
    server: SimAuthorizationServer

    def query_token(
        self, token_string: str, token_type_hint: str | None
    ) -> Token | None:
        return self.server.tokens.find_any(token_string)

    def revoke_token(self, token: Token, request: Any) -> None:
        self.server.tokens.revoke(token, request.form["token"])


class SimTokenValidator(BearerTokenValidator):
    """Looks bearer tokens up in the token store."""

    def __init__(self, tokens: TokenStore) -> None:
        super().__init__()
        self.tokens = tokens

    def authenticate_token(self, token_string: str) -> Token | None:
        return self.tokens.find_access(token_string)


def create_resource_protector(tokens: TokenStore) -> ResourceProtector:
    """authlib's resource protector over the simulator's tokens."""
    protector = ResourceProtector()
    protector.register_token_validator(SimTokenValidator(tokens))
    return protector


def discovery_document(base_url: str) -> dict[str, Any]:
    """The discovery document at ``/Panopto/oauth2/.well-known/openid-configuration``.

    The simulator issues no id_token and has no userinfo or jwks endpoint, so it
    lists only what it implements (RFC 8414 fields).
    """
    oauth_root = f"{base_url}/Panopto/oauth2"
    return {
        "issuer": oauth_root,
        "authorization_endpoint": f"{oauth_root}/connect/authorize",
        "token_endpoint": f"{oauth_root}/connect/token",
        "revocation_endpoint": f"{oauth_root}/connect/revocation",
        "scopes_supported": list(SUPPORTED_SCOPES),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token", "password"],
        "token_endpoint_auth_methods_supported": list(CLIENT_AUTH_METHODS),
        "revocation_endpoint_auth_methods_supported": list(CLIENT_AUTH_METHODS),
    }
