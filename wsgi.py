"""WSGI entry point: ``flask --app wsgi run`` or ``gunicorn -c gunicorn.conf.py wsgi:app``."""

import logging

from app import create_app
from app.config import ConfigError
from app.logs import configure_logging

#: gunicorn's exit status for "worker failed to boot": it stops the server instead of
#: restarting the worker forever, which is right when a setting is wrong.
BOOT_ERROR_EXIT_STATUS = 3

configure_logging()
try:
    app = create_app()
except ConfigError as err:
    # A sentence for the operator rather than a traceback: the setting is what needs fixing.
    logging.getLogger(__name__).critical("The Panopto tool cannot start: %s", err)
    raise SystemExit(BOOT_ERROR_EXIT_STATUS) from None
