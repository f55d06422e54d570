"""Session routes: listings and their caveats, search, visibility, edits."""

from __future__ import annotations

import pytest

from devkit.panopto_sim import seed
from devkit.panopto_sim.models import ZERO_GUID

from .helpers import BASE_URL, PanoptoCaller, make_app

SIT999_SESSIONS = f"/folders/{seed.FOLDER_SIT999}/sessions"
WEEK1_SESSIONS = f"/folders/{seed.FOLDER_SIT999_WEEK1}/sessions"


def ids(results: list[dict]) -> list[str]:
    return [item["Id"] for item in results]


def non_null_urls(session: dict) -> set[str]:
    return {name for name, value in session["Urls"].items() if value is not None}


# -- listings ------------------------------------------------------------------------


def test_folder_with_23_sessions_pages_10_10_3_then_empty(
    panopto: PanoptoCaller,
) -> None:
    sizes = [len(panopto.results(SIT999_SESSIONS, pageNumber=n)) for n in range(4)]
    everything = panopto.all_results(SIT999_SESSIONS)

    assert sizes == [10, 10, 3, 0]
    assert ids(everything) == [seed.lecture_id(n) for n in range(1, 24)]


def test_folder_listing_omits_created_by_and_urls_but_viewer(
    panopto: PanoptoCaller,
) -> None:
    for session in panopto.all_results(SIT999_SESSIONS, "ina.instructor"):
        assert session["CreatedBy"] is None
        assert non_null_urls(session) == {"ViewerUrl"}
        assert session["Folder"] == seed.FOLDER_SIT999


def test_session_search_keeps_viewer_and_thumbnail_urls(panopto: PanoptoCaller) -> None:
    found = panopto.all_results("/sessions/search", "ina.instructor", searchQuery="*")

    assert found
    for session in found:
        assert session["CreatedBy"] is None
        assert non_null_urls(session) == {"ViewerUrl", "ThumbnailUrl"}


def test_get_session_returns_the_full_shape(panopto: PanoptoCaller) -> None:
    session = panopto.get(
        f"/sessions/{seed.lecture_id(1)}", "ina.instructor"
    ).get_json()

    assert session["CreatedBy"] == {"Id": seed.INA_ID, "Username": "ina.instructor"}
    assert session["Urls"]["EmbedUrl"] == (
        f"{BASE_URL}/Panopto/Pages/Embed.aspx?id={seed.lecture_id(1)}"
    )
    assert session["Urls"]["EditorUrl"] is not None
    assert session["Urls"]["CaptionDownloadUrl"] is not None
    assert session["FolderDetails"] == {
        "Id": seed.FOLDER_SIT999,
        "Name": "SIT999 Applied Video Studies",
    }
    assert session["StartTime"] == "2025-03-03T09:00:00Z"


def test_viewers_get_no_editor_or_share_urls(panopto: PanoptoCaller) -> None:
    session = panopto.get(f"/sessions/{seed.lecture_id(1)}", "stu.student").get_json()

    assert session["Urls"]["EditorUrl"] is None
    assert session["Urls"]["ShareSettingsUrl"] is None
    assert session["PercentCompleted"] == 100


def test_awkward_names_come_back_unchanged(panopto: PanoptoCaller) -> None:
    listed = {s["Id"]: s["Name"] for s in panopto.all_results(WEEK1_SESSIONS)}

    assert listed[seed.SESSION_CAFE] == "Café ☕ – 日本語 intro"
    assert listed[seed.SESSION_SCRIPT] == "<script>alert(1)</script> Lecture"
    assert listed[seed.SESSION_QUOTES] == 'Tom & Jerry\'s "quotes"'


def test_null_heavy_session_is_served_with_nulls(panopto: PanoptoCaller) -> None:
    session = panopto.get(f"/sessions/{seed.SESSION_UNTITLED}").get_json()

    assert session["Description"] is None
    assert session["StartTime"] is None
    assert session["CreatedBy"] == {"Id": ZERO_GUID, "Username": None}


@pytest.mark.parametrize(
    "sort, order, expected",
    [
        (
            "Name",
            "Asc",
            [
                seed.SESSION_SCRIPT,
                seed.SESSION_CAFE,
                seed.SESSION_QUOTES,
                seed.SESSION_UNTITLED,
            ],
        ),
        (
            "CreatedDate",
            "Asc",
            [
                seed.SESSION_CAFE,
                seed.SESSION_SCRIPT,
                seed.SESSION_QUOTES,
                seed.SESSION_UNTITLED,
            ],
        ),
        (
            "CreatedDate",
            "Desc",
            [
                seed.SESSION_UNTITLED,
                seed.SESSION_QUOTES,
                seed.SESSION_SCRIPT,
                seed.SESSION_CAFE,
            ],
        ),
    ],
)
def test_folder_sessions_sort(
    panopto: PanoptoCaller, sort: str, order: str, expected: list[str]
) -> None:
    found = panopto.results(WEEK1_SESSIONS, sortField=sort, sortOrder=order)

    assert ids(found) == expected


def test_empty_folder_lists_nothing(panopto: PanoptoCaller) -> None:
    assert panopto.results(f"/folders/{seed.FOLDER_SIT999_WEEK2}/sessions") == []


# -- visibility ----------------------------------------------------------------------


def test_sessions_of_an_unseen_folder_are_an_empty_list(panopto: PanoptoCaller) -> None:
    response = panopto.get(f"/folders/{seed.FOLDER_SIT777}/sessions", "stu.student")

    assert (response.status_code, response.get_json()) == (200, {"Results": []})


def test_get_unseen_session_is_403_without_body(panopto: PanoptoCaller) -> None:
    response = panopto.get(f"/sessions/{seed.SESSION_THREATS}", "stu.student")

    assert (response.status_code, response.data) == (403, b"")


def test_link_shared_session_opens_by_id_but_is_not_listed(
    panopto: PanoptoCaller,
) -> None:
    opened = panopto.get(f"/sessions/{seed.SESSION_GUEST}", "stu.student")
    searched = panopto.results("/sessions/search", "stu.student", searchQuery="guest")

    assert opened.status_code == 200
    assert searched == []
    assert ids(
        panopto.results("/sessions/search", "tom.tutor", searchQuery="guest")
    ) == [seed.SESSION_GUEST]


@pytest.mark.parametrize(
    "session_id, status",
    [("5e550000-0000-4000-8000-0000000009ff", 404), ("5e55", 400)],
)
def test_get_session_errors_carry_api_error(
    panopto: PanoptoCaller, session_id: str, status: int
) -> None:
    response = panopto.get(f"/sessions/{session_id}")

    assert response.status_code == status
    assert response.get_json()["Error"]["Success"] is False


# -- search --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, expected",
    [
        ("caf", [seed.SESSION_CAFE]),
        ("日本", [seed.SESSION_CAFE]),
        ("<script>", [seed.SESSION_SCRIPT]),
        ("JERRY", [seed.SESSION_QUOTES]),
        ("untitled rec", [seed.SESSION_UNTITLED]),
        ("framing", [seed.lecture_id(2)]),
        ("ntitled", []),
    ],
)
def test_session_search_matches_case_insensitive_word_prefixes(
    panopto: PanoptoCaller, query: str, expected: list[str]
) -> None:
    assert ids(panopto.all_results("/sessions/search", searchQuery=query)) == expected


def test_star_matches_every_listed_session(panopto: PanoptoCaller) -> None:
    found = panopto.all_results("/sessions/search", "stu.student", searchQuery="*")

    # 23 lectures, 4 in Week 1 and 2 in Orientation; nothing from SIT777 or Ina's folder
    assert len(found) == 29


def test_relevance_puts_whole_word_matches_first(panopto: PanoptoCaller) -> None:
    found = panopto.results(
        "/sessions/search", "tom.tutor", searchQuery="in", sortField="Relevance"
    )

    # Only two descriptions have the whole word "in"; the rest start a word with it.
    assert set(ids(found[:2])) == {seed.SESSION_SCRIPT, seed.SESSION_THREATS}
    assert seed.SESSION_CAFE in ids(found[2:])


def test_search_context_only_when_asked(panopto: PanoptoCaller) -> None:
    plain = panopto.results("/sessions/search", searchQuery="jerry")
    with_context = panopto.results(
        "/sessions/search", searchQuery="jerry", includeFields="Context"
    )

    assert plain[0]["Context"] is None
    assert with_context[0]["Context"][0]["Text"] == 'Tom & Jerry\'s "quotes"'


def test_search_within_a_folder(panopto: PanoptoCaller) -> None:
    path = f"/folders/{seed.FOLDER_SIT999}/sessions/search"

    found = panopto.all_results(path, searchQuery="lecture 0")

    assert ids(found) == [seed.lecture_id(n) for n in range(1, 10)]
    assert all(non_null_urls(s) == {"ViewerUrl"} for s in found)


@pytest.mark.parametrize(
    "path",
    ["/sessions/search", f"/folders/{seed.FOLDER_SIT999}/sessions/search"],
)
@pytest.mark.parametrize("query", [None, "", " "])
def test_session_search_needs_a_query(
    panopto: PanoptoCaller, path: str, query: str | None
) -> None:
    params = {} if query is None else {"searchQuery": query}

    response = panopto.get(path, **params)

    assert response.status_code == 400
    assert response.get_json()["Error"]["ErrorSource"] == "searchQuery"


# -- viewing progress ------------------------------------------------------------------


def test_viewed_sessions_are_the_partly_watched_ones(panopto: PanoptoCaller) -> None:
    partly = panopto.all_results("/users/me/sessions/viewed", "stu.student")
    everything = panopto.all_results(
        "/users/me/sessions/viewed", "stu.student", includeCompleted="true"
    )

    assert {s["Id"]: s["PercentCompleted"] for s in partly} == {
        seed.lecture_id(2): 40,
        seed.SESSION_CAFE: 10,
    }
    assert set(ids(everything)) == {
        seed.lecture_id(1),
        seed.lecture_id(2),
        seed.SESSION_CAFE,
    }


def test_viewed_sessions_are_per_user(panopto: PanoptoCaller) -> None:
    viewed = panopto.all_results("/users/me/sessions/viewed", "ina.instructor")

    assert ids(viewed) == [seed.SESSION_LIBRARY]


# -- edits ---------------------------------------------------------------------------


def test_creator_can_rename_and_the_change_is_served(panopto: PanoptoCaller) -> None:
    path = f"/sessions/{seed.lecture_id(1)}"

    updated = panopto.put(path, {"Name": "Renamed <b>", "Description": None})

    assert updated.status_code == 200
    assert updated.get_json()["Name"] == "Renamed <b>"
    assert updated.get_json()["Description"] is not None
    assert panopto.get(path).get_json()["Name"] == "Renamed <b>"


def test_creator_can_move_a_session(panopto: PanoptoCaller) -> None:
    moved = panopto.put(
        f"/sessions/{seed.SESSION_CAFE}", {"Folder": seed.FOLDER_SIT999_WEEK2}
    )

    assert moved.get_json()["Folder"] == seed.FOLDER_SIT999_WEEK2
    assert ids(panopto.results(f"/folders/{seed.FOLDER_SIT999_WEEK2}/sessions")) == [
        seed.SESSION_CAFE
    ]


@pytest.mark.parametrize(
    "user, session_id, body",
    [
        ("stu.student", seed.lecture_id(1), {"Name": "mine now"}),
        ("tom.tutor", seed.lecture_id(1), {"Name": "viewer here"}),
        ("tom.tutor", seed.SESSION_CAFE, {"Folder": seed.FOLDER_SIT999_WEEK2}),
        ("stu.student", seed.SESSION_THREATS, {"Name": "cannot even see it"}),
    ],
    ids=["student", "tutor-as-viewer", "tutor-moving-out", "unseen"],
)
def test_edits_need_creator_rights(
    panopto: PanoptoCaller, user: str, session_id: str, body: dict
) -> None:
    response = panopto.put(f"/sessions/{session_id}", body, user)

    assert (response.status_code, response.data) == (403, b"")


def test_tutor_can_edit_in_the_folder_where_he_creates(panopto: PanoptoCaller) -> None:
    response = panopto.put(
        f"/sessions/{seed.SESSION_CAFE}", {"Name": "Café 2"}, "tom.tutor"
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    "body, source",
    [
        ([1, 2], "sessionUpdate"),
        ({"Name": ""}, "Name"),
        ({"Name": 5}, "Name"),
        ({"Folder": "nowhere"}, "Folder"),
        ({"Folder": "f0000000-0000-4000-8000-0000000000ff"}, "Folder"),
    ],
)
def test_bad_session_updates_are_400(
    panopto: PanoptoCaller, body: object, source: str
) -> None:
    response = panopto.put(f"/sessions/{seed.lecture_id(1)}", body)

    assert response.status_code == 400
    assert response.get_json()["Error"]["ErrorSource"] == source


def test_update_of_unknown_session_is_404(panopto: PanoptoCaller) -> None:
    response = panopto.put(
        "/sessions/5e550000-0000-4000-8000-0000000009ff", {"Name": "x"}
    )

    assert response.status_code == 404


def test_delete_returns_the_id_and_the_session_is_gone(panopto: PanoptoCaller) -> None:
    path = f"/sessions/{seed.SESSION_DRAFT}"

    deleted = panopto.delete(path)

    assert (deleted.status_code, deleted.get_json()) == (200, seed.SESSION_DRAFT)
    assert panopto.get(path, "ina.instructor").status_code == 404


def test_viewer_cannot_delete(panopto: PanoptoCaller) -> None:
    response = panopto.delete(f"/sessions/{seed.lecture_id(3)}", "stu.student")

    assert response.status_code == 403
    assert panopto.get(f"/sessions/{seed.lecture_id(3)}").status_code == 200


def test_each_app_starts_from_a_fresh_seed(panopto: PanoptoCaller) -> None:
    panopto.delete(f"/sessions/{seed.SESSION_DRAFT}")

    other = PanoptoCaller(make_app().test_client())

    assert (
        other.get(f"/sessions/{seed.SESSION_DRAFT}", "ina.instructor").status_code
        == 200
    )


# -- access settings -----------------------------------------------------------------


@pytest.mark.parametrize(
    "session_id, expected",
    [
        (seed.lecture_id(1), {"IsInherited": True, "Level": "Restricted"}),
        (seed.SESSION_GUEST, {"IsInherited": False, "Level": "PublicUnlisted"}),
        (seed.SESSION_WELCOME, {"IsInherited": True, "Level": "Organization"}),
    ],
)
def test_session_access_settings(
    panopto: PanoptoCaller, session_id: str, expected: dict
) -> None:
    response = panopto.get(f"/sessions/{session_id}/settings/access", "tom.tutor")

    assert response.get_json() == expected


def test_access_settings_of_an_unseen_session_are_403(panopto: PanoptoCaller) -> None:
    response = panopto.get(f"/sessions/{seed.SESSION_DRAFT}/settings/access")

    assert response.status_code == 403
