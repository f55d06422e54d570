"""Browser pages: the stand-in player, thumbnails, captions and the index."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from devkit.panopto_sim import seed

from .helpers import sign_in

EMBED = "/Panopto/Pages/Embed.aspx"
VIEWER = "/Panopto/Pages/Viewer.aspx"
THUMBNAIL = "/Panopto/Services/FrameGrabber.svc/FrameRedirect"


def page_text(client: FlaskClient, path: str, **params: str) -> str:
    return client.get(path, query_string=params).get_data(as_text=True)


def test_embed_shows_the_title_and_may_be_framed(client: FlaskClient) -> None:
    response = client.get(EMBED, query_string={"id": seed.lecture_id(2)})

    assert response.status_code == 200
    assert "SIT999 Lecture 02: Framing the shot" in response.get_data(as_text=True)
    assert "X-Frame-Options" not in response.headers
    assert "frame-ancestors *" in response.headers["Content-Security-Policy"]


def test_embed_escapes_markup_in_titles(client: FlaskClient) -> None:
    script = page_text(client, EMBED, id=seed.SESSION_SCRIPT)
    quotes = page_text(client, EMBED, id=seed.SESSION_QUOTES)

    assert "<script>alert(1)</script>" not in script
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Lecture" in script
    assert "Tom &amp; Jerry&#39;s &#34;quotes&#34;" in quotes


def test_embed_shows_unicode_titles(client: FlaskClient) -> None:
    assert "Café ☕ – 日本語 intro" in page_text(client, EMBED, id=seed.SESSION_CAFE)


def test_embed_flags_default_as_in_share_codes(client: FlaskClient) -> None:
    text = page_text(client, EMBED, id=seed.lecture_id(1))

    assert 'data-autoplay="false"' in text
    assert 'data-showtitle="true"' in text
    assert 'data-captions="false"' in text
    assert "Paused" in text


def test_embed_honours_its_flags_visibly(client: FlaskClient) -> None:
    text = page_text(
        client,
        EMBED,
        id=seed.lecture_id(1),
        autoplay="true",
        start="125",
        captions="true",
        showtitle="false",
    )

    assert 'data-autoplay="true"' in text and "Playing (autoplay)" in text
    assert 'data-start="125.0"' in text and 'id="start-clock">2:05<' in text
    assert 'id="captions"' in text and "[Captions on]" in text
    assert 'id="title"' not in text


def test_captions_flag_on_a_session_without_captions(client: FlaskClient) -> None:
    text = page_text(client, EMBED, id=seed.lecture_id(2), captions="true")

    assert "No captions for this session" in text


def test_malformed_flags_are_ignored_and_reported(client: FlaskClient) -> None:
    text = page_text(
        client,
        EMBED,
        id=seed.lecture_id(1),
        autoplay="yes please",
        start="-5",
        interactivity="<b>",
    )

    assert 'data-autoplay="false"' in text
    assert "Ignored malformed flags: autoplay, interactivity, start" in text
    assert "<b>" not in text.split("Ignored")[1]


@pytest.mark.parametrize(
    "params",
    [
        {"id": "5e550000-0000-4000-8000-0000000009ff"},
        {"id": "<script>"},
        {},
        {"pid": seed.FOLDER_SIT999},
    ],
    ids=["unknown", "not-a-guid", "missing", "playlist"],
)
@pytest.mark.parametrize("path", [EMBED, VIEWER])
def test_player_says_not_found(client: FlaskClient, path: str, params: dict) -> None:
    response = client.get(path, query_string=params)

    text = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "not found" in text.lower() or "not simulated" in text
    assert "<script>" not in text.split("<main>")[1]


def test_viewer_shows_the_description(client: FlaskClient) -> None:
    text = page_text(client, VIEWER, id=seed.SESSION_SCRIPT)

    assert "&lt;b&gt;Markup&lt;/b&gt; in a description" in text


def test_player_names_the_signed_in_viewer(client: FlaskClient) -> None:
    sign_in(client, "stu.student", "stu-demo-pass")

    assert "signed in to the simulator as Stu Student" in page_text(
        client, EMBED, id=seed.lecture_id(1)
    )


def test_thumbnail_is_an_escaped_svg(client: FlaskClient) -> None:
    response = client.get(
        THUMBNAIL, query_string={"objectId": seed.SESSION_SCRIPT, "mode": "Delivery"}
    )

    svg = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert svg.startswith("<svg")
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_thumbnails_differ_per_session(client: FlaskClient) -> None:
    first = client.get(THUMBNAIL, query_string={"objectId": seed.lecture_id(1)}).data
    second = client.get(THUMBNAIL, query_string={"objectId": seed.lecture_id(2)}).data

    assert first != second


def test_unknown_thumbnail_is_404(client: FlaskClient) -> None:
    assert client.get(THUMBNAIL, query_string={"objectId": "nope"}).status_code == 404


def test_caption_download_serves_srt_only_where_captions_exist(
    client: FlaskClient,
) -> None:
    path = "/Panopto/Pages/Transcription/GenerateSRT.ashx"

    with_captions = client.get(path, query_string={"id": seed.SESSION_CAFE})
    without = client.get(path, query_string={"id": seed.lecture_id(2)})

    assert with_captions.status_code == 200
    assert with_captions.get_data(as_text=True).startswith("1\n00:00:00,000 --> ")
    assert without.status_code == 404


def test_pages_not_simulated_are_a_plain_404(client: FlaskClient) -> None:
    response = client.get("/Panopto/Pages/Editor/Editor.aspx", query_string={"id": "x"})

    assert response.status_code == 404
    assert "not simulated" in response.get_data(as_text=True)


def test_index_lists_users_and_ids(client: FlaskClient) -> None:
    text = page_text(client, "/")

    assert "ina-demo-pass" in text
    assert seed.FOLDER_SIT999 in text
    assert "&lt;script&gt;" in text


def test_method_errors_never_show_a_trace(client: FlaskClient) -> None:
    response = client.post(EMBED)

    assert response.status_code == 405
    assert "Traceback" not in response.get_data(as_text=True)
