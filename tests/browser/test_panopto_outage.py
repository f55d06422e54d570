"""Panopto goes down while a convenor is choosing a video, in Chromium.

The chooser says plainly what is wrong and offers "Try again"; the chosen video stays chosen;
once Panopto is back, "Try again" inserts it. The outage is injected through the simulator's
control routes. One tool worker, so that one circuit breaker sees every failure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import requests
from playwright.sync_api import Page, expect

from devkit.demo import DemoStack
from tests.browser.test_demo_flow import (
    UNIT_FOLDER,
    VIDEO_TITLE,
    WAIT_MS,
    open_chooser,
    sign_in_to_panopto,
)
from tests.servers import free_port

pytestmark = pytest.mark.browser

RESET_SECONDS = 3
SCREENSHOT_DIR = "test-results"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[DemoStack]:
    workdir = tmp_path_factory.mktemp("outage-demo")
    stack = DemoStack(
        workdir=workdir,
        tool_port=free_port(),
        platform_port=free_port(),
        panopto_port=free_port(),
        tool_workers=1,
        keys_dir=workdir / "tool-keys",
        database_url=f"sqlite:///{workdir / 'tool.sqlite3'}",
        redis_url="",
        tool_settings={
            "PANOPTO_BREAKER_FAILURES": "2",
            "PANOPTO_BREAKER_RESET_SECONDS": str(RESET_SECONDS),
            "PANOPTO_CACHE_SECONDS": "0",
        },
    )
    with stack:
        yield stack


@pytest.fixture
def page(browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    yield context.new_page()
    context.close()


def set_fault(demo: DemoStack, mode: str, count: int = 1) -> None:
    body = {"mode": mode} if mode == "none" else {"mode": mode, "count": count}
    answer = requests.post(demo.panopto_url + "/_sim/faults", json=body, timeout=5)
    answer.raise_for_status()


def test_an_outage_is_explained_and_the_choice_survives_it(demo, page: Page):
    page.goto(demo.platform_url + "/")
    chooser = open_chooser(page, "insert-video-description")
    sign_in_to_panopto(page, chooser)
    chooser.get_by_role("button", name=UNIT_FOLDER).click()
    chooser.get_by_label(VIDEO_TITLE, exact=True).check()
    expect(chooser.locator("#selection-summary")).to_contain_text("1")

    # Panopto goes down: two searches fail after their retries, which opens the circuit.
    set_fault(demo, "down", count=10_000)
    for _ in range(2):
        chooser.locator("#search-input").fill("lecture")
        # Each search must have failed before the next step: the message alone stays up
        # from the first one.
        with page.expect_response(lambda r: "/chooser/api/search" in r.url) as answer:
            chooser.get_by_role("button", name="Search", exact=True).click()
        assert answer.value.status >= 500
        expect(chooser.locator("#error-message")).to_have_text(
            re.compile("Panopto did not answer")
        )

    chooser.get_by_role("button", name=re.compile("Insert")).click()
    error = chooser.locator("#error")
    expect(error).to_contain_text("Panopto is not answering at the moment")
    expect(error).to_contain_text("Nothing you chose is lost")
    expect(chooser.get_by_role("button", name="Try again")).to_be_visible()
    expect(chooser.locator("#selection-list")).to_contain_text(VIDEO_TITLE)
    page.screenshot(path=f"{SCREENSHOT_DIR}/chooser-panopto-down.png")

    # Panopto comes back; after the breaker's pause, Try again finishes the insert.
    set_fault(demo, "none")
    page.wait_for_timeout((RESET_SECONDS + 0.5) * 1000)
    chooser.get_by_role("button", name="Try again").click()

    expect(page.locator("#chooser-dialog")).not_to_be_visible()
    expect(page.locator("#description-items figcaption")).to_have_text(VIDEO_TITLE)
