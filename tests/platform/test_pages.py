"""The OnTrack look-alike pages: the switcher, the task, its editor and its comments."""

from __future__ import annotations

import pytest

from tests.platform.helpers import TASK_ID


def page(driver) -> str:
    return driver.client.get(f"/tasks/{TASK_ID}").get_data(as_text=True)


def test_home_opens_the_task(platform_client):
    response = platform_client.get("/")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/tasks/{TASK_ID}"


def test_task_page_shows_unit_task_description_and_seeded_comment(driver):
    html = page(driver)

    assert "SIT999" in html and "Applied Video Studies" in html
    assert "1.1P Introduce yourself" in html
    assert "Record a short video" in html
    assert "Welcome to SIT999!" in html


def test_first_visit_signs_in_the_convenor_who_can_insert_videos(driver):
    html = page(driver)

    assert 'id="signed-in-name">Connor Convenor<' in html
    assert 'id="insert-video-description"' in html


@pytest.mark.parametrize(
    ("user_id", "name"),
    [("sam", "Sam Student"), ("tara", "Tara Tutor"), ("connor", "Connor Convenor")],
)
def test_switcher_signs_in_each_person(driver, user_id, name):
    driver.sign_in(user_id)

    assert f'id="signed-in-name">{name}<' in page(driver)


def test_switcher_is_a_labelled_select(driver):
    html = page(driver)

    assert '<label for="user-switcher">Signed-in user</label>' in html
    assert '<select id="user-switcher" name="user_id">' in html
    assert ">Switch user</button>" in html


def test_switcher_refuses_an_unknown_person(driver):
    page(driver)

    response = driver.client.post(
        "/session/user", data={"user_id": "mallory", "csrf_token": driver.csrf()}
    )

    assert response.status_code == 400


def test_forms_without_the_csrf_token_are_refused(driver):
    driver.sign_in("sam")

    response = driver.client.post("/session/user", data={"user_id": "connor"})

    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    assert 'id="signed-in-name">Sam Student<' in page(driver)


def test_student_sees_only_the_comment_insert_button(driver):
    driver.sign_in("sam")
    html = page(driver)

    assert 'id="insert-video-comment"' in html
    assert 'id="insert-video-description"' not in html
    assert html.count(">Insert Panopto video</button>") == 1


@pytest.mark.parametrize("user_id", ["tara", "connor"])
def test_staff_see_both_insert_buttons(driver, user_id):
    driver.sign_in(user_id)

    html = page(driver)

    assert 'id="insert-video-description"' in html
    assert 'id="insert-video-comment"' in html
    assert html.count(">Insert Panopto video</button>") == 2


def test_chooser_dialog_holds_a_named_titled_iframe(driver):
    html = page(driver)

    assert '<dialog id="chooser-dialog" aria-labelledby="chooser-heading">' in html
    assert 'name="panopto-chooser" title="Panopto video chooser"' in html


def test_staff_can_save_the_description(driver):
    driver.sign_in("tara")

    response = driver.client.post(
        f"/tasks/{TASK_ID}/description",
        data={"description": "New words", "csrf_token": driver.csrf()},
    )

    assert response.status_code == 302
    assert driver.store.get_task(TASK_ID).description == "New words"


def test_students_cannot_save_the_description(driver):
    driver.sign_in("sam")

    response = driver.client.post(
        f"/tasks/{TASK_ID}/description",
        data={"description": "Hacked", "csrf_token": driver.csrf()},
    )

    assert response.status_code == 403
    assert driver.store.get_task(TASK_ID).description != "Hacked"


def test_anyone_can_add_a_text_comment_and_it_is_escaped(driver):
    driver.sign_in("sam")

    driver.client.post(
        f"/tasks/{TASK_ID}/comments",
        data={"comment": "<b>Hi</b> from Sam", "csrf_token": driver.csrf()},
    )

    html = page(driver)
    assert "&lt;b&gt;Hi&lt;/b&gt; from Sam" in html
    assert driver.store.comments(TASK_ID)[-1].author_id == "sam"


def test_an_empty_comment_is_refused(driver):
    page(driver)

    response = driver.client.post(
        f"/tasks/{TASK_ID}/comments",
        data={"comment": "  ", "csrf_token": driver.csrf()},
    )

    assert response.status_code == 400


def test_unknown_task_is_a_404_page(platform_client):
    response = platform_client.get("/tasks/nope")

    assert response.status_code == 404
    assert "There is no such task." in response.get_data(as_text=True)


def test_pages_may_only_be_framed_by_the_platform(platform_client):
    response = platform_client.get(f"/tasks/{TASK_ID}")

    assert response.headers["Content-Security-Policy"] == "frame-ancestors 'self'"


def test_page_script_listens_to_the_tool_origin_only(driver):
    html = page(driver)
    script = driver.client.get("/static/platform.js").get_data(as_text=True)

    assert 'data-tool-origin="http://127.0.0.1:8000"' in html
    assert "event.origin !== toolOrigin" in script
    assert '"lti.frameResize"' in script


def test_an_unexpected_error_is_a_short_apology(driver, monkeypatch):
    def broken():
        raise RuntimeError("internal detail")

    monkeypatch.setattr(driver.store, "first_task", broken)

    response = driver.client.get("/")

    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)
    assert "internal detail" not in response.get_data(as_text=True)
