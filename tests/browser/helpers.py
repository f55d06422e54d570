"""Steps the browser tests share: switching the platform's user, opening the chooser,
signing in to Panopto when asked, and running axe-core in a frame."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
from playwright.sync_api import Frame, FrameLocator, Page, expect

ROOT = Path(__file__).resolve().parents[2]
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
#: The accessibility bar: WCAG 2.0 and 2.1, levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: Generous for two gunicorn workers and three processes on a two-core machine.
WAIT_MS = 20_000

#: Who signs in to Panopto for each person of the dev platform.
PANOPTO_USER = {"connor": "ina.instructor", "tara": "tom.tutor", "sam": "stu.student"}


def switch_user(page: Page, user_id: str) -> None:
    """Sign the platform in as ``user_id`` and wait for the task page to load again.

    The switch is a form post answered by a redirect to the same address; a click made
    before that page arrives lands on the old one and is lost with it.
    """
    page.select_option("#user-switcher", user_id)
    with page.expect_navigation():
        page.click("#switch-user-button")
    expect(page.locator("#user-switcher")).to_have_value(user_id)


def open_chooser(page: Page, button_id: str, user_id: str) -> FrameLocator:
    """Open the chooser from a button of the task page; sign in to Panopto if asked."""
    page.click(f"#{button_id}")
    chooser = page.frame_locator("#chooser-frame")
    workspace = chooser.locator("#workspace")
    sign_in = chooser.get_by_role("button", name="Sign in to Panopto")
    either = chooser.locator("#workspace:not([hidden]), #sign-in:not([hidden])")
    expect(either).to_be_visible(timeout=WAIT_MS)
    if sign_in.is_visible():
        with page.expect_popup() as popup_info:
            sign_in.click()
        popup = popup_info.value
        with popup.expect_event("close"):
            popup.click(f'button[data-username="{PANOPTO_USER[user_id]}"]')
    expect(workspace).to_be_visible(timeout=WAIT_MS)
    return chooser


def insert(page: Page, chooser: FrameLocator) -> None:
    """Insert what the chooser holds and wait for the task page to show it.

    The platform closes its dialog, then reloads the page to show the new items: what the
    test does next belongs on the reloaded page, not the one about to go. (A reload keeps
    the address, so Playwright's URL waits, which replace expect_navigation, cannot see it.)
    Waiting for the commit is enough: later steps wait for what they need, while the load
    event would also wait for every placed video's frame.
    """
    with page.expect_navigation(wait_until="commit", timeout=WAIT_MS):
        chooser.get_by_role("button", name=re.compile("^Insert")).click()


def close_chooser(page: Page) -> None:
    """Close the chooser dialog and wait until its frame is blank again, so a chooser
    opened next cannot be confused with the one going away."""
    expect(page.locator("#chooser-dialog")).to_be_visible()
    with page.expect_event(
        "framenavigated",
        lambda frame: frame.name == "panopto-chooser" and frame.url == "about:blank",
        timeout=WAIT_MS,
    ):
        page.click("#chooser-close")


@contextmanager
def held_processing(panopto_url: str) -> Iterator[None]:
    """Uploads finished inside the block stay "still processing" until it ends, even when
    an assertion in it fails (the simulator is shared by the module's tests)."""
    sim_control(panopto_url, "uploads", {"hold_processing": True})
    try:
        yield
    finally:
        sim_control(panopto_url, "uploads", {"hold_processing": False})


def chooser_frame(page: Page) -> Frame:
    frame = page.frame(name="panopto-chooser")
    assert frame is not None
    return frame


def viewer_frame(page: Page, title: str) -> FrameLocator:
    return page.frame_locator(f'iframe.lti-item[title="{title}"]')


def sim_control(panopto_url: str, route: str, body: dict) -> dict:
    answer = requests.post(f"{panopto_url}/_sim/{route}", json=body, timeout=5)
    answer.raise_for_status()
    return answer.json()


def axe_violations(frame: Frame) -> list[dict]:
    """Serious and critical WCAG 2.1 A/AA violations axe-core finds in ``frame``.

    The script is evaluated rather than added as a tag, so a page's Content Security
    Policy (no inline scripts) does not stop the check.
    """
    assert AXE_SCRIPT.is_file(), "axe-core is missing: run `make browser` (npm ci)"
    frame.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    result = frame.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [node["target"] for node in violation["nodes"]][:5],
        }
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def assert_accessible(frame: Frame) -> None:
    problems = axe_violations(frame)
    assert problems == [], json.dumps(problems, indent=2)
