"""Slow clients, as tablets on 2G look to a server: sockets that send a request's header or body a
byte at a time, seconds apart.  Used by tests/test_front.py and benchmarks/drill.py."""
from __future__ import annotations

import socket
import threading


class SlowClients:
    """``n`` sockets to ``port``, half sending a header a line every ``gap`` seconds, half a
    body a byte every ``gap`` seconds, until :meth:`stop` (or the server hangs up on them)."""

    def __init__(self, port: int, n: int = 50, gap: float = 1.0, path: str = "/api/v1/submissions") -> None:
        self.port, self.n, self.gap, self.path = port, n, gap, path
        self._stop = threading.Event()
        self.cut = 0  # sockets the server hung up on
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._one, args=(i,), daemon=True) for i in range(n)]

    def start(self) -> SlowClients:
        for t in self._threads:
            t.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=5)

    def _one(self, i: int) -> None:
        # a socket the server hangs up on is opened again: the pressure lasts as long as the drill
        while not self._stop.is_set():
            if not self._session(i):
                return

    def _session(self, i: int) -> bool:
        """One slow request; False when the server cannot even be reached."""
        try:
            s = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        except OSError:
            return False
        with s:
            if i % 2:  # the header whole, then the body a byte at a time
                head = f"POST {self.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n"
                pieces = [b"{", *([b" "] * 3998), b"}"]
            else:  # the header a line at a time (slowloris), never finished
                head = f"POST {self.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                pieces = [f"X-Slow-{n}: {n}\r\n".encode() for n in range(4000)]
            try:
                s.sendall(head.encode())
                for piece in pieces:
                    if self._stop.wait(self.gap):
                        return True
                    s.sendall(piece)
            except OSError:
                with self._lock:
                    self.cut += 1
        return True
