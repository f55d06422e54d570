"""The OnTrack look-alike pages: the task, its description, its comments, the user switcher."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from .config import STORAGE_FRAME_NAME, origin_of
from .errors import NotAllowedError, PlatformError
from .messages import DEFAULT_FRAME_HEIGHT, DEFAULT_FRAME_WIDTH
from .roster import USERS, find_user
from .web import check_csrf, current_user, platform, sign_in

bp = Blueprint("pages", __name__)


@bp.before_request
def refuse_forged_forms() -> None:
    """Every form post on these pages must carry the session's CSRF token."""
    if request.method == "POST":
        check_csrf()


@bp.get("/")
def home() -> Response:
    """Open the unit's one task."""
    task = platform().store.first_task()
    return redirect(url_for("pages.task", task_id=task.id))


@bp.get("/tasks/<task_id>")
def task(task_id: str) -> str:
    """Show a task: its description with videos, and its comment thread."""
    service = platform()
    store = service.store
    return render_template(
        "task.html",
        user=current_user(),
        users=USERS,
        unit=store.unit,
        task=store.get_task(task_id),
        description_items=store.description_items(task_id),
        comments=store.comments(task_id),
        tool_origin=origin_of(service.identity.tool_launch_url),
        storage_mode=current_app.config["PLATFORM_STORAGE"],
        storage_frame_name=STORAGE_FRAME_NAME,
        default_width=DEFAULT_FRAME_WIDTH,
        default_height=DEFAULT_FRAME_HEIGHT,
    )


@bp.post("/session/user")
def switch_user() -> Response:
    """Sign in as another of the demo people."""
    user = find_user(request.form.get("user_id"))
    if user is None:
        raise PlatformError("Choose one of the listed people.")

    sign_in(user)
    flash(f"Signed in as {user.name} ({user.ontrack_role}).")
    return redirect(_back_to_task())


@bp.post("/tasks/<task_id>/description")
def save_description(task_id: str) -> Response:
    """Save the task description text (staff only)."""
    if not current_user().is_staff:
        raise NotAllowedError("Only staff can edit a task description.")

    platform().store.update_description(task_id, request.form.get("description", ""))
    flash("Description saved.")
    return redirect(url_for("pages.task", task_id=task_id))


@bp.post("/tasks/<task_id>/comments")
def add_comment(task_id: str) -> Response:
    """Add a text comment to the task's thread."""
    text = request.form.get("comment", "").strip()
    if not text:
        raise PlatformError("Write something before sending the comment.")

    platform().store.add_text_comment(task_id, current_user(), text)
    return redirect(url_for("pages.task", task_id=task_id, _anchor="comments"))


def _back_to_task() -> str:
    # Only ever our own task page: the switcher never follows a caller-supplied URL.
    task_id = request.form.get("task_id", "")
    store = platform().store
    try:
        return url_for("pages.task", task_id=store.get_task(task_id).id)
    except PlatformError:
        return url_for("pages.home")
