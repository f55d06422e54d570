"""The one place that creates HTTP sessions for outgoing calls.

Every outgoing request gets a default timeout and our User-Agent. Both the plain session (for
platform key sets) and the Panopto OAuth2 session are built from the mixin below.
"""

from __future__ import annotations

from typing import Any

import requests
from authlib.integrations.requests_client import OAuth2Session

#: (connect, read) seconds. Panopto and LMS endpoints answer in well under a second when
#: healthy; waiting longer only keeps a worker busy while the user stares at a spinner.
DEFAULT_TIMEOUT = (3.05, 10.0)
USER_AGENT = "panopto-lti-tool/0.1 (+https://github.com/doubtfire-lms)"


class _TimeoutMixin:
    """Adds a default timeout and User-Agent to every request of a requests.Session."""

    timeout: tuple[float, float] = DEFAULT_TIMEOUT

    def _prepare_defaults(self) -> None:
        self.headers["User-Agent"] = USER_AGENT  # type: ignore[attr-defined]

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)  # type: ignore[misc]


class HttpSession(_TimeoutMixin, requests.Session):
    """A requests.Session with our timeout and User-Agent."""

    def __init__(self) -> None:
        super().__init__()
        self._prepare_defaults()


class OAuthHttpSession(_TimeoutMixin, OAuth2Session):
    """authlib's OAuth2 session with our timeout and User-Agent."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._prepare_defaults()
