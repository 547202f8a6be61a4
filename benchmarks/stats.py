"""Stats benchmark: how long the evaluation figures take over 100,000 responses.

    .venv/bin/python benchmarks/stats.py [--responses 100000] [--repeat 10] [--write-docs]

A fresh SQLite demo database with N seeded responses (`seed-demo --responses N`), gunicorn on
127.0.0.1; timed over HTTP with one client: `GET /api/v1/stats/prepost` for the programme and
for 平江县, the programme's call again with a new submission posted (untimed) before each call,
so that every call is the first after new data (nothing computed before can answer it; the
benchmark checks that each reply counts the new response), the awareness dashboard page
(logged in as the programme office), and, in the same run on the same rows, the bare SQL
aggregate of the awareness index by wave (one GROUP BY through the sqlite3 driver).  Median and
worst of R calls each, after one warm-up call.
Goal (issue 4): <= 300 ms per stats call and <= 3x the bare SQL.
"""
from __future__ import annotations

import argparse
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import Server, SubmissionMaker, app_env, flask, machine_facts, replace_section

GOAL_MS, GOAL_RATIO = 300.0, 3.0
BARE_SQL = (
    "SELECT r.wave, count(*), avg(s.score) FROM responses r JOIN index_scores s ON s.response_id = r.id"
    " WHERE r.questionnaire_id = 'awareness' AND s.index_id = 'awareness' AND NOT r.excluded GROUP BY r.wave"
)


def timed(call, repeat: int, before=None) -> tuple[float, float]:
    """Median and worst of ``repeat`` calls after a warm-up, ``before()`` (untimed) ahead of each."""
    times = []
    for n in range(repeat + 1):
        if before is not None:
            before()
        t0 = time.perf_counter()
        call()
        if n:  # the first is the warm-up
            times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), max(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sanqu-stats-") as tmp:
        workdir = Path(tmp)
        db_path = workdir / "stats.db"
        env = app_env(f"sqlite:///{db_path}", workdir)
        print(f"seeding {args.responses} responses", flush=True)
        for command in (["db", "upgrade"], ["questionnaires", "load"], ["seed-demo", "--responses", str(args.responses)]):
            flask(env, *command)
        token = flask(env, "tokens", "issue", "admin").strip().splitlines()[-1].strip()
        server = Server(env, 2, 4, workdir / "gunicorn.log")
        try:
            server.wait_ready()
            api = requests.Session()
            api.headers["Authorization"] = f"Bearer {token}"
            staff = requests.Session()
            login = staff.get(server.base + "/login").text
            csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login).group(1)
            staff.post(server.base + "/login", data={"username": "admin", "password": "sanqu-demo-2026", "csrf_token": csrf})

            def get(session, path):
                def call():
                    reply = session.get(server.base + path, timeout=60)
                    reply.raise_for_status()
                    return reply
                return call

            programme = get(api, "/api/v1/stats/prepost?questionnaire=awareness&index=awareness")
            n_pairs = programme().json()["n_pairs"]
            county = get(api, "/api/v1/stats/prepost?questionnaire=awareness&index=awareness&county=430626")
            maker = SubmissionMaker(api.get(server.base + "/api/v1/questionnaires/awareness", timeout=10).json(), tag="S")
            rng = random.Random(4)
            seen = [programme().json()["n_pre_only"]]

            def submit():  # a baseline of a new respondent: one more respondent without follow-up
                api.post(server.base + "/api/v1/submissions", json=maker.make(rng), timeout=60).raise_for_status()

            def programme_after_submit():
                n_pre_only = programme().json()["n_pre_only"]
                if n_pre_only != seen[-1] + 1:
                    raise RuntimeError(f"the stats call did not count the response just stored ({seen[-1]} -> {n_pre_only})")
                seen.append(n_pre_only)

            rows = {
                "stats/prepost, programme": timed(programme, args.repeat),
                "stats/prepost, 平江县": timed(county, args.repeat),
                "stats/prepost, programme, first call after a submission": timed(programme_after_submit, args.repeat, submit),
                "dashboard page (programme)": timed(get(staff, "/dashboard/awareness"), args.repeat),
            }
            connection = sqlite3.connect(db_path)
            rows["bare SQL: index by wave"] = timed(lambda: connection.execute(BARE_SQL).fetchall(), args.repeat)
            connection.close()
        finally:
            server.stop()
    bare = rows["bare SQL: index by wave"][0]
    lines = [
        f"Command: `benchmarks/stats.py --responses {args.responses} --repeat {args.repeat}` (SQLite, gunicorn 2x4, one client); "
        f"{n_pairs} pairs in the programme.",
        "",
        "| Call | median | worst | x bare SQL | Goal |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for label, (median, worst) in rows.items():
        is_stats = label.startswith("stats/")
        verdict = ("met" if median <= GOAL_MS and median <= GOAL_RATIO * bare else "not met") if is_stats else ""
        lines.append(f"| {label} | {median:.0f} ms | {worst:.0f} ms | {median / bare:.1f} | {verdict} |")
    lines += ["", *machine_facts()]
    block = "\n".join(lines) + "\n"
    print(block)
    if args.write_docs:
        replace_section("stats", "Stats (`benchmarks/stats.py`)", block)
    return 0


if __name__ == "__main__":
    sys.exit(main())
