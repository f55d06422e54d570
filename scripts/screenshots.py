"""Take the README's screenshots of the chooser and the viewer from a fresh demo.

    .venv/bin/python scripts/screenshots.py        # writes docs/*.png

Runs the demo's three processes on free ports and clicks through them in Debian's
Chromium, as the browser tests do.
"""

from __future__ import annotations

import logging
import re
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devkit.demo import DemoStack  # noqa: E402
from tests.browser.helpers import open_chooser, switch_user, viewer_frame  # noqa: E402
from tests.conftest import CHROMIUM_ARGS  # noqa: E402
from tests.servers import free_port  # noqa: E402

logger = logging.getLogger(__name__)

DOCS = ROOT / "docs"
VIEWPORT = {"width": 1200, "height": 860}


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        work = Path(folder)
        stack = DemoStack(
            workdir=work,
            tool_port=free_port(),
            platform_port=free_port(),
            panopto_port=free_port(),
            keys_dir=work / "keys",
            database_url=f"sqlite:///{work / 'tool.sqlite3'}",
            panopto_settings={"SIM_PROCESSING_SECONDS": "600"},
        )
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        with stack:
            page = browser.new_page(viewport=VIEWPORT)
            page.set_default_timeout(20_000)
            staff_chooser(page, stack)
            student_chooser(browser, stack)
        browser.close()


def staff_chooser(page, stack) -> None:
    page.goto(stack.platform_url + "/")
    chooser = open_chooser(page, "insert-video-description", "connor")
    expect(chooser.locator("#browse-results li.session").first).to_be_visible()
    chooser.get_by_label("SIT999 Lecture 22: Revision week", exact=True).check()
    chooser.get_by_label("SIT999 Lecture 21: Measuring engagement", exact=True).check()
    wait_for_images(chooser)
    dialog(page, "chooser-browse.png")

    chooser.get_by_role(
        "button", name="Options for SIT999 Lecture 21: Measuring engagement"
    ).click()
    chooser.get_by_label("Start at").fill("4:30")
    chooser.get_by_label("Captions on").check()
    dialog(page, "chooser-options.png")
    chooser.get_by_role("button", name="Save options").click()

    chooser.get_by_role("tab", name="Upload").click()
    chooser.get_by_label("Video or audio file").set_input_files(
        files=[
            {
                "name": "week-3-walkthrough.mp4",
                "mimeType": "video/mp4",
                "buffer": b"\x00" * (40 * 1024 * 1024),
            }
        ]
    )
    page.context.new_cdp_session(page).send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 0,
            "downloadThroughput": -1,
            "uploadThroughput": 3_000_000,
        },
    )
    chooser.get_by_role("button", name="Upload", exact=True).click()
    expect(chooser.locator("#upload-figures")).to_have_text(
        re.compile(r"^[3-9]\d% "), timeout=30_000
    )
    dialog(page, "chooser-upload.png")
    expect(chooser.locator("#selection-list")).to_contain_text(
        "week 3 walkthrough", timeout=60_000
    )
    chooser.get_by_role("button", name=re.compile("^Insert")).click()
    expect(page.locator("#chooser-dialog")).not_to_be_visible()

    for title in (
        "SIT999 Lecture 22: Revision week",
        "SIT999 Lecture 21: Measuring engagement",
    ):
        player = viewer_frame(page, title).frame_locator("iframe")
        expect(player.locator("#state")).to_be_visible()
    processing = viewer_frame(page, "week 3 walkthrough")
    expect(processing.get_by_role("status")).to_contain_text("still processing")
    time.sleep(3)
    page.locator("#description-items figure").first.screenshot(path=DOCS / "viewer.png")
    logger.info("wrote %s", DOCS / "viewer.png")
    # Chromium paints a framed page late when the whole card is shot, so this one alone.
    page.locator('iframe.lti-item[title="week 3 walkthrough"]').screenshot(
        path=DOCS / "viewer-processing.png"
    )
    logger.info("wrote %s", DOCS / "viewer-processing.png")


def student_chooser(browser, stack) -> None:
    page = browser.new_page(viewport=VIEWPORT)
    page.set_default_timeout(20_000)
    page.goto(stack.platform_url + "/")
    switch_user(page, "sam")
    chooser = open_chooser(page, "insert-video-comment", "sam")
    chooser.get_by_role("button", name="Start recording").click()
    time.sleep(2.5)
    chooser.get_by_role("button", name="Stop recording").click()
    expect(chooser.locator("#record-playback")).to_be_visible()
    dialog(page, "chooser-student-record.png")
    page.close()


def wait_for_images(chooser) -> None:
    chooser.locator("img").first.evaluate(
        "img => img.complete || new Promise(done => img.addEventListener('load', done))"
    )


def dialog(page, name: str) -> None:
    page.locator("#chooser-dialog").screenshot(path=DOCS / name)
    logger.info("wrote %s", DOCS / name)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    main()
