"""Signing users in to Panopto with OAuth2 (authorization code flow) and keeping their tokens.

Panopto's endpoints live at ``/Panopto/oauth2/connect/authorize`` and ``/token``; the scope
``offline_access`` brings a refresh token, which Panopto replaces on every use, so the newest
one is saved after every refresh (API notes §1.6).

Where the deployment uses Panopto's identity-provider sign-in (:mod:`.provider`), a user who
has no token gets one from a hashed password grant instead of the sign-in pop-up, and a
refused refresh is answered the same way.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from authlib.integrations.base_client.errors import OAuthError

from ..errors import PanoptoError, PanoptoNotConnected, PanoptoUnavailable
from ..http import CircuitOpenError, OAuthHttpSession, ResilientAdapter
from .cache import ResponseCache
from .client import PanoptoClient
from .provider import provider_password

logger = logging.getLogger(__name__)

AUTHORIZE_PATH = "/Panopto/oauth2/connect/authorize"
# Bandit B105 is a false positive here: a URL path, not a secret.
TOKEN_PATH = "/Panopto/oauth2/connect/token"  # nosec B105
#: ``api`` for REST calls, ``openid`` as Panopto's samples ask, ``offline_access`` for a
#: refresh token so users sign in once, not every hour.
SCOPES = "api openid offline_access"
#: What Panopto's identity-provider sample asks for: no refresh token is needed, because a
#: new hashed grant is always possible.
PROVIDER_SCOPES = "openid api"

#: When Panopto refuses our refresh token, another worker may have just spent it and be a
#: moment away from saving the new one; watch the store this long before giving up.
NEWER_TOKEN_WAIT_SECONDS = 1.5
NEWER_TOKEN_POLL_SECONDS = 0.1


@dataclass(frozen=True)
class UserKey:
    """Who a Panopto token belongs to: the LTI user (platform issuer + ``sub``)."""

    issuer: str
    subject: str


class TokenStore(Protocol):
    def load(self, user: UserKey) -> dict[str, Any] | None: ...

    def save(self, user: UserKey, token: dict[str, Any]) -> None: ...

    def delete(self, user: UserKey, *, refresh_token: str | None = None) -> None:
        """Forget the user's token; with ``refresh_token``, only if it is still that one."""
        ...


class ProviderIdentities(Protocol):
    """Which Panopto provider user key (``{instance}\\{username}``) an LTI user signs in as,
    when their deployment uses identity-provider sign-in; None otherwise."""

    def user_key_for(self, user: UserKey) -> str | None: ...


class PanoptoOAuth:
    """Builds sign-in URLs, exchanges codes and hands out clients with fresh tokens.

    :param transport: sends every call to Panopto, token calls included (retries, circuit
        breaker, metrics); shared by the sessions of a process. None: plain requests.
    :param cache: short cache of GET answers handed to each client; None for none.
    """

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        tokens: TokenStore,
        sleep: Callable[[float], None] = time.sleep,
        transport: ResilientAdapter | None = None,
        cache: ResponseCache | None = None,
        provider_key: str | None = None,
        identities: ProviderIdentities | None = None,
    ) -> None:
        self.base_url = base_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._redirect_uri = redirect_uri
        self._tokens = tokens
        self._sleep = sleep
        self._transport = transport
        self._cache = cache
        self._provider_key = provider_key
        self._identities = identities

    def authorization_url(self, state: str) -> str:
        """The Panopto sign-in page URL for a new authorization code flow."""
        url, _ = self._session().create_authorization_url(
            self.base_url + AUTHORIZE_PATH, state=state
        )
        return url

    def exchange_code(self, user: UserKey, code: str) -> None:
        """Swap the authorization code for tokens and keep them for ``user``."""
        try:
            token = self._session().fetch_token(
                self.base_url + TOKEN_PATH, code=code, grant_type="authorization_code"
            )
        except OAuthError as err:
            logger.info("Panopto refused an authorization code: %s", err.error)
            raise PanoptoNotConnected(
                "Panopto did not accept the sign-in. Please sign in again."
            ) from err
        except CircuitOpenError as err:
            raise PanoptoUnavailable() from err
        except OSError as err:
            logger.warning("Panopto token endpoint unreachable: %s", type(err).__name__)
            raise PanoptoError() from err

        self._tokens.save(user, dict(token))

    def is_connected(self, user: UserKey) -> bool:
        return self._tokens.load(user) is not None

    def disconnect(self, user: UserKey) -> None:
        self._tokens.delete(user)

    def client_for(
        self, user: UserKey, provider_user_key: str | None = None
    ) -> PanoptoClient:
        """A REST client acting as ``user``.

        :param provider_user_key: sign in as this identity-provider user when ``user`` has
            no usable token (otherwise looked up in ``identities``).
        :raises PanoptoNotConnected: when the user has never signed in (or was signed out)
            and no identity-provider sign-in is possible.
        """
        provider_user_key = provider_user_key or self._provider_user_key(user)
        token = self._tokens.load(user)
        if token is None:
            if not provider_user_key:
                raise PanoptoNotConnected()
            token = self.sign_in_through_provider(user, provider_user_key)

        session = self._session(token, user)
        if session.token.is_expired(leeway=session.leeway):
            # Refresh here rather than let authlib do it inside the first request: a refusal
            # then goes through _refresh, which forgets the dead token.
            self._refresh(session, user, provider_user_key)

        cache = (
            self._cache.for_user(self.base_url, user.issuer, user.subject)
            if self._cache is not None
            else None
        )
        return PanoptoClient(
            self.base_url,
            session,
            refresh=lambda: self._refresh(session, user, provider_user_key),
            cache=cache,
        )

    def sign_in_through_provider(self, user: UserKey, key: str) -> dict[str, Any]:
        """Get and keep a token for ``user`` with the hashed password grant (API notes §1.4).

        :raises PanoptoNotConnected: when no application key is configured, or Panopto
            refuses the grant (an unknown user, or a wrong key).
        """
        if not self._provider_key:
            raise PanoptoNotConnected()
        try:
            token = self._session(scope=PROVIDER_SCOPES).fetch_token(
                self.base_url + TOKEN_PATH,
                grant_type="password",
                username=key,
                password=provider_password(key, self._provider_key),
            )
        except OAuthError as err:
            logger.info("Panopto refused the identity-provider sign-in: %s", err.error)
            raise PanoptoNotConnected(
                "Panopto does not know your account yet. Sign in to Panopto once, "
                "then try again."
            ) from err
        except OSError as err:
            logger.warning("Panopto token endpoint unreachable: %s", type(err).__name__)
            raise PanoptoError() from err

        self._tokens.save(user, dict(token))
        return dict(token)

    def _provider_user_key(self, user: UserKey) -> str | None:
        if not self._provider_key or self._identities is None:
            return None
        return self._identities.user_key_for(user)

    def _session(
        self,
        token: dict[str, Any] | None = None,
        user: UserKey | None = None,
        scope: str = SCOPES,
    ):
        def save(new_token: dict[str, Any], **_: Any) -> None:
            if user is not None:
                self._tokens.save(user, dict(new_token))

        return OAuthHttpSession(
            client_id=self._client_id,
            client_secret=self._client_secret,
            # Panopto's refresh grant takes the client credentials as body fields.
            # Bandit B106 is a false positive here: a method name, not a secret.
            token_endpoint_auth_method="client_secret_post",  # nosec B106
            scope=scope,
            redirect_uri=self._redirect_uri,
            token=token,
            token_endpoint=self.base_url + TOKEN_PATH,
            update_token=save,
            transport=self._transport,
        )

    def _refresh(
        self,
        session: OAuthHttpSession,
        user: UserKey,
        provider_user_key: str | None = None,
    ) -> None:
        used = (session.token or {}).get("refresh_token")
        if not used:
            self._tokens.delete(user)
            self._sign_in_again(session, user, provider_user_key)
            return

        try:
            session.refresh_token(self.base_url + TOKEN_PATH, refresh_token=used)
        except OAuthError as err:
            if self._adopt_newer_token(session, user, used):
                return
            logger.info("Panopto refused a refresh token: %s", err.error)
            # Conditional, so that a newer token another worker saved meanwhile survives.
            self._tokens.delete(user, refresh_token=used)
            self._sign_in_again(session, user, provider_user_key, err)
        except CircuitOpenError as err:
            raise PanoptoUnavailable() from err
        except OSError as err:
            raise PanoptoError() from err

    def _sign_in_again(
        self,
        session: OAuthHttpSession,
        user: UserKey,
        provider_user_key: str | None,
        cause: Exception | None = None,
    ) -> None:
        """A dead token: a new hashed grant when the provider allows, else sign in again."""
        if not provider_user_key:
            raise PanoptoNotConnected() from cause
        session.token = self.sign_in_through_provider(user, provider_user_key)

    def _adopt_newer_token(
        self, session: OAuthHttpSession, user: UserKey, used: str
    ) -> bool:
        """Another worker may have refreshed first; Panopto rotates refresh tokens, so ours
        was spent. If the store holds (or soon holds) a newer token, use it instead of
        signing the user out."""
        deadline = time.monotonic() + NEWER_TOKEN_WAIT_SECONDS
        while True:
            stored = self._tokens.load(user)
            if stored and stored.get("refresh_token") != used:
                session.token = stored
                return True
            if not stored or time.monotonic() >= deadline:
                return False
            self._sleep(NEWER_TOKEN_POLL_SECONDS)
