"""LTI endpoints: OIDC login, launch and the tool's public keys."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify, request
from pylti1p3.exception import LtiException, OIDCException, ToolConfException

from .. import metrics, services
from ..errors import LaunchError
from ..lti.errors import explain
from ..store import KeyValueStore
from . import chooser, player

logger = logging.getLogger(__name__)

bp = Blueprint("lti", __name__, url_prefix="/lti")

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
def login():
    """Answer a platform's third-party initiated login by sending the browser to its
    authorization endpoint."""
    if request.values.get("target_link_uri") != services.launch_url():
        raise LaunchError("The login asks to open an address that is not this tool's.")

    KeyValueStore().purge_expired()
    try:
        return services.oidc_login().redirect(services.launch_url())
    except LIBRARY_ERRORS as err:
        raise explain(err) from err


@bp.post("/launch")
def launch():
    """Verify the platform's id_token, then open the chooser or show the video."""
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
def jwks():
    """The tool's public keys, for platforms verifying our Deep Linking responses."""
    return jsonify(services.tool_keys().jwks())
