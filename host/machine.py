"""What systemd and Task Scheduler autostart share: `System`, the seam tests fake, and `Server`."""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

KIOSK = Path(__file__).resolve().parent.parent / "kiosk.py"
REPO = KIOSK.parent
QUICK = 5  # seconds a status query may take: `python kiosk.py status` must answer at once


class Refused(Exception):
    """Autostart cannot do it here; the message says why in one line, `instead` what to do."""

    def __init__(self, reason: str, instead: str | None = None) -> None:
        super().__init__(reason)
        self.instead = instead


class System:
    """The machine as autostart touches it; tests pass a fake that records and writes to tmp."""

    platform = {"linux": "linux", "win32": "windows"}.get(sys.platform, sys.platform)
    python = sys.executable
    system_units = Path("/etc/systemd/system")
    systemd_marker = Path("/run/systemd/system")  # there only when systemd runs the machine
    temp_dir: str | None = None  # where the task's XML waits for schtasks; None: the usual

    def user_units(self) -> Path:
        """Return the folder of this user's own systemd units."""
        config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
        return Path(config) / "systemd" / "user"

    def run(self, argv: list[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Run a command; a missing program or a timeout is a failed run, not an exception."""
        try:
            return subprocess.run(argv, capture_output=True, text=True, errors="replace",
                                  timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return subprocess.CompletedProcess(argv, 127, "", str(exc))

    def which(self, program: str) -> str | None:
        """Return where a program is on PATH, or None."""
        return shutil.which(program)

    def is_root(self) -> bool:
        """Say whether this process may change the whole machine's services."""
        return hasattr(os, "geteuid") and os.geteuid() == 0

    def user(self) -> str:
        """Return the name of the user running this."""
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name

    def owner(self, path: Path) -> str:
        """Return the name (or, lacking one, the number) of the user owning a path."""
        import pwd

        uid = path.stat().st_uid
        try:
            return pwd.getpwuid(uid).pw_name
        except KeyError:
            return str(uid)


@dataclass(frozen=True)
class Server:
    """What autostart starts: the instance folder (absolute) and where the server listens."""

    folder: Path
    host: str = "0.0.0.0"
    port: int = 5000
    behind_proxy: bool = False

    def argv(self, python: str) -> list[str]:
        """Return the command that serves this folder; its first five words name the folder."""
        return [python, str(KIOSK), "--instance", str(self.folder), "--host", self.host,
                "--port", str(self.port), *(["--behind-proxy"] if self.behind_proxy else [])]


def shown(argv: list[str], system: System) -> str:
    """Return a command as a person would type it on this machine."""
    return subprocess.list2cmdline(argv) if system.platform == "windows" else shlex.join(argv)


def last_line(done: subprocess.CompletedProcess[str]) -> str:
    """Return the last line a failed command said, or its exit status."""
    lines = (done.stderr or done.stdout or "").strip().splitlines()
    return lines[-1] if lines else f"exit status {done.returncode}"


def undo_hint(server: Server, system: System) -> str:
    """Return the line that tells how to take autostart off again."""
    folder = shown([str(server.folder)], system)
    return f"To undo: python kiosk.py autostart remove --instance {folder}"
