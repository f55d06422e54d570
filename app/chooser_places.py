"""The Panopto folders a chooser starts from: the unit's own folder, and for a student the
one folder they may put videos in.

Both are looked up once per launch and remembered with it, so every request of that
chooser (on any worker) agrees on them, and a student's limits are checked against the
same folder they were shown.
"""

from __future__ import annotations

import logging
from typing import Any

from .chooser_session import CHOOSER_TOKEN_MAX_AGE_SECONDS, ChooserContext
from .errors import PanoptoForbidden, PanoptoNotFound
from .panopto.client import PanoptoClient
from .panopto.embed import is_guid
from .panopto.models import Folder
from .store import KeyValueStore

logger = logging.getLogger(__name__)

#: A platform may name the unit's Panopto folder in the launch's custom parameters.
UNIT_FOLDER_CUSTOM = "panopto_folder_id"
KEY_PREFIX = "chooser-places-"


def unit_folder(context: ChooserContext, client: PanoptoClient) -> Folder | None:
    """The unit's folder: the one the launch names, else the folder whose name starts with
    the unit's code (``SIT999 …``), as Panopto's LMS integrations name course folders."""
    return _remembered(context, "unit", lambda: _find_unit_folder(context, client))


def submission_folder(context: ChooserContext, client: PanoptoClient) -> Folder | None:
    """Where a student's recordings and uploads go: among the folders they may create in,
    one named after the unit if there is one, else the first (their own folder)."""
    return _remembered(
        context, "submission", lambda: _find_submission_folder(context, client)
    )


def _find_unit_folder(context: ChooserContext, client: PanoptoClient) -> Folder | None:
    named = context.custom.get(UNIT_FOLDER_CUSTOM)
    if is_guid(named):
        try:
            return client.get_folder(named)
        except (PanoptoNotFound, PanoptoForbidden):
            logger.info("The launch names a unit folder this user cannot see")

    label = _unit_label(context)
    if not label:
        return None
    for folder in client.search_folders(label).items:
        if _named_after(folder, label):
            return folder
    return None


def _find_submission_folder(
    context: ChooserContext, client: PanoptoClient
) -> Folder | None:
    folders = sorted(client.all_creator_folders(), key=lambda f: f.name.casefold())
    label = _unit_label(context)
    for folder in folders:
        if label and _named_after(folder, label):
            return folder
    return folders[0] if folders else None


def _unit_label(context: ChooserContext) -> str:
    label = context.context.get("label")
    return label.strip() if isinstance(label, str) else ""


def _named_after(folder: Folder, label: str) -> bool:
    name, label = folder.name.casefold(), label.casefold()
    return name == label or name.startswith(label + " ")


def _remembered(context: ChooserContext, name: str, find) -> Folder | None:
    store = KeyValueStore()
    key = f"{KEY_PREFIX}{name}-{context.launch_id}"[:255]
    saved = store.get(key)
    if saved is not None:
        return _folder(saved)

    # A Panopto failure is not remembered: the next request asks again.
    folder = find()
    store.set(key, _saved(folder), CHOOSER_TOKEN_MAX_AGE_SECONDS)
    return folder


def _saved(folder: Folder | None) -> dict[str, Any]:
    if folder is None:
        return {"none": True}
    return {"id": folder.id, "name": folder.name}


def _folder(saved: dict[str, Any]) -> Folder | None:
    if saved.get("none"):
        return None
    return Folder(id=saved["id"], name=saved["name"])
