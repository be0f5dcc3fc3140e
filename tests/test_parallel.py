"""The Dask engine (relatie_lab.parallel), and batch / bootstrap / power on a real Dask cluster.

The cluster fixture starts ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1 (each with a
timeout, stopped at the end of the module), then runs a batch, a bootstrap and a small power run through
``--scheduler`` and asserts the same numbers as the local default (a ``LocalCluster``, or one process).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from relatie_lab import cli, parallel
from relatie_lab.errors import SurveyError


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _boom(x: int) -> int:
    if x == 2:
        raise ValueError("task two is broken")
    return x * 10


def _die_once(x: int, marker: str) -> int:
    """Kill the worker process the first time task 1 runs (as a crash or an out-of-memory kill would)."""
    if x == 1 and not os.path.exists(marker):
        Path(marker).write_text("died", encoding="utf-8")
        os._exit(1)
    return x * 10


# ----------------------------------------------------------------------------------------------------------------
# without a cluster


@pytest.mark.parametrize(
    ("lang", "words"),
    [("nl", ["Er antwoordt geen Dask-scheduler op tcp://127.0.0.1:", "Laat --scheduler en RELATIE_LAB_SCHEDULER weg"]),
     ("en", ["No Dask scheduler answers at tcp://127.0.0.1:", "Leave out --scheduler and RELATIE_LAB_SCHEDULER"])],
)  # fmt: skip
def test_unreachable_scheduler_is_a_plain_error(lang, words):
    address = f"tcp://127.0.0.1:{_free_port()}"  # nobody listens there
    with pytest.raises(SurveyError) as err:
        parallel.get_client(scheduler=address, timeout=1, lang=lang)
    for w in words:
        assert w in str(err.value)


def test_unreachable_scheduler_from_the_environment_and_the_command_line(monkeypatch, tmp_path, capsys):
    address = f"tcp://127.0.0.1:{_free_port()}"
    monkeypatch.setenv(parallel.ENV_SCHEDULER, address)
    with pytest.raises(SurveyError, match="Er antwoordt geen Dask-scheduler"):
        parallel.get_client(timeout=1)
    model = tmp_path / "model.lav"
    model.write_text("y ~ 0.3*x\n", encoding="utf-8")
    assert cli.main(["power", str(model), "--n", "50", "--reps", "2", "--lang", "en"]) == 1
    assert f"No Dask scheduler answers at {address}" in capsys.readouterr().err


def test_failed_tasks_are_reported_in_order_never_hidden():
    out = parallel.run_tasks(_boom, [1, 2, 3], local=True)
    assert out.results == [10, None, 30]
    assert out.failed == [(1, "ValueError: task two is broken")]
    assert "1 van de 3 taken zijn mislukt" in out.failure_text("nl")
    assert "1 of 3 tasks failed" in out.failure_text("en")


def test_progress_bar_on_request_and_by_default_only_when_someone_watches(capsys, monkeypatch):
    parallel.run_tasks(_boom, [1, 3], local=True, progress=True, desc="power")
    assert "power:   0%| | 0/2" in capsys.readouterr().err.replace(" " * 10, " ")  # leave=False: cleared at the end
    parallel.run_tasks(_boom, [1, 3], local=True, progress=False)
    assert capsys.readouterr().err == ""
    monkeypatch.setitem(sys.modules, "ipykernel", object())  # a running notebook kernel counts as watching
    assert parallel.default_progress(2)
    assert not parallel.default_progress(1)


def test_seeds_do_not_depend_on_the_grouping_in_tasks():
    seeds = parallel.spawn_seeds(5, 10)
    by_three = [s for c in parallel.chunks(seeds, 3) for s in c]
    assert [s.entropy for s in by_three] == [s.entropy for s in seeds]
    assert [s.spawn_key for s in by_three] == [s.spawn_key for s in seeds]
    draws = [np.random.default_rng(s).random() for s in seeds]
    assert len(set(draws)) == 10


# ----------------------------------------------------------------------------------------------------------------
# a real cluster: dask scheduler + 2 dask workers on 127.0.0.1


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    from distributed import Client

    folder = tmp_path_factory.mktemp("dask")
    dask = shutil.which("dask", path=str(Path(sys.executable).parent)) or shutil.which("dask")
    if dask is None:  # pragma: no cover - dask is a pinned dependency
        pytest.fail("the 'dask' command is not installed")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    log = open(folder / "cluster.log", "w")  # noqa: SIM115 - closed at teardown
    # the workers import this test module for the helper tasks defined here (_die_once)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")])}
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                              cwd=folder, stdout=log, stderr=subprocess.STDOUT, env=env)]  # fmt: skip
    try:
        for _ in range(2):
            procs.append(subprocess.Popen([dask, "worker", address, "--nthreads", "1", "--no-dashboard",
                                           "--host", "127.0.0.1", "--local-directory", str(folder)],
                                          cwd=folder, stdout=log, stderr=subprocess.STDOUT, env=env))  # fmt: skip
        deadline = time.monotonic() + 60
        client = None
        while client is None:
            try:
                client = Client(address, timeout=5, set_as_default=False)
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        client.wait_for_workers(2, timeout=60)
        client.close()
        yield address
    finally:
        for p in reversed(procs):  # workers: killed (nothing to save); the scheduler: terminated
            p.terminate() if p is procs[0] else p.kill()
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)
        log.close()


def test_a_worker_that_dies_costs_only_its_task_which_runs_again(dask_cluster, tmp_path):
    from distributed import Client

    marker = str(tmp_path / "died.txt")
    with Client(dask_cluster, set_as_default=False) as client:
        out = parallel.run_tasks(_die_once, [0, 1, 2, 3], shared={"marker": marker}, client=client)
        client.wait_for_workers(2, timeout=60)  # the nanny restarts the worker
    assert Path(marker).is_file()  # a worker did die
    assert out.failed == []
    assert out.results == [0, 10, 20, 30]


def test_power_through_scheduler_equals_local_default(dask_cluster, tmp_path):
    model = tmp_path / "model.lav"
    model.write_text("F =~ 0.7*x1 + 0.7*x2 + 0.6*x3\ny ~ 0.3*F\n", encoding="utf-8")
    args = ["power", str(model), "--n", "80,160", "--reps", "40", "--seed", "3", "--lang", "en"]
    assert cli.main([*args, "--csv", str(tmp_path / "cluster.csv"), "--scheduler", dask_cluster]) == 0
    assert cli.main([*args, "--csv", str(tmp_path / "local.csv")]) == 0  # default: a LocalCluster
    cluster, local = pd.read_csv(tmp_path / "cluster.csv"), pd.read_csv(tmp_path / "local.csv")
    pd.testing.assert_frame_equal(cluster, local)
    assert cluster["n_reps"].eq(40).all()
    assert set(cluster["n"]) == {80, 160}


def test_bootstrap_through_scheduler_equals_one_process(dask_cluster, monkeypatch):
    from relatie_lab.sem import fit_sem
    from relatie_lab.sem.bootstrap import indirect_effects

    rng = np.random.default_rng(8)
    x = rng.normal(size=200)
    m = 0.5 * x + rng.normal(size=200)
    y = 0.4 * m + rng.normal(size=200)
    res = fit_sem(pd.DataFrame({"x": x, "m": m, "y": y}), "m ~ a*x\ny ~ b*m\nab := a*b")
    one = indirect_effects(res, n_boot=120, seed=4)  # in this process
    cluster = indirect_effects(res, n_boot=120, seed=4, scheduler=dask_cluster)
    pd.testing.assert_frame_equal(one, cluster)
    monkeypatch.setenv(parallel.ENV_SCHEDULER, dask_cluster)  # the environment variable, with n_jobs > 1
    pd.testing.assert_frame_equal(one, indirect_effects(res, n_boot=120, seed=4, n_jobs=2))


@pytest.mark.slow
def test_batch_through_scheduler_equals_local_default(dask_cluster, tmp_path):
    from relatie_lab.batch import run_batch
    from relatie_lab.report import report_notebooks
    from relatie_lab.simulate import simulate_survey

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df, _ = simulate_survey(n=150, seed=1)
    data = tmp_path / "golf1.csv"
    df.to_csv(data, index=False)
    # the data-quality notebook keeps this short; the SEM's numbers on a cluster are checked by the power and
    # bootstrap tests above (a report gets its seed from the batch, not from the worker it runs on)
    notebooks = [p for p in report_notebooks() if p.name.startswith("01_")]
    kwargs = {"notebooks": notebooks, "n_boot": 20, "seed": 5, "progress": False}
    cluster = run_batch([data, tmp_path / "kapot.sav"], tmp_path / "cluster", scheduler=dask_cluster, **kwargs)
    local = run_batch([data, tmp_path / "kapot.sav"], tmp_path / "local", workers=1, **kwargs)
    cols = ["name", "status", "n", "cfi", "rmsea", "srmr", "trust_commitment", "trust_commitment_p"]
    pd.testing.assert_frame_equal(cluster[cols], local[cols])
    assert cluster["status"].tolist() == ["ok", "failed"]  # a file that is not there fails on the cluster too
    assert cluster["n"].tolist()[0] == 150
    assert (tmp_path / "cluster" / "summary.csv").is_file()


def test_batch_command_line_with_an_unreachable_scheduler(tmp_path, capsys):
    address = f"tcp://127.0.0.1:{_free_port()}"
    data = tmp_path / "leeg.csv"
    data.write_text("a\n1\n", encoding="utf-8")
    assert cli.main(["batch", str(data), "--out", str(tmp_path / "uit"), "--scheduler", address]) == 1
    assert f"Er antwoordt geen Dask-scheduler op {address}" in capsys.readouterr().err
