"""axe-core (from npm) finds no serious or critical WCAG 2.1 A/AA problem in the chooser,
its dialogs and panels, or the viewer's states."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Frame, Page, expect

from .helpers import (
    WAIT_MS,
    assert_accessible,
    chooser_frame,
    close_chooser,
    held_processing,
    insert,
    open_chooser,
    switch_user,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser: Browser) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    yield context.new_page()
    context.close()


def item_frame(page: Page, title: str) -> Frame:
    handle = page.locator(f'iframe.lti-item[title="{title}"]').element_handle()
    frame = handle.content_frame()
    assert frame is not None
    return frame


def test_the_staff_chooser_and_each_of_its_panels_and_dialogs(demo, page: Page):
    page.goto(demo.platform_url + "/")
    chooser = open_chooser(page, "insert-video-description", "connor")
    expect(chooser.locator("#browse-results li.session").first).to_be_visible()
    frame = chooser_frame(page)
    assert_accessible(frame)

    chooser.get_by_label("Search all your videos").fill("café")
    expect(chooser.locator("#browse-heading")).to_contain_text("matching")
    expect(chooser.get_by_label(re.compile("Café")).first).to_be_visible()
    assert_accessible(frame)

    chooser.get_by_label(re.compile("Café"), exact=False).first.check()
    chooser.get_by_role("button", name=re.compile("^Options for")).click()
    assert_accessible(frame)
    chooser.get_by_role("button", name="Cancel").click()

    chooser.get_by_role("button", name=re.compile("^Preview")).first.click()
    expect(chooser.frame_locator("#preview-frame").locator("h1")).to_be_visible()
    assert_accessible(frame)
    chooser.get_by_role("button", name="Close preview").click()

    chooser.get_by_role("button", name=re.compile("^Manage")).first.click()
    expect(chooser.locator("#manage-form")).to_be_visible()
    assert_accessible(frame)
    chooser.get_by_role("button", name="Close manage video").click()

    # Each tab is checked once what it fetches has arrived, not while it is half built.
    loaded = {
        "My folders": chooser.locator("#mine-list li").first,
        "Recently watched": chooser.locator("#recent-results li").first,
        "Upload": chooser.locator("#upload-folder option").first,
        "Record": chooser.get_by_role("button", name="Start recording"),
    }
    for tab, content in loaded.items():
        chooser.get_by_role("tab", name=tab).click()
        expect(chooser.get_by_role("tabpanel")).to_be_visible()
        expect(content).to_be_attached()
        assert_accessible(frame)


def test_the_student_chooser(demo, page: Page):
    page.goto(demo.platform_url + "/")
    switch_user(page, "sam")
    chooser = open_chooser(page, "insert-video-comment", "sam")
    frame = chooser_frame(page)
    assert_accessible(frame)

    chooser.get_by_role("tab", name="My videos").click()
    expect(chooser.locator("#own-heading")).to_contain_text("SIT999 Submissions")
    assert_accessible(frame)


def test_the_sign_in_step(demo, page: Page):
    page.goto(demo.platform_url + "/")
    switch_user(page, "tara")
    page.click("#insert-video-description")
    chooser = page.frame_locator("#chooser-frame")
    expect(chooser.get_by_role("button", name="Sign in to Panopto")).to_be_visible()

    assert_accessible(chooser_frame(page))


def test_the_viewer_as_a_player_and_as_a_thumbnail(demo, page: Page):
    inline = "SIT999 Lecture 03: Light and shadow"
    thumbnail = "SIT999 Lecture 04: Recording clean sound"
    page.goto(demo.platform_url + "/")
    chooser = open_chooser(page, "insert-video-description", "connor")
    chooser.get_by_label("Search all your videos").fill("light sound")
    chooser.get_by_label("Search all your videos").fill("lecture")
    for title in (inline, thumbnail):
        chooser.get_by_label(title, exact=True).check()
    chooser.get_by_role("button", name=f"Options for {thumbnail}").click()
    chooser.get_by_label("Thumbnail that opens the video in a new window").check()
    chooser.get_by_role("button", name="Save options").click()
    insert(page, chooser)

    switch_user(page, "sam")
    for title in (inline, thumbnail):
        frame = item_frame(page, title)
        expect(frame.locator("main#player")).to_be_visible()
        assert_accessible(frame)


def test_the_viewers_messages(demo, page: Page, tmp_path):
    """Still processing, then deleted: both are announced and accessible."""
    video = tmp_path / "short.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"v" * 200_000)
    page.goto(demo.platform_url + "/")
    with held_processing(demo.panopto_url):
        chooser = open_chooser(page, "insert-video-description", "connor")
        chooser.get_by_role("tab", name="Upload").click()
        chooser.get_by_label("Video or audio file").set_input_files(video)
        chooser.get_by_label("Video title").fill("Processing check")
        chooser.get_by_role("button", name="Upload", exact=True).click()
        expect(chooser.locator("#selection-list")).to_contain_text("Processing check")
        insert(page, chooser)

        frame = item_frame(page, "Processing check")
        expect(frame.get_by_role("status")).to_contain_text("still processing")
        assert_accessible(frame)

    chooser = open_chooser(page, "insert-video-description", "connor")
    chooser.get_by_label("Search all your videos").fill("processing check")
    chooser.get_by_role("button", name="Manage Processing check").click()
    chooser.get_by_role("button", name="Delete this video…").click()
    chooser.get_by_role("button", name="Delete permanently").click()
    # The deletion has reached Panopto before the chooser (and its request) is closed.
    expect(chooser.locator("#manage-dialog")).not_to_be_visible()
    expect(chooser.get_by_label("Processing check", exact=True)).to_have_count(0)
    close_chooser(page)
    page.reload()

    frame = item_frame(page, "Processing check")
    expect(frame.get_by_role("alert")).to_contain_text("deleted")
    assert_accessible(frame)


def test_the_check_itself_finds_problems(page: Page):
    """An unlabelled field and an image without alt text must be reported."""
    page.set_content(
        '<html lang="en"><body><input type="text"><img src="x.png"></body></html>'
    )

    from .helpers import axe_violations

    found = {violation["id"] for violation in axe_violations(page.main_frame)}
    assert {"label", "image-alt"} <= found
