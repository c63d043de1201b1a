"""Run every bench/bench_*.py module's main(), in name order.

`python -m bench` runs them all; `python -m bench ledgers` only bench_ledgers.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    wanted = {f"bench_{a.removeprefix('bench_')}" for a in argv}
    failed = 0
    for name in names:
        if wanted and name not in wanted:
            continue
        print(f"== {name} ==", flush=True)
        started = time.perf_counter()
        try:
            importlib.import_module(f"bench.{name}").main()
        except Exception as exc:  # one failing bench must not hide the others
            failed += 1
            print(f"!! {name} failed: {exc!r}", flush=True)
        print(f"== {name}: {time.perf_counter() - started:.1f} s ==\n", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
