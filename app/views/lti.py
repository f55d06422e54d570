"""LTI endpoints: OIDC login, launch and the tool's public keys."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify, request
from pylti1p3.exception import LtiException, OIDCException, ToolConfException
from werkzeug.wrappers import Response

from .. import metrics, services
from ..errors import LaunchError
from ..lti.errors import explain
from ..store import KeyValueStore
from . import chooser, player

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


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response:
    """Answer a platform's third-party initiated login by sending the browser to its
    authorization endpoint."""
    _check_login_parameters()

    KeyValueStore().purge_expired()
    try:
        return services.oidc_login().redirect(services.launch_url())
    except LIBRARY_ERRORS as err:
        raise explain(err) from err


@bp.post("/launch")
def launch() -> str:
    """Verify the platform's id_token, then open the chooser or show the video."""
    if len(request.form.get("id_token", "")) > MAX_ID_TOKEN_LENGTH:
        raise LaunchError("The launch token is far larger than any real one; refused.")

    message_launch = services.message_launch()
    try:
        launch_data = message_launch.get_launch_data()
        is_deep_link = message_launch.is_deep_link_launch()
    except LIBRARY_ERRORS as err:
        raise explain(err) from err

    logger.info(
        "Accepted %s from %s",
        "a deep-linking launch" if is_deep_link else "a resource launch",
        launch_data.get("iss"),
    )
    metrics.LAUNCHES.labels("deep_link" if is_deep_link else "resource").inc()
    if is_deep_link:
        return chooser.open_chooser(message_launch.get_launch_id(), launch_data)
    if message_launch.is_resource_launch():
        return player.show_player(launch_data)
    raise LaunchError("This kind of launch is not supported by the Panopto tool.")


@bp.get("/jwks")
def jwks() -> Response:
    """The tool's public keys, for platforms verifying our Deep Linking responses."""
    return jsonify(services.tool_keys().jwks())


def _check_login_parameters() -> None:
    """The login's required parameters (LTI Core 1.3 §4.1), before anything uses them."""
    for name in ("iss", "login_hint", "target_link_uri"):
        if not request.values.get(name):
            raise LaunchError(f"The login request is missing its {name} parameter.")

    for name in LOGIN_PARAMETERS:
        if len(request.values.get(name, "")) > MAX_LOGIN_PARAMETER_LENGTH:
            raise LaunchError(f"The login request's {name} parameter is too long.")

    if request.values["target_link_uri"] != services.launch_url():
        raise LaunchError("The login asks to open an address that is not this tool's.")
