"""Stopping a batch (relatie_lab.batch): SIGTERM or Ctrl-C stops its Dask workers and writes what had finished.

A separate file from test_batch.py so that the batch tests of other issues merge cleanly.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import pandas as pd
import pytest

SCRIPT = textwrap.dedent(
    """
    import sys
    from relatie_lab.batch import run_batch
    from relatie_lab.report import report_notebooks

    notebooks = [p for p in report_notebooks() if p.name.startswith("01_")]
    try:
        run_batch(sys.argv[2:], sys.argv[1], workers=1, notebooks=notebooks, n_boot=10, seed=1)
    except KeyboardInterrupt as exc:
        sys.exit(143 if type(exc).__name__ == "_Terminated" else 130)
    """
)


def _descendants(pid: int) -> list[int]:
    """Process ids of all children, grandchildren, ... of ``pid`` (Linux: /proc/<pid>/task/*/children)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                kids = [int(k) for k in (task / "children").read_text().split()]
            except OSError:
                continue
            found += kids
            todo += kids
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
def test_stopping_a_batch_stops_its_workers_and_writes_the_summary(tmp_path):
    # SIGTERM; Ctrl-C (SIGINT) takes the same path (a KeyboardInterrupt in run_batch), exit code 130 instead of 143
    sig = signal.SIGTERM
    from relatie_lab.simulate import simulate_survey

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df, _ = simulate_survey(n=80, seed=2)
    paths = []
    for i in range(4):
        paths.append(tmp_path / f"golf{i}.csv")
        df.to_csv(paths[-1], index=False)
    out = tmp_path / "uit"
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(out), *map(str, paths)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    children: list[int] = []
    try:
        deadline = time.monotonic() + 120
        for line in proc.stdout:  # one worker: the datasets finish one by one
            children = _descendants(proc.pid) or children
            if line.startswith("[1/4]") or time.monotonic() > deadline:
                break
        assert children, "the batch started no worker processes"
        proc.send_signal(sig)
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert code == 143
    assert "relatie-lab batch gestopt: 1 van 4 dataset(s) klaar" in proc.stderr.read()
    summary = pd.read_csv(out / "summary.csv")
    assert summary["name"].tolist() == ["golf0", "golf1", "golf2", "golf3"]
    assert summary["status"].tolist()[0] == "ok"
    assert set(summary["status"].tolist()[1:]) <= {"ok", "stopped"}
    assert "stopped" in summary["status"].tolist()
    assert (out / "index.html").is_file()
    time.sleep(1)
    alive = [p for p in children if _alive(p)]
    assert not alive, f"worker processes still running: {alive}"
