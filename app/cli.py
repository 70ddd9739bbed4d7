"""The `innomon` command line. Heavy imports (web server, database) happen only in the commands
that need them, so `innomon score` starts fast and works with no server and no database."""

from __future__ import annotations

import argparse
import gc
import json
import os
import signal
import sys
import tempfile
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

EXIT_OK, EXIT_INVALID = 0, 2
#: the configured database cannot be used (missing, unreachable, unsupported URL)
EXIT_UNUSABLE = 3


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _num(x: Any) -> str:
    if x is None:
        return "—"
    if isinstance(x, float):
        return f"{x:g}" if abs(x) < 1e15 else str(x)
    return str(x)


def render_table(b: dict[str, Any]) -> str:
    """A readable table of a breakdown: zh names, value, score/max, subtotals, total and tier."""
    name_w = max(_width(i["name_zh"]) for d in b["dimensions"] for i in d["indicators"]) + 2
    lines = [f"{b['scheme']}  {b['year']}" + (f"  {b['region']}" if b.get("region") else ""), ""]
    header = _pad("指标", name_w + 2) + f"{'value':>14}  {'score':>11}"
    lines += [header, "-" * _width(header)]
    for d in b["dimensions"]:
        lines.append(
            _pad(f"{d['name_zh']} ({d['name_en']})", name_w + 2 + 16) + f"{d['score']:>6g} / {d['max']:<3g}"
        )
        for i in d["indicators"]:
            unit = f" {i['unit']}" if i["unit"] and isinstance(i["value"], int | float) else ""
            mark = "  (missing: " + ", ".join(i["missing_inputs"]) + ")" if i["missing_inputs"] else ""
            value = _num(i["value"]) + unit
            lines.append(
                "  "
                + _pad(i["name_zh"], name_w)
                + _pad("", max(0, 14 - _width(value)))
                + value
                + f"  {i['score']:>6g} / {i['max']:<3g}"
                + mark
            )
    lines.append("-" * _width(header))
    lines.append(f"总分 total {b['total']:g} / {b['max']:g}   梯队 tier {b['tier']} ({b['tier_name_zh']})")
    if not b["complete"]:
        lines.append("数据不完整 incomplete — missing inputs by department:")
        for dept, elements in b["missing_by_department"].items():
            lines.append(f"  {dept}: {', '.join(elements)}")
    return "\n".join(lines)


def cmd_score(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from app.domain import InvalidInput, builtin_scheme, parse_document, score
    from app.domain.labels import label_breakdown

    try:
        if args.file == "-":
            text = sys.stdin.read()
        else:
            with open(args.file, encoding="utf-8") as fh:
                text = fh.read()
    except OSError as exc:
        print(f"innomon score: cannot read {args.file}: {exc.strerror}", file=err)
        return EXIT_INVALID
    try:
        doc = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        print(
            f"innomon score: (document): not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            file=err,
        )
        return EXIT_INVALID
    try:
        scheme, facts, region = parse_document(doc, builtin_scheme)
    except InvalidInput as exc:
        print(f"innomon score: {len(exc.problems)} problem(s) in the document:", file=err)
        for p in exc.problems:
            print(f"  {p.field}: {p.reason}", file=err)
        return EXIT_INVALID
    breakdown = label_breakdown(score(scheme, facts, region).to_dict(), scheme, None)
    if args.format == "table":
        print(render_table(breakdown), file=out)
    else:
        json.dump(breakdown, out, ensure_ascii=False, indent=2)
        out.write("\n")
    return EXIT_OK


def _engine(url: str | None = None) -> Any:
    from app.config import get_settings
    from app.db.engine import make_engine
    from app.db.startup import check_url

    url = url or get_settings().database_url
    check_url(url)
    return make_engine(url)


def _migrate(engine: Any, err: TextIO) -> None:
    from app.db import migrate

    # read under the migration lock: of several processes starting at once, only the one that
    # migrated says so
    before, after = migrate.upgrade(engine)
    if before != after:
        print(f"innomon: database migrated from {before or 'empty'} to {after}", file=err)


def cmd_migrate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    engine = _engine()
    _migrate(engine, err)
    print("innomon: database schema at head", file=err)
    engine.dispose()
    return EXIT_OK


def cmd_regions_import(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from app.services.demo import import_reference
    from app.services.errors import NotFound

    engine = _engine()
    _migrate(engine, err)
    try:
        counts = import_reference(engine, args.name)
    except NotFound as exc:
        print(f"innomon regions import: {exc}; available: hebei", file=err)
        return EXIT_INVALID
    print(
        f"regions: {counts.created} created, {counts.updated} updated, {counts.unchanged} unchanged",
        file=out,
    )
    engine.dispose()
    return EXIT_OK


def cmd_targets_import(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from app.config import get_settings
    from app.db.engine import session_scope, writer
    from app.services import schemes, targets
    from app.services.errors import RowsInvalid

    try:
        doc = targets.read_file(args.file)
    except ValueError as exc:
        print(f"innomon targets import: {exc}", file=err)
        return EXIT_INVALID
    settings = get_settings()
    engine = _engine(settings.database_url)
    _migrate(engine, err)

    def progress(i: int, n: int, status: str, data: Any) -> None:
        print(
            f"  [{i + 1}/{n}] {status:<9} {data.region_code} {targets.describe(data, scheme)}",
            file=err,
            flush=True,
        )

    try:
        with session_scope(writer(engine)) as session:
            schemes.sync_builtin_schemes(session)
            scheme = schemes.get_scheme(session, settings.default_scheme)
            counts = targets.import_targets(session, scheme, doc, progress=progress)
    except RowsInvalid as exc:
        print(f"innomon targets import: {args.file}: {exc}", file=err)
        for p in exc.problems:
            print(f"  targets[{p.index}].{p.field}: {p.reason}", file=err)
        if any(p.field == "region" for p in exc.problems):
            print("  (load the regions first, e.g. innomon regions import hebei)", file=err)
        return EXIT_INVALID
    finally:
        engine.dispose()
    print(
        f"targets: {counts.created} created, {counts.updated} updated, {counts.unchanged} unchanged",
        file=out,
    )
    return EXIT_OK


def _load_demo(engine: Any, err: TextIO) -> None:
    from app.db.engine import session_scope, writer
    from app.services.demo import load_demo
    from app.services.schemes import sync_builtin_schemes

    with session_scope(writer(engine)) as session:
        sync_builtin_schemes(session)
    load_demo(engine, progress=lambda msg: print(f"demo: {msg}", file=err, flush=True))


def cmd_demo(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    engine = _engine()
    _migrate(engine, err)
    _load_demo(engine, err)
    engine.dispose()
    return EXIT_OK


def _bounded(name: str) -> Any:
    """An argparse type for a parameter of the robustness analysis, checked as the API checks it."""

    def parse(raw: str) -> int | float:
        from app.services.robustness import check

        try:
            return check(name, raw)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


def cmd_robustness(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from sqlmodel import Session

    from app.domain import DomainError
    from app.robustness.model import Noise
    from app.services.robustness import robustness

    engine = _engine()
    last = [-1]

    def progress(done: int, total: int) -> None:
        pct = done * 100 // total
        if pct // 10 != last[0] // 10 or done == total:
            print(f"robustness: {done}/{total} draws ({pct} %)", file=err, flush=True)
        last[0] = pct

    try:
        with Session(engine) as session:
            body = robustness(
                session,
                args.year,
                args.parent,
                args.level,
                draws=args.draws,
                seed=args.seed,
                noise=Noise(args.weight_noise, args.knot_noise, args.assessed_noise),
                progress=progress,
            )
    except DomainError as exc:
        print(f"innomon: {exc}", file=err)
        return EXIT_INVALID
    finally:
        engine.dispose()
    s = body["summary"]
    a = body["assumptions"]
    print(
        f"{body['scheme']} data year {body['year']} ({body['period_status']}), "
        f"{body['regions']} regions{' under ' + args.parent if args.parent else ''}",
        file=out,
    )
    print(
        f"{body['draws']} draws, seed {a['seed']}: weight noise {a['weight_noise']:g}, "
        f"knot noise {a['knot_noise']:g}, assessed noise {a['assessed_noise']:g}",
        file=out,
    )
    print(f"mean absolute rank shift: {_num_or_dash(s['mean_abs_rank_shift'])}", file=out)
    print(
        f"share within one band step of a tier boundary: {_num_or_dash(s['share_near_boundary'])}", file=out
    )
    print(f"regions whose tier changes in more than 20 % of draws: {len(s['unstable_regions'])}", file=out)
    header = ["rank", "region", "name", "total", "tier", "median", "p5-p95", "P(tier change)"]
    rows = [
        [
            str(i["nominal_rank"]),
            i["region"],
            i["name_zh"],
            f"{i['nominal_total']:.2f}",
            i["nominal_tier"],
            str(i["median_rank"]),
            f"{i['p5_rank']}-{i['p95_rank']}",
            f"{i['p_tier_change']:.3f}",
        ]
        for i in body["items"]
    ]
    widths = [max(_width(r[c]) for r in [header, *rows]) for c in range(len(header))]
    for r in [header, *rows]:
        print("  ".join(_pad(x, w) for x, w in zip(r, widths, strict=True)).rstrip(), file=out)
    return EXIT_OK


def _num_or_dash(x: Any) -> str:
    return "-" if x is None else f"{x:g}"


def _first_admin_key(engine: Any, settings: Any, err: TextIO) -> None:
    """With no key at all and no bootstrap token, create an admin key and print its token once."""
    from app.db.engine import session_scope, writer
    from app.services import access, schemes

    if settings.bootstrap_admin_token is not None:
        return
    from sqlalchemy.exc import IntegrityError

    from app.services.errors import Conflict

    try:
        with session_scope(writer(engine)) as session:
            schemes.sync_builtin_schemes(session)
            if access.any_key(session):
                return
            key, token = access.create_key(
                session, schemes.get_scheme(session, settings.default_scheme), "admin", "admin"
            )
    except (Conflict, IntegrityError):
        return  # another process starting at the same time made the first key (and printed it)
    print(
        f"innomon: no API key existed, so an admin key {key.name!r} was created. Its token is shown once:\n\n"
        f"    {token}\n\nUse it as 'Authorization: Bearer <token>'; make more keys with 'innomon keys create'.\n",
        file=err,
        flush=True,
    )


def cmd_keys(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from app.config import get_settings
    from app.db.engine import session_scope, writer
    from app.domain import InvalidInput
    from app.services import access, keys, schemes
    from app.services.audit import SYSTEM
    from app.services.errors import Conflict, NotFound

    settings = get_settings()
    engine = _engine(settings.database_url)
    _migrate(engine, err)
    try:
        with session_scope(writer(engine)) as session:
            schemes.sync_builtin_schemes(session)
            if args.keys_command == "create":
                scheme = schemes.get_scheme(session, settings.default_scheme)
                # the rules of POST /keys: reserved names, a region for coordinators and approvers
                key, token = keys.create(
                    session, scheme, args.name, args.role, args.department or [], args.region, actor=SYSTEM
                )
                scope = f" for region {key.region_code}" if key.region_code else ""
                print(f"created {key.role} key {key.name!r}{scope}; the token is shown once:", file=out)
                print(token, file=out)
            elif args.keys_command == "list":
                for k in access.list_keys(session):
                    state = f"revoked {k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "active"
                    depts = f" departments={k.departments}" if k.departments else ""
                    region = f" region={k.region_code}" if k.region_code else ""
                    print(
                        f"{k.name}\t{k.role}\t{state}{depts}{region}\tcreated {k.created_at:%Y-%m-%d}",
                        file=out,
                    )
            else:
                access.revoke_key(session, args.name)
                print(f"revoked key {args.name!r}", file=out)
    except InvalidInput as exc:
        for p in exc.problems:
            print(f"innomon keys: {p.field}: {p.reason}", file=err)
        return EXIT_INVALID
    except (Conflict, NotFound) as exc:
        print(f"innomon keys: {exc}", file=err)
        return EXIT_INVALID
    finally:
        engine.dispose()
    return EXIT_OK


def cmd_serve(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    # no garbage collection while the app is imported and prepared: the app's start switches it
    # back on once it has set the start-up heap aside (app.heap.settle_heap)
    gc.disable()
    import uvicorn

    from app.config import get_settings

    if args.max_header_bytes:
        # through the environment, so that every worker process reads it
        os.environ["INNOMON_MAX_HEADER_BYTES"] = str(args.max_header_bytes)
        get_settings.cache_clear()
    settings = get_settings()
    host = args.host or settings.host
    port = args.port or settings.port
    workers = args.workers or settings.workers
    engine = _engine(settings.database_url)
    _migrate(engine, err)
    if args.demo:
        _load_demo(engine, err)
    _first_admin_key(engine, settings, err)
    engine.dispose()
    print(
        f"innomon: serving on http://{host}:{port}/api/v1 (database {_redact(settings.database_url)})\n"
        f"innomon: API docs at http://{host}:{port}/docs, reports at http://{host}:{port}/",
        file=err,
    )
    # uvicorn drains in-flight requests on SIGTERM/SIGINT, then re-raises the signal to the handler
    # it found installed: make that a no-op so that a graceful stop exits with status 0.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: None)
    from app import metrics, observability
    from app.api.http_protocol import HeaderLimitedHttpTools

    # several workers: prometheus_client's multiprocess mode, so that a scrape sums all workers
    metrics.prepare_multiprocess_dir(workers, Path(tempfile.gettempdir()) / f"innomon-metrics-{os.getpid()}")
    if workers > 1:
        gc.enable()  # this process only watches the workers, which start afresh in processes of their own
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        loop="uvloop",
        http=HeaderLimitedHttpTools,
        ws="none",  # the app serves no WebSocket: no WebSocket library imported at start
        log_level=settings.log_level,
        log_config=observability.log_config(settings.log_level, settings.log_format),
        access_log=False,
        timeout_graceful_shutdown=30,
        # a worker that starts slowly on a busy machine is not a dead one: uvicorn's default (5 s) killed
        # healthy workers under load and stopped the whole server
        timeout_worker_healthcheck=30,
    )
    return EXIT_OK


def openapi_document() -> str:
    """The API contract as committed in openapi/openapi.json (stable key order, trailing newline)."""
    from app.config import Settings
    from app.main import create_app

    app = create_app(Settings(database_url="sqlite://", bench_routes=False))
    return json.dumps(app.openapi(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def cmd_openapi(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    text = openapi_document()
    if args.out == "-":
        out.write(text)
    else:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(text)
        print(f"innomon: wrote {args.out}", file=err)
    return EXIT_OK


def cmd_import(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """A filled template or long-form CSV into the configured database, all or nothing."""
    from app.config import get_settings
    from app.db.engine import session_scope, writer
    from app.services import imports, schemes
    from app.services.audit import Actor, Principal
    from app.services.errors import Forbidden, NotFound, PeriodLocked, RowsInvalid, TooLarge
    from app.spreadsheets.read import NotASpreadsheet, UnreadableText, read_upload

    try:
        content = Path(args.file).read_bytes()
    except OSError as exc:
        print(f"innomon import: cannot read {args.file}: {exc.strerror}", file=err)
        return EXIT_INVALID
    print(f"innomon import: reading {args.file} ({len(content):,} bytes)", file=err)
    try:
        upload = read_upload(content, args.file)
    except (NotASpreadsheet, UnreadableText) as exc:
        print(f"innomon import: {exc}", file=err)
        return EXIT_INVALID
    rows = sum(len(r) for r in upload.sheets.values())
    print(f"innomon import: checking {rows:,} rows of {', '.join(upload.sheets)}", file=err)
    settings = get_settings()
    engine = _engine()
    actor = Actor(Principal("cli", "admin"))
    try:
        with session_scope(writer(engine)) as session:
            result = imports.import_file(
                session,
                args.year,
                upload,
                registry_scheme=schemes.get_scheme(session, settings.default_scheme),
                dry_run=args.dry_run,
                max_rows=max(settings.max_bulk_rows, rows),
                actor=actor,
            )
    except (RowsInvalid, Forbidden) as exc:
        print(f"innomon import: {exc}", file=err)
        for p in exc.problems:
            where = getattr(p, "field", "")
            print(f"  {where}: {p.reason}", file=err)
        return EXIT_INVALID
    except (NotFound, PeriodLocked, TooLarge) as exc:
        print(f"innomon import: {exc}", file=err)
        return EXIT_INVALID
    finally:
        engine.dispose()
    out.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    return EXIT_OK


EXPORTS = ("values", "ranking", "summary", "completeness", "audit")


def cmd_export(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """One of the exportable tables of a year, as CSV or XLSX, from the configured database."""
    from app.api.exports import render
    from app.api.routers.audit import event_read
    from app.db.engine import session_scope
    from app.services import analytics, audit, exports
    from app.services.errors import NotFound
    from app.services.scores import ScoreReader
    from app.spreadsheets import tables

    engine = _engine()
    print(f"innomon export: {args.what} {args.year}", file=err)
    try:
        scores = ScoreReader(engine, 100)
        with session_scope(engine) as session:
            if args.what == "values":
                body = exports.year_values(session, args.year, parent=args.parent, limit=10**7)
                shape, what = tables.values, "数据"
            elif args.what == "ranking":
                scheme, rows, status = scores.ranking(args.year, args.parent, "county")
                body = {
                    "year": args.year,
                    "scheme": scheme.code,
                    "period_status": status,
                    "items": [r.to_dict() for r in rows],
                }
                shape, what = tables.ranking, "排名"
            elif args.what == "summary":
                body = analytics.round_summary(session, scores, args.year, args.parent, "county")
                shape, what = tables.round_summary, "评价结果汇总"
            elif args.what == "completeness":
                body = analytics.completeness(session, args.year, args.parent, "county")
                shape, what = tables.completeness, "数据完整性"
            else:
                events, _ = audit.list_events(session, year=args.year, limit=10**7, offset=0)
                body = {"year": args.year, "items": [event_read(e) for e in events]}
                shape, what = tables.audit, "审计记录"
        print(f"innomon export: writing {args.format}", file=err)
        content, _ = render(args.format, body, shape, what)
    except NotFound as exc:
        print(f"innomon export: {exc}", file=err)
        return EXIT_INVALID
    finally:
        engine.dispose()
    target = args.output or f"{args.what}-{args.year}.{args.format}"
    if target == "-":
        sys.stdout.buffer.write(content)
    else:
        Path(target).write_bytes(content)
        print(f"innomon export: wrote {target} ({len(content):,} bytes)", file=err)
    return EXIT_OK


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="innomon", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("score", help="score a scoring document (no server, no database)")
    p.add_argument("file", help="path of a JSON scoring document, or - for standard input")
    p.add_argument("--format", choices=["json", "table"], default="json")
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("serve", help="migrate the database and serve the API (uvicorn)")
    p.add_argument("--host", help="address to bind (default INNOMON_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default INNOMON_PORT or 8000)")
    p.add_argument("--workers", type=int, help="worker processes (default INNOMON_WORKERS or 1)")
    p.add_argument("--demo", action="store_true", help="load the synthetic demo dataset first")
    p.add_argument(
        "--max-header-bytes",
        type=int,
        help="largest request head, request line and headers (default INNOMON_MAX_HEADER_BYTES or 65536; 431 above)",
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("openapi", help="write the OpenAPI document (the committed contract)")
    p.add_argument("--out", default="openapi/openapi.json", help="file to write, or - for stdout")
    p.set_defaults(func=cmd_openapi)

    p = sub.add_parser("migrate", help="apply database migrations only")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("demo", help="load the Hebei divisions and the synthetic demo dataset")
    p.set_defaults(func=cmd_demo)

    keys = sub.add_parser("keys", help="API keys on the configured database")
    ksub = keys.add_subparsers(dest="keys_command", required=True)
    p = ksub.add_parser("create", help="create a key; prints its token alone on the last line")
    p.add_argument("--name", required=True)
    p.add_argument(
        "--role",
        required=True,
        choices=["admin", "department", "assessor", "reader", "coordinator", "approver"],
    )
    p.add_argument("--department", action="append", help="owner department (department keys; repeatable)")
    p.add_argument("--region", help="limit writes to this region and everything below it")
    p.set_defaults(func=cmd_keys)
    p = ksub.add_parser("list", help="list keys (never their tokens)")
    p.set_defaults(func=cmd_keys)
    p = ksub.add_parser("revoke", help="revoke a key by name")
    p.add_argument("name")
    p.set_defaults(func=cmd_keys)

    regions = sub.add_parser("regions", help="region reference data")
    rsub = regions.add_subparsers(dest="regions_command", required=True)
    p = rsub.add_parser("import", help="load a reference set of GB/T 2260 divisions (e.g. hebei)")
    p.add_argument("name", help="reference set: hebei")
    p.set_defaults(func=cmd_regions_import)

    p = sub.add_parser("import", help="import a filled template (.xlsx) or long-form CSV, all or nothing")
    p.add_argument("file", help="the .xlsx or .csv file")
    p.add_argument("--year", type=int, required=True, help="the data year")
    p.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="export a table of a year as CSV or XLSX")
    p.add_argument("what", choices=EXPORTS, help="the table")
    p.add_argument("--year", type=int, required=True, help="the data year")
    p.add_argument("--format", choices=("csv", "xlsx"), default="xlsx")
    p.add_argument("--parent", help="only the regions below this one")
    p.add_argument("-o", "--output", help="file to write (default WHAT-YEAR.FORMAT; - for stdout)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "robustness", help="how stable each region's rank and tier are under draws of the scheme's choices"
    )
    p.add_argument("--year", type=int, required=True, help="the data year")
    p.add_argument("--parent", help="the regions below this region code (default: all)")
    p.add_argument("--level", default="county", choices=["province", "city", "county"])
    p.add_argument("--draws", type=_bounded("draws"), default=1000)
    p.add_argument("--seed", type=_bounded("seed"), default=0)
    p.add_argument("--weight-noise", type=_bounded("weight_noise"), default=0.25)
    p.add_argument("--knot-noise", type=_bounded("knot_noise"), default=0.10)
    p.add_argument("--assessed-noise", type=_bounded("assessed_noise"), default=1.0)
    p.set_defaults(func=cmd_robustness)

    tg = sub.add_parser("targets", help="plan targets")
    tsub = tg.add_subparsers(dest="targets_command", required=True)
    p = tsub.add_parser("import", help="create or update targets from a JSON or TOML file (idempotent)")
    p.add_argument("file", help="a .json or .toml target file, or 'changan' for the shipped 长安区 example")
    p.set_defaults(func=cmd_targets_import)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        rc: int = args.func(args, sys.stdout, sys.stderr)
    except Exception as exc:
        # a database that cannot be used is one line with what to do, not a traceback
        from app.config import get_settings
        from app.db.startup import explain

        line = explain(get_settings().database_url, exc)
        if line is None:
            raise
        print(f"innomon: {line}", file=sys.stderr)
        return EXIT_UNUSABLE
    return rc


if __name__ == "__main__":
    sys.exit(main())
