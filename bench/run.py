"""`make bench`: run every bench/bench_*.py module's `main()` in turn and print its figures.

Benchmarks measure (they never assert timings in the test suite). Each module prints its own
numbers and ratios measured in the same run. `make bench BENCH=directory` runs only one.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from pathlib import Path


def main() -> int:
    only = os.environ.get("BENCH")
    names = sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py"))
    if only:
        names = [n for n in names if n == f"bench_{only}"]
    if not names:
        print("no benchmarks found", file=sys.stderr)
        return 1
    for name in names:
        print(f"\n=== {name} ===", flush=True)
        started = time.perf_counter()
        importlib.import_module(f"bench.{name}").main()
        print(f"({name} took {time.perf_counter() - started:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
