"""What a view reads, and what the tool's processes keep so that a class opening one video
does not ask the database the same questions for every student.

A process keeps placements (written once), registrations with their deployments (a short
time; a change through the ORM is seen at once by the process that made it), and sessions
found "settled" (a deletion through the chooser is seen at once). Viewers who never signed
in to Panopto are known from a hint in the shared store, not from the token table.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event

from app.extensions import db
from app.panopto.oauth import UserKey
from app.services import DatabaseTokenStore
from app.viewer_status import record_deleted
from tests.tool.lti_harness import (
    LEARNER,
    PLATFORM_ISSUER,
    PLAYER_SESSION_ID,
    ROLES,
    set_deployment,
)
from tests.tool.pages import parse

#: Tables a view may read; the store's own table (stored_values) is the shared store, which
#: runs on the database when there is no Redis.
VIEW_TABLES = (
    "placements",
    "deployments",
    "platform_registrations",
    "deleted_sessions",
    "uploads",
    "panopto_tokens",
)


@pytest.fixture
def statements(app):
    """The SQL statements the app runs, as a list that tests read and clear."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement.lower())

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def tables_read(statements: list[str]) -> set[str]:
    return {
        table
        for table in VIEW_TABLES
        for statement in statements
        if f" {table}" in statement or f'"{table}"' in statement
    }


def student_view(platform, custom, student: str):
    _, response = platform.resource_launch(
        custom=custom, extra_claims={"sub": student, ROLES: [LEARNER]}
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response


def test_the_next_student_to_open_a_video_costs_no_database_query(platform, statements):
    custom = platform.placed()
    student_view(platform, custom, "student-1")
    assert tables_read(statements)  # the first view reads what it needs
    statements.clear()

    student_view(platform, custom, "student-2")

    assert tables_read(statements) == set()


def test_a_viewer_signed_in_to_panopto_is_still_looked_up(app, platform, statements):
    custom = platform.placed()
    student_view(platform, custom, "student-1")
    with app.app_context():
        DatabaseTokenStore().save(
            UserKey(PLATFORM_ISSUER, "student-2"),
            {"access_token": "a", "refresh_token": "r", "expires_in": 3600},
        )
    statements.clear()

    student_view(platform, custom, "student-2")

    assert tables_read(statements) == {"panopto_tokens"}


def test_a_deployment_held_by_an_admin_is_refused_at_once(app, platform):
    custom = platform.placed()
    student_view(platform, custom, "student-1")  # the deployment is now cached

    set_deployment(app, status="held")
    _, response = platform.resource_launch(custom=custom)

    assert response.status_code == 403
    assert "approv" in parse(response.get_data(as_text=True)).text.lower()


def test_a_video_deleted_through_the_chooser_says_so_at_once(app, platform):
    custom = platform.placed()
    first = student_view(platform, custom, "student-1")
    assert "was deleted" not in parse(first.get_data(as_text=True)).text

    with app.app_context():
        record_deleted(PLAYER_SESSION_ID)
    second = student_view(platform, custom, "student-2")

    assert "This video was deleted" in parse(second.get_data(as_text=True)).text
