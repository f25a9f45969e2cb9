"""Run the benchmarks and write benchmarks/RESULTS.md.

    ./dev bench                  # everything, writes benchmarks/RESULTS.md
    ./dev bench --quick          # a smoke run on small workloads (CI), writes nothing
    ./dev bench --only store     # some groups only

Figures are medians of several runs; comparisons are ratios measured side
by side in the same run. Timings never appear in test assertions.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from .common import Result

GROUPS = ["store", "anchoring", "edition", "reader", "peers"]
HERE = Path(__file__).resolve().parent


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 2**20:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores ({cpu}){mem}, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small workloads, one run each; writes no RESULTS.md")
    parser.add_argument("--only", help=f"comma-separated groups: {', '.join(GROUPS)}")
    args = parser.parse_args(argv)
    groups = args.only.split(",") if args.only else GROUPS
    results: list[Result] = []
    for group in groups:
        try:
            module = importlib.import_module(f"benchmarks.bench_{group}")
        except ModuleNotFoundError as e:
            if e.name == f"benchmarks.bench_{group}":
                print(f"[{group}] no benchmark module yet", file=sys.stderr)
                continue
            raise
        started = time.perf_counter()
        print(f"[{group}] running{' (quick)' if args.quick else ''}...", file=sys.stderr, flush=True)
        got = module.run(quick=args.quick)
        for r in got:
            print(f"[{group}] {r.name}: {r.value:.4g} {r.unit}" + (f" (target {r.target})" if r.target else ""), file=sys.stderr)
        print(f"[{group}] done in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        results.extend(got)
    missed = [r for r in results if r.met is False]
    if args.quick:
        print(f"benchmarks smoke run: {len(results)} figures measured")
        return 0
    write_results(results)
    print(f"wrote {HERE / 'RESULTS.md'}: {len(results)} figures, {len(missed)} targets missed")
    return 0


def _previous_sections() -> dict[str, list[str]]:
    """The group sections of the current RESULTS.md, to keep those not re-run."""
    path = HERE / "RESULTS.md"
    sections: dict[str, list[str]] = {}
    if not path.exists():
        return sections
    current: str | None = None
    for line in path.read_text().splitlines():
        if line.startswith("## "):
            name = line[3:].strip().lower()
            current = name if name in GROUPS else None
            if current:
                sections[current] = []
            continue
        if current:
            sections[current].append(line)
    return sections


def write_results(results: list[Result]) -> None:
    """Write RESULTS.md; groups not run this time keep their previous figures (marked so)."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE).stdout.strip()
    previous = _previous_sections()
    ran = {r.group for r in results}
    lines = [
        "# Benchmark results",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC at commit `{commit or 'unknown'}` on {machine()}.",
        "Reproduce with `./dev bench`. Figures are medians of several runs; ratios are measured side by side in one run.",
        "",
    ]
    notes = HERE / "NOTES.md"
    for group in GROUPS:
        rows = [r for r in results if r.group == group]
        if rows:
            lines += [f"## {group.capitalize()}", "", "| measure | value | target | | note |", "|---|---|---|---|---|"]
            lines += [r.row() for r in rows]
            lines.append("")
        elif group not in ran and group in previous:
            kept = [line for line in previous[group] if line.strip()]
            if kept and not kept[0].startswith("_From an earlier run"):
                kept.insert(0, "_From an earlier run (this group was not re-run)._\n")
            lines += [f"## {group.capitalize()}", "", *kept, ""]
    if notes.exists():
        lines += [notes.read_text().strip(), ""]
    (HERE / "RESULTS.md").write_text("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
