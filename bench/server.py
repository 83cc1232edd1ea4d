"""A server under test in its own process: start it, read its memory, stop it."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Server:
    """A command that serves HTTP on 127.0.0.1:port, started and stopped by the benchmark."""

    def __init__(self, argv: list[str], port: int, log: Path, probe: str = "/api/services",
                 cwd: Path = ROOT):
        self.argv, self.port, self.log, self.probe, self.cwd = argv, port, log, probe, cwd
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> Server:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen([sys.executable, *self.argv], cwd=self.cwd,
                                         stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(self.url + self.probe, timeout=2).close()
                return self
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"{self.argv[0]} did not start; see {self.log}") from None
                time.sleep(0.1)

    def memory_kb(self) -> dict[str, int]:
        """Return the process's resident memory now (VmRSS) and at its peak (VmHWM), in KiB."""
        fields = {}
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0])
        return fields

    def cpu_seconds(self) -> float:
        """Return the CPU time the process has used so far (user + system)."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()


def kiosk_server(instance: Path, port: int, root: Path = ROOT) -> Server:
    """Return the real server, `python kiosk.py`, on an instance folder.

    `root` is the code tree whose kiosk.py serves (another checkout, to compare versions).
    """
    settings = instance / "settings.py"
    if not settings.exists():
        instance.mkdir(parents=True, exist_ok=True)
        # No backup of a million responses under the measurements (kiosk.py, UPKEEP).
        settings.write_text("UPKEEP = False\n", encoding="utf-8")
    return Server(["kiosk.py", "--host", "127.0.0.1", "--port", str(port),
                   "--instance", str(instance.resolve())], port, instance / "server.log",
                  cwd=root)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
