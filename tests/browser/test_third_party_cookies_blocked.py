"""The browser the tests drive blocks third-party cookies, as Safari and many users do.

Playwright has no switch for this. What decides it is Chromium's cookie-controls
preference (``profile.cookie_controls_mode``): in the profiles Playwright creates, Debian's
Chromium blocks third-party cookies, and DevTools names the reason ``UserPreferences``
(``--test-third-party-cookie-phaseout`` does not change a profile that allows them, so it
cannot be relied on). This test proves the block is in effect, from the browser's own
report, so the cookie-less launch tests mean what they say: a frame of one site inside a
page of another (``localhost`` inside ``127.0.0.1``) may not keep an ordinary cookie,
though it may keep a ``Partitioned`` one (CHIPS).
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator

import pytest
from flask import Flask, make_response, request
from playwright.sync_api import Browser

from devkit.tls import make_loopback_certificate
from tests.servers import serve

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def https_site(tmp_path_factory) -> Iterator[str]:
    files = make_loopback_certificate(tmp_path_factory.mktemp("tls"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(files.cert, files.key)
    app = Flask("cookie-probe")

    @app.get("/top")
    def top():
        return f'<iframe id="frame" src="{request.args["frame"]}"></iframe>'

    @app.get("/frame")
    def frame():
        seen = json.dumps(sorted(request.cookies))
        response = make_response(f"<body>{seen}</body>")
        response.headers.add("Set-Cookie", "plain=1; SameSite=None; Secure; Path=/")
        response.headers.add(
            "Set-Cookie", "partitioned=1; SameSite=None; Secure; Path=/; Partitioned"
        )
        return response

    with serve(app, ssl_context=context) as url:
        yield url


def test_third_party_cookies_are_blocked_and_partitioned_ones_kept(
    browser: Browser, https_site: str
):
    port = https_site.rsplit(":", 1)[1]
    top = f"https://127.0.0.1:{port}/top?frame=https://localhost:{port}/frame"
    context = browser.new_context(ignore_https_errors=True)
    page = context.new_page()
    devtools = context.new_cdp_session(page)
    devtools.send("Network.enable")
    blocked: list[tuple[str, list[str]]] = []
    devtools.on(
        "Network.responseReceivedExtraInfo",
        lambda event: blocked.extend(
            (item["cookie"]["name"], item["blockedReasons"])
            for item in event.get("blockedCookies", [])
            if "cookie" in item
        ),
    )

    page.goto(top)
    page.goto(top)  # the frame now shows which of its cookies came back
    sent_back = json.loads(page.frame_locator("#frame").locator("body").inner_text())

    assert sent_back == ["partitioned"]
    assert ("plain", ["UserPreferences"]) in blocked
    stored = {(c["name"], c.get("partitionKey")) for c in context.cookies()}
    assert ("partitioned", "https://127.0.0.1") in stored
    assert not any(name == "plain" for name, _ in stored)
    context.close()
