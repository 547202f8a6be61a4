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
from ingest import Server, SubmissionMaker, app_env, count_responses, flask, machine_facts, prepare_database, replace_section  # noqa: E402

from deploy import front as front_module  # noqa: E402
from tests.slow_clients import SlowClients  # noqa: E402

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


def slow_clients(engine: str, pg_url: str) -> tuple[list[Leg], list[str]]:
    problems: list[str] = []
    legs: list[Leg] = []
    with tempfile.TemporaryDirectory(prefix="sanqu-drill-") as tmp:
        workdir = Path(tmp)
        url = prepare_database(engine, workdir, pg_url)
        env = app_env(url, workdir)
        flask(env, "db", "upgrade")
        flask(env, "questionnaires", "load")
        flask(env, "seed-demo", "--responses", "0")
        token = flask(env, "tokens", "issue", "admin").strip().splitlines()[-1].strip()
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Reliability drills (issue 16)")
    parser.add_argument("--only", choices=["slow-clients"], default=None)
    parser.add_argument("--engine", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/sanqu_drill")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args(argv)
    if front_module.nginx_binary() is None:
        print("nginx is not installed (Debian: apt install nginx)", file=sys.stderr)
        return 1
    print("| Server | Submissions stored | Failed | Median | p95 | Slowest | Longest time with none stored |", flush=True)
    legs, problems = slow_clients(args.engine, args.pg_url)
    if args.write_docs:
        replace_section("drill-slow-clients", "Drill: slow clients (`benchmarks/drill.py`)", markdown(args.engine, legs, problems))
    for problem in problems:
        print("PROBLEM:", problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
