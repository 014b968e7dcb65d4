"""Run the benchmarks on PostgreSQL and print one table.

    python -m bench                 # everything, full size
    python -m bench --scale 0.02    # a quick run on 2 % of the data
    python -m bench --only ingest   # one benchmark (bench/bench_ingest.py)
    python -m bench --profile       # cProfile the measured code; timings get slower

Each bench/bench_*.py has run(ctx) -> list[report.Row]. Missing a target is
reported, not fatal: the exit code is non-zero only when a benchmark crashed.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import pkgutil
import platform
import pstats
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from . import database, report

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "var" / "bench-results.json"
PROFILE = ROOT / "var" / "bench-profile.pstats"


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", metavar="NAME", help="run one benchmark, e.g. 'ingest' for bench/bench_ingest.py")
    parser.add_argument("--scale", type=float, default=1.0, help="shrink (or grow) the data, e.g. 0.02; default 1.0")
    parser.add_argument("--profile", action="store_true", help=f"cProfile the measured code into {PROFILE.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be above 0")
    return args


def discover(only: str | None) -> list[str]:
    names = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_"))
    if only:
        wanted = only if only.startswith("bench_") else f"bench_{only}"
        if wanted not in names:
            raise SystemExit(f"No benchmark '{only}'. Available: {', '.join(n.removeprefix('bench_') for n in names)}")
        names = [wanted]
    return names


def setup(media_root: str):
    """Environment, database, migrations as owner, then the runtime role. Returns (url, role, throwaway)."""
    url, throwaway = database.configure_environment(media_root)
    db_name = database.ensure_database(url, fresh=throwaway)

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    role = settings.DATABASE_APP_ROLE
    kind = "fresh, dropped after the run" if throwaway else "from DATABASE_URL, kept"
    print(f"bench: database {db_name} ({kind}); migrating as the owner, measuring as {role}", flush=True)
    database.ensure_app_role(connection, role)
    database.migrate_as_owner()
    database.become_app_role(role)
    stale = database.delete_stale_bench_organizations()
    if stale:
        print(f"bench: removed {stale} organisation(s) left by an interrupted run", flush=True)
    return url, role, throwaway


def run_all(names, ctx) -> tuple[list[report.Row], list[str]]:
    rows, crashed = [], []
    for name in names:
        print(f"bench: running {name} (scale {ctx.scale:g})", flush=True)
        started = time.perf_counter()
        try:
            module = importlib.import_module(f"bench.{name}")
            rows.extend(module.run(ctx))
        except Exception:
            traceback.print_exc()
            crashed.append(name)
        finally:
            cleanup_started = time.perf_counter()
            ctx.cleanup()
        finished = time.perf_counter()
        print(f"bench: {name} took {finished - started:.1f} s, of which cleanup {finished - cleanup_started:.1f} s", flush=True)
    return rows, crashed


def report_profile(profiler: cProfile.Profile) -> None:
    PROFILE.parent.mkdir(parents=True, exist_ok=True)
    profiler.dump_stats(PROFILE)
    print(f"\nProfile of the measured code (also in {PROFILE.relative_to(ROOT)}); timings above include profiler overhead.")
    for order in ("tottime", "cumulative"):
        pstats.Stats(profiler).sort_stats(order).print_stats(30)


def main(argv=None) -> int:
    args = parse_args(argv)
    names = discover(args.only)
    with tempfile.TemporaryDirectory(prefix="empathy-bench-media-") as media_root:
        url, role, throwaway = setup(media_root)
        from .context import Context

        ctx = Context(scale=args.scale, database_url=url, app_role=role, delete_organizations=not throwaway,
                      profiler=cProfile.Profile() if args.profile else None)
        try:
            rows, crashed = run_all(names, ctx)
        finally:
            if throwaway:
                database.drop_database(url)

    print()
    print(report.render_table(rows))
    report.write_json(rows, RESULTS, meta={
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "scale": args.scale,
        "benchmarks": names,
        "crashed": crashed,
        "python": platform.python_version(),
        "profiled": args.profile,
    })
    print(f"\nWritten to {RESULTS.relative_to(ROOT)}")
    if ctx.profiler is not None:
        report_profile(ctx.profiler)
    if crashed:
        print(f"Crashed: {', '.join(crashed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
