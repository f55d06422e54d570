"""The simulator's deterministic seed data, with stable ids for tests and docs.

Every app instance gets a fresh copy from ``build()``, so one test's edits never
leak into another. The data includes awkward but legal values on purpose: unicode,
markup in names, a null description and start time, and a ``CreatedBy`` with the
zero GUID and no username (all seen on real sites, API-NOTES section 4).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .models import ZERO_GUID, AccessLevel, Folder, Role, Session, User, ViewRecord

# -- users ---------------------------------------------------------------------------

INA_ID = "acc00000-0000-4000-8000-000000000001"
TOM_ID = "acc00000-0000-4000-8000-000000000002"
STU_ID = "acc00000-0000-4000-8000-000000000003"
SASHA_ID = "acc00000-0000-4000-8000-000000000004"

INA = User(
    id=INA_ID,
    username="ina.instructor",
    display_name="Ina Instructor",
    password="ina-demo-pass",
    description="Unit chair: creator in SIT999 and in her own folder",
)
TOM = User(
    id=TOM_ID,
    username="tom.tutor",
    display_name="Tom Tutor",
    password="tom-demo-pass",
    description="Tutor: viewer in SIT999, creator in its Week 1 and in SIT777",
)
STU = User(
    id=STU_ID,
    username="stu.student",
    display_name="Stu Student",
    password="stu-demo-pass",
    description="Student: viewer in SIT999, creator in their own submissions folder; has "
    "watched a few lectures",
)
SASHA = User(
    id=SASHA_ID,
    username="sasha.sso",
    display_name="Sasha SSO-only",
    password=None,
    description="Student who signs in by SSO only: no password grant, "
    "only the identity-provider variant",
)

# The dev platform's people as Panopto's OnTrack identity provider knows them: user keys
# ``OnTrack\{username}`` (API-NOTES 1.4, 7.2), SSO only, with no folder roles of their own.
# The tool grants them access just in time.
PROVIDER_SAM_ID = "acc00000-0000-4000-8000-000000000011"
PROVIDER_TARA_ID = "acc00000-0000-4000-8000-000000000012"
PROVIDER_CONNOR_ID = "acc00000-0000-4000-8000-000000000013"
PROVIDER_SAMIR_ID = "acc00000-0000-4000-8000-000000000014"

PROVIDER_USERS = (
    User(
        id=PROVIDER_SAM_ID,
        username="OnTrack\\sam",
        display_name="Sam Student (OnTrack)",
        password=None,
        description="The dev platform's student, provisioned by the OnTrack provider",
    ),
    User(
        id=PROVIDER_TARA_ID,
        username="OnTrack\\tara",
        display_name="Tara Tutor (OnTrack)",
        password=None,
        description="The dev platform's tutor, provisioned by the OnTrack provider",
    ),
    User(
        id=PROVIDER_CONNOR_ID,
        username="OnTrack\\connor",
        display_name="Connor Convenor (OnTrack)",
        password=None,
        description="The dev platform's convenor, provisioned by the OnTrack provider",
    ),
    User(
        # Starts like sam's username: a search for OnTrack\sam finds both, so only an
        # exact match may be taken for the user.
        id=PROVIDER_SAMIR_ID,
        username="OnTrack\\samir",
        display_name="Samir Someone (OnTrack)",
        password=None,
        description="Another OnTrack user whose username starts like sam's",
    ),
)

USERS = (INA, TOM, STU, SASHA, *PROVIDER_USERS)

# -- folders -------------------------------------------------------------------------

FOLDER_SIT999 = "f0000000-0000-4000-8000-000000000001"
FOLDER_SIT999_WEEK1 = "f0000000-0000-4000-8000-000000000002"
FOLDER_SIT999_WEEK2 = "f0000000-0000-4000-8000-000000000003"
FOLDER_SIT777 = "f0000000-0000-4000-8000-000000000004"
FOLDER_INA_PERSONAL = "f0000000-0000-4000-8000-000000000005"
FOLDER_ORIENTATION = "f0000000-0000-4000-8000-000000000006"
FOLDER_STU_SUBMISSIONS = "f0000000-0000-4000-8000-000000000007"

# -- sessions ------------------------------------------------------------------------

LECTURE_COUNT = 23
"""More than two pages at the default page size of 10."""


def lecture_id(number: int) -> str:
    """Id of "SIT999 Lecture NN" (1-based) in the SIT999 folder."""
    return f"5e550000-0000-4000-8000-{number:012d}"


SESSION_CAFE = "5e550000-0000-4000-8000-000000000101"
SESSION_SCRIPT = "5e550000-0000-4000-8000-000000000102"
SESSION_QUOTES = "5e550000-0000-4000-8000-000000000103"
SESSION_UNTITLED = "5e550000-0000-4000-8000-000000000104"
SESSION_THREATS = "5e550000-0000-4000-8000-000000000201"
SESSION_GUEST = "5e550000-0000-4000-8000-000000000202"
SESSION_DRAFT = "5e550000-0000-4000-8000-000000000301"
SESSION_WELCOME = "5e550000-0000-4000-8000-000000000401"
SESSION_LIBRARY = "5e550000-0000-4000-8000-000000000402"

CAFE_NAME = "Café ☕ – 日本語 intro"
SCRIPT_NAME = "<script>alert(1)</script> Lecture"
QUOTES_NAME = 'Tom & Jerry\'s "quotes"'

LECTURE_TOPICS = (
    "Why video works",
    "Framing the shot",
    "Light and shadow",
    "Recording clean sound",
    "Storyboards",
    "Interview technique",
    "Screen capture",
    "Editing basics",
    "Pacing and rhythm",
    "Colour grading",
    "Captions and accessibility",
    "Music and licensing",
    "Motion graphics",
    "Live streaming",
    "Lecture capture rooms",
    "Feedback on drafts",
    "Mobile filmmaking",
    "Documentary forms",
    "Ethics and consent",
    "Distribution channels",
    "Measuring engagement",
    "Revision week",
    "Exam preparation",
)

SEMESTER_START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
"""First lecture; later ones follow every few days so that CreatedDate sorting differs
from name sorting only where the seed says so."""


@dataclass
class Seed:
    """A fresh, mutable copy of everything the simulator starts with."""

    users: tuple[User, ...]
    folders: list[Folder]
    sessions: list[Session]
    views: list[ViewRecord]


def build() -> Seed:
    """Make a new copy of the seed data."""
    return Seed(
        users=USERS,
        folders=_folders(),
        sessions=_lectures() + _other_sessions(),
        views=_views(),
    )


def _folders() -> list[Folder]:
    return [
        Folder(
            id=FOLDER_SIT999,
            name="SIT999 Applied Video Studies",
            description="Unit folder for SIT999, trimester 1.",
            parent_id=None,
            access_level=AccessLevel.RESTRICTED,
            grants={
                INA_ID: Role.CREATOR,
                TOM_ID: Role.VIEWER,
                STU_ID: Role.VIEWER,
                SASHA_ID: Role.VIEWER,
                # The dev platform's staff, as the OnTrack provider provisions them; its
                # student (OnTrack\sam) has no role and relies on the tool's grants.
                PROVIDER_CONNOR_ID: Role.CREATOR,
                PROVIDER_TARA_ID: Role.VIEWER,
            },
        ),
        Folder(
            id=FOLDER_SIT999_WEEK1,
            name="Week 1",
            description="Recordings from the first week.",
            parent_id=FOLDER_SIT999,
            grants={TOM_ID: Role.CREATOR, PROVIDER_TARA_ID: Role.CREATOR},
        ),
        Folder(
            id=FOLDER_SIT999_WEEK2,
            name="Week 2",
            description=None,
            parent_id=FOLDER_SIT999,
        ),
        Folder(
            id=FOLDER_SIT777,
            name="SIT777 Secure Systems",
            description="Tom's unit; Ina and the students are not enrolled.",
            parent_id=None,
            access_level=AccessLevel.RESTRICTED,
            grants={TOM_ID: Role.CREATOR},
        ),
        Folder(
            id=FOLDER_INA_PERSONAL,
            name="Ina Instructor",
            description="Ina's personal folder.",
            parent_id=None,
            access_level=AccessLevel.RESTRICTED,
            grants={INA_ID: Role.CREATOR},
        ),
        Folder(
            # Where Stu's recorded answers go: inside the unit folder, so its staff can
            # watch them (Ina and Tom by inheritance), with creator rights for Stu only.
            id=FOLDER_STU_SUBMISSIONS,
            name="SIT999 Submissions: Stu Student",
            description="Stu's answers and submissions for SIT999.",
            parent_id=FOLDER_SIT999,
            grants={STU_ID: Role.CREATOR},
        ),
        Folder(
            id=FOLDER_ORIENTATION,
            name="Orientation & Welcome",
            description="Open to everyone at the university.",
            parent_id=None,
            access_level=AccessLevel.ORGANIZATION,
        ),
    ]


def _lectures() -> list[Session]:
    lectures = []
    for number, topic in enumerate(LECTURE_TOPICS, start=1):
        start = SEMESTER_START + timedelta(days=3 * (number - 1))
        lectures.append(
            Session(
                id=lecture_id(number),
                name=f"SIT999 Lecture {number:02d}: {topic}",
                description=f"Week {(number + 1) // 2} lecture on {topic.lower()}.",
                folder_id=FOLDER_SIT999,
                start_time=start,
                duration=float(2400 + 60 * number),
                created_at=start + timedelta(hours=2),
                created_by_id=INA_ID,
                has_captions=number % 2 == 1,
            )
        )
    return lectures


def _other_sessions() -> list[Session]:
    week1 = SEMESTER_START - timedelta(days=7)
    return [
        Session(
            id=SESSION_CAFE,
            name=CAFE_NAME,
            description="Ünïcödé everywhere: ☕ 日本語 — and an em dash.",
            folder_id=FOLDER_SIT999_WEEK1,
            start_time=week1,
            duration=754.5,
            created_at=week1 + timedelta(hours=1),
            created_by_id=TOM_ID,
            has_captions=True,
        ),
        Session(
            id=SESSION_SCRIPT,
            name=SCRIPT_NAME,
            description="<b>Markup</b> in a description must stay text.",
            folder_id=FOLDER_SIT999_WEEK1,
            start_time=week1 + timedelta(days=1),
            duration=1800.0,
            created_at=week1 + timedelta(days=1, hours=1),
            created_by_id=TOM_ID,
        ),
        Session(
            id=SESSION_QUOTES,
            name=QUOTES_NAME,
            description="Ampersands & 'single' and \"double\" quotes.",
            folder_id=FOLDER_SIT999_WEEK1,
            start_time=week1 + timedelta(days=2),
            duration=95.25,
            created_at=week1 + timedelta(days=2, hours=1),
            created_by_id=INA_ID,
        ),
        Session(
            # Null description and start time, and an orphaned creator: all legal.
            id=SESSION_UNTITLED,
            name="Untitled recording",
            description=None,
            folder_id=FOLDER_SIT999_WEEK1,
            start_time=None,
            duration=12.0,
            created_at=week1 + timedelta(days=3),
            created_by_id=ZERO_GUID,
        ),
        Session(
            id=SESSION_THREATS,
            name="Threat modelling basics",
            description="STRIDE in practice.",
            folder_id=FOLDER_SIT777,
            start_time=SEMESTER_START + timedelta(days=1),
            duration=3300.0,
            created_at=SEMESTER_START + timedelta(days=1, hours=2),
            created_by_id=TOM_ID,
        ),
        Session(
            # Anyone signed in may open it by id, yet it is listed only in SIT777.
            id=SESSION_GUEST,
            name="Guest lecture: incident response",
            description="Shared with a link for other units.",
            folder_id=FOLDER_SIT777,
            start_time=SEMESTER_START + timedelta(days=8),
            duration=3900.0,
            created_at=SEMESTER_START + timedelta(days=8, hours=2),
            created_by_id=TOM_ID,
            access_level=AccessLevel.PUBLIC_UNLISTED,
        ),
        Session(
            id=SESSION_DRAFT,
            name="Draft: welcome message",
            description="Not shared with anyone yet.",
            folder_id=FOLDER_INA_PERSONAL,
            start_time=SEMESTER_START - timedelta(days=14),
            duration=240.0,
            created_at=SEMESTER_START - timedelta(days=14),
            created_by_id=INA_ID,
        ),
        Session(
            id=SESSION_WELCOME,
            name="Welcome to the university",
            description="A message from the vice-chancellor.",
            folder_id=FOLDER_ORIENTATION,
            start_time=SEMESTER_START - timedelta(days=21),
            duration=600.0,
            created_at=SEMESTER_START - timedelta(days=21),
            created_by_id=ZERO_GUID,
            has_captions=True,
        ),
        Session(
            id=SESSION_LIBRARY,
            name="Library tour",
            description="Where to find books, rooms and help.",
            folder_id=FOLDER_ORIENTATION,
            start_time=SEMESTER_START - timedelta(days=20),
            duration=480.0,
            created_at=SEMESTER_START - timedelta(days=20),
            created_by_id=ZERO_GUID,
        ),
    ]


def _views() -> list[ViewRecord]:
    return [
        ViewRecord(STU_ID, lecture_id(1), percent_completed=100, position_seconds=0.0),
        ViewRecord(
            STU_ID, lecture_id(2), percent_completed=40, position_seconds=1056.0
        ),
        ViewRecord(STU_ID, SESSION_CAFE, percent_completed=10, position_seconds=75.0),
        ViewRecord(
            INA_ID, SESSION_LIBRARY, percent_completed=55, position_seconds=264.0
        ),
    ]
