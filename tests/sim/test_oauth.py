"""The simulator's OAuth2 server: code flow, refresh rotation, password grants."""

from __future__ import annotations

import base64
import logging

import pytest
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from devkit.panopto_sim import seed
from devkit.panopto_sim.oauth import provider_password
from devkit.panopto_sim.simulator import Simulator

from .helpers import (
    API,
    APPLICATION_KEY,
    AUTHORIZE_URL,
    BASE_URL,
    CLIENT_ID,
    CLIENT_SECRET,
    REDIRECT_URI,
    TOKEN_URL,
    authorize_params,
    csrf_token,
    password_grant,
    redirect_params,
    sign_in,
)

TOKEN_FIELDS = {"access_token", "token_type", "expires_in", "refresh_token", "scope"}


def basic_auth(client_id: str = CLIENT_ID, secret: str = CLIENT_SECRET) -> dict:
    pair = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}


def exchange_code(
    client: FlaskClient,
    code: str,
    redirect_uri: str = REDIRECT_URI,
    basic: bool = False,
) -> TestResponse:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
    }
    if basic:
        return client.post(TOKEN_URL, data=data, headers=basic_auth())
    data |= {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    return client.post(TOKEN_URL, data=data)


def refresh(client: FlaskClient, refresh_token: str) -> TestResponse:
    return client.post(
        TOKEN_URL,
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
    )


def code_for(
    client: FlaskClient, username: str = "ina.instructor", **params: str
) -> str:
    password = {"ina.instructor": "ina-demo-pass", "stu.student": "stu-demo-pass"}
    return redirect_params(sign_in(client, username, password[username], **params))[
        "code"
    ]


def me_status(client: FlaskClient, access_token: str) -> int:
    response = client.get(
        f"{API}/folders/creator", headers={"Authorization": f"Bearer {access_token}"}
    )
    return response.status_code


# -- sign-in page --------------------------------------------------------------------


def test_sign_in_page_lists_users_with_their_demo_passwords(
    client: FlaskClient,
) -> None:
    page = client.get(AUTHORIZE_URL, query_string=authorize_params())

    text = page.get_data(as_text=True)
    assert page.status_code == 200
    for name, password in [
        ("Ina Instructor", "ina-demo-pass"),
        ("Tom Tutor", "tom-demo-pass"),
    ]:
        assert name in text and password in text
    assert "Stu Student" in text and "SSO only" in text


def test_sign_in_page_refuses_framing_but_keeps_the_opener(client: FlaskClient) -> None:
    page = client.get(AUTHORIZE_URL, query_string=authorize_params())

    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert "Cross-Origin-Opener-Policy" not in page.headers


def test_sign_in_redirects_back_with_code_and_state(client: FlaskClient) -> None:
    response = sign_in(client, "ina.instructor", "ina-demo-pass")

    params = redirect_params(response)
    assert params["state"] == "state-123"
    assert len(params["code"]) >= 20


def test_session_cookie_has_the_simulators_own_name(client: FlaskClient) -> None:
    sign_in(client, "ina.instructor", "ina-demo-pass")

    assert client.get_cookie("panopto_sim_session") is not None


def test_signed_in_user_goes_straight_back_to_the_client(client: FlaskClient) -> None:
    sign_in(client, "ina.instructor", "ina-demo-pass")

    again = client.get(AUTHORIZE_URL, query_string=authorize_params(state="second"))

    assert redirect_params(again)["state"] == "second"


def test_prompt_login_shows_the_form_even_when_signed_in(client: FlaskClient) -> None:
    sign_in(client, "ina.instructor", "ina-demo-pass")

    page = client.get(AUTHORIZE_URL, query_string=authorize_params(prompt="login"))

    assert page.status_code == 200
    assert "Sign in to Panopto" in page.get_data(as_text=True)


def test_sign_out_forgets_the_user(client: FlaskClient) -> None:
    sign_in(client, "ina.instructor", "ina-demo-pass")

    client.get("/Panopto/Pages/Auth/Logout.aspx")
    page = client.get(AUTHORIZE_URL, query_string=authorize_params())

    assert page.status_code == 200


def test_wrong_password_shows_the_form_again(client: FlaskClient) -> None:
    response = sign_in(client, "ina.instructor", "not-her-password")

    assert response.status_code == 401
    assert "Wrong username or password" in response.get_data(as_text=True)


def test_sso_only_user_cannot_sign_in_with_a_password(client: FlaskClient) -> None:
    response = sign_in(client, "sasha.sso", "")

    assert response.status_code == 401


def test_sign_in_without_csrf_token_is_refused(client: FlaskClient) -> None:
    query = authorize_params()
    client.get(AUTHORIZE_URL, query_string=query)

    response = client.post(
        AUTHORIZE_URL,
        query_string=query,
        data={"username": "ina.instructor", "password": "ina-demo-pass"},
    )

    assert response.status_code == 400
    assert "Location" not in response.headers


def test_cancel_returns_access_denied_to_the_client(client: FlaskClient) -> None:
    query = authorize_params()
    page = client.get(AUTHORIZE_URL, query_string=query)

    response = client.post(
        AUTHORIZE_URL,
        query_string=query,
        data={"csrf_token": csrf_token(page), "action": "cancel"},
    )

    params = redirect_params(response)
    assert params["error"] == "access_denied"
    assert params["state"] == "state-123"


@pytest.mark.parametrize(
    "override",
    [
        {"client_id": "someone-else"},
        {"redirect_uri": "http://127.0.0.1:9999/evil"},
        {"redirect_uri": REDIRECT_URI + "/extra"},
        {"redirect_uri": ""},
    ],
    ids=["unknown-client", "foreign-uri", "uri-prefix-only", "no-uri"],
)
def test_bad_client_or_redirect_uri_gets_a_page_not_a_redirect(
    client: FlaskClient, override: dict
) -> None:
    page = client.get(AUTHORIZE_URL, query_string=authorize_params(**override))

    assert page.status_code == 400
    assert "Location" not in page.headers
    assert "not valid" in page.get_data(as_text=True)


def test_unsupported_response_type_goes_back_to_the_registered_uri(
    client: FlaskClient,
) -> None:
    response = client.get(
        AUTHORIZE_URL, query_string=authorize_params(response_type="token")
    )

    assert redirect_params(response)["error"] == "unsupported_response_type"


def test_unknown_scope_goes_back_as_invalid_scope(client: FlaskClient) -> None:
    response = client.get(
        AUTHORIZE_URL, query_string=authorize_params(scope="api admin")
    )

    assert redirect_params(response)["error"] == "invalid_scope"


# -- code exchange -------------------------------------------------------------------


@pytest.mark.parametrize("basic", [False, True], ids=["body-auth", "basic-auth"])
def test_code_exchange_issues_bearer_tokens(client: FlaskClient, basic: bool) -> None:
    response = exchange_code(client, code_for(client), basic=basic)

    token = response.get_json()
    assert response.status_code == 200
    assert set(token) == TOKEN_FIELDS
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 3600
    assert token["scope"] == "openid api offline_access"
    assert response.headers["Cache-Control"] == "no-store"
    assert me_status(client, token["access_token"]) == 200


def test_code_is_single_use(client: FlaskClient) -> None:
    code = code_for(client)
    assert exchange_code(client, code).status_code == 200

    second = exchange_code(client, code)

    assert second.status_code == 400
    assert second.get_json()["error"] == "invalid_grant"


def test_code_exchange_needs_the_same_redirect_uri(client: FlaskClient) -> None:
    response = exchange_code(client, code_for(client), redirect_uri=REDIRECT_URI + "x")

    assert response.get_json()["error"] == "invalid_grant"


def test_code_expires_after_ten_minutes(client: FlaskClient, sim: Simulator) -> None:
    code = code_for(client)
    real_clock = sim.tokens.clock
    sim.tokens.clock = lambda: real_clock() + 601

    response = exchange_code(client, code)

    assert response.get_json()["error"] == "invalid_grant"


def test_no_refresh_token_without_offline_access(client: FlaskClient) -> None:
    code = code_for(client, scope="openid api")

    token = exchange_code(client, code).get_json()

    assert "refresh_token" not in token
    assert token["scope"] == "openid api"


@pytest.mark.parametrize(
    "headers, data",
    [
        (basic_auth(secret="wrong"), {}),
        ({}, {"client_id": CLIENT_ID, "client_secret": "wrong"}),
        (basic_auth(client_id="nobody"), {}),
        ({}, {}),
    ],
    ids=["basic-wrong-secret", "body-wrong-secret", "basic-unknown-client", "no-auth"],
)
def test_token_endpoint_refuses_bad_client_credentials(
    client: FlaskClient, headers: dict, data: dict
) -> None:
    body = {"grant_type": "authorization_code", "code": code_for(client)}
    body |= {"redirect_uri": REDIRECT_URI, **data}

    response = client.post(TOKEN_URL, data=body, headers=headers)

    assert response.status_code in (400, 401)
    assert response.get_json()["error"] == "invalid_client"


def test_basic_auth_failure_is_401_with_challenge(client: FlaskClient) -> None:
    response = client.post(
        TOKEN_URL,
        data={
            "grant_type": "authorization_code",
            "code": "x",
            "redirect_uri": REDIRECT_URI,
        },
        headers=basic_auth(secret="wrong"),
    )

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_unknown_grant_type_is_refused(client: FlaskClient) -> None:
    response = client.post(
        TOKEN_URL, data={"grant_type": "client_credentials"}, headers=basic_auth()
    )

    assert response.status_code == 400
    assert response.get_json()["error"] == "unsupported_grant_type"


# -- refresh -------------------------------------------------------------------------


def test_refresh_rotates_and_the_used_token_is_then_refused(
    client: FlaskClient,
) -> None:
    first = exchange_code(client, code_for(client)).get_json()

    renewed = refresh(client, first["refresh_token"])
    reused = refresh(client, first["refresh_token"])

    new = renewed.get_json()
    assert renewed.status_code == 200
    assert new["refresh_token"] != first["refresh_token"]
    assert new["access_token"] != first["access_token"]
    assert me_status(client, new["access_token"]) == 200
    assert reused.status_code == 400
    assert reused.get_json()["error"] == "invalid_grant"
    assert refresh(client, new["refresh_token"]).status_code == 200


def test_refresh_after_the_access_token_expired(
    client: FlaskClient, sim: Simulator
) -> None:
    first = exchange_code(client, code_for(client)).get_json()
    sim.expire_tokens()
    assert me_status(client, first["access_token"]) == 401

    renewed = refresh(client, first["refresh_token"]).get_json()

    assert me_status(client, renewed["access_token"]) == 200


def test_refresh_with_basic_client_auth(client: FlaskClient) -> None:
    first = exchange_code(client, code_for(client)).get_json()

    response = client.post(
        TOKEN_URL,
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        headers=basic_auth(),
    )

    assert response.status_code == 200


# -- password grants -----------------------------------------------------------------


def test_password_grant_issues_a_token(client: FlaskClient) -> None:
    response = password_grant(client, "tom.tutor", "tom-demo-pass")

    token = response.get_json()
    assert response.status_code == 200
    assert token["scope"] == "openid api"
    assert "refresh_token" not in token
    assert me_status(client, token["access_token"]) == 200


def test_password_grant_with_wrong_password_is_invalid_grant(
    client: FlaskClient,
) -> None:
    response = password_grant(client, "tom.tutor", "guess")

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"


def test_hashed_password_variant_gives_a_token_as_that_user(
    client: FlaskClient,
) -> None:
    user_key = "OnTrack\\stu.student"
    password = provider_password(user_key, APPLICATION_KEY)

    token = password_grant(client, user_key, password, scope="openid api").get_json()
    viewed = client.get(
        f"{API}/users/me/sessions/viewed",
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )

    assert {s["Id"] for s in viewed.get_json()["Results"]} >= {seed.lecture_id(2)}


def test_hashed_password_matches_the_documented_recipe() -> None:
    # API-NOTES 1.4: base64(SHA-256(lower(userKey) + "|" + lower(applicationKey)))
    import hashlib

    digest = hashlib.sha256(b"ontrack\\ina.instructor|mixedcasekey").digest()

    assert provider_password("OnTrack\\Ina.Instructor", "MixedCaseKey") == (
        base64.b64encode(digest).decode()
    )


def test_hashed_variant_works_for_sso_only_users(client: FlaskClient) -> None:
    user_key = "ontrack\\sasha.sso"

    response = password_grant(
        client, user_key, provider_password(user_key, APPLICATION_KEY)
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    "user_key, key",
    [
        ("OnTrack\\stu.student", "wrong-application-key"),
        ("OtherIdP\\stu.student", APPLICATION_KEY),
        ("OnTrack\\nobody", APPLICATION_KEY),
    ],
    ids=["wrong-key", "other-provider", "unknown-user"],
)
def test_hashed_variant_refuses_wrong_inputs(
    client: FlaskClient, user_key: str, key: str
) -> None:
    response = password_grant(client, user_key, provider_password(user_key, key))

    assert response.get_json()["error"] == "invalid_grant"


def test_hashed_variant_is_off_without_an_application_key() -> None:
    from .helpers import make_app

    client = make_app(SIM_IDP_APPLICATION_KEY=None).test_client()
    user_key = "OnTrack\\stu.student"

    response = password_grant(client, user_key, provider_password(user_key, "anything"))

    assert response.get_json()["error"] == "invalid_grant"


# -- revocation and discovery ----------------------------------------------------------


def test_revoking_a_refresh_token_ends_it_and_its_access_token(
    client: FlaskClient,
) -> None:
    token = exchange_code(client, code_for(client)).get_json()

    response = client.post(
        "/Panopto/oauth2/connect/revocation",
        data={"token": token["refresh_token"]},
        headers=basic_auth(),
    )

    assert response.status_code == 200
    assert (
        refresh(client, token["refresh_token"]).get_json()["error"] == "invalid_grant"
    )
    assert me_status(client, token["access_token"]) == 401


def test_revocation_needs_client_authentication(client: FlaskClient) -> None:
    token = exchange_code(client, code_for(client)).get_json()

    response = client.post(
        "/Panopto/oauth2/connect/revocation", data={"token": token["access_token"]}
    )

    assert response.status_code == 401
    assert me_status(client, token["access_token"]) == 200


def test_discovery_document_is_valid_rfc8414_metadata(client: FlaskClient) -> None:
    document = client.get("/Panopto/oauth2/.well-known/openid-configuration").get_json()

    AuthorizationServerMetadata(document).validate()
    assert document["issuer"] == f"{BASE_URL}/Panopto/oauth2"
    assert document["token_endpoint"] == f"{BASE_URL}/Panopto/oauth2/connect/token"


def test_tokens_and_secrets_never_reach_the_logs(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    token = exchange_code(client, code_for(client)).get_json()
    refresh(client, token["refresh_token"])

    logged = caplog.text
    assert "issued a token" in logged
    for secret in (token["access_token"], token["refresh_token"], CLIENT_SECRET):
        assert secret not in logged
