"""Parsing Panopto's null-heavy JSON into typed results, and building player URLs."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from app.panopto.embed import embed_url, is_guid, viewer_url
from app.panopto.models import parse_folder, parse_session, web_url

BASE = "https://example.hosted.panopto.com"
GUID = "5e550000-0000-4000-8000-000000000001"


def test_session_with_every_field_null_gets_safe_defaults():
    data = {
        "Id": GUID,
        "Name": None,
        "Description": None,
        "Folder": None,
        "FolderDetails": None,
        "StartTime": None,
        "Duration": None,
        "Urls": None,
    }

    session = parse_session(data, BASE)

    assert session.id == GUID
    assert session.name == "Untitled video"
    assert session.description is None
    assert session.folder_id is None
    assert session.folder_name is None
    assert session.start_time is None
    assert session.duration_seconds is None
    assert session.viewer_url is None
    assert session.thumbnail_url is None


def test_session_with_only_an_id_parses():
    assert parse_session({"Id": GUID}, BASE).name == "Untitled video"


def test_session_fields_are_read_from_panopto_names():
    data = {
        "Id": GUID,
        "Name": "Week 1",
        "Description": "Intro",
        "FolderDetails": {"Id": "f-1", "Name": "SIT999"},
        "StartTime": "2025-03-03T09:00:00Z",
        "Duration": 2460.5,
        "Urls": {
            "ViewerUrl": BASE + "/Panopto/Pages/Viewer.aspx?id=" + GUID,
            "ThumbnailUrl": "/Panopto/Services/FrameGrabber.svc/FrameRedirect?objectId=x",
        },
    }

    session = parse_session(data, BASE)

    assert session.name == "Week 1"
    assert session.folder_id == "f-1"
    assert session.folder_name == "SIT999"
    assert session.start_time == datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    assert session.duration_seconds == 2460.5
    assert session.viewer_url == BASE + "/Panopto/Pages/Viewer.aspx?id=" + GUID
    # A site-relative thumbnail becomes absolute on the configured site.
    assert session.thumbnail_url == (
        BASE + "/Panopto/Services/FrameGrabber.svc/FrameRedirect?objectId=x"
    )


@pytest.mark.parametrize("value", ["not a date", "", "2025-13-45T00:00:00Z"])
def test_unreadable_start_time_is_none(value):
    assert parse_session({"Id": GUID, "StartTime": value}, BASE).start_time is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("javascript:alert(1)", None),
        ("data:text/html,<b>x</b>", None),
        ("", None),
        (None, None),
        (42, None),
        ("/Panopto/a.jpg", BASE + "/Panopto/a.jpg"),
        ("https://cdn.panopto.test/a.jpg", "https://cdn.panopto.test/a.jpg"),
    ],
)
def test_web_url_keeps_only_http_urls(value, expected):
    assert web_url(value, BASE) == expected


def test_folder_without_name_or_parent_parses():
    folder = parse_folder({"Id": "f-1", "Name": None, "ParentFolder": None})

    assert folder.name == "Untitled folder"
    assert folder.parent_id is None


def test_folder_parent_is_read():
    folder = parse_folder(
        {"Id": "f-2", "Name": "Week 1", "ParentFolder": {"Id": "f-1"}}
    )

    assert folder.parent_id == "f-1"


def test_embed_and_viewer_urls_are_built_on_the_site_root():
    embed = urlsplit(embed_url(BASE, GUID))
    viewer = urlsplit(viewer_url(BASE, GUID))

    assert (
        f"{embed.scheme}://{embed.netloc}{embed.path}"
        == BASE + "/Panopto/Pages/Embed.aspx"
    )
    assert parse_qs(embed.query)["id"] == [GUID]
    assert parse_qs(embed.query)["autoplay"] == ["false"]
    assert f"{viewer.scheme}://{viewer.netloc}{viewer.path}" == (
        BASE + "/Panopto/Pages/Viewer.aspx"
    )
    assert parse_qs(viewer.query) == {"id": [GUID]}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (GUID, True),
        (GUID.upper(), True),
        (GUID[:-1], False),
        (GUID + "0", False),
        (" " + GUID, False),
        (GUID + "\n", False),
        (GUID.replace("-", ""), False),
        (None, False),
        (123, False),
    ],
)
def test_is_guid(value, expected):
    assert is_guid(value) is expected
