"""The Deep Linking return handler: what it stores, and every response it refuses."""

from __future__ import annotations

import time

import jwt
import pytest

from devkit.dev_platform import create_app, stored_items
from devkit.dev_platform.web import EXTENSION_KEY
from tests.platform.helpers import (
    DL,
    LTI,
    TASK_ID,
    TOOL_JWKS_URL,
    TOOL_LAUNCH_URL,
    JwksStub,
    PlatformDriver,
    new_rsa_key,
    public_jwk,
    video_item,
)


def open_chooser(driver: PlatformDriver, user_id: str, placement: str) -> str:
    """Sign in, open the chooser; return the ``data`` the platform sent."""
    driver.sign_in(user_id)
    driver.open_chooser(placement)
    return driver.open_chooser_id()


@pytest.fixture
def description_data(driver) -> str:
    return open_chooser(driver, "connor", "task_description")


@pytest.fixture
def comment_data(driver) -> str:
    return open_chooser(driver, "sam", "task_comment")


# Accepted responses


def test_stores_description_items_and_tells_the_host_page(
    driver, tool, description_data
):
    items = [video_item("one"), video_item("two")]
    token = tool.sign(tool.response_claims(description_data, items))

    response = driver.post_response(token)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-count="2"' in html
    assert "deep-link-done.js" in html
    stored = driver.store.description_items(TASK_ID)
    assert [item.custom["panopto_session_id"] for item in stored] == ["one", "two"]
    assert {item.placement for item in stored} == {"task_description"}
    assert (stored[0].width, stored[0].height) == (720, 405)


def test_completion_script_posts_the_agreed_message_to_its_own_origin(platform_client):
    script = platform_client.get("/static/deep-link-done.js").get_data(as_text=True)

    assert 'subject: "ontrack.deepLinkComplete"' in script
    assert "count: count" in script
    assert "window.location.origin" in script


def test_task_page_shows_stored_items_as_launching_iframes(
    driver, tool, description_data
):
    driver.post_response(tool.sign(tool.response_claims(description_data)))
    (item,) = driver.store.description_items(TASK_ID)

    html = driver.client.get(f"/tasks/{TASK_ID}").get_data(as_text=True)

    assert f'src="/lti/launch-item/{item.id}"' in html
    assert 'title="Lecture abc-123"' in html
    assert 'width="720"' in html and 'height="405"' in html
    assert 'allow="autoplay; fullscreen"' in html
    assert "Added 1 video." in html


def test_stores_a_comment_video_as_a_new_comment(driver, tool, comment_data):
    pending = driver.store.get_deep_link(comment_data)
    token = tool.sign(tool.response_claims(comment_data, [video_item("mine")]))

    assert driver.post_response(token).status_code == 200

    comment = driver.store.comments(TASK_ID)[-1]
    assert comment.id == pending.comment_id
    assert comment.author_id == "sam"
    assert [item.custom for item in comment.items] == [{"panopto_session_id": "mine"}]


def test_empty_choice_is_accepted_and_stores_nothing(driver, tool, comment_data):
    comments_before = driver.store.comments(TASK_ID)

    response = driver.post_response(tool.sign(tool.response_claims(comment_data, [])))

    assert response.status_code == 200
    assert 'data-count="0"' in response.get_data(as_text=True)
    assert driver.store.comments(TASK_ID) == comments_before


def test_accepts_a_response_without_data_when_none_was_sent(platform_config, tool):
    app = create_app({**platform_config, "SEND_DEEP_LINK_DATA": False})
    app.extensions[EXTENSION_KEY].tool_keys.session.mount(
        TOOL_JWKS_URL, JwksStub([tool.jwks()])
    )
    driver = PlatformDriver(app, app.test_client())
    open_chooser(driver, "tara", "task_description")

    response = driver.post_response(tool.sign(tool.response_claims(None)))

    assert response.status_code == 200
    assert len(driver.store.all_items()) == 1


def test_tool_jwks_is_cached_between_responses(driver, tool):
    for _ in range(2):
        data = open_chooser(driver, "tara", "task_description")
        driver.post_response(tool.sign(tool.response_claims(data)))

    assert len(driver.store.all_items()) == 2
    assert tool.jwks_stub.calls == 1


def test_a_rotated_tool_key_is_fetched_once_and_accepted(driver, tool):
    new_key = new_rsa_key()
    # The first fetch serves the old key only; the second adds the rotated one.
    tool.jwks_stub.documents.append(
        {"keys": [public_jwk(tool.key, tool.kid), public_jwk(new_key, "rotated")]}
    )
    old = open_chooser(driver, "tara", "task_description")
    driver.post_response(tool.sign(tool.response_claims(old)))
    new = open_chooser(driver, "tara", "task_description")

    response = driver.post_response(
        tool.sign(tool.response_claims(new), key=new_key, kid="rotated")
    )

    assert response.status_code == 200
    assert tool.jwks_stub.calls == 2


# Refused responses


def refused(driver: PlatformDriver, token: str, words: str) -> None:
    """Assert a plain-words 400 page that names the problem, and nothing stored."""
    response = driver.post_response(token)

    html = response.get_data(as_text=True)
    assert response.status_code == 400, html
    assert words in html
    assert "deep-link-done.js" not in html
    assert driver.store.all_items() == ()


def test_refuses_a_bad_signature(driver, tool, description_data):
    claims = tool.response_claims(description_data)

    token = tool.sign(claims, key=new_rsa_key())

    refused(driver, token, "signature does not match")


def test_refuses_an_unknown_key_after_one_refetch(driver, tool):
    warm_up = open_chooser(driver, "tara", "task_description")
    driver.post_response(tool.sign(tool.response_claims(warm_up)))
    data = open_chooser(driver, "tara", "task_description")
    token = tool.sign(tool.response_claims(data), kid="unknown")

    response = driver.post_response(token)

    assert response.status_code == 400
    assert "key the tool does not publish" in response.get_data(as_text=True)
    assert len(driver.store.all_items()) == 1
    assert tool.jwks_stub.calls == 2


@pytest.mark.parametrize("algorithm", ["HS256", "none"])
def test_refuses_anything_but_rs256(driver, tool, description_data, algorithm):
    claims = tool.response_claims(description_data)
    key = None if algorithm == "none" else "shared-secret-of-32-bytes-or-more!!"

    token = jwt.encode(claims, key, algorithm=algorithm, headers={"kid": tool.kid})

    refused(driver, token, "RS256")


@pytest.mark.parametrize(
    ("claim", "value", "words"),
    [
        ("iss", "another-tool", "iss is not the tool"),
        ("aud", "http://127.0.0.1:9999", "aud is not this platform"),
        # Times relative to the moment the test runs (see below), not to collection.
        ("exp", -600, "expired"),
        ("iat", +600, "future"),
        (LTI + "deployment_id", "other-deployment", "deployment_id"),
        (LTI + "message_type", "LtiDeepLinkingRequest", "message_type"),
        (LTI + "version", "1.1", "version"),
        (DL + "content_items", {"type": "ltiResourceLink"}, "list of objects"),
    ],
)
def test_refuses_a_wrong_claim(driver, tool, description_data, claim, value, words):
    claims = tool.response_claims(description_data)
    claims[claim] = int(time.time()) + value if claim in ("exp", "iat") else value

    refused(driver, tool.sign(claims), words)


@pytest.mark.parametrize("claim", ["iss", "aud", "exp", "iat", "nonce"])
def test_refuses_a_missing_required_claim(driver, tool, description_data, claim):
    claims = tool.response_claims(description_data)
    del claims[claim]

    refused(driver, tool.sign(claims), claim)


def test_refuses_a_replayed_nonce(driver, tool, description_data):
    first = tool.response_claims(description_data)
    driver.post_response(tool.sign(first))
    data = open_chooser(driver, "connor", "task_description")
    replay = {**tool.response_claims(data), "nonce": first["nonce"]}

    response = driver.post_response(tool.sign(replay))

    assert response.status_code == 400
    assert "already used" in response.get_data(as_text=True)
    assert len(driver.store.all_items()) == 1


def test_refuses_a_second_response_to_the_same_chooser(driver, tool, description_data):
    driver.post_response(tool.sign(tool.response_claims(description_data)))
    with driver.client.session_transaction() as session:
        session["deep_link_request"] = description_data

    response = driver.post_response(tool.sign(tool.response_claims(description_data)))

    assert response.status_code == 400
    assert "already received" in response.get_data(as_text=True)


def test_refuses_mismatched_data(driver, tool, description_data):
    refused(driver, tool.sign(tool.response_claims("dl-someone-elses")), "data")


def test_refuses_missing_data_when_data_was_sent(driver, tool, description_data):
    refused(driver, tool.sign(tool.response_claims(None)), "data does not match")


@pytest.mark.parametrize("data", ["anything", None])
def test_refuses_data_when_none_was_sent(platform_config, tool, data):
    app = create_app({**platform_config, "SEND_DEEP_LINK_DATA": False})
    app.extensions[EXTENSION_KEY].tool_keys.session.mount(
        TOOL_JWKS_URL, JwksStub([tool.jwks()])
    )
    driver = PlatformDriver(app, app.test_client())
    open_chooser(driver, "tara", "task_description")
    claims = tool.response_claims(None)
    # Even a null placeholder counts as data (LTI-NOTES 2.6).
    claims[DL + "data"] = data

    refused(driver, tool.sign(claims), "the request sent none")


def test_refuses_two_items_for_a_comment(driver, tool, comment_data):
    items = [video_item("one"), video_item("two")]

    refused(driver, tool.sign(tool.response_claims(comment_data, items)), "Only one")


@pytest.mark.parametrize("item_type", ["link", "html", "file", "image", None])
def test_refuses_an_unaccepted_item_type(driver, tool, description_data, item_type):
    items = [video_item(type=item_type)]

    refused(driver, tool.sign(tool.response_claims(description_data, items)), "type")


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"url": "https://elsewhere.example/launch"}, "origin"),
        ({"url": "javascript:alert(1)"}, "origin"),
        ({"custom": {"session": 42}}, "strings"),
        ({"title": ["not", "text"]}, "title"),
    ],
)
def test_refuses_a_malformed_item(driver, tool, description_data, extra, words):
    items = [video_item(**extra)]

    refused(driver, tool.sign(tool.response_claims(description_data, items)), words)


def test_refuses_a_response_when_no_chooser_is_open(driver, tool, description_data):
    with driver.client.session_transaction() as session:
        del session["deep_link_request"]

    refused(
        driver, tool.sign(tool.response_claims(description_data)), "No video chooser"
    )


def test_refuses_a_response_for_someone_elses_chooser(driver, tool, description_data):
    with driver.client.session_transaction() as session:
        session["user_id"] = "sam"

    refused(driver, tool.sign(tool.response_claims(description_data)), "someone else")


@pytest.mark.parametrize("token", ["", "not.a.jwt", "x" * 70000])
def test_refuses_garbage(driver, description_data, token):
    response = driver.post_response(token)

    assert response.status_code == 400
    assert driver.store.all_items() == ()


def test_unreachable_tool_jwks_is_a_502_in_plain_words(driver, tool, description_data):
    tool.jwks_stub.status = 500

    response = driver.post_response(tool.sign(tool.response_claims(description_data)))

    assert response.status_code == 502
    assert "Is the tool running?" in response.get_data(as_text=True)
    assert driver.store.all_items() == ()


def test_refusal_page_does_not_show_the_token(driver, tool, description_data):
    claims = tool.response_claims(description_data)
    claims["iss"] = "another-tool"
    token = tool.sign(claims)

    html = driver.post_response(token).get_data(as_text=True)

    assert token not in html
    assert token.split(".")[1] not in html


def test_msg_and_errormsg_are_shown_on_the_task_page(driver, tool, description_data):
    claims = tool.response_claims(description_data, [])
    claims[DL + "msg"] = "Nothing chosen"
    claims[DL + "errormsg"] = "<i>Panopto</i> was slow"

    driver.post_response(tool.sign(claims))

    html = driver.client.get(f"/tasks/{TASK_ID}").get_data(as_text=True)
    assert "Nothing chosen" in html
    assert "&lt;i&gt;Panopto&lt;/i&gt; was slow" in html


def test_stored_items_reads_placed_items_as_plain_dicts(
    platform_app, driver, tool, comment_data
):
    driver.post_response(tool.sign(tool.response_claims(comment_data)))

    (item,) = stored_items(platform_app)

    assert item["placement"] == "task_comment"
    assert item["comment_id"] == driver.store.get_deep_link(comment_data).comment_id
    assert item["custom"] == {"panopto_session_id": "abc-123"}
    assert item["url"] == TOOL_LAUNCH_URL
    assert (item["width"], item["height"]) == (720, 405)
