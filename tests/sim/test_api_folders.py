"""Folder routes: browsing, search, per-user visibility, paging and errors."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from devkit.panopto_sim import seed
from devkit.panopto_sim.models import ZERO_GUID

from .helpers import BASE_URL, PanoptoCaller, make_app

TOP = f"/folders/{ZERO_GUID}/children"


def names(results: list[dict]) -> list[str]:
    return [item["Name"] for item in results]


@pytest.mark.parametrize(
    "user, expected",
    [
        (
            "ina.instructor",
            ["Ina Instructor", "Orientation & Welcome", "SIT999 Applied Video Studies"],
        ),
        (
            "tom.tutor",
            [
                "Orientation & Welcome",
                "SIT777 Secure Systems",
                "SIT999 Applied Video Studies",
            ],
        ),
        ("stu.student", ["Orientation & Welcome", "SIT999 Applied Video Studies"]),
    ],
)
def test_top_level_lists_only_the_callers_folders(
    panopto: PanoptoCaller, user: str, expected: list[str]
) -> None:
    assert names(panopto.all_results(TOP, user)) == expected


@pytest.mark.parametrize(
    "user, expected",
    [
        ("ina.instructor", ["Ina Instructor", "SIT999 Applied Video Studies"]),
        ("tom.tutor", ["SIT777 Secure Systems"]),
        ("stu.student", []),
    ],
)
def test_can_create_keeps_folders_where_the_caller_creates(
    panopto: PanoptoCaller, user: str, expected: list[str]
) -> None:
    assert names(panopto.all_results(TOP, user, canCreate="true")) == expected


def test_subfolders_inherit_access_and_roles(panopto: PanoptoCaller) -> None:
    path = f"/folders/{seed.FOLDER_SIT999}/children"

    assert names(panopto.all_results(path, "stu.student")) == [
        "SIT999 Submissions: Stu Student",
        "Week 1",
        "Week 2",
    ]
    assert names(panopto.all_results(path, "tom.tutor", canCreate="true")) == ["Week 1"]


def test_children_of_an_unseen_or_unknown_folder_are_empty_not_403(
    panopto: PanoptoCaller,
) -> None:
    unseen = panopto.get(f"/folders/{seed.FOLDER_SIT777}/children", "stu.student")
    unknown = panopto.get("/folders/f0000000-0000-4000-8000-0000000000ff/children")

    assert (unseen.status_code, unseen.get_json()) == (200, {"Results": []})
    assert (unknown.status_code, unknown.get_json()) == (200, {"Results": []})


def test_get_folder_returns_parent_and_urls(panopto: PanoptoCaller) -> None:
    folder = panopto.get(f"/folders/{seed.FOLDER_SIT999_WEEK1}", "tom.tutor").get_json()

    assert folder["ParentFolder"] == {
        "Id": seed.FOLDER_SIT999,
        "Name": "SIT999 Applied Video Studies",
    }
    assert folder["Urls"]["FolderUrl"].startswith(f"{BASE_URL}/Panopto/Pages/Sessions/")
    assert folder["Urls"]["ShareSettingsUrl"]


def test_share_settings_url_is_blank_without_creator_rights(
    panopto: PanoptoCaller,
) -> None:
    folder = panopto.get(f"/folders/{seed.FOLDER_SIT999}", "stu.student").get_json()

    assert folder["ParentFolder"] is None
    assert folder["Urls"]["ShareSettingsUrl"] is None


def test_get_unseen_folder_is_403_without_body(panopto: PanoptoCaller) -> None:
    response = panopto.get(f"/folders/{seed.FOLDER_INA_PERSONAL}", "stu.student")

    assert (response.status_code, response.data) == (403, b"")


@pytest.mark.parametrize(
    "folder_id, status",
    [
        ("f0000000-0000-4000-8000-0000000000ff", 404),
        (ZERO_GUID, 404),
        ("not-a-guid", 400),
    ],
)
def test_get_folder_errors_carry_api_error(
    panopto: PanoptoCaller, folder_id: str, status: int
) -> None:
    response = panopto.get(f"/folders/{folder_id}")

    error = response.get_json()["Error"]
    assert response.status_code == status
    assert error["Success"] is False
    assert error["Message"]


def test_paging_starts_at_zero_and_ends_with_an_empty_page() -> None:
    caller = PanoptoCaller(make_app(SIM_PAGE_SIZE=2).test_client())

    pages = [
        names(caller.results(TOP, "ina.instructor", pageNumber=n)) for n in range(4)
    ]

    assert pages == [
        ["Ina Instructor", "Orientation & Welcome"],
        ["SIT999 Applied Video Studies"],
        [],
        [],
    ]


def test_size_parameters_are_ignored(panopto: PanoptoCaller) -> None:
    results = panopto.results(TOP, "ina.instructor", maxNumberResults=1, pageSize=1)

    assert len(results) == 3


def test_sort_order_desc_reverses(panopto: PanoptoCaller) -> None:
    ascending = names(panopto.results(TOP, "ina.instructor"))
    descending = names(panopto.results(TOP, "ina.instructor", sortOrder="Desc"))

    assert descending == list(reversed(ascending))


@pytest.mark.parametrize(
    "params",
    [
        {"sortField": "Relevance"},
        {"sortField": "Size"},
        {"sortOrder": "Sideways"},
        {"pageNumber": "-1"},
        {"pageNumber": "one"},
        {"canCreate": "maybe"},
    ],
)
def test_bad_list_parameters_are_400(panopto: PanoptoCaller, params: dict) -> None:
    response = panopto.get(TOP, **params)

    assert response.status_code == 400
    assert response.get_json()["Error"]["ErrorSource"] in params


@pytest.mark.parametrize(
    "query, user, expected",
    [
        ("week", "stu.student", {"Week 1", "Week 2"}),
        ("WEE", "stu.student", {"Week 1", "Week 2"}),
        ("wE", "stu.student", {"Week 1", "Week 2", "Orientation & Welcome"}),
        ("eek", "stu.student", set()),
        (
            "sit",
            "tom.tutor",
            {
                "SIT777 Secure Systems",
                "SIT999 Applied Video Studies",
                "SIT999 Submissions: Stu Student",
            },
        ),
        (
            "sit",
            "stu.student",
            {"SIT999 Applied Video Studies", "SIT999 Submissions: Stu Student"},
        ),
        ("sit999 video", "stu.student", {"SIT999 Applied Video Studies"}),
        ("sit999 security", "tom.tutor", set()),
        ("&&", "stu.student", set()),
        (
            "*",
            "stu.student",
            {
                "Orientation & Welcome",
                "SIT999 Applied Video Studies",
                "SIT999 Submissions: Stu Student",
                "Week 1",
                "Week 2",
            },
        ),
    ],
)
def test_folder_search_matches_word_prefixes(
    panopto: PanoptoCaller, query: str, user: str, expected: set[str]
) -> None:
    found = panopto.all_results("/folders/search", user, searchQuery=query)

    assert set(names(found)) == expected


def test_folder_search_honours_can_create(panopto: PanoptoCaller) -> None:
    found = panopto.all_results(
        "/folders/search", "tom.tutor", searchQuery="*", canCreate="true"
    )

    assert set(names(found)) == {"Week 1", "SIT777 Secure Systems"}


@pytest.mark.parametrize("params", [{}, {"searchQuery": ""}, {"searchQuery": "   "}])
def test_folder_search_needs_a_query(panopto: PanoptoCaller, params: dict) -> None:
    response = panopto.get("/folders/search", **params)

    assert response.status_code == 400
    assert response.get_json()["Error"]["ErrorSource"] == "searchQuery"


@pytest.mark.parametrize(
    "user, expected",
    [
        (
            "ina.instructor",
            {
                "SIT999 Applied Video Studies",
                "SIT999 Submissions: Stu Student",
                "Week 1",
                "Week 2",
                "Ina Instructor",
            },
        ),
        ("tom.tutor", {"Week 1", "SIT777 Secure Systems"}),
        ("stu.student", {"SIT999 Submissions: Stu Student"}),
    ],
)
def test_creator_folders(panopto: PanoptoCaller, user: str, expected: set[str]) -> None:
    assert set(names(panopto.all_results("/folders/creator", user))) == expected


def test_unknown_api_route_is_404_with_api_error(client: FlaskClient) -> None:
    response = client.get("/Panopto/api/v1/no/such/route")

    assert response.status_code == 404
    assert response.get_json()["Error"]["Success"] is False
