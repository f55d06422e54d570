"""Builds the tool's services from the Flask app's configuration.

Views call these factories instead of wiring libraries themselves, so the wiring lives in one
place and the services stay free of Flask.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from typing import Any

import pybreaker
import redis
from flask import current_app, url_for
from pylti1p3.contrib.flask import FlaskOIDCLogin, FlaskRequest
from sqlalchemy import delete, select

from . import store
from .crypto import TokenCipher, TokenDecryptError
from .errors import LaunchExpired, StoreUnavailable
from .extensions import db, upsert
from .http import (
    DEFAULT_TIMEOUT,
    HttpSession,
    ResilientAdapter,
    circuit_breaker,
    retry_policy,
)
from .keys import KeyRing
from .lti import platform_storage
from .lti.launch import ToolMessageLaunch
from .lti.storage import DatabaseLaunchDataStorage
from .lti.tool_config import REGISTRATION_CACHE_KEY, DatabaseToolConf
from .models import PanoptoToken
from .panopto.cache import ResponseCache
from .panopto.oauth import PanoptoOAuth, UserKey
from .store import KeyValueStore

logger = logging.getLogger(__name__)

#: Where each process keeps its Panopto transport (connection pool and circuit breaker).
TRANSPORT_KEY = "panopto_transport"
_transport_lock = threading.Lock()


#: Key prefix of "this LTI user signs in to Panopto as this provider user" (KeyValueStore).
PROVIDER_IDENTITY_PREFIX = "panopto-provider-identity-"
#: An identity recorded at a Deep Linking launch lasts as long as the chooser does.
PROVIDER_IDENTITY_TTL_SECONDS = 4 * 60 * 60
#: Store key prefix of the hint that a user has a Panopto token (DatabaseTokenStore).
#: Bandit B105 is a false positive here: a key prefix, not a secret.
TOKEN_HINT_PREFIX = "panopto-token-hint-"  # nosec B105
#: Panopto does not publish how long a refresh token lives. Every save (each sign-in and
#: refresh) renews the hint; someone idle for longer than this reads as not signed in until
#: their next sign-in, which only skips optional work (see may_have_token).
TOKEN_HINT_TTL_SECONDS = 120 * 24 * 60 * 60


def tool_keys() -> KeyRing:
    """The tool's keys; reading them picks up a rotation made by another process."""
    return current_app.extensions["tool_keys"]


def token_cipher() -> TokenCipher:
    return current_app.extensions["token_cipher"]


def tool_config() -> DatabaseToolConf:
    return DatabaseToolConf(
        tool_keys(), cache=current_app.extensions[REGISTRATION_CACHE_KEY]
    )


def launch_storage(store: KeyValueStore | None = None) -> DatabaseLaunchDataStorage:
    return DatabaseLaunchDataStorage(store or KeyValueStore())


def launch_url() -> str:
    """The one URL every launch of this tool comes back to."""
    return url_for("lti.launch", _external=True)


def oidc_login(store: KeyValueStore | None = None) -> FlaskOIDCLogin:
    """pylti1p3's login, keeping its state and nonce in ``store`` (by default a new one)."""
    return FlaskOIDCLogin(
        FlaskRequest(), tool_config(), launch_data_storage=launch_storage(store)
    )


def message_launch() -> ToolMessageLaunch:
    """A launch built from the current request's id_token."""
    store = KeyValueStore()
    return ToolMessageLaunch(
        FlaskRequest(),
        tool_config(),
        launch_data_storage=launch_storage(store),
        requests_session=HttpSession(),
        store=store,
        launch_urls={launch_url()},
        unknown_deployments=current_app.config["UNKNOWN_DEPLOYMENTS"],
    )


def stored_launch(launch_id: str) -> ToolMessageLaunch:
    """A launch validated earlier in this browser, read back from the shared store.

    :raises LaunchExpired: while the launch still waits for its platform-storage check
        (see :mod:`app.lti.platform_storage`): until then it may belong to someone else.
    """
    if platform_storage.is_pending(KeyValueStore(), launch_id):
        raise LaunchExpired(
            "This launch has not been verified yet. Close the tool and open it again."
        )
    launch = ToolMessageLaunch.from_cache(
        launch_id,
        FlaskRequest(),
        tool_config(),
        launch_data_storage=launch_storage(),
        requests_session=HttpSession(),
    )
    return launch  # type: ignore[return-value]


def token_store() -> DatabaseTokenStore:
    return DatabaseTokenStore(token_cipher())


def panopto_oauth() -> PanoptoOAuth:
    config = current_app.config
    return PanoptoOAuth(
        base_url=config["PANOPTO_BASE_URL"],
        client_id=config["PANOPTO_CLIENT_ID"],
        client_secret=config["PANOPTO_CLIENT_SECRET"],
        redirect_uri=url_for("panopto_auth.callback", _external=True),
        tokens=token_store(),
        provider_key=config.get("PANOPTO_IDP_APPLICATION_KEY"),
        identities=StoredProviderIdentities(KeyValueStore()),
        transport=panopto_transport(),
        cache=ResponseCache(KeyValueStore(), config["PANOPTO_CACHE_SECONDS"]),
    )


def panopto_transport() -> ResilientAdapter:
    """This process's adapter for every Panopto call, made on first use.

    Made lazily rather than in the app factory: gunicorn forks workers after loading the
    app, and neither connection pools nor a breaker's Redis connection should cross a fork.
    """
    extensions = current_app.extensions
    with _transport_lock:
        if TRANSPORT_KEY not in extensions:
            extensions[TRANSPORT_KEY] = _new_panopto_transport()
        return extensions[TRANSPORT_KEY]


def _new_panopto_transport() -> ResilientAdapter:
    config = current_app.config
    breaker = circuit_breaker(
        name="panopto",
        failures=config["PANOPTO_BREAKER_FAILURES"],
        reset_seconds=config["PANOPTO_BREAKER_RESET_SECONDS"],
        storage=_shared_breaker_storage(config["PANOPTO_BASE_URL"]),
    )
    return ResilientAdapter(
        breaker,
        retry_policy(config["PANOPTO_RETRIES"]),
        timeout=(DEFAULT_TIMEOUT[0], config["PANOPTO_READ_TIMEOUT_SECONDS"]),
    )


def _shared_breaker_storage(site: str) -> pybreaker.CircuitBreakerStorage | None:
    """With Redis, the breaker's state is shared by every process of every host."""
    backend = current_app.extensions[store.EXTENSION_KEY]
    if not isinstance(backend, store.RedisBackend):
        return None

    site_key = hashlib.sha256(site.encode()).hexdigest()[:16]
    try:
        return pybreaker.CircuitRedisStorage(
            pybreaker.STATE_CLOSED,
            backend.client,
            namespace=f"{backend.prefix}panopto-breaker-{site_key}",
        )
    except redis.RedisError as err:
        raise StoreUnavailable() from err


class StoredProviderIdentities:
    """Provider user keys recorded at Deep Linking launches, in the shared store."""

    def __init__(self, store: KeyValueStore) -> None:
        self._store = store

    def remember(self, user: UserKey, provider_user_key: str) -> None:
        self._store.set(
            self._key(user), provider_user_key, PROVIDER_IDENTITY_TTL_SECONDS
        )

    def user_key_for(self, user: UserKey) -> str | None:
        value = self._store.get(self._key(user))
        return value if isinstance(value, str) else None

    @staticmethod
    def _key(user: UserKey) -> str:
        digest = hashlib.sha256(f"{user.issuer}\n{user.subject}".encode()).hexdigest()
        return PROVIDER_IDENTITY_PREFIX + digest


class DatabaseTokenStore:
    """Panopto tokens per LTI user, in the ``panopto_tokens`` table, encrypted with Fernet.

    A row that no configured key opens (its key was removed, or it was altered) is treated
    as no token at all: it is deleted and the user signs in again.

    Next to each saved token the shared store holds a hint that the user has one (see
    :meth:`may_have_token`), so that pages shown to everyone need not query the table for
    the many users who never sign in to Panopto.
    """

    def __init__(
        self, cipher: TokenCipher | None = None, hints: KeyValueStore | None = None
    ) -> None:
        self._cipher = cipher or token_cipher()
        self._hints = hints or KeyValueStore()

    def may_have_token(self, user: UserKey) -> bool:
        """False when the user has surely no token; True when they may have one.

        One read of the shared store instead of a database query. The hint is written with
        every save; a token saved before this hint existed (an upgrade) or while it was
        lost (a flushed Redis) reads as none until its next save, and a user idle for
        longer than the hint lives reads as none too: callers use this only to skip
        optional work.
        """
        return self._hints.get(self._hint_key(user)) is not None

    def load(self, user: UserKey) -> dict[str, Any] | None:
        row = self._row(user)
        if row is None:
            return None
        try:
            access_token = self._cipher.decrypt(row.access_token)
            refresh_token = (
                self._cipher.decrypt(row.refresh_token) if row.refresh_token else None
            )
        except TokenDecryptError:
            logger.warning("A stored Panopto token could not be decrypted; dropping it")
            self.delete(user)
            return None
        return {
            "access_token": access_token,
            "refresh_token": refresh_token,
            "token_type": row.token_type,
            "expires_at": int(row.expires_at),
        }

    def save(self, user: UserKey, token: dict[str, Any]) -> None:
        values = {
            "issuer": user.issuer,
            "subject": user.subject,
            "access_token": self._cipher.encrypt(token["access_token"]),
            "token_type": token.get("token_type") or "Bearer",
            "expires_at": float(token.get("expires_at") or time.time() + 3600),
        }
        # Panopto rotates refresh tokens: always keep the newest one we were given, and
        # keep the stored one when an answer carries none.
        if token.get("refresh_token"):
            values["refresh_token"] = self._cipher.encrypt(token["refresh_token"])

        # An upsert, so two workers saving this user's token at once cannot collide.
        db.session.execute(upsert(PanoptoToken, values, unique=("issuer", "subject")))
        db.session.commit()
        self._hints.set(self._hint_key(user), True, TOKEN_HINT_TTL_SECONDS)

    def delete(self, user: UserKey, *, refresh_token: str | None = None) -> None:
        # The hint stays: a hint without a token only costs the query it would have saved,
        # and a delete that finds a newer token (below) leaves that token in place.
        query = delete(PanoptoToken).where(
            PanoptoToken.issuer == user.issuer, PanoptoToken.subject == user.subject
        )
        if refresh_token is not None:
            # Fernet ciphertexts differ each time, so compare in the clear, then delete only
            # the exact row that was compared: a newer token saved meanwhile survives.
            row = self._row(user)
            if row is None or self._stored_refresh_token(row) != refresh_token:
                return
            query = query.where(PanoptoToken.refresh_token == row.refresh_token)
        db.session.execute(query)
        db.session.commit()

    def _stored_refresh_token(self, row: PanoptoToken) -> str | None:
        try:
            return (
                self._cipher.decrypt(row.refresh_token) if row.refresh_token else None
            )
        except TokenDecryptError:
            return None

    @staticmethod
    def _hint_key(user: UserKey) -> str:
        digest = hashlib.sha256(f"{user.issuer}\n{user.subject}".encode()).hexdigest()
        return TOKEN_HINT_PREFIX + digest

    def _row(self, user: UserKey) -> PanoptoToken | None:
        return db.session.execute(
            select(PanoptoToken).where(
                PanoptoToken.issuer == user.issuer, PanoptoToken.subject == user.subject
            )
        ).scalar_one_or_none()
