"""Fuzz the readers and the citation checker for a fixed time budget (``make test`` gives it 2 minutes).

The property tests under tests/ (every Hypothesis test in the readers, the hostile-input suite and the
citation checker) run in rounds, each round with a fresh random seed and ``LITREVIEW_FUZZ_SCALE`` times
their usual number of examples, while another round still fits in the budget. The first failure stops
the run with exit 1 and prints the seed that reproduces it::

    python scripts/fuzz.py --seconds 120
    python -m pytest -m fuzz --hypothesis-seed=SEED tests/readers ...   # to reproduce
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ["tests/readers", "tests/hostile/test_hostile_properties.py", "tests/engines/test_citations.py"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120.0, help="time budget (default 120)")
    parser.add_argument("--scale", type=int, default=2, help="examples per test, as a multiple of the usual count")
    args = parser.parse_args(argv)
    env = {**os.environ, "LITREVIEW_FUZZ_SCALE": str(args.scale)}
    start, rounds, last = time.monotonic(), 0, 0.0
    # a round starts only if one more, as long as the last, still fits in the budget
    while rounds == 0 or time.monotonic() - start + last <= args.seconds:
        began = time.monotonic()
        seed = random.SystemRandom().randrange(2**32)
        command = [sys.executable, "-m", "pytest", "-q", "-x", "-m", "fuzz", "-p", "no:cacheprovider",
                   f"--hypothesis-seed={seed}", *TARGETS]
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        rounds += 1
        last = time.monotonic() - began
        if result.returncode != 0:
            sys.stdout.write(result.stdout[-20000:] + result.stderr[-5000:])
            print(f"fuzz: round {rounds} failed; reproduce with LITREVIEW_FUZZ_SCALE={args.scale} "
                  f"{' '.join(command[1:])}", file=sys.stderr)
            return 1
    print(f"fuzz: {rounds} round(s) in {time.monotonic() - start:.0f} s (scale {args.scale}), nothing found")
    return 0


if __name__ == "__main__":
    sys.exit(main())
