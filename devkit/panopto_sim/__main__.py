"""Run the simulator: ``python -m devkit.panopto_sim --host 127.0.0.1 --port 8002``.

Settings come from the environment (see ``settings.ENVIRONMENT``);
``PANOPTO_CLIENT_SECRET`` is required.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging.config

from . import create_app
from .settings import SettingsError, from_environment

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8002

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"level": "INFO", "handlers": ["console"]},
}


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m devkit.panopto_sim",
        description="A Panopto site on loopback, for development.",
    )
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--certfile", help="serve HTTPS with this certificate (PEM)")
    parser.add_argument("--keyfile", help="and this private key (PEM)")
    args = parser.parse_args(argv)

    if not _is_loopback(args.host):
        # The sign-in page shows demo passwords; keep it off the network.
        parser.error(f"--host must be a loopback address, not {args.host!r}")
    logging.config.dictConfig(LOGGING)
    try:
        app = create_app(from_environment())
    except SettingsError as err:
        parser.error(str(err))

    tls = (args.certfile, args.keyfile) if args.certfile else None
    app.run(
        host=args.host,
        port=args.port,
        threaded=True,
        use_reloader=False,
        ssl_context=tls,
    )


if __name__ == "__main__":
    main()
