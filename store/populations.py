"""How many people each service served per month, as staff enter them (for the sample size)."""
from __future__ import annotations

from sqlite_utils import Database

from store import audit
from store.schema import write_transaction


def population(db: Database, months: list[str]) -> int | None:
    """Return the service users of these months (YYYY-MM), a month without figures
    taking the latest earlier month's; None when nothing was ever entered."""
    total, known = 0, False
    for month in months:
        row = db.execute(
            "SELECT month, sum(count) FROM populations WHERE month = "
            "(SELECT max(month) FROM populations WHERE month <= ?)", [month]).fetchone()
        if row and row[0]:
            total += row[1]
            known = True
    return total if known else None


def of_month(db: Database, month: str) -> dict[str, int]:
    """Return the service users entered for a month (YYYY-MM), by service."""
    return {service: count for service, count in db.execute(
        "SELECT service, count FROM populations WHERE month = ?", [month])}


def set_population(db: Database, month: str, counts: dict[str, int], *,
                   actor: audit.Actor) -> None:
    """Store how many service users each service had in a month (YYYY-MM)."""
    with write_transaction(db):
        db.table("populations").delete_where("month = ?", [month])
        db.table("populations").insert_all(
            {"month": month, "service": code, "count": n} for code, n in counts.items() if n)
        figures = " ".join(f"{code}={n}" for code, n in counts.items() if n)
        audit.record(db, "population", actor, f"{month}: {figures or 'none'}")
