"""The shared key-value store: the same behaviour from every backend.

``database`` runs on SQLite always and ``postgres`` on PostgreSQL when DATABASE_URL is set;
``redis`` needs REDIS_URL. The single-use ``take`` is checked with real concurrency, because a
nonce must be accepted once however many processes see it at the same moment.
"""

from __future__ import annotations

import threading
import time

import pytest

from app import create_app
from app.errors import StoreUnavailable
from app.store import (
    EXTENSION_KEY,
    DatabaseBackend,
    KeyValueStore,
    RedisBackend,
    redis_client,
)
from tests.servers import free_port

RACERS = 8


@pytest.fixture(params=["database", "postgres", "redis"])
def store_app(request, app_config):
    config = dict(app_config)
    if request.param == "postgres":
        config["SQLALCHEMY_DATABASE_URI"] = request.getfixturevalue("postgres_url")
    if request.param == "redis":
        config.update(request.getfixturevalue("redis_config"))
    app = create_app(config)
    app.backend_name = request.param
    return app


@pytest.fixture
def store(store_app):
    with store_app.app_context():
        yield KeyValueStore()


def test_the_backend_follows_the_settings(store_app):
    backend = store_app.extensions[EXTENSION_KEY]

    expected = RedisBackend if store_app.backend_name == "redis" else DatabaseBackend
    assert isinstance(backend, expected)


@pytest.mark.parametrize(
    "value",
    [{"iss": "https://ontrack.test", "roles": ["a", "b"]}, ["x", 1], "text", 7, True],
    ids=["object", "list", "string", "number", "boolean"],
)
def test_values_come_back_as_they_were_stored(store, value):
    store.set("launch-1", value, 60)

    assert store.get("launch-1") == value


def test_a_missing_key_is_none(store):
    assert store.get("never-set") is None
    assert store.take("never-set") is None


def test_setting_again_replaces_the_value_and_its_expiry(store):
    store.set("key", "old", 0.05)
    store.set("key", "new", 60)
    time.sleep(0.1)

    assert store.get("key") == "new"


def test_values_expire(store):
    store.set("short", "soon gone", 0.05)
    time.sleep(0.1)

    assert store.get("short") is None
    assert store.take("short") is None


def test_take_returns_the_value_once(store):
    store.set("nonce-abc", "issued", 60)

    assert store.take("nonce-abc") == "issued"
    assert store.take("nonce-abc") is None
    assert store.get("nonce-abc") is None


def test_a_batch_holds_its_writes_until_it_ends(store):
    with store.batch():
        store.set("state-1", "s", 60)
        store.set("nonce-1", True, 60)
        assert store.get("state-1") is None  # not sent yet

    assert (store.get("state-1"), store.get("nonce-1")) == ("s", True)


def test_a_batch_that_fails_writes_nothing(store):
    with pytest.raises(RuntimeError), store.batch():
        store.set("state-1", "s", 60)
        raise RuntimeError("the login failed")

    assert store.get("state-1") is None
    store.set("state-1", "later", 60)  # and the store is usable again at once
    assert store.get("state-1") == "later"


def test_a_nested_batch_is_sent_by_the_outer_one(store):
    with store.batch():
        with store.batch():
            store.set("inner", 1, 60)
        assert store.get("inner") is None
        store.set("outer", 2, 60)

    assert (store.get("inner"), store.get("outer")) == (1, 2)


def test_batched_writes_keep_their_own_expiry(store):
    with store.batch():
        store.set("short", 1, 0.2)
        store.set("long", 2, 60)
    time.sleep(0.4)

    assert (store.get("short"), store.get("long")) == (None, 2)


def test_take_and_get_takes_one_key_and_reads_the_others(store):
    store.set("nonce-1", True, 60)
    store.set("login-1", {"lti_deployment_id": "d-1"}, 60)

    taken, got = store.take_and_get("nonce-1", ["login-1", "missing"])

    assert (taken, got) == (True, [{"lti_deployment_id": "d-1"}, None])
    assert store.get("nonce-1") is None  # taken: a replay finds nothing
    assert store.take_and_get("nonce-1", ["login-1"])[0] is None
    assert store.get("login-1") == {"lti_deployment_id": "d-1"}  # only read


def test_purge_expired_keeps_live_values(store):
    store.set("live", 1, 60)
    store.set("dead", 2, 0.01)
    time.sleep(0.05)

    store.purge_expired()

    assert store.get("live") == 1
    assert store.get("dead") is None


def test_only_one_of_many_concurrent_takes_gets_the_value(store_app):
    with store_app.app_context():
        KeyValueStore().set("nonce-raced", "issued", 60)
    barrier = threading.Barrier(RACERS)
    won: list[object] = []

    def race() -> None:
        with store_app.app_context():
            store = KeyValueStore()
            barrier.wait()
            value = store.take("nonce-raced")
            if value is not None:
                won.append(value)

    threads = [threading.Thread(target=race) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert won == ["issued"]


def test_many_processes_may_set_the_same_key_at_once(store_app):
    """A shared cache entry is written by whoever asked first; nobody may fail for it."""
    barrier = threading.Barrier(RACERS)
    failures: list[Exception] = []

    def write(number: int) -> None:
        with store_app.app_context():
            store = KeyValueStore()
            barrier.wait()
            try:
                store.set("platform-jwks-shared", {"writer": number}, 60)
            except Exception as err:  # reported by the assertion below
                failures.append(err)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert failures == []
    with store_app.app_context():
        assert KeyValueStore().get("platform-jwks-shared")["writer"] in range(RACERS)


def test_redis_keys_carry_the_prefix_so_tools_can_share_one_redis(redis_config):
    first = RedisBackend(
        redis_client(redis_config["REDIS_URL"]), redis_config["REDIS_KEY_PREFIX"]
    )
    second = RedisBackend(
        redis_client(redis_config["REDIS_URL"]),
        redis_config["REDIS_KEY_PREFIX"] + "other:",
    )

    first.set("state-1", "first tool", 60)

    assert second.get("state-1") is None
    assert first.client.get(redis_config["REDIS_KEY_PREFIX"] + "state-1") is not None


def test_an_unreachable_redis_is_a_clear_retryable_error():
    backend = RedisBackend(redis_client(f"redis://127.0.0.1:{free_port()}/0"), "t:")

    with pytest.raises(StoreUnavailable) as caught:
        backend.get("anything")

    assert caught.value.status == 503
    assert caught.value.retryable is True


def test_a_login_while_redis_is_down_is_a_503_page_not_a_crash(
    app_config, platform_keys
):
    from tests.tool.lti_harness import PlatformDriver

    app = create_app({**app_config, "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})
    driver = PlatformDriver(
        app.test_client(), "http://" + app_config["SERVER_NAME"], platform_keys
    )
    url = driver.login_url()

    from urllib.parse import parse_qsl, urlsplit

    response = app.test_client().get(
        urlsplit(url).path, query_string=dict(parse_qsl(urlsplit(url).query))
    )

    assert response.status_code == 503
    assert "trouble on its side" in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
