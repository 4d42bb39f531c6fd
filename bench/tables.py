"""The printout of `python -m bench`: each figure at demo size and at national volume side by side.

A column pair is "demo | national"; "-" is a figure not measured (no national database, or bare
Starlette, which has no data). Issue 12's bounds are printed after the tables, each met or not:
figures only, the exit status says nothing about them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bench.load import Result
from bench.weight import Weight

START_VS_BARE = 0.30  # issue 12: the start page reaches at least 0.30 of bare Starlette's requests per second
DASHBOARD_VS_BARE = 0.15  # ... and the signed-in dashboard at least 0.15
P95_GROWTH = 1.5  # at national volume every staff page's p95 is within 1.5x of its p95 at demo size
MAX_PAGE_BYTES = 300_000  # no page is over 300 KB
MEMORY_GROWTH_MIB = 20.0  # a worker grows by less than 20 MiB ...
MEMORY_REQUESTS = 20_000  # ... over 20,000 requests after warm-up
FLAG = "!"


@dataclass
class LoadRow:
    name: str
    demo: Result | None
    national: Result | None
    staff: bool = False

    def vs_bare(self, result: Result | None, bare: Result) -> float | None:
        return result.rps / bare.rps if result is not None and bare.rps else None

    @property
    def p95_ratio(self) -> float | None:
        demo = self.demo.percentile_ms(95) if self.demo else None
        national = self.national.percentile_ms(95) if self.national else None
        return national / demo if demo and national is not None else None


@dataclass
class WeightRow:
    name: str
    demo: Weight | None
    national: Weight | None


@dataclass
class Memory:
    size: str
    before_mib: float  # after the warm-up: every page asked for once (templates compiled, caches filled)
    after_mib: float  # after the last load
    requests: int  # every request the process answered between the two (the loads' warm-ups and drains included)


def _num(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}%"


def _kb(n: int | None) -> str:
    return "-" if n is None else f"{n / 1000:,.1f}"


def _pairs(label: str, width: int, groups: Sequence[tuple[str, int]]) -> list[str]:
    """Two header lines: each group's name over its "demo national" pair."""
    top = f"{label:<{width}}" + "".join(f"  {name:^{2 * w + 1}}" for name, w in groups)
    bottom = f"{'':<{width}}" + "".join(f"  {'demo':>{w}} {'national':>{w}}" for _name, w in groups)
    return [top, bottom, "-" * len(bottom)]


def print_load(rows: list[LoadRow], bare: Result) -> None:
    w = 9
    width = max(len(r.name) for r in rows) + 1
    lines = _pairs("target", width, [("req/s", w), ("p50 ms", w), ("p95 ms", w), ("vs bare", w), ("errors", w)])
    lines[0] += f"  {'p95':>{w}}"
    lines[1] += f"  {'nat/demo':>{w}}"
    lines[2] += "-" * (w + 2)
    for line in lines:
        print(line)
    for r in rows:
        cells = [
            (_num(r.demo.rps if r.demo else None), _num(r.national.rps if r.national else None)),
            (_ms(r.demo.percentile_ms(50) if r.demo else None), _ms(r.national.percentile_ms(50) if r.national else None)),
            (_ms(r.demo.percentile_ms(95) if r.demo else None), _ms(r.national.percentile_ms(95) if r.national else None)),
            (_num(r.vs_bare(r.demo, bare), 2), _num(r.vs_bare(r.national, bare), 2)),
            (_num(r.demo.error_count if r.demo else None), _num(r.national.error_count if r.national else None)),
        ]
        ratio = r.p95_ratio
        flag = FLAG if r.staff and ratio is not None and ratio > P95_GROWTH else " "
        print(f"{r.name:<{width}}" + "".join(f"  {d:>{w}} {n:>{w}}" for d, n in cells) + f"  {_num(ratio, 2):>{w - 1}}{flag}")
    for r in rows:
        for size, result in (("demo", r.demo), ("national", r.national)):
            if result is not None and result.errors:
                why = ", ".join(f"{reason} {count:,}" for reason, count in result.errors.most_common())
                print(f"  errors of {r.name} at {size}: {why}")


def print_cpu(rows: list[LoadRow]) -> None:
    w = 9
    width = max(len(r.name) for r in rows) + 1
    for line in _pairs("target", width, [("srv CPU", w), ("db CPU", w), ("bench CPU", w), ("other CPU", w), ("CPU ms/req", w),
                                         ("RSS MiB", w)]):
        print(line)
    for r in rows:
        cells = [
            (_pct(r.demo.percent_of_core(r.demo.server_cpu) if r.demo else None),
             _pct(r.national.percent_of_core(r.national.server_cpu) if r.national else None)),
            (_pct(r.demo.percent_of_core(r.demo.database_cpu) if r.demo else None),
             _pct(r.national.percent_of_core(r.national.database_cpu) if r.national else None)),
            (_pct(r.demo.percent_of_core(r.demo.bench_cpu) if r.demo else None),
             _pct(r.national.percent_of_core(r.national.bench_cpu) if r.national else None)),
            (_pct(r.demo.other_cpu if r.demo else None), _pct(r.national.other_cpu if r.national else None)),
            (_ms(r.demo.cpu_ms_per_request if r.demo else None), _ms(r.national.cpu_ms_per_request if r.national else None)),
            (_num(r.demo.rss_after_mib if r.demo else None, 1), _num(r.national.rss_after_mib if r.national else None, 1)),
        ]
        print(f"{r.name:<{width}}" + "".join(f"  {d:>{w}} {n:>{w}}" for d, n in cells))


def print_weights(rows: list[WeightRow]) -> None:
    w = 8
    width = max(len(r.name) for r in rows) + 1
    lines = _pairs("page (KB)", width, [("HTML", w), ("HTML gzip", w), ("total", w), ("total gzip", w), ("served", w)])
    for line in lines:
        print(line)
    for r in rows:
        def pair(part: str, kind: str, row: WeightRow = r) -> tuple[str, str]:
            return tuple(  # type: ignore[return-value]
                _kb(getattr(getattr(weight, part), kind)) if weight is not None else "-" for weight in (row.demo, row.national)
            )

        cells = [pair("html", "raw"), pair("html", "gz"), pair("total", "raw"), pair("total", "gz"), pair("total", "served")]
        over = [weight is not None and weight.total.raw > MAX_PAGE_BYTES for weight in (r.demo, r.national)]
        print(f"{r.name:<{width}}" + "".join(f"  {d:>{w}} {n:>{w}}" for d, n in cells) + (f"  {FLAG} over 300 KB" if any(over) else ""))
        shown = [weight for weight in (r.demo, r.national) if weight is not None]
        for url in dict.fromkeys(url for weight in shown for url in weight.skipped):
            print(f"{'':<{width}}  not counted (other origin): {url}")
        for note in dict.fromkeys(weight.note for weight in shown if weight.note):
            print(f"{'':<{width}}  {note}")


def print_bounds(rows: list[LoadRow], bare: Result, weights: list[WeightRow], memory: list[Memory]) -> None:
    """Issue 12's "done when", each with this run's figures."""

    def met(ok: bool) -> str:
        return "met" if ok else "NOT met"

    by_name = {r.name: r for r in rows}
    for name, bound in (("start", START_VS_BARE), ("dashboard", DASHBOARD_VS_BARE)):
        if name not in by_name:  # not loaded (bench --only)
            continue
        row = by_name[name]
        figures = [(size, row.vs_bare(result, bare)) for size, result in (("demo", row.demo), ("national", row.national))]
        shown = [(size, ratio) for size, ratio in figures if ratio is not None]
        print(f"- {name} at least {bound:.2f} of bare Starlette's req/s: "
              + ", ".join(f"{size} {ratio:.3f}" for size, ratio in shown) + f": {met(all(ratio >= bound for _s, ratio in shown))}")
    ratios = [(r.name, r.p95_ratio) for r in rows if r.staff]
    if any(ratio is not None for _n, ratio in ratios):
        over = [(name, ratio) for name, ratio in ratios if ratio is not None and ratio > P95_GROWTH]
        print(f"- every staff page's p95 at national within {P95_GROWTH}x of demo: {met(not over)}"
              + (" (over: " + ", ".join(f"{name} {ratio:.2f}x" for name, ratio in over) + ")" if over else ""))
    else:
        print(f"- every staff page's p95 at national within {P95_GROWTH}x of demo: not measured (no national database)")
    heavy = [(r.name, size, weight.total.raw) for r in weights
             for size, weight in (("demo", r.demo), ("national", r.national)) if weight is not None and weight.total.raw > MAX_PAGE_BYTES]
    print("- no page over 300 KB (HTML, CSS and JS of a first visit): " + met(not heavy)
          + (" (over: " + ", ".join(f"{name} at {size} {_kb(raw)} KB" for name, size, raw in heavy) + ")" if heavy else ""))
    for m in memory:
        growth = m.after_mib - m.before_mib
        limit = f"under {MEMORY_GROWTH_MIB:.0f} MiB over {MEMORY_REQUESTS:,} requests"
        verdict = met(growth < MEMORY_GROWTH_MIB) if m.requests >= MEMORY_REQUESTS else (
            f"{met(growth < MEMORY_GROWTH_MIB)} over fewer requests than the bound's (a longer --seconds gives more)")
        print(f"- {m.size} worker's memory {limit}: {m.before_mib:.1f} MiB after warm-up, {m.after_mib:.1f} MiB after"
              f" {m.requests:,} requests ({growth:+.1f} MiB): {verdict}")
