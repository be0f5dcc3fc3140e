"""Speed of Monte Carlo power on Dask (issue 14). Prints figures; asserts nothing.

1000 power replications (N = 300) of the Commitment-Trust model fitted to the demo survey, on a local Dask
cluster of 1 worker, 2 workers and all cores; prints the wall time, the speed-up against 1 worker, and the
per-task overhead share: the time Dask needs per (empty) task divided by the fit time of one task
(``REPS_PER_TASK`` replications). Also checks that the numbers are identical on every cluster size.

Run: ``.venv/bin/python benchmarks/bench_power.py`` (a few minutes on 2 cores).
"""

from __future__ import annotations

import os
import time
import warnings

import numpy as np

from relatie_lab.loaders import load_survey
from relatie_lab.models import commitment_trust
from relatie_lab.parallel import close_local_cluster, get_client, machine_workers
from relatie_lab.paths import DEMO_CSV
from relatie_lab.sem import fit_sem
from relatie_lab.sem.power import REPS_PER_TASK, power_sem

REPS = 1000
N = 300


def _noop(x: int) -> int:
    return x


def main() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        survey = load_survey(DEMO_CSV)
        fitted = fit_sem(survey.data, commitment_trust(available=survey.data))
    # fit time per replication, in this process (no Dask)
    power_sem(fitted, n=[N], reps=5, seed=8, client="local", progress=False)  # warm caches
    started = time.process_time()
    power_sem(fitted, n=[N], reps=100, seed=9, client="local", progress=False)
    per_rep = (time.process_time() - started) / 100
    print(f"one replication (draw + fit, N={N}): {per_rep * 1000:.1f} ms CPU in one process; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (a busy machine slows the wall times)")
    sizes = sorted({1, 2, machine_workers()})
    times, tables = {}, {}
    for workers in sizes:
        close_local_cluster()
        client = get_client(n_workers=workers)
        client.submit(_noop, 0).result()  # workers up and warm
        started = time.perf_counter()
        futures = client.map(_noop, range(200), pure=False)
        client.gather(futures)
        per_task = (time.perf_counter() - started) / 200 * workers
        started = time.perf_counter()
        res = power_sem(fitted, n=[N], reps=REPS, seed=1, client=client, progress=False)
        times[workers] = time.perf_counter() - started
        tables[workers] = res.table
        share = per_task / (REPS_PER_TASK * per_rep)
        print(f"{workers} worker(s): {REPS} replications in {times[workers]:.1f} s, speed-up "
              f"{times[sizes[0]] / times[workers]:.2f}x; per-task overhead {per_task * 1000:.1f} ms = "
              f"{share:.1%} of a task's fit time ({REPS_PER_TASK} replications)")  # fmt: skip
    close_local_cluster()
    same = all(np.array_equal(tables[w][["power", "coverage", "mean_est"]].to_numpy(),
                              tables[sizes[0]][["power", "coverage", "mean_est"]].to_numpy(), equal_nan=True)
               for w in sizes)  # fmt: skip
    print(f"identical results on {sizes} worker(s): {same}")


if __name__ == "__main__":
    main()
