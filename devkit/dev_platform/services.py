"""The platform's LTI side as one plain-Python service, used by the thin views.

Three browser journeys (LTI-NOTES 8.4.3 to 8.4.6):

1. *Open the chooser*: ``start_deep_link`` records a pending request and returns the
   third-party login initiation for the tool, with a signed ``lti_message_hint``.
2. *Answer the tool*: ``authenticate`` checks the tool's OIDC authentication request and
   returns the form that posts a signed id_token to the registered redirect URI.
3. *Receive the choice*: ``receive_deep_link`` verifies the tool's response JWT and stores
   the items against the placement.

A placed item is shown by ``start_item_launch``: a fresh login for whoever views it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

from .authorize import Registration, check_authentication_request
from .config import storage_target
from .deep_linking import DeepLinkResponse, Expectation, read_response
from .errors import AuthorizationRequestError, DeepLinkResponseError, NotAllowedError
from .hints import KIND_DEEP_LINK, KIND_RESOURCE_LINK, HintSigner, MessageHint
from .keys import PlatformKeys
from .messages import (
    PlatformIdentity,
    deep_linking_claims,
    launch_target,
    resource_link_claims,
    sign_id_token,
)
from .roster import User
from .store import (
    PLACEMENT_DESCRIPTION,
    PLACEMENTS,
    DeepLinkRequest,
    EmbeddedItem,
    PlatformStore,
)
from .tool_keys import ToolKeySet

logger = logging.getLogger(__name__)

DEEP_LINK_RETURN_PATH = "/lti/deep-link/return"


@dataclass(frozen=True)
class FormPost:
    """A form the browser submits by itself: to the tool's login or its redirect URI."""

    action: str
    method: str
    fields: dict[str, str]


@dataclass(frozen=True)
class ReceivedChoice:
    """The outcome of an accepted Deep Linking response."""

    items: tuple[EmbeddedItem, ...]
    response: DeepLinkResponse


class LtiPlatform:
    """The platform's registration of the one tool, its keys and its records."""

    def __init__(
        self,
        settings: dict[str, Any],
        store: PlatformStore,
        keys: PlatformKeys,
        tool_keys: ToolKeySet,
    ) -> None:
        self.store = store
        self.keys = keys
        self.tool_keys = tool_keys
        self.hints = HintSigner(settings["SECRET_KEY"])
        self.tool_login_url: str = settings["TOOL_LOGIN_URL"]
        self.login_method: str = settings["LOGIN_INITIATION_METHOD"]
        self.send_deep_link_data: bool = settings["SEND_DEEP_LINK_DATA"]
        #: ``lti_storage_target`` sent with logins and launches; None without storage.
        self.storage_target: str | None = storage_target(settings)
        #: Offered on the tool registration page (Dynamic Registration).
        self.settings_registration_url: str = settings["TOOL_REGISTRATION_URL"]
        self.identity = PlatformIdentity(
            issuer=settings["PLATFORM_URL"],
            client_id=settings["CLIENT_ID"],
            deployment_id=settings["DEPLOYMENT_ID"],
            tool_launch_url=settings["TOOL_LAUNCH_URL"],
            deep_link_return_url=settings["PLATFORM_URL"] + DEEP_LINK_RETURN_PATH,
        )
        self.registration = Registration(
            client_id=settings["CLIENT_ID"],
            redirect_uris=tuple(settings["TOOL_REDIRECT_URIS"]),
        )

    def start_deep_link(
        self, user: User, placement: str, task_id: str
    ) -> tuple[DeepLinkRequest, FormPost]:
        """Open the chooser for ``placement``: a pending request and the tool login form.

        :raises NotAllowedError: when a student asks to edit a task description.
        """
        if placement not in PLACEMENTS:
            raise NotAllowedError(
                "Videos can go in a task description or a comment only."
            )
        if placement == PLACEMENT_DESCRIPTION and not user.is_staff:
            raise NotAllowedError("Only staff can add videos to a task description.")

        request = self.store.start_deep_link(
            user, placement, task_id, send_data=self.send_deep_link_data
        )
        hint = MessageHint(kind=KIND_DEEP_LINK, user_id=user.id, target_id=request.id)
        logger.info("%s opened the chooser for %s", user.id, placement)
        return request, self._login_form(user, hint, self.identity.tool_launch_url)

    def start_item_launch(self, user: User, item_id: str) -> FormPost:
        """The tool login form that shows a placed item to ``user``."""
        item = self.store.get_item(item_id)
        hint = MessageHint(kind=KIND_RESOURCE_LINK, user_id=user.id, target_id=item.id)
        return self._login_form(user, hint, launch_target(self.identity, item))

    def authenticate(self, params: dict[str, str], signed_in: User | None) -> FormPost:
        """Answer the tool's authentication request with a signed id_token.

        :raises AuthorizationRequestError: when a parameter breaks a rule.
        """
        checked = check_authentication_request(
            params, self.registration, signed_in, self.hints
        )
        claims = self._claims_for(checked.hint, checked.user, checked.nonce)
        id_token = sign_id_token(claims, self.keys)
        fields = {"id_token": id_token, "state": checked.state}
        if self.storage_target:
            # Client-side postMessage drafts: the launch names the storage frame too.
            fields["lti_storage_target"] = self.storage_target
        return FormPost(action=checked.redirect_uri, method="post", fields=fields)

    def register_tool(
        self,
        client_id: str,
        deployment_id: str,
        login_url: str,
        redirect_uris: tuple[str, ...],
        launch_url: str,
        jwks_url: str,
    ) -> None:
        """Replace the one tool registration with a dynamically registered one."""
        self.identity = replace(
            self.identity,
            client_id=client_id,
            deployment_id=deployment_id,
            tool_launch_url=launch_url,
        )
        self.registration = Registration(
            client_id=client_id, redirect_uris=redirect_uris
        )
        self.tool_login_url = login_url
        if jwks_url != self.tool_keys.jwks_url:
            self.tool_keys = ToolKeySet(jwks_url)
        logger.info("Registered the tool dynamically as client %s", client_id)

    def receive_deep_link(
        self, token: str, request_id: str | None, user: User | None
    ) -> ReceivedChoice:
        """Verify the tool's response for the browser's open chooser and store its items.

        :raises DeepLinkResponseError: when the response or the session does not fit.
        """
        request = self.store.get_deep_link(request_id) if request_id else None
        if request is None:
            raise DeepLinkResponseError(
                "No video chooser is open in this browser, or it has expired."
            )
        if user is None or request.user_id != user.id:
            raise DeepLinkResponseError("The video chooser was opened by someone else.")

        expected = Expectation(
            issuer=self.identity.issuer,
            client_id=self.identity.client_id,
            deployment_id=self.identity.deployment_id,
            tool_launch_url=self.identity.tool_launch_url,
        )
        response = read_response(
            token, expected, request, self.tool_keys, self.store.remember_nonce
        )

        items = self.store.complete_deep_link(request.id, response.items)
        logger.info("Placed %d item(s) in %s", len(items), request.placement)
        return ReceivedChoice(items=items, response=response)

    def _claims_for(self, hint: MessageHint, user: User, nonce: str) -> dict[str, Any]:
        if hint.kind == KIND_DEEP_LINK:
            request = self._open_request(hint)
            launch = (user, self.store.unit, self.store.get_task(request.task_id))
            return deep_linking_claims(self.identity, launch, request, nonce)

        item = self.store.get_item(hint.target_id)
        launch = (user, self.store.unit, self.store.get_task(item.task_id))
        return resource_link_claims(self.identity, launch, item, nonce)

    def _open_request(self, hint: MessageHint) -> DeepLinkRequest:
        request = self.store.get_deep_link(hint.target_id)
        if request is None or request.completed:
            raise AuthorizationRequestError(
                "The video chooser this sign-in was for is closed. Open it again."
            )
        return request

    def _login_form(
        self, user: User, hint: MessageHint, target_link_uri: str
    ) -> FormPost:
        # LTI Core 1.3 section 4.1: third-party initiated login.
        fields = {
            "iss": self.identity.issuer,
            "login_hint": user.id,
            "target_link_uri": target_link_uri,
            "lti_message_hint": self.hints.sign(hint),
            "client_id": self.identity.client_id,
            "lti_deployment_id": self.identity.deployment_id,
        }
        if self.storage_target:
            fields["lti_storage_target"] = self.storage_target
        return FormPost(
            action=self.tool_login_url, method=self.login_method, fields=fields
        )
