"""Browser-facing protections: response headers, cookies, proxies and CSRF on the chooser API.

- **Content-Security-Policy** on every response: scripts and styles from our own origin only
  (no inline script anywhere), the Panopto site as the only frame source, form posts only to
  ourselves and to registered platforms (the Deep Linking return), and ``frame-ancestors``
  limited to the origins of registered platforms, so no other site can frame the tool.
- **HSTS** on HTTPS responses, ``X-Content-Type-Options: nosniff`` and a referrer policy
  that never sends our paths (which may carry a chooser token) to another origin.
- **Cookies** the tool sets itself are ``SameSite=None; Secure; Partitioned; HttpOnly`` on
  HTTPS, so they survive in a platform's iframe, and plain ``Lax`` on the HTTP demo.
- **ProxyFix** behind ``TRUSTED_PROXY_COUNT`` TLS-terminating proxies, so the tool sees the
  client's scheme and host (and sets secure cookies, HTTPS URLs and HSTS).
- **CSRF** on the chooser's state-changing requests: they must carry the per-launch signed
  token in the ``X-Chooser-Token`` header (which a cross-site form cannot send, and which
  names the launch the request acts on), and must not come from another site.
- The Panopto sign-in pop-up (``/panopto/connect``) opens only from the tool's own pages: a
  link planted elsewhere could otherwise sign the victim's Panopto account in under the
  attacker's chooser (OAuth login CSRF).
"""

from __future__ import annotations

import logging
import threading
import time
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import select
from werkzeug.middleware.proxy_fix import ProxyFix

from .errors import Forbidden, LaunchExpired
from .extensions import db
from .models import PlatformRegistration

logger = logging.getLogger(__name__)

#: A year, the usual HSTS lifetime. Subdomains are left alone: they may not be ours.
HSTS_MAX_AGE_SECONDS = 365 * 24 * 60 * 60
#: Registered platforms change rarely; each process re-reads their origins this often.
ORIGINS_CACHE_SECONDS = 30.0

CHOOSER_API_PREFIX = "/chooser/api/"
#: Pages that only the tool's own pages may open (see the module docstring).
SAME_ORIGIN_PAGES = frozenset({"/panopto/connect"})
# Bandit B105 is a false positive here: a header name, not a secret.
CHOOSER_TOKEN_HEADER = "X-Chooser-Token"  # nosec B105
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def install(app: Flask) -> None:
    """Wire the proxy fix, the session cookie policy, the CSRF guard and the headers."""
    proxies = int(app.config.get("TRUSTED_PROXY_COUNT") or 0)
    if proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app,
            x_for=proxies,
            x_proto=proxies,
            x_host=proxies,
            x_port=proxies,
            x_prefix=proxies,
        )

    app.session_interface = PartitionedSessionInterface()
    app.before_request(_guard_chooser_writes)
    app.before_request(_guard_same_origin_pages)
    app.after_request(_add_security_headers)


# -- cookies ------------------------------------------------------------------------------


def cookie_options() -> dict[str, object]:
    """``set_cookie`` keyword arguments for a cookie that must work inside an iframe."""
    if request.is_secure:
        return {
            "secure": True,
            "httponly": True,
            "samesite": "None",
            "partitioned": True,
        }
    # Plain HTTP (the loopback demo): browsers refuse SameSite=None without Secure.
    return {"secure": False, "httponly": True, "samesite": "Lax"}


class PartitionedSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session with :func:`cookie_options` decided per request."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(request.is_secure)

    def get_cookie_samesite(self, app: Flask) -> str | None:
        return "None" if request.is_secure else "Lax"

    def get_cookie_partitioned(self, app: Flask) -> bool:
        return bool(request.is_secure)

    def get_cookie_httponly(self, app: Flask) -> bool:
        return True


# -- CSRF on the chooser API --------------------------------------------------------------


def _guard_chooser_writes() -> None:
    """Refuse chooser writes that lack the launch token header or come from another site.

    The view then checks the token's signature and age and acts on that launch only; this
    guard makes sure a token in a URL or a form (which a cross-site page could plant) is
    never enough, and turns away requests a browser marks as cross-site.
    """
    if request.method in SAFE_METHODS or not request.path.startswith(
        CHOOSER_API_PREFIX
    ):
        return
    if not request.headers.get(CHOOSER_TOKEN_HEADER):
        raise LaunchExpired()
    if not is_same_origin_request():
        logger.info("Refused a cross-site %s %s", request.method, request.path)
        raise Forbidden("This request did not come from the tool's own page.")


def _guard_same_origin_pages() -> None:
    if request.path in SAME_ORIGIN_PAGES and not is_same_origin_request():
        logger.info("Refused %s opened from another site", request.path)
        raise Forbidden(
            "Open Panopto sign-in from the video chooser, not from a link elsewhere."
        )


def is_same_origin_request() -> bool:
    """Whether the browser says the request came from one of our own pages.

    ``Sec-Fetch-Site`` is trusted when sent (browsers set it, pages cannot); otherwise the
    ``Origin`` header must be ours when present. Non-browser clients send neither.
    """
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    origin = request.headers.get("Origin")
    return origin is None or origin == request.host_url.rstrip("/")


# -- headers ------------------------------------------------------------------------------


def allow_form_target(url: str) -> None:
    """Let this response's page post a form to ``url`` (the Deep Linking return URL)."""
    origin = origin_of(url)
    if origin:
        g.setdefault("csp_form_targets", set()).add(origin)


def allow_frame_ancestor(url: str) -> None:
    """Let a platform that is not registered yet frame this response (its registration)."""
    origin = origin_of(url)
    if origin:
        g.setdefault("csp_frame_ancestors", set()).add(origin)


def _add_security_headers(response: Response) -> Response:
    platforms = " ".join(
        sorted(set(_platform_origins()) | g.get("csp_frame_ancestors", set()))
    )
    forms = " ".join(
        sorted(set(_platform_origins()) | g.get("csp_form_targets", set()))
    )
    panopto = origin_of(current_app.config.get("PANOPTO_BASE_URL") or "") or "'none'"

    policy = {
        "default-src": "'none'",
        "script-src": "'self'",
        "style-src": "'self'",
        # Panopto thumbnails may come from its CDN; images cannot run code.
        "img-src": f"'self' {panopto} https: data:",
        # blob: is only ever a URL this page made itself (a recording it holds).
        "connect-src": "'self' blob:",
        "frame-src": panopto,
        # The recorder previews what it recorded from a blob: URL.
        "media-src": "'self' blob:",
        "form-action": f"'self' {forms}".strip(),
        "frame-ancestors": platforms or "'none'",
        "base-uri": "'none'",
        "object-src": "'none'",
    }
    response.headers["Content-Security-Policy"] = "; ".join(
        f"{name} {value}" for name, value in policy.items()
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = (
            f"max-age={HSTS_MAX_AGE_SECONDS}"
        )
    return response


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of an absolute http(s) URL, else None."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


class _OriginsCache:
    """Origins of every registered platform, re-read from the database every few seconds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, tuple[float, frozenset[str]]] = {}

    def get(self, database_url: str) -> frozenset[str]:
        now = time.monotonic()
        with self._lock:
            cached = self._values.get(database_url)
            if cached and now - cached[0] < ORIGINS_CACHE_SECONDS:
                return cached[1]

        origins = frozenset(_read_platform_origins())
        with self._lock:
            self._values[database_url] = (now, origins)
        return origins

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


_origins_cache = _OriginsCache()


def forget_platform_origins() -> None:
    """Drop the cached origins at once (after a registration changes in this process)."""
    _origins_cache.clear()


def _platform_origins() -> frozenset[str]:
    try:
        return _origins_cache.get(str(current_app.config["SQLALCHEMY_DATABASE_URI"]))
    except Exception:  # a broken database must not turn every page into a 500
        logger.exception("Could not read the platforms' origins for the CSP")
        return frozenset()


def _read_platform_origins() -> set[str]:
    rows = db.session.execute(select(PlatformRegistration)).scalars().all()
    origins: set[str] = set()
    for row in rows:
        for url in (row.issuer, row.auth_login_url, *(row.page_origins or [])):
            origin = origin_of(url or "")
            if origin:
                origins.add(origin)
    return origins
