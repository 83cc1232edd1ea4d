"""Autostart on Windows: a Task Scheduler task that starts the server at boot and after a fail."""
from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from host.machine import QUICK, REPO, Refused, Server, System, last_line, shown, undo_hint

TASK = "SKM Kiosk"
TASK_NS = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}

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
        raise Refused(f"Task Scheduler refused the task: {last_line(done)} (a task that "
                      f"runs as SYSTEM needs a command prompt opened as administrator)")


def install_task(server: Server, system: System) -> str:
    """Create the task and run it; return what was done."""
    if not system.which("schtasks"):
        raise Refused("schtasks (Task Scheduler) was not found on this machine")
    text = task_xml(server, system)
    before = _query_task(system)
    if before is not None and _task_action(before) == _task_action(text):
        return f"Autostart already installed, nothing changed (task \"{TASK}\").\n" + \
            undo_hint(server, system)
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
        raise Refused(f"Task Scheduler could not start the task: {last_line(done)}")
    old = _task_action(before) if before is not None else None
    was = f"  was:  {subprocess.list2cmdline([old[0]])} {old[1]}\n" if old else ""
    return (f"Autostart {'installed' if before is None else 'replaced'}: the task \"{TASK}\" "
            f"starts the server when this machine boots, with no one logged on, and again a "
            f"minute after it fails; it is running now.\n"
            f"  runs: {shown(_windowless(server, system), system)}\n{was}"
            + undo_hint(server, system))


def remove_task(system: System) -> str:
    """End and delete the task; return what was done."""
    if not system.which("schtasks"):
        raise Refused("schtasks (Task Scheduler) was not found on this machine")
    if _query_task(system) is None:
        return "Autostart is not installed; nothing to remove."
    system.run(["schtasks", "/End", "/TN", TASK])  # deleting a task leaves its program running
    done = system.run(["schtasks", "/Delete", "/TN", TASK, "/F"])
    if done.returncode != 0:
        raise Refused(f"Task Scheduler could not delete the task: {last_line(done)} "
                      f"(open the command prompt as administrator)")
    return (f"Autostart removed: the task \"{TASK}\" is stopped and deleted. "
            f"Start the server by hand when it is needed.")


def task_state_line(system: System, folder: Path, server: Server | None) -> tuple[bool, str]:
    """Return whether the task serves this folder and runs now, and the line saying so."""
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
