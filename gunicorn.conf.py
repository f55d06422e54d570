"""gunicorn settings for the tool: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Command-line options win over these; the environment variables below change them without
editing the file (docs/deployment.md lists them all).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import shutil
import tempfile
from pathlib import Path

#: Where each worker writes its metrics for /metrics to add up. It must be set before
#: prometheus_client is imported (by the app, below and in every worker), and be emptied at
#: start so that counts of an earlier run are not added in.
_created_metrics_dir = "PROMETHEUS_MULTIPROC_DIR" not in os.environ
if _created_metrics_dir:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(
        prefix="panopto-tool-metrics-"
    )

from prometheus_client import multiprocess  # noqa: E402

from app.config import load_log_settings  # noqa: E402
from app.logs import logging_config  # noqa: E402

#: Behind a proxy on the same host the default is right; behind a load balancer on another
#: host, bind to an address it can reach (e.g. 0.0.0.0:8000).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

#: Synchronous workers: one request per process. Launches are CPU-bound and short; chooser
#: calls wait on Panopto, which is why there are more workers than cores. Threads would not
#: help Panopto calls: the circuit breaker library lets one thread of a process through at
#: a time (see app/http.py).
worker_class = "sync"
workers = int(
    os.environ.get("WEB_CONCURRENCY", str(multiprocessing.cpu_count() * 2 + 1))
)

#: Load the app once in the master, then fork: each worker starts in milliseconds and
#: shares the loaded code. Migrations and LTI_CONFIG run once there; app.database.prepare
#: closes its connections before the fork, and the Redis and Panopto connection pools are
#: made in each worker.
preload_app = True

#: A request that takes longer than this is killed. The slowest legitimate one is a video
#: part of an upload (up to 25 MB) arriving from the browser over a slow connection while
#: it streams on to Panopto's upload target; chooser calls that retry Panopto take seconds.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30

# Workers are not recycled after a number of requests (gunicorn's max_requests): each
# recycling leaves one worker fewer for a moment, which shows in the slowest launches, and no
# leak calls for it. GUNICORN_CMD_ARGS="--max-requests 5000 --max-requests-jitter 500" turns
# it on should one appear.

#: The tool logs each request itself (with its request id); gunicorn's access log is off.
accesslog = None
errorlog = "-"
logconfig_dict = logging_config(*load_log_settings())

# forwarded_allow_ips: gunicorn reads FORWARDED_ALLOW_IPS (default 127.0.0.1); set it to the
# proxy's address so that X-Forwarded-Proto: https makes the tool build https:// URLs.


def on_starting(server) -> None:  # type: ignore[no-untyped-def]
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()


def pre_fork(server, worker) -> None:  # type: ignore[no-untyped-def]
    # Everything loaded so far lives as long as the worker: moved out of the collector's
    # reach, it is neither scanned by each worker's garbage collections (shorter pauses)
    # nor copied into each worker's memory by them (see gc.freeze in Python's docs).
    gc.freeze()


def child_exit(server, worker) -> None:  # type: ignore[no-untyped-def]
    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:  # type: ignore[no-untyped-def]
    if _created_metrics_dir:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
