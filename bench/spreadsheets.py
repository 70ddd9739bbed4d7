"""Benchmark the spreadsheets: templates for 3,000 regions, and importing a filled
3,000-region x 17-element workbook against the JSON bulk import of the same rows.

    python bench/spreadsheets.py [--regions 3000] [--rounds 5]
    python bench/spreadsheets.py --database-url postgresql+psycopg://postgres@127.0.0.1/innomon_bench

Sets up a fresh database (SQLite in a temporary directory, or the PostgreSQL database named, created
and dropped by this script): migrations, the built-in scheme, --regions synthetic counties, period
2020, and app.demo.dataset.generate's values for 2020 (17 elements per region).

Times, --rounds rounds each, and prints each median:
1. template: app.services.exports.template_data + build_template for each department (goal <= 1 s);
2. readers: the workbook's cells read with openpyxl (read-only mode) and with python-calamine;
3. import: with data_value emptied before each run, app.services.data.import_values of the rows
   (the JSON bulk path, from ValueRow objects as the router builds them) against
   app.spreadsheets.read.read_upload + app.services.imports.import_file of the same rows as an
   XLSX workbook, each in one transaction; ratio sheet / JSON (goal <= 2).
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._support import median, progress, redact, scratch_database

TEMPLATE_GOAL, IMPORT_GOAL = 1.0, 2.0
YEAR = 2020


def timed(fn: Callable[[], Any], rounds: int, before: Callable[[], None] | None = None) -> list[float]:
    out = []
    for _ in range(rounds):
        if before is not None:
            before()
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--database-url", help="PostgreSQL URL of a scratch database (default: SQLite)")
    ap.add_argument("--regions", type=int, default=3000, help="synthetic regions (3000)")
    ap.add_argument("--rounds", type=int, default=5, help="rounds per measure (5)")
    args = ap.parse_args(argv)

    import openpyxl
    from python_calamine import CalamineWorkbook
    from sqlalchemy import text

    from app.db import migrate
    from app.db.engine import make_engine, session_scope, writer
    from app.demo.dataset import DEMO_SCHEME, generate
    from app.demo.regions import synthetic_parent_rows, synthetic_regions
    from app.services import exports, imports
    from app.services.audit import Actor, Principal
    from app.services.data import ValueRow, import_values
    from app.services.periods import put_period
    from app.services.regions import import_regions
    from app.services.schemes import get_scheme, sync_builtin_schemes
    from app.spreadsheets.read import read_upload
    from app.spreadsheets.template import build_template, display

    bench = Actor(Principal("bench", "admin"))
    with scratch_database(args.database_url, "spreadsheets") as url:
        engine = make_engine(url)
        progress(f"migrating {redact(url)}")
        migrate.upgrade(engine)
        region_rows = synthetic_regions(args.regions)
        with session_scope(writer(engine)) as s:
            sync_builtin_schemes(s)
            import_regions(s, [*synthetic_parent_rows(), *region_rows])
            put_period(s, YEAR, DEMO_SCHEME, str(YEAR + 1))
            scheme = get_scheme(s, DEMO_SCHEME)
        dataset = generate([r["code"] for r in region_rows], [YEAR])
        elements = list(scheme.elements)
        rows = [
            ValueRow(ry.region, e, v, None)
            for ry in dataset.values
            for e, v in ry.values.items()
            if e in elements
        ]
        progress(f"{len(region_rows)} regions, {len(rows):,} values")

        # the filled workbook: sheet 数据 as a template has it, all 17 elements as columns
        by_region: dict[str, dict[str, Any]] = {}
        for r in rows:
            by_region.setdefault(r.region, {})[r.element] = r.value
        book = openpyxl.Workbook(write_only=True)
        ws = book.create_sheet("数据")
        ws.append(["地区代码", "地区名称", *(scheme.elements[e].name_zh for e in elements)])
        ws.append(["region", "name", *elements])
        for code, values in by_region.items():
            ws.append(
                [code, None]
                + [
                    display(scheme.elements[e], values[e]) if values.get(e) is not None else None
                    for e in elements
                ]
            )
        buf = io.BytesIO()
        book.save(buf)
        workbook = buf.getvalue()
        cells = len(by_region) * len(elements)
        progress(f"workbook of {len(by_region)} rows x {len(elements)} elements: {len(workbook):,} bytes")

        print(
            f"\ntemplates for {len(region_rows)} regions (median of {args.rounds}, goal <= {TEMPLATE_GOAL} s)"
        )
        worst = 0.0
        for dept in scheme.departments:

            def make(dept: str = dept) -> None:
                with session_scope(engine) as s:
                    build_template(exports.template_data(s, YEAR, bench, department=dept))

            m = median(timed(make, args.rounds))
            worst = max(worst, m)
            print(f"  {dept:<20} {m:.3f} s")

        def read_openpyxl() -> None:
            wb = openpyxl.load_workbook(io.BytesIO(workbook), read_only=True, data_only=True)
            for _ in wb["数据"].iter_rows(values_only=True):
                pass

        def read_calamine() -> None:
            CalamineWorkbook.from_filelike(io.BytesIO(workbook)).get_sheet_by_name("数据").to_python()

        op = median(timed(read_openpyxl, args.rounds))
        ca = median(timed(read_calamine, args.rounds))
        print(f"\nreading the workbook's {cells:,} cells (median of {args.rounds})")
        print(f"  openpyxl (read-only)  {op:.3f} s")
        print(f"  python-calamine       {ca:.3f} s   openpyxl / calamine = {op / ca:.1f}x")

        def empty() -> None:
            with writer(engine).begin() as conn:
                conn.execute(text("DELETE FROM data_value"))
                conn.execute(text("DELETE FROM audit_event"))

        def via_json() -> None:
            with session_scope(writer(engine)) as s:
                r = import_values(s, YEAR, rows, max_rows=len(rows), actor=bench)
                assert r.created == len(rows)

        def via_sheet() -> None:
            with session_scope(writer(engine)) as s:
                r = imports.import_file(s, YEAR, read_upload(workbook), max_rows=len(rows), actor=bench)
                assert r["sheets"]["数据"]["created"] == len(rows), r

        js, sh = [], []
        for _ in range(args.rounds):  # interleaved, so that both see the same machine load
            js += timed(via_json, 1, empty)
            sh += timed(via_sheet, 1, empty)
        mj, ms = median(js), median(sh)
        print(f"\nimporting {len(rows):,} values, each run into an empty table (median of {args.rounds})")
        print(f"  JSON bulk path (import_values)      {mj:.3f} s")
        print(f"  XLSX workbook (read + import_file)  {ms:.3f} s")
        print(f"  ratio sheet / JSON = {ms / mj:.2f} (goal <= {IMPORT_GOAL})")
        print(
            f"\ntemplate: worst department {worst:.3f} s (goal <= {TEMPLATE_GOAL} s) -> {'met' if worst <= TEMPLATE_GOAL else 'NOT met'}"
        )
        print(
            f"import: ratio {ms / mj:.2f} (goal <= {IMPORT_GOAL}) -> {'met' if ms / mj <= IMPORT_GOAL else 'NOT met'}"
        )
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
