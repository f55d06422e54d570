"""The simulator's access control: user search, session grants and sharing levels.

These are the Panopto behaviours the tool's just-in-time grants and sharing fix rely on, so
they must hold in the simulator as they do on a real site (API-NOTES section 7).
"""

from __future__ import annotations

from flask.testing import FlaskClient

from devkit.panopto_sim import seed
from devkit.panopto_sim.models import Role
from devkit.panopto_sim.oauth import provider_password

from .helpers import API, APPLICATION_KEY, PanoptoCaller, password_grant

LECTURE = seed.lecture_id(3)
SAM_KEY = "OnTrack\\sam"


def provider_token(client: FlaskClient, user_key: str) -> dict[str, str]:
    response = password_grant(
        client, user_key, provider_password(user_key, APPLICATION_KEY)
    )
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def test_user_search_finds_provider_users_by_their_user_key(panopto: PanoptoCaller):
    found = panopto.results("/users/search", "ina.instructor", searchQuery=SAM_KEY)

    usernames = {user["Username"] for user in found}
    # Prefix matching finds samir too: a client must pick the exact username.
    assert {"OnTrack\\sam", "OnTrack\\samir"} <= usernames
    assert all(set(user) == {"Id", "Username"} for user in found)


def test_a_provider_user_signs_in_with_the_hashed_password_grant(client: FlaskClient):
    headers = provider_token(client, SAM_KEY)

    response = client.get(f"{API}/sessions/{LECTURE}", headers=headers)

    # Sam has no folder role: a restricted lecture is refused until someone grants it.
    assert response.status_code == 403


def test_a_viewer_grant_lets_the_user_open_the_session(
    client: FlaskClient, panopto: PanoptoCaller
):
    sam = provider_token(client, SAM_KEY)
    granted = client.post(
        f"{API}/sessions/{LECTURE}/permissions",
        json={
            "RoleType": "Viewer",
            "PrincipalId": seed.PROVIDER_SAM_ID,
            "PrincipalType": "User",
        },
        headers=panopto.headers("ina.instructor"),
    )

    assert granted.status_code == 200
    assert granted.get_json()["Principal"]["Id"] == seed.PROVIDER_SAM_ID
    assert client.get(f"{API}/sessions/{LECTURE}", headers=sam).status_code == 200
    # ...and only that session.
    other = seed.lecture_id(4)
    assert client.get(f"{API}/sessions/{other}", headers=sam).status_code == 403

    listed = panopto.all_results(f"/sessions/{LECTURE}/permissions", "ina.instructor")
    own = [p for p in listed if not p["IsInherited"]]
    assert [(p["Principal"]["Id"], p["Role"]["Name"]) for p in own] == [
        (seed.PROVIDER_SAM_ID, "Viewer")
    ]


def test_granting_twice_keeps_one_grant_and_revoking_removes_it(
    client: FlaskClient, panopto: PanoptoCaller
):
    body = {
        "RoleType": "Viewer",
        "PrincipalId": seed.PROVIDER_SAM_ID,
        "PrincipalType": "User",
    }
    headers = panopto.headers("ina.instructor")
    for _ in range(2):
        assert (
            client.post(
                f"{API}/sessions/{LECTURE}/permissions", json=body, headers=headers
            ).status_code
            == 200
        )
    own = [
        p
        for p in panopto.all_results(
            f"/sessions/{LECTURE}/permissions", "ina.instructor"
        )
        if not p["IsInherited"]
    ]
    assert len(own) == 1

    revoked = client.delete(
        f"{API}/sessions/{LECTURE}/permissions",
        query_string={"PrincipalId": seed.PROVIDER_SAM_ID, "PrincipalType": "User"},
        headers=headers,
    )
    assert revoked.status_code == 200
    sam = provider_token(client, SAM_KEY)
    assert client.get(f"{API}/sessions/{LECTURE}", headers=sam).status_code == 403


def test_only_a_creator_may_grant(client: FlaskClient, panopto: PanoptoCaller):
    response = client.post(
        f"{API}/sessions/{LECTURE}/permissions",
        json={
            "RoleType": "Viewer",
            "PrincipalId": seed.STU_ID,
            "PrincipalType": "User",
        },
        headers=panopto.headers("tom.tutor"),  # a viewer in SIT999
    )

    assert response.status_code == 403


def test_granting_to_an_unknown_user_is_a_bad_request(panopto: PanoptoCaller):
    response = panopto.client.post(
        f"{API}/sessions/{LECTURE}/permissions",
        json={
            "RoleType": "Viewer",
            "PrincipalId": "acc00000-0000-4000-8000-0000000000ff",
            "PrincipalType": "User",
        },
        headers=panopto.headers("ina.instructor"),
    )

    assert response.status_code == 400


def test_sharing_with_the_organisation_lets_any_signed_in_user_open_it(
    client: FlaskClient, panopto: PanoptoCaller
):
    sam = provider_token(client, SAM_KEY)
    changed = panopto.put(
        f"/sessions/{LECTURE}/settings/access",
        {"IsInherited": False, "Level": "OrganizationUnlisted"},
    )

    assert changed.status_code == 200
    assert changed.get_json() == {"IsInherited": False, "Level": "OrganizationUnlisted"}
    assert client.get(f"{API}/sessions/{LECTURE}", headers=sam).status_code == 200
    read = panopto.get(f"/sessions/{LECTURE}/settings/access", "ina.instructor")
    assert read.get_json()["Level"] == "OrganizationUnlisted"


def test_a_session_set_narrower_than_its_folder_keeps_the_folders_level(
    panopto: PanoptoCaller,
):
    welcome = seed.SESSION_WELCOME  # in a folder open to the organisation
    # Nobody may manage the orientation folder in the seed: give Ina the role first.
    sim_folder = panopto.client.application.extensions["panopto_sim"].store.folders[
        seed.FOLDER_ORIENTATION
    ]
    sim_folder.grants[seed.INA_ID] = Role.CREATOR

    changed = panopto.put(
        f"/sessions/{welcome}/settings/access",
        {"IsInherited": False, "Level": "Restricted"},
    )

    assert changed.status_code == 200
    assert changed.get_json()["Level"] == "Organization"


def test_every_rest_call_is_counted(panopto: PanoptoCaller, sim):
    before = len(sim.calls)

    panopto.get("/users/search", "ina.instructor", searchQuery="stu")

    assert sim.calls[before:] == [("GET", API + "/users/search")]
