"""A Panopto site on loopback, for development and tests.

It plays Panopto's OAuth2 server, the REST v1 routes the tool uses (shapes per Panopto's
swagger, kept as ``tests/sim/data/panopto-public-api.swagger.json``), and stand-in player
pages, over deterministic seed data (``devkit.panopto_sim.seed``). See
``simulator.py`` for the in-process controls and ``control.py`` for ``/_sim``.

Run it with ``python -m devkit.panopto_sim --host 127.0.0.1 --port 8002``.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from . import access_api, api, control, pages, signin, upload_api
from .faults import FaultInjector
from .oauth import SimAuthorizationServer, create_resource_protector
from .settings import SESSION_COOKIE_NAME, resolve
from .simulator import EXTENSION_KEY, Simulator
from .store import Store
from .tokens import Client, TokenStore
from .uploads import UploadStore

__all__ = ["create_app"]


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build a simulator with fresh seed data.

    :param config: overrides of ``settings.DEFAULTS``; needs ``SIM_CLIENT_SECRET``.
    :raises settings.SettingsError: when a setting is missing or wrong.
    """
    settings = resolve(config)
    app = Flask(__name__)
    app.config.update(settings)
    app.config.update(
        SESSION_COOKIE_NAME=SESSION_COOKIE_NAME,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
    )
    # authlib logs whole tokens at debug level; never let them reach a log.
    logging.getLogger("authlib").setLevel(logging.INFO)

    app.extensions[EXTENSION_KEY] = _build_simulator(app, settings)
    app.register_blueprint(signin.bp)
    # access_api adds the access-control routes to api.bp before it is registered.
    assert access_api.bp is api.bp
    app.register_blueprint(api.bp)
    app.register_blueprint(upload_api.bp)
    app.register_blueprint(pages.bp)
    if settings["SIM_CONTROL"]:
        app.register_blueprint(control.bp)
    return app


def _build_simulator(app: Flask, settings: dict[str, Any]) -> Simulator:
    store = Store()
    tokens = TokenStore()
    client = Client(
        client_id=settings["SIM_CLIENT_ID"],
        client_secret=settings["SIM_CLIENT_SECRET"],
        redirect_uris=tuple(settings["SIM_REDIRECT_URIS"]),
    )
    oauth = SimAuthorizationServer(
        app,
        client,
        store,
        tokens,
        idp_name=settings["SIM_IDP_NAME"],
        idp_application_key=settings["SIM_IDP_APPLICATION_KEY"],
    )
    return Simulator(
        settings=settings,
        store=store,
        tokens=tokens,
        faults=FaultInjector(),
        oauth=oauth,
        protector=create_resource_protector(tokens),
        uploads=UploadStore(store, settings["SIM_PROCESSING_SECONDS"]),
    )
