"""Who is staff in a launch, from its LIS roles (LTI Core 1.3, appendix A.2).

Staff (instructors, tutors, content developers, administrators) browse Panopto freely in
the chooser; everyone else is treated as a student, who may only record or upload into
their own folder. Context (membership) roles decide: a staff member enrolled as a student
in a unit is a student there. Administrators of the institution or system count as staff
everywhere. A launch without roles is treated as a student's, the narrower of the two.
"""

from __future__ import annotations

from typing import Any

ROLES_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/roles"
LIS = "http://purl.imsglobal.org/vocab/lis/v2/"

STAFF_CONTEXT_ROLES = frozenset(
    {"Instructor", "TeachingAssistant", "ContentDeveloper", "Administrator"}
)
ADMINISTRATOR_ROLES = frozenset(
    {LIS + "institution/person#Administrator", LIS + "system/person#Administrator"}
)


def is_staff(launch_data: dict[str, Any]) -> bool:
    roles = launch_data.get(ROLES_CLAIM)
    if not isinstance(roles, list):
        return False
    return any(_is_staff_role(role) for role in roles if isinstance(role, str))


def _is_staff_role(role: str) -> bool:
    if role in ADMINISTRATOR_ROLES:
        return True
    if role in STAFF_CONTEXT_ROLES:  # LTI 1.1-style short names, still sent by some
        return True
    if not role.startswith(LIS + "membership"):
        return False
    # ".../membership#Instructor" or a sub-role ".../membership/Instructor#TeachingAssistant"
    principal, _, sub_role = role.removeprefix(LIS + "membership").partition("#")
    return (
        principal.strip("/") in STAFF_CONTEXT_ROLES or sub_role in STAFF_CONTEXT_ROLES
    )
