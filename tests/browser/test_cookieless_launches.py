"""Launches inside the platform's page when the browser blocks the tool's cookies.

The tool runs on ``localhost`` and the platform on ``127.0.0.1``: two sites, so the tool's
frames are third-party and Chromium blocks their cookies (proved in
test_third_party_cookies_blocked.py). Three cases:

- over HTTPS, the tool's state cookie is ``Partitioned``, which Chromium still keeps;
- with the tool on plain HTTP no cookie of the tool survives at all, and LTI platform
  storage (the dev platform's ``post_message_forwarding`` frame) carries every launch;
- with neither, the tool offers to open in a new window, where its cookies are
  first-party, and the whole job can be done there.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from devkit.demo import DemoStack
from tests.browser.conftest import demo_stack
from tests.browser.test_demo_flow import (
    UNIT_FOLDER,
    VIDEO_TITLE,
    WAIT_MS,
    open_chooser,
    player_frame,
    sign_in_to_panopto,
)

pytestmark = pytest.mark.browser

STORAGE_FRAME = "post_message_forwarding"


@pytest.fixture(scope="module")
def https_two_sites(tmp_path_factory) -> Iterator[DemoStack]:
    with demo_stack(
        tmp_path_factory, "https", tool_host="localhost", tls=True
    ) as stack:
        yield stack


@pytest.fixture(scope="module")
def no_tool_cookies(tmp_path_factory) -> Iterator[DemoStack]:
    """The tool on plain HTTP inside an HTTPS platform: none of its cookies can work."""
    with demo_stack(
        tmp_path_factory, "mixed", tool_host="localhost", tls=True, tool_tls=False
    ) as stack:
        yield stack


@pytest.fixture(scope="module")
def no_cookies_no_storage(tmp_path_factory) -> Iterator[DemoStack]:
    with demo_stack(
        tmp_path_factory,
        "mixed-nostorage",
        tool_host="localhost",
        tls=True,
        tool_tls=False,
        platform_storage="off",
    ) as stack:
        yield stack


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, ignore_https_errors=True
    )
    context.set_default_timeout(WAIT_MS)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def insert_video(page: Page, stack: DemoStack) -> None:
    page.goto(stack.platform_url + "/")
    chooser = open_chooser(page, "insert-video-description")
    sign_in_to_panopto(page, chooser)
    chooser.get_by_role("button", name=UNIT_FOLDER).click()
    chooser.get_by_label(VIDEO_TITLE, exact=True).check()
    chooser.get_by_role("button", name=re.compile("Insert")).click()
    expect(page.locator("#description-items figcaption")).to_have_text(VIDEO_TITLE)


def switch_to_student(page: Page) -> None:
    page.select_option("#user-switcher", "sam")
    page.click("#switch-user-button")
    expect(page.locator("#signed-in-name")).to_have_text("Sam Student")


def storage_counts(page: Page) -> tuple[int, int]:
    frame = page.frame(name=STORAGE_FRAME)
    assert frame is not None, "the platform has no storage frame"
    data = frame.evaluate("({...document.body.dataset})")
    return int(data["storagePuts"]), int(data["storageGets"])


#: The Panopto sign-in pop-up binds a sign-in to its browser with this cookie. The pop-up is
#: a top-level window of the tool's own site, so the cookie is first-party and never part of
#: a launch inside the platform's frame.
SIGN_IN_COOKIE = "panopto_sign_in"


def tool_cookies(context: BrowserContext) -> list[dict]:
    """The tool's cookies that launches inside the platform's frame could use."""
    return [
        c
        for c in context.cookies()
        if c["domain"] == "localhost" and c["name"] != SIGN_IN_COOKIE
    ]


def sign_in_cookie(context: BrowserContext) -> dict:
    (cookie,) = [c for c in context.cookies() if c["name"] == SIGN_IN_COOKIE]
    return cookie


def test_over_https_the_partitioned_state_cookie_carries_the_launches(
    https_two_sites: DemoStack, context: BrowserContext, page: Page
):
    insert_video(page, https_two_sites)
    switch_to_student(page)

    expect(player_frame(page, VIDEO_TITLE).locator("h1")).to_have_text(VIDEO_TITLE)
    # The tool's cookies were kept only in the platform's partition (CHIPS)...
    cookies = tool_cookies(context)
    assert cookies and all(
        c.get("partitionKey") == "https://127.0.0.1" for c in cookies
    )
    # ...and the launch was also offered platform storage, which the tool used.
    puts, _ = storage_counts(page)
    assert puts >= 2
    # The sign-in pop-up's cookie is first-party to the tool's own top-level window.
    pop_up = sign_in_cookie(context)
    assert pop_up["secure"] and pop_up["httpOnly"] and pop_up["path"] == "/panopto"
    assert "partitionKey" not in pop_up


def test_with_no_tool_cookie_at_all_platform_storage_carries_every_launch(
    no_tool_cookies: DemoStack, context: BrowserContext, page: Page
):
    insert_video(page, no_tool_cookies)
    switch_to_student(page)

    viewer = page.frame_locator(f'iframe.lti-item[title="{VIDEO_TITLE}"]')
    expect(viewer.locator("body")).to_have_attribute("data-launch-verified", "true")
    expect(player_frame(page, VIDEO_TITLE).locator("h1")).to_have_text(VIDEO_TITLE)
    assert tool_cookies(context) == []  # the browser kept none of the tool's cookies
    puts, gets = storage_counts(page)
    assert puts >= 2 and gets >= 2  # state and nonce stored, then read back


def test_with_neither_cookies_nor_storage_the_tool_opens_in_a_new_window(
    no_cookies_no_storage: DemoStack, context: BrowserContext, page: Page
):
    stack = no_cookies_no_storage
    page.goto(stack.platform_url + "/")
    chooser = open_chooser(page, "insert-video-description")
    expect(chooser.locator("#lti-login-blocked")).to_be_visible()

    # The whole chooser works in the new window, where the tool's cookies are its own.
    with page.expect_popup() as opened:
        chooser.get_by_role(
            "link", name="Open the Panopto tool in a new window"
        ).click()
    window = opened.value
    expect(window.locator("h1")).to_have_text("Insert a Panopto video")
    with window.expect_popup() as sign_in:
        window.get_by_role("button", name="Sign in to Panopto").click()
    with sign_in.value.expect_event("close"):
        sign_in.value.click('button[data-username="ina.instructor"]')
    window.get_by_role("button", name=UNIT_FOLDER).click()
    window.get_by_label(VIDEO_TITLE, exact=True).check()
    window.get_by_role("button", name=re.compile("Insert")).click()
    expect(window.locator("h1")).to_have_text("Video choice received")
    window.close()

    page.reload()
    expect(page.locator("#description-items figcaption")).to_have_text(VIDEO_TITLE)
    viewer = page.frame_locator(f'iframe.lti-item[title="{VIDEO_TITLE}"]')
    with page.expect_popup() as opened:
        viewer.get_by_role("link", name="Open the Panopto tool in a new window").click()
    player = opened.value
    expect(player.frame_locator("iframe").locator("h1")).to_have_text(VIDEO_TITLE)
