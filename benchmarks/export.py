"""Export benchmark: time and peak memory of the awareness export, CSV and XLSX (codes and
labelled) and SPSS/Stata, at two sizes.

    .venv/bin/python benchmarks/export.py [--responses 13500 135000] [--write-docs]

For each size, a fresh SQLite demo database (`seed-demo --responses N`: about three quarters of
them are awareness responses), then each kind exported by a child process of its own, as
`flask export` does it (programme scope). The child reports its wall time and how far its
peak resident memory (VmHWM, reset when the export starts) rose above what it held once the app was loaded and the
export prepared: that rise is the export's own memory. It should not grow with the rows for CSV
and XLSX (streamed); SPSS and Stata files are written from a whole DataFrame, so theirs does.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import ROOT, app_env, flask, machine_facts, replace_section

#: (format, values): codes and labelled sheets, and the SPSS/Stata files (codes with Chinese labels)
KINDS = (("csv", "codes"), ("xlsx", "codes"), ("csv", "zh"), ("xlsx", "zh"), ("sav", "zh"), ("dta", "zh"))
STREAMED = ("csv", "xlsx")


def child(fmt: str, values: str, out: str) -> None:
    """Run in the child: export and print what it measured as JSON."""
    import datetime as dt

    sys.path.insert(0, str(ROOT))
    from survey_app import create_app
    from survey_app.auth.scope import Scope
    from survey_app.exports import service
    from survey_app.extensions import db

    app = create_app()
    with app.app_context():
        office = Scope(user_id=0, role="admin", county_id=None, team_id=None)
        export = service.prepare(db.session, office, "awareness", values=values)
        db.session.commit()
        before = reset_peak()
        t0 = time.perf_counter()
        service.write_file(db.engine, export, fmt, Path(out), dt.datetime.now(dt.UTC))
        seconds = time.perf_counter() - t0
    peak = status_kb("VmHWM")
    print(json.dumps({"rows": export.rows, "seconds": seconds, "bytes": Path(out).stat().st_size,
                      "start_kb": before, "peak_kb": peak}))


def reset_peak() -> int:
    """Start the peak (VmHWM) afresh at the present resident size, which it returns: the app's
    loading may have peaked higher and shrunk since (Linux, proc(5) clear_refs)."""
    Path("/proc/self/clear_refs").write_text("5")
    return status_kb("VmRSS")


def status_kb(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise LookupError(key)


def measure(env: dict[str, str], fmt: str, values: str, out: Path) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--child", fmt, values, str(out)]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800, check=True)  # noqa: S603
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # About three quarters of the seeded responses are awareness ones: 10,000 and 100,000 rows.
    parser.add_argument("--responses", type=int, nargs="+", default=[13_500, 135_000])
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--child", nargs=3, metavar=("FORMAT", "VALUES", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    results: list[tuple[int, str, str, dict[str, float]]] = []
    seeding: dict[int, float] = {}
    for n in args.responses:
        with tempfile.TemporaryDirectory(prefix="sanqu-export-") as tmp:
            workdir = Path(tmp)
            env = app_env(f"sqlite:///{workdir / 'export.db'}", workdir)
            print(f"seeding {n} responses", flush=True)
            flask(env, "db", "upgrade")
            flask(env, "questionnaires", "load")
            t0 = time.perf_counter()
            flask(env, "seed-demo", "--responses", str(n))
            seeding[n] = time.perf_counter() - t0
            for fmt, values in KINDS:
                found = measure(env, fmt, values, workdir / f"awareness-{values}.{fmt}")
                print(f"{n} {fmt} {values}: {found}", flush=True)
                results.append((n, fmt, values, found))
    lines = [
        f"Command: `benchmarks/export.py --responses {' '.join(map(str, args.responses))}` (SQLite; each export in a child"
        " process, programme scope; seeding "
        + ", ".join(f"{n:,} responses took {s:.0f} s" for n, s in seeding.items()) + ").",
        "",
        "| Seeded | Format | Awareness rows | Time | Rows/s | File | Peak memory above start |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for n, fmt, values, r in results:
        lines.append(
            f"| {n:,} | {_kind(fmt, values)} | {int(r['rows']):,} | {r['seconds']:.1f} s | {r['rows'] / r['seconds']:,.0f} |"
            f" {r['bytes'] / 1e6:.1f} MB | {(r['peak_kb'] - r['start_kb']) / 1024:.1f} MB |"
        )
    small, large = min(args.responses), max(args.responses)
    rise = {(n, fmt, values): (r["peak_kb"] - r["start_kb"]) / 1024 for n, fmt, values, r in results}
    rows = {n: int(r["rows"]) for n, _fmt, _values, r in results}
    lines += ["", "The streamed exports' own memory does not grow with the rows: " + "; ".join(
        f"{_kind(fmt, values)} {rise[small, fmt, values]:.1f} MB at {small:,} seeded, {rise[large, fmt, values]:.1f} MB at {large:,}"
        for fmt, values in KINDS if fmt in STREAMED
    ) + " (one page of 1,000 rows at a time; XlsxWriter's constant-memory mode). SPSS and Stata files are written"
        " from a whole DataFrame (pyreadstat), so theirs grows: " + "; ".join(
        f"{_kind(fmt, values)} {rise[large, fmt, values]:.0f} MB at {large:,} seeded, about"
        f" {(rise[large, fmt, values] - rise[small, fmt, values]) * 1024 / max(rows[large] - rows[small], 1):.1f} KB a row"
        for fmt, values in KINDS if fmt not in STREAMED) + ".", "", *machine_facts()]
    block = "\n".join(lines) + "\n"
    print(block)
    if args.write_docs:
        replace_section("export", "Exports (`benchmarks/export.py`)", block)
    return 0


def _kind(fmt: str, values: str) -> str:
    if fmt not in STREAMED:
        return {"sav": "SPSS", "dta": "Stata"}[fmt]
    return fmt.upper() + (" labelled" if values != "codes" else "")


if __name__ == "__main__":
    sys.exit(main())
