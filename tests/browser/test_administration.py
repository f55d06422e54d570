"""An administrator registers the tool with Dynamic Registration, in minutes, in a browser.

They sign in to the tool's admin page with ADMIN_TOKEN, make a single-use registration URL,
paste it into the platform's tool-registration page, confirm in the tool's frame, and the
platform closes the frame on the tool's ``org.imsglobal.lti.close`` message. The platform
then launches the tool under the new client id, which the tool accepts. The same suite
checks the admin page, the sharing warning of ``access_level`` deployments, and that a
Panopto title full of markup stays text in the chooser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from devkit.demo import DemoStack
from devkit.panopto_sim import seed
from tests.browser.conftest import demo_stack
from tests.browser.test_demo_flow import (
    UNIT_FOLDER,
    WAIT_MS,
    open_chooser,
    sign_in_to_panopto,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def invitation_only(tmp_path_factory) -> Iterator[DemoStack]:
    """Registration needs an invitation, as in production."""
    with demo_stack(tmp_path_factory, "registration", open_registration=False) as stack:
        yield stack


@pytest.fixture(scope="module")
def sharing_mode(tmp_path_factory) -> Iterator[DemoStack]:
    """A deployment relying on the videos' own Panopto sharing."""
    with demo_stack(
        tmp_path_factory,
        "sharing",
        deployment_options={"access_mode": "access_level"},
    ) as stack:
        yield stack


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(WAIT_MS)
    yield context.new_page()
    context.close()


def sign_in_to_panopto_if_asked(page: Page, chooser) -> None:
    """Panopto tokens are kept per person on the server: a second test may not be asked."""
    chooser.locator("#sign-in-button:visible, button.folder").first.wait_for()
    if chooser.locator("#sign-in-button").is_visible():
        sign_in_to_panopto(page, chooser)


def sign_in_as_admin(page: Page, stack: DemoStack) -> None:
    page.goto(stack.tool_url + "/admin/")
    if page.locator("#admin-token").count():  # else the ticket cookie let us in
        page.fill("#admin-token", stack.admin_token_file.read_text().strip())
        page.click("#admin-sign-in")
    expect(page.locator("#admin h1")).to_have_text("Panopto tool administration")


def test_an_admin_registers_the_tool_dynamically(
    invitation_only: DemoStack, page: Page
):
    stack = invitation_only
    sign_in_as_admin(page, stack)
    expect(page.locator("#health")).to_contain_text("OK Database")
    expect(page.locator("#health")).to_contain_text("OK Panopto")
    page.get_by_role("button", name="Make a registration URL").click()
    registration_url = page.locator("#invite-url").inner_text().strip()
    assert registration_url.startswith(stack.tool_url + "/lti/register?invite=")

    page.goto(stack.platform_url + "/admin/tools")
    old_client = page.locator("#current-client-id").inner_text()
    page.fill("#registration-url", registration_url)
    page.click("#register-tool-button")
    frame = page.frame_locator("#registration-frame")
    expect(frame.locator("#platform-label")).to_have_text("ontrack dev")
    frame.get_by_role("button", name="Register").click()

    # The tool's close message made the platform drop the frame and show the result.
    expect(page.locator("#registered-message")).to_have_text("The tool is registered.")
    new_client = page.locator("#current-client-id").inner_text()
    assert new_client.startswith("dr-") and new_client != old_client

    # A launch under the new registration opens the chooser.
    page.goto(stack.platform_url + "/")
    chooser = open_chooser(page, "insert-video-description")
    expect(
        chooser.get_by_role("heading", name="Insert a Panopto video")
    ).to_be_visible()

    # The tool lists the new registration and its deployment on the admin page.
    sign_in_as_admin(page, stack)
    registration = page.locator(f'section.registration[data-client-id="{new_client}"]')
    expect(registration.locator("tr.deployment")).to_have_attribute(
        "data-status", "active"
    )

    # The invitation was single-use.
    page.goto(stack.platform_url + "/admin/tools")
    page.fill("#registration-url", registration_url)
    page.click("#register-tool-button")
    expect(page.frame_locator("#registration-frame").locator("main")).to_contain_text(
        "no valid invitation"
    )


def test_instructors_are_warned_when_students_would_be_refused(
    sharing_mode: DemoStack, page: Page
):
    page.goto(sharing_mode.platform_url + "/")
    chooser = open_chooser(page, "insert-video-description")
    sign_in_to_panopto_if_asked(page, chooser)
    chooser.get_by_role("button", name=UNIT_FOLDER).click()
    title = "SIT999 Lecture 21: Measuring engagement"
    chooser.get_by_label(title, exact=True).check()
    chooser.get_by_role("button", name=re.compile("Insert")).click()

    warning = chooser.locator("#access-warning")
    expect(warning).to_contain_text("Students may not be able to watch")
    expect(warning).to_contain_text(title)
    warning.get_by_role("button", name=re.compile("anyone at the university")).click()
    expect(warning).to_contain_text("Shared: students can watch now.")
    warning.get_by_role("button", name="Insert", exact=True).click()

    expect(page.locator("#description-items figcaption")).to_have_text(title)


def test_a_panopto_title_full_of_markup_stays_text(sharing_mode: DemoStack, page: Page):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(sharing_mode.platform_url + "/")
    chooser = open_chooser(page, "insert-video-description")
    sign_in_to_panopto_if_asked(page, chooser)
    chooser.get_by_role("button", name=UNIT_FOLDER).click()
    chooser.get_by_role("button", name="Open folder Week 1").click()

    expect(chooser.get_by_text(seed.SCRIPT_NAME, exact=True)).to_be_visible()
    expect(chooser.locator("#browse-results li.session").first).to_be_visible()
    expect(chooser.locator("#browse-results script")).to_have_count(0)
    assert dialogs == []
