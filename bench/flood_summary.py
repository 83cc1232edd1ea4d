"""The flood's figures: each round flattened, summarised over rounds, printed per tree."""
from __future__ import annotations

import statistics


def figures(run: dict) -> dict[str, float]:
    """Flatten a round's results into the figures compared between rounds and trees."""
    quiet, flood, flooder, drained = run["quiet"], run["flood"], run["flooder"], (
        run["flood"]["drain"])
    out = {"respondents": run["respondents"]}
    for phase, data in (("quiet", quiet), ("flood", flood)):
        for probe_name in ("ikm", "send"):
            for key in ("median_ms", "p95_ms", "requests", "failures"):
                out[f"{phase}_{probe_name}_{key}"] = data[probe_name][key]
        out[f"{phase}_cpu_percent"] = 100 * data["cpu_seconds"] / data["seconds"]
    requests = sum(flooder.get(k, 0) for k in ("ok", "too_many", "other", "error"))
    out.update({
        "flood_seconds": flood["seconds"],
        "flooder_ok": flooder.get("ok", 0), "flooder_429": flooder.get("too_many", 0),
        "flooder_other": flooder.get("other", 0) + flooder.get("error", 0),
        "flooder_per_second": flooder["acknowledged"] / flood["seconds"],
        "flood_cpu_ms_per_flooder_request": 1000 * flood["cpu_seconds"] / max(1, requests),
        "flood_client_cpu_percent": 100 * flood["client_cpu_seconds"] / flood["seconds"],
        "drain_seconds": drained["seconds"], "drain_acknowledged": drained["acknowledged"],
        "drain_requests": drained["requests"], "drain_429": drained["too_many"],
        "acknowledged": run["acknowledged"], "missing": sum(run["missing"].values()),
    })
    return out


def summarize(runs: list[dict]) -> dict:
    """Return every round, and each figure's median, lowest and highest over the rounds."""
    flat = [figures(r) for r in runs]
    keys = flat[0].keys()
    # Stored or not is summed, not a median: one round that lost a response must show.
    return {"median": {k: statistics.median(f[k] for f in flat) for k in keys},
            "low": {k: min(f[k] for f in flat) for k in keys},
            "high": {k: max(f[k] for f in flat) for k in keys},
            "acknowledged_total": sum(f["acknowledged"] for f in flat),
            "missing_total": sum(f["missing"] for f in flat), "rounds": runs}


ROWS = (  # label, median figure, p95 figure (or None), unit
    ("respondents /api/ikm sums", "respondents", None, ""),
    ("/api/ikm, quiet", "quiet_ikm_median_ms", "quiet_ikm_p95_ms", "ms"),
    ("/api/ikm, flood", "flood_ikm_median_ms", "flood_ikm_p95_ms", "ms"),
    ("another kiosk's send, quiet", "quiet_send_median_ms", "quiet_send_p95_ms", "ms"),
    ("another kiosk's send, flood", "flood_send_median_ms", "flood_send_p95_ms", "ms"),
    ("an outbox's day drained, flood", "drain_seconds", None, "s"),
    ("the flood's length", "flood_seconds", None, "s"),
    ("flooder's requests 2xx", "flooder_ok", None, ""),
    ("flooder's requests 429", "flooder_429", None, ""),
    ("flooder's responses acknowledged/s", "flooder_per_second", None, ""),
    ("server CPU, quiet", "quiet_cpu_percent", None, "%"),
    ("server CPU, flood", "flood_cpu_percent", None, "%"),
    ("server CPU per flooder request", "flood_cpu_ms_per_flooder_request", None, "ms"),
    ("the flood's client CPU", "flood_client_cpu_percent", None, "%"),
    ("acknowledged responses not stored", "missing", None, ""),
)


def _cell(summary: dict, key: str) -> str:
    """Return a figure's median with its range over the rounds."""
    median, low, high = (summary[k][key] for k in ("median", "low", "high"))
    digits = 0 if median >= 100 or float(median).is_integer() else 2 if median < 10 else 1
    text = f"{median:,.{digits}f}"
    if len(summary["rounds"]) > 1:
        text += f" ({low:,.{digits}f}-{high:,.{digits}f})"
    return text


def print_comparison(results: dict[str, dict]) -> None:
    """Print one column per tree: median (lowest-highest) over the rounds, median / p95."""
    header = ("figure (median, low-high over the rounds)", *results)
    table = [header]
    for label, median_key, p95_key, unit in ROWS:
        cells = []
        for summary in results.values():
            cell = _cell(summary, median_key)
            if p95_key:
                cell += f" / p95 {_cell(summary, p95_key)}"
            cells.append(f"{cell} {unit}".rstrip())
        table.append((label, *cells))
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for i, row in enumerate(table):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
