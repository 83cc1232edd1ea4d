"""Totals per office day, kept with every change to the responses: a period's IKM and its
interval are then sums of a few rows per day, however many responses there are."""
from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

from sqlite_utils import Database

from store.schema import ANSWER_COLUMNS, write_transaction

KEY = ("counted", "service", "local_date", "questionnaire", "channel")
# Besides a row per service, each day has one for every service together: the office's
# figures then read one row per day, not one per service (a year at a busy office: 260
# rows instead of 3,400). No service code can be "*" (letters, digits and "-").
EVERY_SERVICE = "*"
PAIRS = tuple(combinations(ANSWER_COLUMNS, 2))
# Per unsur: how many answered it (n), the sum (s) and the sum of squares (q) of the answers.
# Per pair u < v, over the respondents who answered both: how many (b), the sum of u (x),
# the sum of v (y) and of u * v (p): what the interval's influence sum expands into
# (ikm.uncertainty.squared_influence). Every one is an integer that adds up across rows.
UNSUR = {f"{k}_{c}": e for c in ANSWER_COLUMNS
         for k, e in (("n", f"count({c})"), ("s", f"sum({c})"), ("q", f"sum({c} * {c})"))}
PAIR = {f"{k}_{u}_{v}": e for u, v in PAIRS
        for k, e in (("b", f"count({u} * {v})"), ("x", f"sum({u} * ({v} > 0))"),
                     ("y", f"sum({v} * ({u} > 0))"), ("p", f"sum({u} * {v})"))}
COLUMNS = ("respondents", *UNSUR, *PAIR)
# A response with no answer at all counts nowhere in the IKM, so it has no totals either.
ANY_ANSWER = " OR ".join(f"{c} IS NOT NULL" for c in ANSWER_COLUMNS)
_KEYS = ", ".join(KEY)
_NAMES = ", ".join((*KEY, *COLUMNS))


def grouped(where: str, sign: str = "") -> str:
    """Return the SELECT of the totals per key of the responses matching `where` (the
    store's own conditions, never text from outside); `sign` "-" negates them."""
    sums = ", ".join(f"{sign}coalesce({e}, 0) AS {c}"
                     for c, e in (("respondents", "count(*)"), *UNSUR.items(), *PAIR.items()))
    return (f"SELECT {_KEYS}, {sums} FROM responses WHERE ({where}) AND ({ANY_ANSWER}) "
            f"GROUP BY {_KEYS}")


def every_service(source: str) -> str:
    """Return the SELECT that adds up the rows of `source` (a table of grouped() rows) per
    day across services, as rows of EVERY_SERVICE."""
    keys = _KEYS.replace("service", f"'{EVERY_SERVICE}'")
    return (f"SELECT {keys}, {', '.join(f'sum({c})' for c in COLUMNS)} FROM {source} "
            f"WHERE service != '{EVERY_SERVICE}' GROUP BY counted, local_date, questionnaire, "
            "channel")


def _upsert(db: Database, where: str, params: Sequence, sign: str = "") -> None:
    add = ", ".join(f"{c} = {c} + excluded.{c}" for c in COLUMNS)
    # "WHERE true": SQLite's way to tell an upsert's ON from a join's after a SELECT.
    db.execute(f"WITH batch AS ({grouped(where, sign)}) INSERT INTO daily_totals ({_NAMES}) "
               f"SELECT * FROM (SELECT * FROM batch UNION ALL {every_service('batch')}) "
               f"WHERE true ON CONFLICT ({_KEYS}) DO UPDATE SET {add}", params)


def last_rowid(db: Database) -> int:
    """Return the rowid of the newest response (0 when there is none): count_new's mark."""
    return db.execute("SELECT coalesce(max(rowid), 0) FROM responses").fetchone()[0]


def count_new(db: Database, after: int) -> None:
    """Add the responses inserted since last_rowid() gave `after` (same transaction)."""
    # Within the write transaction new rows get rowids above every existing one.
    _upsert(db, "rowid > ?", [after])


def _in(rowids: Sequence[int]) -> str:
    return f"rowid IN ({', '.join('?' * len(rowids))})"


def put_in(db: Database, rowids: Sequence[int]) -> None:
    """Add these stored responses to the totals (after a change that counts them anew)."""
    if rowids:
        _upsert(db, _in(rowids), rowids)


def take_out(db: Database, rowids: Sequence[int]) -> None:
    """Subtract these stored responses from the totals, before they change or go."""
    if not rowids:
        return
    _upsert(db, _in(rowids), rowids, "-")
    # A key whose last response left holds only zeros: gone, as a rebuild would leave it.
    db.execute("DELETE FROM daily_totals WHERE respondents = 0 AND local_date IN "
               f"(SELECT local_date FROM responses WHERE {_in(rowids)})", rowids)


def rowids(db: Database, where: str, params: Sequence) -> list[int]:
    """Return the rowids of the responses matching `where` (the store's own conditions)."""
    return [r for (r,) in db.execute(f"SELECT rowid FROM responses WHERE {where}", params)]


def fill(db: Database) -> None:
    """Compute the totals of every stored response into the empty table."""
    db.execute(f"INSERT INTO daily_totals ({_NAMES}) {grouped('1')}")
    db.execute(f"INSERT INTO daily_totals ({_NAMES}) {every_service('daily_totals')}")


Key = tuple[int, str, str, str, str]


def differences(db: Database) -> list[Key]:
    """Return the keys whose stored totals differ from the responses' (none, normally)."""
    # In one read transaction: the responses and the totals compared are of one moment,
    # while kiosks may go on writing (WAL), and no writer is held up.
    opened = not db.conn.in_transaction
    if opened:
        db.execute("BEGIN")
    try:
        db.execute(f"CREATE TEMP TABLE fresh AS {grouped('1')}")
        db.execute(f"INSERT INTO fresh {every_service('fresh')}")
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
