"""Builds the tool's services from the Flask app's configuration.

Views call these factories instead of wiring libraries themselves, so the wiring lives in one
place and the services stay free of Flask.
"""

from __future__ import annotations

import time
from typing import Any

from flask import current_app, url_for
from pylti1p3.contrib.flask import FlaskOIDCLogin, FlaskRequest
from sqlalchemy import delete, select

from .extensions import db, upsert
from .http import HttpSession
from .keys import ToolKeys
from .lti.launch import ToolMessageLaunch
from .lti.storage import DatabaseLaunchDataStorage
from .lti.tool_config import DatabaseToolConf
from .models import PanoptoToken
from .panopto.oauth import PanoptoOAuth, UserKey
from .store import KeyValueStore


def tool_keys() -> ToolKeys:
    return current_app.extensions["tool_keys"]


def tool_config() -> DatabaseToolConf:
    return DatabaseToolConf(tool_keys())


def launch_storage() -> DatabaseLaunchDataStorage:
    return DatabaseLaunchDataStorage(KeyValueStore())


def launch_url() -> str:
    """The one URL every launch of this tool comes back to."""
    return url_for("lti.launch", _external=True)


def oidc_login() -> FlaskOIDCLogin:
    return FlaskOIDCLogin(
        FlaskRequest(), tool_config(), launch_data_storage=launch_storage()
    )


def message_launch() -> ToolMessageLaunch:
    """A launch built from the current request's id_token."""
    return ToolMessageLaunch(
        FlaskRequest(),
        tool_config(),
        launch_data_storage=launch_storage(),
        requests_session=HttpSession(),
        store=KeyValueStore(),
        launch_urls={launch_url()},
    )


def stored_launch(launch_id: str) -> ToolMessageLaunch:
    """A launch validated earlier in this browser, read back from the shared store."""
    launch = ToolMessageLaunch.from_cache(
        launch_id,
        FlaskRequest(),
        tool_config(),
        launch_data_storage=launch_storage(),
        requests_session=HttpSession(),
    )
    return launch  # type: ignore[return-value]


def panopto_oauth() -> PanoptoOAuth:
    config = current_app.config
    return PanoptoOAuth(
        base_url=config["PANOPTO_BASE_URL"],
        client_id=config["PANOPTO_CLIENT_ID"],
        client_secret=config["PANOPTO_CLIENT_SECRET"],
        redirect_uri=url_for("panopto_auth.callback", _external=True),
        tokens=DatabaseTokenStore(),
    )


class DatabaseTokenStore:
    """Panopto tokens per LTI user, in the ``panopto_tokens`` table."""

    def load(self, user: UserKey) -> dict[str, Any] | None:
        row = self._row(user)
        if row is None:
            return None
        return {
            "access_token": row.access_token,
            "refresh_token": row.refresh_token,
            "token_type": row.token_type,
            "expires_at": int(row.expires_at),
        }

    def save(self, user: UserKey, token: dict[str, Any]) -> None:
        values = {
            "issuer": user.issuer,
            "subject": user.subject,
            "access_token": token["access_token"],
            "token_type": token.get("token_type") or "Bearer",
            "expires_at": float(token.get("expires_at") or time.time() + 3600),
        }
        # Panopto rotates refresh tokens: always keep the newest one we were given, and
        # keep the stored one when an answer carries none.
        if token.get("refresh_token"):
            values["refresh_token"] = token["refresh_token"]

        # An upsert, so two workers saving this user's token at once cannot collide.
        db.session.execute(upsert(PanoptoToken, values, unique=("issuer", "subject")))
        db.session.commit()

    def delete(self, user: UserKey, *, refresh_token: str | None = None) -> None:
        query = delete(PanoptoToken).where(
            PanoptoToken.issuer == user.issuer, PanoptoToken.subject == user.subject
        )
        if refresh_token is not None:
            query = query.where(PanoptoToken.refresh_token == refresh_token)
        db.session.execute(query)
        db.session.commit()

    def _row(self, user: UserKey) -> PanoptoToken | None:
        return db.session.execute(
            select(PanoptoToken).where(
                PanoptoToken.issuer == user.issuer, PanoptoToken.subject == user.subject
            )
        ).scalar_one_or_none()
