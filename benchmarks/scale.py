"""Scale: every dashboard page, the stats call, the reports and the CSV export at a province's ten
years (issue 17), on SQLite and PostgreSQL, each figure next to the bare SQL of its main
aggregate from the same run on the same rows.

    .venv/bin/python benchmarks/scale.py [--sizes 100000,1000000] [--engines sqlite,postgresql]
        [--repeat 3] [--cache DIR] [--reseed] [--no-reports] [--no-export] [--write-docs]

Seeding is cached between runs: SQLite files under ``--cache`` (default ~/.cache/sanqu-bench),
PostgreSQL databases ``sanqu_scale_N`` on 127.0.0.1:5432 (user postgres; never ``test``), each
labelled with a key of the size and of the code that made it (demo generator, migrations,
questionnaires): a label that does not match is seeded again (`seed-demo --responses N`, timed).
Nothing here writes to a cached database's data: only its findings snapshots (emptied before
each run) and their change counter.

Per engine and size: gunicorn 2x4 on 127.0.0.1; the programme office (admin) logged in; each
page and call once to warm up, then the median of R (time on the loopback, which is the server's
time); the bare SQL through the engine's own driver, the same way.  Each page twice: computed
(snapshots off: what a page costs when its data has changed and the worker has not yet refreshed
it, and what the worker spends on it), and as the office reads it (findings snapshots on, as
deployed: the warm-up computes and keeps them).  Then the worker's refresh of every snapshot
read, after a change of the data, timed in a child process.  Reports are built in a child
process as the worker builds them (warm: the second build, Chromium already running); the CSV
export of the awareness responses in another child, which reports its rows/s and its peak memory
above its start.  The gunicorn workers' peak resident memory (VmHWM) is read at the end.
Goals: every page <= 1 s and <= 5x its bare SQL; stats/prepost <= 300 ms; county report <= 3 s
warm; programme report <= 8 s warm; CSV >= 20,000 rows/s.
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import ROOT, Server, app_env, flask, machine_facts, replace_section

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
COUNTY_CODE, COUNTY_NAME = "430626", "平江县"
PAGE_GOAL_S, PAGE_RATIO, STATS_GOAL_S = 1.0, 5.0, 0.3
COUNTY_REPORT_GOAL_S, PROGRAMME_REPORT_GOAL_S, CSV_GOAL = 3.0, 8.0, 20_000

# -- the bare SQL of each page's main aggregate (both engines; {county} is a condition or nothing) --
_LIVE = "r.questionnaire_id = '{q}' AND NOT r.excluded {county}"
BARE: dict[str, str] = {
    # responses by place and wave, and by month (the overview's table and chart)
    "overview": "SELECT r.site_id, r.wave, count(*), max(r.completed_at) FROM responses r"
                " WHERE " + _LIVE.format(q="awareness", county="{county}") + " GROUP BY r.site_id, r.wave",
    # the awareness index by wave
    "awareness": "SELECT r.wave, count(*), avg(s.score) FROM responses r JOIN index_scores s ON s.response_id = r.id"
                 " AND s.index_id = 'awareness' WHERE " + _LIVE.format(q="awareness", county="{county}") + " GROUP BY r.wave",
    # every item's answers by wave and value (the page reads the kept counters, answer_counts,
    # since issue 17; this stays the reference: the aggregate the page shows, done the plain way)
    "items": "SELECT a.question_id, r.wave, a.value_num, count(*) FROM responses r JOIN answers a ON a.response_id = r.id"
             " WHERE " + _LIVE.format(q="awareness", county="{county}") + " AND a.value_num IS NOT NULL"
             " GROUP BY a.question_id, r.wave, a.value_num",
    # the satisfaction index by county
    "satisfaction": "SELECT r.county_id, count(*), avg(s.score) FROM responses r JOIN index_scores s ON s.response_id = r.id"
                    " AND s.index_id = 'satisfaction' WHERE " + _LIVE.format(q="satisfaction", county="{county}")
                    + " GROUP BY r.county_id",
    # the activity totals by county and item
    "activity": "SELECT r.county_id, a.question_id, sum(a.value_num) FROM responses r JOIN answers a ON a.response_id = r.id"
                " WHERE " + _LIVE.format(q="activity", county="{county}") + " GROUP BY r.county_id, a.question_id",
    # responses by county with the interview time, the quality page's base
    "quality": "SELECT r.county_id, count(*), sum(CASE WHEN r.completed_at > r.received_at THEN 1 ELSE 0 END)"
               " FROM responses r WHERE " + _LIVE.format(q="awareness", county="{county}") + " GROUP BY r.county_id",
}
BARE["stats/prepost"] = BARE["awareness"]


# -- the cached databases ------------------------------------------------------------------------
def seed_key(n: int) -> str:
    digest = hashlib.sha256(str(n).encode())
    for folder in ("survey_app/demo", "migrations", "questionnaires"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and path.suffix in (".py", ".yaml", ".yml", ".json", ".toml", ".ini", ".mako"):
                digest.update(path.relative_to(ROOT).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


class Cached:
    """A seeded database of one engine and size, made once and reused while its key matches."""

    def __init__(self, engine: str, n: int, cache: Path, reseed: bool) -> None:
        self.engine, self.n, self.key = engine, n, seed_key(n)
        self.workdir = cache / f"{engine}-{n}"
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.meta_path = self.workdir / "seeded.json"
        if engine == "sqlite":
            self.url = f"sqlite:///{self.workdir / 'scale.db'}"
        else:
            self.url = f"postgresql://postgres@127.0.0.1:5432/sanqu_scale_{n}"
        self.env = app_env(self.url, self.workdir)
        self.env["MFA_REQUIRED_ROLES"] = ""  # the benchmark logs in as the office with a password only
        meta = json.loads(self.meta_path.read_text()) if self.meta_path.exists() else {}
        if reseed or meta.get("key") != self.key or not self._present():
            self.seed()
        self.meta = json.loads(self.meta_path.read_text())

    def _present(self) -> bool:
        if self.engine == "sqlite":
            return (self.workdir / "scale.db").exists()
        from sqlalchemy import create_engine, text

        admin = create_engine(PG_ADMIN)
        try:
            with admin.connect() as conn:
                return conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"),
                                    {"d": f"sanqu_scale_{self.n}"}).first() is not None
        finally:
            admin.dispose()

    def _fresh(self) -> None:
        if self.engine == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    (self.workdir / f"scale.db{suffix}").unlink()
            return
        from sqlalchemy import create_engine, text

        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS sanqu_scale_{self.n} WITH (FORCE)"))
                conn.execute(text(f"CREATE DATABASE sanqu_scale_{self.n}"))
        finally:
            admin.dispose()

    def seed(self) -> None:
        print(f"[{self.engine} {self.n:,}] seeding (cached for later runs)", flush=True)
        self._fresh()
        for command in (["db", "upgrade"], ["questionnaires", "load"], ["seed-demo", "--responses", "0"]):
            flask(self.env, *command)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "seed-demo", "--responses", str(self.n)],  # noqa: S603
                       cwd=ROOT, env=self.env, check=True, timeout=6 * 3600, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - t0
        token = flask(self.env, "tokens", "issue", "admin").strip().splitlines()[-1].strip()
        self.meta_path.write_text(json.dumps({"key": self.key, "seconds": seconds, "token": token,
                                              "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}))
        print(f"[{self.engine} {self.n:,}] seeded in {seconds:.0f} s", flush=True)

    def bare(self) -> Any:
        """A plain driver connection and the county's id, for the bare SQL."""
        if self.engine == "sqlite":
            import sqlite3

            conn: Any = sqlite3.connect(self.workdir / "scale.db")
        else:
            import psycopg

            conn = psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/sanqu_scale_{self.n}", autocommit=True)
        county_id = conn.execute("SELECT id FROM counties WHERE code = '" + COUNTY_CODE + "'").fetchone()[0]
        return conn, county_id


# -- measuring -----------------------------------------------------------------------------------
def median_of(call: Any, repeat: int) -> float:
    call()  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def log_in(base: str) -> requests.Session:
    staff = requests.Session()
    page = staff.get(base + "/login", timeout=30).text
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    staff.post(base + "/login", data={"username": "admin", "password": "sanqu-demo-2026", "csrf_token": csrf}, timeout=30)
    if staff.get(base + "/dashboard/overview", timeout=300, allow_redirects=False).status_code != 200:
        raise RuntimeError("could not log in as admin")
    return staff


def peak_rss_kb(pid: int) -> int:
    """The largest VmHWM among a process and its children (gunicorn's workers)."""
    pids = [pid]
    with contextlib.suppress(OSError):
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    peak = 0
    for p in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
    return peak


#: what turns the findings snapshots off: every figure computed in the request
COMPUTED = {"SNAPSHOT_RESPONSES": str(10**12)}


def clear_snapshots(db: Cached) -> None:
    conn, _ = db.bare()
    try:
        conn.execute("DELETE FROM findings_snapshots")
        conn.commit()
    finally:
        conn.close()


def pages(db: Cached, repeat: int, snapshots: bool = False) -> tuple[list[tuple[str, str, float, float]], int]:
    """(page, scope, seconds, bare SQL seconds) for every page in both scopes, and the workers' peak RSS;
    with ``snapshots``, as deployed (the findings snapshots emptied first), else every figure computed."""
    if snapshots:
        clear_snapshots(db)
    server = Server(db.env if snapshots else {**db.env, **COMPUTED}, 2, 4, db.workdir / "gunicorn.log")
    rows: list[tuple[str, str, float, float]] = []
    conn, county_id = db.bare()
    try:
        server.wait_ready(120)
        staff = log_in(server.base)
        api = requests.Session()
        api.headers["Authorization"] = f"Bearer {db.meta['token']}"
        for scope, query, condition in (("programme", "", ""), (COUNTY_NAME, f"county={COUNTY_CODE}", f"AND r.county_id = {county_id}")):
            for page in ("overview", "awareness", "items", "satisfaction", "activity", "quality", "stats/prepost"):
                if page == "stats/prepost":
                    session, path = api, "/api/v1/stats/prepost?questionnaire=awareness&index=awareness" + (f"&{query}" if query else "")
                else:
                    session, path = staff, f"/dashboard/{page}" + (f"?{query}" if query else "")

                def get(session: requests.Session = session, path: str = path) -> None:
                    reply = session.get(server.base + path, timeout=600)
                    if reply.status_code != 200:
                        raise RuntimeError(f"{path}: {reply.status_code}")
                seconds = median_of(get, repeat)
                sql = BARE[page].format(county=condition)
                bare = median_of(lambda sql=sql: conn.execute(sql).fetchall(), repeat)
                print(f"[{db.engine} {db.n:,}] {page} ({scope}, {'snapshots' if snapshots else 'computed'}): "
                      f"{seconds * 1000:.0f} ms, bare SQL {bare * 1000:.0f} ms", flush=True)
                rows.append((page, scope, seconds, bare))
        peak = peak_rss_kb(server.proc.pid)
    finally:
        conn.close()
        server.stop()
    return rows, peak


CHILD = r"""
import json, os, sys, time
from pathlib import Path
sys.path.insert(0, os.environ["SANQU_ROOT"])
what = sys.argv[1]
from sqlalchemy import select
from survey_app import create_app
from survey_app.auth.scope import Scope
from survey_app.extensions import db
from survey_app.models import User

def peak_kb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])

app = create_app()
out = {}
with app.app_context():
    admin = Scope.of(db.session.scalar(select(User).where(User.username == "admin")))
    if what == "refresh":
        from survey_app.analysis import snapshots
        from survey_app.snapshot_policies import policy
        with db.engine.begin() as connection:
            snapshots.changed(connection)  # a change of the data: every snapshot is old
        t0 = time.perf_counter()
        out = {"refreshed": snapshots.refresh(db.engine, policy(app.config).secret), "seconds": time.perf_counter() - t0}
    elif what == "reports":
        from survey_app.reports import build
        from survey_app.reports.request import ReportRequest
        for label, text in (("county", "county:" + os.environ["COUNTY_CODE"]), ("programme", "programme")):
            times = []
            for _ in range(3):  # cold, then warm twice
                t0 = time.perf_counter()
                build.report_pdf(db.session, ReportRequest.parse(text), admin)
                times.append(time.perf_counter() - t0)
                db.session.remove()  # each build its own transaction, as each job of the worker
            out[label] = {"cold": times[0], "warm": min(times[1:])}
    else:
        import datetime as dt
        from survey_app.exports import service
        export = service.prepare(db.session, admin, "awareness")
        db.session.commit()
        target = Path(sys.argv[2])
        t0 = time.perf_counter()
        service.write_file(db.engine, export, "csv", target, dt.datetime.now(dt.UTC))
        out = {"rows": export.rows, "seconds": time.perf_counter() - t0, "bytes": target.stat().st_size}
out["peak_kb"] = peak_kb()
print(json.dumps(out))
"""


def child(db: Cached, *args: str) -> dict[str, Any]:
    env = {**db.env, "SANQU_ROOT": str(ROOT), "COUNTY_CODE": COUNTY_CODE}
    done = subprocess.run([sys.executable, "-c", CHILD, *args], cwd=ROOT, env=env, capture_output=True, text=True,  # noqa: S603
                          timeout=3600, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- the table -----------------------------------------------------------------------------------
def verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def markdown(results: list[dict[str, Any]], args: argparse.Namespace) -> str:
    lines = [
        f"Command: `benchmarks/scale.py --sizes {args.sizes} --engines {args.engines} --repeat {args.repeat}`; "
        "gunicorn 2x4, one client, median of the repeats after a warm-up, logged in as the programme office; "
        "bare SQL through the engine's own driver on the same rows in the same run. \"Empty database\": the same page "
        "with no responses (its fixed cost: template, figures, names), measured in the same run; the last column is "
        "the proposed measure for pages whose aggregate takes a millisecond (see the note under the tables).",
        "",
    ]
    for r in results:
        db: Cached = r["db"]
        lines += [f"### {db.n:,} responses, {'SQLite' if db.engine == 'sqlite' else 'PostgreSQL'}", "",
                  f"Seeded by `seed-demo --responses {db.n}` in {db.meta['seconds'] / 60:.1f} min ({db.meta['date']}).", "",
                  "| Page or call | Scope | As read (snapshots) | Goal | Computed | Bare SQL | computed x bare "
                  "| Empty database | (computed − empty) / bare |",
                  "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |"]
        empty = r.get("empty", {})
        read = {(page, scope): seconds for page, scope, seconds, _bare in r.get("snapshot_pages", [])}
        for page, scope, seconds, bare in r["pages"]:
            ratio = seconds / bare if bare > 0 else float("inf")
            fixed = empty.get((page, scope))
            beyond = f"{max(0.0, seconds - fixed) / bare:.1f}" if fixed is not None and bare > 0 else ""
            fixed_text = f"{fixed * 1000:,.0f} ms" if fixed is not None else ""
            shown = read.get((page, scope), seconds)
            if page == "stats/prepost":
                goal = verdict(shown <= STATS_GOAL_S) + " (300 ms)"
            else:
                goal = verdict(shown <= PAGE_GOAL_S and shown / bare <= PAGE_RATIO if bare > 0 else shown <= PAGE_GOAL_S) + " (1 s, 5x)"
            lines.append(f"| {page} | {scope} | {shown * 1000:,.0f} ms | {goal} | {seconds * 1000:,.0f} ms | {bare * 1000:,.1f} ms "
                         f"| {ratio:.1f} | {fixed_text} | {beyond} |")
        if r.get("reports"):
            rep = r["reports"]
            lines.append(f"| county report ({COUNTY_NAME}), warm | | {rep['county']['warm']:.1f} s | "
                         f"{verdict(rep['county']['warm'] <= COUNTY_REPORT_GOAL_S)} (3 s) | cold {rep['county']['cold']:.1f} s | | | | |")
            programme = rep["programme"]
            lines.append(f"| programme report, warm | | {programme['warm']:.1f} s | "
                         f"{verdict(programme['warm'] <= PROGRAMME_REPORT_GOAL_S)} (8 s) | cold {programme['cold']:.1f} s | | | | |")
        if r.get("export"):
            ex = r["export"]
            rate = ex["rows"] / ex["seconds"]
            lines.append(f"| CSV export, awareness ({ex['rows']:,} rows) | programme | {ex['seconds']:.1f} s | "
                         f"{rate:,.0f} rows/s: {verdict(rate >= CSV_GOAL)} (20,000 rows/s) | | | | | |")
        memory = [f"gunicorn workers {r['rss_kb'] / 1024:.0f} MB"]
        if r.get("reports"):
            memory.append(f"report builder {r['reports']['peak_kb'] / 1024:.0f} MB")
        if r.get("export"):
            memory.append(f"CSV export {r['export']['peak_kb'] / 1024:.0f} MB")
        lines += ["", "Peak resident memory: " + ", ".join(memory) + ".", ""]
        if r.get("refresh"):
            lines += [f"The worker's refresh after a change of the data: {r['refresh']['refreshed']} snapshots (every one the "
                      f"pages above read) computed again in {r['refresh']['seconds']:.1f} s.", ""]
    lines += [
        "Reports: each build in its own transaction, as the worker builds each job; \"cold\" is the first build in a new "
        "process (Chromium started; a figure the pages above asked for in the same way comes from their snapshot, the "
        "others are computed), \"warm\" the best of the next two (every figure from a snapshot). CSV: the export in a "
        "child process, its rows a second and its peak memory above its start.",
        "",
        "\"As read\": the page as the office opens it on data unchanged since its figures were last computed (by a reader "
        "or by the worker, which computes again every minute the snapshots people read once their data has changed). "
        "\"Computed\": the same page with snapshots off: what it costs when no snapshot of its data exists yet, and what "
        "the worker spends on it. A page opened after a change and before the refresh shows the snapshot of the older "
        "data (for at most `SNAPSHOT_STALE_SECONDS`, 600 s) and says from when; the stats API and the reports never do.",
        "",
        "Where a page's main aggregate takes a millisecond or less, \"at most 5x its bare SQL\" measures the page's fixed",
        "cost, not its scaling: see the same page on an empty database (its column). Proposed: the time above the empty",
        "database's at most 5x the bare SQL (last column), with the 1 s ceiling unchanged.",
        "",
        *machine_facts(),
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "sanqu-bench")
    parser.add_argument("--reseed", action="store_true", help="seed again even when the cached database matches")
    parser.add_argument("--no-reports", action="store_true")
    parser.add_argument("--no-export", action="store_true")
    parser.add_argument("--write-docs", action="store_true", help="replace the scale section of docs/BENCHMARKS.md")
    args = parser.parse_args()
    results = []
    empties: dict[str, dict[tuple[str, str], float]] = {}
    for engine in args.engines.split(","):  # each page's fixed cost: the same page with no responses
        empty_pages, _ = pages(Cached(engine, 0, args.cache, args.reseed), args.repeat)
        empties[engine] = {(page, scope): seconds for page, scope, seconds, _bare in empty_pages}
    for n in (int(s) for s in args.sizes.split(",")):
        for engine in args.engines.split(","):
            db = Cached(engine, n, args.cache, args.reseed)
            found: dict[str, Any] = {"db": db, "empty": empties[engine]}
            found["pages"], found["rss_kb"] = pages(db, args.repeat)
            found["snapshot_pages"], _ = pages(db, args.repeat, snapshots=True)
            found["refresh"] = child(db, "refresh")
            print(f"[{engine} {n:,}] refresh: {found['refresh']}", flush=True)
            if not args.no_reports:
                found["reports"] = child(db, "reports")
                print(f"[{engine} {n:,}] reports: {found['reports']}", flush=True)
            if not args.no_export:
                found["export"] = child(db, "export", str(db.workdir / "awareness.csv"))
                print(f"[{engine} {n:,}] export: {found['export']}", flush=True)
            results.append(found)
    block = markdown(results, args)
    print(block)
    if args.write_docs:
        replace_section("scale", "Scale (`benchmarks/scale.py`)", block)
    return 0


if __name__ == "__main__":
    sys.exit(main())
