"""In-memory folders, sessions and users, and who may see what.

Visibility rules (a simplified Panopto model, API-NOTES section 7):

- A role granted on a folder applies to every folder below it; the highest wins.
- A folder's access level is its own or, when None, its parent's.
- A user sees a folder (in lists, search and by id) with any role on it, or when its
  level is ``Organization`` or ``Public``.
- Sessions are listed where their folder is seen. A session whose level (its own or
  its folder's) is one of the "anyone with the link" levels can also be opened by id
  by any signed-in user, without being listed.
- Creating and editing needs ``Creator`` or ``Publisher``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from . import seed as seed_module
from .errors import BadRequest, Forbidden, NotFound
from .models import (
    LEVEL_ORDER,
    LINK_LEVELS,
    LISTED_LEVELS,
    ZERO_GUID,
    AccessLevel,
    Folder,
    Role,
    Session,
    User,
    ViewRecord,
)
from .search import score
from .urls import CAPTION_LANGUAGE


class Store:
    """The simulator's data, guarded by one lock (the dev server is threaded)."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        """Throw away every change and start again from the seed."""
        data = seed_module.build()
        with self._lock:
            self.users = {user.id: user for user in data.users}
            self.folders = {folder.id: folder for folder in data.folders}
            self.sessions = {session.id: session for session in data.sessions}
            self.views = {(view.user_id, view.session_id): view for view in data.views}

    @contextmanager
    def locked(self) -> Iterator[None]:
        with self._lock:
            yield

    # -- users -----------------------------------------------------------------------

    def user_by_username(self, username: str) -> User | None:
        """Find a user by username, ignoring case as Panopto does."""
        wanted = username.casefold()
        return next(
            (
                user
                for user in self.users.values()
                if user.username.casefold() == wanted
            ),
            None,
        )

    def user(self, user_id: str) -> User | None:
        return self.users.get(user_id)

    def search_users(self, terms: list[str] | None) -> list[User]:
        """Users whose username or display name matches (``/users/search``)."""
        return [
            user
            for user in self.users.values()
            if score(terms, user.username, user.display_name)
        ]

    # -- access rules ------------------------------------------------------------------

    def ancestors(self, folder: Folder) -> list[Folder]:
        """The folder itself, then its parent, up to the top level."""
        chain = [folder]
        while chain[-1].parent_id is not None:
            chain.append(self.folders[chain[-1].parent_id])
        return chain

    def role(self, user_id: str, folder: Folder) -> Role | None:
        """The highest role the user holds on the folder or any folder above it."""
        roles = [
            f.grants[user_id] for f in self.ancestors(folder) if user_id in f.grants
        ]
        return max(roles, default=None)

    def folder_level(self, folder: Folder) -> AccessLevel:
        for item in self.ancestors(folder):
            if item.access_level is not None:
                return item.access_level
        return AccessLevel.RESTRICTED

    def session_level(self, session: Session) -> AccessLevel:
        """The session's own level or its folder's, whichever is wider: a session set
        more restrictive than what it inherits gets the inherited level (API-NOTES 7.1)."""
        inherited = self.folder_level(self.folders[session.folder_id])
        if session.access_level is None:
            return inherited
        return max(session.access_level, inherited, key=LEVEL_ORDER.index)

    def sees_folder(self, user_id: str, folder: Folder) -> bool:
        if self.role(user_id, folder) is not None:
            return True
        return self.folder_level(folder) in LISTED_LEVELS

    def can_create(self, user_id: str, folder: Folder) -> bool:
        role = self.role(user_id, folder)
        return role is not None and role >= Role.CREATOR

    def lists_session(self, user_id: str, session: Session) -> bool:
        return self.sees_folder(user_id, self.folders[session.folder_id])

    def opens_session(self, user_id: str, session: Session) -> bool:
        if self.lists_session(user_id, session) or user_id in session.grants:
            return True
        return self.session_level(session) in LINK_LEVELS

    def can_edit_session(self, user_id: str, session: Session) -> bool:
        return self.can_create(user_id, self.folders[session.folder_id])

    # -- folders -----------------------------------------------------------------------

    def get_folder(self, user_id: str, folder_id: str) -> Folder:
        """
        :raises NotFound: no such folder (the zero GUID is not a real folder).
        :raises Forbidden: the user may not see it.
        """
        folder = self.folders.get(folder_id)
        if folder is None:
            raise NotFound("The requested folder was not found.", source=folder_id)
        if not self.sees_folder(user_id, folder):
            raise Forbidden("No access to this folder.", source=folder_id)
        return folder

    def child_folders(
        self, user_id: str, parent_id: str, can_create: bool
    ) -> list[Folder]:
        """Children the user sees; the zero GUID lists the top level.

        An unknown or unseen parent gives an empty list, not an error, as on
        Panopto (API-NOTES section 10, item 4).
        """
        parent = None if parent_id == ZERO_GUID else parent_id
        return [
            folder
            for folder in self.folders.values()
            if folder.parent_id == parent
            and self._folder_matches(user_id, folder, can_create)
        ]

    def search_folders(
        self, user_id: str, terms: list[str] | None, can_create: bool
    ) -> list[tuple[Folder, int]]:
        """Folders the user sees whose name matches, with a relevance score."""
        hits = []
        for folder in self.folders.values():
            if not self._folder_matches(user_id, folder, can_create):
                continue
            points = score(terms, folder.name)
            if points:
                hits.append((folder, points))
        return hits

    def creator_folders(self, user_id: str) -> list[Folder]:
        """Every folder, at any depth, where the user may create sessions."""
        return [f for f in self.folders.values() if self.can_create(user_id, f)]

    def _folder_matches(self, user_id: str, folder: Folder, can_create: bool) -> bool:
        if can_create:
            return self.can_create(user_id, folder)
        return self.sees_folder(user_id, folder)

    # -- sessions ----------------------------------------------------------------------

    def get_session(self, user_id: str, session_id: str) -> Session:
        """
        :raises NotFound: no such session.
        :raises Forbidden: the user may not open it.
        """
        session = self.sessions.get(session_id)
        if session is None:
            raise NotFound("The requested session was not found.", source=session_id)
        if not self.opens_session(user_id, session):
            raise Forbidden("No access to this session.", source=session_id)
        return session

    def folder_sessions(self, user_id: str, folder_id: str) -> list[Session]:
        """Sessions of one folder; empty when the folder is unknown or unseen."""
        folder = self.folders.get(folder_id)
        if folder is None or not self.sees_folder(user_id, folder):
            return []
        return [s for s in self.sessions.values() if s.folder_id == folder_id]

    def search_sessions(
        self, user_id: str, terms: list[str] | None, folder_id: str | None = None
    ) -> list[tuple[Session, int]]:
        """Listed sessions whose name or description matches, with a score."""
        if folder_id is None:
            candidates = [
                s for s in self.sessions.values() if self.lists_session(user_id, s)
            ]
        else:
            candidates = self.folder_sessions(user_id, folder_id)

        hits = []
        for session in candidates:
            points = score(terms, session.name, session.description)
            if points:
                hits.append((session, points))
        return hits

    def viewed_sessions(self, user_id: str, include_completed: bool) -> list[Session]:
        """Sessions the user has started watching and may still open."""
        viewed = []
        for (viewer_id, session_id), view in self.views.items():
            session = self.sessions.get(session_id)
            if viewer_id != user_id or session is None:
                continue
            if view.percent_completed >= 100 and not include_completed:
                continue
            if self.opens_session(user_id, session):
                viewed.append(session)
        return viewed

    def view_of(self, user_id: str, session_id: str) -> ViewRecord | None:
        return self.views.get((user_id, session_id))

    def update_session(
        self,
        user_id: str,
        session_id: str,
        name: str | None,
        description: str | None,
        folder_id: str | None,
    ) -> Session:
        """Apply a ``SessionUpdate``; None leaves a field as it is.

        :raises NotFound: no such session.
        :raises Forbidden: the user may not edit it, or not move it there.
        :raises BadRequest: an empty name or an unknown target folder.
        """
        with self._lock:
            session = self._editable_session(user_id, session_id)
            if name is not None and not name.strip():
                raise BadRequest("Name cannot be empty.", source="Name")
            if folder_id is not None:
                self._check_target_folder(user_id, folder_id)

            if name is not None:
                session.name = name
            if description is not None:
                session.description = description
            if folder_id is not None:
                session.folder_id = folder_id
            return session

    def delete_session(self, user_id: str, session_id: str) -> None:
        """Remove a session at once (Panopto's retention policy is not simulated).

        :raises NotFound: no such session.
        :raises Forbidden: the user may not delete it.
        """
        with self._lock:
            self._editable_session(user_id, session_id)
            del self.sessions[session_id]

    def add_captions(
        self, user_id: str, session_id: str, language: str, text: str
    ) -> None:
        """
        :raises BadRequest: the language already has a track (as reported for Panopto).
        """
        with self._lock:
            session = self._editable_session(user_id, session_id)
            if language in session.caption_tracks:
                raise BadRequest(
                    "Captions in this language already exist.", source="language"
                )
            session.caption_tracks[language] = text

    def delete_captions(
        self, user_id: str, session_id: str, language: str | None
    ) -> None:
        """Drop one language's track, or every track when ``language`` is None."""
        with self._lock:
            session = self._editable_session(user_id, session_id)
            if language is None:
                session.caption_tracks.clear()
                session.has_captions = False
                return
            session.caption_tracks.pop(language, None)
            if language == CAPTION_LANGUAGE:
                session.has_captions = False

    def _editable_session(self, user_id: str, session_id: str) -> Session:
        session = self.get_session(user_id, session_id)
        if not self.can_edit_session(user_id, session):
            raise Forbidden("Creator access is needed.", source=session_id)
        return session

    def _check_target_folder(self, user_id: str, folder_id: str) -> None:
        target = self.folders.get(folder_id)
        if target is None:
            raise BadRequest("The target folder was not found.", source="Folder")
        if not self.can_create(user_id, target):
            raise Forbidden("Creator access to the target folder is needed.")

    # -- session permissions and sharing (API-NOTES section 7) ------------------------

    def managed_session(self, user_id: str, session_id: str) -> Session:
        """A session whose permissions and sharing the user may change (Creator or up).

        :raises NotFound: no such session.
        :raises Forbidden: the user may not manage it.
        """
        return self._editable_session(user_id, session_id)

    def grant_session_role(
        self, user_id: str, session_id: str, principal_id: str, role: Role
    ) -> Session:
        """Give a user a role on one session; granting it again changes nothing.

        :raises BadRequest: when the principal is not a known user.
        """
        with self._lock:
            session = self.managed_session(user_id, session_id)
            if principal_id not in self.users:
                raise BadRequest("PrincipalId names no user.", source="PrincipalId")
            session.grants[principal_id] = max(
                role, session.grants.get(principal_id, role)
            )
            return session

    def revoke_session_roles(
        self, user_id: str, session_id: str, principal_id: str, role: Role | None
    ) -> Session:
        """Remove the principal's own grants on the session (one role, or all)."""
        with self._lock:
            session = self.managed_session(user_id, session_id)
            held = session.grants.get(principal_id)
            if held is not None and (role is None or role == held):
                del session.grants[principal_id]
            return session

    def set_session_level(
        self, user_id: str, session_id: str, level: AccessLevel
    ) -> Session:
        with self._lock:
            session = self.managed_session(user_id, session_id)
            session.access_level = level
            return session
