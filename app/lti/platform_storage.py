"""Launches without cookies: LTI platform storage through ``postMessage``.

Inside a platform's iframe the browser may refuse the tool's cookies, and with them the OIDC
state cookie that ties a launch to the browser that started the login. Platforms that offer
*platform storage* (1EdTech client-side postMessage drafts,
https://www.imsglobal.org/spec/lti-cs-oidc/v0p1 and
https://www.imsglobal.org/spec/lti-pm-s/v0p1) send ``lti_storage_target`` with the login
and the launch; the tool then keeps state and nonce in the *platform's* frame instead:

1. At login the tool answers with a page (``static/lti-storage.js``) that asks the platform
   for its capabilities (``lti.capabilities``), stores ``lti_state_<state>`` and
   ``lti_nonce_<nonce>`` with ``lti.put_data``, and only then goes to the platform's
   authorization endpoint. The server remembers that this state was stored this way.
2. At launch, a POST without the state cookie is accepted for such a state only, and the
   validated launch is held *pending*: its page loads, but nothing in it works yet.
3. The page reads both values back with ``lti.get_data`` from the platform frame of *this*
   browser and sends them to ``/lti/storage/confirm``. Only when they match does the server
   release the launch. A launch posted into someone else's browser (login CSRF) fails here:
   that browser's platform storage holds no such state.

The nonce stays single-use on the server whatever happens in the browser. This module keeps
the server's side of the bookkeeping in the shared :class:`KeyValueStore`; it knows nothing
of Flask.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from ..store import KeyValueStore

LOGIN_PREFIX = "lti-storage-login-"
PENDING_PREFIX = "lti-storage-pending-"
LOGIN_PARAMS_PREFIX = "lti-login-params-"

#: As long as pylti1p3's state cookie lives: five minutes to finish the login.
LOGIN_TTL_SECONDS = 5 * 60
#: The launch page has this long to prove its state; the check takes about a second.
PENDING_TTL_SECONDS = 10 * 60

#: Login parameters kept so that a failed launch can offer to start again in a new window.
RELAUNCH_PARAMS = (
    "iss",
    "login_hint",
    "target_link_uri",
    "lti_message_hint",
    "client_id",
    "lti_deployment_id",
)


@dataclass(frozen=True)
class StorageLogin:
    """A login whose state and nonce were put in the platform's storage."""

    state: str
    nonce: str
    #: Origin of the platform's authorization endpoint: the only one the page talks to.
    platform_origin: str
    #: The ``lti_storage_target`` frame name the platform gave.
    target: str

    def as_dict(self) -> dict[str, str]:
        return {
            "state": self.state,
            "nonce": self.nonce,
            "platform_origin": self.platform_origin,
            "target": self.target,
        }


def remember_login(store: KeyValueStore, login: StorageLogin) -> None:
    store.set(_key(LOGIN_PREFIX, login.state), login.as_dict(), LOGIN_TTL_SECONDS)


def take_login(store: KeyValueStore, state: str) -> StorageLogin | None:
    """The storage login for ``state``, once; None when there was none."""
    value = store.take(_key(LOGIN_PREFIX, state))
    return _login_from(value)


def hold_launch(store: KeyValueStore, launch_id: str, login: StorageLogin) -> None:
    """Keep ``launch_id`` unusable until :func:`confirm` sees its state and nonce."""
    store.set(_key(PENDING_PREFIX, launch_id), login.as_dict(), PENDING_TTL_SECONDS)


def is_pending(store: KeyValueStore, launch_id: str) -> bool:
    return store.get(_key(PENDING_PREFIX, launch_id)) is not None


def confirm(store: KeyValueStore, launch_id: str, state: Any, nonce: Any) -> bool:
    """Release a pending launch if ``state`` and ``nonce`` are the ones it was held with.

    A wrong answer also ends the wait: the launch stays unusable for good, so values cannot
    be guessed one try after another.
    """
    held = _login_from(store.take(_key(PENDING_PREFIX, launch_id)))
    if held is None or not isinstance(state, str) or not isinstance(nonce, str):
        if held is not None:
            _poison(store, launch_id)
        return False

    matches = hmac.compare_digest(state, held.state) and hmac.compare_digest(
        nonce, held.nonce
    )
    if not matches:
        _poison(store, launch_id)
    return matches


def remember_login_params(store: KeyValueStore, state: str, params: dict) -> None:
    kept = {name: params[name] for name in RELAUNCH_PARAMS if params.get(name)}
    store.set(login_params_key(state), kept, LOGIN_TTL_SECONDS)


def login_params(store: KeyValueStore, state: str) -> dict[str, str] | None:
    value = store.get(login_params_key(state))
    return value if isinstance(value, dict) else None


def login_params_key(state: str) -> str:
    return _key(LOGIN_PARAMS_PREFIX, state)


def _poison(store: KeyValueStore, launch_id: str) -> None:
    # A pending record nobody can match: the launch id is refused until it expires.
    store.set(_key(PENDING_PREFIX, launch_id), {"refused": True}, PENDING_TTL_SECONDS)


def _login_from(value: Any) -> StorageLogin | None:
    if not isinstance(value, dict):
        return None
    try:
        return StorageLogin(
            state=str(value["state"]),
            nonce=str(value["nonce"]),
            platform_origin=str(value["platform_origin"]),
            target=str(value["target"]),
        )
    except KeyError:
        return None


def _key(prefix: str, value: str) -> str:
    return prefix + hashlib.sha256(value.encode()).hexdigest()
