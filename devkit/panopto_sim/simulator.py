"""The simulator's state as one object, kept at ``app.extensions["panopto_sim"]``.

In-process tests reach the same controls as the ``/_sim`` routes through it::

    sim = app.extensions["panopto_sim"]
    sim.faults.set("rate_limit", count=2, retry_after=1)
    sim.expire_tokens()
    sim.uploads.fail_next_parts(1)
    sim.reset()
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from authlib.integrations.flask_oauth2 import ResourceProtector
from flask import current_app

from .faults import FaultInjector
from .oauth import SimAuthorizationServer
from .store import Store
from .tokens import TokenStore
from .uploads import UploadStore

EXTENSION_KEY = "panopto_sim"


@dataclass
class Simulator:
    settings: dict[str, Any]
    store: Store
    tokens: TokenStore
    faults: FaultInjector
    oauth: SimAuthorizationServer
    protector: ResourceProtector
    uploads: UploadStore
    #: Every REST v1 call received since start or reset, faulted ones included, as
    #: (method, path). Appending to a list is atomic, so threaded requests need no lock.
    calls: list[tuple[str, str]] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return self.settings["SIM_BASE_URL"]

    @property
    def page_size(self) -> int:
        return self.settings["SIM_PAGE_SIZE"]

    def expire_tokens(self, username: str | None = None) -> int:
        """Make live access tokens stale now, for everyone or for one user.

        :returns: how many were live; None-matching usernames expire nothing.
        """
        if username is None:
            return self.tokens.expire_access_tokens()
        user = self.store.user_by_username(username)
        if user is None:
            return 0
        return self.tokens.expire_access_tokens(user.id)

    @property
    def rest_calls(self) -> int:
        """How many REST calls arrived since start or reset."""
        return len(self.calls)

    def reset(self) -> None:
        """Back to the seed: data, tokens, codes, faults and the call count."""
        self.store.reset()
        self.tokens.reset()
        self.faults.clear()
        self.uploads.reset()
        self.calls.clear()


def current_simulator() -> Simulator:
    return current_app.extensions[EXTENSION_KEY]
