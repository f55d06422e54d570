"""Caption tracks per language: add, refuse a second one, download, delete."""

from __future__ import annotations

import io

from devkit.panopto_sim import seed

from .helpers import API, PanoptoCaller

VTT = b"WEBVTT\n\n00:01.000 --> 00:03.000\nBonjour\n"
LECTURE = seed.lecture_id(4)  # seeded without captions


def add(panopto: PanoptoCaller, language: str, content: bytes = VTT):
    return panopto.client.post(
        f"{API}/sessions/{LECTURE}/captions",
        data={"language": language, "file": (io.BytesIO(content), "fr.vtt")},
        content_type="multipart/form-data",
        headers=panopto.headers("ina.instructor"),
    )


def caption_url(panopto: PanoptoCaller) -> str | None:
    session = panopto.get(f"/sessions/{LECTURE}", "ina.instructor").get_json()
    return session["Urls"]["CaptionDownloadUrl"]


def test_a_language_gets_one_track_until_it_is_deleted(panopto: PanoptoCaller, sim):
    assert caption_url(panopto) is None

    assert add(panopto, "french").status_code == 200
    assert sim.store.sessions[LECTURE].caption_tracks == {"French": VTT.decode()}
    assert caption_url(panopto) is not None
    assert add(panopto, "French").status_code == 400

    removed = panopto.delete(f"/sessions/{LECTURE}/captions/languages/French")
    assert removed.status_code == 200
    assert add(panopto, "French").status_code == 200


def test_the_uploaded_track_is_what_the_caption_page_serves(panopto, client, sim):
    add(panopto, "German")

    page = client.get(
        "/Panopto/Pages/Transcription/GenerateSRT.ashx",
        query_string={"id": LECTURE, "language": "German"},
    )
    assert page.get_data() == VTT


def test_deleting_all_captions_clears_seeded_ones_too(panopto: PanoptoCaller, sim):
    captioned = seed.lecture_id(1)
    assert sim.store.sessions[captioned].captioned

    panopto.delete(f"/sessions/{captioned}/captions")

    assert not sim.store.sessions[captioned].captioned
