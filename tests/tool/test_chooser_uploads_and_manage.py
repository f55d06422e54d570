"""The chooser's upload, manage and context endpoints against the Panopto simulator, as
staff and as a student; and what a viewer is told about a video's state."""

from __future__ import annotations

import io
import time
from urllib.parse import parse_qsl, urlsplit

import pytest

from app import uploads
from app.extensions import db
from app.models import Upload, UploadPart
from devkit.panopto_sim import seed
from tests.tool.lti_harness import CUSTOM, LEARNER, ROLES, PlatformDriver
from tests.tool.pages import chooser_token, parse
from tests.tool.sim_helpers import sign_in_at_panopto, start_sign_in

CONTEXT = "https://purl.imsglobal.org/spec/lti/claim/context"
UNIT = {"id": "unit-sit999", "label": "SIT999", "title": "Applied Video Studies"}
STU = ("stu.student", "stu-demo-pass")
INA = ("ina.instructor", "ina-demo-pass")
PART = 8 * 1024 * 1024


class Chooser:
    def __init__(self, platform: PlatformDriver, token: str) -> None:
        self.platform = platform
        self.token = token

    def call(self, method: str, path: str, **kwargs):
        headers = {"X-Chooser-Token": self.token, **kwargs.pop("headers", {})}
        return self.platform.client.open(
            "/chooser/api" + path, method=method, headers=headers, **kwargs
        )


def open_chooser(
    platform, user=INA, learner=False, custom=None, sub=None, **options
) -> Chooser:
    claims = {CONTEXT: UNIT, **({ROLES: [LEARNER]} if learner else {})}
    if sub:
        claims["sub"] = sub
    if custom:
        claims[CUSTOM] = custom
    form = platform.deep_link_form(platform.login(), extra_claims=claims, **options)
    page = platform.post(form)
    assert page.status_code == 200, page.get_data(as_text=True)[:300]
    chooser = Chooser(platform, chooser_token(page.get_data(as_text=True)))

    connect = start_sign_in(platform.client, chooser.token, platform.tool_url)
    callback = sign_in_at_panopto(connect.headers["Location"], user)
    done = platform.client.get(
        "/panopto/callback", query_string=dict(parse_qsl(urlsplit(callback).query))
    )
    assert done.status_code == 200
    return chooser


@pytest.fixture
def sim(panopto_sim):
    simulator = panopto_sim[1].extensions["panopto_sim"]
    simulator.uploads.processing_seconds = 0.3
    return simulator


@pytest.fixture
def staff(sim_platform, sim) -> Chooser:
    return open_chooser(sim_platform)


@pytest.fixture
def student(sim_platform, sim) -> Chooser:
    return open_chooser(sim_platform, user=STU, learner=True)


def start_upload(chooser: Chooser, folder: str, length: int, **changes):
    body = {
        "folder_id": folder,
        "title": "Week 3 answer",
        "description": "My <b>answer</b>",
        "filename": "answer video.mp4",
        "size": length,
        "content_type": "video/mp4",
    }
    body.update(changes)
    return chooser.call("POST", "/uploads", json=body)


def send_parts(chooser: Chooser, upload: dict, content: bytes) -> None:
    for number in range(1, upload["part_count"] + 1):
        start = (number - 1) * upload["part_size"]
        part = content[start : start + upload["part_size"]]
        answer = chooser.call(
            "PUT",
            f"/uploads/{upload['id']}/parts/{number}",
            input_stream=io.BytesIO(part),
            headers={"Content-Length": str(len(part))},
        )
        assert answer.status_code == 200, answer.get_data(as_text=True)


def wait_for_state(chooser: Chooser, upload_id: str, state: str) -> dict:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        body = chooser.call("GET", f"/uploads/{upload_id}").json
        if body["state"] == state:
            return body
        time.sleep(0.2)
    raise AssertionError(f"the upload never became {state}: {body}")


# -- context ---------------------------------------------------------------------------


def test_staff_start_from_the_unit_folder_found_by_the_unit_code(staff):
    body = staff.call("GET", "/context").json

    assert body["staff"] is True
    assert body["unit_folder"]["id"] == seed.FOLDER_SIT999
    assert body["own_folder"] is None


def test_a_launch_can_name_the_unit_folder(sim_platform, sim):
    chooser = open_chooser(
        sim_platform, custom={"panopto_folder_id": seed.FOLDER_SIT999_WEEK2}
    )

    assert chooser.call("GET", "/context").json["unit_folder"]["name"] == "Week 2"


def test_a_student_gets_their_own_folder_and_no_browsing(student):
    body = student.call("GET", "/context").json

    assert body == {
        "staff": False,
        "unit_folder": None,
        "own_folder": {
            "id": seed.FOLDER_STU_SUBMISSIONS,
            "name": "SIT999 Submissions: Stu Student",
            "parent_id": seed.FOLDER_SIT999,
        },
    }
    for path in (
        "/folders",
        "/search?q=lecture",
        "/recent",
        f"/folders/{seed.FOLDER_SIT999}/sessions",
    ):
        answer = student.call("GET", path)
        assert answer.status_code == 403, path
        assert "own Panopto folder" in answer.json["error"]["message"]
    own = student.call("GET", f"/folders/{seed.FOLDER_STU_SUBMISSIONS}/sessions")
    assert own.status_code == 200
    assert [
        f["name"] for f in student.call("GET", "/creator-folders").json["folders"]
    ] == ["SIT999 Submissions: Stu Student"]


def test_a_student_may_not_insert_or_manage_staff_videos(student):
    lecture = seed.lecture_id(1)

    inserted = student.call(
        "POST", "/insert", json={"items": [{"session_id": lecture}]}
    )
    renamed = student.call("PUT", f"/sessions/{lecture}", json={"name": "mine now"})

    assert (inserted.status_code, renamed.status_code) == (403, 403)


def test_recently_watched_and_creator_folders_for_staff(staff):
    recent = staff.call("GET", "/recent").json["sessions"]
    folders = staff.call("GET", "/creator-folders").json["folders"]

    assert [s["name"] for s in recent] == ["Library tour"]
    assert "Ina Instructor" in {f["name"] for f in folders}


# -- uploads ---------------------------------------------------------------------------


def test_an_upload_goes_to_panopto_in_parts_and_becomes_a_session(student, sim):
    content = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * (PART // 256 + 1000)
    started = start_upload(student, seed.FOLDER_STU_SUBMISSIONS, len(content))
    assert started.status_code == 201, started.get_data(as_text=True)
    upload = started.json
    assert (upload["part_count"], upload["part_size"]) == (2, PART)
    assert upload["filename"] == "answer-video.mp4"
    assert upload["state"] == "uploading" and upload["received_parts"] == []

    send_parts(student, upload, content)
    assert student.call("GET", f"/uploads/{upload['id']}").json["received_parts"] == [
        1,
        2,
    ]
    finished = student.call("POST", f"/uploads/{upload['id']}/complete")
    assert finished.json["state"] == "processing"

    done = wait_for_state(student, upload["id"], "complete")
    session = sim.store.sessions[done["session_id"]]
    assert (session.name, session.description) == ("Week 3 answer", "My <b>answer</b>")
    assert session.folder_id == seed.FOLDER_STU_SUBMISSIONS
    held = sim.uploads.uploads[session_upload_id(student, upload["id"])]
    assert held.files["answer-video.mp4"].size == len(content)

    inserted = student.call(
        "POST", "/insert", json={"items": [{"session_id": session.id}]}
    )
    assert inserted.status_code == 200


def session_upload_id(chooser: Chooser, upload_id: str) -> str:
    app = chooser.platform.client.application
    with app.app_context():
        return db.session.get(Upload, upload_id).panopto_upload_id


def test_a_part_panopto_refused_is_sent_again_without_starting_over(staff, sim):
    content = b"v" * (PART + 10)
    upload = start_upload(staff, seed.FOLDER_SIT999, len(content)).json
    first = content[:PART]
    sim.uploads.fail_next_parts(1)

    refused = staff.call(
        "PUT",
        f"/uploads/{upload['id']}/parts/1",
        input_stream=io.BytesIO(first),
        headers={"Content-Length": str(PART)},
    )
    assert refused.status_code == 502 and refused.json["error"]["retryable"] is True
    send_parts(staff, upload, content)

    assert staff.call("POST", f"/uploads/{upload['id']}/complete").status_code == 200


def test_parts_must_fit_the_file(staff):
    upload = start_upload(staff, seed.FOLDER_SIT999, 100).json

    wrong_length = staff.call(
        "PUT",
        f"/uploads/{upload['id']}/parts/1",
        input_stream=io.BytesIO(b"x" * 99),
        headers={"Content-Length": "99"},
    )
    beyond = staff.call(
        "PUT",
        f"/uploads/{upload['id']}/parts/2",
        input_stream=io.BytesIO(b"x"),
        headers={"Content-Length": "1"},
    )
    early = staff.call("POST", f"/uploads/{upload['id']}/complete")

    assert (
        wrong_length.status_code == 400
        and "100 bytes" in wrong_length.json["error"]["message"]
    )
    assert beyond.status_code == 400
    assert early.status_code == 400 and "not arrived" in early.json["error"]["message"]


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"filename": "notes.pdf"}, "video or audio file"),
        ({"size": 0}, "empty"),
        ({"title": "  "}, "title"),
        ({"folder_id": "nope"}, "folder"),
    ],
)
def test_bad_uploads_are_refused_before_panopto_hears_of_them(
    staff, sim, changes, message
):
    answer = start_upload(staff, seed.FOLDER_SIT999, 100, **changes)

    assert answer.status_code == 400
    assert message in answer.json["error"]["message"]
    assert sim.uploads.uploads == {}


def test_panopto_refuses_an_upload_into_a_folder_without_creator_rights(staff, sim):
    answer = start_upload(staff, seed.FOLDER_SIT777, 100)

    assert answer.status_code == 403


def test_a_student_may_upload_only_into_their_own_folder(student, sim):
    answer = start_upload(student, seed.FOLDER_SIT999, 100)

    assert answer.status_code == 403
    assert sim.uploads.uploads == {}


def test_cancel_stops_the_upload_at_panopto(staff, sim):
    upload = start_upload(staff, seed.FOLDER_SIT999, 100).json

    cancelled = staff.call("DELETE", f"/uploads/{upload['id']}")

    assert cancelled.json["state"] == "cancelled"
    assert sim.uploads.uploads[session_upload_id(staff, upload["id"])].state == 2
    assert staff.call("GET", "/uploads").json == {"uploads": []}
    assert staff.call("DELETE", f"/uploads/{upload['id']}").status_code == 409


def test_an_unfinished_upload_is_offered_for_resuming_to_its_owner_only(
    staff, sim_platform, sim
):
    upload = start_upload(staff, seed.FOLDER_SIT999, 100).json
    someone_else = open_chooser(sim_platform, user=STU, learner=True, sub="student-7")

    mine = staff.call("GET", "/uploads").json["uploads"]
    theirs = someone_else.call("GET", f"/uploads/{upload['id']}")

    assert [u["id"] for u in mine] == [upload["id"]]
    assert theirs.status_code == 404


def test_a_processing_error_is_reported_with_panoptos_message(staff, sim):
    sim.uploads.fail_next_processing(1)
    upload = start_upload(staff, seed.FOLDER_SIT999, 100).json
    send_parts(staff, upload, b"v" * 100)
    staff.call("POST", f"/uploads/{upload['id']}/complete")

    failed = wait_for_state(staff, upload["id"], "failed")

    assert "corrupt" in failed["message"]


def test_parts_are_forwarded_as_they_stream_not_read_whole(staff, monkeypatch):
    """The view hands boto3 the request stream itself, never bytes it read first."""
    seen = {}

    def record(self, filename, multipart_id, number, body, length):
        seen["body"] = body
        seen["first"] = body.read(4)
        return '"etag"'

    monkeypatch.setattr("app.panopto.upload.UploadTarget.send_part", record)
    upload = start_upload(staff, seed.FOLDER_SIT999, 100).json
    staff.call(
        "PUT",
        f"/uploads/{upload['id']}/parts/1",
        input_stream=io.BytesIO(b"abcd" + b"x" * 96),
        headers={"Content-Length": "100"},
    )

    assert not isinstance(seen["body"], bytes | bytearray)
    assert seen["first"] == b"abcd"
    app = staff.platform.client.application
    with app.app_context():
        assert (
            db.session.query(UploadPart).filter_by(upload_id=upload["id"]).count() == 1
        )


def test_the_part_size_grows_only_for_files_beyond_ten_thousand_parts():
    assert uploads.part_size_for(1) == PART
    assert uploads.part_size_for(70 * 1024**3) == PART
    assert uploads.part_size_for(200 * 1000**3) == 20_000_000
    assert uploads.part_size_for(10**15) == 25_000_000


# -- managing --------------------------------------------------------------------------


def test_rename_describe_and_move_a_video(staff, sim):
    lecture = seed.lecture_id(6)

    answer = staff.call(
        "PUT",
        f"/sessions/{lecture}",
        json={
            "name": "  Interviews  ",
            "description": "New words",
            "folder_id": seed.FOLDER_SIT999_WEEK2,
        },
    )

    assert answer.status_code == 200
    assert answer.json["name"] == "Interviews" and answer.json["can_edit"] is True
    session = sim.store.sessions[lecture]
    assert (session.name, session.description, session.folder_id) == (
        "Interviews",
        "New words",
        seed.FOLDER_SIT999_WEEK2,
    )


def test_details_say_who_may_edit_and_where_to_preview(sim_platform, sim):
    tutor = open_chooser(sim_platform, user=("tom.tutor", "tom-demo-pass"))

    lecture = tutor.call("GET", f"/sessions/{seed.lecture_id(1)}").json
    week1 = tutor.call("GET", f"/sessions/{seed.SESSION_CAFE}").json

    assert lecture["can_edit"] is False and lecture["editor_url"] is None
    assert week1["can_edit"] is True and "Editor.aspx" in week1["editor_url"]
    assert "/Panopto/Pages/Embed.aspx?id=" in lecture["preview_url"]
    refused = tutor.call("PUT", f"/sessions/{seed.lecture_id(1)}", json={"name": "x"})
    assert refused.status_code == 403


def test_captions_are_added_and_replaced_per_language(staff, sim):
    lecture = seed.lecture_id(8)

    def send(text: bytes, name: str = "c.vtt", replace: bool = False):
        return staff.call(
            "POST",
            f"/sessions/{lecture}/captions",
            data={
                "language": "German",
                "replace": "true" if replace else "false",
                "file": (io.BytesIO(text), name),
            },
            content_type="multipart/form-data",
        )

    first = send(b"WEBVTT\n\n00:01.000 --> 00:02.000\nHallo\n")
    again = send(b"WEBVTT\n\n00:01.000 --> 00:02.000\nNochmal\n")
    replaced = send(b"1\n00:00:01,000 --> 00:00:02,000\nServus\n", "c.srt", True)

    assert first.status_code == 200
    assert again.status_code == 400 and "Replace" in again.json["error"]["message"]
    assert replaced.status_code == 200
    assert "Servus" in sim.store.sessions[lecture].caption_tracks["German"]


@pytest.mark.parametrize(
    "name, content, message",
    [
        (
            "notes.txt",
            b"WEBVTT\n\n00:01.000 --> 00:02.000\nx\n",
            "SRT (.srt) or WebVTT",
        ),
        ("c.vtt", b"just words", "does not look like"),
        (
            "c.srt",
            "\u00e9".encode("latin-1") + b"\n00:00:01,000 --> 00:00:02,000",
            "UTF-8",
        ),
    ],
)
def test_files_that_are_not_captions_are_refused(staff, name, content, message):
    answer = staff.call(
        "POST",
        f"/sessions/{seed.lecture_id(8)}/captions",
        data={"language": "German", "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )

    assert answer.status_code == 400
    assert message in answer.json["error"]["message"]


def test_a_deleted_video_tells_its_viewers_so(staff, sim_platform, sim):
    draft = seed.SESSION_DRAFT
    assert staff.call("DELETE", f"/sessions/{draft}").json == {"deleted": draft}
    assert draft not in sim.store.sessions

    _, page = sim_platform.resource_launch(custom=sim_platform.placed(draft))

    html = page.get_data(as_text=True)
    assert "This video was deleted" in parse(html).text
    assert not parse(html).all("iframe")


def test_a_video_still_processing_is_announced_until_it_is_ready(
    staff, sim_platform, sim
):
    sim.uploads.processing_seconds = 30
    upload = start_upload(staff, seed.FOLDER_SIT999, 100).json
    send_parts(staff, upload, b"v" * 100)
    staff.call("POST", f"/uploads/{upload['id']}/complete")
    session_id = wait_for_session(staff, upload["id"])

    _, page = sim_platform.resource_launch(custom=sim_platform.placed(session_id))
    view = parse(page.get_data(as_text=True))
    assert "still processing" in view.by_id("processing").text
    assert "data-src" in view.one("iframe").attrs
    status_url = view.by_id("player").attrs["data-status-url"]
    client = sim_platform.client
    assert client.get(status_url).json == {"state": "processing"}

    sim.uploads.processing_seconds = 0
    time.sleep(uploads.PROCESSING_CHECK_SECONDS + 0.2)
    assert client.get(status_url).json == {"state": "ready"}
    assert client.get("/viewer/status?t=forged").status_code == 401


def wait_for_session(chooser: Chooser, upload_id: str) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        body = chooser.call("GET", f"/uploads/{upload_id}").json
        if body["session_id"]:
            return body["session_id"]
        time.sleep(0.2)
    raise AssertionError("Panopto never made the session")


def test_the_session_upload_client_refreshes_once_on_403_then_gives_up(monkeypatch):
    """The upload API answers a stale token with 403 (not 401): one refresh, one retry."""
    from app.errors import PanoptoForbidden
    from app.panopto.upload import SessionUploads

    class Answer:
        def __init__(self, status: int, body=None) -> None:
            self.status_code = status
            self._body = body
            self.content = b"{}" if body is not None else b""

        def json(self):
            return self._body

    class Http:
        def __init__(self, answers) -> None:
            self.answers = list(answers)
            self.calls = 0

        def request(self, method, url, **kwargs):
            self.calls += 1
            return self.answers.pop(0)

    refreshed = []
    ok = {"ID": "u-1", "FolderId": "f", "UploadTarget": "http://p/Panopto/Upload/u-1"}
    http = Http([Answer(403), Answer(201, ok)])
    uploads_api = SessionUploads("http://p", http, lambda: refreshed.append(True))
    assert uploads_api.create("f").id == "u-1"
    assert (http.calls, refreshed) == (2, [True])

    http = Http([Answer(403), Answer(403)])
    uploads_api = SessionUploads("http://p", http, lambda: refreshed.append(True))
    with pytest.raises(PanoptoForbidden):
        uploads_api.create("f")


@pytest.mark.parametrize("read_first, calls", [(0, 2), (3, 1)])
def test_a_part_is_resent_only_when_none_of_it_was_read(read_first, calls):
    """A closed keep-alive connection before the body: one more try. Mid-body: give up
    (the stream is spent), and the browser sends the part again."""
    from botocore.exceptions import ConnectionClosedError

    from app.errors import PanoptoError
    from app.panopto.upload import UploadTarget

    class FlakyS3:
        def __init__(self) -> None:
            self.calls = 0

        def upload_part(self, Body, **kwargs):
            self.calls += 1
            if self.calls == 1:
                Body.read(read_first)
                raise ConnectionClosedError(endpoint_url="http://p/Panopto")
            assert Body.read() == b"part"[read_first:] or read_first == 0
            return {"ETag": '"fresh"'}

    target = UploadTarget(
        "http://p/Panopto/Upload/0f0f0f0f-0000-4000-8000-000000000000"
    )
    target._s3 = FlakyS3()

    if calls == 2:
        assert target.send_part("a.mp4", "m", 1, io.BytesIO(b"part"), 4) == '"fresh"'
    else:
        with pytest.raises(PanoptoError):
            target.send_part("a.mp4", "m", 1, io.BytesIO(b"part"), 4)
    assert target._s3.calls == calls
