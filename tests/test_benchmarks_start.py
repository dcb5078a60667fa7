"""Every benchmark script at least starts: `--help` answers without a
database. (One once imported the project before putting it on sys.path and
failed on its first line; nothing else runs these scripts.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = sorted(
    path
    for path in (Path(__file__).resolve().parent.parent / "benchmarks").glob("*.py")
    if path.name != "__init__.py"
)


@pytest.mark.parametrize("script", BENCHMARKS, ids=lambda path: path.name)
def test_the_benchmark_starts(script):
    result = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, str(script), "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=script.parent.parent,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "usage:" in result.stdout
