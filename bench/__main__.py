"""Run the benchmarks and print their figures: ``python -m bench [launch] [search]``."""

from __future__ import annotations

import platform
import sys
import time

from . import launch, search

BENCHMARKS = {"launch": launch, "search": search}


def main(names: list[str]) -> None:
    chosen = names or list(BENCHMARKS)
    unknown = [name for name in chosen if name not in BENCHMARKS]
    if unknown:
        raise SystemExit(
            f"Unknown benchmark {unknown[0]}; choose from {', '.join(BENCHMARKS)}."
        )

    print(
        f"python {platform.python_version()} on {platform.machine()}, "
        f"{_cores()} cores; {time.strftime('%Y-%m-%d %H:%M')}",
        flush=True,
    )
    for name in chosen:
        module = BENCHMARKS[name]
        print(f"\n== {name} ==", flush=True)
        figures = module.run()
        print("\n".join(module.report(figures)), flush=True)


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0))


if __name__ == "__main__":
    main(sys.argv[1:])
