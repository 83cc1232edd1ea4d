"""python kiosk.py autostart: the server starts at boot and again when it stops."""
from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from host import autostart

NS = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}


class FakeSystem(autostart.System):
    """A machine that records the commands run on it and keeps its files in tmp_path."""

    def __init__(self, tmp_path: Path, platform: str = "linux", root: bool = False,
                 fail: dict[str, str] | None = None) -> None:
        self.platform = platform
        self.python = str(tmp_path / "py env" / "bin" / "python")
        self.system_units = tmp_path / "etc" / "systemd" / "system"
        self.systemd_marker = tmp_path / "run" / "systemd" / "system"
        self.systemd_marker.mkdir(parents=True)
        self.temp_dir = str(tmp_path)
        self.config = tmp_path / "home" / ".config"
        self.root = root
        self.programs = {"systemctl", "loginctl", "schtasks"}
        self.fail = fail or {}  # a command's start -> what it says on failing
        self.calls: list[list[str]] = []
        self.active, self.enabled = "inactive", ""
        self.task: str | None = None  # the task's XML as schtasks would show it
        self.task_files: list[bytes] = []

    def user_units(self) -> Path:
        return self.config / "systemd" / "user"

    def which(self, program: str) -> str | None:
        return f"/usr/bin/{program}" if program in self.programs else None

    def is_root(self) -> bool:
        return self.root

    def user(self) -> str:
        return "ayu"

    def owner(self, path: Path) -> str:
        return "camat"

    def run(self, argv: list[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
        self.calls.append(argv)
        line = " ".join(argv)
        for start, message in self.fail.items():
            if line.startswith(start):
                return subprocess.CompletedProcess(argv, 1, "", message)
        words = [w for w in argv if w != "--user"]
        out = ""
        if words[:2] == ["systemctl", "show"]:
            out = f"ActiveState={self.active}\nUnitFileState={self.enabled}\n"
        elif words[:2] == ["systemctl", "enable"]:
            self.enabled = "enabled"
            self.active = "active" if "--now" in words else self.active
        elif words[:2] == ["systemctl", "restart"]:
            self.active = "active"
        elif words[:2] == ["systemctl", "disable"]:
            self.enabled, self.active = "disabled", "inactive"
        elif words[:2] == ["schtasks", "/Query"]:
            if self.task is None:
                return subprocess.CompletedProcess(argv, 1, "", "ERROR: cannot find it")
            out = self.task
        elif words[:2] == ["schtasks", "/Create"]:
            self.task_files.append(Path(argv[argv.index("/XML") + 1]).read_bytes())
            self.task = self.task_files[-1].decode("utf-16")
        elif words[:2] == ["schtasks", "/Run"]:
            self.active = "Running"
        elif words[:2] == ["schtasks", "/Delete"]:
            self.task = None
        elif words[0] == "powershell":
            out = self.active
        return subprocess.CompletedProcess(argv, 0, out, "")

    def changes(self) -> list[list[str]]:
        """Return the calls that change something (not the queries)."""
        queries = ("show", "/Query", "powershell")
        return [c for c in self.calls if not any(q in c for q in queries)]


def parser() -> argparse.ArgumentParser:
    """Build the command line as kiosk.py's parser() does, with autostart added."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--instance", default=argparse.SUPPRESS)
    p = argparse.ArgumentParser(parents=[common])
    p.add_argument("--host", default="0.0.0.0")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--behind-proxy", action="store_true")
    autostart.add_parser(p.add_subparsers(), common, 5000)
    return p


@pytest.fixture
def machine(tmp_path):
    return FakeSystem(tmp_path)


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "data 100%"
    path.mkdir()
    return path


def cli(system: FakeSystem, *argv: str) -> int:
    args = parser().parse_args(list(argv))
    return autostart.cmd_autostart(args, 5000, system)


def unit_file(system: FakeSystem) -> Path:
    return system.user_units() / autostart.SERVICE


def exec_start(text: str) -> list[str]:
    """Split an ExecStart line back into its words, as systemd does."""
    line = next(x for x in text.splitlines() if x.startswith("ExecStart="))
    return shlex.split(line.removeprefix("ExecStart=").replace("%%", "%").replace("$$", "$"))


def test_a_user_unit_restarts_the_server_after_the_network_is_up(machine, folder):
    text = autostart.unit(autostart.Server(folder, "0.0.0.0", 5000), machine)
    for line in ("Restart=always", "RestartSec=5", "After=network-online.target",
                 "Wants=network-online.target", "Environment=PYTHONUNBUFFERED=1",
                 f"WorkingDirectory={autostart.REPO}", "WantedBy=default.target"):
        assert line in text.splitlines()
    assert "User=" not in text
    assert exec_start(text) == [machine.python, str(autostart.KIOSK), "--instance", str(folder),
                                "--host", "0.0.0.0", "--port", "5000"]


def test_a_machine_unit_runs_as_the_folders_owner_not_root(tmp_path, folder):
    machine = FakeSystem(tmp_path, root=True)
    text = autostart.unit(autostart.Server(folder, "127.0.0.1", 8080, True), machine)
    assert "User=camat" in text.splitlines()
    assert "WantedBy=multi-user.target" in text.splitlines()
    assert exec_start(text)[-5:] == ["--host", "127.0.0.1", "--port", "8080", "--behind-proxy"]


def test_spaces_and_percent_signs_are_quoted_and_escaped(machine, folder):
    text = autostart.unit(autostart.Server(folder), machine)
    line = next(x for x in text.splitlines() if x.startswith("ExecStart="))
    assert f'"{machine.python}"' in line and f'"{folder}"'.replace("%", "%%") in line
    assert f"Description=SKM kiosk server for the instance folder {folder}".replace(
        "%", "%%") in text
    assert [autostart.systemd_quote(w) for w in ("a$b", 'say "hi"', "")] == [
        "a$$b", '"say \\"hi\\""', '""']


def task(text: str) -> ET.Element:
    return ET.fromstring(text)


def test_the_task_runs_at_boot_as_system_without_a_window(tmp_path, folder):
    machine = FakeSystem(tmp_path, "windows")
    Path(machine.python).parent.mkdir(parents=True)
    Path(machine.python).with_name("pythonw.exe").touch()
    root = task(autostart.task_xml(autostart.Server(folder / "a&b <c>", port=8080), machine))
    assert root.find("t:Triggers/t:BootTrigger", NS) is not None
    assert root.findtext("t:Principals/t:Principal/t:UserId", None, NS) == "S-1-5-18"
    assert root.findtext("t:Principals/t:Principal/t:RunLevel", None, NS) == "HighestAvailable"
    run = root.find("t:Actions/t:Exec", NS)
    assert run is not None
    assert run.findtext("t:Command", None, NS) == str(Path(machine.python).parent / "pythonw.exe")
    assert run.findtext("t:Arguments", None, NS) == subprocess.list2cmdline(
        [str(autostart.KIOSK), "--instance", str(folder / "a&b <c>"), "--host", "0.0.0.0",
         "--port", "8080"])
    assert '"' in run.findtext("t:Arguments", "", NS)  # the folder has spaces
    assert run.findtext("t:WorkingDirectory", None, NS) == str(autostart.REPO)
    settings = {e.tag.split("}")[1]: e.text for e in root.find("t:Settings", NS) or []}
    assert settings["MultipleInstancesPolicy"] == "IgnoreNew"
    assert settings["DisallowStartIfOnBatteries"] == settings["StopIfGoingOnBatteries"] == "false"
    assert [e.text for e in root.iter(f"{{{NS['t']}}}ExecutionTimeLimit")] == ["PT0S"]
    assert root.findtext("t:Settings/t:RestartOnFailure/t:Interval", None, NS) == "PT1M"
    assert root.findtext("t:Settings/t:RestartOnFailure/t:Count", None, NS) == "999"


def test_without_pythonw_the_task_runs_python_itself(tmp_path, folder):
    machine = FakeSystem(tmp_path, "windows")
    root = task(autostart.task_xml(autostart.Server(folder), machine))
    assert root.findtext("t:Actions/t:Exec/t:Command", None, NS) == machine.python


@pytest.mark.parametrize("platform", ["linux", "windows"])
def test_print_shows_the_text_and_changes_nothing(tmp_path, folder, capsys, platform):
    machine = FakeSystem(tmp_path, platform)
    assert cli(machine, "autostart", "install", "--print", "--instance", str(folder)) == 0
    out = capsys.readouterr().out
    assert out == autostart.preview(autostart.Server(folder), machine)
    assert machine.calls == [] and not unit_file(machine).exists()


def test_install_writes_the_unit_then_reloads_enables_and_lingers(machine, folder, capsys):
    assert cli(machine, "autostart", "install", "--instance", str(folder), "--port", "8080") == 0
    assert unit_file(machine).read_text() == autostart.unit(
        autostart.Server(folder, port=8080), machine)
    assert machine.changes() == [
        ["systemctl", "--user", "daemon-reload"],
        ["systemctl", "--user", "enable", "--now", autostart.SERVICE],
        ["loginctl", "enable-linger", "ayu"]]
    out = capsys.readouterr().out
    assert "Autostart installed" in out and "--port 8080" in out
    assert f"To undo: python kiosk.py autostart remove --instance {shlex.quote(str(folder))}" in out


def test_port_given_before_the_command_is_kept(machine, folder):
    assert cli(machine, "--port", "8081", "autostart", "install", "--instance", str(folder)) == 0
    assert "--port 8081" in unit_file(machine).read_text()


def test_as_root_the_unit_is_for_the_whole_machine(tmp_path, folder):
    machine = FakeSystem(tmp_path, root=True)
    assert cli(machine, "autostart", "install", "--instance", str(folder)) == 0
    assert (machine.system_units / autostart.SERVICE).exists()
    assert machine.changes() == [["systemctl", "daemon-reload"],
                                 ["systemctl", "enable", "--now", autostart.SERVICE]]


def test_installing_twice_changes_nothing_the_second_time(machine, folder, capsys):
    assert cli(machine, "autostart", "install", "--instance", str(folder)) == 0
    os.utime(unit_file(machine), (0, 0))
    changes = len(machine.changes())
    capsys.readouterr()
    assert cli(machine, "autostart", "install", "--instance", str(folder)) == 0
    assert unit_file(machine).stat().st_mtime == 0 and len(machine.changes()) == changes
    assert "already installed, nothing changed" in capsys.readouterr().out


def test_another_port_replaces_the_unit_and_restarts_it(machine, folder, capsys):
    cli(machine, "autostart", "install", "--instance", str(folder))
    machine.calls.clear()
    capsys.readouterr()
    assert cli(machine, "autostart", "install", "--instance", str(folder), "--port", "8080") == 0
    assert "--port 8080" in unit_file(machine).read_text()
    assert ["systemctl", "--user", "restart", autostart.SERVICE] in machine.calls
    out = capsys.readouterr().out
    assert "Autostart replaced" in out and "--port 5000" in out


def test_remove_disables_and_deletes_the_unit(machine, folder, capsys):
    cli(machine, "autostart", "install", "--instance", str(folder))
    machine.calls.clear()
    assert cli(machine, "autostart", "remove", "--instance", str(folder)) == 0
    assert not unit_file(machine).exists()
    assert machine.calls == [["systemctl", "--user", "disable", "--now", autostart.SERVICE],
                             ["systemctl", "--user", "daemon-reload"]]
    assert "Autostart removed" in capsys.readouterr().out


@pytest.mark.parametrize("platform", ["linux", "windows"])
def test_remove_when_nothing_is_installed_says_so(tmp_path, folder, capsys, platform):
    machine = FakeSystem(tmp_path, platform)
    assert cli(machine, "autostart", "remove", "--instance", str(folder)) == 0
    assert "not installed; nothing to remove" in capsys.readouterr().out
    assert machine.changes() == []


def test_status_says_each_state_in_one_line(machine, folder, tmp_path, capsys):
    def status(*options: str) -> str:
        assert cli(machine, "autostart", "status", "--instance", str(folder), *options) == 0
        out = capsys.readouterr().out
        assert out.count("\n") == 1
        return out

    assert "not installed" in status()
    cli(machine, "autostart", "install", "--instance", str(folder))
    capsys.readouterr()
    assert "installed and running" in status()
    assert "different folder or options" in status("--port", "8080")
    assert autostart.state(folder, system=machine)[0] is True
    argv = autostart.Server(folder).argv(machine.python)
    installed = " ".join(map(autostart.systemd_quote, argv))
    assert autostart.state(tmp_path / "other", system=machine) == (
        False, f"installed for a different folder or options ({installed})")
    machine.active = "failed"
    assert "installed but not running (failed; see journalctl --user -u skm-kiosk" in status()


def test_state_never_raises(machine, folder):
    def broken(*args, **kwargs):
        raise RuntimeError("the bus is gone")

    machine.run = broken  # type: ignore[method-assign]
    unit_file(machine).parent.mkdir(parents=True)
    unit_file(machine).write_text(autostart.unit(autostart.Server(folder), machine))
    assert autostart.state(folder, system=machine) == (
        False, "could not tell (the bus is gone)")


@pytest.mark.parametrize("missing", ["program", "running"])
def test_without_systemd_install_says_why_and_offers_cron(machine, folder, capsys, missing):
    if missing == "program":
        machine.programs.discard("systemctl")
    else:
        machine.systemd_marker.rmdir()
    assert cli(machine, "autostart", "install", "--instance", str(folder)) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "error: systemd is not running on this machine, so autostart cannot use it"
    assert err[1].startswith("add this line to crontab -e: @reboot ")
    assert "data 100\\%" in err[1] and len(err) == 2
    assert machine.calls == [] and not unit_file(machine).parent.exists()


def test_a_unit_that_cannot_be_written_leaves_nothing_behind(machine, folder, capsys,
                                                             monkeypatch):
    def denied(*args):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", denied)
    assert cli(machine, "autostart", "install", "--instance", str(folder)) == 2
    err = capsys.readouterr().err
    assert f"error: cannot write {unit_file(machine)}: Permission denied" in err
    assert "start it by hand: " in err
    assert list(unit_file(machine).parent.iterdir()) == [] and machine.calls == []


@pytest.mark.parametrize("failing", ["systemctl --user enable", "loginctl enable-linger"])
def test_a_failing_step_after_the_write_removes_the_unit(tmp_path, folder, capsys, failing):
    machine = FakeSystem(tmp_path, fail={failing: "Access denied"})
    assert cli(machine, "autostart", "install", "--instance", str(folder)) == 2
    assert not unit_file(machine).exists()
    assert machine.calls[-2:] == [
        ["systemctl", "--user", "disable", "--now", autostart.SERVICE],
        ["systemctl", "--user", "daemon-reload"]]
    err = capsys.readouterr().err
    assert f"error: {failing}" in err and "failed: Access denied" in err


def test_a_failed_replacement_puts_the_old_unit_back(machine, folder):
    cli(machine, "autostart", "install", "--instance", str(folder))
    before = unit_file(machine).read_text()
    machine.fail = {"systemctl --user restart": "Job failed"}
    assert cli(machine, "autostart", "install", "--instance", str(folder), "--port", "8080") == 2
    assert unit_file(machine).read_text() == before


def test_a_user_install_beside_a_machine_wide_one_is_refused(machine, folder, capsys):
    machine.system_units.mkdir(parents=True)
    (machine.system_units / autostart.SERVICE).write_text("[Unit]\n")
    assert cli(machine, "autostart", "install", "--instance", str(folder)) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [f"error: it is installed for the whole machine ({machine.system_units}/"
                   f"{autostart.SERVICE})", "change it as root: sudo python kiosk.py autostart "
                   f"install --instance {shlex.quote(str(folder))}"]
    assert not unit_file(machine).exists()
    assert cli(machine, "autostart", "remove") == 2
    assert "remove it as root: sudo python kiosk.py autostart remove" in capsys.readouterr().err
    assert machine.changes() == []


@pytest.mark.parametrize("platform, fail, instead", [
    ("linux", {}, "if cron starts it, delete its @reboot line with: crontab -e"),
    ("linux", {"systemctl --user disable": "Failed to connect to bus"},
     "by hand: systemctl --user disable --now skm-kiosk.service, then delete "),
    ("windows", {"schtasks /Delete": "ERROR: Access is denied."},
     'delete the task "SKM Kiosk" in Task Scheduler (taskschd.msc) as administrator'),
])
def test_a_refused_remove_says_how_to_remove_it_by_hand(tmp_path, folder, capsys, platform,
                                                        fail, instead):
    machine = FakeSystem(tmp_path, platform)
    cli(machine, "autostart", "install", "--instance", str(folder))
    if not fail:
        machine.systemd_marker.rmdir()
    machine.fail = fail
    capsys.readouterr()
    assert cli(machine, "autostart", "remove") == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and err[0].startswith("error: ") and err[1].startswith(instead)
    assert machine.task is not None if platform == "windows" else unit_file(machine).exists()


def test_windows_install_creates_the_task_from_its_xml_and_runs_it(tmp_path, folder, capsys):
    machine = FakeSystem(tmp_path, "windows")
    assert cli(machine, "autostart", "install", "--instance", str(folder)) == 0
    create, run = machine.changes()
    assert create[:5] == ["schtasks", "/Create", "/TN", "SKM Kiosk", "/XML"]
    assert create[6:] == ["/F"] and not Path(create[5]).exists()  # the temporary file is gone
    assert run == ["schtasks", "/Run", "/TN", "SKM Kiosk"]
    xml = autostart.task_xml(autostart.Server(folder), machine)
    assert machine.task_files == [xml.encode("utf-16")]
    assert "Autostart installed" in capsys.readouterr().out
    assert "installed and running" in autostart.state(folder, system=machine)[1]

    assert cli(machine, "autostart", "install", "--instance", str(folder)) == 0
    assert len(machine.task_files) == 1
    assert "nothing changed" in capsys.readouterr().out
    assert cli(machine, "autostart", "install", "--instance", str(folder), "--port", "81") == 0
    assert ["schtasks", "/End", "/TN", "SKM Kiosk"] in machine.calls
    assert "Autostart replaced" in capsys.readouterr().out


def test_windows_remove_ends_and_deletes_the_task(tmp_path, folder, capsys):
    machine = FakeSystem(tmp_path, "windows")
    cli(machine, "autostart", "install", "--instance", str(folder))
    machine.calls.clear()
    assert cli(machine, "autostart", "remove") == 0
    assert machine.changes() == [["schtasks", "/End", "/TN", "SKM Kiosk"],
                                 ["schtasks", "/Delete", "/TN", "SKM Kiosk", "/F"]]
    assert machine.task is None and "Autostart removed" in capsys.readouterr().out


def test_schtasks_refusing_exits_2_and_says_how_to_start_by_hand(tmp_path, folder, capsys):
    machine = FakeSystem(tmp_path, "windows", fail={"schtasks /Create": "ERROR: Access is denied."})
    assert cli(machine, "autostart", "install", "--instance", str(folder)) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("error: Task Scheduler refused the task: ERROR: Access is denied.")
    assert err[1] == "start it by hand: " + subprocess.list2cmdline(
        autostart.Server(folder).argv(machine.python))
    assert machine.task is None


def test_a_task_that_does_not_start_is_deleted(tmp_path, folder, capsys):
    machine = FakeSystem(tmp_path, "windows", fail={"schtasks /Run": "ERROR: no"})
    assert cli(machine, "autostart", "install", "--instance", str(folder)) == 2
    assert machine.task is None and machine.calls[-1][:2] == ["schtasks", "/Delete"]


def test_without_schtasks_install_is_refused(tmp_path, folder, capsys):
    machine = FakeSystem(tmp_path, "windows")
    machine.programs.clear()
    assert cli(machine, "autostart", "install", "--instance", str(folder)) == 2
    assert "schtasks (Task Scheduler) was not found" in capsys.readouterr().err


def test_another_system_is_refused_with_the_command_to_run_by_hand(tmp_path, folder, capsys):
    machine = FakeSystem(tmp_path, "darwin")
    assert cli(machine, "autostart", "install", "--instance", str(folder)) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == ["error: autostart knows systemd (Linux) and Task Scheduler (Windows), "
                   "not darwin",
                   "start it by hand: " + shlex.join(autostart.Server(folder).argv(machine.python))]
    assert autostart.state(folder, system=machine) == (False, "not available on darwin")


def test_the_sub_command_runs_on_the_real_system_class(machine, folder, monkeypatch, capsys):
    monkeypatch.setattr(autostart, "System", lambda: machine)
    args = parser().parse_args(["autostart", "status", "--instance", str(folder)])
    assert args.func(args) == 0
    assert "not installed" in capsys.readouterr().out


def test_a_missing_program_is_a_failed_run_not_an_exception(tmp_path):
    done = autostart.System().run([str(tmp_path / "no-such-program")])
    assert done.returncode == 127 and done.stderr
