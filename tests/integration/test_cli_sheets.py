"""`innomon import` and `innomon export` against the configured database (no server)."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl

from app.db.engine import make_engine, session_scope, writer
from app.services.periods import put_period
from app.services.schemes import sync_builtin_schemes
from tests.integration.test_cli_server import clean_env, innomon


def test_import_then_export_from_the_command_line(tmp_path: Path) -> None:
    env = clean_env()
    assert innomon("migrate", cwd=tmp_path, env=env).returncode == 0
    assert innomon("regions", "import", "hebei", cwd=tmp_path, env=env).returncode == 0
    engine = make_engine(f"sqlite:///{tmp_path / 'innomon.db'}")
    with session_scope(writer(engine)) as s:
        sync_builtin_schemes(s)
        put_period(s, 2020, "hebei-county-2019", "2021")
    engine.dispose()
    data = tmp_path / "st.csv"
    # GB18030, as Excel on Chinese Windows saves CSV; 长安区 by name
    data.write_bytes(
        "region,element,value\n长安区,高新技术企业数量,40\n130104,tech_smes,500\n".encode("gb18030")
    )

    dry = innomon("import", str(data), "--year", "2020", "--dry-run", cwd=tmp_path, env=env)
    assert dry.returncode == 0, dry.stderr
    assert "reading" in dry.stderr and "checking" in dry.stderr  # the progress lines
    answer = json.loads(dry.stdout)
    assert answer["dry_run"] is True and answer["encoding"] == "GB18030"
    assert answer["sheets"]["CSV"]["created"] == 2
    empty = innomon("export", "values", "--year", "2020", "--format", "csv", "-o", "-", cwd=tmp_path, env=env)
    assert (
        empty.stdout.strip("\ufeff\r\n")
        == "region,element,element_name_zh,value,comment,posted_by,updated_at"
    )

    done = innomon("import", str(data), "--year", "2020", cwd=tmp_path, env=env)
    assert done.returncode == 0 and json.loads(done.stdout)["sheets"]["CSV"]["created"] == 2
    out = innomon(
        "export", "ranking", "--year", "2020", "--format", "xlsx", "-o", "r.xlsx", cwd=tmp_path, env=env
    )
    assert out.returncode == 0, out.stderr
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx")["排名"]
    totals = {ws.cell(r, 2).value: ws.cell(r, 7).value for r in range(4, ws.max_row + 1)}
    # by hand from DESIGN.md's bands: 40 high-tech enterprises 8 points; 500 tech SMEs 5 points
    assert totals["130102"] == 8 and totals["130104"] == 5
    assert len(totals) == 2  # the other county-level units posted nothing: not ranked

    bad = tmp_path / "bad.csv"
    bad.write_text("region,element,value\n长安区,tech_smes,-4\n", encoding="utf-8")
    r = innomon("import", str(bad), "--year", "2020", cwd=tmp_path, env=env)
    assert r.returncode == 2 and "CSV!C2: must not be negative" in r.stderr
