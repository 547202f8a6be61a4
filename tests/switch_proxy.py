"""A TCP forwarder on the loopback that a test switches between "up" (forwards to the real
database), "down" (accepts and hangs up at once, and cuts every open connection, as a restarted
server would) and "frozen" (accepts and never answers, as a network that stopped moving)."""
from __future__ import annotations

import socket
import threading
from contextlib import suppress


class SwitchProxy:
    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.state = "up"
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def set(self, state: str) -> None:
        self.state = state
        if state != "up":
            with self._lock:
                for s in self._open:
                    with suppress(OSError):
                        s.shutdown(socket.SHUT_RDWR)
                    s.close()
                self._open.clear()

    def close(self) -> None:
        self._stopped = True
        self.set("down")
        self._server.close()

    def _accept(self) -> None:
        while not self._stopped:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            if self.state == "down":
                client.close()
                continue
            with self._lock:
                self._open.append(client)
            if self.state == "frozen":
                continue  # held open, never answered, until the state changes
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open.append(upstream)
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        with suppress(OSError):
            while data := src.recv(65536):
                dst.sendall(data)
        for s in (src, dst):
            with suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
