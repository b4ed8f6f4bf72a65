"""A TCP relay between the bot and PostgreSQL that a test can freeze: the database as the bot sees it when its
server stops answering (a stalled host, a network partition) and later comes back, with nothing lost."""

from __future__ import annotations

import contextlib
import socket
import threading
from urllib.parse import urlsplit, urlunsplit

COMMIT = b"COMMIT\x00"  # how psycopg sends a COMMIT (a simple query message)


class FreezableRelay:
    def __init__(self, database_url: str) -> None:
        parts = urlsplit(database_url)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 5432)
        self.listener = socket.create_server(("127.0.0.1", 0))
        port = self.listener.getsockname()[1]
        netloc = f"{parts.username}@127.0.0.1:{port}" if parts.username else f"127.0.0.1:{port}"
        self.url = urlunsplit(parts._replace(netloc=netloc))
        self.flowing = threading.Event()
        self.flowing.set()
        self.commit_held = threading.Event()  # set when a frozen COMMIT is held back
        self._freeze_at_commit = False
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def freeze(self) -> None:
        self.flowing.clear()

    def freeze_at_next_commit(self) -> None:
        """Let everything through until a COMMIT is sent; hold that COMMIT (and everything after) back."""
        with self._lock:
            self._freeze_at_commit = True

    def thaw(self) -> None:
        self.flowing.set()

    def close(self) -> None:
        self.thaw()
        with contextlib.suppress(OSError):
            self.listener.close()
        for s in self._sockets:
            with contextlib.suppress(OSError):
                s.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            self._sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, from_bot: bool) -> None:
        try:
            while data := source.recv(65536):
                if from_bot and COMMIT in data:
                    with self._lock:
                        if self._freeze_at_commit:
                            self._freeze_at_commit = False
                            self.flowing.clear()
                            self.commit_held.set()
                self.flowing.wait()
                target.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, target):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
