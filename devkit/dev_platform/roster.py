"""The three demo people and their LTI roles.

Roles follow the proposed OnTrack mapping in LTI-NOTES 8.3, written as LIS v2 role URIs
(LTI Core 1.3, appendix A.2).
"""

from __future__ import annotations

from dataclasses import dataclass

LIS_MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"

LEARNER = f"{LIS_MEMBERSHIP}#Learner"
INSTRUCTOR = f"{LIS_MEMBERSHIP}#Instructor"
TEACHING_ASSISTANT = f"{LIS_MEMBERSHIP}/Instructor#TeachingAssistant"
CONTENT_DEVELOPER = f"{LIS_MEMBERSHIP}#ContentDeveloper"


@dataclass(frozen=True)
class User:
    """A person who can sign in to the dev platform."""

    id: str
    given_name: str
    family_name: str
    email: str
    #: The OnTrack role in the unit: Student, Tutor or Convenor.
    ontrack_role: str
    lti_roles: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def is_staff(self) -> bool:
        return self.ontrack_role != "Student"

    @property
    def sub(self) -> str:
        """The stable, opaque LTI subject; not the login name."""
        return f"ontrack-user-{self.id}"


USERS: dict[str, User] = {
    user.id: user
    for user in (
        User(
            id="sam",
            given_name="Sam",
            family_name="Student",
            email="sam.student@ontrack.example",
            ontrack_role="Student",
            lti_roles=(LEARNER,),
        ),
        User(
            id="tara",
            given_name="Tara",
            family_name="Tutor",
            email="tara.tutor@ontrack.example",
            ontrack_role="Tutor",
            lti_roles=(INSTRUCTOR, TEACHING_ASSISTANT),
        ),
        User(
            id="connor",
            given_name="Connor",
            family_name="Convenor",
            email="connor.convenor@ontrack.example",
            ontrack_role="Convenor",
            lti_roles=(INSTRUCTOR, CONTENT_DEVELOPER),
        ),
    )
}

#: Who is signed in before anyone uses the switcher: the convenor, because the demo starts
#: by inserting a video, which only staff may do; the switcher then shows the student view.
DEFAULT_USER_ID = "connor"


def find_user(user_id: str | None) -> User | None:
    """The user with this id, or None."""
    if user_id is None:
        return None
    return USERS.get(user_id)
