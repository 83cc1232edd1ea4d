"""The benchmark's results as a table: each figure beside its target, PASS or FAIL."""
from __future__ import annotations

FLOOR_SHARE = 0.5  # ours must reach half the floor's submissions per second
BARE_RATIO = 1.5  # an endpoint may take at most this times its bare SQL
MONTH_AT_1M_MS = 50
PAGE_BYTES = 150 * 1024
DRAIN_SECONDS = 10  # "an outbox draining a day of surveys must still finish in seconds"
NAMES = {"ikm_month": "/api/ikm, a month", "ikm_year": "/api/ikm, a year",
         "trend_12_months": "/api/trend, 12 months"}


def _verdict(ok: bool | None) -> str:
    return "-" if ok is None else "PASS" if ok else "FAIL"


def rows(results: dict, batch: int) -> list[tuple[str, str, str, str, str]]:
    """Return (figure, ours, beside it, target, verdict) rows."""
    out = []
    sub = results.get("submissions")
    if sub:
        for size in (1, batch):
            ours, floor = sub[f"ours_batch{size}"], sub[f"floor_batch{size}"]
            share = ours["per_second"] / floor["per_second"] if floor["per_second"] else 0
            out.append((f"submissions/s, {size} per request", f"{ours['per_second']:.0f}",
                        f"floor {floor['per_second']:.0f} (x{share:.2f})",
                        f">= {FLOOR_SHARE} x floor", _verdict(share >= FLOOR_SHARE)))
            out.append(("  server CPU ms per response",
                        f"{ours['cpu_ms_median']:.3f}", f"floor {floor['cpu_ms_median']:.3f}",
                        "", "-"))
            floor_latency = (f"floor {floor['latency_ms_median']:.1f} / "
                             f"{floor['latency_ms_p95']:.1f}")
            out.append(("  latency median / p95 ms",
                        f"{ours['latency_ms_median']:.1f} / {ours['latency_ms_p95']:.1f}",
                        floor_latency, "", "-"))
        memory = sub["ours_memory_kb"]
        out.append(("server memory after submissions", f"{memory.get('VmRSS', 0) / 1024:.1f} MB",
                    f"peak {memory.get('VmHWM', 0) / 1024:.1f} MB", "", "-"))
        kept = sub["ours_stored_rows"] >= sub["ours_acknowledged"]
        out.append(("acknowledged responses stored", f"{sub['ours_acknowledged']}",
                    f"rows {sub['ours_stored_rows']}", "all", _verdict(kept)))
    for size, data in results.get("sizes", {}).items():
        for case, t in data["queries"].items():
            ours, bare = t["ours"], t["bare"]
            ok = t["ratio"] <= BARE_RATIO
            target = f"<= {BARE_RATIO} x bare"
            if case == "ikm_month" and int(size) >= 1_000_000:
                ok = ok and ours["median_ms"] < MONTH_AT_1M_MS
                target += f", < {MONTH_AT_1M_MS} ms"
            out.append((f"{NAMES[case]} @ {int(size):,}",
                        f"{ours['median_ms']:.2f} ms (p95 {ours['p95_ms']:.2f})",
                        f"bare {bare['median_ms']:.2f} ms (x{t['ratio']:.2f})", target,
                        _verdict(ok)))
            if "http_floor" in t:  # the same SQL behind a minimal Flask endpoint
                floor = t["http_floor"]["median_ms"]
                out.append(("  bare SQL via minimal Flask", f"{floor:.2f} ms",
                            f"x{floor / bare['median_ms']:.2f} bare, ours x"
                            f"{ours['median_ms'] / floor:.2f}", "", "-"))
    if "flood" in results:
        out += flood_rows(results["flood"])
    if "kiosk_page" in results:
        weight = results["kiosk_page"]
        out.append((f"kiosk page + {len(weight['files']) - 1} files",
                    f"{weight['total_bytes'] / 1024:.1f} KB", "uncompressed",
                    f"< {PAGE_BYTES // 1024} KB", _verdict(weight["total_bytes"] < PAGE_BYTES)))
    if results.get("sizes"):
        size, data = max(results["sizes"].items(), key=lambda kv: int(kv[0]))
        memory = data["memory_kb"]
        out.append((f"server memory after queries @ {int(size):,}",
                    f"{memory.get('VmRSS', 0) / 1024:.1f} MB",
                    f"peak {memory.get('VmHWM', 0) / 1024:.1f} MB", "", "-"))
    return out


def flood_rows(flood: dict) -> list[tuple[str, str, str, str, str]]:
    """Return the rows of the flood from one kiosk token (medians over the rounds)."""
    m = flood["median"]

    def latency(phase: str, probe: str) -> str:
        return f"{m[f'{phase}_{probe}_median_ms']:.1f} / {m[f'{phase}_{probe}_p95_ms']:.1f}"

    drained = m["drain_acknowledged"]
    replies = f"{m['flooder_ok']:.0f} / {m['flooder_429']:.0f}"
    cpu = (f"quiet {m['quiet_cpu_percent']:.0f}%, "
           f"{m['flood_cpu_ms_per_flooder_request']:.2f} ms a flooder request")
    stored = flood["acknowledged_total"] - flood["missing_total"]
    return [
        ("flood: /api/ikm median / p95 ms", latency("flood", "ikm"),
         f"quiet {latency('quiet', 'ikm')}", "", "-"),
        ("flood: another kiosk's send median / p95 ms", latency("flood", "send"),
         f"quiet {latency('quiet', 'send')}", "", "-"),
        (f"flood: {drained:.0f} surveys drained", f"{m['drain_seconds']:.2f} s",
         f"{m['drain_requests']:.0f} requests, {m['drain_429']:.0f} got 429",
         f"< {DRAIN_SECONDS} s", _verdict(m["drain_seconds"] < DRAIN_SECONDS)),
        ("flood: the flooder's requests 2xx / 429", replies,
         f"{m['flooder_per_second']:.0f} responses/s acknowledged", "", "-"),
        ("flood: server CPU", f"{m['flood_cpu_percent']:.0f}%", cpu, "", "-"),
        ("flood: acknowledged responses stored", f"{stored}",
         f"of {flood['acknowledged_total']}", "all", _verdict(flood["missing_total"] == 0)),
    ]


def print_table(results: dict, batch: int) -> None:
    """Print the results, one figure a line."""
    m = results["machine"]
    print(f"SKM kiosk benchmark ({'quick' if results['quick'] else 'full'}): {m['cpus']} CPUs "
          f"{m['cpu']}, Python {m['python']}, SQLite {m['sqlite']}, "
          f"{results['clients']} clients")
    table = [("figure", "ours", "beside it", "target", "result"), *rows(results, batch)]
    widths = [max(len(r[i]) for r in table) for i in range(5)]
    for i, row in enumerate(table):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
