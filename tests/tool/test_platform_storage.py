"""Launches without cookies: the server's side of LTI platform storage and its fallbacks.

The browser's side (the postMessage calls) is driven for real in
tests/browser/test_cookieless_launches.py; here the test plays the browser that keeps no
cookies, and checks what the server lets through and what it holds back.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.tool.lti_harness import AUTH_LOGIN_URL, PlatformDriver
from tests.tool.pages import chooser_token, parse

STORAGE_FRAME = "post_message_forwarding"
PLATFORM_ORIGIN = "https://ontrack.test"


def storage_login(platform: PlatformDriver, target: str = STORAGE_FRAME, **headers):
    """Start a login that offers platform storage; the login page's data and the auth
    request the page would send the browser to."""
    url = platform.login_url()
    params = {**dict(parse_qsl(urlsplit(url).query)), "lti_storage_target": target}
    response = platform.client.get(
        urlsplit(url).path, query_string=params, headers=headers
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    page = parse(response.get_data(as_text=True)).by_id("lti-login")
    auth_url = page.attrs["data-auth-url"]
    assert auth_url.startswith(AUTH_LOGIN_URL + "?")
    return page.attrs, dict(parse_qsl(urlsplit(auth_url).query)), response


def cookieless(platform: PlatformDriver, app) -> PlatformDriver:
    """The same platform talking to the tool from a browser that kept no cookie."""
    return PlatformDriver(app.test_client(), platform.tool_url, platform.keys)


def pending_launch(platform, app):
    """A deep-linking launch through platform storage, posted without the state cookie."""
    login, auth, _ = storage_login(platform)
    browser = cookieless(platform, app)
    form = platform.deep_link_form(auth)
    response = browser.post(form)
    assert response.status_code == 200, response.get_data(as_text=True)[:400]
    check = parse(response.get_data(as_text=True)).by_id("lti-storage").attrs
    return browser, login, check, response


def confirm(client, check, **changes):
    body = {
        "ticket": check["data-ticket"],
        "state": check["data-state"],
        "nonce": check["data-nonce"],
        **changes,
    }
    return client.post(check["data-confirm-url"], json=body)


def api_folders(client, token):
    return client.get("/chooser/api/folders", headers={"X-Chooser-Token": token})


# -- login --------------------------------------------------------------------------


def test_a_login_offering_storage_answers_with_a_page_that_stores_state_and_nonce(
    platform,
):
    login, auth, response = storage_login(platform)

    assert login["data-mode"] == "storage"
    assert login["data-state"] == auth["state"]
    assert login["data-nonce"] == auth["nonce"]
    # Messages go to the origin of the platform's authorization endpoint only.
    assert login["data-platform-origin"] == PLATFORM_ORIGIN
    assert login["data-target"] == STORAGE_FRAME
    assert response.headers["Cache-Control"] == "no-store"
    page = parse(response.get_data(as_text=True))
    assert [s.attrs.get("src") for s in page.all("script")] == [
        "/static/lti-storage.js"
    ]
    # The state cookie is still set, for browsers that keep it.
    assert any(
        "lti1p3-state-" in header for header in response.headers.getlist("Set-Cookie")
    )


@pytest.mark.parametrize("target", ["", "bad name", "x" * 101, "<script>"])
def test_a_malformed_storage_target_is_ignored(platform, target):
    url = platform.login_url()
    params = {**dict(parse_qsl(urlsplit(url).query)), "lti_storage_target": target}

    response = platform.client.get(urlsplit(url).path, query_string=params)

    assert response.status_code == 302  # the plain cookie flow


def test_a_login_inside_a_frame_checks_that_cookies_work_first(platform):
    url = platform.login_url()
    response = platform.client.get(
        urlsplit(url).path,
        query_string=dict(parse_qsl(urlsplit(url).query)),
        headers={"Sec-Fetch-Dest": "iframe"},
    )

    assert response.status_code == 200
    page = parse(response.get_data(as_text=True))
    assert page.by_id("lti-login").attrs["data-mode"] == "cookie-check"
    new_window = page.by_id("lti-new-window").attrs
    assert new_window["target"] == "_blank"
    # The same login, in a window of its own (no storage target: no frame to store in).
    query = dict(parse_qsl(urlsplit(new_window["href"]).query))
    assert urlsplit(new_window["href"]).path == "/lti/login"
    assert query["target_link_uri"] == platform.launch_url
    assert "lti_storage_target" not in query


# -- launch -------------------------------------------------------------------------


def test_a_launch_without_its_cookie_is_held_until_the_storage_check(platform, app):
    browser, login, check, response = pending_launch(platform, app)
    token = chooser_token(response.get_data(as_text=True))

    assert check["data-state"] == login["data-state"]
    assert check["data-nonce"] == login["data-nonce"]
    assert check["data-platform-origin"] == PLATFORM_ORIGIN
    # Until the page proves the state, the chooser's token opens nothing.
    refused = api_folders(browser.client, token)
    assert refused.status_code == 401
    assert "not been verified" in refused.json["error"]["message"]

    assert confirm(browser.client, check).status_code == 200

    released = api_folders(browser.client, token)
    assert released.json["error"]["code"] == "panopto_sign_in_required"


def test_a_wrong_storage_answer_refuses_the_launch_for_good(platform, app):
    browser, _, check, response = pending_launch(platform, app)
    token = chooser_token(response.get_data(as_text=True))

    wrong = confirm(browser.client, check, state="state-of-another-login")
    right = confirm(browser.client, check)

    assert wrong.status_code == 403
    assert right.status_code == 403  # no second guess
    assert api_folders(browser.client, token).status_code == 401


@pytest.mark.parametrize(
    "changes",
    [
        {"ticket": "forged"},
        {"nonce": "another-nonce"},
        {"state": None},
        {"nonce": ["x"]},
    ],
    ids=["forged-ticket", "wrong-nonce", "no-state", "nonce-not-text"],
)
def test_confirmations_that_do_not_match_are_refused(platform, app, changes):
    browser, _, check, _ = pending_launch(platform, app)

    response = confirm(browser.client, check, **changes)

    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"


def test_a_confirmation_from_another_site_is_refused(platform, app):
    browser, _, check, _ = pending_launch(platform, app)

    response = browser.client.post(
        check["data-confirm-url"],
        json={
            "ticket": check["data-ticket"],
            "state": check["data-state"],
            "nonce": check["data-nonce"],
        },
        headers={"Sec-Fetch-Site": "cross-site"},
    )

    assert response.status_code == 403


def test_a_pending_player_loads_its_video_only_after_the_check(platform, app):
    _, auth, _ = storage_login(platform)
    browser = cookieless(platform, app)

    response = browser.post(platform.resource_link_form(auth, custom=platform.placed()))

    assert response.status_code == 200
    frame = parse(response.get_data(as_text=True)).one("iframe")
    assert "src" not in frame.attrs
    assert "/Panopto/Pages/Embed.aspx?id=" in frame.attrs["data-src"]


def test_a_storage_login_is_good_for_one_launch(platform, app):
    _, auth, _ = storage_login(platform)
    form = platform.deep_link_form(auth)
    first = cookieless(platform, app).post(form)
    assert first.status_code == 200

    replay = cookieless(platform, app).post(form)

    assert replay.status_code == 400


def test_a_storage_state_with_the_nonce_of_another_login_is_refused(platform, app):
    _, first_auth, _ = storage_login(platform)
    _, second_auth, _ = storage_login(platform)
    # The platform answers the first login's state with the second login's nonce.
    form = platform.deep_link_form({**second_auth, "state": first_auth["state"]})

    response = cookieless(platform, app).post(form)

    assert response.status_code == 400
    assert "does not belong to the login" in parse(response.get_data(as_text=True)).text


def test_a_launch_with_its_cookie_needs_no_storage_check(platform):
    _, auth, _ = storage_login(platform)

    response = platform.post(platform.deep_link_form(auth))  # same browser: cookie sent

    assert response.status_code == 200
    assert 'id="lti-storage"' not in response.get_data(as_text=True)
    token = chooser_token(response.get_data(as_text=True))
    assert api_folders(platform.client, token).json["error"]["code"] == (
        "panopto_sign_in_required"
    )


def test_without_cookie_or_storage_the_error_offers_a_new_window(platform, app):
    auth = platform.login()
    form = platform.deep_link_form(auth)

    response = cookieless(platform, app).post(form)

    assert response.status_code == 400
    page = parse(response.get_data(as_text=True))
    link = [a for a in page.all("a") if "new window" in a.text]
    assert len(link) == 1
    href = link[0].attrs["href"]
    assert urlsplit(href).path == "/lti/login"
    assert dict(parse_qsl(urlsplit(href).query))["target_link_uri"] == (
        platform.launch_url
    )
    assert link[0].attrs["target"] == "_blank"
