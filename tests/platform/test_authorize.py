"""The OIDC authorization endpoint: what it answers, and every request it refuses."""

from __future__ import annotations

import pytest
from itsdangerous import URLSafeTimedSerializer

from devkit.dev_platform import hints
from tests.platform.helpers import TOOL_LAUNCH_URL, parse_form


@pytest.fixture
def login(driver):
    """A Deep Linking login initiation by Tara, as the tool would receive it."""
    driver.sign_in("tara")
    return driver.open_chooser("task_description")


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_answers_with_a_form_posting_id_token_and_state(driver, login, method):
    params = driver.auth_params(login, state="s-42")

    response = driver.authorize(params, method=method)

    form = parse_form(response.get_data(as_text=True))
    assert response.status_code == 200
    assert form.action == TOOL_LAUNCH_URL
    assert form.method == "post"
    assert form.fields["state"] == "s-42"
    assert driver.verify_id_token(form.fields["id_token"])["nonce"] == params["nonce"]
    assert response.headers["Cache-Control"] == "no-store"


def test_answer_page_has_a_continue_button_for_browsers_without_scripts(driver, login):
    html = driver.authorize(driver.auth_params(login)).get_data(as_text=True)

    assert '<button type="submit">Continue</button>' in html


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"client_id": "someone-else"}, "client_id"),
        ({"client_id": None}, "client_id"),
        ({"redirect_uri": "http://127.0.0.1:8000/lti/launch/"}, "redirect_uri"),
        ({"redirect_uri": "https://evil.example/steal"}, "redirect_uri"),
        ({"redirect_uri": None}, "redirect_uri"),
        ({"scope": "profile"}, "scope"),
        ({"response_type": "code"}, "response_type"),
        ({"response_mode": "query"}, "response_mode"),
        ({"prompt": None}, "prompt"),
        ({"prompt": "login"}, "prompt"),
        ({"nonce": None}, "nonce"),
        ({"nonce": "x" * 2000}, "nonce"),
        ({"state": None}, "state"),
        ({"login_hint": "connor"}, "login_hint"),
        ({"login_hint": None}, "login_hint"),
        ({"lti_message_hint": None}, "lti_message_hint"),
        ({"lti_message_hint": "not-a-hint"}, "lti_message_hint"),
    ],
)
def test_refuses_a_bad_request_with_a_plain_400_page(driver, login, overrides, words):
    params = driver.auth_params(login, **overrides)

    response = driver.authorize(params)

    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert words in html
    assert 'name="id_token"' not in html
    assert "Location" not in response.headers


def test_never_posts_to_an_unregistered_redirect_uri(driver, login):
    params = driver.auth_params(login, redirect_uri="https://evil.example/steal")

    html = driver.authorize(params).get_data(as_text=True)

    assert "evil.example" not in html


def test_refuses_a_hint_signed_with_another_key(driver, login):
    forged = URLSafeTimedSerializer("not-the-platform", salt="dev-platform-lti-hint")
    hint = forged.dumps(["deep_link", "tara", driver.open_chooser_id()])

    response = driver.authorize(driver.auth_params(login, lti_message_hint=hint))

    assert response.status_code == 400


def test_refuses_an_edited_hint(driver, login):
    hint = login.fields["lti_message_hint"]
    edited = ("A" if hint[0] != "A" else "B") + hint[1:]

    response = driver.authorize(driver.auth_params(login, lti_message_hint=edited))

    assert response.status_code == 400


def test_refuses_an_expired_hint(driver, login, monkeypatch):
    monkeypatch.setattr(hints, "HINT_MAX_AGE_SECONDS", -1)

    response = driver.authorize(driver.auth_params(login))

    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_refuses_a_hint_issued_to_someone_else(driver, login):
    driver.sign_in("connor")

    # Connor is signed in and claims to be Connor, but the hint was Tara's.
    response = driver.authorize(driver.auth_params(login, login_hint="connor"))

    assert response.status_code == 400
    assert "someone else" in response.get_data(as_text=True)


def test_refuses_when_nobody_is_signed_in(driver, login):
    with driver.client.session_transaction() as session:
        session.clear()

    response = driver.authorize(driver.auth_params(login))

    assert response.status_code == 400
    assert "Nobody is signed in" in response.get_data(as_text=True)


def test_refuses_a_hint_for_a_chooser_already_answered(driver, login, tool):
    pending_id = driver.open_chooser_id()
    driver.store.complete_deep_link(pending_id, [])

    response = driver.authorize(driver.auth_params(login))

    assert response.status_code == 400
    assert "closed" in response.get_data(as_text=True)
