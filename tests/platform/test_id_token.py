"""The login initiations and id_tokens the platform sends the tool, per message and role."""

from __future__ import annotations

import jwt
import pytest

from devkit.dev_platform import create_app
from devkit.dev_platform.roster import USERS
from devkit.dev_platform.store import ItemDraft
from tests.platform.helpers import (
    CLIENT_ID,
    DEPLOYMENT_ID,
    DL,
    LIS,
    LTI,
    PLATFORM_URL,
    RETURN_URL,
    TASK_ID,
    TOOL_LAUNCH_URL,
    TOOL_LOGIN_URL,
    PlatformDriver,
    parse_form,
)

ROLES = {
    "sam": [f"{LIS}#Learner"],
    "tara": [f"{LIS}#Instructor", f"{LIS}/Instructor#TeachingAssistant"],
    "connor": [f"{LIS}#Instructor", f"{LIS}#ContentDeveloper"],
}
PEOPLE = {
    "sam": ("Sam Student", "sam.student@ontrack.example"),
    "tara": ("Tara Tutor", "tara.tutor@ontrack.example"),
    "connor": ("Connor Convenor", "connor.convenor@ontrack.example"),
}


def place_item(driver: PlatformDriver, **draft: object) -> str:
    """Store one placed description item through the store API; return its id."""
    owner = driver.service.store
    request = owner.start_deep_link(
        USERS["connor"], "task_description", TASK_ID, send_data=True
    )
    fields = {"title": "Week 1 lecture", "custom": {"panopto_session_id": "s-1"}}
    fields.update(draft)
    (item,) = owner.complete_deep_link(request.id, [ItemDraft(**fields)])
    return item.id


def test_login_initiation_targets_the_tool_with_every_parameter(driver):
    driver.sign_in("tara")

    login = driver.open_chooser("task_description")

    assert login.action == TOOL_LOGIN_URL
    assert login.method == "post"
    assert login.fields["iss"] == PLATFORM_URL
    assert login.fields["login_hint"] == "tara"
    assert login.fields["target_link_uri"] == TOOL_LAUNCH_URL
    assert login.fields["client_id"] == CLIENT_ID
    assert login.fields["lti_deployment_id"] == DEPLOYMENT_ID
    assert login.fields["lti_message_hint"]


def test_login_initiation_can_use_get(platform_config):
    app = create_app({**platform_config, "LOGIN_INITIATION_METHOD": "get"})
    login = PlatformDriver(app, app.test_client()).open_chooser("task_comment")

    assert login.method == "get"


@pytest.mark.parametrize("user_id", ["sam", "tara", "connor"])
def test_comment_deep_linking_request_claims(driver, user_id):
    driver.sign_in(user_id)
    login = driver.open_chooser("task_comment")

    claims = driver.id_token_claims(login, nonce="n-123")

    assert claims["iss"] == PLATFORM_URL
    assert claims["aud"] == CLIENT_ID
    assert claims["nonce"] == "n-123"
    assert claims["sub"] == f"ontrack-user-{user_id}"
    assert (claims["name"], claims["email"]) == PEOPLE[user_id]
    assert claims[LTI + "message_type"] == "LtiDeepLinkingRequest"
    assert claims[LTI + "version"] == "1.3.0"
    assert claims[LTI + "deployment_id"] == DEPLOYMENT_ID
    assert claims[LTI + "target_link_uri"] == TOOL_LAUNCH_URL
    assert claims[LTI + "roles"] == ROLES[user_id]
    assert LTI + "resource_link" not in claims


@pytest.mark.parametrize("user_id", ["tara", "connor"])
def test_staff_role_claims_on_the_description_chooser(driver, user_id):
    driver.sign_in(user_id)

    claims = driver.id_token_claims(driver.open_chooser("task_description"))

    assert claims[LTI + "roles"] == ROLES[user_id]
    assert claims[DL + "deep_linking_settings"]["accept_multiple"] is True


def test_deep_linking_settings_for_a_comment(driver):
    driver.sign_in("sam")
    login = driver.open_chooser("task_comment")
    pending = driver.store.get_deep_link(driver.open_chooser_id())

    settings = driver.id_token_claims(login)[DL + "deep_linking_settings"]

    assert settings["deep_link_return_url"] == RETURN_URL
    assert settings["accept_types"] == ["ltiResourceLink"]
    assert settings["accept_presentation_document_targets"] == ["iframe", "window"]
    assert settings["accept_multiple"] is False
    assert settings["data"] == pending.id
    assert settings["title"]


def test_deep_linking_request_context_presentation_custom_and_platform(driver):
    driver.sign_in("sam")
    login = driver.open_chooser("task_comment")
    pending = driver.store.get_deep_link(driver.open_chooser_id())

    claims = driver.id_token_claims(login)

    context = claims[LTI + "context"]
    assert (context["label"], context["title"]) == ("SIT999", "Applied Video Studies")
    assert context["id"]
    assert claims[LTI + "launch_presentation"]["document_target"] == "iframe"
    assert claims[LTI + "launch_presentation"]["return_url"].startswith(PLATFORM_URL)
    assert claims[LTI + "custom"]["ontrack_placement"] == "task_comment"
    assert claims[LTI + "custom"]["ontrack_task_definition_id"] == TASK_ID
    assert claims[LTI + "custom"]["ontrack_comment_id"] == pending.comment_id
    assert claims[LTI + "tool_platform"]["product_family_code"] == "ontrack"


def test_no_data_is_sent_when_switched_off(platform_config):
    app = create_app({**platform_config, "SEND_DEEP_LINK_DATA": False})
    driver = PlatformDriver(app, app.test_client())
    driver.sign_in("tara")

    claims = driver.id_token_claims(driver.open_chooser("task_description"))

    assert "data" not in claims[DL + "deep_linking_settings"]


def test_students_cannot_open_the_description_chooser(driver):
    driver.sign_in("sam")

    response = driver.client.get(
        "/lti/deep-link/start",
        query_string={"placement": "task_description", "task_id": TASK_ID},
    )

    assert response.status_code == 403
    assert "Only staff" in response.get_data(as_text=True)


def test_unknown_placement_is_refused(driver):
    response = driver.client.get(
        "/lti/deep-link/start", query_string={"placement": "grades", "task_id": TASK_ID}
    )

    assert response.status_code == 403


@pytest.mark.parametrize("user_id", ["sam", "tara", "connor"])
def test_resource_link_request_for_a_placed_item(driver, user_id):
    item_id = place_item(driver, url="http://127.0.0.1:8000/lti/launch?v=1")
    item = driver.store.get_item(item_id)
    driver.sign_in(user_id)

    login = driver.open_item(item_id)
    claims = driver.id_token_claims(login)

    assert login.fields["target_link_uri"] == "http://127.0.0.1:8000/lti/launch?v=1"
    assert claims[LTI + "message_type"] == "LtiResourceLinkRequest"
    assert claims[LTI + "target_link_uri"] == "http://127.0.0.1:8000/lti/launch?v=1"
    assert claims[LTI + "resource_link"]["id"] == item.resource_link_id
    assert claims[LTI + "resource_link"]["title"] == "Week 1 lecture"
    assert claims[LTI + "custom"] == {"panopto_session_id": "s-1"}
    assert claims[LTI + "roles"] == ROLES[user_id]
    assert claims["sub"] == f"ontrack-user-{user_id}"
    assert claims[LTI + "context"]["label"] == "SIT999"
    assert DL + "deep_linking_settings" not in claims


def test_resource_link_id_is_stable_across_viewers_and_launches(driver):
    item_id = place_item(driver)

    driver.sign_in("sam")
    first = driver.id_token_claims(driver.open_item(item_id))
    driver.sign_in("tara")
    second = driver.id_token_claims(driver.open_item(item_id))

    assert first[LTI + "resource_link"]["id"] == second[LTI + "resource_link"]["id"]


def test_each_placement_gets_its_own_resource_link_id(driver):
    first = driver.store.get_item(place_item(driver))
    second = driver.store.get_item(place_item(driver))

    assert first.resource_link_id != second.resource_link_id


def test_item_without_url_launches_the_tool_default(driver):
    item_id = place_item(driver, url=None)

    claims = driver.id_token_claims(driver.open_item(item_id))

    assert claims[LTI + "target_link_uri"] == TOOL_LAUNCH_URL


def test_item_launch_uses_the_items_frame_size(driver):
    item_id = place_item(driver, width=800, height=450)

    presentation = driver.id_token_claims(driver.open_item(item_id))[
        LTI + "launch_presentation"
    ]

    assert (presentation["width"], presentation["height"]) == (800, 450)


def test_unknown_item_is_a_404(driver):
    assert driver.client.get("/lti/launch-item/item-nope").status_code == 404


def test_id_token_header_names_the_published_key(driver):
    login = driver.open_chooser("task_comment")
    params = driver.auth_params(login)
    form_html = driver.authorize(params).get_data(as_text=True)

    header = jwt.get_unverified_header(parse_form(form_html).fields["id_token"])
    published = driver.client.get("/.well-known/jwks.json").json["keys"][0]["kid"]
    assert header == {"alg": "RS256", "kid": published, "typ": "JWT"}
