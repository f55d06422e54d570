"""Access aligned with Panopto: who may view a placed video, and letting them in.

The viewer checks run against placements the tool recorded; the grants run against the
Panopto simulator, whose own access rules then say whether the viewer can really watch.
"""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from app import access, create_app
from app.extensions import db
from app.models import PanoptoToken, Placement
from app.panopto.oauth import UserKey
from app.services import DatabaseTokenStore
from devkit.panopto_sim import seed
from devkit.panopto_sim.oauth import provider_password
from tests.conftest import SIM_CLIENT_ID, SIM_CLIENT_SECRET
from tests.tool.lti_harness import (
    CONTEXT_CLAIM,
    CONTEXT_ID,
    LEARNER,
    PLATFORM_ISSUER,
    ROLES,
    USER_ID,
    PlatformDriver,
    set_deployment,
)
from tests.tool.pages import chooser_token, parse
from tests.tool.sim_helpers import password_token

LECTURE = seed.lecture_id(5)
PLACER = "ontrack-user-convenor"
APPLICATION_KEY = "test-provider-application-key"
TA = "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"
STUDENT_AT_INSTITUTION = (
    "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student"
)
INSTITUTION_ADMIN = (
    "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"
)


@pytest.fixture
def sim_settings() -> dict:
    """The simulator knows the OnTrack identity provider and its application key."""
    return {"SIM_IDP_NAME": "OnTrack", "SIM_IDP_APPLICATION_KEY": APPLICATION_KEY}


@pytest.fixture
def sim(panopto_sim):
    url, app = panopto_sim
    return url, app.extensions["panopto_sim"]


@pytest.fixture
def tool(app_config, sim):
    return create_app(
        {
            **app_config,
            "PANOPTO_BASE_URL": sim[0],
            "PANOPTO_IDP_APPLICATION_KEY": APPLICATION_KEY,
        }
    )


@pytest.fixture
def platform(tool, tool_url, platform_keys) -> PlatformDriver:
    return PlatformDriver(tool.test_client(), tool_url, platform_keys)


def grant_mode(app, **extra) -> None:
    set_deployment(
        app,
        access_mode="grant",
        panopto_provider="OnTrack",
        username_claim="preferred_username",
        **extra,
    )


def placer_signed_in_as_ina(app, sim_url: str) -> None:
    """The convenor who placed the video signed in to Panopto (as Ina, a Creator)."""
    with app.app_context():
        DatabaseTokenStore().save(
            UserKey(PLATFORM_ISSUER, PLACER), password_token(sim_url)
        )


def view(platform, custom, *, username="sam", roles=None, context=CONTEXT_ID):
    claims = {"preferred_username": username, CONTEXT_CLAIM: {"id": context}}
    if roles is not None:
        claims[ROLES] = roles
    _, response = platform.resource_launch(custom=custom, extra_claims=claims)
    return response


def page_text(response) -> str:
    return " ".join(parse(response.get_data(as_text=True)).text.split())


def can_open(sim_url: str, user_key: str, session_id: str) -> bool:
    """Whether the provider user could watch the session in Panopto (simulator's rules)."""
    token = requests.post(
        f"{sim_url}/Panopto/oauth2/connect/token",
        data={
            "grant_type": "password",
            "username": user_key,
            "password": provider_password(user_key, APPLICATION_KEY),
            "scope": "openid api",
            "client_id": SIM_CLIENT_ID,
            "client_secret": SIM_CLIENT_SECRET,
        },
        timeout=5,
    ).json()["access_token"]
    answer = requests.get(
        f"{sim_url}/Panopto/api/v1/sessions/{session_id}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    return answer.status_code == 200


# -- who may view -------------------------------------------------------------------


def test_a_view_from_the_unit_of_the_placement_shows_the_player(platform, sim):
    calls = len(sim[1].calls)

    response = view(platform, platform.placed(LECTURE, created_by=PLACER))

    assert response.status_code == 200
    assert (
        f"Embed.aspx?id={LECTURE}"
        in parse(response.get_data(as_text=True)).one("iframe").attrs["src"]
    )
    # Relying on the session's own sharing needs no Panopto call at all.
    assert len(sim[1].calls) == calls


def test_a_view_from_another_unit_is_refused(platform):
    custom = platform.placed(LECTURE, context_id="unit-sit777")

    response = view(platform, custom)

    assert response.status_code == 403
    assert "placed in another unit" in page_text(response)
    assert not parse(response.get_data(as_text=True)).all("iframe")


def test_where_the_history_is_trusted_a_view_from_a_copy_of_the_unit_is_allowed(
    tool, platform
):
    set_deployment(tool, trust_context_history=True)
    custom = platform.placed(LECTURE, context_id="unit-sit999-2025")
    # A platform that substitutes $Context.id.history names the units copied from.
    custom["panopto_context_history"] = "unit-sit999-2025, unit-sit999-2024"

    assert view(platform, custom).status_code == 200


def test_by_default_a_history_someone_typed_into_a_link_opens_nothing(platform):
    """Where users may edit a link's custom parameters (a student's own sandbox unit), the
    history could name any unit: untrusted, it proves nothing."""
    custom = platform.placed(LECTURE, context_id="unit-sit999-2025")
    custom["panopto_context_history"] = "unit-sit999-2025"

    response = view(platform, custom, roles=[LEARNER], context="students-sandbox")

    assert response.status_code == 403
    assert "placed in another unit" in page_text(response)


def test_an_unsubstituted_history_proves_no_copy(tool, platform):
    set_deployment(tool, trust_context_history=True)
    custom = platform.placed(LECTURE, context_id="unit-sit999-2025")

    response = view(platform, custom)  # history is the literal "$Context.id.history"

    assert response.status_code == 403


def test_a_history_naming_another_unit_proves_no_copy(tool, platform):
    set_deployment(tool, trust_context_history=True)
    custom = platform.placed(LECTURE, context_id="unit-sit777")
    custom["panopto_context_history"] = "unit-sit888"

    assert view(platform, custom).status_code == 403


def test_edited_custom_parameters_reach_no_other_video(platform):
    custom = platform.placed(LECTURE)
    custom["panopto_session_id"] = seed.SESSION_THREATS  # a video of another unit

    response = view(platform, custom)

    assert response.status_code == 403
    assert "changed since it was made" in page_text(response)


def test_another_units_placement_id_opens_nothing_here(platform):
    theirs = platform.placed(seed.SESSION_THREATS, context_id="unit-sit777")

    response = view(platform, theirs)  # launched from SIT999

    assert response.status_code == 403


@pytest.mark.parametrize(
    ("placement_id", "status", "fragment"),
    [
        (None, 400, "not made by the Panopto tool"),
        ("", 400, "not made by the Panopto tool"),
        ("x" * 65, 400, "not made by the Panopto tool"),
        ("made-up-placement", 403, "changed since it was made"),
    ],
    ids=["missing", "empty", "too-long", "unknown"],
)
def test_links_without_a_valid_placement_are_refused(
    platform, placement_id, status, fragment
):
    custom = {"panopto_session_id": LECTURE}
    if placement_id is not None:
        custom["panopto_placement_id"] = placement_id

    response = view(platform, custom)

    assert response.status_code == status
    assert fragment in page_text(response)


def test_a_placement_of_another_platform_is_refused(platform):
    custom = platform.placed(LECTURE, issuer="https://another-lms.test")

    assert view(platform, custom).status_code == 403


@pytest.mark.parametrize(
    ("roles", "allowed"),
    [
        ([LEARNER], True),
        ([TA], True),
        ([INSTITUTION_ADMIN], True),
        ([], False),
        ([STUDENT_AT_INSTITUTION], False),
        (["Learner"], False),  # LTI 1.3 roles are full URIs
    ],
    ids=["learner", "teaching-assistant", "admin", "none", "institution-only", "short"],
)
def test_only_roles_of_the_unit_may_view(platform, roles, allowed):
    response = view(platform, platform.placed(LECTURE), roles=roles)

    assert (response.status_code == 200) is allowed
    if not allowed:
        assert response.status_code == 403
        assert "role in this unit" in page_text(response)


# -- letting them in: just-in-time grants ------------------------------------------


def test_in_grant_mode_the_viewer_gets_the_viewer_role(tool, platform, sim):
    grant_mode(tool)
    placer_signed_in_as_ina(tool, sim[0])
    assert not can_open(sim[0], "OnTrack\\sam", LECTURE)

    response = view(platform, platform.placed(LECTURE, created_by=PLACER))

    assert response.status_code == 200
    assert "player-notice" not in response.get_data(as_text=True)
    assert can_open(sim[0], "OnTrack\\sam", LECTURE)
    session = sim[1].store.sessions[LECTURE]
    # Exactly sam: not samir, whose username sam's is a prefix of.
    assert set(session.grants) == {seed.PROVIDER_SAM_ID}


def test_a_repeat_view_makes_no_panopto_call(tool, platform, sim):
    grant_mode(tool)
    placer_signed_in_as_ina(tool, sim[0])
    custom = platform.placed(LECTURE, created_by=PLACER)
    view(platform, custom)
    calls = len(sim[1].calls)

    again = view(platform, custom)

    assert again.status_code == 200
    assert sim[1].calls[calls:] == []


def test_a_viewer_panopto_does_not_know_is_told_and_not_looked_up_each_time(
    tool, platform, sim
):
    grant_mode(tool)
    placer_signed_in_as_ina(tool, sim[0])
    custom = platform.placed(LECTURE, created_by=PLACER)

    first = view(platform, custom, username="newcomer")
    calls = len(sim[1].calls)
    second = view(platform, custom, username="newcomer")

    for response in (first, second):
        assert response.status_code == 200
        assert "does not know your account yet" in page_text(response)
    assert sim[1].calls[calls:] == []


def test_a_username_that_only_starts_another_ones_grants_nobody(tool, platform, sim):
    """Panopto's search matches prefixes: OnTrack\\sa finds sam and samir, who are not sa."""
    grant_mode(tool)
    placer_signed_in_as_ina(tool, sim[0])

    response = view(
        platform, platform.placed(LECTURE, created_by=PLACER), username="sa"
    )

    assert response.status_code == 200
    assert "does not know your account yet" in page_text(response)
    assert sim[1].store.sessions[LECTURE].grants == {}


def test_when_the_placer_cannot_act_the_player_still_shows_with_a_notice(
    tool, platform, sim
):
    grant_mode(tool)  # nobody signed in as the placer, and no provider username known

    response = view(platform, platform.placed(LECTURE, created_by=PLACER))

    assert response.status_code == 200
    assert "could not share this video" in page_text(response)
    assert parse(response.get_data(as_text=True)).one("iframe")


def test_with_the_provider_key_the_tool_grants_as_the_placer_without_a_sign_in(
    tool, platform, sim
):
    grant_mode(tool)
    with tool.app_context():
        custom = platform.placed(LECTURE, created_by=PLACER)
        placement = db.session.get(Placement, custom["panopto_placement_id"])
        placement.created_by_username = "connor"  # OnTrack\connor: Creator in SIT999
        db.session.commit()

    response = view(platform, custom)

    assert response.status_code == 200
    assert "player-notice" not in response.get_data(as_text=True)
    assert can_open(sim[0], "OnTrack\\sam", LECTURE)


def test_a_panopto_outage_during_the_grant_is_retried_on_the_next_view(
    tool, platform, sim
):
    grant_mode(tool)
    placer_signed_in_as_ina(tool, sim[0])
    custom = platform.placed(LECTURE, created_by=PLACER)
    sim[1].faults.set("down", count=10)

    during = view(platform, custom)
    sim[1].faults.clear()
    after = view(platform, custom)

    assert during.status_code == 200
    assert "did not answer" in page_text(during)
    assert after.status_code == 200
    assert "player-notice" not in after.get_data(as_text=True)
    assert can_open(sim[0], "OnTrack\\sam", LECTURE)


def test_the_placer_viewing_their_own_video_needs_no_grant(tool, platform, sim):
    grant_mode(tool)
    calls = len(sim[1].calls)

    response = view(platform, platform.placed(LECTURE, created_by=USER_ID))

    assert response.status_code == 200
    assert sim[1].calls[calls:] == []


# -- at insert time -----------------------------------------------------------------


def open_signed_in_chooser(platform, tool, sim, **claims):
    form = platform.deep_link_form(platform.login(), extra_claims=claims or None)
    response = platform.post(form)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    token = chooser_token(response.get_data(as_text=True))
    with tool.app_context():
        DatabaseTokenStore().save(
            UserKey(PLATFORM_ISSUER, USER_ID), password_token(sim[0])
        )
    return token


def chooser_post(platform, token, path, body=None):
    return platform.client.post(
        "/chooser/api" + path, json=body or {}, headers={"X-Chooser-Token": token}
    )


def test_in_access_level_mode_restricted_videos_are_flagged(platform, tool, sim):
    token = open_signed_in_chooser(platform, tool, sim)

    answer = chooser_post(
        platform,
        token,
        "/access/check",
        {"session_ids": [LECTURE, seed.SESSION_GUEST, seed.SESSION_WELCOME]},
    )

    assert answer.status_code == 200
    assert answer.json["mode"] == "access_level"
    flagged = {
        s["id"]: (s["level"], s["students_refused"]) for s in answer.json["sessions"]
    }
    assert flagged == {
        LECTURE: ("Restricted", True),
        seed.SESSION_GUEST: ("PublicUnlisted", False),
        seed.SESSION_WELCOME: ("Organization", False),
    }


def test_the_one_click_fix_shares_the_video_with_the_organisation(platform, tool, sim):
    token = open_signed_in_chooser(platform, tool, sim)

    fixed = chooser_post(platform, token, f"/access/share/{LECTURE}")

    assert fixed.status_code == 200
    assert fixed.json == {"id": LECTURE, "level": "OrganizationUnlisted"}
    assert can_open(sim[0], "OnTrack\\sam", LECTURE)
    again = chooser_post(platform, token, "/access/check", {"session_ids": [LECTURE]})
    assert again.json["sessions"][0]["students_refused"] is False


def test_the_fix_is_refused_for_a_video_the_user_may_not_share(platform, tool, sim):
    token = open_signed_in_chooser(platform, tool, sim)
    with tool.app_context():  # sign the chooser user in as Tom, a viewer in SIT999
        DatabaseTokenStore().save(
            UserKey(PLATFORM_ISSUER, USER_ID),
            password_token(sim[0], ("tom.tutor", "tom-demo-pass")),
        )

    refused = chooser_post(platform, token, f"/access/share/{LECTURE}")

    assert refused.status_code == 403
    assert refused.json["error"]["code"] == "panopto_forbidden"


def test_in_grant_mode_there_is_nothing_to_warn_about(platform, tool, sim):
    grant_mode(tool)
    token = open_signed_in_chooser(platform, tool, sim)
    calls = len(sim[1].calls)

    answer = chooser_post(platform, token, "/access/check", {"session_ids": [LECTURE]})

    assert answer.json == {"mode": "grant", "sessions": []}
    assert sim[1].calls[calls:] == []


@pytest.mark.parametrize(
    "body",
    [{}, {"session_ids": []}, {"session_ids": ["nope"]}, {"session_ids": "x"}],
)
def test_the_check_refuses_bad_ids(platform, tool, sim, body):
    token = open_signed_in_chooser(platform, tool, sim)

    assert chooser_post(platform, token, "/access/check", body).status_code == 400


def test_an_insert_records_the_placement_with_its_unit_and_placer(platform, tool, sim):
    grant_mode(tool)
    token = open_signed_in_chooser(platform, tool, sim, preferred_username="connor")

    inserted = chooser_post(platform, token, "/insert", {"session_ids": [LECTURE]})

    assert inserted.status_code == 200
    with tool.app_context():
        (placement,) = db.session.execute(select(Placement)).scalars()
        assert (placement.issuer, placement.context_id, placement.session_id) == (
            PLATFORM_ISSUER,
            CONTEXT_ID,
            LECTURE,
        )
        assert (placement.created_by, placement.created_by_username) == (
            USER_ID,
            "connor",
        )


# -- identity-provider sign-in: no pop-up -------------------------------------------


def test_with_provider_sign_in_the_chooser_needs_no_pop_up(platform, tool, sim):
    grant_mode(tool, provider_sign_in=True)
    form = platform.deep_link_form(
        platform.login(), extra_claims={"preferred_username": "tara"}
    )
    token = chooser_token(platform.post(form).get_data(as_text=True))

    folders = platform.client.get(
        "/chooser/api/folders", headers={"X-Chooser-Token": token}
    )

    assert folders.status_code == 200
    assert "SIT999 Applied Video Studies" in {
        f["name"] for f in folders.json["folders"]
    }
    with tool.app_context():
        row = db.session.execute(select(PanoptoToken)).scalar_one()
        assert row.subject == USER_ID


def test_provider_sign_in_for_someone_panopto_does_not_know_asks_to_sign_in(
    platform, tool, sim
):
    grant_mode(tool, provider_sign_in=True)
    form = platform.deep_link_form(
        platform.login(), extra_claims={"preferred_username": "stranger"}
    )
    token = chooser_token(platform.post(form).get_data(as_text=True))

    folders = platform.client.get(
        "/chooser/api/folders", headers={"X-Chooser-Token": token}
    )

    assert folders.status_code == 401
    assert folders.json["error"]["code"] == "panopto_sign_in_required"


def test_username_claims_are_read_as_configured():
    class Dep:
        def __init__(self, claim):
            self.username_claim = claim

    launch = {
        "sub": "s-1",
        "email": "e@x.test",
        "preferred_username": "pu",
        "https://purl.imsglobal.org/spec/lti/claim/custom": {
            "username": "cu",
            "unsubstituted": "$User.username",
        },
    }

    assert access.username_of(launch, Dep("sub")) == "s-1"
    assert access.username_of(launch, Dep("email")) == "e@x.test"
    assert access.username_of(launch, Dep("preferred_username")) == "pu"
    assert access.username_of(launch, Dep("custom:username")) == "cu"
    assert access.username_of(launch, Dep("custom:unsubstituted")) is None
    assert access.username_of(launch, Dep("custom:missing")) is None
    assert access.username_of(launch, None) == "s-1"
