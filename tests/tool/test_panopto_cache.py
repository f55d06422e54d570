"""The short per-user cache of Panopto answers, in the shared store.

Through the chooser's API (the tool on Flask's test client, Panopto simulated over loopback),
on the database store and, when REDIS_URL is set, on Redis.
"""

from __future__ import annotations

import time

import pytest

from app import create_app
from app.panopto.oauth import UserKey
from devkit.panopto_sim import seed
from tests.tool.pages import chooser_token
from tests.tool.sim_helpers import TOM
from tests.tool.test_e2e_lti1p3platform import (
    Chooser,
    open_chooser,
    sign_in_to_panopto,
)

SEARCH = ("GET", "/search", {"q": "lecture"})


@pytest.fixture(params=["database", "redis"])
def sim_app(request, app_config, panopto_sim):
    config = {**app_config, "PANOPTO_BASE_URL": panopto_sim[0]}
    if request.param == "redis":
        config.update(request.getfixturevalue("redis_config"))
    return create_app(config)


@pytest.fixture
def chooser(sim_platform, panopto_sim, tool_url):
    chooser = open_chooser(sim_platform)
    sign_in_to_panopto(chooser, panopto_sim[0], tool_url)
    return chooser


def calls_for(sim, chooser, method: str, path: str, query=None) -> tuple[int, object]:
    before = sim.rest_calls
    response = chooser.api(method, path, query_string=query)
    assert response.status_code == 200, response.json
    return sim.rest_calls - before, response.json


def test_the_same_search_again_is_answered_from_the_cache(sim, chooser):
    first_calls, first = calls_for(sim, chooser, *SEARCH)
    second_calls, second = calls_for(sim, chooser, *SEARCH)

    assert first_calls == 1
    assert second_calls == 0
    assert second == first


def test_a_different_question_still_goes_to_panopto(sim, chooser):
    calls_for(sim, chooser, *SEARCH)

    calls, _ = calls_for(sim, chooser, "GET", "/search", {"q": "cafe"})
    page_calls, _ = calls_for(
        sim, chooser, "GET", "/search", {"q": "lecture", "page": 1}
    )

    assert (calls, page_calls) == (1, 1)


def test_cached_answers_expire(sim_app, sim, chooser):
    sim_app.config["PANOPTO_CACHE_SECONDS"] = 0.2
    calls_for(sim, chooser, *SEARCH)
    time.sleep(0.3)

    calls, _ = calls_for(sim, chooser, *SEARCH)

    assert calls == 1


def test_users_never_share_cached_answers(
    sim, chooser, sim_platform, panopto_sim, tool_url
):
    _, ina_sees = calls_for(sim, chooser, *SEARCH)
    form, response = sim_platform.deep_link_launch(
        extra_claims={"sub": "ontrack-user-77"}
    )
    tom = Chooser(
        sim_platform, chooser_token(response.get_data(as_text=True)), form.claims, ""
    )
    sign_in_to_panopto(tom, panopto_sim[0], tool_url, TOM)

    calls, tom_sees = calls_for(sim, tom, *SEARCH)

    assert tom.launch_claims["sub"] == "ontrack-user-77"
    assert calls == 1
    assert tom_sees != ina_sees


def test_a_change_made_through_the_client_empties_the_users_cache(
    sim_app, sim, chooser
):
    calls_for(sim, chooser, *SEARCH)
    with sim_app.test_request_context():
        from app import services

        client = services.panopto_oauth().client_for(
            UserKey(chooser.launch_claims["iss"], chooser.launch_claims["sub"])
        )
        # Any call other than GET that succeeds (here: deleting a video) clears the cache.
        client._send("DELETE", f"/sessions/{seed.SESSION_CAFE}", None)

    calls, _ = calls_for(sim, chooser, *SEARCH)

    assert calls == 1


def test_a_recently_seen_answer_survives_a_short_outage(sim, chooser):
    _, first = calls_for(sim, chooser, *SEARCH)
    sim.faults.set("down", count=100)

    calls, again = calls_for(sim, chooser, *SEARCH)

    assert (calls, again) == (0, first)


def test_failures_are_not_cached(sim, chooser):
    sim.faults.set("down", count=3)
    assert chooser.api(*SEARCH[:2], query_string=SEARCH[2]).status_code == 502

    calls, body = calls_for(sim, chooser, *SEARCH)

    assert calls == 1
    assert body["sessions"]


def test_a_zero_lifetime_turns_the_cache_off(sim_app, sim, chooser):
    sim_app.config["PANOPTO_CACHE_SECONDS"] = 0
    calls_for(sim, chooser, *SEARCH)

    calls, _ = calls_for(sim, chooser, *SEARCH)

    assert calls == 1


def test_cache_keys_name_neither_the_user_nor_the_search(sim_app, chooser, sim):
    calls_for(sim, chooser, "GET", "/search", {"q": "revision"})
    backend = sim_app.extensions["key_value_store"]

    if hasattr(backend, "client"):
        keys = [k.decode() for k in backend.client.scan_iter(backend.prefix + "*")]
    else:
        from sqlalchemy import select

        from app.extensions import db
        from app.models import StoredValue

        with sim_app.app_context():
            keys = list(db.session.execute(select(StoredValue.key)).scalars())

    cache_keys = [k for k in keys if "panopto-cache-" in k]
    assert cache_keys
    assert not any(
        "revision" in k or chooser.launch_claims["sub"] in k for k in cache_keys
    )
