"""End to end: an independent LTI platform (lti1p3platform) and the Panopto simulator.

The platform logs in and launches Deep Linking; the person signs in to Panopto in the
pop-up; the chooser lists and searches videos and inserts two; the platform verifies the
signed response; a viewer then launches one of the placed items and gets the player.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, parse_qsl, urlsplit

import jwt
import pytest

from app.embed_options import EmbedOptions
from app.lti.deep_linking import IFRAME_SIZE, THUMBNAIL_SIZE
from app.panopto.oauth import AUTHORIZE_PATH
from devkit.panopto_sim import seed
from tests.conftest import SIM_CLIENT_ID
from tests.tool.lti_harness import (
    CLIENT_ID,
    CONTENT_ITEMS,
    CUSTOM,
    DEEP_LINK_RETURN_URL,
    DEPLOYMENT,
    DEPLOYMENT_ID,
    DL_DATA,
    MESSAGE_TYPE,
    PLATFORM_ISSUER,
    VERSION,
    PlatformDriver,
    now,
)
from tests.tool.pages import chooser_token, parse
from tests.tool.sim_helpers import INA, sign_in_at_panopto, start_sign_in

LECTURE_1 = seed.lecture_id(1)
CAFE = seed.SESSION_CAFE
OPAQUE_DATA = "opaque-platform-state-0xC0FFEE"


@dataclass
class Chooser:
    """A chooser opened by a Deep Linking launch."""

    platform: PlatformDriver
    token: str
    launch_claims: dict
    id_token: str

    def api(self, method: str, path: str, **kwargs):
        return self.platform.client.open(
            "/chooser/api" + path,
            method=method,
            headers={"X-Chooser-Token": self.token},
            **kwargs,
        )


def open_chooser(platform: PlatformDriver, **launch_options) -> Chooser:
    form, response = platform.deep_link_launch(**launch_options)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    token = chooser_token(response.get_data(as_text=True))
    return Chooser(platform, token, form.claims, form.id_token)


def sign_in_to_panopto(
    chooser: Chooser, sim_url: str, tool_url: str, user: tuple[str, str] = INA
) -> dict[str, str]:
    """The pop-up: /panopto/connect, the simulator's sign-in page, then /panopto/callback.

    Returns the callback's query (code and state).
    """
    client = chooser.platform.client
    connect = start_sign_in(client, chooser.token, tool_url)
    assert connect.status_code == 303
    authorize = connect.headers["Location"]
    assert authorize.startswith(sim_url + AUTHORIZE_PATH + "?")
    authorize_query = parse_qs(urlsplit(authorize).query)
    assert authorize_query["client_id"] == [SIM_CLIENT_ID]
    assert authorize_query["redirect_uri"] == [tool_url + "/panopto/callback"]

    callback = sign_in_at_panopto(authorize, user)

    assert callback.startswith(tool_url + "/panopto/callback?")
    query = dict(parse_qsl(urlsplit(callback).query))
    assert query["state"] == authorize_query["state"][0]
    assert query["code"]
    done = client.get("/panopto/callback", query_string=query)
    assert done.status_code == 200, done.get_data(as_text=True)[:300]
    assert "You are signed in to Panopto" in parse(done.get_data(as_text=True)).text
    return query


def verify_with_tool_jwks(client, token: str) -> dict:
    """Verify a tool-signed JWT as a platform would: the key named by kid in /lti/jwks."""
    kid = jwt.get_unverified_header(token)["kid"]
    keys = {key["kid"]: key for key in client.get("/lti/jwks").json["keys"]}
    assert kid in keys, "the response's kid does not resolve in the tool's JWKS"
    return jwt.decode(
        token, jwt.PyJWK(keys[kid]).key, algorithms=["RS256"], audience=PLATFORM_ISSUER
    )


@pytest.fixture
def chooser(sim_platform) -> Chooser:
    return open_chooser(sim_platform, data=OPAQUE_DATA)


@pytest.fixture
def signed_in(chooser, panopto_sim, tool_url) -> Chooser:
    sign_in_to_panopto(chooser, panopto_sim[0], tool_url)
    return chooser


# -- the whole journey --------------------------------------------------------------------


def test_deep_link_sign_in_browse_insert_and_view(sim_platform, panopto_sim, tool_url):
    sim_url = panopto_sim[0]

    # The login: the tool answers with its authentication request to the platform.
    auth = sim_platform.login()
    assert auth["redirect_uri"] == tool_url + "/lti/launch"
    assert auth["client_id"] == CLIENT_ID
    assert (auth["scope"], auth["response_type"]) == ("openid", "id_token")
    assert (auth["response_mode"], auth["prompt"]) == ("form_post", "none")
    assert len(auth["nonce"]) >= 16 and auth["state"]

    # The Deep Linking launch opens the chooser.
    form = sim_platform.deep_link_form(auth, data=OPAQUE_DATA)
    assert form.claims["nonce"] == auth["nonce"]
    page = sim_platform.post(form)
    assert page.status_code == 200
    chooser = Chooser(
        sim_platform,
        chooser_token(page.get_data(as_text=True)),
        form.claims,
        form.id_token,
    )

    # Before signing in, the chooser is asked to show the sign-in button.
    before = chooser.api("GET", "/folders")
    assert before.status_code == 401
    assert before.json["error"]["code"] == "panopto_sign_in_required"

    sign_in_to_panopto(chooser, sim_url, tool_url)

    # Browse: top folders, a unit's sub-folders, a folder's videos page by page, search.
    top = chooser.api("GET", "/folders").json["folders"]
    assert {f["id"] for f in top} == {
        seed.FOLDER_SIT999,
        seed.FOLDER_INA_PERSONAL,
        seed.FOLDER_ORIENTATION,
    }
    children = chooser.api("GET", f"/folders?parent={seed.FOLDER_SIT999}").json[
        "folders"
    ]
    assert [f["name"] for f in children] == [
        "SIT999 Submissions: Stu Student",
        "Week 1",
        "Week 2",
    ]

    pages = [
        chooser.api("GET", f"/folders/{seed.FOLDER_SIT999}/sessions?page={n}").json
        for n in range(4)
    ]
    assert [page["page"] for page in pages] == [0, 1, 2, 3]
    assert [len(page["sessions"]) for page in pages] == [10, 10, 3, 0]
    listed = {s["id"] for page in pages for s in page["sessions"]}
    assert LECTURE_1 in listed and len(listed) == seed.LECTURE_COUNT

    found = chooser.api("GET", "/search", query_string={"q": "Café"}).json
    cafe = next(s for s in found["sessions"] if s["id"] == CAFE)
    assert cafe["name"] == seed.CAFE_NAME

    # Insert two videos.
    inserted = chooser.api("POST", "/insert", json={"session_ids": [LECTURE_1, CAFE]})
    assert inserted.status_code == 200, inserted.get_data(as_text=True)
    assert inserted.json["return_url"] == DEEP_LINK_RETURN_URL
    response_jwt = inserted.json["jwt"]

    claims = verify_with_tool_jwks(sim_platform.client, response_jwt)
    assert_deep_linking_response(claims, chooser.launch_claims, tool_url, sim_url)
    assert claims[DL_DATA] == OPAQUE_DATA

    # The independent platform accepts it as well.
    conf = sim_platform.conf
    conf.get_registration().set_tool_key_set(sim_platform.client.get("/lti/jwks").json)
    accepted = conf.validate_deeplinking_resp({"JWT": response_jwt})
    assert accepted == claims[CONTENT_ITEMS]

    # A viewer opens the first placed item: a fresh login and resource link launch.
    item = claims[CONTENT_ITEMS][0]
    form = sim_platform.resource_link_form(
        sim_platform.login(hint="view"), custom=item["custom"], title=item["title"]
    )
    assert (
        form.claims["https://purl.imsglobal.org/spec/lti/claim/target_link_uri"]
        == item["url"]
    )
    assert form.claims[CUSTOM] == item["custom"]
    assert form.claims[CUSTOM]["panopto_session_id"] == LECTURE_1
    assert EmbedOptions().to_custom().items() <= form.claims[CUSTOM].items()
    player = sim_platform.post(form)

    assert player.status_code == 200
    assert_player(player.get_data(as_text=True), sim_url, LECTURE_1, item["title"])


def assert_deep_linking_response(claims, launch_claims, tool_url, sim_url) -> None:
    """Every claim of the Deep Linking response (LTI-NOTES 2.6 and 2.7)."""
    assert set(claims) == {
        "iss",
        "aud",
        "iat",
        "exp",
        "nonce",
        DEPLOYMENT_ID,
        MESSAGE_TYPE,
        VERSION,
        CONTENT_ITEMS,
    } | ({DL_DATA} if DL_DATA in claims else set())
    assert claims["iss"] == CLIENT_ID
    audiences = [claims["aud"]] if isinstance(claims["aud"], str) else claims["aud"]
    assert audiences == [PLATFORM_ISSUER]
    assert now() - 10 <= claims["iat"] <= now() + 1
    assert claims["iat"] < claims["exp"] <= claims["iat"] + 3600
    assert isinstance(claims["nonce"], str) and len(claims["nonce"]) >= 16
    assert claims["nonce"] != launch_claims["nonce"]
    assert claims[DEPLOYMENT_ID] == DEPLOYMENT == launch_claims[DEPLOYMENT_ID]
    assert claims[MESSAGE_TYPE] == "LtiDeepLinkingResponse"
    assert claims[VERSION] == "1.3.0"

    lecture, cafe = claims[CONTENT_ITEMS]
    launch_url = tool_url + "/lti/launch"
    for item, session_id, title in (
        (lecture, LECTURE_1, "SIT999 Lecture 01: Why video works"),
        (cafe, CAFE, seed.CAFE_NAME),
    ):
        assert item["type"] == "ltiResourceLink"
        assert item["url"] == launch_url
        assert urlsplit(item["url"]).query == ""
        assert set(item["custom"]) == {
            "panopto_session_id",
            "panopto_placement_id",
            "panopto_context_history",
            *EmbedOptions().to_custom(),
        }
        assert item["custom"]["panopto_session_id"] == session_id
        assert len(item["custom"]["panopto_placement_id"]) >= 32
        # Platforms that support it replace this with the ids the unit was copied from.
        assert item["custom"]["panopto_context_history"] == "$Context.id.history"
        assert EmbedOptions().to_custom().items() <= item["custom"].items()
        assert all(isinstance(value, str) for value in item["custom"].values())
        assert item["title"] == title
        assert item["iframe"] == IFRAME_SIZE
        assert isinstance(item["iframe"]["width"], int) and item["iframe"]["width"] > 0
        assert (
            isinstance(item["iframe"]["height"], int) and item["iframe"]["height"] > 0
        )
        thumbnail = item["thumbnail"]
        assert thumbnail["url"].startswith(sim_url + "/")
        assert session_id in thumbnail["url"]
        assert (thumbnail["width"], thumbnail["height"]) == (
            THUMBNAIL_SIZE["width"],
            THUMBNAIL_SIZE["height"],
        )
    assert lecture["text"] == "Week 1 lecture on why video works."


def assert_player(html: str, sim_url: str, session_id: str, title: str) -> None:
    page = parse(html)
    frame = page.one("iframe")
    src = frame.attrs["src"]
    assert src.startswith(f"{sim_url}/Panopto/Pages/Embed.aspx?id={session_id}")
    assert parse_qs(urlsplit(src).query)["id"] == [session_id]
    assert frame.attrs["title"] == title
    assert "allowfullscreen" in frame.attrs
    assert "autoplay" in frame.attrs["allow"]
    links = [a for a in page.all("a") if "Open" in a.text and "in Panopto" in a.text]
    assert len(links) == 1
    href = links[0].attrs["href"]
    assert href.startswith(f"{sim_url}/Panopto/Pages/")
    assert parse_qs(urlsplit(href).query)["id"] == [session_id]
    assert links[0].attrs.get("target") == "_blank"
    assert "noopener" in links[0].attrs.get("rel", "")


# -- variations ---------------------------------------------------------------------------


def test_response_without_request_data_carries_no_data_claim(
    signed_in, sim_platform, panopto_sim, tool_url
):
    # Same user, new placement: the Panopto sign-in is remembered per LTI user.
    chooser = open_chooser(sim_platform)
    assert (
        DL_DATA
        not in chooser.launch_claims[
            "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
        ]
    )

    inserted = chooser.api("POST", "/insert", json={"session_ids": [LECTURE_1, CAFE]})

    assert inserted.status_code == 200, inserted.get_data(as_text=True)
    claims = verify_with_tool_jwks(sim_platform.client, inserted.json["jwt"])
    assert DL_DATA not in claims
    assert_deep_linking_response(
        claims, chooser.launch_claims, tool_url, panopto_sim[0]
    )


def test_platform_accepting_one_item_refuses_two_and_takes_one(
    signed_in, sim_platform, panopto_sim
):
    chooser = open_chooser(sim_platform, accept_multiple=False)

    two = chooser.api("POST", "/insert", json={"session_ids": [LECTURE_1, CAFE]})
    one = chooser.api("POST", "/insert", json={"session_ids": [CAFE]})

    assert two.status_code == 400
    assert two.json["error"]["code"] == "bad_request"
    assert "only one video" in two.json["error"]["message"]
    assert one.status_code == 200
    claims = verify_with_tool_jwks(sim_platform.client, one.json["jwt"])
    assert [i["custom"]["panopto_session_id"] for i in claims[CONTENT_ITEMS]] == [CAFE]


def test_the_same_session_chosen_twice_is_inserted_once(signed_in, sim_platform):
    inserted = signed_in.api("POST", "/insert", json={"session_ids": [CAFE, CAFE]})

    claims = verify_with_tool_jwks(sim_platform.client, inserted.json["jwt"])
    assert len(claims[CONTENT_ITEMS]) == 1


def test_session_without_description_has_no_text(signed_in, sim_platform):
    inserted = signed_in.api(
        "POST", "/insert", json={"session_ids": [seed.SESSION_UNTITLED]}
    )

    item = verify_with_tool_jwks(sim_platform.client, inserted.json["jwt"])[
        CONTENT_ITEMS
    ][0]
    assert item["title"] == "Untitled recording"
    assert "text" not in item


def test_inserting_a_session_panopto_does_not_know_is_404_json(signed_in):
    response = signed_in.api(
        "POST",
        "/insert",
        json={"session_ids": ["5e550000-0000-4000-8000-0000000fffff"]},
    )

    assert response.status_code == 404
    assert response.json["error"]["code"] == "panopto_not_found"


def test_each_response_has_a_fresh_nonce(signed_in, sim_platform):
    first = signed_in.api("POST", "/insert", json={"session_ids": [CAFE]}).json["jwt"]
    second = signed_in.api("POST", "/insert", json={"session_ids": [CAFE]}).json["jwt"]

    nonces = {
        verify_with_tool_jwks(sim_platform.client, t)["nonce"] for t in (first, second)
    }
    assert len(nonces) == 2


def test_panopto_down_after_the_retries_is_a_retryable_json_error(
    signed_in, panopto_sim
):
    # The first attempt and both retries fail.
    panopto_sim[1].extensions["panopto_sim"].faults.set("down", count=3)

    response = signed_in.api("GET", "/folders")

    assert response.status_code == 502
    error = response.json["error"]
    assert error["code"] == "panopto_unavailable"
    assert error["retryable"] is True
    assert "try again" in error["message"]


def test_panopto_rate_limiting_that_persists_is_a_retryable_json_error(
    signed_in, panopto_sim
):
    panopto_sim[1].extensions["panopto_sim"].faults.set(
        "rate_limit", count=10, retry_after=0
    )

    response = signed_in.api("GET", "/search", query_string={"q": "lecture"})

    assert response.status_code == 503
    assert response.json["error"]["code"] == "panopto_rate_limited"
    assert response.json["error"]["retryable"] is True


def test_expired_panopto_access_token_is_refreshed_behind_the_chooser(
    signed_in, panopto_sim
):
    panopto_sim[1].extensions["panopto_sim"].expire_tokens()

    response = signed_in.api("GET", "/folders")

    assert response.status_code == 200
    assert response.json["folders"]


def test_panopto_callback_state_is_single_use(chooser, panopto_sim, tool_url):
    query = sign_in_to_panopto(chooser, panopto_sim[0], tool_url)

    again = chooser.platform.client.get("/panopto/callback", query_string=query)

    assert again.status_code == 400
    assert "expired or was already used" in parse(again.get_data(as_text=True)).text


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"state": "never-issued", "code": "x"},
        {"state": "", "code": "x"},
    ],
    ids=["nothing", "unknown-state", "empty-state"],
)
def test_panopto_callback_without_a_pending_sign_in_is_refused(sim_client, query):
    response = sim_client.get("/panopto/callback", query_string=query)

    assert response.status_code == 400
    assert "Traceback" not in response.get_data(as_text=True)


def test_panopto_callback_with_an_error_or_no_code_is_refused(
    chooser, sim_platform, tool_url
):
    client = chooser.platform.client
    states = []
    for _ in range(2):
        connect = start_sign_in(client, chooser.token, tool_url)
        states.append(parse_qs(urlsplit(connect.headers["Location"]).query)["state"][0])

    denied = client.get(
        "/panopto/callback", query_string={"state": states[0], "error": "access_denied"}
    )
    no_code = client.get("/panopto/callback", query_string={"state": states[1]})

    assert denied.status_code == 400
    assert "cancelled or refused" in parse(denied.get_data(as_text=True)).text
    assert no_code.status_code == 400
    assert "did not send a sign-in code" in parse(no_code.get_data(as_text=True)).text


def test_panopto_callback_with_a_forged_code_is_refused(
    chooser, sim_platform, tool_url
):
    client = chooser.platform.client
    connect = start_sign_in(client, chooser.token, tool_url)
    state = parse_qs(urlsplit(connect.headers["Location"]).query)["state"][0]

    response = client.get(
        "/panopto/callback", query_string={"state": state, "code": "forged"}
    )

    assert response.status_code == 401
    assert "did not accept the sign-in" in parse(response.get_data(as_text=True)).text
    assert (
        chooser.api("GET", "/folders").json["error"]["code"]
        == "panopto_sign_in_required"
    )


def test_resource_launch_for_a_session_shows_the_simulators_player(
    sim_platform, panopto_sim
):
    _, response = sim_platform.resource_launch(
        custom=sim_platform.placed(seed.SESSION_QUOTES), title=seed.QUOTES_NAME
    )

    assert response.status_code == 200
    assert_player(
        response.get_data(as_text=True),
        panopto_sim[0],
        seed.SESSION_QUOTES,
        seed.QUOTES_NAME,
    )
