"""The chooser's JSON API refuses callers without a valid token, and bad ids, in JSON."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from app.chooser_session import CHOOSER_TOKEN_MAX_AGE_SECONDS, TOKEN_SALT, read_token
from app.extensions import db
from app.lti.storage import DatabaseLaunchDataStorage
from app.models import Deployment
from app.panopto.oauth import UserKey
from app.services import DatabaseTokenStore
from app.store import KeyValueStore
from tests.tool.lti_harness import PLATFORM_ISSUER, USER_ID, set_deployment
from tests.tool.pages import chooser_token, parse
from tests.tool.sim_helpers import sign_in_at_panopto, start_sign_in

FOLDER = "f0000000-0000-4000-8000-000000000001"
SESSION = "5e550000-0000-4000-8000-000000000001"
TOP = "00000000-0000-0000-0000-000000000000"

#: (method, path, JSON body) of every chooser API call, each with valid arguments.
ENDPOINTS = [
    ("GET", "/chooser/api/folders", None),
    ("GET", f"/chooser/api/folders?parent={FOLDER}", None),
    ("GET", f"/chooser/api/folders/{FOLDER}/sessions", None),
    ("GET", "/chooser/api/search?q=lecture", None),
    ("POST", "/chooser/api/insert", {"session_ids": [SESSION]}),
    ("GET", "/chooser/api/context", None),
    ("GET", "/chooser/api/creator-folders", None),
    ("GET", "/chooser/api/recent", None),
    ("GET", f"/chooser/api/sessions/{SESSION}", None),
    ("PUT", f"/chooser/api/sessions/{SESSION}", {"name": "New name"}),
    ("DELETE", f"/chooser/api/sessions/{SESSION}", None),
    (
        "POST",
        "/chooser/api/uploads",
        {"folder_id": FOLDER, "title": "t", "filename": "a.mp4", "size": 10},
    ),
]
ENDPOINT_IDS = [
    "folders",
    "subfolders",
    "sessions",
    "search",
    "insert",
    "context",
    "creator-folders",
    "recent",
    "session",
    "rename",
    "delete",
    "upload",
]


@pytest.fixture
def token(platform) -> str:
    _, response = platform.deep_link_launch()
    assert response.status_code == 200
    return chooser_token(response.get_data(as_text=True))


@pytest.fixture
def signed_in(app, token) -> None:
    """Pretend the chooser's user signed in to Panopto, so argument checks are reached.

    Every request below is refused before any call to Panopto would be made.
    """
    with app.app_context():
        DatabaseTokenStore().save(
            UserKey(PLATFORM_ISSUER, USER_ID),
            {"access_token": "unused", "refresh_token": "unused", "expires_in": 3600},
        )


def call(client, method, path, body=None, token=None, headers=None):
    headers = dict(headers or {})
    if token is not None:
        headers["X-Chooser-Token"] = token
    return client.open(path, method=method, json=body, headers=headers)


def assert_json_error(response, status, code, retryable=False):
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json"
    error = response.json["error"]
    assert error["code"] == code
    assert error["retryable"] is retryable
    assert isinstance(error["message"], str) and error["message"].endswith(".")
    assert "Traceback" not in error["message"]
    return error


def expired_token(secret_key: str, launch_id: str) -> str:
    """A correctly signed token issued longer ago than the chooser's lifetime."""

    class PastSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - CHOOSER_TOKEN_MAX_AGE_SECONDS - 60

    return URLSafeTimedSerializer(secret_key, salt=TOKEN_SALT, signer=PastSigner).dumps(
        launch_id
    )


# -- tokens ---------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_call_without_a_token_is_401_json(client, method, path, body):
    error = assert_json_error(call(client, method, path, body), 401, "launch_expired")

    assert "open it again" in error["message"]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_call_with_a_forged_token_is_401_json(client, app, token, method, path, body):
    launch_id = read_token(app.config["SECRET_KEY"], token)
    forged = URLSafeTimedSerializer("not-the-tool-secret", salt=TOKEN_SALT).dumps(
        launch_id
    )

    assert_json_error(
        call(client, method, path, body, token=forged), 401, "launch_expired"
    )


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_call_with_an_expired_token_is_401_json(client, app, token, method, path, body):
    launch_id = read_token(app.config["SECRET_KEY"], token)
    old = expired_token(app.config["SECRET_KEY"], launch_id)

    assert_json_error(
        call(client, method, path, body, token=old), 401, "launch_expired"
    )


@pytest.mark.parametrize(
    "bad_token",
    [
        "garbage",
        "",
        "{token}x",
        "x{token}",
        "{token_other_salt}",
        "{token_unknown_launch}",
    ],
    ids=["garbage", "empty", "suffix", "prefix", "other-salt", "unknown-launch"],
)
def test_call_with_a_tampered_or_unknown_token_is_401_json(
    client, app, token, bad_token
):
    secret = app.config["SECRET_KEY"]
    launch_id = read_token(secret, token)
    value = bad_token.format(
        token=token,
        token_other_salt=URLSafeTimedSerializer(secret, salt="other").dumps(launch_id),
        token_unknown_launch=URLSafeTimedSerializer(secret, salt=TOKEN_SALT).dumps(
            "lti1p3-launch-does-not-exist"
        ),
    )

    response = call(client, "GET", "/chooser/api/folders", token=value)

    assert_json_error(response, 401, "launch_expired")


def test_token_in_the_query_string_does_not_open_the_api(client, token):
    response = client.get("/chooser/api/folders", query_string={"t": token})

    assert_json_error(response, 401, "launch_expired")


def test_valid_token_reaches_panopto_and_asks_for_sign_in(client, token):
    """Everything about the request is right; only the Panopto sign-in is missing."""
    response = call(client, "GET", "/chooser/api/folders", token=token)

    error = assert_json_error(response, 401, "panopto_sign_in_required")
    assert "sign in to Panopto" in error["message"]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_every_endpoint_with_a_valid_token_asks_for_panopto_sign_in(
    client, token, method, path, body
):
    response = call(client, method, path, body, token=token)

    assert_json_error(response, 401, "panopto_sign_in_required")


def test_token_from_a_resource_launch_does_not_exist(platform):
    """A resource launch shows the player only: it issues no chooser token."""
    _, response = platform.resource_launch(custom=platform.placed(SESSION))

    assert response.status_code == 200
    assert 'id="chooser"' not in response.get_data(as_text=True)
    assert "data-token" not in response.get_data(as_text=True)


def test_the_sign_in_page_carries_no_token_and_asks_its_opener(client, token):
    response = client.get("/panopto/connect", query_string={"t": token})
    page = parse(response.get_data(as_text=True))

    assert response.status_code == 200
    assert token not in response.get_data(as_text=True)
    assert page.by_id("connect-form").attrs["method"] == "post"
    assert page.one("script").attrs["src"].endswith("/static/connect.js")


@pytest.mark.parametrize(
    "t", [None, "", "forged-token"], ids=["missing", "empty", "forged"]
)
def test_starting_a_sign_in_without_a_valid_token_is_refused(client, tool_url, t):
    response = client.post(
        "/panopto/connect",
        data={} if t is None else {"token": t},
        headers={"Origin": tool_url},
    )

    assert response.status_code == 401
    assert "Location" not in response.headers
    assert "has expired" in parse(response.get_data(as_text=True)).text


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.test"},
        {"Origin": "null"},
        {"Origin": "https://evil.test", "Sec-Fetch-Site": "cross-site"},
    ],
    ids=["other-origin", "null-origin", "cross-site"],
)
def test_a_sign_in_posted_by_another_site_is_refused(client, token, tool_url, headers):
    response = client.post("/panopto/connect", data={"token": token}, headers=headers)

    assert response.status_code == 403
    assert "Location" not in response.headers
    assert (
        "from the video chooser, not from a link elsewhere"
        in parse(response.get_data(as_text=True)).text
    )


def test_a_callback_in_a_browser_that_did_not_start_the_sign_in_is_refused(
    app, token, tool_url
):
    """Login CSRF: the attacker starts a sign-in and sends the Panopto link to a victim."""
    attacker = app.test_client()
    victim = app.test_client()
    connect = start_sign_in(attacker, token, tool_url)
    state = parse_qs(urlsplit(connect.headers["Location"]).query)["state"][0]

    response = victim.get(
        "/panopto/callback", query_string={"state": state, "code": "c"}
    )

    assert response.status_code == 400
    assert (
        "started in another browser window"
        in parse(response.get_data(as_text=True)).text
    )


def test_sign_in_failures_tell_the_chooser_and_offer_to_close(client, token, tool_url):
    connect = start_sign_in(client, token, tool_url)
    state = parse_qs(urlsplit(connect.headers["Location"]).query)["state"][0]

    response = client.get(
        "/panopto/callback", query_string={"state": state, "error": "access_denied"}
    )
    page = parse(response.get_data(as_text=True))

    assert response.status_code == 400
    assert page.by_id("close-window").tag == "button"
    assert page.one("script").attrs["src"].endswith("/static/sign-in-failed.js")
    assert "cancelled or refused" in page.by_id("failure-message").text


@pytest.mark.parametrize(
    ("change", "status", "fragment"),
    [
        (None, 200, ""),
        ("hold", 403, "cannot sign in to Panopto from it now"),
        ("remove", 403, "cannot sign in to Panopto from it now"),
        ("forget the launch", 401, "has expired"),
    ],
)
def test_a_sign_in_keeps_a_token_only_while_its_chooser_may_be_used(
    sim_app, sim_platform, tool_url, change, status, fragment
):
    """The code is a real one from the Panopto simulator: only the tool's own check
    stands between it and a stored token."""
    _, page = sim_platform.deep_link_launch()
    chooser = chooser_token(page.get_data(as_text=True))
    connect = start_sign_in(sim_platform.client, chooser, tool_url)
    callback = sign_in_at_panopto(connect.headers["Location"])
    if change == "hold":
        set_deployment(sim_app, status="held")
    elif change == "remove":
        with sim_app.app_context():
            db.session.delete(db.session.execute(select(Deployment)).scalars().first())
            db.session.commit()
    elif change == "forget the launch":
        with sim_app.app_context():
            # As when the launch data's time in the store runs out.
            launch_id = read_token(sim_app.config["SECRET_KEY"], chooser)
            DatabaseLaunchDataStorage(KeyValueStore()).set_value(launch_id, None)

    response = sim_platform.client.get(
        "/panopto/callback", query_string=dict(parse_qsl(urlsplit(callback).query))
    )

    assert response.status_code == status
    assert fragment in parse(response.get_data(as_text=True)).text
    with sim_app.app_context():
        stored = DatabaseTokenStore().load(UserKey(PLATFORM_ISSUER, USER_ID))
    assert (stored is not None) == (change is None)


# -- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "fragment"),
    [
        (
            "GET",
            "/chooser/api/folders?parent=not-a-guid",
            None,
            "parent id is not valid",
        ),
        ("GET", f"/chooser/api/folders?parent={TOP}x", None, "parent id is not valid"),
        ("GET", "/chooser/api/folders?parent=../../x", None, "parent id is not valid"),
        (
            "GET",
            "/chooser/api/folders/not-a-guid/sessions",
            None,
            "folder id is not valid",
        ),
        ("GET", f"/chooser/api/folders/{FOLDER[:-1]}/sessions", None, "not valid"),
        ("GET", f"/chooser/api/folders/{FOLDER}/sessions?page=-1", None, "page number"),
        (
            "GET",
            f"/chooser/api/folders/{FOLDER}/sessions?page=two",
            None,
            "page number",
        ),
        (
            "GET",
            f"/chooser/api/folders/{FOLDER}/sessions?page=10001",
            None,
            "page number",
        ),
        # Characters that str.isdigit() accepts but int() does not.
        ("GET", f"/chooser/api/folders/{FOLDER}/sessions?page=²", None, "page number"),
        ("GET", "/chooser/api/search?q=ok&page=①", None, "page number"),
        # A GUID followed by a newline: `$` in a regex also matches before a final \n.
        ("GET", f"/chooser/api/folders?parent={FOLDER}%0A", None, "not valid"),
        ("POST", "/chooser/api/insert", {"session_ids": [SESSION + "\n"]}, "not valid"),
        ("GET", "/chooser/api/search?q=", None, "between 1 and 200"),
        ("GET", "/chooser/api/search?q=%20%20", None, "between 1 and 200"),
        ("GET", "/chooser/api/search?q=" + "a" * 201, None, "between 1 and 200"),
        ("GET", "/chooser/api/search?q=ok&page=1.5", None, "page number"),
        ("POST", "/chooser/api/insert", {"session_ids": ["not-a-guid"]}, "not valid"),
        ("POST", "/chooser/api/insert", {"session_ids": [SESSION, "x"]}, "not valid"),
        ("POST", "/chooser/api/insert", {"session_ids": [123]}, "not valid"),
        ("POST", "/chooser/api/insert", {"session_ids": [None]}, "not valid"),
        ("POST", "/chooser/api/insert", {"session_ids": SESSION}, "at least one"),
        ("POST", "/chooser/api/insert", {"session_ids": []}, "at least one"),
        ("POST", "/chooser/api/insert", {}, "at least one"),
        ("POST", "/chooser/api/insert", [SESSION], "at least one"),
        ("POST", "/chooser/api/insert", {"session_ids": [SESSION] * 51}, "at most 50"),
    ],
)
def test_bad_ids_and_arguments_are_400_json(
    client, token, signed_in, method, path, body, fragment
):
    error = assert_json_error(
        call(client, method, path, body, token=token), 400, "bad_request"
    )

    assert fragment in error["message"]


def test_insert_with_a_body_that_is_not_json_is_400_json(client, token, signed_in):
    response = client.post(
        "/chooser/api/insert",
        data="session_ids=" + SESSION,
        content_type="application/x-www-form-urlencoded",
        headers={"X-Chooser-Token": token},
    )

    assert_json_error(response, 400, "bad_request")


def test_unknown_api_path_is_404_json(client, token):
    response = call(client, "GET", "/chooser/api/nothing-here", token=token)

    assert_json_error(response, 404, "http_404")


def test_wrong_method_on_the_api_is_405_json(client, token):
    response = call(client, "GET", "/chooser/api/insert", token=token)

    assert_json_error(response, 405, "http_405")
