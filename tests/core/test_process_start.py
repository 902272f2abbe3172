"""What the server's entry point does once per process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_entry_point_freezes_what_it_made_out_of_the_cycle_collectors_sight(tmp_path):
    # A fresh interpreter, as a gunicorn worker imports `wsgi:app`: the objects made while
    # starting (about 250,000) are frozen, and few are left for full collections to scan.
    script = "import gc, wsgi; print(gc.get_freeze_count(), len(gc.get_objects()), gc.isenabled())"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'start.sqlite3'}",
        "COALITION_ENV": "development",
    }
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout.split()
    frozen, tracked, enabled = int(out[0]), int(out[1]), out[2]
    assert frozen > 100_000
    assert tracked < frozen / 10
    assert enabled == "True"  # frozen, not switched off: new cycles are still collected
