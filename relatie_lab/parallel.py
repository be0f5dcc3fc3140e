"""Dask, the one parallel engine: a distributed ``Client`` and a seeded, fault-reporting map over tasks.

Everything in relatie_lab that runs in parallel (``batch``, the bootstrap, :func:`relatie_lab.power_sem`,
``SEMResult.dynamic_cutoffs``) goes through this module:

- :func:`get_client` gives a Dask distributed ``Client``. By default it starts (once per process) a
  ``LocalCluster`` of worker *processes* sized to the machine, one thread each. An existing cluster is used
  when you pass ``client=``, a scheduler address (``scheduler="tcp://HOST:8786"``, the command-line option
  ``--scheduler``) or set the environment variable ``RELATIE_LAB_SCHEDULER``. An address that does not answer
  gives a plain :class:`~relatie_lab.errors.SurveyError` (Dutch, or English with ``lang="en"``).
- :func:`spawn_seeds` gives one independent ``numpy.random.SeedSequence`` per replication
  (``SeedSequence(seed).spawn(n)``); :func:`chunks` groups replications into tasks of a fixed size. Because
  neither depends on the number of workers, results are identical for 1 worker, 16 workers or a cluster.
- :func:`run_tasks` submits one task per chunk, shows a progress bar (terminal and notebook, ``tqdm.auto``),
  lets Dask reschedule the tasks of a worker that died (``distributed.scheduler.allowed-failures``) and
  returns every result in task order together with the tasks that failed (index and message): a failure is
  reported, never hidden.

Examples
--------
>>> [len(c) for c in chunks(list(range(10)), 4)]
[4, 4, 2]
>>> seeds = spawn_seeds(7, 3)
>>> [int(s.generate_state(1)[0]) == int(t.generate_state(1)[0]) for s, t in zip(seeds, spawn_seeds(7, 3))]
[True, True, True]
>>> out = run_tasks(sum, [[1, 2], [3, 4]], local=True)
>>> out.results, out.failed
([3, 7], [])
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from relatie_lab.errors import SurveyError
from relatie_lab.labels import check_lang, label

__all__ = [
    "ENV_SCHEDULER",
    "TaskResults",
    "add_scheduler_option",
    "chunks",
    "close_local_cluster",
    "default_progress",
    "get_client",
    "machine_workers",
    "run_tasks",
    "spawn_seeds",
]

#: Environment variable with the address of an existing Dask scheduler (``tcp://HOST:PORT``).
ENV_SCHEDULER = "RELATIE_LAB_SCHEDULER"
#: Set in a batch task's process (and inherited by its notebook kernels): parallel work there runs in one process.
ENV_IN_WORKER = "RELATIE_LAB_IN_WORKER"

_LOCAL: dict[str, Any] = {}  # the LocalCluster and its Client started by this process (one, reused)
_LOCK = threading.Lock()


def machine_workers() -> int:
    """Worker processes for the default local cluster: the cores this process may use (at least 1).

    1 inside a batch task (``RELATIE_LAB_IN_WORKER`` set): the batch already uses the cores, and a worker process
    does not start a cluster of its own.
    """
    if os.environ.get(ENV_IN_WORKER):
        return 1
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def spawn_seeds(seed: int | np.random.SeedSequence | None, n: int) -> list[np.random.SeedSequence]:
    """``n`` independent child seeds of ``seed`` (``numpy.random.SeedSequence(seed).spawn(n)``)."""
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return root.spawn(int(n))


def chunks(items: Sequence[Any], size: int) -> list[list[Any]]:
    """``items`` in consecutive groups of ``size`` (the last one may be shorter)."""
    size = max(1, int(size))
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def default_progress(n_tasks: int) -> bool:
    """Show a progress bar by default when there is more than one task and someone is watching.

    Watching means stderr is a terminal, or a running IPython kernel (Jupyter: ``tqdm.auto`` draws a widget).
    """
    return n_tasks > 1 and (sys.stderr.isatty() or "ipykernel" in sys.modules)


def _unreachable(address: str, exc: BaseException, lang: str) -> SurveyError:
    return SurveyError(label("parallel_err_unreachable", lang).format(address=address, env=ENV_SCHEDULER,
                                                                      error=f"{type(exc).__name__}: {exc}"))


def _probe(address: str, timeout: float) -> None:
    """Open and close a TCP connection to ``tcp://HOST:PORT`` (other protocols are left to Dask)."""
    import socket
    from urllib.parse import urlsplit

    if not address.startswith("tcp://"):
        return
    parts = urlsplit(address)
    if parts.hostname and parts.port:
        with socket.create_connection((parts.hostname, parts.port), timeout=min(timeout, 5.0)):
            pass


def get_client(
    client: Any = None,
    *,
    scheduler: str | None = None,
    n_workers: int | None = None,
    timeout: float = 5.0,
    lang: str = "nl",
):
    """A Dask distributed ``Client``: the one given, an existing cluster, or a local cluster of processes.

    Parameters
    ----------
    client : distributed.Client, optional
        Returned as it is.
    scheduler : str, optional
        Address of a running scheduler (``tcp://HOST:8786``); default: the environment variable
        ``RELATIE_LAB_SCHEDULER``. Start one with ``dask scheduler`` and ``dask worker tcp://HOST:8786``
        (docs/cluster.md).
    n_workers : int, optional
        Worker processes of the local cluster (default: :func:`machine_workers`). The local cluster is started
        once per process and reused; asking for another size starts a new one.
    timeout : float
        Seconds to wait for a scheduler before giving up.
    lang : {"nl", "en"}
        Language of the error message.

    Raises
    ------
    SurveyError
        When the scheduler does not answer: says which address, and what to check.

    Examples
    --------
    >>> get_client(scheduler="tcp://127.0.0.1:9", timeout=1, lang="en")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    relatie_lab.errors.SurveyError: No Dask scheduler answers at tcp://127.0.0.1:9...
    """
    lang = check_lang(lang)
    if client is not None:
        return client
    from distributed import Client

    address = scheduler or os.environ.get(ENV_SCHEDULER) or None
    if address:
        try:
            _probe(address, timeout)  # a refused connection fails at once, not after the whole timeout
            return Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise _unreachable(address, exc, lang) from None
    workers = max(1, int(n_workers or machine_workers()))
    with _LOCK:
        current = _LOCAL.get("client")
        if current is not None and _LOCAL.get("n_workers") == workers and current.status == "running":
            return current
        close_local_cluster()
        from distributed import LocalCluster

        # dashboard on a free port (no clash with another cluster); silence_logs: closing workers log connection
        # errors that mean nothing to a user
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                               silence_logs=50)  # fmt: skip
        _LOCAL.update(cluster=cluster, client=Client(cluster, set_as_default=False), n_workers=workers)
        return _LOCAL["client"]


def close_local_cluster() -> None:
    """Stop the local cluster started by :func:`get_client` (its worker processes end); a no-op without one."""
    client, cluster = _LOCAL.pop("client", None), _LOCAL.pop("cluster", None)
    _LOCAL.pop("n_workers", None)
    for obj in (client, cluster):
        if obj is not None:
            with contextlib.suppress(Exception):  # closing at exit or after an interrupt: best effort
                obj.close()


atexit.register(close_local_cluster)


def is_local(client: Any) -> bool:
    """True when ``client`` belongs to the local cluster of this process."""
    return client is not None and client is _LOCAL.get("client")


@dataclass
class TaskResults:
    """Results of :func:`run_tasks`: ``results[i]`` of task ``i`` (``None`` when it failed) and the failures."""

    results: list[Any]
    failed: list[tuple[int, str]] = field(default_factory=list)

    def failure_text(self, lang: str = "nl", limit: int = 3) -> str:
        """One line for a warning: how many tasks failed and the first messages."""
        lines = "; ".join(f"#{i}: {msg}" for i, msg in self.failed[:limit])
        return label("parallel_msg_failed_tasks", lang).format(n=len(self.failed), total=len(self.results),
                                                               first=lines)  # fmt: skip


def _error_text(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".strip()


def run_tasks(
    func: Callable[..., Any],
    tasks: Sequence[Any],
    *,
    shared: dict[str, Any] | None = None,
    client: Any = None,
    scheduler: str | None = None,
    n_workers: int | None = None,
    local: bool = False,
    progress: bool | None = None,
    desc: str = "relatie-lab",
    lang: str = "nl",
    on_result: Callable[[int, Any], None] | None = None,
) -> TaskResults:
    """Run ``func(task, **shared)`` for every task on Dask; results in task order, failures reported.

    Parameters
    ----------
    func : callable
        A module-level function (it is pickled to the workers).
    tasks : sequence
        One argument per task (e.g. a chunk of seeds from :func:`chunks`).
    shared : dict, optional
        Keyword arguments the same for every task (a model, a data set): sent to the workers once
        (``client.scatter``), not once per task.
    client, scheduler, n_workers
        Which cluster (see :func:`get_client`).
    local : bool
        Run in this process, one task after the other, without Dask (the same numbers; for small jobs).
    progress : bool, optional
        Progress bar (default :func:`default_progress`).
    desc : str
        Label of the progress bar.
    lang : {"nl", "en"}
        Language of the messages.
    on_result : callable, optional
        Called as ``on_result(index, result)`` in this process as each task finishes (e.g. to print a line).

    Returns
    -------
    TaskResults
        ``results`` (``None`` for a failed task) and ``failed``: ``(task index, error message)``. A worker that
        dies costs only its tasks, which the scheduler runs again elsewhere; a task that raises (or kills workers
        repeatedly) is listed in ``failed``.
    """
    shared = dict(shared or {})
    n = len(tasks)
    out = TaskResults([None] * n)
    if progress is None:
        progress = default_progress(n)
    bar = None
    if progress and n:
        from tqdm.auto import tqdm

        bar = tqdm(total=n, desc=desc, unit="task", leave=False)
    try:
        if local or n == 0:
            for i, task in enumerate(tasks):
                try:
                    out.results[i] = func(task, **shared)
                except Exception as exc:  # reported in .failed, never hidden
                    out.failed.append((i, _error_text(exc)))
                if on_result is not None:
                    on_result(i, out.results[i])
                if bar is not None:
                    bar.update(1)
            return out
        from distributed import as_completed

        cl = get_client(client, scheduler=scheduler, n_workers=n_workers, lang=lang)
        scattered = {k: _shipped(cl, v) for k, v in shared.items()}
        futures = [cl.submit(func, task, **scattered, pure=False) for task in tasks]
        index = {f.key: i for i, f in enumerate(futures)}
        try:
            for future in as_completed(futures, loop=cl.loop):
                i = index[future.key]
                if future.status == "finished":
                    out.results[i] = future.result()
                else:
                    exc = future.exception()
                    out.failed.append((i, _error_text(exc)))
                if on_result is not None:
                    on_result(i, out.results[i])
                if bar is not None:
                    bar.update(1)
        except BaseException:
            cl.cancel(futures)  # Ctrl-C / SIGTERM: stop what is queued or running
            raise
        out.failed.sort()
        return out
    finally:
        if bar is not None:
            bar.close()


#: Shared arguments larger than this (pickled) are scattered to the workers once; smaller ones travel with each task.
SCATTER_BYTES = 1 << 20


def _shipped(client: Any, value: Any) -> Any:
    """``value`` as it goes to the tasks: itself when small, else a future of a copy scattered to every worker.

    Small values travel with the tasks: scattered data live only on the workers, and a worker that dies can take
    the scheduler's only record of them with it, which cancels the tasks that need them (seen with a nanny
    restarting a killed worker). Large ones (a big data set) are sent once.
    """
    import pickle

    try:
        size = len(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    except Exception:  # not picklable here: let Dask's own serialisation decide
        size = SCATTER_BYTES + 1
    if size <= SCATTER_BYTES:
        return value
    return client.scatter(value, broadcast=True, hash=False)


def add_scheduler_option(parser: Any) -> None:
    """Add ``--scheduler tcp://HOST:PORT`` to an argparse (sub)parser."""
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="tcp://HOST:PORT",
        help=f"address of a running Dask scheduler (default: ${ENV_SCHEDULER}, else a local cluster on this "
        "machine); see docs/cluster.md",
    )
