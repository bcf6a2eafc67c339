#!/usr/bin/env python3
"""What `invoke wasm.run` adds to the command it prints and runs.

    .venv/bin/python bench/task_overhead.py [--rounds 15]

Each round runs, in a rotating order: the command `invoke wasm.run -- -c pass` prints (as
printed, in a shell at the checkout), the task itself, and the pieces of the task's own cost
(Python's start-up, importing invoke, `invoke --list`, which imports tasks.py and builds the
tasks). The overhead is the median of the task minus the median of the printed command, both
measured in the same run. Target: at most 0.15 s. Nothing is asserted: this is a measurement.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(CHECKOUT / "bench"))

from results import machine, publish  # noqa: E402

TARGET_SECONDS = 0.15
VENV = CHECKOUT / ".venv" / "bin"


def printed_command() -> str:
    """The line `invoke wasm.run` prints before it runs it."""
    out = subprocess.run([str(VENV / "invoke"), "wasm.run", "--", "-c", "pass"], cwd=CHECKOUT,
                         capture_output=True, text=True, check=True)
    return out.stdout.splitlines()[0]


def wall(argv: list[str] | str) -> float:
    started = time.perf_counter()
    subprocess.run(argv, cwd=CHECKOUT, shell=isinstance(argv, str), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def measure(rounds: int) -> tuple[str, dict[str, float], float]:
    """The printed command, each run's median wall time, and the task's overhead."""
    command = printed_command()
    runs: dict[str, list[str] | str] = {
        "the printed command": command,
        "`invoke wasm.run -- -c pass`": [str(VENV / "invoke"), "wasm.run", "--", "-c", "pass"],
        "python -c pass": [str(VENV / "python"), "-c", "pass"],
        "python -c 'import invoke.main'": [str(VENV / "python"), "-c", "import invoke.main"],
        "`invoke --list` (tasks.py loaded)": [str(VENV / "invoke"), "--list"],
    }
    times: dict[str, list[float]] = {name: [] for name in runs}
    names = list(runs)
    for round_number in range(rounds):
        for name in names[round_number % len(names):] + names[:round_number % len(names)]:
            times[name].append(wall(runs[name]))
    median = {name: statistics.median(times[name]) for name in names}
    return command, median, median[names[1]] - median[names[0]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    command, median, overhead = measure(args.rounds)
    names = list(median)
    verdict = "met" if overhead <= TARGET_SECONDS else "missed"
    lines = [f"{machine()}; median of {args.rounds} rounds in a rotating order; "
             f"`.venv/bin/python bench/task_overhead.py {' '.join(sys.argv[1:])}`".rstrip(), "",
             f"The printed command: `{command}`", "",
             "| run | median wall |", "|---|---:|"]
    lines += [f"| {name} | {median[name]:.3f} s |" for name in names]
    lines += ["", f"**Overhead of the task: {overhead:.3f} s** (target ≤ {TARGET_SECONDS} s: "
              f"{verdict})."]
    print("\n".join(lines))
    publish("Task overhead: invoke wasm.run", "\n".join(lines))


if __name__ == "__main__":
    main()
