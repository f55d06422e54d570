"""Every JSON shape the simulator serves on REST v1 conforms to Panopto's swagger.

Each case names the swagger route it answers for; the response status must be one
the swagger declares there, and the body must match that status's schema (or be
empty where the swagger declares none).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import pytest

from devkit.panopto_sim import seed
from devkit.panopto_sim.models import ZERO_GUID

from .helpers import API, PanoptoCaller
from .swagger_contract import SwaggerContract

UNKNOWN_FOLDER = "f0000000-0000-4000-8000-0000000000ff"
UNKNOWN_SESSION = "5e550000-0000-4000-8000-0000000009ff"
SRT = b"1\n00:00:01,000 --> 00:00:03,500\nHello\n"
VTT = b"WEBVTT\n\n00:01.000 --> 00:03.500\nHallo\n"


@dataclass(frozen=True)
class Case:
    method: str
    route: str
    path: str
    status: int
    user: str = "ina.instructor"
    params: dict[str, str] = field(default_factory=dict)
    body: Any = None
    #: multipart/form-data fields; a bytes value is sent as a file of that name
    form: dict[str, Any] | None = None

    @property
    def id(self) -> str:
        return f"{self.method} {self.path} {self.params or ''} -> {self.status}"


CASES = [
    # auth
    Case("GET", "/auth/legacyLogin", "/auth/legacyLogin", 200),
    Case("GET", "/auth/legacyLogin", "/auth/legacyLogin", 401, user=""),
    # folders
    Case("GET", "/folders/{id}", f"/folders/{seed.FOLDER_SIT999}", 200),
    Case("GET", "/folders/{id}", f"/folders/{seed.FOLDER_SIT999_WEEK1}", 200),
    Case("GET", "/folders/{id}", f"/folders/{seed.FOLDER_SIT999}", 200, "stu.student"),
    Case("GET", "/folders/{id}", f"/folders/{seed.FOLDER_SIT777}", 403),
    Case("GET", "/folders/{id}", f"/folders/{UNKNOWN_FOLDER}", 404),
    Case("GET", "/folders/{id}", "/folders/bad-guid", 400),
    Case("GET", "/folders/{id}", f"/folders/{seed.FOLDER_SIT999}", 401, user=""),
    Case("GET", "/folders/{id}/children", f"/folders/{ZERO_GUID}/children", 200),
    Case(
        "GET", "/folders/{id}/children", f"/folders/{seed.FOLDER_SIT999}/children", 200
    ),
    Case(
        "GET",
        "/folders/{id}/children",
        f"/folders/{ZERO_GUID}/children",
        200,
        params={"pageNumber": "9"},
    ),
    Case(
        "GET",
        "/folders/{id}/children",
        f"/folders/{ZERO_GUID}/children",
        400,
        params={"sortField": "Relevance"},
    ),
    Case("GET", "/folders/{id}/children", "/folders/x/children", 400),
    Case("GET", "/folders/search", "/folders/search", 200, params={"searchQuery": "*"}),
    Case(
        "GET", "/folders/search", "/folders/search", 200, params={"searchQuery": "wee"}
    ),
    Case("GET", "/folders/search", "/folders/search", 400),
    Case("GET", "/folders/search", "/folders/search", 400, params={"searchQuery": ""}),
    Case("GET", "/folders/creator", "/folders/creator", 200),
    Case(
        "GET", "/folders/creator", "/folders/creator", 400, params={"sortOrder": "Up"}
    ),
    # sessions of a folder
    Case(
        "GET", "/folders/{id}/sessions", f"/folders/{seed.FOLDER_SIT999}/sessions", 200
    ),
    Case(
        "GET",
        "/folders/{id}/sessions",
        f"/folders/{seed.FOLDER_SIT999_WEEK1}/sessions",
        200,
        "stu.student",
    ),
    Case(
        "GET", "/folders/{id}/sessions", f"/folders/{seed.FOLDER_SIT777}/sessions", 200
    ),
    Case(
        "GET",
        "/folders/{id}/sessions",
        f"/folders/{seed.FOLDER_SIT999}/sessions",
        400,
        params={"pageNumber": "-3"},
    ),
    Case(
        "GET",
        "/folders/{id}/sessions/search",
        f"/folders/{seed.FOLDER_SIT999_WEEK1}/sessions/search",
        200,
        params={"searchQuery": "*"},
    ),
    Case(
        "GET",
        "/folders/{id}/sessions/search",
        f"/folders/{seed.FOLDER_SIT999_WEEK1}/sessions/search",
        400,
    ),
    # sessions
    Case(
        "GET", "/sessions/search", "/sessions/search", 200, params={"searchQuery": "*"}
    ),
    Case(
        "GET",
        "/sessions/search",
        "/sessions/search",
        200,
        params={"searchQuery": "caf", "includeFields": "Context"},
    ),
    Case(
        "GET",
        "/sessions/search",
        "/sessions/search",
        200,
        "stu.student",
        params={"searchQuery": "*", "sortField": "CreatedDate", "pageNumber": "2"},
    ),
    Case(
        "GET", "/sessions/search", "/sessions/search", 400, params={"searchQuery": " "}
    ),
    Case(
        "GET",
        "/sessions/search",
        "/sessions/search",
        400,
        params={"searchQuery": "x", "sortField": "Length"},
    ),
    Case("GET", "/sessions/{id}", f"/sessions/{seed.lecture_id(1)}", 200),
    Case(
        "GET", "/sessions/{id}", f"/sessions/{seed.lecture_id(2)}", 200, "stu.student"
    ),
    Case("GET", "/sessions/{id}", f"/sessions/{seed.SESSION_CAFE}", 200),
    Case("GET", "/sessions/{id}", f"/sessions/{seed.SESSION_SCRIPT}", 200),
    Case("GET", "/sessions/{id}", f"/sessions/{seed.SESSION_QUOTES}", 200),
    Case("GET", "/sessions/{id}", f"/sessions/{seed.SESSION_UNTITLED}", 200),
    Case(
        "GET", "/sessions/{id}", f"/sessions/{seed.SESSION_GUEST}", 200, "stu.student"
    ),
    Case("GET", "/sessions/{id}", f"/sessions/{seed.SESSION_WELCOME}", 200),
    Case("GET", "/sessions/{id}", f"/sessions/{seed.SESSION_THREATS}", 403),
    Case("GET", "/sessions/{id}", f"/sessions/{UNKNOWN_SESSION}", 404),
    Case("GET", "/sessions/{id}", "/sessions/nope", 400),
    Case(
        "PUT",
        "/sessions/{id}",
        f"/sessions/{seed.lecture_id(4)}",
        200,
        body={"Name": "New name", "Description": "New text"},
    ),
    Case(
        "PUT",
        "/sessions/{id}",
        f"/sessions/{seed.SESSION_CAFE}",
        200,
        body={"Folder": seed.FOLDER_SIT999_WEEK2},
    ),
    Case(
        "PUT",
        "/sessions/{id}",
        f"/sessions/{seed.lecture_id(4)}",
        400,
        body={"Name": ""},
    ),
    Case("PUT", "/sessions/{id}", f"/sessions/{seed.lecture_id(4)}", 400, body="text"),
    Case(
        "PUT",
        "/sessions/{id}",
        f"/sessions/{seed.lecture_id(4)}",
        403,
        "stu.student",
        body={"Name": "x"},
    ),
    Case(
        "PUT", "/sessions/{id}", f"/sessions/{UNKNOWN_SESSION}", 404, body={"Name": "x"}
    ),
    Case("DELETE", "/sessions/{id}", f"/sessions/{seed.SESSION_DRAFT}", 200),
    Case(
        "DELETE",
        "/sessions/{id}",
        f"/sessions/{seed.lecture_id(5)}",
        403,
        "stu.student",
    ),
    Case("DELETE", "/sessions/{id}", f"/sessions/{UNKNOWN_SESSION}", 404),
    Case(
        "GET",
        "/sessions/{id}/settings/access",
        f"/sessions/{seed.lecture_id(1)}/settings/access",
        200,
    ),
    Case(
        "GET",
        "/sessions/{id}/settings/access",
        f"/sessions/{seed.SESSION_GUEST}/settings/access",
        200,
        "stu.student",
    ),
    Case(
        "GET",
        "/sessions/{id}/settings/access",
        f"/sessions/{seed.SESSION_THREATS}/settings/access",
        403,
    ),
    Case(
        "GET",
        "/sessions/{id}/settings/access",
        f"/sessions/{UNKNOWN_SESSION}/settings/access",
        404,
    ),
    Case(
        "PUT",
        "/sessions/{id}/settings/access",
        f"/sessions/{seed.lecture_id(6)}/settings/access",
        200,
        body={"IsInherited": False, "Level": "OrganizationUnlisted"},
    ),
    Case(
        "PUT",
        "/sessions/{id}/settings/access",
        f"/sessions/{seed.lecture_id(6)}/settings/access",
        400,
        body={"IsInherited": False, "Level": "Everyone"},
    ),
    Case(
        "PUT",
        "/sessions/{id}/settings/access",
        f"/sessions/{seed.lecture_id(6)}/settings/access",
        403,
        "stu.student",
        body={"IsInherited": False, "Level": "Public"},
    ),
    Case(
        "PUT",
        "/sessions/{id}/settings/access",
        f"/sessions/{UNKNOWN_SESSION}/settings/access",
        404,
        body={"IsInherited": False, "Level": "Public"},
    ),
    # session permissions
    Case(
        "GET",
        "/sessions/{id}/permissions",
        f"/sessions/{seed.lecture_id(1)}/permissions",
        200,
    ),
    Case(
        "GET",
        "/sessions/{id}/permissions",
        f"/sessions/{seed.lecture_id(1)}/permissions",
        403,
        "stu.student",
    ),
    Case(
        "GET",
        "/sessions/{id}/permissions",
        f"/sessions/{seed.lecture_id(1)}/permissions",
        400,
        params={"pageNumber": "x"},
    ),
    Case(
        "POST",
        "/sessions/{id}/permissions",
        f"/sessions/{seed.lecture_id(7)}/permissions",
        200,
        body={
            "RoleType": "Viewer",
            "PrincipalId": seed.PROVIDER_SAM_ID,
            "PrincipalType": "User",
        },
    ),
    Case(
        "POST",
        "/sessions/{id}/permissions",
        f"/sessions/{seed.lecture_id(7)}/permissions",
        400,
        body={"RoleType": "Owner", "PrincipalId": seed.STU_ID, "PrincipalType": "User"},
    ),
    Case(
        "POST",
        "/sessions/{id}/permissions",
        f"/sessions/{seed.lecture_id(7)}/permissions",
        403,
        "stu.student",
        body={
            "RoleType": "Viewer",
            "PrincipalId": seed.STU_ID,
            "PrincipalType": "User",
        },
    ),
    Case(
        "DELETE",
        "/sessions/{id}/permissions",
        f"/sessions/{seed.lecture_id(7)}/permissions",
        200,
        params={"PrincipalId": seed.PROVIDER_SAM_ID, "PrincipalType": "User"},
    ),
    Case(
        "DELETE",
        "/sessions/{id}/permissions",
        f"/sessions/{seed.lecture_id(7)}/permissions",
        400,
        params={"PrincipalId": "nobody", "PrincipalType": "User"},
    ),
    Case(
        "DELETE",
        "/sessions/{id}/permissions",
        f"/sessions/{UNKNOWN_SESSION}/permissions",
        404,
        params={"PrincipalId": seed.STU_ID, "PrincipalType": "User"},
    ),
    Case("GET", "/users/search", "/users/search", 200, params={"searchQuery": "stu"}),
    Case(
        "GET",
        "/users/search",
        "/users/search",
        200,
        params={"searchQuery": "OnTrack\\sam"},
    ),
    Case("GET", "/users/search", "/users/search", 400),
    # captions
    Case(
        "POST",
        "/sessions/{id}/captions",
        f"/sessions/{seed.lecture_id(3)}/captions",
        200,
        form={"language": "English_USA", "captions.srt": SRT},
    ),
    Case(
        "POST",
        "/sessions/{id}/captions",
        f"/sessions/{seed.lecture_id(3)}/captions",
        400,
        form={"language": "Klingon", "captions.srt": SRT},
    ),
    Case(
        "POST",
        "/sessions/{id}/captions",
        f"/sessions/{seed.lecture_id(3)}/captions",
        400,
        form={"language": "German", "notes.txt": b"just some notes"},
    ),
    Case(
        "POST",
        "/sessions/{id}/captions",
        f"/sessions/{seed.lecture_id(3)}/captions",
        403,
        "stu.student",
        form={"language": "German", "captions.vtt": VTT},
    ),
    Case(
        "POST",
        "/sessions/{id}/captions",
        f"/sessions/{UNKNOWN_SESSION}/captions",
        404,
        form={"language": "German", "captions.vtt": VTT},
    ),
    Case(
        "DELETE",
        "/sessions/{id}/captions",
        f"/sessions/{seed.lecture_id(1)}/captions",
        200,
    ),
    Case(
        "DELETE",
        "/sessions/{id}/captions",
        f"/sessions/{seed.lecture_id(1)}/captions",
        403,
        "stu.student",
    ),
    Case(
        "DELETE",
        "/sessions/{id}/captions",
        f"/sessions/{UNKNOWN_SESSION}/captions",
        404,
    ),
    Case(
        "DELETE",
        "/sessions/{id}/captions/languages/{language}",
        f"/sessions/{seed.lecture_id(1)}/captions/languages/English_AUS",
        200,
    ),
    Case(
        "DELETE",
        "/sessions/{id}/captions/languages/{language}",
        f"/sessions/{seed.lecture_id(1)}/captions/languages/null",
        200,
    ),
    Case(
        "DELETE",
        "/sessions/{id}/captions/languages/{language}",
        f"/sessions/{seed.lecture_id(1)}/captions/languages/Elvish",
        400,
    ),
    Case(
        "DELETE",
        "/sessions/{id}/captions/languages/{language}",
        f"/sessions/{UNKNOWN_SESSION}/captions/languages/German",
        404,
    ),
    # users
    Case(
        "GET",
        "/users/me/sessions/viewed",
        "/users/me/sessions/viewed",
        200,
        "stu.student",
    ),
    Case(
        "GET",
        "/users/me/sessions/viewed",
        "/users/me/sessions/viewed",
        200,
        "stu.student",
        params={"includeCompleted": "true", "sortOrder": "Desc"},
    ),
    Case(
        "GET",
        "/users/me/sessions/viewed",
        "/users/me/sessions/viewed",
        400,
        params={"includeCompleted": "sometimes"},
    ),
]


def send(panopto: PanoptoCaller, case: Case):
    headers = panopto.headers(case.user) if case.user else {}
    if case.form is not None:
        form = {
            name: (io.BytesIO(value), name) if isinstance(value, bytes) else value
            for name, value in case.form.items()
        }
        return panopto.client.open(
            API + case.path,
            method=case.method,
            data=form,
            content_type="multipart/form-data",
            headers=headers,
        )
    return panopto.client.open(
        API + case.path,
        method=case.method,
        query_string=case.params,
        json=case.body,
        headers=headers,
    )


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_response_conforms_to_the_swagger(
    panopto: PanoptoCaller, swagger: SwaggerContract, case: Case
) -> None:
    response = send(panopto, case)

    assert response.status_code == case.status, response.get_data(as_text=True)
    problems = swagger.check(
        case.method, case.route, response.status_code, response.data
    )
    assert problems == []


def test_every_implemented_route_is_covered(app) -> None:
    served = {
        (method, rule.rule.removeprefix(API))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API)
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }

    def flask_rule(route: str, id_name: str) -> str:
        return route.replace("{id}", id_name).replace("{language}", "<language>")

    covered = {
        (case.method, flask_rule(case.route, "<folder_id>")) for case in CASES
    } | {(case.method, flask_rule(case.route, "<session_id>")) for case in CASES}

    assert served <= covered


# -- the contract itself must catch wrong shapes -------------------------------------


GOOD_SESSION = {
    "Id": seed.lecture_id(1),
    "Name": "n",
    "Folder": seed.FOLDER_SIT999,
    "StartTime": "2025-03-03T09:00:00Z",
    "CreatedBy": {"Id": ZERO_GUID, "Username": None},
}


@pytest.mark.parametrize(
    "change",
    [
        {"Folder": None},
        {"Id": "not-a-guid"},
        {"StartTime": "2025-03-03T09:00:00"},
        {"StartTime": "03/03/2025"},
        {"CreatedBy": {"Username": "x"}},
        {"CreatedBy": {"Id": None}},
        {"Duration": "long"},
        {"PercentCompleted": 1.5},
        {"Invented": 1},
    ],
)
def test_contract_rejects_wrong_session_shapes(
    swagger: SwaggerContract, change: dict
) -> None:
    validator = swagger.definition_validator("Session")
    assert validator.is_valid(GOOD_SESSION)

    assert not validator.is_valid({**GOOD_SESSION, **change})


def test_contract_accepts_nulls_only_where_not_required(
    swagger: SwaggerContract,
) -> None:
    access = swagger.definition_validator("AccessSettings")
    error = swagger.definition_validator("APIError")

    assert not access.is_valid({"IsInherited": None, "Level": "Public"})
    assert not access.is_valid({"IsInherited": True, "Level": "Everyone"})
    assert error.is_valid({"Error": {"Success": False, "ErrorCode": None}})
    assert not error.is_valid({"Error": {"ErrorCode": "x"}})


def test_contract_requires_empty_bodies_for_401(swagger: SwaggerContract) -> None:
    problems = swagger.check("GET", "/folders/{id}", 401, b'{"error": "x"}')

    assert problems


def test_contract_refuses_undeclared_statuses(swagger: SwaggerContract) -> None:
    assert swagger.check("GET", "/folders/{id}/children", 404, b"")
