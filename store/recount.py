"""The daily totals recounted from the responses in SQL: filled by the migration that made
them, compared and put right by `python kiosk.py rebuild-totals`."""
from __future__ import annotations

from sqlite_utils import Database

from store.daily_totals import ANY_ANSWER, COLUMNS, EVERY_SERVICE, KEY, PAIRS
from store.schema import ANSWER_COLUMNS, write_transaction

# The expressions of COLUMNS over a group of responses, written apart from the Python that
# keeps the table (store.daily_totals.add): a rebuild checks one against the other.
SOME = {"respondents": "count(*)",
        **{f"{k}_{c}": e for c in ANSWER_COLUMNS
           for k, e in (("n", f"count({c})"), ("s", f"sum({c})"), ("q", f"sum({c} * {c})"))},
        **{f"{k}_{u}_{v}": e for u, v in PAIRS
           for k, e in (("b", f"count({u} * {v})"), ("x", f"sum({u} * ({v} > 0))"),
                        ("y", f"sum({v} * ({u} > 0))"), ("p", f"sum({u} * {v})"))}}
# The same over respondents who answered every unsur, most of them: SQLite computes an
# aggregate written more than once only once, so these are 55 sums a response, not 177.
WHOLE = {"respondents": "count(*)",
         **{f"{k}_{c}": e for c in ANSWER_COLUMNS
            for k, e in (("n", "count(*)"), ("s", f"sum({c})"), ("q", f"sum({c} * {c})"))},
         **{f"{k}_{u}_{v}": e for u, v in PAIRS
            for k, e in (("b", "count(*)"), ("x", f"sum({u})"), ("y", f"sum({v})"),
                         ("p", f"sum({u} * {v})"))}}
EVERY_ANSWER = " AND ".join(f"{c} IS NOT NULL" for c in ANSWER_COLUMNS)
_KEYS = ", ".join(KEY)
_NAMES = ", ".join((*KEY, *COLUMNS))


def _summed() -> str:
    """Return the SELECT of the totals per key of every stored response."""
    whole = ", ".join(f"{WHOLE[c]} AS {c}" for c in COLUMNS)
    some = ", ".join(f"coalesce({SOME[c]}, 0) AS {c}" for c in COLUMNS)
    every = _KEYS.replace("service", f"'{EVERY_SERVICE}'")
    return (f"WITH part AS (SELECT {_KEYS}, {whole} FROM responses WHERE {EVERY_ANSWER} "
            f"GROUP BY {_KEYS} UNION ALL SELECT {_KEYS}, {some} FROM responses WHERE "
            f"NOT ({EVERY_ANSWER}) AND ({ANY_ANSWER}) GROUP BY {_KEYS}) "
            f"SELECT {_KEYS}, {', '.join(f'sum({c}) AS {c}' for c in COLUMNS)} FROM (SELECT * FROM "
            f"part UNION ALL SELECT {every}, {', '.join(COLUMNS)} FROM part) GROUP BY {_KEYS}")


def fill(db: Database) -> None:
    """Compute the totals of every stored response into the empty table."""
    db.execute(f"INSERT INTO daily_totals ({_NAMES}) {_summed()}")


Key = tuple[int, str, str, str, str]


def differences(db: Database) -> list[Key]:
    """Return the keys whose stored totals differ from the responses' (none, normally)."""
    # In one read transaction: the responses and the totals compared are of one moment,
    # while kiosks may go on writing (WAL), and no writer is held up.
    opened = not db.conn.in_transaction
    if opened:
        db.execute("BEGIN")
    try:
        db.execute(f"CREATE TEMP TABLE fresh AS {_summed()}")
        stored = f"SELECT {_NAMES} FROM main.daily_totals"
        computed = f"SELECT {_NAMES} FROM temp.fresh"
        found = db.execute(
            f"SELECT {_KEYS} FROM ({stored} EXCEPT {computed}) UNION "
            f"SELECT {_KEYS} FROM ({computed} EXCEPT {stored}) "
            "ORDER BY local_date, service, questionnaire, channel, counted").fetchall()
        db.execute("DROP TABLE temp.fresh")
    finally:
        if opened:
            db.execute("ROLLBACK")  # nothing was written but the temporary table
    return [tuple(row) for row in found]


def rebuild(db: Database) -> list[Key]:
    """Recompute the totals from the responses where they differ; return the keys fixed."""
    # Compared first without the write lock, as the server may be running; only a
    # difference takes it, to compare again and put the totals right.
    if not differences(db):
        return []
    with write_transaction(db):
        wrong = differences(db)
        db.execute("DELETE FROM daily_totals")
        fill(db)
    return wrong
