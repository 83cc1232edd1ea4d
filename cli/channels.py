"""`slips`, `paper-forms` and `import-paper`: the survey beyond the kiosk."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import store
from cli.common import base_url, open_instance


def cmd_slips(args: argparse.Namespace) -> int:
    """Make one-time survey slips: print each one's link, and write their sheets as a PDF."""
    from results import slip_sheet

    _, db = open_instance(args)
    try:
        made, settings = slip_sheet.make(db, args.count, args.service, args.days, args.url,
                                         base_url(args), actor=store.audit.COMMAND_LINE)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        db.close()
    print("\n".join(slip.link for slip in made), flush=True)  # one link a line, for scripts
    if args.pdf:
        # The slips are made: a PDF that cannot be written is said, and the links stay above.
        Path(args.pdf).write_bytes(slip_sheet.to_pdf(made, settings["office_name"]))
        print(f"PDF written: {os.path.abspath(args.pdf)}", file=sys.stderr)
    return 0


def cmd_paper_forms(args: argparse.Namespace) -> int:
    """Reserve the next N serials and write their printable forms as one HTML file."""
    from web.paper import forms_file

    serial = store.paper.serial_text
    app, db = open_instance(args)
    try:
        first, last = store.paper.new_batch(db, args.count, actor=store.audit.COMMAND_LINE)
        with app.test_request_context():
            page = forms_file(db, store.settings.read(db), first, last)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        db.close()
    out = Path(args.out or f"formulir-{serial(first)}-{serial(last)}.html")
    out.write_text(page, encoding="utf-8")
    print(f"Forms {serial(first)} to {serial(last)} ({last - first + 1}) reserved, "
          f"written to {os.path.abspath(out)}: open it in a browser and print it on A4.")
    return 0


def cmd_import_paper(args: argparse.Namespace) -> int:
    """Store a spreadsheet of paper forms, all or nothing; serials already stored are skipped."""
    from ikm.periods import BadDate, parse_date
    from ikm.sheet import InputError
    from results import paper_import

    _, db = open_instance(args)
    try:
        day = parse_date("--date", args.date) if args.date else None
        done = paper_import.run(db, args.file, store.settings.read(db),
                                actor=store.audit.COMMAND_LINE, dry_run=args.dry_run,
                                source=f"import-paper {os.path.basename(args.file)}",
                                service=args.service, day=day)
    except (InputError, BadDate) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        db.close()
    for warning in done.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(paper_import.describe(done, args.dry_run))
    return 0
