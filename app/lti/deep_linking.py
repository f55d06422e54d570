"""The Deep Linking response (https://www.imsglobal.org/spec/lti-dl/v2p0#deep-linking-response-message).

pylti1p3's ``DeepLinkResource`` cannot express ``iframe``, ``thumbnail`` or ``text``, and its
message always carries ``data`` (as ``null`` when the request had none). So we take the
library's message (issuer, audience, nonce, deployment, times), put our own items in, drop
``data`` when it was not sent, and sign it with the library's signer, which puts the ``kid``
of our key in the header.

The response honours the request's settings (Deep Linking 2.0 §4.4.1): items only of a
type listed in ``accept_types``, at most one item unless ``accept_multiple`` is true, and
``data`` echoed only when the request carried it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urlsplit

from pylti1p3.deep_link import DeepLink

from ..embed_options import EmbedOptions
from ..errors import BadRequest, LaunchError, LaunchReason

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
CONTENT_ITEMS_CLAIM = DL + "content_items"
DATA_CLAIM = DL + "data"
SETTINGS_CLAIM = DL + "deep_linking_settings"
#: Longer than any real return URL; keeps a hostile one out of our pages and logs.
MAX_URL_LENGTH = 2048

#: Panopto's own LMS plugins send a 128x72 thumbnail with each item.
THUMBNAIL_SIZE = {"width": 128, "height": 72}
#: The frame of an item placed with the default options (medium, 16:9).
IFRAME_SIZE = dict(zip(("width", "height"), EmbedOptions().frame_size(), strict=True))


@dataclass(frozen=True)
class ResourceLinkItem:
    """One ``ltiResourceLink`` content item that shows a Panopto session."""

    launch_url: str
    session_id: str
    title: str
    description: str | None = None
    thumbnail_url: str | None = None
    options: EmbedOptions = field(default_factory=EmbedOptions)

    #: More custom parameters (the placement record's, see app.access); strings only.
    extra_custom: dict[str, str] = field(default_factory=dict)

    item_type: ClassVar[str] = "ltiResourceLink"

    def to_claim(self) -> dict[str, Any]:
        width, height = self.options.frame_size()
        item: dict[str, Any] = {
            "type": self.item_type,
            "url": self.launch_url,
            "title": self.title,
            "iframe": {"width": width, "height": height},
            # Values in `custom` must be strings (Deep Linking 2.0 §3.4.5).
            "custom": {
                **self.extra_custom,
                **self.options.to_custom(),
                "panopto_session_id": self.session_id,
            },
        }
        if self.options.display == "thumbnail":
            # A platform that opens windows itself may; one that frames every item shows
            # our thumbnail card, whose link opens the video in a new window.
            item["window"] = {"targetName": "_blank"}
        if self.description:
            item["text"] = self.description
        if self.thumbnail_url:
            item["thumbnail"] = {"url": self.thumbnail_url, **THUMBNAIL_SIZE}
        return item


def settings_of(launch_data: dict[str, Any]) -> dict[str, Any]:
    settings = launch_data.get(SETTINGS_CLAIM)
    return dict(settings) if isinstance(settings, dict) else {}


def check_settings(settings: Any) -> None:
    """Refuse Deep Linking settings we could not answer (Deep Linking 2.0 §4.4.1).

    The return URL is where the browser will post our signed response, so it must be an
    absolute http(s) URL: anything else (``javascript:``, a number) would either fail late,
    after the person has chosen, or run script in our page.

    :raises LaunchError: naming the setting that is missing or malformed.
    """
    if not isinstance(settings, dict):
        raise LaunchError(
            "The Deep Linking request has no valid deep_linking_settings.",
            LaunchReason.MISSING_CLAIM,
        )

    return_url = settings.get("deep_link_return_url")
    if not return_url:
        raise LaunchError(
            "The Deep Linking request does not say where to return to.",
            LaunchReason.MISSING_CLAIM,
        )
    if not _is_absolute_http_url(return_url):
        raise LaunchError(
            "The Deep Linking return URL is not an http or https address.",
            LaunchReason.MALFORMED_TOKEN,
        )

    for name in ("accept_types", "accept_presentation_document_targets"):
        value = settings.get(name)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise LaunchError(
                f"The Deep Linking request's {name} is not a list of names.",
                LaunchReason.MALFORMED_TOKEN,
            )


def _is_absolute_http_url(value: Any) -> bool:
    if not isinstance(value, str) or len(value) > MAX_URL_LENGTH:
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def accepts_multiple(settings: dict[str, Any]) -> bool:
    """Whether the platform takes several items (the claim may be a bool or a string)."""
    value = settings.get("accept_multiple", False)
    return value is True or value == "true"


def build_response_jwt(
    deep_link: DeepLink, settings: dict[str, Any], items: list[ResourceLinkItem]
) -> str:
    """Sign the Deep Linking response that carries ``items`` back to the platform.

    :raises BadRequest: when more items are chosen than the platform accepts, or of a type
        it does not accept.
    """
    if len(items) > 1 and not accepts_multiple(settings):
        raise BadRequest("This place in OnTrack accepts only one video. Choose one.")
    accepted = settings.get("accept_types")
    accepted = accepted if isinstance(accepted, list) else []
    if any(item.item_type not in accepted for item in items):
        raise BadRequest(
            "This place in OnTrack does not accept links to the Panopto tool, so no "
            "video can be inserted here."
        )

    message = deep_link.get_message_jwt([])
    message[CONTENT_ITEMS_CLAIM] = [item.to_claim() for item in items]
    if "data" in settings:
        message[DATA_CLAIM] = settings["data"]
    else:
        message.pop(DATA_CLAIM, None)

    return deep_link.encode_jwt(message)
