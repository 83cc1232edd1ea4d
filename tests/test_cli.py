"""python kiosk.py: the server and its admin commands."""
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import kiosk
import store
from store.schema import connect

ROOT = Path(__file__).resolve().parent.parent


def test_add_kiosk_prints_a_pairing_link_and_a_token_that_works(tmp_path, capsys):
    assert kiosk.main(["--instance", str(tmp_path), "add-kiosk", "Loket 1",
                       "--url", "http://192.168.1.10:5000"]) == 0
    out = capsys.readouterr().out
    link = re.search(r"http://192\.168\.1\.10:5000/kiosk/pair#(\S+)", out)
    token = re.search(r"Token.*\n\s+(\S+)", out).group(1)
    assert link and link.group(1) == token
    db = connect(tmp_path / "skm.db")
    assert store.kiosks.kiosk_for_token(db, token)["name"] == "Loket 1"
    # The token itself is never stored, only its hash.
    assert token not in str(list(db["kiosks"].rows))


def test_instance_may_come_after_the_command(tmp_path, capsys):
    assert kiosk.main(["add-kiosk", "Loket 2", "--instance", str(tmp_path)]) == 0
    assert (tmp_path / "skm.db").exists()


def test_add_kiosk_needs_a_name(tmp_path, capsys):
    assert kiosk.main(["add-kiosk", "  ", "--instance", str(tmp_path)]) == 2
    assert "needs a name" in capsys.readouterr().err


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_python_kiosk_py_serves_on_a_fresh_instance(tmp_path):
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "kiosk.py", "--host", "127.0.0.1", "--port", str(port),
         "--instance", str(tmp_path / "inst")],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/kiosk/", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert page.status == 200 and "kiosk-config" in page.read().decode()
        assert (tmp_path / "inst" / "skm.db").exists()
        assert (tmp_path / "inst" / "secret_key").exists()
    finally:
        server.terminate()
        out = server.communicate(timeout=10)[0]
    assert "/kiosk/" in out and "Traceback" not in out


def audit_entries(folder: Path) -> list[dict]:
    db = connect(folder / "skm.db")
    entries = list(db["audit"].rows_where(order_by="id"))
    db.close()
    return entries


def test_the_command_line_changes_are_audited_without_passwords_or_tokens(
        tmp_path, capsys, monkeypatch):
    import io

    assert kiosk.main(["add-kiosk", "Loket  1", "--instance", str(tmp_path),
                       "--url", "http://192.168.1.10:5000"]) == 0
    token = re.search(r"Token.*\n\s+(\S+)", capsys.readouterr().out).group(1)
    monkeypatch.setattr("sys.stdin", io.StringIO("kata-sandi-rahasia\n"))
    assert kiosk.main(["create-user", "Camat", "--role", "admin", "--instance",
                       str(tmp_path)]) == 0
    dest = tmp_path / "cadangan.db"
    assert kiosk.main(["backup", str(dest), "--instance", str(tmp_path)]) == 0
    entries = audit_entries(tmp_path)
    assert [(e["action"], e["detail"]) for e in entries] == [
        ("kiosk", "1: added as Loket 1"),
        ("user", "camat: created as admin"),
        ("backup", f"backup written to {dest}"),
    ]
    assert all(e["via"] == "cli" and e["username"] is None and e["ip"] is None
               for e in entries)
    assert not any(secret in str(entries) for secret in (token, "kata-sandi-rahasia"))


@pytest.mark.parametrize("command, table", [
    (["add-kiosk", "Loket 1"], "kiosks"),
    (["create-user", "camat", "--role", "admin"], "users"),
])
def test_a_change_and_its_audit_entry_are_written_together_or_not_at_all(
        tmp_path, monkeypatch, command, table):
    import io

    def failing(*args):
        raise RuntimeError("the audit entry could not be written")

    monkeypatch.setattr("store.audit.record", failing)
    monkeypatch.setattr("sys.stdin", io.StringIO("kata-sandi-rahasia\n"))
    with pytest.raises(RuntimeError):
        kiosk.main([*command, "--instance", str(tmp_path)])
    db = connect(tmp_path / "skm.db")
    assert db[table].count == 0
    db.close()
