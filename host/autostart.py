"""`python kiosk.py autostart install|remove|status [--print]`: systemd or Task Scheduler."""
from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path
from typing import Any

from host.machine import KIOSK, REPO, Refused, Server, System, shown  # noqa: F401
from host.systemd import (
    SERVICE,
    has_systemd,
    install_unit,
    remove_unit,
    scope_for,
    systemd_quote,  # noqa: F401
    unit,
    unit_state_line,
)
from host.task_scheduler import TASK, install_task, remove_task, task_state_line, task_xml


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
        return install_unit(server, system)
    if system.platform == "windows":
        return install_task(server, system)
    raise _unsupported(system)


def remove(system: System) -> str:
    """Stop starting the server at boot, and stop it; return what was done."""
    if system.platform == "linux":
        return remove_unit(system)
    if system.platform == "windows":
        return remove_task(system)
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
            return unit_state_line(system, Path(os.path.abspath(folder)), server)
        if system.platform == "windows":
            return task_state_line(system, Path(os.path.abspath(folder)), server)
        return False, f"not available on {system.platform}"
    except Exception as exc:  # a status line must never stop the command that asks for it
        return False, f"could not tell ({exc})"


def _by_hand(action: str, server: Server, system: System) -> str:
    argv = server.argv(system.python)
    cron = system.platform == "linux" and not has_systemd(system)
    if action == "remove":
        if cron:
            return "if cron starts it, delete its @reboot line with: crontab -e"
        if system.platform == "windows":
            return f'delete the task "{TASK}" in Task Scheduler (taskschd.msc) as administrator'
        if system.platform == "linux":
            scope = scope_for(system)
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
