"""Ingest benchmark: how many valid submissions per second the API stores, under gunicorn.

    .venv/bin/python benchmarks/ingest.py [--clients 16] [--seconds 15] [--engines sqlite,postgresql]
                                          [--workers 4] [--threads 4] [--write-docs]

For each engine it builds a fresh database (SQLite in a temporary folder; PostgreSQL as the
dedicated database ``sanqu_bench``, dropped and re-created), prepares it with the app's own
commands (``db upgrade``, ``questionnaires load``, ``seed-demo --responses 0``, ``tokens issue
admin``), starts gunicorn on 127.0.0.1, posts valid ``awareness`` submissions from N client
threads for a fixed time, then measures ``GET /healthz`` the same way as the baseline, and checks
that the ``responses`` table holds exactly as many rows as the server answered 201.

All traffic goes to 127.0.0.1; every loop is bounded by the duration.  Exit status: 0 when every
request succeeded and the row count matches, 1 otherwise (meeting the throughput goal or not does
not change the exit status; the report says it).
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import datetime as dt
import http.client
import itertools
import json
import math
import os
import platform
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid as uuidlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import requests

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "BENCHMARKS.md"
BEGIN, END = "<!-- ingest:begin -->", "<!-- ingest:end -->"

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/sanqu_bench"
CST = dt.timezone(dt.timedelta(hours=8))
COUNTY, TEAM, WAVE = "430626", "PJ01", "pre"  # 平江县 and its service team
GOAL_RATE, GOAL_RATIO = 200.0, 0.4
#: issue 16: server CPU per submission at most this many times healthz's, per engine
GOAL_CPU_RATIO = {"sqlite": 3.0, "postgresql": 4.0}
WARMUP_SECONDS = 3.0
#: submissions made ahead per second of load (more than the server has taken here)
PREMADE_PER_SECOND = 2000
MAX_ERROR_BODIES = 5


# -- the database ----------------------------------------------------------------------------------
def prepare_database(engine: str, workdir: Path, pg_url: str) -> str:
    """Create an empty database for ``engine`` and return its SQLAlchemy URL."""
    if engine == "sqlite":
        return f"sqlite:///{workdir / 'bench.db'}"
    if engine == "postgresql":
        from sqlalchemy.engine import make_url

        url = make_url(pg_url)
        name = url.database or ""
        if name in ("", "test", "postgres", "template0", "template1") or not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            raise SystemExit(f"refusing to drop database {name!r}: use a dedicated one such as sanqu_bench")
        if url.host not in (None, "127.0.0.1", "localhost", "::1"):
            raise SystemExit(f"refusing a non-local PostgreSQL host {url.host!r}")
        import psycopg

        with psycopg.connect(
            host=url.host or "127.0.0.1", port=url.port or 5432, user=url.username or "postgres",
            password=url.password, dbname="postgres", autocommit=True, connect_timeout=10,
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return url.render_as_string(hide_password=False)
    raise SystemExit(f"unknown engine {engine!r} (sqlite or postgresql)")


def app_env(database_url: str, workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        SANQU_INSTANCE=str(workdir / "instance"),
        SECRET_KEY="ingest-benchmark-" + uuidlib.uuid4().hex,
        PYTHONUNBUFFERED="1",
    )
    return env


def flask(env: dict[str, str], *args: str) -> str:
    """Run ``flask --app wsgi ARGS`` from the venv and return its stdout; fail loudly."""
    cmd = [sys.executable, "-m", "flask", "--app", "wsgi", *args]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)  # noqa: S603
    if done.returncode != 0:
        raise RuntimeError(f"`flask --app wsgi {' '.join(args)}` failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def count_responses(database_url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM responses")).scalar_one())
    finally:
        engine.dispose()


# -- the server ------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn in its own process group, so that it and its workers can always be stopped."""

    def __init__(self, env: dict[str, str], workers: int, threads: int, logfile: Path, app: str = "wsgi:app") -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.logfile = logfile
        self._log = open(logfile, "w")  # noqa: SIM115 (closed by stop())
        cmd = [
            sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", "gthread", "--threads", str(threads),
            "--bind", f"127.0.0.1:{self.port}", "--graceful-timeout", "5", "--timeout", "60",
            "--no-control-socket", app,  # the default socket in ~/.gunicorn is shared by every gunicorn
        ]
        self.proc = subprocess.Popen(  # noqa: S603
            cmd, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if requests.get(self.base + "/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer /healthz within {timeout:.0f}s:\n{self.log_tail()}")

    def log_tail(self, n: int = 30) -> str:
        self._log.flush()
        try:
            return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
            except ProcessLookupError:
                pass
        # Workers left behind by a master that died first share its process group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self._log.close()


# -- where the CPU went ----------------------------------------------------------------------------
@dataclass
class Cpu:
    """CPU seconds spent during one measurement: the whole machine (busy and idle), gunicorn
    (master and workers), PostgreSQL's processes, and this benchmark's own client threads."""

    busy: float = 0.0
    idle: float = 0.0
    gunicorn: float = 0.0
    postgres: float = 0.0
    client: float = 0.0

    @property
    def other(self) -> float:
        """Busy time of everything else on the machine (kernel work for sockets included)."""
        return max(0.0, self.busy - self.gunicorn - self.postgres - self.client)


@dataclass
class CpuSnapshot:
    busy: float = 0.0
    idle: float = 0.0
    client: float = 0.0
    procs: dict[int, tuple[str, float]] = field(default_factory=dict)  # pid -> (gunicorn | postgres, seconds)

    @classmethod
    def take(cls, gunicorn_pgrp: int) -> CpuSnapshot:
        tick = os.sysconf("SC_CLK_TCK")
        snap = cls(client=time.process_time())
        try:
            fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
            snap.idle = (fields[3] + fields[4]) / tick  # idle + iowait
            snap.busy = sum(fields[:8]) / tick - snap.idle  # user .. steal
            for entry in Path("/proc").iterdir():
                if not entry.name.isdigit():
                    continue
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue  # the process ended
                comm = stat[stat.index("(") + 1 : stat.rindex(")")]
                rest = stat[stat.rindex(")") + 2 :].split()
                used = (int(rest[11]) + int(rest[12])) / tick  # utime + stime
                if int(rest[2]) == gunicorn_pgrp:
                    snap.procs[int(entry.name)] = ("gunicorn", used)
                elif comm.startswith(("postgres", "postmaster")):
                    snap.procs[int(entry.name)] = ("postgres", used)
        except (OSError, ValueError, IndexError):
            pass  # not Linux: only the client's own time is known
        return snap

    def since(self, before: CpuSnapshot) -> Cpu:
        """Per process, so that a process that ends or starts in between does not skew the sum."""
        cpu = Cpu(busy=self.busy - before.busy, idle=self.idle - before.idle, client=self.client - before.client)
        for pid, (kind, used) in self.procs.items():
            was = before.procs.get(pid)
            delta = used - (was[1] if was and was[0] == kind else 0.0)
            setattr(cpu, kind, getattr(cpu, kind) + max(0.0, delta))
        return cpu


# -- submissions -----------------------------------------------------------------------------------
class SubmissionMaker:
    """Valid ``awareness`` submissions built from the definition the API serves.

    Questions with a ``relevant`` condition are left out: ``contacted_sw`` is always "no", which
    makes them not relevant (so neither their ``required`` nor their ``constraint`` applies).  A
    multi-choice question with a "none" option gets either ["none"] or a set without it (the
    household question's exclusivity constraint).
    """

    FIXED: ClassVar[dict[str, str]] = {"contacted_sw": "no"}

    def __init__(self, definition: dict[str, Any], tag: str) -> None:
        self.definition = definition
        self.version = int(definition["version"])
        self.qid = definition["id"]
        self.tag = tag
        self.counter = itertools.count(1)
        self.scales = definition.get("scales") or {}
        self.questions = [q for s in definition["sections"] for q in s["questions"]]
        for qid in self.FIXED:
            if qid not in {q["id"] for q in self.questions}:
                raise RuntimeError(f"the {self.qid} questionnaire has no question {qid!r}: update the benchmark")

    def _scale(self, question: dict[str, Any]) -> tuple[int, int]:
        scale = question.get("scale")
        if isinstance(scale, str):
            scale = self.scales[scale]
        return int(scale["min"]), int(scale["max"])

    def _value(self, q: dict[str, Any], rng: random.Random) -> Any:
        if q["id"] in self.FIXED:
            return self.FIXED[q["id"]]
        kind = q["type"]
        values = [o["value"] for o in q.get("options", [])]
        if kind == "single":
            return rng.choice(values)
        if kind == "multi":
            others = [v for v in values if v != "none"]
            if "none" in values and rng.random() < 0.2:
                return ["none"]
            return rng.sample(others, rng.randint(1, min(2, len(others))))
        if kind == "likert":
            lo, hi = self._scale(q)
            return rng.randint(lo, hi)
        if kind == "number":
            lo = q.get("min", 0)
            hi = q.get("max", lo + 10)
            return rng.randint(int(lo), int(hi))
        if kind == "text":
            return "基准测试"
        if kind == "date":
            return dt.date.today().isoformat()
        raise RuntimeError(f"question {q['id']}: unknown type {kind!r}")

    def make(self, rng: random.Random) -> dict[str, Any]:
        n = next(self.counter)  # atomic under the GIL: codes are unique across threads
        answers = {q["id"]: self._value(q, rng) for q in self.questions if "relevant" not in q}
        completed = dt.datetime.now(CST).replace(microsecond=0) - dt.timedelta(minutes=rng.randint(1, 600))
        started = completed - dt.timedelta(minutes=rng.randint(8, 20))
        return {
            "uuid": str(uuidlib.uuid4()),
            "questionnaire": self.qid,
            "version": self.version,
            "county": COUNTY,
            "team": TEAM,
            "wave": WAVE,
            "respondent_code": f"PJ-B{self.tag}{n:07d}",
            "started_at": started.isoformat(),
            "completed_at": completed.isoformat(),
            "answers": answers,
        }


# -- load ------------------------------------------------------------------------------------------
@dataclass
class Run:
    ok: int = 0
    errors: int = 0
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)
    cpu: Cpu = field(default_factory=Cpu)

    def ms_per_request(self, seconds: float) -> float:
        done = self.ok + self.errors
        return seconds / done * 1000 if done else float("nan")

    @property
    def rate(self) -> float:
        return self.ok / self.elapsed if self.elapsed else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        data = sorted(self.latencies)
        return data[min(len(data) - 1, max(0, math.ceil(p / 100 * len(data)) - 1))] * 1000


class Http:
    """A keep-alive HTTP/1.1 connection for one client thread.

    The standard library's client, not requests: the load generator shares the machine's two
    cores with the server, and requests cost about 2 ms of CPU per call, which the server then
    lacks (it flattered the ratio to the trivial endpoint and held back both rates).
    """

    def __init__(self, base: str) -> None:
        parsed = urllib.parse.urlsplit(base)
        self.host, self.port = parsed.hostname or "127.0.0.1", parsed.port or 80
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, str]:
        try:
            self.conn.request(method, path, body=body, headers=headers or {})
            reply = self.conn.getresponse()
            return reply.status, reply.read().decode("utf-8", "replace")
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            raise

    def close(self) -> None:
        self.conn.close()


def load(server: Server, clients: int, seconds: float, request: Any, expect: int, stop: threading.Event) -> Run:
    """``clients`` threads, each with its own keep-alive connection, call ``request(http, rng)``
    until the deadline; a reply other than ``expect`` (or an exception) is an error."""
    run = Run()
    lock = threading.Lock()
    start_barrier = threading.Barrier(clients + 1)
    deadline = [0.0]

    def client(i: int) -> None:
        rng = random.Random(i * 7919 + int(time.time()))
        ok = errors = 0
        lat: list[float] = []
        samples: list[str] = []
        connection = Http(server.base)
        try:
            start_barrier.wait()
            while not stop.is_set() and time.perf_counter() < deadline[0]:
                t0 = time.perf_counter()
                try:
                    status, body = request(connection, rng)
                except (http.client.HTTPException, OSError) as exc:
                    status, body = None, repr(exc)
                lat.append(time.perf_counter() - t0)
                if status == expect:
                    ok += 1
                else:
                    errors += 1
                    if len(samples) < MAX_ERROR_BODIES:
                        samples.append(f"{status}: {body[:500].strip()}")
        finally:
            connection.close()
        with lock:
            run.ok += ok
            run.errors += errors
            run.latencies.extend(lat)
            run.error_samples.extend(samples[: MAX_ERROR_BODIES - len(run.error_samples)])

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    cpu0 = CpuSnapshot.take(server.proc.pid)
    t0 = time.perf_counter()
    deadline[0] = t0 + seconds
    start_barrier.wait()
    for t in threads:
        t.join(timeout=seconds + 120)
    run.elapsed = time.perf_counter() - t0
    run.cpu = CpuSnapshot.take(server.proc.pid).since(cpu0)
    if any(t.is_alive() for t in threads):
        stop.set()
        raise RuntimeError("client threads did not finish in time")
    return run


# -- one engine ------------------------------------------------------------------------------------
@dataclass
class Result:
    engine: str
    settings: str
    clients: int
    seconds: float
    submit: Run
    health: Run
    warmup_ok: int
    rows: int
    made_late: int = 0

    @property
    def expected_rows(self) -> int:
        return self.warmup_ok + self.submit.ok

    @property
    def ratio(self) -> float:
        return self.submit.rate / self.health.rate if self.health.rate else 0.0

    @property
    def rows_ok(self) -> bool:
        return self.rows == self.expected_rows

    def server_ms(self, run: Run) -> float:
        """Server-side CPU per request (gunicorn and the database's processes), milliseconds."""
        return run.ms_per_request(run.cpu.gunicorn + run.cpu.postgres)

    @property
    def cpu_ratio(self) -> float:
        """A submission's server CPU over healthz's, from the same run: what the code costs,
        whatever the machine lends the client (the measure since issue 16)."""
        base = self.server_ms(self.health)
        return self.server_ms(self.submit) / base if base > 0 else float("nan")

    @property
    def failed(self) -> bool:
        return bool(self.submit.errors or self.health.errors) or not self.rows_ok


def bench_engine(engine: str, args: argparse.Namespace, stop: threading.Event) -> Result:
    with tempfile.TemporaryDirectory(prefix=f"sanqu-ingest-{engine}-") as tmp:
        workdir = Path(tmp)
        url = prepare_database(engine, workdir, args.pg_url)
        env = app_env(url, workdir)
        print(f"[{engine}] preparing the database", flush=True)
        flask(env, "db", "upgrade")
        flask(env, "questionnaires", "load")
        flask(env, "seed-demo", "--responses", "0")
        token = flask(env, "tokens", "issue", "admin").strip().splitlines()[-1].strip()

        settings = f"gunicorn gthread {args.workers}w x {args.threads}t" + (f" ({args.app})" if args.app != "wsgi:app" else "")
        print(f"[{engine}] starting {settings}", flush=True)
        server = Server(env, args.workers, args.threads, workdir / "gunicorn.log", args.app)
        try:
            server.wait_ready()
            headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
            reply = requests.get(server.base + "/api/v1/questionnaires/awareness", headers=headers, timeout=10)
            reply.raise_for_status()
            maker = SubmissionMaker(reply.json(), tag=engine[0].upper())
            post_headers = {**headers, "Content-Type": "application/json"}

            # Bodies are made before the clock starts: the client shares the two cores with the
            # server, and making a submission costs it more than sending one.  Should the pool run
            # dry, the rest are made on the fly (and the report says how many).
            rng0 = random.Random(args.seconds)
            expected = int(PREMADE_PER_SECOND * (WARMUP_SECONDS + args.seconds))
            print(f"[{engine}] making {expected} submissions", flush=True)
            premade = collections.deque(json.dumps(maker.make(rng0), ensure_ascii=False).encode("utf-8") for _ in range(expected))
            made_late = [0]

            def post(connection: Http, rng: random.Random) -> tuple[int, str]:
                try:
                    body = premade.popleft()
                except IndexError:
                    made_late[0] += 1
                    body = json.dumps(maker.make(rng), ensure_ascii=False).encode("utf-8")
                return connection.request("POST", "/api/v1/submissions", body, post_headers)

            def health(connection: Http, _rng: random.Random) -> tuple[int, str]:
                return connection.request("GET", "/healthz")

            print(f"[{engine}] warm-up {WARMUP_SECONDS:.0f}s", flush=True)
            warm = load(server, args.clients, WARMUP_SECONDS, post, 201, stop)
            if warm.errors:
                report_errors(engine, "warm-up", warm)
            print(f"[{engine}] submissions: {args.clients} clients for {args.seconds:.0f}s", flush=True)
            submit_run = load(server, args.clients, args.seconds, post, 201, stop)
            print(f"[{engine}]   {submit_run.ok} created, {submit_run.errors} errors, {submit_run.rate:.1f}/s", flush=True)
            load(server, args.clients, 1.0, health, 200, stop)  # warm-up
            print(f"[{engine}] healthz: {args.clients} clients for {args.seconds:.0f}s", flush=True)
            health_run = load(server, args.clients, args.seconds, health, 200, stop)
            print(f"[{engine}]   {health_run.ok} ok, {health_run.errors} errors, {health_run.rate:.1f}/s", flush=True)
        except BaseException:
            print(f"[{engine}] gunicorn log tail:\n{server.log_tail()}", file=sys.stderr)
            raise
        else:
            if warm.errors or submit_run.errors or health_run.errors:
                print(f"[{engine}] gunicorn log tail:\n{server.log_tail(60)}", file=sys.stderr)
        finally:
            server.stop()
        rows = count_responses(url)
        report_errors(engine, "submissions", submit_run)
        report_errors(engine, "healthz", health_run)
        # Warm-up errors count as errors too (they were reported above).
        submit_run.errors += warm.errors
        submit_run.error_samples = (warm.error_samples + submit_run.error_samples)[:MAX_ERROR_BODIES]
        result = Result(engine, settings, args.clients, args.seconds, submit_run, health_run, warm.ok, rows, made_late[0])
        if not result.rows_ok:
            print(f"[{engine}] ROW COUNT MISMATCH: {rows} rows in responses, {result.expected_rows} answered 201", file=sys.stderr)
        return result


def report_errors(engine: str, phase: str, run: Run) -> None:
    if not run.errors:
        return
    print(f"[{engine}] {run.errors} failed request(s) during {phase}; first replies:", file=sys.stderr)
    for sample in run.error_samples:
        print("    " + sample, file=sys.stderr)


# -- report ----------------------------------------------------------------------------------------
def machine_facts() -> list[str]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return [
        f"- CPU: {model}, {os.cpu_count()} cores (client threads and server share them)",
        f"- Python {platform.python_version()}, {platform.system()} {platform.release()}",
        f"- Date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
    ]


def markdown(results: list[Result], command: str) -> str:
    lines = [
        f"Command: `{command}`",
        "",
        "| Engine | Server | Clients | Duration | Submissions/s | p50 | p95 | healthz req/s | Ratio | Rows check |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        check = f"ok ({r.rows} = {r.expected_rows})" if r.rows_ok else f"MISMATCH ({r.rows} rows, {r.expected_rows} created)"
        lines.append(
            f"| {r.engine} | {r.settings} | {r.clients} | {r.seconds:.0f} s | {r.submit.rate:.1f} | "
            f"{r.submit.pct(50):.0f} ms | {r.submit.pct(95):.0f} ms | {r.health.rate:.0f} | {r.ratio:.2f} | {check} |"
        )
    lines += [
        "",
        "**The measure since issue 16:** server CPU per request (gunicorn and PostgreSQL's processes), a submission "
        "against `healthz`, from the same run; goal at most 3 times on SQLite and 4 times on PostgreSQL.",
        "",
        "| Engine | Server CPU per submission | per healthz | Times | Goal | Submissions/s | healthz/s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        goal = GOAL_CPU_RATIO.get(r.engine, float("nan"))
        verdict = "met" if r.cpu_ratio <= goal else "not met"
        lines.append(f"| {r.engine} | {r.server_ms(r.submit):.2f} ms | {r.server_ms(r.health):.2f} ms | {r.cpu_ratio:.2f} | "
                     f"<= {goal:.0f}: **{verdict}** | {r.submit.rate:.0f} | {r.health.rate:.0f} |")
    lines.append("")
    for r in results:
        met = r.submit.rate >= GOAL_RATE and r.ratio >= GOAL_RATIO
        errs = f"{r.submit.errors + r.health.errors} failed requests" if (r.submit.errors or r.health.errors) else "no failed requests"
        lines.append(
            f"- {r.engine}: the earlier goal (>= {GOAL_RATE:.0f}/s and rate ratio >= {GOAL_RATIO}) {'met' if met else 'not met'}; "
            f"{r.submit.ok} submissions measured (+{r.warmup_ok} in warm-up), {errs}"
            + (f"; {r.made_late} submissions made during the run (the premade ones ran out)." if r.made_late else ".")
        )
    lines += [
        "",
        "Where the CPU went, in CPU milliseconds per request (machine idle: share of all cores' time unused):",
        "",
        "| Engine | Requests | gunicorn | PostgreSQL | benchmark client | other | machine idle |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        for label, run in (("submissions", r.submit), ("healthz", r.health)):
            c = run.cpu
            total = c.busy + c.idle
            idle = f"{c.idle / total * 100:.0f} %" if total > 0 else "?"
            lines.append(
                f"| {r.engine} | {label} | {run.ms_per_request(c.gunicorn):.2f} | {run.ms_per_request(c.postgres):.2f} | "
                f"{run.ms_per_request(c.client):.2f} | {run.ms_per_request(c.other):.2f} | {idle} |"
            )
    lines += ["", *machine_facts()]
    return "\n".join(lines) + "\n"


DOC_INTRO = """# Benchmarks

Benchmarks live under `benchmarks/`; each is one command, run from the repository root with the
project's venv.  The numbers below are from the machine named under each table (client and server
on the same machine), not from production hardware: compare runs on the same machine only.

## Ingest (`benchmarks/ingest.py`)

Valid `awareness` submissions posted to `POST /api/v1/submissions` under gunicorn by concurrent
keep-alive clients, on a fresh SQLite and a fresh PostgreSQL database, against the trivial
`GET /healthz` under the same server settings.  Every request must succeed and the `responses`
table must hold exactly as many rows as the server answered 201.

Goal: **>= 200 submissions/s**, and **>= 0.4** of the trivial endpoint's requests/s.

    .venv/bin/python benchmarks/ingest.py --clients 16 --seconds 15 --engines sqlite,postgresql --write-docs

"""


def replace_section(name: str, heading: str, block: str) -> None:
    """Put ``block`` between the ``<!-- name:begin -->`` and ``<!-- name:end -->`` markers of
    docs/BENCHMARKS.md, adding the section under ``heading`` when it is not there yet."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    text = DOCS.read_text(encoding="utf-8")
    if begin not in text:
        text = text.rstrip("\n") + f"\n\n## {heading}\n\n{begin}\n{end}\n"
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    DOCS.write_text(f"{head}{begin}\n{block}{end}{tail}", encoding="utf-8")


def write_docs(block: str) -> None:
    DOCS.parent.mkdir(parents=True, exist_ok=True)
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else DOC_INTRO + f"{BEGIN}\n{END}\n"
    if BEGIN not in text or END not in text:
        text = text.rstrip("\n") + f"\n\n## Ingest (`benchmarks/ingest.py`)\n\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    DOCS.write_text(f"{head}{BEGIN}\n{block}{END}{tail}", encoding="utf-8")
    print(f"wrote {DOCS.relative_to(ROOT)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16, help="concurrent client threads (default 16)")
    parser.add_argument("--seconds", type=float, default=15.0, help="duration of each measurement (default 15)")
    parser.add_argument("--engines", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--workers", type=int, default=8, help="gunicorn worker processes (default 8: 4 per core did best here)")
    parser.add_argument("--threads", type=int, default=2, help="gunicorn threads per worker (default 2)")
    parser.add_argument("--app", default="wsgi:app", help="the WSGI app gunicorn serves (default wsgi:app), to compare variants")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL),
                        help=f"PostgreSQL database to (re)create (default {DEFAULT_PG_URL})")
    parser.add_argument("--write-docs", action="store_true", help=f"replace the ingest section of {DOCS.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.seconds <= 0 or args.workers < 1 or args.threads < 1:
        parser.error("--clients, --seconds, --workers and --threads must be positive")
    if args.seconds > 600:
        parser.error("--seconds is at most 600")
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]

    def interrupted(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, interrupted)  # `kill` cleans up like Ctrl-C
    signal.signal(signal.SIGINT, interrupted)  # even when started with SIGINT ignored (background jobs)
    stop = threading.Event()
    results: list[Result] = []
    try:
        for engine in engines:
            results.append(bench_engine(engine, args, stop))
    except KeyboardInterrupt:
        stop.set()
        print("interrupted", file=sys.stderr)
        return 130
    command = "benchmarks/ingest.py " + " ".join(
        [f"--clients {args.clients}", f"--seconds {args.seconds:g}", f"--engines {','.join(engines)}",
         f"--workers {args.workers}", f"--threads {args.threads}"] + ([f"--app {args.app}"] if args.app != "wsgi:app" else [])
    )
    block = markdown(results, command)
    print()
    print(block)
    failed = any(r.failed for r in results)
    if args.write_docs:
        if failed:
            print("not writing docs: the run had errors", file=sys.stderr)
        else:
            write_docs(block)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
