"""Embed options, strictly from the chooser and leniently from a launch; staff roles."""

from __future__ import annotations

import pytest

from app.embed_options import (
    EmbedOptions,
    allowed_displays,
    from_chooser,
    from_custom,
    parse_clock,
)
from app.errors import BadRequest
from app.lti.roles import LIS, ROLES_CLAIM, is_staff

BOTH = frozenset({"inline", "thumbnail"})


@pytest.mark.parametrize(
    "text, seconds",
    [("0:00", 0), ("0:05", 5), ("1:30", 90), ("90:00", 5400), ("1:05:00", 3900)],
)
def test_clock_times(text, seconds):
    assert parse_clock(text) == seconds


@pytest.mark.parametrize("text", ["", "90", "1:5", "1:60", "0:002:05", "1:99:00", None])
def test_clock_times_that_are_not(text):
    with pytest.raises(BadRequest):
        parse_clock(text)


def test_chosen_options_become_string_custom_parameters_and_player_flags():
    options = from_chooser(
        {
            "start": "2:05",
            "autoplay": True,
            "captions": True,
            "show_title": False,
            "size": "large",
            "aspect": "4:3",
            "display": "inline",
        },
        BOTH,
    )

    custom = options.to_custom()
    assert custom == {
        "panopto_start": "125",
        "panopto_autoplay": "true",
        "panopto_captions": "true",
        "panopto_showtitle": "false",
        "panopto_size": "large",
        "panopto_aspect": "4:3",
        "panopto_display": "inline",
    }
    assert from_custom(custom) == options
    assert options.player_flags() == {
        "autoplay": "true",
        "captions": "true",
        "showtitle": "false",
        "start": "125",
    }
    assert options.frame_size() == (960, 720)
    assert options.aspect_class == "frame-4x3"


@pytest.mark.parametrize(
    "data, message",
    [
        ({"size": "huge"}, "size"),
        ({"autoplay": "yes"}, "autoplay"),
        ({"display": "thumbnail"}, "cannot show"),
        ({"start": "soon"}, "minutes and seconds"),
        ("inline", "not valid"),
    ],
)
def test_chooser_options_are_checked(data, message):
    with pytest.raises(BadRequest, match=message):
        from_chooser(data, frozenset({"inline"}))


@pytest.mark.parametrize(
    "custom",
    [
        None,
        {},
        {"panopto_start": "-5", "panopto_size": "enormous", "panopto_aspect": "21:9"},
        {"panopto_start": "99999999", "panopto_display": "hologram"},
        {"panopto_autoplay": 1, "panopto_showtitle": ["false"]},
    ],
)
def test_odd_custom_parameters_fall_back_to_the_defaults(custom):
    assert from_custom(custom) == EmbedOptions()


def test_a_thumbnail_sits_in_a_small_frame():
    assert EmbedOptions(display="thumbnail").frame_size() == (340, 250)
    assert EmbedOptions().frame_size() == (640, 360)


@pytest.mark.parametrize(
    "targets, expected",
    [
        (["iframe", "window"], BOTH),
        (["window"], frozenset({"thumbnail"})),
        (["embed"], frozenset({"inline"})),
        (None, frozenset({"inline"})),
    ],
)
def test_displays_follow_the_platforms_presentation_targets(targets, expected):
    settings = {"accept_presentation_document_targets": targets}
    assert allowed_displays(settings) == expected


@pytest.mark.parametrize(
    "roles, staff",
    [
        ([LIS + "membership#Instructor"], True),
        ([LIS + "membership/Instructor#TeachingAssistant"], True),
        ([LIS + "membership#ContentDeveloper"], True),
        ([LIS + "system/person#Administrator"], True),
        (["Instructor"], True),
        ([LIS + "membership#Learner"], False),
        ([LIS + "membership#Learner", LIS + "institution/person#Instructor"], False),
        ([LIS + "membership#Mentor"], False),
        ([], False),
        (None, False),
        ("Instructor", False),
    ],
)
def test_staff_are_told_apart_by_their_context_roles(roles, staff):
    assert is_staff({ROLES_CLAIM: roles}) is staff
