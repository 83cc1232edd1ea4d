"""Autostart on Linux: a systemd unit that starts the server at boot and again when it stops."""
from __future__ import annotations

import contextlib
import shlex
from dataclasses import dataclass
from pathlib import Path

from host.machine import QUICK, REPO, Refused, Server, System, last_line, shown, undo_hint
from store.instance import write_atomically

SERVICE = "skm-kiosk.service"


@dataclass(frozen=True)
class Scope:
    """Where a unit lives: the whole machine's systemd (as root) or one user's."""

    user: bool
    path: Path

    def systemctl(self, *words: str) -> list[str]:
        return ["systemctl", *(["--user"] if self.user else []), *words]


def scope_for(system: System) -> Scope:
    """Return where this process installs the unit: the machine's as root, else the user's."""
    if system.is_root():
        return Scope(False, system.system_units / SERVICE)
    return Scope(True, system.user_units() / SERVICE)


def has_systemd(system: System) -> bool:
    """Say whether systemd runs this machine, not merely whether systemctl is there."""
    return bool(system.which("systemctl")) and system.systemd_marker.is_dir()


def systemd_quote(word: str) -> str:
    """Quote one ExecStart word: systemd splits at spaces and expands % and $."""
    text = word.replace("%", "%%").replace("$", "$$")
    if word and not any(c in word for c in " \t\"'\\;"):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unit(server: Server, system: System) -> str:
    """Return the systemd unit that starts the server at boot and again 5 s after it stops."""
    scope = scope_for(system)
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


def install_unit(server: Server, system: System) -> str:
    """Write, enable and start the unit; return what was done."""
    if not has_systemd(system):
        raise Refused("systemd is not running on this machine, so autostart cannot use it")
    scope = scope_for(system)
    machine = system.system_units / SERVICE
    if scope.user and machine.exists():  # two servers on one port: one would always fail
        raise Refused(f"it is installed for the whole machine ({machine})",
                      "change it as root: sudo python kiosk.py autostart install --instance "
                      + shlex.quote(str(server.folder)))
    text = unit(server, system)
    before = _read(scope.path)
    if before == text and _unit_state(system, scope).get("UnitFileState") == "enabled":
        return f"Autostart already installed, nothing changed ({scope.path}).\n" + \
            undo_hint(server, system)
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
            raise Refused(f"{shlex.join(step)} failed: {last_line(done)}")
    replaced = before not in (None, text)
    was = f"  was:  {_exec_start(before or '').removeprefix('ExecStart=')}\n" if replaced else ""
    return (f"Autostart {'replaced' if replaced else 'installed'}: {SERVICE} starts the server "
            f"when this machine boots and again 5 seconds after it stops; it is running now.\n"
            f"  runs: {shown(server.argv(system.python), system)}\n{was}"
            f"  unit: {scope.path}\n" + undo_hint(server, system))


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


def remove_unit(system: System) -> str:
    """Stop, disable and delete the unit; return what was done."""
    if not has_systemd(system):
        raise Refused("systemd is not running on this machine, so there is no unit to remove")
    scope = scope_for(system)
    machine = system.system_units / SERVICE
    if not scope.path.exists():
        if scope.user and machine.exists():
            raise Refused(f"it is installed for the whole machine ({machine})",
                          "remove it as root: sudo python kiosk.py autostart remove")
        return "Autostart is not installed; nothing to remove."
    done = system.run(scope.systemctl("disable", "--now", SERVICE))
    if done.returncode != 0:
        raise Refused(f"systemctl could not stop and disable {SERVICE}: {last_line(done)}")
    try:
        scope.path.unlink()
    except OSError as exc:
        raise Refused(f"cannot delete {scope.path}: {exc.strerror or exc}") from None
    system.run(scope.systemctl("daemon-reload"))
    return (f"Autostart removed: {SERVICE} stopped, disabled and deleted ({scope.path}). "
            f"Start the server by hand when it is needed.")


def unit_state_line(system: System, folder: Path, server: Server | None) -> tuple[bool, str]:
    """Return whether the unit serves this folder and runs now, and the line saying so."""
    if not has_systemd(system):
        return False, "not available (systemd is not running on this machine)"
    mine = scope_for(system)
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
