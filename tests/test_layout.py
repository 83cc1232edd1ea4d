"""The house rules, held by tests: each package keeps to its room, and the checkers agree."""
from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What each package may not import: ikm/ is pure (the calculator must run on its own);
# store/ serves the others and never the other way round; results/ knows no HTTP.
FORBIDDEN = {
    "ikm": ("flask", "flask_babel", "flask_login", "flask_wtf", "werkzeug", "sqlite_utils",
            "sqlite3", "store", "results", "web", "host", "kiosk"),
    "store": ("flask", "flask_babel", "flask_login", "flask_wtf", "results", "web", "host",
              "kiosk"),
    "host": ("flask", "flask_babel", "flask_login", "flask_wtf", "results", "web", "kiosk"),
    "results": ("flask", "flask_login", "flask_wtf", "web", "kiosk"),
}
# Calls that run SQL: only store/ makes them.
SQL_CALLS = {"execute", "executemany", "executescript", "query", "rows_where", "count_where",
             "table", "insert_all", "upsert_all", "delete_where"}
SQL_TEXT = re.compile(r"^\s*(SELECT\s|INSERT\s+INTO\s|UPDATE\s+\w+\s+SET\s|DELETE\s+FROM\s|"
                      r"CREATE\s+(TABLE|INDEX|TRIGGER)\s|PRAGMA\s)")


def sources(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def imported(path: Path) -> set[str]:
    """Return the top-level names of every module a file imports, at any depth in it."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_each_package_imports_only_what_its_room_allows(package):
    offences = {f"{p.relative_to(ROOT)} imports {name}" for p in sources(package)
                for name in imported(p) & set(FORBIDDEN[package])}
    assert not offences, sorted(offences)


def test_the_rule_catches_a_forbidden_import(tmp_path):
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("def f():\n    from sqlite_utils import Database\n")
    assert "sqlite_utils" in imported(sneaky)


def sql_in(path: Path) -> list[str]:
    """Return where a file runs SQL or holds SQL text."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in SQL_CALLS and node.args):  # not Period.query()
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.func.attr}()")
        elif (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
              and node.value.id == "db"):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} db[...]")
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
              and SQL_TEXT.match(node.value)):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} SQL text")
    return found


def test_only_the_store_runs_sql():
    found = [hit for p in [*sources("web", "results", "ikm", "host", "cli"), ROOT / "kiosk.py"]
             for hit in sql_in(p)]
    assert not found, found


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def test_ruff_finds_nothing():
    done = run("ruff", "check", "--no-cache", ".")
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_finds_nothing_in_ikm_and_store():
    done = run("mypy", "--no-incremental")  # files and settings from pyproject.toml
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_sql_rule_catches_sql_outside_the_store(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    page = tmp_path / "page.py"
    page.write_text('def view(db):\n    db.execute("SELECT 1")\n    return db["users"]\n')
    assert [hit.split(" ", 1)[1] for hit in sql_in(page)] == [".execute()", "db[...]",
                                                              "SQL text"]


def test_the_ikm_page_reads_in_at_most_eleven_statements(login, db, monkeypatch):
    import uuid
    from datetime import date, timedelta

    import store
    import web.database
    from ikm.office import DEFAULTS
    from ikm.validation import parse

    client = login("viewer")
    today = date.today()
    known = store.reasons.unsur_of(db)
    first = min(rid for rid, unsur in known.items() if unsur == "U1")
    items = [parse({"id": str(uuid.uuid4()), "service": service, "duration_ms": 40000,
                    "answered_at": f"{day.isoformat()}T10:00:00+07:00",
                    "answers": {f"U{i}": 1 + (i + n) % 4 for i in range(1, 10)},
                    "reasons": {"U1": first} if n == 0 else {},  # U1 is 2 here
                    "profile": {"gender": "P", "age": 30 + n}}, {"KK", "IMB"}, known)
             for n, (day, service) in enumerate([(today, "KK"), (today, "IMB"),
                                                 (today - timedelta(days=40), "KK")])]
    store.responses.record(db, None, items, {**DEFAULTS, "min_survey_seconds": 0})
    statements: list[str] = []
    real = web.database.connect

    def counting(path, timeout=10):
        conn = real(path, timeout)
        conn.conn.set_trace_callback(statements.append)
        return conn

    monkeypatch.setattr("web.database.connect", counting)
    assert client.get("/staff/").status_code == 200  # a new connection, counted from here
    statements.clear()
    page = client.get("/staff/")
    assert page.status_code == 200 and "Indeks Kepuasan Masyarakat" in page.text
    # Eleven: the eight of the IKM, one read of the follow-up plans for the PEKPPP card, and
    # two of the reasons for unhappy answers (how often each was given; the unhappy answers).
    assert len(statements) <= 11, "\n".join(s[:90] for s in statements)
