"""An attacker's view of the tool: forged, altered, oversized and fuzzed input.

Every case must end in a clear 4xx page (or JSON error), never a 5xx, never a player the
attacker should not see, and never a trace. Hypothesis generates the claim values; each
example is a real launch from the test platform, changed and signed again with the
platform's key, so only the fuzzed part is wrong.
"""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from tests.tool.lti_harness import (
    CLIENT_ID,
    CUSTOM,
    DEPLOYMENT_ID,
    MESSAGE_TYPE,
    PLATFORM_ISSUER,
    TARGET_LINK_URI,
    VERSION,
    unsigned_token,
)
from tests.tool.pages import chooser_token, parse

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

#: Any JSON value, nested a little.
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=10,
)

#: Claims whose every other value must be refused.
MUST_MATCH = {
    "iss": PLATFORM_ISSUER,
    "aud": CLIENT_ID,
    "nonce": None,  # any other value than the login's
    MESSAGE_TYPE: None,
    VERSION: "1.3.0",
    TARGET_LINK_URI: None,
    DEPLOYMENT_ID: None,
}


def assert_clear_refusal(response) -> None:
    body = response.get_data(as_text=True)
    assert 400 <= response.status_code < 500, (response.status_code, body[:300])
    assert "Traceback" not in body
    assert "Embed.aspx" not in body  # never a player
    if response.mimetype == "text/html":
        assert parse(body).one("h1")  # a page that says something


def assert_no_crash(response) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code < 500, body[:300]
    assert "Traceback" not in body


# -- fuzzed claims ----------------------------------------------------------------


@FUZZ
@given(claim=st.sampled_from(sorted(MUST_MATCH)), value=json_values)
@example(claim="aud", value=[CLIENT_ID, "other"])  # several audiences, no azp
@example(claim="iss", value=PLATFORM_ISSUER + "/")
def test_a_fuzzed_identity_claim_is_always_refused(platform, claim, value):
    form = platform.deep_link_form(platform.login())
    assume(value != form.claims.get(claim))
    remove = ("azp",) if claim == "aud" else ()

    token = platform.resign(form, changes={claim: value}, remove=remove)

    assert_clear_refusal(platform.post(form, id_token=token))


OTHER_CLAIMS = [
    "exp",
    "iat",
    "nbf",
    "sub",
    "azp",
    "https://purl.imsglobal.org/spec/lti/claim/roles",
    "https://purl.imsglobal.org/spec/lti/claim/context",
    "https://purl.imsglobal.org/spec/lti/claim/resource_link",
    "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings",
    CUSTOM,
    "name",
]


@FUZZ
@given(claim=st.sampled_from(OTHER_CLAIMS), value=json_values)
def test_any_other_fuzzed_claim_never_crashes_a_deep_link_launch(
    platform, claim, value
):
    form = platform.deep_link_form(platform.login())

    response = platform.post(
        form, id_token=platform.resign(form, changes={claim: value})
    )

    assert_no_crash(response)
    assert "Embed.aspx" not in response.get_data(as_text=True)


@FUZZ
@given(claim=st.sampled_from(OTHER_CLAIMS), value=json_values)
def test_any_fuzzed_claim_never_crashes_a_resource_launch(platform, claim, value):
    form = platform.resource_link_form(
        platform.login(hint="view"), custom=platform.placed()
    )

    response = platform.post(
        form, id_token=platform.resign(form, changes={claim: value})
    )

    assert_no_crash(response)
    if response.status_code == 200:
        # A player is shown only while the video's own custom parameters are intact.
        claims = dict(form.claims, **{claim: value})
        assert claims[CUSTOM] == form.claims[CUSTOM]


@FUZZ
@given(
    name=st.sampled_from(["panopto_session_id", "panopto_placement_id"]),
    value=json_values,
)
def test_tampered_custom_parameters_never_show_a_video(platform, name, value):
    custom = platform.placed()
    assume(value != custom[name])
    custom[name] = value

    _, response = platform.resource_launch(custom=custom)

    assert_clear_refusal(response)


@FUZZ
@given(session=st.uuids().map(str))
def test_a_placement_for_one_video_opens_no_other(platform, session):
    custom = platform.placed()
    assume(session != custom["panopto_session_id"])
    custom["panopto_session_id"] = session

    _, response = platform.resource_launch(custom=custom)

    assert response.status_code == 403
    assert_clear_refusal(response)


# -- forged tokens and headers ------------------------------------------------------


@FUZZ
@given(
    token=st.text(max_size=300)
    | st.from_regex(r"[A-Za-z0-9_\-]{0,80}(\.[A-Za-z0-9_\-]{0,80}){2}")
)
def test_any_string_as_an_id_token_is_refused(platform, token):
    form = platform.deep_link_form(platform.login())

    assert_clear_refusal(platform.post(form, id_token=token))


@FUZZ
@given(
    header=st.dictionaries(
        st.sampled_from(["alg", "kid", "typ", "jku", "x5u", "crit"]), json_values
    )
)
def test_fuzzed_jwt_headers_are_refused_unless_rs256_with_our_kid(platform, header):
    form = platform.deep_link_form(platform.login())
    token = unsigned_token(form.claims, header) + "c2lnbmF0dXJl"

    assert_clear_refusal(platform.post(form, id_token=token))


def test_a_key_set_url_in_the_header_is_never_followed(platform, stranger_keys):
    """``jku`` naming an attacker's key set: the registered key set alone decides."""
    form = platform.deep_link_form(platform.login())
    token = platform.resign(
        form,
        key=stranger_keys.private_key,
        header={"kid": stranger_keys.kid, "jku": "https://evil.test/jwks.json"},
    )

    assert_clear_refusal(platform.post(form, id_token=token))


def test_an_oversized_launch_is_refused_before_it_is_read(platform):
    form = platform.deep_link_form(platform.login())
    huge = "x" * (300 * 1024)

    response = platform.post(form, id_token=huge)

    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_a_large_but_valid_token_is_refused_when_its_claims_are_forged(platform):
    form = platform.deep_link_form(platform.login())
    token = platform.resign(
        form, changes={"iss": "https://evil.test", "pad": "x" * 100_000}
    )

    assert_clear_refusal(platform.post(form, id_token=token))


def test_a_token_replayed_from_another_browser_is_refused(app, platform, tool_url):
    from tests.tool.lti_harness import PlatformDriver

    form, first = platform.deep_link_launch()
    assert first.status_code == 200

    attacker = PlatformDriver(app.test_client(), tool_url, platform.keys)
    assert_clear_refusal(attacker.post(form))


# -- cross-site request forgery on the chooser --------------------------------------


@pytest.fixture
def token(platform) -> str:
    _, response = platform.deep_link_launch()
    return chooser_token(response.get_data(as_text=True))


WRITES = [
    ("/chooser/api/insert", {"session_ids": ["5e550000-0000-4000-8000-000000000001"]}),
    (
        "/chooser/api/access/check",
        {"session_ids": ["5e550000-0000-4000-8000-000000000001"]},
    ),
    ("/chooser/api/access/share/5e550000-0000-4000-8000-000000000001", {}),
]


@pytest.mark.parametrize(("path", "body"), WRITES)
def test_a_cross_site_form_cannot_carry_the_token(client, token, path, body):
    # A form can post fields and a query string, but never a custom header.
    as_form = client.post(path, data={"X-Chooser-Token": token, "t": token})
    in_query = client.post(path, query_string={"t": token}, json=body)

    for response in (as_form, in_query):
        assert response.status_code == 401
        assert response.json["error"]["code"] == "launch_expired"


@pytest.mark.parametrize(("path", "body"), WRITES)
@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "https://evil.test"},
    ],
    ids=["cross-site", "same-site-subdomain", "foreign-origin"],
)
def test_writes_a_browser_marks_as_foreign_are_refused(
    client, token, path, body, headers
):
    response = client.post(
        path, json=body, headers={"X-Chooser-Token": token, **headers}
    )

    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"


def test_a_token_acts_on_its_own_launch_only(platform):
    """The token names the launch: nothing in the request can point it at another."""
    _, first = platform.deep_link_launch()
    _, second = platform.deep_link_launch(data="second-launch")
    token = chooser_token(first.get_data(as_text=True))
    other = chooser_token(second.get_data(as_text=True))

    assert token != other
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    response = platform.client.post(
        "/chooser/api/insert",
        json={"session_ids": ["5e550000-0000-4000-8000-000000000001"]},
        headers={"X-Chooser-Token": tampered},
    )
    assert response.status_code == 401


# -- hostile strings from Panopto and platforms ------------------------------------

XSS = '"><img src=x onerror=alert(1)><script>alert(2)</script>'


def test_a_hostile_platform_name_from_registration_is_shown_as_text(app):
    from app.admin import AdminIdentity
    from app.extensions import db
    from app.models import PlatformRegistration

    with app.app_context():
        db.session.add(
            PlatformRegistration(
                issuer="https://hostile.test",
                client_id="c",
                auth_login_url="https://hostile.test/auth",
                key_set_url="https://hostile.test/jwks",
                label=XSS,
            )
        )
        db.session.commit()
    from app.views import admin as admin_views

    with app.test_request_context("/admin/"):
        page = admin_views._page(AdminIdentity(kind="site", name=XSS)).get_data(
            as_text=True
        )

    assert "<script>alert(2)</script>" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;" in page


def test_error_messages_never_echo_markup(platform):
    form = platform.deep_link_form(platform.login())
    # The alg is named in the error message ("must be signed with RS256, not ...").
    token = unsigned_token(form.claims, {"alg": XSS, "kid": platform.keys.kid}) + "c2ln"

    response = platform.post(form, id_token=token)

    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "<script>" not in body and "<img" not in body
    assert "must be signed with RS256" in body


def test_the_chooser_api_returns_panopto_markup_as_json_text(signed_in_chooser):
    chooser, week1 = signed_in_chooser

    listed = chooser.api("GET", f"/folders/{week1}/sessions")

    assert listed.mimetype == "application/json"
    names = [session["name"] for session in listed.json["sessions"]]
    assert "<script>alert(1)</script> Lecture" in names  # data, not markup


@pytest.fixture
def signed_in_chooser(sim_platform, panopto_sim, tool_url):
    from devkit.panopto_sim import seed
    from tests.tool.test_e2e_lti1p3platform import open_chooser, sign_in_to_panopto

    chooser = open_chooser(sim_platform)
    sign_in_to_panopto(chooser, panopto_sim[0], tool_url)
    return chooser, seed.FOLDER_SIT999_WEEK1


def test_the_deep_linking_item_keeps_the_title_as_plain_data(signed_in_chooser):
    from devkit.panopto_sim import seed

    chooser, _ = signed_in_chooser
    inserted = chooser.api(
        "POST", "/insert", json={"session_ids": [seed.SESSION_SCRIPT]}
    )

    payload = inserted.json["jwt"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    (item,) = claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert item["title"] == seed.SCRIPT_NAME
    assert item["text"] == "<b>Markup</b> in a description must stay text."


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_panopto_sign_in_cannot_be_started_from_another_site(
    client, token, site, method
):
    """Else a planted link or form could sign the victim's Panopto account in to our
    chooser."""
    response = client.open(
        "/panopto/connect",
        method=method,
        data={"token": token} if method == "POST" else None,
        headers={"Sec-Fetch-Site": site},
    )

    assert response.status_code == 403
    assert "from the video chooser" in response.get_data(as_text=True)


def test_panopto_sign_in_opens_from_the_choosers_own_page(client, token):
    page = client.get("/panopto/connect", headers={"Sec-Fetch-Site": "same-origin"})
    started = client.post(
        "/panopto/connect",
        data={"token": token},
        headers={"Sec-Fetch-Site": "same-origin"},
    )

    assert page.status_code == 200
    assert started.status_code == 303
