"""Realistic survey data for demos, tests and benchmarks: python -m bench.seed INSTANCE."""
from __future__ import annotations

import argparse
import random
import uuid
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta, timezone

from sqlite_utils import Database

import store
from ikm.validation import Incoming
from store.schema import open_db

WIB = timezone(timedelta(hours=7))
# How the office's study found each unsur: facilities and competence weakest.
QUALITY = {"U1": 3.2, "U2": 3.1, "U3": 2.9, "U4": 3.6, "U5": 2.8, "U6": 2.8, "U7": 2.9,
           "U8": 3.0, "U9": 2.5}
# Busy services come up more often.
WEIGHTS = {"KTP-EL": 30, "KK": 25, "PINDAH": 8, "DATANG": 6, "AHLI-WARIS": 5, "KERAMAIAN": 3,
           "BERSIH-DIRI": 4, "DD-ADD": 2, "BLT-DD": 4, "IMB": 2, "SITU": 3, "IUMK": 5,
           "LEGALISIR": 10}
COMMENTS = [
    "Kursi di ruang tunggu kurang, banyak warga berdiri.",
    "AC ruang tunggu rusak, panas sekali.",
    "Petugas perekaman KTP kurang senyum.",
    "Pelayanan cepat, terima kasih.",
    "Listrik padam, disuruh datang besok.",
    "Petugas ramah dan membantu.",
    "Antrean lama, mohon ditambah petugas.",
    "Informasi persyaratan kurang jelas di papan pengumuman.",
]


def answer(rng: random.Random, mean: float) -> int:
    return max(1, min(4, round(rng.gauss(mean, 0.7))))


def why(rid: str, answers: dict[str, int], reasons: dict[str, list[int]]) -> dict[str, int]:
    """Reasons for some unhappy answers, the office's first ones given most often.

    Drawn from the response's own id, so that the main sequence (and every figure other
    tests and benchmarks expect from a seed) is the same as before reasons existed.
    """
    rng = random.Random(rid)
    given = {}
    for code, value in answers.items():
        listed = reasons.get(code)
        if value <= 2 and listed and rng.random() < 0.6:
            given[code] = rng.choices(listed, [len(listed) - i for i in range(len(listed))])[0]
    return given


def response(rng: random.Random, when: datetime, drift: float = 0.0,
             comments: Sequence[str] = COMMENTS, comment_rate: float = 0.12,
             reasons: dict[str, list[int]] | None = None) -> Incoming:
    """One plausible respondent at `when`; `drift` lifts every unsur (improvement)."""
    answers = {c: answer(rng, q + drift) for c, q in QUALITY.items() if rng.random() > 0.03}
    profile = {}
    if rng.random() < 0.8:
        profile["gender"] = rng.choice("LP")
    if rng.random() < 0.7:
        profile["age_group"] = rng.choice(["<20", "20-29", "30-39", "40-49", "50-59", "60+"])
    if rng.random() < 0.6:
        profile["education"] = rng.choices(["SD", "SMP", "SMA", "D1-D3", "D4/S1", "S2+"],
                                           [20, 25, 35, 7, 11, 2])[0]
    if rng.random() < 0.6:
        profile["occupation"] = rng.choices(["PNS", "TNI", "POLRI", "Swasta", "Wirausaha",
                                             "Lainnya"], [8, 2, 2, 25, 30, 33])[0]
    rid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    return Incoming(
        id=rid, service=rng.choices(list(WEIGHTS), list(WEIGHTS.values()))[0],
        answered_at=when, answers=answers, duration_ms=rng.randint(25_000, 90_000),
        profile=profile, comment=rng.choice(comments) if rng.random() < comment_rate else None,
        reasons=why(rid, answers, reasons or {}),
    )


def seed(db: Database, start: date, end: date, per_day: float, rng: random.Random,
         batch: int = 2000, comments: Sequence[str] = COMMENTS, comment_rate: float = 0.12
         ) -> int:
    """Fill office days start..end with about `per_day` responses each; return how many."""
    settings = {**store.settings.read(db), "min_survey_seconds": 0, "burst_count": 10**9}
    reasons: dict[str, list[int]] = {}
    for r in store.reasons.in_order(db, active_only=True):
        reasons.setdefault(r.unsur, []).append(r.id)
    days = (end - start).days + 1
    pending: list[Incoming] = []
    count = 0
    for i in range(days):
        day = start + timedelta(days=i)
        if day.weekday() >= 5:  # the office is closed at weekends
            continue
        drift = 0.3 * i / max(days, 1)  # a slow improvement over the period
        for _ in range(max(0, round(rng.gauss(per_day, per_day * 0.25)))):
            minute = rng.randint(0, 8 * 60)
            when = datetime.combine(day, time(7, 30), WIB) + timedelta(minutes=minute)
            pending.append(response(rng, when, drift, comments, comment_rate, reasons))
            if len(pending) >= batch:
                count += len(pending)
                store.responses.record(db, None, pending, settings)
                pending = []
    if pending:
        count += len(pending)
        store.responses.record(db, None, pending, settings)
    return count


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.seed", description=__doc__)
    parser.add_argument("instance", help="instance folder (its skm.db is filled)")
    parser.add_argument("--months", type=int, default=13)
    parser.add_argument("--per-day", type=float, default=12)
    parser.add_argument("--seed", type=int, default=14_2017)
    args = parser.parse_args()
    db = open_db(f"{args.instance}/skm.db")
    end = date.today()
    start = end - timedelta(days=round(args.months * 30.5))
    n = seed(db, start, end, args.per_day, random.Random(args.seed))
    print(f"{n} responses from {start} to {end}")


if __name__ == "__main__":
    main()
