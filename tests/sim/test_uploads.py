"""The simulator's upload flow: sessionUpload, the S3 multipart calls (driven by boto3 over
real HTTP, as the tool drives them), the manifest and the processing timeline."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError
from jsonschema import Draft4Validator

from devkit.panopto_sim import seed
from devkit.panopto_sim.uploads import QUEUE_SECONDS
from tests.servers import free_port, serve

from .helpers import CLIENT_ID, CLIENT_SECRET, PASSWORDS, TOKEN_URL, make_app

PUBLIC_API = "/Panopto/PublicAPI/REST/sessionUpload"
PROCESSING_SECONDS = 0.6

#: The sessionUpload object of API-NOTES section 6 (it is not in the swagger, whose
#: scope is REST v1): ``ID`` in capitals, Panopto's misspelt ``Priorty``, nothing else.
SESSION_UPLOAD_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["ID", "FolderId", "UploadTarget", "State"],
    "properties": {
        "ID": {"type": "string", "pattern": "^[0-9a-f-]{36}$"},
        "FolderId": {"type": "string", "pattern": "^[0-9a-f-]{36}$"},
        "SessionId": {"type": ["string", "null"], "pattern": "^[0-9a-f-]{36}$"},
        "UploadTarget": {"type": "string", "pattern": "^https?://.+/Panopto/Upload/"},
        "State": {"type": "integer", "enum": list(range(9))},
        "Priorty": {"type": ["integer", "string", "null"]},
        "MessageID": {"type": ["integer", "null"]},
        "Message": {"type": ["string", "null"]},
    },
}
shape = Draft4Validator(SESSION_UPLOAD_SCHEMA)

MANIFEST = b"""<?xml version="1.0" encoding="utf-8"?>
<Session xmlns="http://tempuri.org/UniversalCaptureSpecification/v1">
  <Title>Week 3 feedback</Title><Description>For &lt;Sam&gt;</Description>
  <Date>2026-03-10T09:00:00+11:00</Date>
  <Videos><Video><Start>PT0S</Start><File>answer.mp4</File><Type>Primary</Type></Video>
  </Videos>
</Session>"""
PART = 5 * 1024 * 1024


@pytest.fixture
def live() -> Iterator[tuple[str, object]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = make_app(SIM_BASE_URL=base, SIM_PROCESSING_SECONDS=PROCESSING_SECONDS)
    with serve(app, port=port):
        yield base, app.extensions["panopto_sim"]


def bearer(base: str, username: str) -> dict[str, str]:
    answer = requests.post(
        base + TOKEN_URL,
        data={
            "grant_type": "password",
            "username": username,
            "password": PASSWORDS[username],
            "scope": "api",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
        timeout=5,
    )
    answer.raise_for_status()
    return {"Authorization": "Bearer " + answer.json()["access_token"]}


def s3_for(target: str):
    endpoint, bucket, prefix = target.rsplit("/", 2)
    assert bucket == "Upload"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="any",
        aws_secret_access_key="any",
        region_name="us-east-1",
        config=Config(
            signature_version="s3",
            s3={"addressing_style": "path"},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            retries={"total_max_attempts": 1, "mode": "standard"},
        ),
    )
    return client, prefix


def create(base: str, headers: dict, folder: str = seed.FOLDER_STU_SUBMISSIONS) -> dict:
    answer = requests.post(
        base + PUBLIC_API, json={"FolderId": folder}, headers=headers, timeout=5
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert shape.is_valid(body), list(shape.iter_errors(body))
    return body


def send_file(s3, prefix: str, name: str, content: bytes, part: int = PART) -> None:
    key = f"{prefix}/{name}"
    multipart = s3.create_multipart_upload(Bucket="Upload", Key=key)["UploadId"]
    parts = []
    for number, start in enumerate(range(0, len(content), part), start=1):
        answer = s3.upload_part(
            Bucket="Upload",
            Key=key,
            UploadId=multipart,
            PartNumber=number,
            Body=io.BytesIO(content[start : start + part]),
        )
        parts.append({"PartNumber": number, "ETag": answer["ETag"]})
    s3.complete_multipart_upload(
        Bucket="Upload", Key=key, UploadId=multipart, MultipartUpload={"Parts": parts}
    )


def finish(base: str, headers: dict, upload: dict) -> dict:
    answer = requests.put(
        f"{base}{PUBLIC_API}/{upload['ID']}",
        json={**upload, "State": 1},
        headers=headers,
        timeout=5,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def upload_a_short_video(base: str) -> tuple[dict, dict]:
    """Stu's upload of a tiny video and its manifest, finished: processing starts."""
    headers = bearer(base, "stu.student")
    upload = create(base, headers)
    s3, prefix = s3_for(upload["UploadTarget"])
    send_file(s3, prefix, "answer.mp4", b"video")
    send_file(s3, prefix, "manifest.xml", MANIFEST)
    finish(base, headers, upload)
    return headers, upload


def poll(base: str, headers: dict, upload_id: str) -> list[int]:
    """Every state seen until a terminal one, polling quickly."""
    seen: list[int] = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        body = requests.get(
            f"{base}{PUBLIC_API}/{upload_id}", headers=headers, timeout=5
        ).json()
        assert shape.is_valid(body), list(shape.iter_errors(body))
        if not seen or seen[-1] != body["State"]:
            seen.append(body["State"])
        if body["State"] in (2, 4, 5, 7, 8):
            return seen
        time.sleep(0.05)
    raise AssertionError(f"never finished: {seen}")


def test_a_student_uploads_a_video_that_becomes_a_session(live) -> None:
    base, sim = live
    headers = bearer(base, "stu.student")
    upload = create(base, headers)
    assert upload["State"] == 0 and upload["SessionId"] is None
    assert upload["UploadTarget"] == f"{base}/Panopto/Upload/{upload['ID']}"

    s3, prefix = s3_for(upload["UploadTarget"])
    video = b"\x00\x00\x00\x18ftypmp42" + b"v" * (PART + 1234)
    send_file(s3, prefix, "answer.mp4", video)
    send_file(s3, prefix, "manifest.xml", MANIFEST)
    assert finish(base, headers, upload)["State"] == 1

    assert poll(base, headers, upload["ID"]) == [1, 3, 4]
    done = requests.get(f"{base}{PUBLIC_API}/{upload['ID']}", headers=headers).json()
    session = sim.store.sessions[done["SessionId"]]
    assert (session.name, session.description) == ("Week 3 feedback", "For <Sam>")
    assert session.folder_id == seed.FOLDER_STU_SUBMISSIONS
    assert session.created_by_id == seed.STU_ID
    assert session.processing is False and session.duration > 0
    assert session.start_time.isoformat() == "2026-03-09T22:00:00+00:00"


def test_while_processing_the_session_exists_without_a_duration(live) -> None:
    base, sim = live
    sim.uploads.processing_seconds = 30
    headers, upload = upload_a_short_video(base)

    assert poll_until(base, headers, upload["ID"], 3)["SessionId"]
    session_id = requests.get(
        f"{base}{PUBLIC_API}/{upload['ID']}", headers=headers
    ).json()["SessionId"]
    rest = requests.get(
        f"{base}/Panopto/api/v1/sessions/{session_id}", headers=headers, timeout=5
    ).json()
    assert rest["Name"] == "Week 3 feedback" and rest["Duration"] is None
    player = requests.get(f"{base}/Panopto/Pages/Embed.aspx?id={session_id}").text
    assert "still being processed" in player


def poll_until(base: str, headers: dict, upload_id: str, state: int) -> dict:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        body = requests.get(f"{base}{PUBLIC_API}/{upload_id}", headers=headers).json()
        if body["State"] == state:
            return body
        time.sleep(0.05)
    raise AssertionError(f"state {state} never came")


@pytest.mark.parametrize(
    "files, message",
    [
        ({"manifest.xml": MANIFEST}, "answer.mp4, which was not uploaded"),
        ({"answer.mp4": b"video"}, "no manifest"),
        ({"answer.mp4": b"video", "manifest.xml": b"<Session>"}, "not valid"),
        ({"answer.mp4": b"", "manifest.xml": MANIFEST}, "is empty"),
    ],
    ids=["missing-video", "no-manifest", "bad-manifest", "empty-video"],
)
def test_broken_uploads_end_in_processing_error(live, files, message) -> None:
    base, sim = live
    headers = bearer(base, "stu.student")
    upload = create(base, headers)
    s3, prefix = s3_for(upload["UploadTarget"])
    for name, content in files.items():
        if content:
            send_file(s3, prefix, name, content)
        else:
            s3.put_object(Bucket="Upload", Key=f"{prefix}/{name}", Body=b"")
    finish(base, headers, upload)

    assert poll(base, headers, upload["ID"]) == [1, 3, 5]
    body = requests.get(f"{base}{PUBLIC_API}/{upload['ID']}", headers=headers).json()
    assert message in body["Message"] and body["SessionId"] is None


def test_a_corrupt_video_can_be_planned_through_the_control_route(live) -> None:
    base, _ = live
    planned = requests.post(base + "/_sim/uploads", json={"processing_errors": 1})
    assert planned.json() == {
        "fail_parts": 0,
        "processing_errors": 1,
        "hold_processing": False,
    }
    headers, upload = upload_a_short_video(base)

    assert poll(base, headers, upload["ID"])[-1] == 5


def test_held_processing_waits_for_its_release(live) -> None:
    base, _ = live
    requests.post(base + "/_sim/uploads", json={"hold_processing": True}, timeout=5)
    headers, upload = upload_a_short_video(base)
    poll_until(base, headers, upload["ID"], 3)

    # Well past the processing time, the held upload is still processing ...
    time.sleep(QUEUE_SECONDS + PROCESSING_SECONDS + 0.3)
    body = requests.get(f"{base}{PUBLIC_API}/{upload['ID']}", headers=headers).json()
    assert body["State"] == 3

    # ... and finishes once released.
    released = requests.post(
        base + "/_sim/uploads", json={"hold_processing": False}, timeout=5
    )
    assert released.json()["hold_processing"] is False
    assert poll(base, headers, upload["ID"])[-1] == 4


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"hold_processing": "yes"}, "true or false"),
        ({"hold_processing": 1}, "true or false"),
        ({"hold_processing": None}, "true or false"),
        ({"hold": False}, "Unknown switch: hold"),
    ],
)
def test_a_bad_switch_is_refused_and_changes_nothing(live, body, fragment) -> None:
    base, sim = live
    sim.uploads.hold_processing(True)

    answer = requests.post(base + "/_sim/uploads", json=body, timeout=5)

    assert answer.status_code == 400
    assert fragment in answer.json()["error"]
    assert sim.uploads.processing_held is True


def test_a_failed_part_can_be_sent_again(live) -> None:
    base, sim = live
    headers = bearer(base, "stu.student")
    upload = create(base, headers)
    s3, prefix = s3_for(upload["UploadTarget"])
    key = f"{prefix}/answer.mp4"
    multipart = s3.create_multipart_upload(Bucket="Upload", Key=key)["UploadId"]
    sim.uploads.fail_next_parts(1)

    with pytest.raises(ClientError) as failure:
        s3.upload_part(
            Bucket="Upload", Key=key, UploadId=multipart, PartNumber=1, Body=b"abc"
        )
    assert failure.value.response["Error"]["Code"] == "InternalError"
    again = s3.upload_part(
        Bucket="Upload", Key=key, UploadId=multipart, PartNumber=1, Body=b"abc"
    )
    s3.complete_multipart_upload(
        Bucket="Upload",
        Key=key,
        UploadId=multipart,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": again["ETag"]}]},
    )
    assert sim.uploads.uploads[upload["ID"]].files["answer.mp4"].size == 3


def test_completing_with_a_wrong_etag_or_aborting_refuses_the_file(live) -> None:
    base, sim = live
    headers = bearer(base, "stu.student")
    upload = create(base, headers)
    s3, prefix = s3_for(upload["UploadTarget"])
    key = f"{prefix}/answer.mp4"
    multipart = s3.create_multipart_upload(Bucket="Upload", Key=key)["UploadId"]
    s3.upload_part(
        Bucket="Upload", Key=key, UploadId=multipart, PartNumber=1, Body=b"a"
    )

    with pytest.raises(ClientError) as wrong:
        s3.complete_multipart_upload(
            Bucket="Upload",
            Key=key,
            UploadId=multipart,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"0000"'}]},
        )
    assert wrong.value.response["Error"]["Code"] == "InvalidPart"

    s3.abort_multipart_upload(Bucket="Upload", Key=key, UploadId=multipart)
    with pytest.raises(ClientError) as gone:
        s3.upload_part(
            Bucket="Upload", Key=key, UploadId=multipart, PartNumber=2, Body=b"b"
        )
    assert gone.value.response["Error"]["Code"] == "NoSuchUpload"
    assert "answer.mp4" not in sim.uploads.uploads[upload["ID"]].files


def test_a_cancelled_upload_takes_no_more_files(live) -> None:
    base, _ = live
    headers = bearer(base, "stu.student")
    upload = create(base, headers)
    cancelled = requests.delete(f"{base}{PUBLIC_API}/{upload['ID']}", headers=headers)
    assert cancelled.json()["State"] == 2

    s3, prefix = s3_for(upload["UploadTarget"])
    with pytest.raises(ClientError) as refused:
        s3.create_multipart_upload(Bucket="Upload", Key=f"{prefix}/answer.mp4")
    assert refused.value.response["Error"]["Code"] == "AccessDenied"


def test_the_simulator_keeps_no_media_bytes(live) -> None:
    base, sim = live
    headers = bearer(base, "stu.student")
    upload = create(base, headers)
    s3, prefix = s3_for(upload["UploadTarget"])
    send_file(s3, prefix, "answer.mp4", b"m" * (PART + 10))

    stored = sim.uploads.uploads[upload["ID"]].files["answer.mp4"]
    assert stored.size == PART + 10 and stored.content is None


@pytest.mark.parametrize(
    "user, folder, status",
    [
        ("stu.student", seed.FOLDER_SIT999, 403),
        ("stu.student", "f0000000-0000-4000-8000-0000000000ff", 404),
        ("ina.instructor", seed.FOLDER_SIT999, 201),
    ],
)
def test_only_creators_may_upload_into_a_folder(live, user, folder, status) -> None:
    base, _ = live
    answer = requests.post(
        base + PUBLIC_API, json={"FolderId": folder}, headers=bearer(base, user)
    )
    assert answer.status_code == status


def test_a_stale_token_gets_403_and_someone_elses_upload_404(live) -> None:
    base, sim = live
    stu = bearer(base, "stu.student")
    upload = create(base, stu)

    stale = requests.get(
        f"{base}{PUBLIC_API}/{upload['ID']}", headers={"Authorization": "Bearer nope"}
    )
    other = requests.get(
        f"{base}{PUBLIC_API}/{upload['ID']}", headers=bearer(base, "ina.instructor")
    )
    assert (stale.status_code, other.status_code) == (403, 404)


def test_finishing_needs_state_1(live) -> None:
    base, _ = live
    headers = bearer(base, "stu.student")
    upload = create(base, headers)
    answer = requests.put(
        f"{base}{PUBLIC_API}/{upload['ID']}",
        json={**upload, "State": 4},
        headers=headers,
    )
    assert answer.status_code == 400
