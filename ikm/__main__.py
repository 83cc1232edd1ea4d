"""The calculator: python -m ikm FILE [--method 2017|2004] [--json]."""
from __future__ import annotations

import argparse
import json
import sys

from ikm.method import METHODS, SHORT_2017, get_method
from ikm.scoring import Result, score_rows
from ikm.sheet import InputError, read_sheet

EXIT_INPUT = 2


def _fmt(value, places: int) -> str:
    return "-" if value is None else f"{value:.{places}f}"


def format_table(result: Result, source: str) -> str:
    """Return the result as a table for a terminal or a printout."""
    width = max(len(u.name) for u in result.unsur)
    lines = [
        f"IKM of {source}",
        f"Method: {result.method.name}",
        f"Respondents: {result.respondents}",
        "",
        f"{'Unsur':<5} {'Name':<{width}} {'Total':>7} {'n':>6} {'NRR':>6} "
        f"{'NRR tertimbang':>14} {'Mutu':>4}",
    ]
    data = result.to_dict()
    for u in data["unsur"]:
        lines.append(
            f"{u['code']:<5} {u['name']:<{width}} {u['total']:>7} {u['n']:>6} "
            f"{_fmt(u['nrr'], 3):>6} {_fmt(u['nrr_weighted'], 3):>14} {u['grade'] or '-':>4}"
        )
    lines += [
        "",
        f"Index (NI):  {_fmt(data['index'], 4)}",
        f"IKM:         {_fmt(result.ikm, 2)}",
    ]
    if data["ci95"]:
        lines.append(f"95% CI:      {data['ci95'][0]:.2f} - {data['ci95'][1]:.2f}")
    lines.append(f"Mutu:        {result.grade} ({result.kinerja})")
    if not result.complete:
        lines.append(
            f"Note: only {result.covered} of {len(result.method.unsur)} unsur have answers; "
            f"this IKM is over those {result.covered}, not the full index."
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the calculator; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m ikm",
        description="Compute the IKM (Indeks Kepuasan Masyarakat) of a .csv or .xlsx file "
        "with one row per respondent and one column per unsur (U1..U9 or official names).",
    )
    parser.add_argument("file", metavar="FILE")
    parser.add_argument(
        "--method", default="2017", choices=[*METHODS, SHORT_2017.key],
        help="2017: PermenPAN-RB 14/2017 (default); 2004: KepMenPAN 25/2004; "
        "2017-short: U7, U3, U9 only",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    method = get_method(args.method)
    try:
        sheet = read_sheet(args.file, method)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    for warning in sheet.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    result = score_rows(sheet.rows, method)
    if args.json:
        print(json.dumps({**result.to_dict(), "source": args.file}, ensure_ascii=False))
    else:
        print(format_table(result, args.file))
    return 0


if __name__ == "__main__":
    sys.exit(main())
