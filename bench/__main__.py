"""Run the benchmarks and print their figures: ``python -m bench [launch] [search]``."""

from __future__ import annotations

import os
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
        f"{len(os.sched_getaffinity(0))} cores; {time.strftime('%Y-%m-%d %H:%M')}",
        flush=True,
    )
    for name in chosen:
        module = BENCHMARKS[name]
        print(f"\n== {name} ==", flush=True)
        before = os.getloadavg()[0]
        figures = module.run()
        print("\n".join(module.report(figures)), flush=True)
        # Other work on the machine moves every figure; ratios within one run move less.
        print(
            f"(load average {before:.1f} before, {os.getloadavg()[0]:.1f} after)",
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[1:])
