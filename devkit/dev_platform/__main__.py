"""Run the dev platform: ``python -m devkit.dev_platform --host 127.0.0.1 --port 8001``.

Settings come from environment variables named like the keys in ``config.DEFAULTS``.
"""

from __future__ import annotations

import argparse
import logging
import re

from . import create_app
from .config import env_overrides

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001

#: A query string inside a logged request line, e.g. ``GET /lti/authorize?nonce=... HTTP``.
QUERY_IN_REQUEST_LINE = re.compile(r"\?[^\s\"]*")


class RedactQueryStrings(logging.Filter):
    """Keep nonces, states and hints out of the access log: log paths, not queries."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = QUERY_IN_REQUEST_LINE.sub("?[redacted]", record.getMessage())
        record.args = ()
        return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="OnTrack stand-in acting as an LTI platform"
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to listen on")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="port to listen on"
    )
    parser.add_argument("--certfile", help="serve HTTPS with this certificate (PEM)")
    parser.add_argument("--keyfile", help="and this private key (PEM)")
    args = parser.parse_args(argv)

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("werkzeug").addFilter(RedactQueryStrings())
    app = create_app(env_overrides())
    # Werkzeug's development server, threaded: each item iframe launches concurrently.
    tls = (args.certfile, args.keyfile) if args.certfile else None
    app.run(host=args.host, port=args.port, threaded=True, debug=False, ssl_context=tls)


if __name__ == "__main__":
    main()
