"""Simulated tablets for the drills: each keeps a queue of interviews and sends it as the real
tablet does (sync.js): an item leaves the queue only on 201 or 200, anything else keeps it and
waits (at least Retry-After); delivered bodies are kept so that a restore can be refilled from
the server's receipt.  Bounded: every loop ends with the drill's clock."""
from __future__ import annotations

import collections
import random
import threading
import time
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
from ingest import SubmissionMaker


@dataclass
class Tablet:
    token: str
    maker: SubmissionMaker
    device_id: str = field(default_factory=lambda: str(uuidlib.uuid4()))
    queue: list[dict[str, Any]] = field(default_factory=list)
    sent: dict[str, dict[str, Any]] = field(default_factory=dict)
    seen: collections.Counter = field(default_factory=collections.Counter)
    wait_until: float = 0.0

    def interview(self, rng: random.Random) -> None:
        body = self.maker.make(rng)
        body["device_id"] = self.device_id
        self.queue.append(body)

    def sync(self, base: str, http: requests.Session) -> None:
        """Send what waits, in order, until the queue is empty or the server says "later"."""
        if time.monotonic() < self.wait_until:
            return
        while self.queue:
            body = self.queue[0]
            try:
                reply = http.post(f"{base}/api/v1/submissions", json=body, timeout=10,
                                  headers={"Authorization": f"Bearer {self.token}"})
            except requests.RequestException as exc:
                self.seen[type(exc).__name__] += 1
                self.wait_until = time.monotonic() + 0.5
                return
            self.seen[reply.status_code] += 1
            if reply.status_code in (200, 201):
                self.sent[body["uuid"]] = self.queue.pop(0)
            elif reply.status_code in (409, 422, 403):
                self.queue.pop(0)  # kept for review on a real tablet; a drill never makes one
            else:
                later = reply.headers.get("Retry-After", "")
                self.wait_until = time.monotonic() + (float(later) if later.isdigit() else 0.5)
                return

    def refill(self, base: str, http: requests.Session) -> int:
        """Queue again what the server no longer holds (after a restore)."""
        reply = http.get(f"{base}/api/v1/devices/{self.device_id}/receipt", timeout=10,
                         headers={"Authorization": f"Bearer {self.token}"})
        reply.raise_for_status()
        held = {r["uuid"] for r in reply.json()["received"]}
        missing = [u for u in self.sent if u not in held]
        for u in missing:
            self.queue.append(self.sent.pop(u))
        return len(missing)


@dataclass
class Fleet:
    """``n`` tablets, each in its own thread, interviewing every ``interval`` seconds and syncing
    to ``base()`` (a function: the server may be replaced mid-drill)."""

    tablets: list[Tablet]
    base: Callable[[], str]
    interval: float = 0.05
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> Fleet:
        for i, tablet in enumerate(self.tablets):
            thread = threading.Thread(target=self._run, args=(tablet, random.Random(i)), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def _run(self, tablet: Tablet, rng: random.Random) -> None:
        with requests.Session() as http:
            while not self._stop.is_set():
                tablet.interview(rng)
                tablet.sync(self.base(), http)
                self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def drain(self, seconds: float = 60) -> bool:
        """After :meth:`stop`: sync until every queue is empty (True) or the time is up."""
        end = time.monotonic() + seconds
        with requests.Session() as http:
            while time.monotonic() < end:
                for tablet in self.tablets:
                    tablet.wait_until = 0.0
                    tablet.sync(self.base(), http)
                if not any(t.queue for t in self.tablets):
                    return True
                time.sleep(0.5)
        return False

    def refill(self) -> int:
        with requests.Session() as http:
            return sum(t.refill(self.base(), http) for t in self.tablets)

    def delivered(self) -> set[str]:
        return {u for t in self.tablets for u in t.sent}

    def seen(self) -> collections.Counter:
        total: collections.Counter = collections.Counter()
        for t in self.tablets:
            total.update(t.seen)
        return total
