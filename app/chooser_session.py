"""Who is using the chooser: a signed token that names a validated Deep Linking launch.

The chooser runs inside the platform's iframe, where cookies are often blocked, so its requests
carry this token instead (in the ``X-Chooser-Token`` header, or the ``t`` query parameter for
the Panopto sign-in pop-up). The token only points at launch data kept on the server.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from pylti1p3.exception import LtiException

from .errors import DeploymentNotActive, LaunchExpired
from .lti.deep_linking import settings_of
from .lti.roles import is_staff
from .lti.tool_config import launch_deployment
from .panopto.oauth import UserKey

#: How long a chooser stays usable after its launch: long enough to record and upload a
#: video, short enough that a leaked token soon stops working.
CHOOSER_TOKEN_MAX_AGE_SECONDS = 4 * 60 * 60
# Bandit B105 is a false positive here: a salt name, not a secret.
TOKEN_SALT = "chooser-launch"  # nosec B105
CONTEXT_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/context"
CUSTOM_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/custom"


@dataclass(frozen=True)
class ChooserContext:
    launch_id: str
    launch_data: dict[str, Any]

    @property
    def user(self) -> UserKey:
        return UserKey(
            issuer=str(self.launch_data["iss"]), subject=str(self.launch_data["sub"])
        )

    @property
    def settings(self) -> dict[str, Any]:
        return settings_of(self.launch_data)

    @property
    def selection_key(self) -> str:
        """Names this person's unfinished selection in this course, so that a chooser opened
        again after a failure or a closed dialog offers the videos chosen before."""
        parts = (self.user.issuer, self.user.subject, str(self.context.get("id")))
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]

    @property
    def is_staff(self) -> bool:
        """Staff browse Panopto; anyone else records or uploads into their own folder."""
        return is_staff(self.launch_data)

    @property
    def context(self) -> dict[str, Any]:
        """The launch's unit (``context`` claim): id, label such as SIT999, title."""
        value = self.launch_data.get(CONTEXT_CLAIM)
        return value if isinstance(value, dict) else {}

    @property
    def custom(self) -> dict[str, Any]:
        value = self.launch_data.get(CUSTOM_CLAIM)
        return value if isinstance(value, dict) else {}


def issue_token(secret_key: str, launch_id: str) -> str:
    return URLSafeTimedSerializer(secret_key, salt=TOKEN_SALT).dumps(launch_id)


def read_token(secret_key: str, token: str | None) -> str:
    """The launch id inside a chooser token.

    :raises LaunchExpired: when the token is missing, forged or too old.
    """
    if not token:
        raise LaunchExpired()
    serializer = URLSafeTimedSerializer(secret_key, salt=TOKEN_SALT)
    try:
        return str(serializer.loads(token, max_age=CHOOSER_TOKEN_MAX_AGE_SECONDS))
    except (SignatureExpired, BadSignature) as err:
        raise LaunchExpired() from err


def load_context(
    secret_key: str, token: str | None, load_launch
) -> tuple[ChooserContext, Any]:
    """Resolve a token into the chooser context and the stored pylti1p3 launch."""
    return open_launch(read_token(secret_key, token), load_launch)


def open_launch(launch_id: str, load_launch) -> tuple[ChooserContext, Any]:
    """The chooser context of a stored launch whose deployment is still active.

    :raises LaunchExpired: when the launch is no longer stored.
    :raises DeploymentNotActive: when its deployment was held or removed since.
    """
    try:
        launch = load_launch(launch_id)
        data = launch.get_launch_data()
    except LtiException as err:
        raise LaunchExpired() from err

    # A chooser stays open for hours: an administrator's hold or removal of its deployment
    # must stop it too, not only new launches.
    deployment = launch_deployment(data)
    if deployment is None or not deployment.is_active:
        raise DeploymentNotActive()
    return ChooserContext(launch_id, dict(data)), launch
