"""The ``make demo`` flow, clicked through in Chromium as a newcomer would.

A convenor opens the task, chooses "Insert Panopto video", signs in to Panopto in the pop-up,
picks a video and inserts it; the video then plays on the task for the convenor and, after
switching user, for the student. The three processes are the demo's own, on free ports.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, FrameLocator, Page, expect

pytestmark = pytest.mark.browser

VIDEO_TITLE = "SIT999 Lecture 22: Revision week"
UNIT_FOLDER = "SIT999 Applied Video Studies"
#: Generous for two gunicorn workers and three processes on a two-core machine.
WAIT_MS = 15_000


@pytest.fixture
def page(browser: Browser) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    yield context.new_page()
    context.close()


def open_chooser(page: Page, button_id: str) -> FrameLocator:
    page.click(f"#{button_id}")
    return page.frame_locator("#chooser-frame")


def sign_in_to_panopto(page: Page, chooser: FrameLocator) -> None:
    with page.expect_popup() as popup_info:
        chooser.get_by_role("button", name="Sign in to Panopto").click()
    popup = popup_info.value
    with popup.expect_event("close"):
        popup.click('button[data-username="ina.instructor"]')


def player_frame(page: Page, title: str) -> FrameLocator:
    """The Panopto player inside the tool's viewer frame of the placed item."""
    viewer = page.frame_locator(f'iframe.lti-item[title="{title}"]')
    return viewer.frame_locator("iframe[src*='/Panopto/Pages/Embed.aspx']")


def test_convenor_inserts_a_video_that_the_student_then_watches(demo, page: Page):
    page.goto(demo.platform_url + "/")
    expect(page.locator("#signed-in-name")).to_have_text("Connor Convenor")

    chooser = open_chooser(page, "insert-video-description")
    sign_in_to_panopto(page, chooser)
    chooser.get_by_role("button", name=UNIT_FOLDER).click()
    chooser.get_by_label(VIDEO_TITLE, exact=True).check()
    expect(chooser.locator("#selection-summary")).to_contain_text("1")
    chooser.get_by_role("button", name=re.compile("Insert")).click()

    # The platform verified the signed response, closed the dialog and shows the item.
    expect(page.locator("#chooser-dialog")).not_to_be_visible()
    expect(page.locator("#description-items figcaption")).to_have_text(VIDEO_TITLE)
    expect(player_frame(page, VIDEO_TITLE).locator("h1")).to_have_text(VIDEO_TITLE)

    page.select_option("#user-switcher", "sam")
    page.click("#switch-user-button")
    expect(page.locator("#signed-in-name")).to_have_text("Sam Student")
    expect(page.locator("#insert-video-description")).to_have_count(0)
    expect(player_frame(page, VIDEO_TITLE).locator("h1")).to_have_text(VIDEO_TITLE)
    viewer = page.frame_locator(f'iframe.lti-item[title="{VIDEO_TITLE}"]')
    expect(viewer.get_by_role("link", name=re.compile("in Panopto"))).to_have_attribute(
        "href", re.compile(r"/Panopto/Pages/Viewer\.aspx\?id=5e550000-")
    )


def test_a_tutor_leaves_video_feedback_in_a_comment(demo, page: Page):
    page.goto(demo.platform_url + "/")
    page.select_option("#user-switcher", "tara")
    page.click("#switch-user-button")
    expect(page.locator("#signed-in-name")).to_have_text("Tara Tutor")

    chooser = open_chooser(page, "insert-video-comment")
    sign_in_to_panopto(page, chooser)
    chooser.get_by_role("button", name=UNIT_FOLDER).click()
    chooser.get_by_label(VIDEO_TITLE, exact=True).check()
    chooser.get_by_role("button", name=re.compile("Insert")).click()

    comment = page.locator("#comment-thread li.comment").last
    expect(comment.locator("figcaption")).to_have_text(VIDEO_TITLE)
    expect(comment).to_contain_text("Tara Tutor")
