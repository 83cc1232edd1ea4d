"""Totals per office day, kept with every change to the responses: a period's IKM and its
interval are then sums of a few rows per day, however many responses there are."""
from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence
from itertools import combinations
from typing import TypeGuard

from sqlite_utils import Database

from store.schema import ANSWER_COLUMNS

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
COLUMNS = ("respondents", *(f"{k}_{c}" for c in ANSWER_COLUMNS for k in "nsq"),
           *(f"{k}_{u}_{v}" for u, v in PAIRS for k in "bxyp"))

# A respondent answered at least one unsur: a response with no answer at all counts nowhere.
ANY_ANSWER = " OR ".join(f"{c} IS NOT NULL" for c in ANSWER_COLUMNS)
Response = tuple[tuple, Sequence[int | None]]  # a response's key (KEY) and answers (U1..U9)

_N = len(ANSWER_COLUMNS)
_IJ = tuple(combinations(range(_N), 2))
_PAIR_AT = tuple((i, j, 1 + 3 * _N + 4 * k) for k, (i, j) in enumerate(_IJ))
# Where each of COLUMNS is in such a vector: everyone answered each unsur and each pair.
_SPREAD = operator.itemgetter(
    0, *(at for i in range(_N) for at in (0, 1 + i, 1 + _N + i)),
    *(at for k, (i, j) in enumerate(_IJ) for at in (0, 1 + i, 1 + j, 1 + 2 * _N + k)))
_UPSERT = (f"INSERT INTO daily_totals ({', '.join((*KEY, *COLUMNS))}) "
           f"VALUES ({', '.join('?' * (len(KEY) + len(COLUMNS)))}) "
           f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET "
           + ", ".join(f"{c} = {c} + excluded.{c}" for c in COLUMNS))
_EMPTIED = ("DELETE FROM daily_totals WHERE " + " AND ".join(f"{k} = ?" for k in KEY)
            + " AND respondents = 0")


def of(db: Database, where: str, params: Sequence) -> list[Response]:
    """Return the key and answers of the stored responses matching the store's own `where`."""
    found = db.execute(f"SELECT {', '.join(KEY)}, {', '.join(ANSWER_COLUMNS)} FROM responses "
                       f"WHERE {where}", params)
    return [(row[:len(KEY)], row[len(KEY):]) for row in found]


def add(db: Database, responses: Iterable[Response], sign: int = 1) -> None:
    """Add responses to their keys' totals (sign -1: take them out) in the caller's transaction."""
    # Summed per key in Python first, so that a batch costs an upsert per day and service.
    # Most respondents answer every unsur: their 55 distinct sums are added as one vector
    # and spread over the pairs' columns once per key, not once per response.
    whole: dict[tuple, list[int]] = {}
    some: dict[tuple, list[int]] = {}
    for key, answers in responses:
        if _every(answers):
            vector = [1, *answers, *map(operator.mul, answers, answers),
                      *[answers[i] * answers[j] for i, j in _IJ]]
            before = whole.get(key)
            whole[key] = vector if before is None else list(map(operator.add, before, vector))
        elif any(a is not None for a in answers):  # ANY_ANSWER
            _add_some(some.setdefault(key, [0] * len(COLUMNS)), answers)
    totals: dict[tuple, list[int]] = {}
    for key, sums in [*((k, _spread(v)) for k, v in whole.items()), *some.items()]:
        for into in (key, (key[0], EVERY_SERVICE, *key[2:])):
            before = totals.get(into)
            totals[into] = sums if before is None else list(map(operator.add, before, sums))
    db.conn.executemany(_UPSERT, [(*key, *(sums if sign > 0 else [-v for v in sums]))
                                  for key, sums in totals.items()])
    if sign < 0:  # a key whose last response left holds zeros: gone, as a rebuild leaves it
        db.conn.executemany(_EMPTIED, list(totals))


def _every(answers: Sequence[int | None]) -> TypeGuard[Sequence[int]]:
    """Return whether a response answered every unsur."""
    return None not in answers


def _spread(vector: list[int]) -> list[int]:
    """Return COLUMNS' sums from a vector of whole answers' count, sums, squares and products."""
    return list(_SPREAD(vector))


def _add_some(sums: list[int], answers: Sequence[int | None]) -> None:
    """Add a response that left some unsur blank to COLUMNS' sums."""
    sums[0] += 1
    for i, a in enumerate(answers):
        if a is not None:
            sums[1 + 3 * i] += 1
            sums[2 + 3 * i] += a
            sums[3 + 3 * i] += a * a
    for i, j, at in _PAIR_AT:
        a, b = answers[i], answers[j]
        if a is not None and b is not None:
            sums[at] += 1
            sums[at + 1] += a
            sums[at + 2] += b
            sums[at + 3] += a * b
