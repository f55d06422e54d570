"""The platform's LTI endpoints.

URL surface:

- ``GET /.well-known/jwks.json``: the platform's public keys;
- ``GET /lti/deep-link/start``: the chooser iframe's first page, a login initiation;
- ``GET|POST /lti/authorize``: the OIDC authorization endpoint;
- ``POST /lti/deep-link/return``: the tool's Deep Linking response;
- ``GET /lti/launch-item/<item_id>``: a placed item's iframe, a fresh launch per viewer;
- ``GET /lti/storage-frame``: the hidden frame that answers tools' ``lti.put_data`` and
  ``lti.get_data`` (LTI platform storage), when ``PLATFORM_STORAGE`` is ``frame``.
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, jsonify, render_template, request, session

from .config import STORAGE_FRAME_NAME, origin_of
from .web import CHOOSER_KEY, auto_submit, current_user, platform, signed_in_user

bp = Blueprint("lti", __name__)


@bp.get("/.well-known/jwks.json")
def jwks() -> Response:
    """Publish the platform's public keys for the tool to verify id_tokens."""
    return jsonify(platform().keys.jwks())


@bp.get("/lti/deep-link/start")
def start_deep_link() -> Response:
    """Open the video chooser: record the request and send the browser to the tool."""
    placement = request.args.get("placement", "")
    task_id = request.args.get("task_id", "")

    pending, form = platform().start_deep_link(current_user(), placement, task_id)
    # The response comes back through this browser; remember which chooser is open.
    session[CHOOSER_KEY] = pending.id
    return auto_submit(form, heading="Opening the Panopto video chooser")


@bp.route("/lti/authorize", methods=["GET", "POST"])
def authorize() -> Response:
    """Answer the tool's OIDC authentication request with a signed id_token."""
    params = request.form if request.method == "POST" else request.args

    form = platform().authenticate(params.to_dict(), signed_in_user())
    return auto_submit(form, heading="Signing you in to the Panopto tool")


@bp.post("/lti/deep-link/return")
def deep_link_return() -> str:
    """Receive the chosen videos, store them and tell the host page to close the chooser."""
    choice = platform().receive_deep_link(
        request.form.get("JWT", ""), session.get(CHOOSER_KEY), signed_in_user()
    )
    session.pop(CHOOSER_KEY, None)

    count = len(choice.items)
    _flash_outcome(count, choice.response.message, choice.response.error_message)
    return render_template("deep_link_done.html", count=count)


@bp.get("/lti/launch-item/<item_id>")
def launch_item(item_id: str) -> Response:
    """Show a placed video: a fresh LTI launch of the tool for whoever is viewing."""
    form = platform().start_item_launch(current_user(), item_id)
    return auto_submit(form, heading="Loading the video")


def _flash_outcome(count: int, message: str | None, error_message: str | None) -> None:
    # Deep Linking 2.0 section 4.5.1: msg and errormsg are meant for the user's eyes.
    if error_message:
        flash(f"The video tool reported a problem: {error_message}", "error")
    if message:
        flash(message)
    if count:
        flash(f"Added {count} video{'s' if count != 1 else ''}.")


@bp.get("/lti/storage-frame")
def storage_frame() -> str:
    """The platform-storage frame: a page of this origin holding the tools' values."""
    return render_template(
        "storage_frame.html",
        frame_name=STORAGE_FRAME_NAME,
        tool_origin=origin_of(platform().identity.tool_launch_url),
    )
