"""Start the server when the machine boots, and again when it stops: systemd or Task Scheduler.

`python kiosk.py autostart install|remove|status [--print]`. Everything done to the machine
goes through `System`, so that tests put a fake in its place.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from store.instance import write_atomically

SERVICE = "skm-kiosk.service"
TASK = "SKM Kiosk"
KIOSK = Path(__file__).resolve().parent.parent / "kiosk.py"
REPO = KIOSK.parent
TASK_NS = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}
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


def _last_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = (done.stderr or done.stdout or "").strip().splitlines()
    return lines[-1] if lines else f"exit status {done.returncode}"


def _undo_hint(server: Server, system: System) -> str:
    folder = shown([str(server.folder)], system)
    return f"To undo: python kiosk.py autostart remove --instance {folder}"


# --- systemd ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Where a unit lives: the whole machine's systemd (as root) or one user's."""

    user: bool
    path: Path

    def systemctl(self, *words: str) -> list[str]:
        return ["systemctl", *(["--user"] if self.user else []), *words]


def _scope(system: System) -> Scope:
    if system.is_root():
        return Scope(False, system.system_units / SERVICE)
    return Scope(True, system.user_units() / SERVICE)


def _has_systemd(system: System) -> bool:
    return bool(system.which("systemctl")) and system.systemd_marker.is_dir()


def systemd_quote(word: str) -> str:
    """Quote one ExecStart word: systemd splits at spaces and expands % and $."""
    text = word.replace("%", "%%").replace("$", "$$")
    if word and not any(c in word for c in " \t\"'\\;"):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unit(server: Server, system: System) -> str:
    """Return the systemd unit that starts the server at boot and again 5 s after it stops."""
    scope = _scope(system)
    argv = server.argv(system.python)
    if any("\n" in word for word in argv):  # it would end the line and start another
        raise Refused("a path holds a line break, which a unit file cannot hold")
    user = ""
    if not scope.user:
        # As the folder's owner, not root: the server's files stay theirs.
        user = f"User={system.owner(server.folder if server.folder.exists() else REPO)}\n"
    return ("[Unit]\n"
            f"Description=SKM kiosk server for the instance folder "
            f"{str(server.folder).replace('%', '%%')}\n"
            "Wants=network-online.target\n"
            "After=network-online.target\n"
            "\n[Service]\n"
            "Type=simple\n"
            f"{user}"
            f"WorkingDirectory={str(REPO).replace('%', '%%')}\n"
            "Environment=PYTHONUNBUFFERED=1\n"
            f"ExecStart={' '.join(map(systemd_quote, argv))}\n"
            "Restart=always\n"
            "RestartSec=5\n"
            "\n[Install]\n"
            f"WantedBy={'default.target' if scope.user else 'multi-user.target'}\n")


def _exec_start(text: str) -> str:
    return next((line for line in text.splitlines() if line.startswith("ExecStart=")), "")


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def _unit_state(system: System, scope: Scope) -> dict[str, str]:
    done = system.run(scope.systemctl("show", SERVICE, "-p", "ActiveState", "-p",
                                      "UnitFileState"), timeout=QUICK)
    pairs = (line.partition("=") for line in done.stdout.splitlines())
    return {key: value for key, _, value in pairs} if done.returncode == 0 else {}


def _install_unit(server: Server, system: System) -> str:
    if not _has_systemd(system):
        raise Refused("systemd is not running on this machine, so autostart cannot use it")
    scope = _scope(system)
    machine = system.system_units / SERVICE
    if scope.user and machine.exists():  # two servers on one port: one would always fail
        raise Refused(f"it is installed for the whole machine ({machine})",
                      "change it as root: sudo python kiosk.py autostart install --instance "
                      + shlex.quote(str(server.folder)))
    text = unit(server, system)
    before = _read(scope.path)
    if before == text and _unit_state(system, scope).get("UnitFileState") == "enabled":
        return f"Autostart already installed, nothing changed ({scope.path}).\n" + \
            _undo_hint(server, system)
    try:
        scope.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(scope.path, text.encode(), mode=0o644)
    except OSError as exc:
        raise Refused(f"cannot write {scope.path}: {exc.strerror or exc}") from None
    # A running service keeps its old command through `enable --now`: a changed one restarts.
    start = [["enable", "--now", SERVICE]] if before is None else [["enable", SERVICE],
                                                                 ["restart", SERVICE]]
    steps = [scope.systemctl("daemon-reload"), *(scope.systemctl(*s) for s in start)]
    if scope.user:  # without lingering, a user's units start only once that user logs in
        steps.append(["loginctl", "enable-linger", system.user()])
    for step in steps:
        done = system.run(step)
        if done.returncode != 0:
            _put_back(system, scope, before)
            raise Refused(f"{shlex.join(step)} failed: {_last_line(done)}")
    replaced = before not in (None, text)
    was = f"  was:  {_exec_start(before or '').removeprefix('ExecStart=')}\n" if replaced else ""
    return (f"Autostart {'replaced' if replaced else 'installed'}: {SERVICE} starts the server "
            f"when this machine boots and again 5 seconds after it stops; it is running now.\n"
            f"  runs: {shown(server.argv(system.python), system)}\n{was}"
            f"  unit: {scope.path}\n" + _undo_hint(server, system))


def _put_back(system: System, scope: Scope, before: str | None) -> None:
    """Leave the machine as it was before a failed install: the old unit, or none."""
    with contextlib.suppress(OSError):
        if before is None:
            system.run(scope.systemctl("disable", "--now", SERVICE))
            scope.path.unlink(missing_ok=True)
        else:
            write_atomically(scope.path, before.encode(), mode=0o644)
    system.run(scope.systemctl("daemon-reload"))
    if before is not None:
        system.run(scope.systemctl("try-restart", SERVICE))


def _remove_unit(system: System) -> str:
    if not _has_systemd(system):
        raise Refused("systemd is not running on this machine, so there is no unit to remove")
    scope = _scope(system)
    machine = system.system_units / SERVICE
    if not scope.path.exists():
        if scope.user and machine.exists():
            raise Refused(f"it is installed for the whole machine ({machine})",
                          "remove it as root: sudo python kiosk.py autostart remove")
        return "Autostart is not installed; nothing to remove."
    done = system.run(scope.systemctl("disable", "--now", SERVICE))
    if done.returncode != 0:
        raise Refused(f"systemctl could not stop and disable {SERVICE}: {_last_line(done)}")
    try:
        scope.path.unlink()
    except OSError as exc:
        raise Refused(f"cannot delete {scope.path}: {exc.strerror or exc}") from None
    system.run(scope.systemctl("daemon-reload"))
    return (f"Autostart removed: {SERVICE} stopped, disabled and deleted ({scope.path}). "
            f"Start the server by hand when it is needed.")


def _unit_state_line(system: System, folder: Path, server: Server | None) -> tuple[bool, str]:
    if not _has_systemd(system):
        return False, "not available (systemd is not running on this machine)"
    mine = _scope(system)
    scopes = [mine] if not mine.user else [mine, Scope(False, system.system_units / SERVICE)]
    found = next(((s, text) for s in scopes if (text := _read(s.path)) is not None), None)
    if found is None:
        return False, "not installed (python kiosk.py autostart install sets it up)"
    scope, text = found
    installed = _exec_start(text)
    argv = (server or Server(folder)).argv(system.python)
    if server is not None:
        same = installed == "ExecStart=" + " ".join(map(systemd_quote, argv))
    else:  # only the folder is known: the same Python serving the same folder
        same = installed.startswith("ExecStart=" + " ".join(map(systemd_quote, argv[:5])) + " ")
    if not same:
        return False, ("installed for a different folder or options ("
                       f"{installed.removeprefix('ExecStart=')})")
    state = _unit_state(system, scope)
    if state.get("ActiveState") != "active":
        journal = f"journalctl {'--user ' if scope.user else ''}-u {SERVICE}"
        return False, (f"installed but not running "
                       f"({state.get('ActiveState') or 'state unknown'}; see {journal})")
    if state.get("UnitFileState") != "enabled":
        return False, "running, but not enabled at boot (run autostart install again)"
    return True, f"installed and running ({scope.path})"


# --- Task Scheduler (Windows) ----------------------------------------------------------

# As SYSTEM at boot, so no one has to log on; Priority 5 is a normal process (a task's
# default, 7, slows its disk too); RestartOnFailure starts it again a minute after it fails.
TASK_XML = """<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Description>{description}</Description>
  </RegistrationInfo>
  <Triggers>
    <BootTrigger>
      <Enabled>true</Enabled>
    </BootTrigger>
  </Triggers>
  <Principals>
    <Principal id="Author">
      <UserId>S-1-5-18</UserId>
      <RunLevel>HighestAvailable</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <Enabled>true</Enabled>
    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>
    <Priority>5</Priority>
    <RestartOnFailure>
      <Interval>PT1M</Interval>
      <Count>999</Count>
    </RestartOnFailure>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>{command}</Command>
      <Arguments>{arguments}</Arguments>
      <WorkingDirectory>{folder}</WorkingDirectory>
    </Exec>
  </Actions>
</Task>
"""


def _windowless(server: Server, system: System) -> list[str]:
    """Return the command with the pythonw.exe beside Python, which opens no console window."""
    quiet = Path(system.python).with_name("pythonw.exe")
    return server.argv(str(quiet) if quiet.exists() else system.python)


def task_xml(server: Server, system: System) -> str:
    """Return the Task Scheduler task that starts the server at boot and again when it fails."""
    argv = _windowless(server, system)
    return TASK_XML.format(
        description=escape(f"SKM kiosk server for the instance folder {server.folder}"),
        command=escape(argv[0]), arguments=escape(subprocess.list2cmdline(argv[1:])),
        folder=escape(str(REPO)))


def _task_action(text: str) -> tuple[Any, ...] | None:
    """Return what makes a task the same task (its command, trigger, account), or None."""
    try:
        task = ET.fromstring(text.strip().lstrip("\ufeff"))
    except ET.ParseError:
        return None
    return (task.findtext("t:Actions/t:Exec/t:Command", "", TASK_NS),
            task.findtext("t:Actions/t:Exec/t:Arguments", "", TASK_NS),
            task.findtext("t:Actions/t:Exec/t:WorkingDirectory", "", TASK_NS),
            task.findtext("t:Principals/t:Principal/t:UserId", "", TASK_NS),
            task.find("t:Triggers/t:BootTrigger", TASK_NS) is not None,
            task.findtext("t:Settings/t:Enabled", "true", TASK_NS))


def _query_task(system: System) -> str | None:
    done = system.run(["schtasks", "/Query", "/TN", TASK, "/XML", "ONE"], timeout=QUICK)
    return done.stdout if done.returncode == 0 and done.stdout.strip() else None


def _create_task(system: System, text: str) -> None:
    fd, name = tempfile.mkstemp(prefix="skm-kiosk-", suffix=".xml", dir=system.temp_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-16") as f:  # what schtasks reads a file as
            f.write(text)
        done = system.run(["schtasks", "/Create", "/TN", TASK, "/XML", name, "/F"])
    finally:
        with contextlib.suppress(OSError):
            os.unlink(name)
    if done.returncode != 0:
        raise Refused(f"Task Scheduler refused the task: {_last_line(done)} (a task that "
                      f"runs as SYSTEM needs a command prompt opened as administrator)")


def _install_task(server: Server, system: System) -> str:
    if not system.which("schtasks"):
        raise Refused("schtasks (Task Scheduler) was not found on this machine")
    text = task_xml(server, system)
    before = _query_task(system)
    if before is not None and _task_action(before) == _task_action(text):
        return f"Autostart already installed, nothing changed (task \"{TASK}\").\n" + \
            _undo_hint(server, system)
    _create_task(system, text)
    if before is not None:  # the old task's server runs on otherwise, and /Run is ignored
        system.run(["schtasks", "/End", "/TN", TASK])
    done = system.run(["schtasks", "/Run", "/TN", TASK])
    if done.returncode != 0:
        if before is None:
            system.run(["schtasks", "/Delete", "/TN", TASK, "/F"])
        else:
            with contextlib.suppress(Refused):
                _create_task(system, before)
        raise Refused(f"Task Scheduler could not start the task: {_last_line(done)}")
    old = _task_action(before) if before is not None else None
    was = f"  was:  {subprocess.list2cmdline([old[0]])} {old[1]}\n" if old else ""
    return (f"Autostart {'installed' if before is None else 'replaced'}: the task \"{TASK}\" "
            f"starts the server when this machine boots, with no one logged on, and again a "
            f"minute after it fails; it is running now.\n"
            f"  runs: {shown(_windowless(server, system), system)}\n{was}"
            + _undo_hint(server, system))


def _remove_task(system: System) -> str:
    if not system.which("schtasks"):
        raise Refused("schtasks (Task Scheduler) was not found on this machine")
    if _query_task(system) is None:
        return "Autostart is not installed; nothing to remove."
    system.run(["schtasks", "/End", "/TN", TASK])  # deleting a task leaves its program running
    done = system.run(["schtasks", "/Delete", "/TN", TASK, "/F"])
    if done.returncode != 0:
        raise Refused(f"Task Scheduler could not delete the task: {_last_line(done)} "
                      f"(open the command prompt as administrator)")
    return (f"Autostart removed: the task \"{TASK}\" is stopped and deleted. "
            f"Start the server by hand when it is needed.")


def _task_state_line(system: System, folder: Path, server: Server | None) -> tuple[bool, str]:
    if not system.which("schtasks"):
        return False, "not available (schtasks was not found on this machine)"
    text = _query_task(system)
    if text is None:
        return False, "not installed (python kiosk.py autostart install sets it up)"
    installed, expected = _task_action(text), _task_action(task_xml(server or Server(folder),
                                                                    system))
    if installed is None or expected is None:
        return False, "installed, but its task could not be read"
    if server is not None:
        same = installed == expected
    else:  # only the folder is known: the same Python serving the same folder
        prefix = subprocess.list2cmdline(Server(folder).argv(system.python)[1:4]) + " --host "
        same = installed[0] == expected[0] and str(installed[1]).startswith(prefix)
    if not same:
        return False, f"installed for a different folder or options ({installed[1]})"
    # The task's state by name, not schtasks' text, which speaks the machine's language.
    done = system.run(["powershell", "-NoProfile", "-NonInteractive", "-Command",
                       f"(Get-ScheduledTask -TaskName '{TASK}').State"], timeout=QUICK)
    if done.stdout.strip() != "Running":
        return False, (f"installed but not running "
                       f"({done.stdout.strip() or 'state unknown'})")
    return True, f"installed and running (task \"{TASK}\")"


# --- the command -----------------------------------------------------------------------


def _unsupported(system: System) -> Refused:
    return Refused(f"autostart knows systemd (Linux) and Task Scheduler (Windows), "
                   f"not {system.platform}")


def preview(server: Server, system: System) -> str:
    """Return what install would write: the unit on Linux, the task's XML on Windows."""
    if system.platform == "linux":
        return unit(server, system)
    if system.platform == "windows":
        return task_xml(server, system)
    raise _unsupported(system)


def install(server: Server, system: System) -> str:
    """Start the server at boot and whenever it stops; return what was done."""
    if system.platform == "linux":
        return _install_unit(server, system)
    if system.platform == "windows":
        return _install_task(server, system)
    raise _unsupported(system)


def remove(system: System) -> str:
    """Stop starting the server at boot, and stop it; return what was done."""
    if system.platform == "linux":
        return _remove_unit(system)
    if system.platform == "windows":
        return _remove_task(system)
    raise _unsupported(system)


def state(folder: Path, server: Server | None = None, system: System | None = None
          ) -> tuple[bool, str]:
    """Return whether autostart serves this folder and runs now, and one line saying so.

    The line reads after "autostart: ", e.g. "installed and running (...)". Without `server`
    only the folder (and the Python) must match. Never raises; asks the system at most twice.
    """
    system = system or System()
    try:
        if system.platform == "linux":
            return _unit_state_line(system, Path(os.path.abspath(folder)), server)
        if system.platform == "windows":
            return _task_state_line(system, Path(os.path.abspath(folder)), server)
        return False, f"not available on {system.platform}"
    except Exception as exc:  # a status line must never stop the command that asks for it
        return False, f"could not tell ({exc})"


def _by_hand(action: str, server: Server, system: System) -> str:
    argv = server.argv(system.python)
    cron = system.platform == "linux" and not _has_systemd(system)
    if action == "remove":
        if cron:
            return "if cron starts it, delete its @reboot line with: crontab -e"
        if system.platform == "windows":
            return f'delete the task "{TASK}" in Task Scheduler (taskschd.msc) as administrator'
        if system.platform == "linux":
            scope = _scope(system)
            return (f"by hand: {shlex.join(scope.systemctl('disable', '--now', SERVICE))}, "
                    f"then delete {scope.path}")
        return "stop whatever starts the server at boot by hand"
    if cron:
        # cron reads an unescaped % as the end of the command
        return "add this line to crontab -e: @reboot " + shlex.join(argv).replace("%", "\\%")
    return f"start it by hand: {shown(argv, system)}"


def cmd_autostart(args: argparse.Namespace, default_port: int = 5000,
                  system: System | None = None) -> int:
    """Install, remove or show autostart, or print what install would write; 2 if refused."""
    system = system or System()
    server = Server(Path(os.path.abspath(getattr(args, "instance", "instance"))),
                    getattr(args, "host", "0.0.0.0"), getattr(args, "port", default_port),
                    bool(getattr(args, "behind_proxy", False)))
    try:
        if args.print:
            print(preview(server, system), end="")
        elif args.action == "status":
            print(f"autostart: {state(server.folder, server, system)[1]}")
        else:
            print(install(server, system) if args.action == "install" else remove(system))
    except (Refused, OSError) as exc:  # OSError: a unit file that cannot even be read
        print(f"error: {exc}", file=sys.stderr)
        instead = exc.instead if isinstance(exc, Refused) else None
        print(instead or _by_hand(args.action, server, system), file=sys.stderr)
        return 2
    return 0


def add_parser(sub: Any, common: argparse.ArgumentParser, default_port: int) -> None:
    """Add `autostart` to the command line's sub-commands."""
    p = sub.add_parser("autostart", parents=[common],
                       help="start the server when this machine boots, and when it stops")
    p.add_argument("action", choices=("install", "remove", "status"))
    p.add_argument("--print", action="store_true",
                   help="show the unit (Linux) or task XML (Windows) install would write; "
                        "change nothing")
    # SUPPRESS: options given before the command (python kiosk.py --port 8080 autostart
    # install) are kept unless given again after it.
    p.add_argument("--host", default=argparse.SUPPRESS, help="interface to listen on (all)")
    p.add_argument("--port", type=int, default=argparse.SUPPRESS, help=f"port ({default_port})")
    p.add_argument("--behind-proxy", action="store_true", default=argparse.SUPPRESS,
                   help="trust one HTTPS reverse proxy's X-Forwarded-* headers")
    p.set_defaults(func=lambda args: cmd_autostart(args, default_port))
