"""Launches the tool must refuse: a 4xx page in plain words, never a 500, never a player.

Every bad token here starts as a real launch from ``lti1p3platform`` and is changed and
signed again with the platform's key (PyJWT), so only the one thing under test is wrong.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from urllib.parse import parse_qsl, urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from sqlalchemy import select

from app import create_app
from app.lti.tool_config import deployment_status
from tests.servers import serve
from tests.tool.conftest import write_lti_config
from tests.tool.lti_harness import (
    CLIENT_ID,
    CUSTOM,
    DEPLOYMENT,
    DEPLOYMENT_ID,
    DL_SETTINGS,
    MESSAGE_TYPE,
    PLATFORM_ISSUER,
    PLAYER_SESSION_ID,
    RESOURCE_LINK,
    ROLES,
    TARGET_LINK_URI,
    VERSION,
    PlatformDriver,
    new_key_pair,
    now,
    registrations_json,
    unsigned_token,
)
from tests.tool.pages import parse

NOT_REGISTERED = "not registered with the tool"
SIGNATURE = "signature does not match"
NOT_THIS_BROWSER = "does not match a login started in this browser"


def assert_refused(response, fragment: str, status: int = 400) -> None:
    """A short error page that says ``fragment``, with no chooser and no player."""
    body = response.get_data(as_text=True)
    assert response.status_code == status, body[:400]
    assert response.mimetype == "text/html"
    page = parse(body)
    assert fragment.lower() in " ".join(page.text.split()).lower(), page.text
    assert not page.all("iframe")
    assert 'id="chooser"' not in body
    assert "Traceback" not in body


def assert_chooser(response) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body[:400]
    assert parse(body).by_id("chooser").attrs.get("data-token")


# -- signature, issuer, client, key ---------------------------------------------------


def test_unknown_issuer_is_refused(platform):
    form = platform.deep_link_form(platform.login())
    token = platform.resign(form, changes={"iss": "https://stranger.test"})

    assert_refused(platform.post(form, id_token=token), NOT_REGISTERED)


def test_unknown_client_id_is_refused(platform):
    form = platform.deep_link_form(platform.login())
    token = platform.resign(
        form, changes={"aud": "another-tool", "azp": "another-tool"}
    )

    assert_refused(platform.post(form, id_token=token), NOT_REGISTERED)


def test_token_signed_with_another_key_is_refused(platform, stranger_keys):
    form = platform.deep_link_form(platform.login())
    # The header names the platform's real key; the signature is someone else's.
    token = platform.resign(form, key=stranger_keys.private_key)

    assert_refused(platform.post(form, id_token=token), SIGNATURE)


def test_token_naming_an_unknown_kid_is_refused(platform, stranger_keys):
    form = platform.deep_link_form(platform.login())
    token = platform.resign(
        form, key=stranger_keys.private_key, header={"kid": stranger_keys.kid}
    )

    assert_refused(
        platform.post(form, id_token=token), "a key the platform does not publish"
    )


def test_token_without_kid_is_refused(platform):
    form = platform.deep_link_form(platform.login())
    token = platform.resign(form, header={"kid": None})

    assert_refused(platform.post(form, id_token=token), "which key signed it")


def test_alg_none_is_refused(platform):
    form = platform.deep_link_form(platform.login())
    token = unsigned_token(
        form.claims, {"alg": "none", "typ": "JWT", "kid": platform.keys.kid}
    )

    assert_refused(platform.post(form, id_token=token), "must be signed with RS256")


def test_hs256_signed_with_the_public_key_is_refused(platform):
    """The classic key-confusion attack: HMAC keyed with the platform's public PEM."""
    form = platform.deep_link_form(platform.login())
    header = {"alg": "HS256", "typ": "JWT", "kid": platform.keys.kid}
    signing_input = unsigned_token(form.claims, header).rstrip(".")
    mac = hmac.new(
        platform.keys.public_pem.encode(), signing_input.encode(), hashlib.sha256
    )
    signature = base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()

    response = platform.post(form, id_token=f"{signing_input}.{signature}")

    assert_refused(response, "must be signed with RS256")


@pytest.mark.parametrize(
    ("id_token", "fragment"),
    [
        ("", "did not include an id_token"),
        ("not-a-jwt", "not a well-formed JWT"),
        ("a.b.c", "not a well-formed JWT"),
        ("e30.e30.e30.e30", "not a well-formed JWT"),
    ],
    ids=["empty", "one-part", "garbage-parts", "four-parts"],
)
def test_malformed_id_token_is_refused(platform, id_token, fragment):
    form = platform.deep_link_form(platform.login())

    assert_refused(platform.post(form, id_token=id_token), fragment)


@pytest.mark.parametrize(
    ("header", "claims"),
    [
        ([], {"iss": PLATFORM_ISSUER}),
        ("RS256", {"iss": PLATFORM_ISSUER}),
        (None, {"iss": PLATFORM_ISSUER}),
        ({"alg": "RS256", "kid": "k"}, []),
        ({"alg": "RS256", "kid": "k"}, None),
        ({"alg": "RS256", "kid": "k"}, "a string"),
    ],
    ids=[
        "header-list",
        "header-string",
        "header-null",
        "body-list",
        "body-null",
        "body-str",
    ],
)
def test_id_token_whose_parts_are_not_json_objects_is_refused(platform, header, claims):
    form = platform.deep_link_form(platform.login())
    token = unsigned_token(claims, header) + "c2ln"

    response = platform.post(form, id_token=token)

    assert 400 <= response.status_code < 500, response.get_data(as_text=True)[:300]
    assert_refused(response, "", status=response.status_code)


# -- times ----------------------------------------------------------------------------


def test_expired_token_is_refused(platform):
    form = platform.deep_link_form(platform.login())
    token = platform.resign(form, changes={"iat": now() - 600, "exp": now() - 120})

    assert_refused(platform.post(form, id_token=token), "has expired")


def test_token_expired_within_the_leeway_is_accepted(platform):
    form = platform.deep_link_form(platform.login())
    token = platform.resign(form, changes={"iat": now() - 300, "exp": now() - 30})

    assert_chooser(platform.post(form, id_token=token))


def test_iat_in_the_future_beyond_the_leeway_is_refused(platform):
    form = platform.deep_link_form(platform.login())
    token = platform.resign(form, changes={"iat": now() + 300, "exp": now() + 900})

    assert_refused(platform.post(form, id_token=token), "dated in the future")


def test_iat_in_the_future_within_the_60_second_leeway_is_accepted(platform):
    form = platform.deep_link_form(platform.login())
    token = platform.resign(form, changes={"iat": now() + 40, "exp": now() + 600})

    assert_chooser(platform.post(form, id_token=token))


@pytest.mark.parametrize("claim", ["exp", "iat"])
def test_token_without_exp_or_iat_is_refused(platform, claim):
    form = platform.deep_link_form(platform.login())
    token = platform.resign(form, remove=(claim,))

    assert_refused(platform.post(form, id_token=token), "not valid")


# -- deployment and claims ------------------------------------------------------------


def test_unregistered_deployment_is_held_for_approval(platform):
    """By default a new deployment is recorded and held (tests/tool/test_deployments.py)."""
    login = platform.login(lti_deployment_id="someone-elses-deployment")
    form = platform.deep_link_form(login)
    token = platform.resign(form, changes={DEPLOYMENT_ID: "someone-elses-deployment"})

    assert_refused(
        platform.post(form, id_token=token), "waiting for approval", status=403
    )


def test_second_registered_deployment_is_accepted(platform):
    form = platform.deep_link_form(platform.login(lti_deployment_id="ontrack-test-2"))
    token = platform.resign(form, changes={DEPLOYMENT_ID: "ontrack-test-2"})

    assert_chooser(platform.post(form, id_token=token))


@pytest.mark.parametrize(
    ("claim", "fragment"),
    [
        (VERSION, "not an LTI 1.3.0 message"),
        (ROLES, "no roles claim"),
        (DEPLOYMENT_ID, "does not name a deployment"),
        ("sub", "does not identify the user"),
        (MESSAGE_TYPE, "message type is not one this tool handles"),
        ("nonce", "has no nonce"),
        ("iss", "names no issuer (iss)"),
        ("aud", "names no audience"),
    ],
    ids=[
        "version",
        "roles",
        "deployment_id",
        "sub",
        "message_type",
        "nonce",
        "iss",
        "aud",
    ],
)
def test_deep_link_launch_missing_a_claim_is_refused(platform, claim, fragment):
    form = platform.deep_link_form(platform.login())
    token = platform.resign(form, remove=(claim,))

    assert_refused(platform.post(form, id_token=token), fragment)


def test_resource_launch_without_resource_link_id_is_refused(platform):
    form = platform.resource_link_form(
        platform.login(hint="resource"),
        custom=platform.placed(PLAYER_SESSION_ID),
    )
    token = platform.resign(form, changes={RESOURCE_LINK: {"title": "no id"}})

    assert_refused(platform.post(form, id_token=token), "no resource link id")


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({VERSION: "1.1"}, "not an LTI 1.3.0 message"),
        (
            {MESSAGE_TYPE: "LtiSubmissionReviewRequest"},
            "(LtiSubmissionReviewRequest) is not one",
        ),
        (
            {MESSAGE_TYPE: "SomethingElse"},
            "message type (SomethingElse) is not one this tool",
        ),
        ({"aud": 42}, "names no audience"),
        ({"aud": []}, "names no audience"),
        ({"aud": [CLIENT_ID, 7], "azp": CLIENT_ID}, "audience (aud) is malformed"),
        ({"nonce": 12345}, "has no nonce"),
        ({"iss": ["https://ontrack.test"]}, "issuer (iss) is not a text value"),
        ({"iss": 17}, "issuer (iss) is not a text value"),
        ({DEPLOYMENT_ID: ["ontrack-test-1"]}, "deployment id is not a text value"),
        (
            {DEPLOYMENT_ID: {"id": "ontrack-test-1"}},
            "deployment id is not a text value",
        ),
        ({MESSAGE_TYPE: ["LtiDeepLinkingRequest"]}, "message type is not a text value"),
        ({"azp": ["panopto-tool-test"]}, "authorised party (azp) is not a text value"),
    ],
    ids=[
        "version-1.1",
        "submission-review",
        "unknown-message-type",
        "aud-number",
        "aud-empty-list",
        "aud-list-with-number",
        "nonce-number",
        "iss-list",
        "iss-number",
        "deployment-list",
        "deployment-object",
        "message-type-list",
        "azp-list",
    ],
)
def test_claims_of_the_wrong_shape_are_refused_with_a_4xx(platform, changes, fragment):
    form = platform.deep_link_form(platform.login())
    token = platform.resign(form, changes=changes)

    response = platform.post(form, id_token=token)

    assert 400 <= response.status_code < 500, response.get_data(as_text=True)[:400]
    assert_refused(response, fragment, status=response.status_code)


# -- nonce and state ------------------------------------------------------------------


def test_replayed_id_token_is_refused(platform):
    form = platform.deep_link_form(platform.login())
    assert_chooser(platform.post(form))

    assert_refused(platform.post(form), "already used")


def test_forged_token_does_not_burn_the_real_nonce(platform, stranger_keys):
    """The signature is checked before the nonce is consumed."""
    form = platform.deep_link_form(platform.login())
    forged = platform.resign(form, key=stranger_keys.private_key)
    assert_refused(platform.post(form, id_token=forged), SIGNATURE)

    assert_chooser(platform.post(form))


def test_nonce_from_another_login_is_refused(platform):
    form = platform.deep_link_form(platform.login())
    token = platform.resign(form, changes={"nonce": "a-nonce-the-tool-never-issued"})

    assert_refused(
        platform.post(form, id_token=token), "already used, or its login has expired"
    )


def test_launch_without_the_state_cookie_is_refused(app, platform, tool_url):
    form = platform.deep_link_form(platform.login())
    other_browser = PlatformDriver(app.test_client(), tool_url, platform.keys)

    assert_refused(other_browser.post(form), NOT_THIS_BROWSER)


@pytest.mark.parametrize(
    "state", ["", "state-not-the-one-we-set"], ids=["empty", "wrong"]
)
def test_launch_with_a_wrong_state_is_refused(platform, state):
    form = platform.deep_link_form(platform.login())

    assert_refused(platform.post(form, state=state), NOT_THIS_BROWSER)


# -- aud / azp --------------------------------------------------------------------------


def test_aud_array_with_azp_naming_us_is_accepted(platform):
    form = platform.deep_link_form(platform.login())
    token = platform.resign(
        form,
        changes={"aud": ["https://other-audience.test", CLIENT_ID], "azp": CLIENT_ID},
    )

    assert_chooser(platform.post(form, id_token=token))


def test_aud_array_with_one_entry_and_no_azp_is_accepted(platform):
    form = platform.deep_link_form(platform.login())
    token = platform.resign(form, changes={"aud": [CLIENT_ID]}, remove=("azp",))

    assert_chooser(platform.post(form, id_token=token))


def test_aud_array_without_azp_is_refused(platform):
    form = platform.deep_link_form(platform.login())
    token = platform.resign(
        form,
        changes={"aud": [CLIENT_ID, "https://other-audience.test"]},
        remove=("azp",),
    )

    assert_refused(platform.post(form, id_token=token), "no authorised party (azp)")


def test_azp_that_is_not_an_audience_is_refused(platform):
    form = platform.deep_link_form(platform.login())
    token = platform.resign(form, changes={"aud": CLIENT_ID, "azp": "another-tool"})

    assert_refused(platform.post(form, id_token=token), "(azp) is not an audience")


# -- target_link_uri ------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.test/lti/launch",
        "{tool}/lti/launch?next=https://evil.test",
        "{tool}/lti/launch/",
        "{tool}/chooser/api/insert",
        None,
    ],
    ids=["other-host", "with-query", "trailing-slash", "other-path", "missing"],
)
def test_target_link_uri_claim_not_ours_is_refused(platform, tool_url, target):
    form = platform.deep_link_form(platform.login())
    if target is None:
        token = platform.resign(form, remove=(TARGET_LINK_URI,))
    else:
        token = platform.resign(
            form, changes={TARGET_LINK_URI: target.format(tool=tool_url)}
        )

    assert_refused(platform.post(form, id_token=token), "not this tool's")


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.test/lti/launch",
        "{tool}/lti/launch?x=1",
        "{tool}/panopto/connect",
        "",
    ],
    ids=["other-host", "with-query", "other-path", "empty"],
)
def test_login_with_a_target_link_uri_not_ours_is_refused(
    client, platform, tool_url, target
):
    params = dict(parse_qsl(urlsplit(platform.login_url()).query))
    params["target_link_uri"] = target.format(tool=tool_url)

    response = client.get("/lti/login", query_string=params)

    expected = "missing its target_link_uri" if not target else "not this tool's"
    assert_refused(response, expected)
    assert "Location" not in response.headers


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"iss": "https://stranger.test"}, NOT_REGISTERED),
        ({"client_id": "another-tool"}, NOT_REGISTERED),
        ({"iss": ""}, "missing its iss parameter"),
        ({"login_hint": ""}, "missing its login_hint parameter"),
    ],
    ids=["unknown-issuer", "unknown-client", "no-issuer", "no-login-hint"],
)
def test_bad_login_is_refused(client, platform, changes, fragment):
    params = dict(parse_qsl(urlsplit(platform.login_url()).query))
    params.update(changes)

    assert_refused(client.get("/lti/login", query_string=params), fragment)


def test_login_by_post_is_accepted(client, platform):
    params = dict(parse_qsl(urlsplit(platform.login_url()).query))

    response = client.post("/lti/login", data=params)

    assert response.status_code == 302
    auth = dict(parse_qsl(urlsplit(response.headers["Location"]).query))
    assert auth["redirect_uri"] == platform.launch_url
    assert auth["client_id"] == CLIENT_ID
    assert auth["login_hint"] == params["login_hint"]
    assert auth["lti_message_hint"] == params["lti_message_hint"]
    assert auth["response_mode"] == "form_post"
    assert auth["nonce"] and auth["state"]


def test_launch_by_get_is_refused_in_plain_words(client):
    response = client.get("/lti/launch")

    assert_refused(response, "must come from your learning platform", status=405)


# -- resource launches ----------------------------------------------------------------


def test_resource_launch_without_a_session_id_is_refused(platform):
    _, response = platform.resource_launch(custom={"something_else": "x"})

    assert_refused(response, "does not say which Panopto video")


def test_resource_launch_without_custom_claim_is_refused(platform):
    _, response = platform.resource_launch()

    assert_refused(response, "does not say which Panopto video")


@pytest.mark.parametrize(
    "session_id",
    [
        "not-a-guid",
        "javascript:alert(1)",
        PLAYER_SESSION_ID + "&autoplay=true",
        PLAYER_SESSION_ID[:-1],
        "../../Pages/Home.aspx",
        "{" + PLAYER_SESSION_ID + "}",
        PLAYER_SESSION_ID + "\n",
    ],
)
def test_resource_launch_with_a_malformed_session_id_is_refused(platform, session_id):
    _, response = platform.resource_launch(custom={"panopto_session_id": session_id})

    assert_refused(response, "id that is not valid")


@pytest.mark.parametrize("custom", [["x"], "panopto_session_id=abc", 7])
def test_resource_launch_with_custom_of_the_wrong_shape_is_refused(platform, custom):
    form = platform.resource_link_form(
        platform.login(hint="resource"),
        custom=platform.placed(PLAYER_SESSION_ID),
    )
    token = platform.resign(form, changes={CUSTOM: custom})

    assert_refused(
        platform.post(form, id_token=token), "custom parameters claim is not an object"
    )


@pytest.mark.parametrize(
    "session_id", [12345, ["5e550000-0000-4000-8000-000000000001"]]
)
def test_resource_launch_with_a_non_string_session_id_is_refused(platform, session_id):
    form = platform.resource_link_form(
        platform.login(hint="resource"),
        custom=platform.placed(PLAYER_SESSION_ID),
    )
    token = platform.resign(form, changes={CUSTOM: {"panopto_session_id": session_id}})

    assert_refused(platform.post(form, id_token=token), "not valid")


# -- platform keys by URL: caching and rotation ---------------------------------------


class JwksServer:
    """A platform's JWKS endpoint on loopback whose keys the test can rotate."""

    def __init__(self, jwks: dict) -> None:
        self.jwks = jwks
        self.hits = 0

    def __call__(self, environ, start_response):
        self.hits += 1
        body = json.dumps(self.jwks).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]


@pytest.fixture(scope="session")
def rotated_keys():
    return new_key_pair()


@pytest.fixture
def jwks_server(platform_keys):
    server = JwksServer(platform_keys.jwks())
    with serve(server) as url:
        server.url = url + "/.well-known/jwks.json"
        yield server


@pytest.fixture
def url_keyed_app(app_config, tmp_path, platform_keys, jwks_server):
    config_path = write_lti_config(
        tmp_path, registrations_json(platform_keys, key_set_url=jwks_server.url)
    )
    return create_app({**app_config, "LTI_CONFIG": config_path})


def test_platform_keys_are_fetched_once_and_cached(
    url_keyed_app, tool_url, platform_keys, jwks_server
):
    platform = PlatformDriver(url_keyed_app.test_client(), tool_url, platform_keys)

    assert_chooser(platform.deep_link_launch()[1])
    assert_chooser(platform.deep_link_launch()[1])

    assert jwks_server.hits == 1


def test_rotated_platform_key_is_accepted_after_one_refetch(
    url_keyed_app, tool_url, platform_keys, rotated_keys, jwks_server
):
    client = url_keyed_app.test_client()
    assert_chooser(
        PlatformDriver(client, tool_url, platform_keys).deep_link_launch()[1]
    )
    assert jwks_server.hits == 1

    jwks_server.jwks = rotated_keys.jwks()
    rotated = PlatformDriver(client, tool_url, rotated_keys)

    assert_chooser(rotated.deep_link_launch()[1])
    assert jwks_server.hits == 2
    # The new key set is cached in turn.
    assert_chooser(rotated.deep_link_launch()[1])
    assert jwks_server.hits == 2


def test_unknown_kid_refetches_at_most_once_per_interval(
    url_keyed_app, tool_url, platform_keys, stranger_keys, rotated_keys, jwks_server
):
    client = url_keyed_app.test_client()
    assert_chooser(
        PlatformDriver(client, tool_url, platform_keys).deep_link_launch()[1]
    )
    jwks_server.jwks = rotated_keys.jwks()
    assert_chooser(PlatformDriver(client, tool_url, rotated_keys).deep_link_launch()[1])
    assert jwks_server.hits == 2

    stranger = PlatformDriver(client, tool_url, stranger_keys)
    for _ in range(3):
        _, response = stranger.deep_link_launch()
        assert_refused(response, "a key the platform does not publish")

    assert jwks_server.hits == 2


def test_unknown_kid_with_a_fresh_cache_refetches_once_then_refuses(
    url_keyed_app, tool_url, platform_keys, stranger_keys, jwks_server
):
    client = url_keyed_app.test_client()
    assert_chooser(
        PlatformDriver(client, tool_url, platform_keys).deep_link_launch()[1]
    )

    _, response = PlatformDriver(client, tool_url, stranger_keys).deep_link_launch()

    assert_refused(response, "a key the platform does not publish")
    assert jwks_server.hits == 2


def test_unreachable_platform_jwks_is_a_4xx(
    app_config, tmp_path, tool_url, platform_keys
):
    from tests.servers import free_port

    dead_url = f"http://127.0.0.1:{free_port()}/jwks"
    config_path = write_lti_config(
        tmp_path, registrations_json(platform_keys, key_set_url=dead_url)
    )
    app = create_app({**app_config, "LTI_CONFIG": config_path})
    platform = PlatformDriver(app.test_client(), tool_url, platform_keys)

    _, response = platform.deep_link_launch()

    assert_refused(response, "could not be fetched")


def test_platform_jwks_that_is_not_a_key_set_is_a_4xx(
    url_keyed_app, tool_url, platform_keys, jwks_server
):
    jwks_server.jwks = {"hello": "world"}
    platform = PlatformDriver(url_keyed_app.test_client(), tool_url, platform_keys)

    _, response = platform.deep_link_launch()

    assert_refused(response, "not a valid JWKS document")


def test_deep_link_request_of_the_wrong_platform_issuer_spelling_is_refused(platform):
    form = platform.deep_link_form(platform.login())
    token = platform.resign(form, changes={"iss": PLATFORM_ISSUER + "/"})

    assert_refused(platform.post(form, id_token=token), NOT_REGISTERED)


def _settings_changed(form, **changes):
    settings = {**form.claims[DL_SETTINGS], **changes}
    return {name: value for name, value in settings.items() if value is not None}


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"deep_link_return_url": None}, "does not say where to return to"),
        ({"deep_link_return_url": ""}, "does not say where to return to"),
        (
            {"deep_link_return_url": "javascript:alert(1)"},
            "not an http or https address",
        ),
        ({"deep_link_return_url": "/relative/return"}, "not an http or https address"),
        ({"deep_link_return_url": 5}, "not an http or https address"),
        (
            {"deep_link_return_url": "https://ontrack.test/" + "x" * 3000},
            "not an http or https address",
        ),
        ({"accept_types": "ltiResourceLink"}, "accept_types is not a list"),
        (
            {"accept_presentation_document_targets": None},
            "accept_presentation_document_targets is not a list",
        ),
    ],
    ids=[
        "no-return-url",
        "empty-return-url",
        "javascript-return-url",
        "relative-return-url",
        "number-return-url",
        "huge-return-url",
        "accept-types-string",
        "no-targets",
    ],
)
def test_deep_linking_settings_we_cannot_answer_are_refused_at_launch(
    platform, changes, fragment
):
    form = platform.deep_link_form(platform.login())
    settings = _settings_changed(form, **changes)
    token = platform.resign(form, changes={DL_SETTINGS: settings})

    assert_refused(platform.post(form, id_token=token), fragment)


@pytest.mark.parametrize("settings", ["a string", ["a", "list"], 7], ids=str)
def test_deep_linking_settings_that_are_not_an_object_are_refused(platform, settings):
    form = platform.deep_link_form(platform.login())
    token = platform.resign(form, changes={DL_SETTINGS: settings})

    assert_refused(
        platform.post(form, id_token=token), "no valid deep_linking_settings"
    )


@pytest.mark.parametrize(
    "name", ["login_hint", "lti_message_hint", "iss", "target_link_uri", "client_id"]
)
def test_login_parameters_longer_than_any_real_one_are_refused(client, platform, name):
    params = dict(parse_qsl(urlsplit(platform.login_url()).query))
    params[name] = "x" * 5000

    response = client.post("/lti/login", data=params)

    assert_refused(response, f"{name} parameter is too long")
    assert "Location" not in response.headers


def test_login_without_any_parameter_names_the_first_missing_one(client):
    assert_refused(client.get("/lti/login"), "missing its iss parameter")


def test_an_id_token_far_larger_than_a_real_one_is_refused(platform):
    form = platform.deep_link_form(platform.login())
    token = platform.resign(form, changes={"padding": "x" * 70_000})

    assert_refused(platform.post(form, id_token=token), "far larger than any real one")


@pytest.mark.parametrize(
    ("claim", "value", "fragment"),
    [
        (ROLES, "Instructor", "roles claim is not a list of role names"),
        (ROLES, {"role": "Instructor"}, "roles claim is not a list of role names"),
        (ROLES, [1, 2], "roles claim is not a list of role names"),
        (TARGET_LINK_URI, ["x"], "target link URI is not a text value"),
        (
            DL_SETTINGS.replace(
                "lti-dl/claim/deep_linking_settings", "lti/claim/context"
            ),
            "SIT999",
            "context claim is not an object",
        ),
    ],
    ids=[
        "roles-string",
        "roles-object",
        "roles-numbers",
        "target-list",
        "context-string",
    ],
)
def test_claims_of_the_wrong_type_get_a_message_naming_them(
    platform, claim, value, fragment
):
    form = platform.deep_link_form(platform.login())
    token = platform.resign(form, changes={claim: value})

    assert_refused(platform.post(form, id_token=token), fragment)


def test_a_deep_linking_request_accepting_no_resource_links_is_refused(platform):
    """The tool only returns ltiResourceLink items, so it says so at once."""
    form = platform.deep_link_form(platform.login())
    settings_claim = (
        "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
    )
    settings = {**form.claims[settings_claim], "accept_types": ["link", "html"]}
    token = platform.resign(form, changes={settings_claim: settings})

    assert_refused(platform.post(form, id_token=token), "does not accept LTI resource")


def test_a_launch_of_another_deployment_than_its_login_named_is_refused(platform, app):
    """LTI Core 1.3 §4.1: lti_deployment_id at login must match the id_token's claim."""
    auth = platform.login(lti_deployment_id=DEPLOYMENT)
    form = platform.deep_link_form(auth)
    token = platform.resign(form, changes={DEPLOYMENT_ID: "another-deployment"})

    assert_refused(
        platform.post(form, id_token=token), "another deployment than its login"
    )
    with app.app_context():
        assert (
            deployment_status(PLATFORM_ISSUER, CLIENT_ID, "another-deployment") is None
        )


def test_a_login_that_names_no_deployment_leaves_the_claim_to_decide(platform):
    auth = platform.login(lti_deployment_id="")
    form = platform.deep_link_form(auth)

    assert platform.post(form).status_code == 200


def _register_key(app, jwk: dict) -> None:
    from app.extensions import db
    from app.models import PlatformRegistration

    with app.app_context():
        row = db.session.execute(
            select(PlatformRegistration).where(
                PlatformRegistration.issuer == PLATFORM_ISSUER
            )
        ).scalar_one()
        row.key_set = {"keys": [jwk]}
        db.session.commit()


@pytest.mark.parametrize(
    "make_jwk",
    [
        lambda kid: {
            **json.loads(
                ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP256R1()).public_key())
            ),
            "kid": kid,
            "alg": "RS256",
        },
        lambda kid: {"kty": "RSA", "kid": kid, "alg": "RS256", "n": "AQAB"},
        lambda kid: {
            **json.loads(
                RSAAlgorithm.to_jwk(
                    rsa.generate_private_key(65537, key_size=1024).public_key()
                )
            ),
            "kid": kid,
            "alg": "RS256",
        },
    ],
    ids=[
        "an EC key marked RS256",
        "an RSA key without its exponent",
        "an RSA key of 1024 bits",
    ],
)
def test_a_platform_key_the_tool_cannot_use_is_a_clear_refusal(platform, app, make_jwk):
    _register_key(app, make_jwk(platform.keys.kid))
    form = platform.deep_link_form(platform.login())

    assert_refused(platform.post(form), "in a form the tool cannot use")
