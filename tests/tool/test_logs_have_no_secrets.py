"""Logs never contain id_tokens, chooser tokens, Panopto tokens, codes or secrets."""

from __future__ import annotations

import logging

from sqlalchemy import select

from app.extensions import db
from app.models import PanoptoToken
from app.panopto.oauth import UserKey
from app.services import DatabaseTokenStore
from tests.conftest import SIM_CLIENT_SECRET
from tests.tool.lti_harness import PLAYER_SESSION_ID
from tests.tool.test_e2e_lti1p3platform import (
    CAFE,
    LECTURE_1,
    open_chooser,
    sign_in_to_panopto,
)

#: Shorter strings than this could turn up in logs by chance; every secret here is longer.
MIN_SECRET_LENGTH = 16


#: The simulator plays Panopto, a separate server in real life; its own logs are not ours.
NOT_THE_TOOL = ("devkit", "werkzeug")


def everything_logged(caplog) -> str:
    """Each record's message, raw arguments and formatted traceback, as one text."""
    parts = []
    for record in caplog.records:
        if record.name.split(".")[0] in NOT_THE_TOOL:
            continue
        parts.append(record.getMessage())
        parts.append(repr(record.args))
        if record.exc_info:
            parts.append(logging.Formatter().formatException(record.exc_info))
        if record.exc_text:
            parts.append(record.exc_text)
    return "\n".join(parts)


def stored_tokens() -> dict:
    """The one user's Panopto tokens, decrypted; the row itself holds only ciphertexts."""
    row = db.session.execute(select(PanoptoToken)).scalar_one()
    return DatabaseTokenStore().load(UserKey(row.issuer, row.subject))


def test_a_full_launch_and_panopto_sign_in_log_no_secrets(
    caplog, sim_platform, sim_app, panopto_sim, tool_url
):
    caplog.set_level(logging.DEBUG)
    secrets = {
        "Panopto client secret": SIM_CLIENT_SECRET,
        "SECRET_KEY": sim_app.config["SECRET_KEY"],
    }

    # A Deep Linking launch, the Panopto sign-in, some browsing, an insert, expired tokens
    # refreshed, a failed launch, and a viewer launch.
    chooser = open_chooser(sim_platform, data="opaque")
    secrets["chooser token"] = chooser.token
    callback = sign_in_to_panopto(chooser, panopto_sim[0], tool_url)
    secrets["authorization code"] = callback["code"]
    # The OAuth state is left out on purpose: it is a one-time value that travels in URLs
    # by design (and so in any access log), not a credential.
    with sim_app.app_context():
        first = stored_tokens()
        secrets["first access token"] = first["access_token"]
        secrets["first refresh token"] = first["refresh_token"]

    assert chooser.api("GET", "/folders").status_code == 200
    panopto_sim[1].extensions["panopto_sim"].expire_tokens()
    assert (
        chooser.api("GET", "/search", query_string={"q": "lecture"}).status_code == 200
    )
    inserted = chooser.api("POST", "/insert", json={"session_ids": [LECTURE_1, CAFE]})
    assert inserted.status_code == 200
    secrets["deep linking response"] = inserted.json["jwt"]
    with sim_app.app_context():
        refreshed = stored_tokens()
        secrets["refreshed access token"] = refreshed["access_token"]
        secrets["refreshed refresh token"] = refreshed["refresh_token"]
    assert secrets["refreshed refresh token"] != secrets["first refresh token"]

    form = sim_platform.deep_link_form(sim_platform.login())
    bad = sim_platform.resign(form, changes={"exp": 1})
    assert sim_platform.post(form, id_token=bad).status_code == 400
    secrets["refused id_token"] = bad
    form, viewer = sim_platform.resource_launch(
        custom=sim_platform.placed(PLAYER_SESSION_ID)
    )
    assert viewer.status_code == 200
    secrets["viewer id_token"] = form.id_token
    secrets["deep linking id_token"] = chooser.id_token

    logged = everything_logged(caplog)

    assert any(r.name.startswith("app.") for r in caplog.records), (
        "the tool logged nothing"
    )
    for name, value in secrets.items():
        assert len(value) >= MIN_SECRET_LENGTH, name
        assert value not in logged, f"the {name} appears in the logs"
