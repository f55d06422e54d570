"""LTI endpoints: OIDC login, launch, the platform-storage check and the tool's public keys."""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import (
    Blueprint,
    after_this_request,
    current_app,
    g,
    jsonify,
    make_response,
    render_template,
    request,
    url_for,
)
from itsdangerous import BadSignature, URLSafeTimedSerializer
from pylti1p3.exception import LtiException, OIDCException, ToolConfException
from werkzeug.wrappers import Response

from .. import access, metrics, observability, security, services
from ..errors import BadRequest, Forbidden, LaunchError, LaunchReason, StateNotFound
from ..lti import platform_storage
from ..lti.deep_linking import settings_of
from ..lti.errors import explain
from ..store import KeyValueStore
from . import admin, chooser, player

logger = logging.getLogger(__name__)

bp = Blueprint("lti", __name__, url_prefix="/lti")

#: The parameters a login may carry (LTI Core 1.3 §4.1 and the storage drafts).
LOGIN_PARAMETERS = (
    "iss",
    "login_hint",
    "target_link_uri",
    "lti_message_hint",
    "client_id",
    "lti_deployment_id",
    "lti_storage_target",
)
#: Hints are opaque but short in every platform we know (a signed hint is about 1 KB);
#: anything longer would only be copied into our redirect's Location header.
MAX_LOGIN_PARAMETER_LENGTH = 4096
#: A real id_token is a few kilobytes; a megabyte of "token" is an attack, not a launch.
MAX_ID_TOKEN_LENGTH = 64 * 1024

# pylti1p3 reads claims without checking their types, so malformed tokens can also surface
# as KeyError, TypeError and friends; they are bad input, not bugs, and get a 400.
LIBRARY_ERRORS = (
    LtiException,
    OIDCException,
    ToolConfException,
    KeyError,
    ValueError,
    TypeError,
    AttributeError,
)

#: A launch form is a few kilobytes; anything near this size is not a real id_token.
MAX_LAUNCH_BYTES = 256 * 1024
#: ``lti_storage_target`` names a frame; anything else is ignored (Canvas sends
#: ``post_message_forwarding``, others ``_parent``).
FRAME_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")
CONFIRM_SALT = "lti-storage-confirm"
#: Custom parameter that asks for the tool's admin page instead of a video.
TOOL_PAGE_PARAM = "panopto_tool_page"


@bp.before_request
def limit_request_size() -> None:
    # Werkzeug then answers 413 before parsing an oversized form.
    request.max_content_length = MAX_LAUNCH_BYTES


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response:
    """Answer a platform's third-party initiated login by sending the browser to its
    authorization endpoint: at once, or from a page that first keeps the state in the
    platform's storage, or checks that cookies work inside the platform's frame."""
    _check_login_parameters()

    store = KeyValueStore()
    store.purge_expired()
    redirect, storage_login = _prepare_login(store)
    auth_url = redirect.get_redirect_url()

    if storage_login is not None:
        page = _login_page(auth_url, "storage", storage_login)
    elif request.headers.get("Sec-Fetch-Dest") == "iframe":
        page = _login_page(auth_url, "cookie-check", None)
    else:
        return redirect.do_redirect()

    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"
    # pylti1p3 attaches its state cookie here (SameSite=None; Secure; Partitioned on HTTPS).
    return redirect._process_response(response)


def _prepare_login(
    store: KeyValueStore,
) -> tuple[Any, platform_storage.StorageLogin | None]:
    """pylti1p3's redirect to the platform, with this login remembered in ``store``; and
    the login to keep in the platform's storage when the platform asked for that.

    pylti1p3's nonce and state and our own records of the login reach the store together,
    in one round trip, before the answer leaves.
    """
    with store.batch():
        try:
            redirect = services.oidc_login(store).get_redirect_object(
                services.launch_url()
            )
        except LIBRARY_ERRORS as err:
            raise explain(err) from err

        auth_url = redirect.get_redirect_url()
        query = dict(parse_qsl(urlsplit(auth_url).query))
        platform_storage.remember_login_params(store, query["state"], request.values)

        target = (request.values.get("lti_storage_target") or "").strip()
        if not FRAME_NAME.fullmatch(target):
            return redirect, None
        login = platform_storage.StorageLogin(
            state=query["state"],
            nonce=query["nonce"],
            platform_origin=security.origin_of(auth_url) or "",
            target=target,
        )
        platform_storage.remember_login(store, login)
        return redirect, login


@bp.post("/launch")
def launch() -> str:
    """Verify the platform's id_token, then open the chooser or show the video."""
    if len(request.form.get("id_token", "")) > MAX_ID_TOKEN_LENGTH:
        raise LaunchError(
            "The launch token is far larger than any real one; refused.",
            LaunchReason.MALFORMED_TOKEN,
        )

    after_this_request(_not_cached)
    message_launch = services.message_launch()
    try:
        launch_data = message_launch.get_launch_data()
        is_deep_link = message_launch.is_deep_link_launch()
    except StateNotFound as err:
        err.relaunch_url = _relaunch_url(err.state)
        raise
    except LIBRARY_ERRORS as err:
        raise explain(err) from err

    launch_id = message_launch.get_launch_id()
    observability.note(
        launch="deep_link" if is_deep_link else "resource",
        issuer=str(launch_data.get("iss")),
        storage_check_pending=message_launch.storage_login is not None,
    )
    if message_launch.storage_login is not None:
        g.lti_storage = _storage_check(launch_id, message_launch.storage_login)

    page = _launched_page(message_launch, launch_id, launch_data)
    # Counted once the page is made: a viewer the access check refuses is a failure only.
    metrics.LAUNCHES.labels("deep_link" if is_deep_link else "resource").inc()
    return page


def _launched_page(message_launch, launch_id: str, launch_data: dict[str, Any]):
    """The chooser, the player or the admin page for a verified launch."""
    if message_launch.is_deep_link_launch():
        security.allow_form_target(
            str(settings_of(launch_data).get("deep_link_return_url", ""))
        )
        access.on_deep_link_launch(launch_data)
        return chooser.open_chooser(launch_id, launch_data)
    if message_launch.is_resource_launch():
        if _custom(launch_data).get(TOOL_PAGE_PARAM) == "admin":
            return admin.open_from_launch(launch_id, launch_data)
        return player.show_player(launch_data)
    raise LaunchError(
        "This kind of launch is not supported by the Panopto tool.",
        LaunchReason.UNSUPPORTED_MESSAGE,
    )


@bp.post("/storage/confirm")
def confirm_storage():
    """The launch page read the state and nonce back from the platform: release the launch."""
    if not security.is_same_origin_request():
        raise Forbidden("This request did not come from the tool's own page.")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("Send the launch's state and nonce as JSON.")

    serializer = URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt=CONFIRM_SALT
    )
    try:
        launch_id = serializer.loads(
            str(body.get("ticket", "")),
            max_age=platform_storage.PENDING_TTL_SECONDS,
        )
    except BadSignature as err:
        raise Forbidden("This launch check is not valid.") from err

    if not platform_storage.confirm(
        KeyValueStore(), str(launch_id), body.get("state"), body.get("nonce")
    ):
        logger.info("A platform-storage check failed")
        raise Forbidden(
            "Your course system's storage does not hold this launch, so it was not "
            "started in this browser. Please open the tool again from your course."
        )
    return jsonify(confirmed=True)


@bp.get("/jwks")
def jwks() -> Response:
    """The tool's public keys, for platforms verifying our Deep Linking responses."""
    return jsonify(services.tool_keys().jwks())


def _check_login_parameters() -> None:
    """The login's required parameters (LTI Core 1.3 §4.1), before anything uses them."""
    for name in ("iss", "login_hint", "target_link_uri"):
        if not request.values.get(name):
            raise LaunchError(
                f"The login request is missing its {name} parameter.",
                LaunchReason.BAD_LOGIN,
            )

    for name in LOGIN_PARAMETERS:
        if len(request.values.get(name, "")) > MAX_LOGIN_PARAMETER_LENGTH:
            raise LaunchError(
                f"The login request's {name} parameter is too long.",
                LaunchReason.BAD_LOGIN,
            )

    if request.values["target_link_uri"] != services.launch_url():
        raise LaunchError(
            "The login asks to open an address that is not this tool's.",
            LaunchReason.WRONG_TARGET,
        )


def _not_cached(response):
    # The page holds a chooser token, an admin ticket or a storage ticket: never cache it.
    response.headers["Cache-Control"] = "no-store"
    return response


def _login_page(
    auth_url: str, mode: str, login: platform_storage.StorageLogin | None
) -> str:
    return render_template(
        "lti_login.html",
        mode=mode,
        auth_url=auth_url,
        login=login,
        new_window_url=_new_window_url(request.values),
        secure_cookies=request.is_secure,
    )


def _new_window_url(params: Any) -> str:
    """The same login, for a new window (a top-level page, where cookies are first-party).

    Without ``lti_storage_target``: a new window has no platform frame to store state in.
    """
    kept = {
        name: params[name]
        for name in platform_storage.RELAUNCH_PARAMS
        if params.get(name)
    }
    return url_for("lti.login") + "?" + urlencode(kept)


def _relaunch_url(state: str) -> str | None:
    params = platform_storage.login_params(KeyValueStore(), state)
    if not params or params.get("target_link_uri") != services.launch_url():
        return None
    return _new_window_url(params)


def _storage_check(
    launch_id: str, login: platform_storage.StorageLogin
) -> dict[str, str]:
    """What the launch page needs to prove its state with the platform's storage."""
    serializer = URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt=CONFIRM_SALT
    )
    return {
        "mode": "verify",
        "state": login.state,
        "nonce": login.nonce,
        "platform_origin": login.platform_origin,
        "target": login.target,
        "ticket": serializer.dumps(launch_id),
        "confirm_url": url_for("lti.confirm_storage"),
    }


def _custom(launch_data: dict[str, Any]) -> dict[str, Any]:
    custom = launch_data.get("https://purl.imsglobal.org/spec/lti/claim/custom")
    return custom if isinstance(custom, dict) else {}
