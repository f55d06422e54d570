"""The chooser when people do the unexpected, and by keyboard alone, in Chromium.

A chooser closed and opened again keeps its choice; a cancelled sign-in says so; two open
choosers each carry on after their own sign-in. (Panopto outages: test_panopto_outage.py.)
The tests share one demo stack and run in file order: the last one needs Sam not yet signed
in to Panopto.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, FrameLocator, Page, expect

from tests.browser.helpers import close_chooser, switch_user
from tests.browser.test_demo_flow import (
    UNIT_FOLDER,
    VIDEO_TITLE,
    WAIT_MS,
    open_chooser,
    sign_in_to_panopto,
)

pytestmark = pytest.mark.browser

OTHER_VIDEO = "SIT999 Lecture 21: Measuring engagement"


@pytest.fixture
def context(browser: Browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    yield context
    context.close()


@pytest.fixture
def page(context) -> Page:
    return context.new_page()


def as_user(page: Page, demo, user_id: str) -> None:
    page.goto(demo.platform_url + "/")
    switch_user(page, user_id)


def signed_in_chooser(page: Page, demo, user_id: str) -> FrameLocator:
    """A chooser for ``user_id``, signing in to Panopto unless an earlier test did."""
    as_user(page, demo, user_id)
    chooser = open_chooser(page, "insert-video-description")
    expect(
        chooser.locator("#workspace, #sign-in").locator("visible=true")
    ).to_have_count(1)
    if chooser.locator("#sign-in").is_visible():
        sign_in_to_panopto(page, chooser)
    expect(chooser.get_by_role("button", name=UNIT_FOLDER)).to_be_visible()
    return chooser


def test_a_reopened_chooser_offers_the_videos_chosen_before(demo, page: Page):
    chooser = signed_in_chooser(page, demo, "connor")
    chooser.get_by_role("button", name=UNIT_FOLDER).click()
    chooser.get_by_label(OTHER_VIDEO, exact=True).check()
    close_chooser(page)

    chooser = open_chooser(page, "insert-video-description")

    expect(chooser.locator("#selection-list")).to_contain_text(OTHER_VIDEO)
    chooser.get_by_role("button", name=re.compile("Insert")).click()
    expect(page.locator("#description-items figcaption").last).to_have_text(OTHER_VIDEO)


def test_the_chooser_works_by_keyboard_alone(demo, page: Page):
    chooser = signed_in_chooser(page, demo, "tara")
    folder = chooser.get_by_role("button", name=UNIT_FOLDER)
    folder.focus()
    page.keyboard.press("Enter")

    # Focus lands on the folder just opened, not back at the top of the page.
    expect(chooser.locator("#current-folder")).to_be_focused()
    video = chooser.get_by_label(VIDEO_TITLE, exact=True)
    while not _is_focused(video):
        page.keyboard.press("Tab")
    page.keyboard.press("Space")
    expect(video).to_be_checked()
    insert = chooser.get_by_role("button", name=re.compile("Insert"))
    while not _is_focused(insert):
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    expect(page.locator("#description-items figcaption").last).to_have_text(VIDEO_TITLE)


def _is_focused(locator) -> bool:
    return locator.evaluate("element => element === document.activeElement")


def test_a_cancelled_sign_in_says_so_and_offers_to_sign_in_again(demo, context, page):
    as_user(page, demo, "sam")
    chooser = open_chooser(page, "insert-video-comment")
    with page.expect_popup() as popup_info:
        chooser.get_by_role("button", name="Sign in to Panopto").click()
    popup = popup_info.value
    popup.click("#cancel")

    expect(popup.get_by_role("button", name="Close this window")).to_be_visible()
    expect(chooser.get_by_role("alert")).to_contain_text("cancelled or refused")
    with popup.expect_event("close"):
        popup.get_by_role("button", name="Close this window").click()
    # With the pop-up gone, the chooser still offers the way forward.
    expect(chooser.get_by_role("button", name="Sign in again")).to_be_visible()
    expect(chooser.locator("#workspace")).to_be_hidden()


def test_two_open_choosers_each_carry_on_after_their_own_sign_in(demo, context):
    """Both choosers start a sign-in before either finishes: each needs its own pop-up,
    or the second would take over the first's window and never hear back."""
    first, second = context.new_page(), context.new_page()
    as_user(first, demo, "sam")
    second.goto(demo.platform_url + "/")
    choosers = [open_chooser(page, "insert-video-comment") for page in (first, second)]
    popups = []
    for page, chooser in zip((first, second), choosers, strict=True):
        with page.expect_popup() as popup_info:
            chooser.get_by_role("button", name="Sign in to Panopto").click()
        popups.append(popup_info.value)

    assert popups[0] != popups[1]
    for popup in reversed(popups):
        popup.click('button[data-username="stu.student"]')

    for chooser in choosers:
        expect(chooser.locator("#workspace")).to_be_visible()
