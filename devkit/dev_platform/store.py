"""In-memory, thread-safe storage of the one unit, its task, comments and placed videos.

A stand-in for OnTrack's tables (LTI-NOTES 8.2): a task description with embedded items, and a
comment thread where a video is a comment of its own kind. Everything is lost on restart;
that is enough for a development platform and keeps it free of a database.

Records are frozen dataclasses and every reader gets tuples, so callers never hold a reference
into the store's mutable state.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any

from .errors import DeepLinkResponseError, NotFoundError
from .roster import User

#: OnTrack's description and comment columns hold 4,096 characters (LTI-NOTES 8.2).
MAX_TEXT_LENGTH = 4095

#: A chooser left open longer than this must be reopened. Four hours, the same as the tool's
#: chooser token, so recording and uploading a long video is never cut off by the platform.
DEEP_LINK_REQUEST_LIFETIME = 4 * 60 * 60

#: 96 random bits per id: ids double as the opaque Deep Linking ``data``, so no guessing.
ID_BYTES = 12

PLACEMENT_DESCRIPTION = "task_description"
PLACEMENT_COMMENT = "task_comment"
PLACEMENTS = (PLACEMENT_DESCRIPTION, PLACEMENT_COMMENT)


@dataclass(frozen=True)
class Unit:
    id: str
    code: str
    name: str


@dataclass(frozen=True)
class Task:
    id: str
    unit_id: str
    abbreviation: str
    name: str
    description: str

    @property
    def title(self) -> str:
        return f"{self.abbreviation} {self.name}"


@dataclass(frozen=True)
class ItemDraft:
    """An ``ltiResourceLink`` content item as the tool returned it, already checked."""

    title: str
    text: str | None = None
    url: str | None = None
    custom: dict[str, str] = field(default_factory=dict)
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class EmbeddedItem:
    """A placed item: shown as an iframe that launches the tool for each viewer."""

    id: str
    #: ``resource_link.id`` of every launch of this item: stable for this placement.
    resource_link_id: str
    placement: str
    task_id: str
    comment_id: str | None
    title: str
    text: str | None
    url: str | None
    custom: dict[str, str]
    width: int | None
    height: int | None


@dataclass(frozen=True)
class Comment:
    id: str
    task_id: str
    author_id: str
    text: str
    created_at: float
    items: tuple[EmbeddedItem, ...] = ()


@dataclass(frozen=True)
class DeepLinkRequest:
    """A Deep Linking launch the platform started and awaits a response for."""

    id: str
    user_id: str
    placement: str
    task_id: str
    #: The comment id reserved for a video comment; None for the description.
    comment_id: str | None
    accept_multiple: bool
    #: The ``data`` sent in deep_linking_settings, or None when none was sent.
    data: str | None
    created_at: float
    completed: bool = False


class PlatformStore:
    """All records of the dev platform, guarded by one lock."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.unit = Unit(id="unit-sit999", code="SIT999", name="Applied Video Studies")
        self._tasks: dict[str, Task] = {}
        self._description_items: dict[str, list[EmbeddedItem]] = {}
        self._comments: dict[str, list[Comment]] = {}
        self._deep_links: dict[str, DeepLinkRequest] = {}
        self._seen_nonces: dict[str, float] = {}
        self._seed()

    # Tasks and descriptions

    def get_task(self, task_id: str) -> Task:
        """The task with this id.

        :raises NotFoundError: when there is none.
        """
        with self._lock:
            task = self._tasks.get(task_id)
        if task is None:
            raise NotFoundError("There is no such task.")
        return task

    def first_task(self) -> Task:
        with self._lock:
            return next(iter(self._tasks.values()))

    def update_description(self, task_id: str, text: str) -> None:
        """Replace the task's description text; its embedded items stay."""
        task = self.get_task(task_id)
        with self._lock:
            self._tasks[task_id] = replace(task, description=text[:MAX_TEXT_LENGTH])

    def description_items(self, task_id: str) -> tuple[EmbeddedItem, ...]:
        with self._lock:
            return tuple(self._description_items.get(task_id, ()))

    # Comments

    def comments(self, task_id: str) -> tuple[Comment, ...]:
        with self._lock:
            return tuple(self._comments.get(task_id, ()))

    def add_text_comment(self, task_id: str, author: User, text: str) -> Comment:
        """Append a plain text comment to the task's thread."""
        self.get_task(task_id)
        comment = Comment(
            id=_new_id("comment"),
            task_id=task_id,
            author_id=author.id,
            text=text[:MAX_TEXT_LENGTH],
            created_at=time.time(),
        )
        with self._lock:
            self._comments.setdefault(task_id, []).append(comment)
        return comment

    # Placed items

    def get_item(self, item_id: str) -> EmbeddedItem:
        """The placed item with this id.

        :raises NotFoundError: when there is none.
        """
        for item in self.all_items():
            if item.id == item_id:
                return item
        raise NotFoundError("There is no such video.")

    def all_items(self) -> tuple[EmbeddedItem, ...]:
        """Every placed item, descriptions first; the way tests read what was stored."""
        with self._lock:
            in_descriptions = [
                i for items in self._description_items.values() for i in items
            ]
            in_comments = [
                i for thread in self._comments.values() for c in thread for i in c.items
            ]
        return tuple(in_descriptions + in_comments)

    # Deep Linking requests

    def start_deep_link(
        self, user: User, placement: str, task_id: str, *, send_data: bool
    ) -> DeepLinkRequest:
        """Record a Deep Linking launch; a comment placement reserves its comment id."""
        self.get_task(task_id)
        is_comment = placement == PLACEMENT_COMMENT
        request_id = _new_id("dl")
        request = DeepLinkRequest(
            id=request_id,
            user_id=user.id,
            placement=placement,
            task_id=task_id,
            comment_id=_new_id("comment") if is_comment else None,
            # A description may hold several videos; a video comment holds one.
            accept_multiple=not is_comment,
            # The opaque data is the request's own id: unguessable, and enough to find it.
            data=request_id if send_data else None,
            created_at=time.time(),
        )
        with self._lock:
            self._deep_links[request.id] = request
        return request

    def get_deep_link(self, request_id: str) -> DeepLinkRequest | None:
        """The pending or completed request with this id, if it has not expired."""
        with self._lock:
            request = self._deep_links.get(request_id)
        if (
            request is None
            or time.time() - request.created_at > DEEP_LINK_REQUEST_LIFETIME
        ):
            return None
        return request

    def complete_deep_link(
        self, request_id: str, drafts: list[ItemDraft]
    ) -> tuple[EmbeddedItem, ...]:
        """Store the returned items against the request's placement, once.

        :raises DeepLinkResponseError: when the request is unknown or already completed.
        """
        with self._lock:
            request = self.get_deep_link(request_id)
            if request is None:
                raise DeepLinkResponseError("The video chooser session has expired.")
            if request.completed:
                raise DeepLinkResponseError("This video choice was already received.")

            items = tuple(_placed(request, draft) for draft in drafts)
            self._place(request, items)
            self._deep_links[request_id] = replace(request, completed=True)
        return items

    def remember_nonce(self, nonce: str, keep_until: float) -> bool:
        """Record a response nonce; False when it was already seen (a replay)."""
        now = time.time()
        with self._lock:
            self._seen_nonces = {n: t for n, t in self._seen_nonces.items() if t > now}
            if nonce in self._seen_nonces:
                return False
            self._seen_nonces[nonce] = keep_until
        return True

    # Internals

    def _place(self, request: DeepLinkRequest, items: tuple[EmbeddedItem, ...]) -> None:
        if request.placement == PLACEMENT_DESCRIPTION:
            self._description_items.setdefault(request.task_id, []).extend(items)
            return

        # No item chosen: no empty video comment.
        if not items or request.comment_id is None:
            return
        comment = Comment(
            id=request.comment_id,
            task_id=request.task_id,
            author_id=request.user_id,
            text="",
            created_at=time.time(),
            items=items,
        )
        self._comments.setdefault(request.task_id, []).append(comment)

    def _seed(self) -> None:
        task = Task(
            id="task-1-1p",
            unit_id=self.unit.id,
            abbreviation="1.1P",
            name="Introduce yourself",
            description=(
                "Record a short video (two minutes at most) introducing yourself to "
                "your tutor: who you are, what you study and what you hope to learn "
                "in this unit.\n\n"
                "Add your video as a comment below. Your tutor will reply in the "
                "same thread."
            ),
        )
        self._tasks[task.id] = task
        self._comments[task.id] = [
            Comment(
                id="comment-welcome",
                task_id=task.id,
                author_id="tara",
                text="Welcome to SIT999! I look forward to meeting you all.",
                created_at=time.time(),
            )
        ]


def _placed(request: DeepLinkRequest, draft: ItemDraft) -> EmbeddedItem:
    return EmbeddedItem(
        id=_new_id("item"),
        resource_link_id=_new_id("rl"),
        placement=request.placement,
        task_id=request.task_id,
        comment_id=request.comment_id,
        title=draft.title,
        text=draft.text,
        url=draft.url,
        custom=dict(draft.custom),
        width=draft.width,
        height=draft.height,
    )


def _new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(ID_BYTES)}"


def as_dict(item: EmbeddedItem) -> dict[str, Any]:
    """A plain dict of an item, handy in tests and logs."""
    return {
        "id": item.id,
        "resource_link_id": item.resource_link_id,
        "placement": item.placement,
        "task_id": item.task_id,
        "comment_id": item.comment_id,
        "title": item.title,
        "url": item.url,
        "custom": dict(item.custom),
        "width": item.width,
        "height": item.height,
    }
