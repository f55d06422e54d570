"""The Panopto REST client and OAuth token handling, against the simulator over loopback."""

from __future__ import annotations

import threading
import time
from datetime import datetime

import pytest

from app.errors import (
    PanoptoError,
    PanoptoNotConnected,
    PanoptoNotFound,
)
from app.panopto.client import PanoptoClient, iterate_pages
from app.panopto.models import TOP_FOLDER_ID, Folder, Page, Session
from app.panopto.oauth import PanoptoOAuth, UserKey
from app.services import DatabaseTokenStore
from devkit.panopto_sim import create_app as create_sim
from devkit.panopto_sim import seed
from tests.conftest import SIM_CLIENT_ID, SIM_CLIENT_SECRET
from tests.servers import free_port, serve
from tests.tool.sim_helpers import (
    MemoryTokens,
    password_token,
    refresh_grant,
)

USER = UserKey("https://ontrack.test", "ontrack-user-42")
UNKNOWN_SESSION = "5e550000-0000-4000-8000-0000000fffff"


@pytest.fixture
def tokens(sim_url) -> MemoryTokens:
    store = MemoryTokens()
    store.tokens[USER] = password_token(sim_url)
    return store


@pytest.fixture
def oauth(sim_url, tool_url, tokens) -> PanoptoOAuth:
    return PanoptoOAuth(
        base_url=sim_url,
        client_id=SIM_CLIENT_ID,
        client_secret=SIM_CLIENT_SECRET,
        redirect_uri=tool_url + "/panopto/callback",
        tokens=tokens,
    )


@pytest.fixture
def client(oauth) -> PanoptoClient:
    return oauth.client_for(USER)


# -- listings and paging --------------------------------------------------------------


def test_folder_sessions_are_read_page_by_page_from_zero_until_an_empty_page(client):
    asked: list[int] = []

    def fetch(page: int) -> Page[Session]:
        asked.append(page)
        return client.list_folder_sessions(seed.FOLDER_SIT999, page)

    sessions = list(iterate_pages(fetch))

    assert {s.id for s in sessions} == {
        seed.lecture_id(n) for n in range(1, seed.LECTURE_COUNT + 1)
    }
    assert len(sessions) == seed.LECTURE_COUNT
    # 23 videos at 10 a page: pages 0, 1 and 2 hold them and page 3 is empty.
    assert asked == [0, 1, 2, 3]
    assert all(isinstance(s, Session) for s in sessions)


def test_iterate_pages_stops_at_the_safety_limit_when_pages_never_end():
    from app.panopto.client import MAX_PAGES

    asked: list[int] = []

    def endless(page: int) -> Page[int]:
        asked.append(page)
        return Page([page], page)

    assert list(iterate_pages(endless)) == list(range(MAX_PAGES))
    assert asked == list(range(MAX_PAGES))


def test_top_folders_are_the_ones_the_user_may_see(client):
    folders = client.all_child_folders(TOP_FOLDER_ID)

    assert all(isinstance(f, Folder) for f in folders)
    assert {f.id for f in folders} == {
        seed.FOLDER_SIT999,
        seed.FOLDER_INA_PERSONAL,
        seed.FOLDER_ORIENTATION,
    }


@pytest.fixture
def small_page_sim(tool_port):
    """A second simulator that answers two items a page, to make folder listings page."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = create_sim(
        {
            "SIM_BASE_URL": url,
            "SIM_CLIENT_ID": SIM_CLIENT_ID,
            "SIM_CLIENT_SECRET": SIM_CLIENT_SECRET,
            "SIM_REDIRECT_URIS": [f"http://127.0.0.1:{tool_port}/panopto/callback"],
            "SIM_PAGE_SIZE": 2,
            "SECRET_KEY": "small-page-sim",
            "TESTING": True,
        }
    )
    with serve(app, port=port):
        yield url


def test_all_child_folders_reads_every_page(small_page_sim, tool_url):
    tokens = MemoryTokens()
    tokens.tokens[USER] = password_token(small_page_sim)
    oauth = PanoptoOAuth(
        small_page_sim, SIM_CLIENT_ID, SIM_CLIENT_SECRET, tool_url + "/cb", tokens
    )
    client = oauth.client_for(USER)
    first_page = client.list_child_folders(TOP_FOLDER_ID, 0)

    folders = client.all_child_folders(TOP_FOLDER_ID)

    assert len(first_page.items) == 2
    assert len(folders) == 3
    assert len({f.id for f in folders}) == 3


def test_child_folders_of_a_unit_folder(client):
    folders = client.all_child_folders(seed.FOLDER_SIT999)

    assert [f.name for f in folders] == [
        "SIT999 Submissions: Stu Student",
        "Week 1",
        "Week 2",
    ]
    assert {f.parent_id for f in folders} <= {seed.FOLDER_SIT999, None}


def test_search_finds_sessions_by_words_in_their_names(client):
    page = client.search_sessions("Storyboards")

    assert page.page_number == 0
    assert seed.lecture_id(5) in {s.id for s in page.items}
    assert all(isinstance(s, Session) for s in page.items)


def test_search_handles_unicode_queries(client):
    page = client.search_sessions("Café")

    assert seed.SESSION_CAFE in {s.id for s in page.items}


def test_search_without_matches_is_an_empty_page(client):
    page = client.search_sessions("zzzz-no-such-words-anywhere")

    assert page.is_empty


# -- one session ----------------------------------------------------------------------


def test_get_session_returns_a_typed_session(client, sim_url):
    session = client.get_session(seed.lecture_id(1))

    assert isinstance(session, Session)
    assert session.id == seed.lecture_id(1)
    assert session.name == "SIT999 Lecture 01: Why video works"
    assert session.description == "Week 1 lecture on why video works."
    assert isinstance(session.start_time, datetime)
    assert session.start_time.tzinfo is not None
    assert session.start_time == seed.SEMESTER_START
    assert session.duration_seconds == pytest.approx(2460.0)
    assert session.viewer_url.startswith(sim_url + "/Panopto/Pages/Viewer.aspx")
    assert session.thumbnail_url.startswith(sim_url + "/")


def test_get_session_with_null_heavy_data_uses_safe_defaults(client):
    session = client.get_session(seed.SESSION_UNTITLED)

    assert session.name == "Untitled recording"
    assert session.description is None
    assert session.start_time is None
    assert session.duration_seconds == pytest.approx(12.0)


def test_get_session_keeps_markup_as_plain_data(client):
    session = client.get_session(seed.SESSION_SCRIPT)

    assert session.name == seed.SCRIPT_NAME


def test_unknown_session_is_not_found(client):
    with pytest.raises(PanoptoNotFound):
        client.get_session(UNKNOWN_SESSION)


# -- 401: refresh once ------------------------------------------------------------------


def test_401_refreshes_once_then_retries_with_the_new_token(client, sim, tokens):
    before = tokens.load(USER)
    assert sim.expire_tokens() >= 1

    session = client.get_session(seed.lecture_id(2))

    after = tokens.load(USER)
    assert session.id == seed.lecture_id(2)
    assert len(tokens.saves) == 1
    assert after["access_token"] != before["access_token"]
    assert after["refresh_token"] != before["refresh_token"]


def test_rotated_refresh_token_is_saved_and_the_old_one_is_refused(
    client, sim, sim_url, tokens
):
    old_refresh = tokens.load(USER)["refresh_token"]
    sim.expire_tokens()

    client.get_session(seed.lecture_id(3))

    new_refresh = tokens.load(USER)["refresh_token"]
    assert new_refresh and new_refresh != old_refresh
    refused = refresh_grant(sim_url, old_refresh)
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"


def test_a_second_401_after_the_refresh_is_not_refreshed_again(client, sim, tokens):
    sim.faults.set("unauthorized", count=2)

    with pytest.raises(PanoptoNotConnected):
        client.get_session(seed.lecture_id(4))

    assert len(tokens.saves) == 1


def test_refused_refresh_signs_the_user_out(client, sim, tokens):
    sim.tokens.reset()  # every token the simulator issued is now unknown to it

    with pytest.raises(PanoptoNotConnected):
        client.get_session(seed.lecture_id(1))

    assert tokens.load(USER) is None


def test_refused_refresh_of_a_locally_expired_token_signs_the_user_out(
    oauth, sim, tokens
):
    """authlib refreshes a token it knows is expired before sending; a refusal there too
    must end in PanoptoNotConnected with the dead token gone."""
    stale = tokens.load(USER)
    stale["expires_at"] = 1
    tokens.tokens[USER] = stale
    sim.tokens.reset()

    with pytest.raises(PanoptoNotConnected):
        oauth.client_for(USER).get_session(seed.lecture_id(1))

    assert tokens.load(USER) is None


def test_locally_expired_token_is_refreshed_before_the_call_and_saved(oauth, tokens):
    stale = tokens.load(USER)
    stale["expires_at"] = 1
    tokens.tokens[USER] = stale

    session = oauth.client_for(USER).get_session(seed.lecture_id(1))

    assert session.id == seed.lecture_id(1)
    assert tokens.load(USER)["refresh_token"] != stale["refresh_token"]
    assert tokens.load(USER)["expires_at"] > stale["expires_at"]


def test_token_without_refresh_token_on_401_signs_the_user_out(oauth, sim, tokens):
    token = tokens.load(USER)
    token.pop("refresh_token")
    tokens.tokens[USER] = token
    sim.expire_tokens()

    with pytest.raises(PanoptoNotConnected):
        oauth.client_for(USER).get_session(seed.lecture_id(1))

    assert tokens.load(USER) is None


def test_refresh_raced_by_another_worker_adopts_the_newer_token(oauth, sim, tokens):
    """Two workers hold the same token; the first refreshes (rotating the refresh token),
    the second's refresh is refused but it finds the newer token in the store."""
    slow_worker = oauth.client_for(USER)
    fast_worker = oauth.client_for(USER)
    sim.expire_tokens()
    fast_worker.get_session(seed.lecture_id(1))
    newer = tokens.load(USER)

    # The slow worker still holds the first token: its access token is stale and its
    # refresh token was rotated away by the fast worker.
    session = slow_worker.get_session(seed.lecture_id(2))

    assert session.id == seed.lecture_id(2)
    assert tokens.load(USER) == newer


def test_refresh_refused_before_the_winner_saved_waits_for_its_token(
    oauth, sim, sim_url, tokens
):
    """The other order: the winning worker has Panopto's answer but commits only after
    our refresh was refused. Signing the user out then would be wrong."""
    slow_worker = oauth.client_for(USER)
    sim.expire_tokens()
    winner = refresh_grant(sim_url, tokens.load(USER)["refresh_token"]).json()
    winner["expires_at"] = int(time.time()) + int(winner["expires_in"])
    threading.Timer(0.3, tokens.save, args=(USER, winner)).start()

    session = slow_worker.get_session(seed.lecture_id(2))

    assert session.id == seed.lecture_id(2)
    assert tokens.load(USER)["refresh_token"] == winner["refresh_token"]


def test_a_refused_refresh_never_deletes_a_newer_token(app):
    with app.app_context():
        store = DatabaseTokenStore()
        store.save(
            USER, {"access_token": "a2", "refresh_token": "r2", "expires_in": 60}
        )

        store.delete(USER, refresh_token="r1")
        kept = store.load(USER)
        store.delete(USER, refresh_token="r2")

        assert kept["refresh_token"] == "r2"
        assert store.load(USER) is None


def test_user_who_never_signed_in_is_not_connected(oauth):
    with pytest.raises(PanoptoNotConnected):
        oauth.client_for(UserKey("https://ontrack.test", "someone-new"))

    assert oauth.is_connected(USER)
    assert not oauth.is_connected(UserKey("https://ontrack.test", "someone-new"))


# -- 5xx and unreachable, without the resilient transport (see test_panopto_resilience) --


@pytest.mark.parametrize("mode", ["down", "server_error"])
def test_5xx_is_a_retryable_panopto_error(sim, client, mode):
    sim.faults.set(mode, count=1)

    with pytest.raises(PanoptoError) as caught:
        client.get_session(seed.lecture_id(1))

    assert type(caught.value) is PanoptoError
    assert caught.value.retryable is True
    assert caught.value.status == 502


def test_unreachable_panopto_is_a_retryable_panopto_error(tokens, tool_url):
    dead = f"http://127.0.0.1:{free_port()}"
    oauth = PanoptoOAuth(
        dead, SIM_CLIENT_ID, SIM_CLIENT_SECRET, tool_url + "/cb", tokens
    )

    with pytest.raises(PanoptoError) as caught:
        oauth.client_for(USER).get_session(seed.lecture_id(1))

    assert type(caught.value) is PanoptoError
    assert tokens.load(USER) is not None, "an outage must not sign the user out"


def test_authorization_url_asks_for_a_code_with_our_client_and_redirect(
    oauth, sim_url, tool_url
):
    from urllib.parse import parse_qs, urlsplit

    url = oauth.authorization_url("state-123")

    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert f"{parts.scheme}://{parts.netloc}" == sim_url
    assert parts.path == "/Panopto/oauth2/connect/authorize"
    assert query["response_type"] == ["code"]
    assert query["client_id"] == [SIM_CLIENT_ID]
    assert query["redirect_uri"] == [tool_url + "/panopto/callback"]
    assert query["state"] == ["state-123"]
    assert set(query["scope"][0].split()) == {"api", "openid", "offline_access"}
    assert SIM_CLIENT_SECRET not in url


def test_a_refused_authorization_code_is_not_connected(oauth):
    with pytest.raises(PanoptoNotConnected):
        oauth.exchange_code(UserKey("https://ontrack.test", "new-user"), "made-up-code")

    assert not oauth.is_connected(UserKey("https://ontrack.test", "new-user"))
