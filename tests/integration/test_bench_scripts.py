"""The benchmark scripts still run against the current code (tiny sizes; no figures checked)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT

RUNS = {
    "score_domain": ["--n", "200"],
    "bulk_import": ["--regions", "20", "--batch", "100", "--rounds", "1"],
    "ranking": ["--large", "30", "--small", "10", "--reps", "1", "--cached-reps", "2"],
    "reports": ["--regions", "12", "--reps", "1", "--pdf-reps", "1", "--cached-reps", "2"],
    "spreadsheets": ["--regions", "20", "--rounds", "1"],
    "robustness": ["--sizes", "20,30", "--draws", "50", "--reps", "1", "--service"],
    "run_all": ["--sizes", "tiny", "--reps", "1"],
}


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(RUNS))
def test_benchmark_script_runs(script: str) -> None:
    r = subprocess.run(
        [sys.executable, f"bench/{script}.py", *RUNS[script]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert "median" in r.stdout or "ratio" in r.stdout, r.stdout


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("wrk") is None or shutil.which("taskset") is None, reason="needs wrk and taskset"
)
def test_api_read_benchmark_runs() -> None:
    args = ["--duration", "1", "--rounds", "1", "--warmup", "1", "--connections", "4"]
    r = subprocess.run(
        [sys.executable, "bench/api_read.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert "ratio" in r.stdout, r.stdout
