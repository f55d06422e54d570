"""The demo stack on free ports, for browser tests of the whole flow."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from playwright.sync_api import expect

from devkit.demo import DemoStack
from tests.browser.helpers import WAIT_MS
from tests.servers import free_port

# Assertions wait as long as actions do. Playwright's own 5 s is short for a launch (login,
# authorization, id_token post, platform-storage check) on a busy two-core CI machine.
expect.set_options(timeout=WAIT_MS)


@contextmanager
def demo_stack(tmp_path_factory, name: str, **options: Any) -> Iterator[DemoStack]:
    """The same three processes as ``make demo``, on free ports and a throw-away folder."""
    workdir = tmp_path_factory.mktemp(name)
    stack = DemoStack(
        workdir=workdir,
        tool_port=free_port(),
        platform_port=free_port(),
        panopto_port=free_port(),
        keys_dir=workdir / "tool-keys",
        database_url=f"sqlite:///{workdir / 'tool.sqlite3'}",
        **{
            # Uploads are soon ready; a test that looks at "still processing" holds
            # processing through the simulator's /_sim/uploads until it has seen it.
            "panopto_settings": {"SIM_PROCESSING_SECONDS": "4"},
            "redis_url": "",
            **options,
        },
    )
    with stack:
        yield stack


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[DemoStack]:
    """``make demo`` as it is: one host name, plain HTTP."""
    with demo_stack(tmp_path_factory, "demo") as stack:
        yield stack
