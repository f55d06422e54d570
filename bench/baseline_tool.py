"""The launch benchmark's baseline: a minimal LTI 1.3 tool in the style of pylti1p3's Flask
example, written for this benchmark.

Like the example it builds a ``ToolConfJsonFile`` from the JSON file on every request, keeps
pylti1p3's launch data in Flask-Caching (here on Redis, as the example advises for more than one
process: its in-memory cache would lose launches between gunicorn workers), and does only the
checks pylti1p3 does by itself. It leaves out the example's cookie-check page (a script that
a benchmark client cannot run) and its printing of every launch.

Run: ``BASELINE_LTI_CONFIG=… BASELINE_REDIS_URL=… gunicorn bench.baseline_tool:app``.
"""

from __future__ import annotations

import os

from flask import Flask, render_template_string
from flask_caching import Cache
from pylti1p3.contrib.flask import (
    FlaskCacheDataStorage,
    FlaskMessageLaunch,
    FlaskOIDCLogin,
    FlaskRequest,
)
from pylti1p3.tool_config import ToolConfJsonFile

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><h1>{{ title }}</h1><p>Video {{ video }} for {{ name }}.</p></body></html>
"""

app = Flask(__name__)
app.config.from_mapping(
    SECRET_KEY=os.environ.get("BASELINE_SECRET_KEY", "baseline-bench-secret"),
    CACHE_TYPE="RedisCache",
    CACHE_REDIS_URL=os.environ.get("BASELINE_REDIS_URL", "redis://127.0.0.1:6379/0"),
    CACHE_KEY_PREFIX=os.environ.get("BASELINE_REDIS_PREFIX", "baseline:"),
    CACHE_DEFAULT_TIMEOUT=600,
)
cache = Cache(app)


def tool_conf() -> ToolConfJsonFile:
    return ToolConfJsonFile(os.environ["BASELINE_LTI_CONFIG"])


def launch_data_storage() -> FlaskCacheDataStorage:
    return FlaskCacheDataStorage(cache)


@app.route("/login/", methods=["GET", "POST"])
def login():
    request = FlaskRequest()
    target_link_uri = request.get_param("target_link_uri")
    if not target_link_uri:
        return "Missing target_link_uri", 400
    oidc_login = FlaskOIDCLogin(
        request, tool_conf(), launch_data_storage=launch_data_storage()
    )
    return oidc_login.redirect(target_link_uri)


@app.route("/launch/", methods=["POST"])
def launch():
    message_launch = FlaskMessageLaunch(
        FlaskRequest(), tool_conf(), launch_data_storage=launch_data_storage()
    )
    data = message_launch.get_launch_data()
    custom = data.get("https://purl.imsglobal.org/spec/lti/claim/custom", {})
    link = data.get("https://purl.imsglobal.org/spec/lti/claim/resource_link", {})
    return render_template_string(
        PAGE,
        title=link.get("title", "Video"),
        video=custom.get("panopto_session_id", ""),
        name=data.get("name", ""),
    )


@app.get("/ready")
def ready():
    return "ok"
