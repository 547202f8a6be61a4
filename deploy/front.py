"""The production shape on one machine: gunicorn behind nginx, with the project's nginx settings
(deploy/nginx/), and the report worker.  `make serve` runs it in the foreground; the tests and `make drill` start and
stop it.  Nothing here needs root: nginx runs with its files in a folder of its own.

    python -m deploy.front --port 5000
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
NGINX_DIR = HERE / "nginx"
#: the app server as `make run` starts it (two processes of four threads)
GUNICORN = ["--workers", "2", "--worker-class", "gthread", "--threads", "4", "--graceful-timeout", "5", "--no-control-socket"]


def main_conf(runtime: Path, http: str) -> str:
    """A whole nginx.conf run from ``runtime`` (pid, logs, temp files), with ``http`` inside its
    http {} block."""
    # root (CI, a container) runs the workers as root too, so they can write the folder
    user = "user root root;\n" if os.geteuid() == 0 else ""
    return f"""{user}worker_processes 1;
pid {runtime}/nginx.pid;
error_log {runtime}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {runtime}/access.log;
    client_body_temp_path {runtime}/body;
    proxy_temp_path {runtime}/proxy;
    fastcgi_temp_path {runtime}/fastcgi;
    uwsgi_temp_path {runtime}/uwsgi;
    scgi_temp_path {runtime}/scgi;
{http}
}}
"""


def nginx_conf(port: int, upstream: str, runtime: Path, host: str = "127.0.0.1") -> str:
    """The local front on ``host:port`` before ``upstream`` (host:port or unix:/path), with the
    deployment's own settings (deploy/nginx/sanqu-http.conf, sanqu-locations.conf)."""
    return main_conf(runtime, f"""    include {NGINX_DIR}/sanqu-http.conf;
    upstream sanqu_app {{
        server {upstream} fail_timeout=0;
        keepalive 16;
    }}
    server {{
        listen {host}:{port};
        include {NGINX_DIR}/sanqu-locations.conf;
    }}""")


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Front:
    """A running gunicorn and nginx pair."""

    port: int
    app_port: int
    runtime: Path
    processes: list[subprocess.Popen] = field(default_factory=list)
    logs: list = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def app_base(self) -> str:
        return f"http://127.0.0.1:{self.app_port}"

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in reversed(self.processes):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()
        for log in self.logs:
            log.close()
        self.logs.clear()


def start(port: int | None = None, env: dict[str, str] | None = None, runtime: Path | None = None,
          gunicorn_args: list[str] | None = None, unix_socket: bool = False,
          conf: Callable[[Front, str], str] | None = None, worker: bool = False) -> Front:
    """Start gunicorn (on a loopback port, or on a Unix socket as deployed) and nginx before it,
    and the report worker if asked; returns when both servers answer.  ``conf(front, upstream)`` gives another nginx.conf than the local
    front's (a test runs the deployment's own site file so)."""
    nginx = nginx_binary()
    if nginx is None:
        raise RuntimeError("nginx is not installed (Debian: apt install nginx; `make serve` does it)")
    runtime = runtime or Path(tempfile.mkdtemp(prefix="sanqu-front-"))
    runtime.mkdir(parents=True, exist_ok=True)
    front = Front(port or free_port(), free_port(), runtime)
    upstream = f"unix:{runtime / 'app.sock'}" if unix_socket else f"127.0.0.1:{front.app_port}"
    app_env = {**os.environ, "PROXY_COUNT": "1", "TRUSTED_PROXIES": "127.0.0.1,::1,unix", **(env or {})}
    log = (runtime / "gunicorn.log").open("ab")
    front.logs.append(log)
    front.processes.append(subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *(gunicorn_args or GUNICORN), "--bind", upstream, "wsgi:app"],
        cwd=ROOT, env=app_env, stdout=log, stderr=subprocess.STDOUT))
    try:
        _wait_for_socket(runtime / "app.sock" if unix_socket else ("127.0.0.1", front.app_port), front.processes[0])
        path = runtime / "nginx.conf"
        path.write_text(conf(front, upstream) if conf else nginx_conf(front.port, upstream, runtime))
        front.processes.append(subprocess.Popen(
            [nginx, "-p", str(runtime), "-e", str(runtime / "error.log"), "-c", str(path), "-g", "daemon off;"],
            stdout=log, stderr=subprocess.STDOUT))
        _wait_for_socket(("127.0.0.1", front.port), front.processes[1])
        if worker:
            front.processes.append(subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=ROOT,
                                                    env=app_env, stdout=log, stderr=subprocess.STDOUT))
    except BaseException:
        front.stop()
        raise
    return front


def _wait_for_socket(address: Path | tuple[str, int], process: subprocess.Popen, seconds: float = 30) -> None:
    """Until something accepts connections at ``address`` (a Unix socket's path, or host and port)."""
    end = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode} before {address} answered")
        family = socket.AF_UNIX if isinstance(address, Path) else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.settimeout(1)
            try:
                probe.connect(str(address) if isinstance(address, Path) else address)
                return
            except OSError:
                pass
        if time.monotonic() > end:
            raise RuntimeError(f"{address} did not answer within {seconds:.0f} s")
        time.sleep(0.1)


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args()
    # `kill` and a closed terminal stop it as Ctrl-C does: nginx and gunicorn go with it
    for stop_signal in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop_signal, _interrupt)
    front = start(args.port, runtime=ROOT / "instance" / "front", worker=True)
    print(f"Serving on {front.base}  (nginx in front of gunicorn, and the report worker; Ctrl-C stops)", flush=True)
    try:
        while all(p.poll() is None for p in front.processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        front.stop()


if __name__ == "__main__":
    main()
