"""How a placed video is shown: the options chosen in the chooser, carried to the viewer.

They travel in the content item's ``custom`` parameters, which Deep Linking requires to be
strings, and come back in every launch of that item. The chooser's choice is checked
strictly (a bad value is an error the person can fix); what a launch carries is read
leniently (a value we do not understand falls back to the default, so an old or edited
item still plays).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .errors import BadRequest

#: Widths of the three sizes, in CSS pixels; the height follows from the aspect ratio.
SIZES = {"small": 480, "medium": 640, "large": 960}
ASPECTS = {"16:9": (16, 9), "4:3": (4, 3)}
#: ``inline``: the player in the page. ``thumbnail``: a picture and a link that opens the
#: video in a new window. They map to Deep Linking's ``iframe`` and ``window`` targets.
DISPLAYS = {"inline": "iframe", "thumbnail": "window"}
#: The thumbnail card's frame: a 16:9 picture of 320 px and a line of text under it.
THUMBNAIL_FRAME = (340, 250)
#: Longer than any lecture; anything beyond is a typo.
MAX_START_SECONDS = 24 * 3600

#: m:ss, mm:ss, mmm:ss, or h:mm:ss.
CLOCK = re.compile(r"^(?:(\d{1,2}):([0-5]\d)|(\d{1,3})):([0-5]\d)$")
CUSTOM_PREFIX = "panopto_"


@dataclass(frozen=True)
class EmbedOptions:
    start_seconds: int = 0
    autoplay: bool = False
    captions: bool = False
    show_title: bool = True
    size: str = "medium"
    aspect: str = "16:9"
    display: str = "inline"

    @property
    def aspect_class(self) -> str:
        """The CSS class of the player's frame, e.g. ``frame-16x9``."""
        return "frame-" + self.aspect.replace(":", "x")

    def frame_size(self) -> tuple[int, int]:
        """Width and height of the platform's iframe for this item."""
        if self.display == "thumbnail":
            return THUMBNAIL_FRAME
        width = SIZES[self.size]
        across, down = ASPECTS[self.aspect]
        return width, round(width * down / across)

    def to_custom(self) -> dict[str, str]:
        """The options as Deep Linking custom parameters (all strings)."""
        values = {
            "start": str(self.start_seconds),
            "autoplay": _flag(self.autoplay),
            "captions": _flag(self.captions),
            "showtitle": _flag(self.show_title),
            "size": self.size,
            "aspect": self.aspect,
            "display": self.display,
        }
        return {CUSTOM_PREFIX + name: value for name, value in values.items()}

    def player_flags(self) -> dict[str, str]:
        """The options as Panopto embed query flags (API notes §5)."""
        flags = {
            "autoplay": _flag(self.autoplay),
            "captions": _flag(self.captions),
            "showtitle": _flag(self.show_title),
        }
        if self.start_seconds:
            flags["start"] = str(self.start_seconds)
        return flags


def from_chooser(data: Any, displays: frozenset[str]) -> EmbedOptions:
    """Options sent by the chooser for one item.

    :param displays: the displays the platform accepts (see :func:`allowed_displays`).
    :raises BadRequest: naming the option that is wrong.
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise BadRequest("The embed options of a video are not valid.")

    display = _choice(data, "display", tuple(DISPLAYS), "inline")
    if display not in displays:
        raise BadRequest("This place in OnTrack cannot show a video that way.")
    return EmbedOptions(
        start_seconds=parse_clock(data.get("start") or "0:00"),
        autoplay=_bool(data, "autoplay", False),
        captions=_bool(data, "captions", False),
        show_title=_bool(data, "show_title", True),
        size=_choice(data, "size", tuple(SIZES), "medium"),
        aspect=_choice(data, "aspect", tuple(ASPECTS), "16:9"),
        display=display,
    )


def from_custom(custom: Any) -> EmbedOptions:
    """Options carried by a launch's custom parameters; anything odd is the default."""
    if not isinstance(custom, dict):
        return EmbedOptions()

    def value(name: str) -> str:
        raw = custom.get(CUSTOM_PREFIX + name)
        return raw.strip().lower() if isinstance(raw, str) else ""

    defaults = EmbedOptions()
    start = value("start")
    return EmbedOptions(
        start_seconds=int(start)
        if start.isascii() and start.isdigit() and int(start) <= MAX_START_SECONDS
        else 0,
        autoplay=value("autoplay") == "true",
        captions=value("captions") == "true",
        show_title=value("showtitle") != "false",
        size=value("size") if value("size") in SIZES else defaults.size,
        aspect=value("aspect") if value("aspect") in ASPECTS else defaults.aspect,
        display=value("display") if value("display") in DISPLAYS else defaults.display,
    )


def allowed_displays(settings: dict[str, Any]) -> frozenset[str]:
    """The displays a Deep Linking request accepts, from its presentation targets.

    A platform that names no target we know gets the inline player, as before.
    """
    targets = settings.get("accept_presentation_document_targets")
    if not isinstance(targets, list):
        targets = []
    allowed = frozenset(
        display for display, target in DISPLAYS.items() if target in targets
    )
    return allowed or frozenset({"inline"})


def parse_clock(value: Any) -> int:
    """``"m:ss"``, ``"mm:ss"`` or ``"h:mm:ss"`` as seconds.

    :raises BadRequest: for anything else.
    """
    match = CLOCK.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise BadRequest("Write the start time as minutes and seconds, such as 1:30.")
    hours, minutes_after_hours, minutes, seconds = (int(g or 0) for g in match.groups())
    total = hours * 3600 + (minutes_after_hours or minutes) * 60 + seconds
    if total > MAX_START_SECONDS:
        raise BadRequest("That start time is later than any video runs.")
    return total


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _bool(data: dict[str, Any], name: str, default: bool) -> bool:
    value = data.get(name, default)
    if not isinstance(value, bool):
        raise BadRequest(f"The {name.replace('_', ' ')} option must be on or off.")
    return value


def _choice(data: dict[str, Any], name: str, allowed: tuple[str, ...], default: str):
    value = data.get(name, default)
    if value not in allowed:
        raise BadRequest(f"The {name} option must be one of: {', '.join(allowed)}.")
    return value
