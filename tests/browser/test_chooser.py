"""The chooser and the viewer in Chromium, against the demo's own three processes.

Staff search, browse, page, preview, set embed options, upload (with progress, a failed
part retried, cancel), record with Chromium's fake camera, manage and insert; a student
records into their own folder only; viewers see the options honoured and "still
processing" turn into the player. Each test uses videos no other test touches, since the
module shares one demo stack.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, FrameLocator, Page, expect

from .helpers import (
    WAIT_MS,
    chooser_frame,
    close_chooser,
    held_processing,
    insert,
    open_chooser,
    sim_control,
    switch_user,
    viewer_frame,
)

pytestmark = pytest.mark.browser

UNIT_FOLDER = "SIT999 Applied Video Studies"
PART_BYTES = 8 * 1024 * 1024


@pytest.fixture
def page(browser: Browser) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="module")
def video_file(tmp_path_factory) -> Path:
    """A file of a bit more than one part, so the upload has two parts."""
    path = tmp_path_factory.mktemp("media") / "week-3-feedback.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(PART_BYTES + 3_000_000))
    return path


def throttle_uploads(page: Page, bytes_per_second: int) -> None:
    """Slow the page's uploads down (Chrome DevTools network conditions), so progress
    can be watched on loopback."""
    cdp = page.context.new_cdp_session(page)
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 0,
            "downloadThroughput": -1,
            "uploadThroughput": bytes_per_second,
        },
    )


def embedded_player(page: Page, title: str) -> FrameLocator:
    return viewer_frame(page, title).frame_locator(
        "iframe[src*='/Panopto/Pages/Embed']"
    )


# -- finding videos ----------------------------------------------------------------------


def test_the_unit_folder_comes_first_and_breadcrumbs_lead_back(demo, page: Page):
    page.goto(demo.platform_url + "/")
    chooser = open_chooser(page, "insert-video-description", "connor")

    expect(chooser.locator("#browse-heading")).to_have_text(f"Videos in {UNIT_FOLDER}")
    expect(chooser.locator("#unit-folder-button")).to_contain_text("(this unit)")
    chooser.get_by_role("button", name="Open folder Week 1").click()
    expect(chooser.locator("#breadcrumbs li")).to_have_text(
        ["All folders", UNIT_FOLDER, "Week 1"]
    )
    row = chooser.locator("#browse-results li").filter(has_text="Untitled recording")
    expect(row.locator(".meta")).to_contain_text("Week 1 · 0:12")

    chooser.locator("#breadcrumbs").get_by_role("button", name="All folders").click()
    expect(
        chooser.get_by_role("button", name="Open folder Orientation & Welcome")
    ).to_be_visible()

    chooser.get_by_role("tab", name="My folders").click()
    chooser.get_by_role("button", name="Open folder Ina Instructor").click()
    expect(chooser.get_by_label("Draft: welcome message", exact=True)).to_be_visible()


def test_search_as_you_type_shows_details_and_pages_on_demand(demo, page: Page):
    page.goto(demo.platform_url + "/")
    chooser = open_chooser(page, "insert-video-description", "connor")

    chooser.get_by_label("Search all your videos").press_sequentially("lecture")
    expect(chooser.locator("#browse-heading")).to_have_text("Videos matching “lecture”")
    results = chooser.locator("#browse-results li.session")
    expect(results).to_have_count(10)
    first = results.first
    # Folder, duration and a date in the viewer's own time zone (named).
    expect(first.locator(".meta")).to_have_text(
        re.compile(r"^[\w ]+ · \d+:\d\d(:\d\d)? · .+\d{4}, .+(UTC|GMT)$")
    )
    expect(first.locator("img")).to_have_attribute("src", re.compile("FrameGrabber"))

    chooser.get_by_role("button", name="Load more videos").click()
    expect(results).to_have_count(20)
    chooser.get_by_role("button", name="Load more videos").click()
    # The 23 lectures and the seed's "<script>… Lecture", shown as text.
    expect(results).to_have_count(24)
    expect(
        chooser.get_by_label("<script>alert(1)</script> Lecture", exact=True)
    ).to_be_attached()
    expect(chooser.get_by_role("button", name="Load more videos")).to_be_hidden()

    chooser.get_by_label("Search all your videos").fill("zzzz")
    expect(chooser.locator("#status")).to_have_text(re.compile("No videos match"))


def test_recently_watched_lists_what_the_user_watched(demo, page: Page):
    page.goto(demo.platform_url + "/")
    chooser = open_chooser(page, "insert-video-description", "connor")

    chooser.get_by_role("tab", name="Recently watched").click()

    expect(chooser.locator("#recent-results li.session")).to_have_text(
        [re.compile("Library tour")]
    )


def test_preview_then_options_reach_the_viewer(demo, page: Page):
    title = "SIT999 Lecture 07: Screen capture"
    page.goto(demo.platform_url + "/")
    chooser = open_chooser(page, "insert-video-description", "connor")
    chooser.get_by_label("Search all your videos").fill("screen capture")

    chooser.get_by_role("button", name=f"Preview {title}").click()
    preview = chooser.frame_locator("#preview-frame")
    expect(preview.locator("h1")).to_have_text(title)
    chooser.get_by_role("button", name="Choose this video").click()
    expect(chooser.locator("#selection-summary")).to_have_text("1 video chosen:")

    chooser.get_by_role("button", name=f"Options for {title}").click()
    chooser.get_by_label("Start at").fill("1:30")
    chooser.get_by_label("Play as soon as the page opens").check()
    chooser.get_by_label("Captions on").check()
    chooser.get_by_label("Show the title on the player").uncheck()
    chooser.get_by_label("Player size").select_option("small")
    chooser.get_by_label("Standard (4:3)").check()
    chooser.get_by_role("button", name="Save options").click()
    expect(chooser.locator("#selection-list")).to_contain_text(
        "small player, starts at 1:30, autoplay, captions on, no title, 4:3"
    )
    insert(page, chooser)

    frame = page.locator(f'iframe.lti-item[title="{title}"]')
    expect(frame).to_have_attribute("width", "480")
    player = embedded_player(page, title)
    expect(player.locator("#start-clock")).to_have_text("1:30")
    expect(player.locator("#state")).to_contain_text("Playing (autoplay)")
    expect(player.locator("#captions")).to_contain_text("Captions on")
    expect(player.locator("h1")).to_have_count(0)
    expect(viewer_frame(page, title).locator(".frame-4x3")).to_be_visible()


def test_a_thumbnail_link_opens_the_video_in_a_new_window(demo, page: Page):
    title = "SIT999 Lecture 08: Editing basics"
    page.goto(demo.platform_url + "/")
    chooser = open_chooser(page, "insert-video-description", "connor")
    chooser.get_by_label("Search all your videos").fill("editing")
    chooser.get_by_label(title, exact=True).check()
    chooser.get_by_role("button", name=f"Options for {title}").click()
    chooser.get_by_label("Thumbnail that opens the video in a new window").check()
    chooser.get_by_role("button", name="Save options").click()
    insert(page, chooser)

    link = viewer_frame(page, title).get_by_role("link", name=re.compile("Watch"))
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("href", re.compile(r"Viewer\.aspx\?id=5e550000-"))
    with page.expect_popup() as popup_info:
        link.click()
    expect(popup_info.value.locator("h1")).to_have_text(title)


def test_a_comment_takes_only_one_video(demo, page: Page):
    page.goto(demo.platform_url + "/")
    chooser = open_chooser(page, "insert-video-comment", "connor")

    chooser.get_by_label("SIT999 Lecture 22: Revision week", exact=True).check()
    chooser.get_by_label("SIT999 Lecture 21: Measuring engagement", exact=True).check()

    expect(chooser.locator("#selection-list li")).to_have_count(1)
    expect(chooser.get_by_role("radio", checked=True)).to_have_count(1)


# -- uploading and recording ----------------------------------------------------------


def test_upload_shows_progress_retries_a_failed_part_and_can_be_inserted_while_processing(
    demo, page: Page, video_file: Path
):
    page.goto(demo.platform_url + "/")
    chooser = open_chooser(page, "insert-video-description", "connor")
    chooser.get_by_role("tab", name="Upload").click()
    expect(chooser.get_by_label("Panopto folder")).to_have_value(
        "f0000000-0000-4000-8000-000000000001"
    )
    chooser.get_by_label("Video or audio file").set_input_files(video_file)
    expect(chooser.get_by_label("Video title")).to_have_value("week 3 feedback")
    chooser.get_by_label("Video title").fill("Week 3 feedback for everyone")

    with held_processing(demo.panopto_url):
        sim_control(demo.panopto_url, "uploads", {"fail_parts": 1})
        throttle_uploads(page, 4_000_000)
        chooser.get_by_role("button", name="Upload", exact=True).click()

        figures = watch_text(chooser.locator("#upload-figures"), until="processing")
        retried = next(i for i, t in enumerate(figures) if "sending it again" in t)
        # After the retry the part starts again, from where the parts before it ended.
        progress = [
            text
            for text in figures[retried:]
            if re.match(r"\d+% · .+ of .+ · .+/s · about .+ left", text)
        ]
        assert len(progress) >= 2, figures
        percents = [int(text.split("%")[0]) for text in progress]
        assert percents == sorted(percents) and percents[-1] > percents[0], figures

        # Panopto made the session: it is chosen and can be inserted right away.
        expect(chooser.locator("#selection-list")).to_contain_text(
            "Week 3 feedback for everyone"
        )
        insert(page, chooser)
        viewer = viewer_frame(page, "Week 3 feedback for everyone")
        expect(viewer.get_by_role("status")).to_contain_text("still processing")
    # ... and the viewer turns into the player once Panopto is done.
    player = embedded_player(page, "Week 3 feedback for everyone")
    expect(player.locator("h1")).to_have_text(
        "Week 3 feedback for everyone", timeout=20_000
    )


def watch_text(locator, until: str, timeout: float = 60) -> list[str]:
    """Every distinct text the element shows until it contains ``until``."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = locator.text_content() or ""
        if not seen or seen[-1] != text:
            seen.append(text)
        if until in text:
            return seen
        time.sleep(0.1)
    raise AssertionError(f"never saw {until!r}: {seen}")


def test_an_upload_can_be_cancelled(demo, page: Page, video_file: Path):
    page.goto(demo.platform_url + "/")
    chooser = open_chooser(page, "insert-video-description", "connor")
    chooser.get_by_role("tab", name="Upload").click()
    chooser.get_by_label("Video or audio file").set_input_files(video_file)
    throttle_uploads(page, 1_000_000)
    chooser.get_by_role("button", name="Upload", exact=True).click()
    expect(chooser.locator("#upload-figures")).to_contain_text("/s", timeout=WAIT_MS)

    chooser.get_by_role("button", name="Cancel upload").click()

    expect(chooser.locator("#upload-figures")).to_have_text(
        "Upload cancelled. Nothing was added to Panopto."
    )
    unfinished = chooser_frame(page).evaluate(
        """async () => (await fetch('/chooser/api/uploads', {headers: {
            'X-Chooser-Token': document.getElementById('chooser').dataset.token}})).json()"""
    )
    assert unfinished == {"uploads": []}


def test_a_tutor_records_feedback_with_the_camera_and_posts_it(demo, page: Page):
    page.goto(demo.platform_url + "/")
    switch_user(page, "tara")
    chooser = open_chooser(page, "insert-video-comment", "tara")
    chooser.get_by_role("tab", name="Record").click()

    record_for(chooser, seconds=1)
    expect(chooser.locator("#record-playback")).to_be_visible()
    chooser.get_by_role("button", name="Re-take").click()
    expect(chooser.get_by_role("button", name="Start recording")).to_be_visible()
    record_for(chooser, seconds=3)
    size = chooser_frame(page).evaluate(
        "async () => (await (await fetch("
        "document.getElementById('record-playback').src)).blob()).size"
    )
    assert size > 10_000  # a real WebM from the fake camera, not an empty blob

    chooser.get_by_role("button", name="Upload this recording").click()
    expect(chooser.get_by_role("tab", name="Upload")).to_have_attribute(
        "aria-selected", "true"
    )
    # Tom may not upload into the unit folder itself, so its Week 1 is the default.
    expect(chooser.get_by_label("Panopto folder")).to_have_value(
        "f0000000-0000-4000-8000-000000000002"
    )
    chooser.get_by_label("Video title").fill("Feedback on 1.1P")
    chooser.get_by_role("button", name="Upload", exact=True).click()
    expect(chooser.locator("#selection-list")).to_contain_text("Feedback on 1.1P")
    insert(page, chooser)

    comment = page.locator("#comment-thread li.comment").last
    expect(comment.locator("figcaption")).to_have_text("Feedback on 1.1P")
    expect(comment).to_contain_text("Tara Tutor")

    # The student opens the task and watches the feedback once Panopto is done.
    switch_user(page, "sam")
    player = embedded_player(page, "Feedback on 1.1P")
    expect(player.locator("h1")).to_have_text("Feedback on 1.1P", timeout=20_000)


def record_for(chooser: FrameLocator, seconds: int) -> None:
    """Record until the chooser's own clock has counted ``seconds`` (under a minute)."""
    chooser.get_by_role("button", name="Start recording").click()
    expect(chooser.locator("#record-status")).to_have_text(re.compile("^Recording"))
    expect(chooser.locator("#record-live")).to_be_visible()
    expect(chooser.locator("#record-clock")).to_have_text(f"0:{seconds:02d}")
    chooser.get_by_role("button", name="Stop recording").click()
    expect(chooser.locator("#record-status")).to_contain_text("Here is your recording")


def test_a_student_records_into_their_own_folder_and_nowhere_else(demo, page: Page):
    page.goto(demo.platform_url + "/")
    switch_user(page, "sam")
    chooser = open_chooser(page, "insert-video-comment", "sam")

    expect(chooser.get_by_role("tab")).to_have_text(["Record", "Upload", "My videos"])
    expect(chooser.get_by_label("Search all your videos")).to_have_count(0)
    refused = chooser_frame(page).evaluate(
        """async () => {
            const token = document.getElementById('chooser').dataset.token;
            const answers = await Promise.all(['/chooser/api/search?q=lecture',
                '/chooser/api/folders', '/chooser/api/recent',
                '/chooser/api/folders/f0000000-0000-4000-8000-000000000001/sessions'
            ].map(url => fetch(url, {headers: {'X-Chooser-Token': token}})));
            return answers.map(a => a.status);
        }"""
    )
    assert refused == [403, 403, 403, 403]

    record_for(chooser, seconds=2)
    chooser.get_by_role("button", name="Upload this recording").click()
    expect(chooser.get_by_label("Panopto folder")).to_have_text(
        "SIT999 Submissions: Stu Student"
    )
    chooser.get_by_label("Video title").fill("My answer to 1.1P")
    chooser.get_by_role("button", name="Upload", exact=True).click()
    expect(chooser.locator("#selection-list")).to_contain_text("My answer to 1.1P")
    chooser.get_by_role("tab", name="My videos").click()
    expect(chooser.locator("#own-results")).to_contain_text("My answer to 1.1P")
    insert(page, chooser)

    comment = page.locator("#comment-thread li.comment").last
    expect(comment.locator("figcaption")).to_have_text("My answer to 1.1P")


# -- managing --------------------------------------------------------------------------


def test_manage_rename_captions_and_delete_with_the_retention_warning(
    demo, page: Page, tmp_path: Path
):
    page.goto(demo.platform_url + "/")
    chooser = open_chooser(page, "insert-video-description", "connor")
    chooser.get_by_role("tab", name="My folders").click()
    chooser.get_by_role("button", name="Open folder Ina Instructor").click()
    chooser.get_by_label("Draft: welcome message", exact=True).check()
    insert(page, chooser)
    expect(
        embedded_player(page, "Draft: welcome message").locator("h1")
    ).to_be_visible()

    chooser = open_chooser(page, "insert-video-description", "connor")
    chooser.get_by_role("tab", name="My folders").click()
    chooser.get_by_role("button", name="Open folder Ina Instructor").click()
    chooser.get_by_role("button", name="Manage Draft: welcome message").click()
    dialog = chooser.locator("#manage-dialog")
    expect(
        dialog.get_by_role("link", name=re.compile("Edit in Panopto"))
    ).to_have_attribute("href", re.compile(r"/Panopto/Pages/Editor/Editor\.aspx\?id="))
    dialog.get_by_label("Title", exact=True).fill("Welcome, everyone")
    dialog.get_by_role("button", name="Save changes").click()
    expect(dialog.get_by_role("status")).to_have_text("Saved.")
    expect(chooser.get_by_label("Welcome, everyone", exact=True)).to_be_attached()

    captions = tmp_path / "welcome.vtt"
    captions.write_text("WEBVTT\n\n00:00.500 --> 00:02.000\nWelcome!\n")
    dialog.get_by_label("Language", exact=True).select_option("French")
    dialog.get_by_label("Caption file (SRT or WebVTT)").set_input_files(captions)
    dialog.get_by_role("button", name="Upload captions").click()
    expect(dialog.get_by_role("status")).to_have_text("Captions in French uploaded.")
    served = requests.get(
        demo.panopto_url + "/Panopto/Pages/Transcription/GenerateSRT.ashx",
        params={"id": "5e550000-0000-4000-8000-000000000301", "language": "French"},
        timeout=5,
    )
    assert "Welcome!" in served.text

    dialog.get_by_role("button", name="Delete this video…").click()
    expect(dialog.locator("#delete-warning")).to_contain_text("retention rules")
    dialog.get_by_role("button", name="Delete permanently").click()
    expect(dialog).not_to_be_visible()
    expect(chooser.get_by_label("Welcome, everyone", exact=True)).to_have_count(0)
    close_chooser(page)

    # Where it was placed, viewers are told it is gone.
    page.reload()
    expect(
        viewer_frame(page, "Draft: welcome message").get_by_role("alert")
    ).to_contain_text("This video was deleted")


# -- keyboard only ------------------------------------------------------------------------


def test_the_chooser_works_from_the_keyboard_alone(demo, page: Page):
    title = "SIT999 Lecture 14: Live streaming"
    page.goto(demo.platform_url + "/")
    chooser = open_chooser(page, "insert-video-comment", "connor")
    keyboard = page.keyboard

    chooser.get_by_label("Search all your videos").focus()
    keyboard.type("live")
    # The video is also on the folder's first page: wait for the search's own results.
    expect(chooser.locator("#browse-heading")).to_have_text("Videos matching “live”")
    expect(chooser.get_by_label(title, exact=True)).to_be_visible()
    # Tab order: search box, Search button, the tabs, then the results.
    keyboard.press("Tab")
    keyboard.press("Tab")
    expect(chooser.get_by_role("tab", name="Browse")).to_be_focused()
    keyboard.press("ArrowRight")
    expect(chooser.get_by_role("tab", name="My folders")).to_be_focused()
    keyboard.press("ArrowLeft")
    keyboard.press("Enter")
    chooser.get_by_label(title, exact=True).focus()
    keyboard.press("Space")
    expect(chooser.locator("#selection-summary")).to_have_text("1 video chosen:")
    chooser.get_by_role("button", name=f"Options for {title}").focus()
    keyboard.press("Enter")
    expect(chooser.get_by_label("Start at")).to_be_focused()
    keyboard.type("2:05")
    keyboard.press("Enter")
    expect(chooser.locator("#selection-list")).to_contain_text("starts at 2:05")
    chooser.get_by_role("button", name=re.compile("^Insert")).focus()
    keyboard.press("Enter")

    comment = page.locator("#comment-thread li.comment").last
    expect(comment.locator("figcaption")).to_have_text(title)
    expect(embedded_player(page, title).locator("#start-clock")).to_have_text("2:05")
