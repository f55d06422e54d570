"""The Deep Linking response builder, and the chooser and player pages, without Panopto."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import jwt
import pytest

from app import services
from app.chooser_session import read_token
from app.embed_options import EmbedOptions
from app.errors import BadRequest
from app.lti.deep_linking import (
    IFRAME_SIZE,
    THUMBNAIL_SIZE,
    ResourceLinkItem,
    accepts_multiple,
    build_response_jwt,
)
from tests.tool.lti_harness import (
    CLIENT_ID,
    CONTENT_ITEMS,
    DEPLOYMENT,
    DL_DATA,
    DL_SETTINGS,
    MESSAGE_TYPE,
    PLATFORM_ISSUER,
    PLAYER_SESSION_ID,
    VERSION,
    now,
)
from tests.tool.pages import chooser_token, parse

SESSION_A = "5e550000-0000-4000-8000-000000000101"
SESSION_B = "5e550000-0000-4000-8000-000000000102"


def sign_response(app, platform, items, **launch_options):
    """Run a Deep Linking launch, then sign a response for ``items`` as the insert view does.

    Returns (decoded claims, header, launch claims).
    """
    form, response = platform.deep_link_launch(**launch_options)
    assert response.status_code == 200
    launch_id = read_token(
        app.config["SECRET_KEY"], chooser_token(response.get_data(as_text=True))
    )

    with app.test_request_context():
        launch = services.stored_launch(launch_id)
        settings = launch.get_launch_data()[DL_SETTINGS]
        token = build_response_jwt(launch.get_deep_link(), settings, items)

    key = jwt.PyJWK(app.extensions["tool_keys"].public_jwk).key
    claims = jwt.decode(token, key, algorithms=["RS256"], audience=PLATFORM_ISSUER)
    return claims, jwt.get_unverified_header(token), form.claims


def item(session_id: str = SESSION_A, **kwargs) -> ResourceLinkItem:
    return ResourceLinkItem(
        launch_url="http://127.0.0.1:1/lti/launch",
        session_id=session_id,
        title=kwargs.pop("title", "A lecture"),
        **kwargs,
    )


def test_response_is_signed_by_the_key_in_our_jwks_and_addressed_to_the_platform(
    app, platform, client
):
    claims, header, launch = sign_response(app, platform, [item()])

    jwks = client.get("/lti/jwks").json
    assert header["alg"] == "RS256"
    assert header["kid"] in {key["kid"] for key in jwks["keys"]}
    assert claims["iss"] == CLIENT_ID
    audiences = [claims["aud"]] if isinstance(claims["aud"], str) else claims["aud"]
    assert audiences == [PLATFORM_ISSUER]
    assert (
        claims["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] == DEPLOYMENT
    )
    assert claims[MESSAGE_TYPE] == "LtiDeepLinkingResponse"
    assert claims[VERSION] == "1.3.0"
    assert claims["nonce"] and claims["nonce"] != launch["nonce"]
    assert now() - 5 <= claims["iat"] <= now() + 5
    assert claims["iat"] < claims["exp"] <= claims["iat"] + 3600


@pytest.mark.parametrize(
    "data",
    ["opaque-platform-data-123", {"placement": "task-9", "n": [1, 2]}],
    ids=["string", "object"],
)
def test_request_data_is_echoed_unchanged(app, platform, data):
    claims, _, _ = sign_response(app, platform, [item()], data=data)

    assert claims[DL_DATA] == data


def test_no_data_claim_when_the_request_had_none(app, platform):
    claims, _, _ = sign_response(app, platform, [item()])

    assert DL_DATA not in claims


def test_response_nonces_are_fresh_each_time(app, platform):
    first, _, _ = sign_response(app, platform, [item()])
    second, _, _ = sign_response(app, platform, [item()])

    assert first["nonce"] != second["nonce"]


def test_two_items_when_the_platform_accepts_only_one_is_refused(app, platform):
    with pytest.raises(BadRequest, match="accepts only one video"):
        sign_response(
            app, platform, [item(SESSION_A), item(SESSION_B)], accept_multiple=False
        )


@pytest.mark.parametrize(
    "accept_types",
    [["link", "html"], [], None, "ltiResourceLink"],
    ids=["other-types", "none", "missing", "not-a-list"],
)
def test_items_of_a_type_the_platform_does_not_accept_are_refused(
    app, platform, accept_types
):
    """pylti1p3 already refuses such launches; the builder checks again on its own."""
    _, response = platform.deep_link_launch()
    launch_id = read_token(
        app.config["SECRET_KEY"], chooser_token(response.get_data(as_text=True))
    )
    with app.test_request_context():
        launch = services.stored_launch(launch_id)
        settings = dict(launch.get_launch_data()[DL_SETTINGS])
        settings["accept_types"] = accept_types

        with pytest.raises(BadRequest, match="does not accept links"):
            build_response_jwt(launch.get_deep_link(), settings, [item()])


def test_one_item_when_the_platform_accepts_only_one_is_signed(app, platform):
    claims, _, _ = sign_response(app, platform, [item()], accept_multiple=False)

    assert len(claims[CONTENT_ITEMS]) == 1


def test_two_items_when_the_platform_accepts_several_are_signed_in_order(app, platform):
    claims, _, _ = sign_response(app, platform, [item(SESSION_A), item(SESSION_B)])

    ids = [entry["custom"]["panopto_session_id"] for entry in claims[CONTENT_ITEMS]]
    assert ids == [SESSION_A, SESSION_B]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        ("true", True),
        (False, False),
        ("false", False),
        (None, False),
        ("yes", False),
    ],
)
def test_accept_multiple_reads_booleans_and_their_strings(value, expected):
    settings = {} if value is None else {"accept_multiple": value}

    assert accepts_multiple(settings) is expected


def test_resource_link_item_claim_has_every_field():
    claim = item(
        title="Week 1",
        description="The first lecture",
        thumbnail_url="https://panopto.test/thumb.jpg",
    ).to_claim()

    assert claim == {
        "type": "ltiResourceLink",
        "url": "http://127.0.0.1:1/lti/launch",
        "title": "Week 1",
        "text": "The first lecture",
        "iframe": IFRAME_SIZE,
        "custom": {"panopto_session_id": SESSION_A, **EmbedOptions().to_custom()},
        "thumbnail": {"url": "https://panopto.test/thumb.jpg", **THUMBNAIL_SIZE},
    }
    assert all(isinstance(value, str) for value in claim["custom"].values())
    assert claim["iframe"]["width"] > 0 and claim["iframe"]["height"] > 0


def test_resource_link_item_leaves_out_missing_text_and_thumbnail():
    claim = item().to_claim()

    assert "text" not in claim
    assert "thumbnail" not in claim


# -- the chooser page ------------------------------------------------------------------


def test_chooser_page_carries_the_token_and_the_api_addresses(platform, app):
    _, response = platform.deep_link_launch(accept_multiple=False)

    page = parse(response.get_data(as_text=True))
    chooser = page.by_id("chooser")
    assert read_token(app.config["SECRET_KEY"], chooser.attrs["data-token"]).startswith(
        "lti1p3"
    )
    assert chooser.attrs["data-multiple"] == "false"
    assert chooser.attrs["data-connect-url"] == "/panopto/connect"
    assert chooser.attrs["data-insert-url"] == "/chooser/api/insert"
    assert [script.attrs["src"] for script in page.all("script")] == [
        "/static/access-check.js",
        "/static/chooser.js",
    ]


def test_chooser_page_shows_the_placement_title_as_text(platform):
    form = platform.deep_link_form(platform.login())
    hostile = '<img src=x onerror="alert(1)"> Week 1 & "quotes"'
    token = platform.resign(
        form,
        changes={
            DL_SETTINGS: {**form.claims[DL_SETTINGS], "title": hostile},
        },
    )

    body = platform.post(form, id_token=token).get_data(as_text=True)

    assert "<img src=x" not in body
    assert hostile in parse(body).text
    assert not parse(body).all("img")


# -- the player page -------------------------------------------------------------------


def test_player_embeds_the_session_from_the_configured_site_only(platform, app):
    _, response = platform.resource_launch(
        custom=platform.placed(PLAYER_SESSION_ID), title="Lecture 1"
    )

    assert response.status_code == 200
    page = parse(response.get_data(as_text=True))
    frame = page.one("iframe")
    src = urlsplit(frame.attrs["src"])
    base = urlsplit(app.config["PANOPTO_BASE_URL"])
    assert (src.scheme, src.netloc, src.path) == (
        base.scheme,
        base.netloc,
        "/Panopto/Pages/Embed.aspx",
    )
    assert parse_qs(src.query)["id"] == [PLAYER_SESSION_ID]
    assert frame.attrs["title"] == "Lecture 1"
    assert "allowfullscreen" in frame.attrs
    assert "autoplay" in frame.attrs["allow"]


def test_player_shows_a_hostile_title_as_text(platform):
    hostile = '"><script>alert(1)</script>'

    _, response = platform.resource_launch(
        custom=platform.placed(PLAYER_SESSION_ID), title=hostile
    )

    body = response.get_data(as_text=True)
    page = parse(body)
    assert "<script>alert(1)" not in body
    assert page.one("iframe").attrs["title"] == hostile
    assert [s.attrs.get("src") for s in page.all("script")] == [
        "/static/frame-resize.js"
    ]


def test_player_without_a_resource_link_title_has_a_default_title(platform):
    form = platform.resource_link_form(
        platform.login(hint="resource"),
        custom=platform.placed(PLAYER_SESSION_ID),
    )
    token = platform.resign(
        form,
        changes={
            "https://purl.imsglobal.org/spec/lti/claim/resource_link": {"id": "p-1"}
        },
    )

    page = parse(platform.post(form, id_token=token).get_data(as_text=True))

    assert page.one("iframe").attrs["title"] == "Panopto video"
