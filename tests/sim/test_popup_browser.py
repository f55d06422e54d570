"""The sign-in works in a real browser pop-up, and the callback keeps its opener.

A small loopback server plays the tool: it serves the page that opens the pop-up
and the OAuth callback, which posts its query back to ``window.opener`` as a tool's
callback would.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode

import pytest
from playwright.sync_api import Browser

from .helpers import authorize_params
from .live import live_simulator

pytestmark = pytest.mark.browser

OPENER_PAGE = b"""<!doctype html><title>tool</title><script>
window.received = null;
window.addEventListener("message", (event) => { window.received = event.data; });
</script>"""
CALLBACK_PAGE = b"""<!doctype html><title>callback</title><script>
window.opener.postMessage(location.search, "*");
</script><p>callback</p>"""
WAIT_MS = 10_000


class FakeTool(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        body = (
            CALLBACK_PAGE if self.path.startswith("/panopto/callback") else OPENER_PAGE
        )
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture(scope="module")
def tool_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeTool)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def sim_url(tool_url: str) -> Iterator[str]:
    with live_simulator(SIM_REDIRECT_URIS=f"{tool_url}/panopto/callback") as base:
        yield base


def authorize_url(sim_url: str, tool_url: str, **params: str) -> str:
    query = authorize_params(redirect_uri=f"{tool_url}/panopto/callback", **params)
    return f"{sim_url}/Panopto/oauth2/connect/authorize?{urlencode(query)}"


def test_sign_in_in_a_pop_up_reaches_the_opener(
    browser: Browser, sim_url: str, tool_url: str
) -> None:
    context = browser.new_context()
    opener = context.new_page()
    opener.goto(f"{tool_url}/opener")

    with opener.expect_popup() as popup_info:
        opener.evaluate(
            "url => window.open(url, 'panopto', 'width=600,height=700')",
            authorize_url(sim_url, tool_url, state="popup-state"),
        )
    popup_info.value.click('button[data-username="ina.instructor"]')
    opener.wait_for_function("() => window.received !== null", timeout=WAIT_MS)

    params = parse_qs(opener.evaluate("() => window.received").lstrip("?"))
    assert params["state"] == ["popup-state"]
    assert len(params["code"][0]) >= 20
    context.close()


def test_typed_credentials_work_in_the_browser(
    browser: Browser, sim_url: str, tool_url: str
) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(authorize_url(sim_url, tool_url))

    page.fill("#username", "tom.tutor")
    page.fill("#password", "tom-demo-pass")
    with page.expect_navigation(url=f"{tool_url}/panopto/callback**"):
        page.click("#sign-in")

    assert "code=" in page.url and "state=state-123" in page.url
    context.close()
