"""The demo stack on free ports, for browser tests of the whole flow."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devkit.demo import DemoStack
from tests.servers import free_port


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[DemoStack]:
    """The same three processes as ``make demo``, on free ports and a throw-away folder."""
    workdir = tmp_path_factory.mktemp("demo")
    stack = DemoStack(
        workdir=workdir,
        tool_port=free_port(),
        platform_port=free_port(),
        panopto_port=free_port(),
        keys_dir=workdir / "tool-keys",
        database_url=f"sqlite:///{workdir / 'tool.sqlite3'}",
        # Long enough to see "still processing", short enough to wait for "ready".
        panopto_settings={"SIM_PROCESSING_SECONDS": "4"},
        redis_url="",
    )
    with stack:
        yield stack
