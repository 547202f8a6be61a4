"""Reliability drills (issue 16), bounded and on the loopback only:

    .venv/bin/python benchmarks/drill.py [--only slow-clients] [--write-docs]      (make drill)

slow-clients  fifty sockets send a request's header a line a second, or its body a byte a second
              (tablets on 2G; a socket cut by the server is opened again), while
              one client submits in a loop for a fixed time: once straight to gunicorn as `make
              run` starts it, once through nginx as `make serve` and a deployment run it.  The
              latencies of the normal client's submissions are reported; every submission the
              server acknowledged must be in the database exactly once.

Exit status 0 when every check held (the latencies are reported, not judged: a drill measures).
"""
from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from fleet import Fleet, Tablet  # noqa: E402
from ingest import Server, SubmissionMaker, app_env, count_responses, flask, machine_facts, prepare_database, replace_section  # noqa: E402

from deploy import front as front_module  # noqa: E402
from tests.slow_clients import SlowClients  # noqa: E402
from tests.switch_proxy import SwitchProxy  # noqa: E402

SLOW_SOCKETS = 50
SECONDS = 20.0
REQUEST_TIMEOUT = 10.0
PACE = 20  # submissions a second from the normal client


@dataclass
class Leg:
    name: str
    gap: float = 0.0
    latencies: list[float] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)
    acknowledged: int = 0
    attempted: int = 0
    stored_at: list[float] = field(default_factory=list)  # when each acknowledged one came back

    def longest_gap(self, start: float, end: float) -> float:
        """The longest stretch with no submission stored: what the other tablets felt."""
        marks = [start, *self.stored_at, end]
        return max(b - a for a, b in itertools.pairwise(marks))

    def line(self) -> str:
        done = sorted(self.latencies)
        gap = f"{self.gap:.1f} s"
        failed = ", ".join(f"{n} {why}" for why, n in sorted(self.failures.items())) or "0"
        if not done:
            return f"| {self.name} | 0 | {failed} | — | — | — | {gap} |"
        p95 = done[min(len(done) - 1, int(0.95 * len(done)))]
        median, slowest = statistics.median(done) * 1000, done[-1] * 1000
        return f"| {self.name} | {len(done)} | {failed} | {median:.0f} ms | {p95 * 1000:.0f} ms | {slowest:.0f} ms | {gap} |"


def submit_for(base: str, token: str, maker: SubmissionMaker, seconds: float, leg: Leg) -> None:
    import random

    rng = random.Random(7)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    began = time.monotonic()
    end = began + seconds
    with requests.Session() as http:
        while time.monotonic() < end:
            body = maker.make(rng)
            start = time.perf_counter()
            leg.attempted += 1
            try:
                reply = http.post(f"{base}/api/v1/submissions", json=body, headers=headers, timeout=REQUEST_TIMEOUT)
            except requests.RequestException as exc:
                leg.failures[type(exc).__name__] = leg.failures.get(type(exc).__name__, 0) + 1
                continue
            if reply.status_code == 201:
                leg.latencies.append(time.perf_counter() - start)
                leg.acknowledged += 1
                leg.stored_at.append(time.monotonic())
            else:
                leg.failures[f"HTTP {reply.status_code}"] = leg.failures.get(f"HTTP {reply.status_code}", 0) + 1
            # paced as a few tablets syncing (PACE a second), not as fast as the loopback allows
            time.sleep(max(0.0, 1 / PACE - (time.perf_counter() - start)))
    leg.gap = leg.longest_gap(began, time.monotonic())


def _prepared(engine: str, workdir: Path, pg_url: str) -> tuple[str, dict[str, str], str]:
    url = prepare_database(engine, workdir, pg_url)
    env = app_env(url, workdir)
    flask(env, "db", "upgrade")
    flask(env, "questionnaires", "load")
    flask(env, "seed-demo", "--responses", "0")
    token = flask(env, "tokens", "issue", "admin").strip().splitlines()[-1].strip()
    return url, env, token


def slow_clients(engine: str, pg_url: str) -> tuple[list[Leg], list[str]]:
    problems: list[str] = []
    legs: list[Leg] = []
    with tempfile.TemporaryDirectory(prefix="sanqu-drill-") as tmp:
        workdir = Path(tmp)
        url, env, token = _prepared(engine, workdir, pg_url)
        for name in ("gunicorn alone (make run)", "nginx in front (make serve)"):
            leg = Leg(name)
            if name.startswith("nginx"):
                running = front_module.start(env=env, runtime=workdir / "front")
                base, port, stop = running.base, running.port, running.stop
            else:
                server = Server(env, 2, 4, workdir / "gunicorn.log")
                server.wait_ready()
                base, port, stop = server.base, server.port, server.stop
            try:
                definition = requests.get(f"{base}/api/v1/questionnaires/awareness", headers={"Authorization": f"Bearer {token}"},
                                          timeout=10).json()
                maker = SubmissionMaker(definition, tag="D" if name.startswith("gunicorn") else "N")
                slow = SlowClients(port, n=SLOW_SOCKETS, gap=1.0).start()
                time.sleep(1.0)  # every slow socket has begun
                before = count_responses(url)
                submit_for(base, token, maker, SECONDS, leg)
                slow.stop()
            finally:
                stop()
            stored = count_responses(url) - before
            # a request the client gave up on may still have been stored (never twice: its uuid)
            if not leg.acknowledged <= stored <= leg.attempted:
                problems.append(f"{name}: {leg.acknowledged} acknowledged, {leg.attempted} sent, but {stored} stored")
            legs.append(leg)
            print(leg.line(), flush=True)
    return legs, problems


def markdown(engine: str, legs: list[Leg], problems: list[str]) -> str:
    lines = [
        f"Slow clients on {engine}: {SLOW_SOCKETS} sockets sending a header a line a second or a body a byte a second (a "
        f"socket the server cuts is opened again), while one client "
        f"submits {PACE} a second for {SECONDS:.0f} s (each request given up after {REQUEST_TIMEOUT:.0f} s).",
        "",
        "| Server | Submissions stored | Failed | Median | p95 | Slowest | Longest time with none stored |",
        "|---|---|---|---|---|---|---|",
        *[leg.line() for leg in legs],
        "",
        *machine_facts(),
        f"- Checks: {'every acknowledged submission stored, none twice' if not problems else '; '.join(problems)}",
        "",
    ]
    return "\n".join(lines) + "\n"


# -- a fleet of tablets through failures ------------------------------------------------------------

TABLETS = 8


@dataclass
class Outcome:
    scenario: str
    engine: str
    delivered: int = 0
    stored: int = 0
    seen: dict[str, int] = field(default_factory=dict)
    note: str = ""
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        seen = ", ".join(f"{n}× {k}" for k, n in sorted(self.seen.items(), key=lambda kv: str(kv[0])))
        verdict = "every delivered response stored once" if not self.problems else "; ".join(self.problems)
        return f"| {self.scenario} | {self.engine} | {self.delivered} | {self.stored} | {seen} | {self.note} | {verdict} |"


def _stored_uuids(url: str) -> tuple[set[str], int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = list(conn.execute(text("SELECT uuid FROM responses")).scalars())
    finally:
        engine.dispose()
    return set(rows), len(rows)


def _judge(outcome: Outcome, fleet: Fleet, url: str, drained: bool) -> Outcome:
    stored, rows = _stored_uuids(url)
    delivered = fleet.delivered()
    outcome.delivered, outcome.stored = len(delivered), rows
    outcome.seen = {str(k): v for k, v in fleet.seen().items()}
    if not drained:
        outcome.problems.append("some tablets could not empty their queue")
    if rows != len(stored):
        outcome.problems.append(f"{rows - len(stored)} responses stored twice")
    if delivered - stored:
        outcome.problems.append(f"{len(delivered - stored)} delivered responses missing")
    if stored - delivered:
        outcome.problems.append(f"{len(stored - delivered)} stored responses no tablet holds as delivered")
    if any(k.startswith("5") and k not in ("503",) for k in outcome.seen):
        outcome.problems.append("a 5xx other than 503")
    return outcome


def _fleet(base: str, token: str, server_base) -> Fleet:
    definition = requests.get(f"{base}/api/v1/questionnaires/awareness", headers={"Authorization": f"Bearer {token}"}, timeout=10).json()
    return Fleet([Tablet(token, SubmissionMaker(definition, tag=f"T{i}")) for i in range(TABLETS)], server_base)


def kill_under_load(engine: str, pg_url: str) -> Outcome:
    """kill -9 of gunicorn (master and workers) three times while eight tablets send."""
    import os
    import signal

    outcome = Outcome("kill -9 three times under load", engine)
    with tempfile.TemporaryDirectory(prefix="sanqu-drill-") as tmp:
        workdir = Path(tmp)
        url, env, token = _prepared(engine, workdir, pg_url)
        current = [Server(env, 2, 4, workdir / "gunicorn-0.log")]
        current[0].wait_ready()
        fleet = _fleet(current[0].base, token, lambda: current[0].base).start()
        try:
            for n in range(1, 4):
                time.sleep(3)
                os.killpg(current[0].proc.pid, signal.SIGKILL)
                current[0].stop()
                time.sleep(1)  # down for a moment: the tablets keep their queues
                replacement = Server(env, 2, 4, workdir / f"gunicorn-{n}.log")
                replacement.wait_ready()
                current[0] = replacement
            time.sleep(3)
        finally:
            fleet.stop()
        drained = fleet.drain()
        current[0].stop()
        outcome.note = "3 kills, 1 s down each"
        return _judge(outcome, fleet, url, drained)


def database_outage(engine: str, pg_url: str) -> Outcome:
    """The database out of reach (PostgreSQL: its connections cut, then refused) or held (SQLite:
    the write lock taken by another process) for 5 s while eight tablets send."""
    import sqlite3

    from sqlalchemy import make_url

    outcome = Outcome("database unreachable or locked for 5 s", engine)
    with tempfile.TemporaryDirectory(prefix="sanqu-drill-") as tmp:
        workdir = Path(tmp)
        url, env, token = _prepared(engine, workdir, pg_url)
        env = {**env, "RETRY_AFTER_SECONDS": "1", "DATABASE_BUSY_TIMEOUT": "1", "DATABASE_CONNECT_TIMEOUT": "1"}
        proxy = None
        if engine == "postgresql":
            parsed = make_url(url)
            proxy = SwitchProxy((parsed.host or "127.0.0.1", parsed.port or 5432))
            env["DATABASE_URL"] = parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        server = Server(env, 2, 4, workdir / "gunicorn.log")
        server.wait_ready()
        fleet = _fleet(server.base, token, lambda: server.base).start()
        try:
            time.sleep(3)
            if proxy is not None:
                proxy.set("down")
                time.sleep(5)
                proxy.set("up")
            else:
                holder = sqlite3.connect(make_url(url).database or "", isolation_level=None)
                holder.execute("BEGIN IMMEDIATE")
                time.sleep(5)
                holder.rollback()
                holder.close()
            time.sleep(4)
        finally:
            fleet.stop()
        drained = fleet.drain()
        ready = requests.get(f"{server.base}/readyz", timeout=10).status_code
        server.stop()
        if proxy is not None:
            proxy.close()
        outcome.note = f"/readyz afterwards: {ready}"
        if ready != 200:
            outcome.problems.append("not ready after the outage")
        return _judge(outcome, fleet, url, drained)


def restore_refill(engine: str, pg_url: str) -> Outcome:
    """A backup taken under load, more delivered after it, the backup restored: the tablets'
    refill brings back exactly what the restore took."""
    outcome = Outcome("backup under load, restore, tablets refill", engine)
    with tempfile.TemporaryDirectory(prefix="sanqu-drill-") as tmp:
        workdir = Path(tmp)
        url, env, token = _prepared(engine, workdir, pg_url)
        server = Server(env, 2, 4, workdir / "gunicorn.log")
        server.wait_ready()
        current = [server]
        fleet = _fleet(server.base, token, lambda: current[0].base).start()
        try:
            time.sleep(3)
            flask(env, "backup", "--out", str(workdir / "under-load.sanqu-backup"))
            time.sleep(3)
        finally:
            fleet.stop()
        drained = fleet.drain()
        before, _ = _stored_uuids(url)
        server.stop()
        flask(env, "restore", str(workdir / "under-load.sanqu-backup"), "--yes")
        taken, _ = _stored_uuids(url)
        current[0] = Server(env, 2, 4, workdir / "gunicorn-after.log")
        current[0].wait_ready()
        refilled = fleet.refill()
        drained = fleet.drain() and drained
        current[0].stop()
        outcome.note = f"the restore took back {len(before - taken)}; the tablets sent {refilled} again"
        if refilled != len(before - taken):
            outcome.problems.append(f"{len(before - taken)} taken back but {refilled} sent again")
        return _judge(outcome, fleet, url, drained)


def fleet_markdown(outcomes: list[Outcome]) -> str:
    return "\n".join([
        "Eight simulated tablets, each interviewing every 0.05 s and sending as `sync.js` does (an item leaves the queue only "
        "on 201 or 200; anything else keeps it, at least Retry-After), against gunicorn as `make run` starts it.",
        "",
        "| Drill | Engine | Delivered (acknowledged) | Rows stored | Replies seen | What happened | Check |",
        "|---|---|---|---|---|---|---|",
        *[o.line() for o in outcomes],
        "",
        *machine_facts(),
        "",
    ]) + "\n"


SCENARIOS = {"kill": kill_under_load, "outage": database_outage, "restore": restore_refill}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Reliability drills (issue 16)")
    parser.add_argument("--only", choices=["slow-clients", *SCENARIOS], default=None)
    parser.add_argument("--engines", default="sqlite,postgresql", help="for the fleet drills")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/sanqu_drill")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args(argv)
    problems: list[str] = []
    if args.only in (None, "slow-clients"):
        if front_module.nginx_binary() is None:
            print("nginx is not installed (Debian: apt install nginx)", file=sys.stderr)
            return 1
        print("| Server | Submissions stored | Failed | Median | p95 | Slowest | Longest time with none stored |", flush=True)
        legs, found = slow_clients("sqlite", args.pg_url)
        problems += found
        if args.write_docs:
            replace_section("drill-slow-clients", "Drill: slow clients (`benchmarks/drill.py`)", markdown("sqlite", legs, found))
    outcomes: list[Outcome] = []
    for name, scenario in SCENARIOS.items():
        if args.only not in (None, name):
            continue
        for engine in args.engines.split(","):
            outcome = scenario(engine, args.pg_url)
            print(outcome.line(), flush=True)
            outcomes.append(outcome)
            problems += [f"{outcome.scenario} ({engine}): {p}" for p in outcome.problems]
    if args.write_docs and outcomes and args.only is None:
        replace_section("drill-fleet", "Drill: tablets through kills, outages and a restore (`benchmarks/drill.py`)",
                        fleet_markdown(outcomes))
    for problem in problems:
        print("PROBLEM:", problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
