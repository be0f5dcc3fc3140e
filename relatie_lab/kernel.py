"""One warm Jupyter kernel for all notebooks of a report.

A fresh kernel per notebook costs its start-up and the imports of every notebook's first cell (pandas,
matplotlib, the package): seconds per notebook. :func:`warm_kernel` starts one kernel that papermill uses for
every notebook in turn (``papermill.execute_notebook(..., km=km)``), so that price is paid once. Each notebook
still runs on its own with papermill, in a kernel of its own; between the notebooks of a report the kernel's
namespace is cleared (:func:`reset`), so no notebook can lean on another's variables.

The kernel is a process of its own; while it works, the report process mostly waits. So the report overlaps:

- ``warm_kernel(warmup=code)`` starts the kernel at once, in an empty private folder, and has it run ``code``
  (the imports of the notebooks' first cells) silently while the report process loads and checks the survey;
  ``reset(km, cwd=folder, clear=False)`` then waits for it and moves the kernel into the notebooks' folder, where
  papermill would have started it.
- :func:`begin_reset` sends the reset and returns at once; the report checks the notebook that just ran while
  the kernel clears its namespace, and waits for the answer (:meth:`Pending.wait`) before the next notebook.
  After the warm-up and after each reset the surviving objects (modules, caches) are frozen for the garbage
  collector (``gc.freeze``), so a reset's collections only look at what the last notebook made.
- :func:`begin_stop` asks the kernel to stop the worker processes it started (the local Dask cluster of
  :mod:`relatie_lab.parallel` and multiprocessing's resource tracker). The resource tracker ignores SIGTERM, so
  a kernel that still has it waits for it when shut down, until jupyter_client gives up after 2.5 s and terminates
  the kernel; stopped beforehand, the kernel ends at once. :func:`begin_shutdown` sends the shutdown request, and
  the report writes and checks its HTML while the kernel ends; :func:`shutdown` waits for the end.

The clients papermill makes (one per notebook) skip jupyter_client's last 0.2 s of listening for stray messages
once the kernel has answered (:func:`_client_class`). Our own requests go through a client of their own that only
reads the kernel's reply (no output is shown, nothing depends on catching the kernel's broadcast messages). A
kernel that died is replaced (:func:`discard`): papermill starts a fresh one for the next notebook. The kernel
logs only critical messages: the ``KeyboardInterrupt`` lines that ipykernel writes when it is shut down are noise
in a report run (cell errors reach the report through the notebook, not the log).

Examples
--------
>>> KERNEL_ARGUMENTS
('--IPKernelApp.log_level=CRITICAL',)
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from typing import Any

__all__ = [
    "KERNEL_ARGUMENTS",
    "Pending",
    "begin_reset",
    "begin_shutdown",
    "begin_stop",
    "discard",
    "drop_dead",
    "reset",
    "shutdown",
    "warm_kernel",
]

#: Arguments for every report kernel: only critical log lines (no start-up notice, no shutdown noise).
KERNEL_ARGUMENTS: tuple[str, ...] = ("--IPKernelApp.log_level=CRITICAL",)
#: What nbclient adds when it starts an IPython kernel itself (no history file); added when we start it early.
HISTORY_ARGUMENT = "--HistoryManager.hist_file=:memory:"


@contextlib.contextmanager
def warm_kernel(kernel_name: str = "python3", *, warmup: str | None = None) -> Iterator[Any]:
    """A kernel manager whose kernel papermill uses for one notebook after the other; the kernel is shut down
    (gracefully, then forcefully) when the block ends, also on an error.

    Pass it as ``papermill.execute_notebook(..., km=km, extra_arguments=list(KERNEL_ARGUMENTS))``.

    Parameters
    ----------
    kernel_name
        Jupyter kernel to start.
    warmup
        None (default): papermill starts the kernel for the first notebook, in that notebook's folder. Code
        (e.g. imports): the kernel starts at once, in an empty private folder, and runs ``code`` silently (no
        output, no history, no execution count) while the caller goes on; call :func:`reset` with ``cwd=`` before
        the first notebook to move it into the notebooks' folder.
    """
    km = _manager_class()(kernel_name=kernel_name)
    try:
        if warmup is not None:
            _start_early(km, warmup)
        yield km
    except BaseException:  # nothing more to run: no need to wait for a kernel that may still be busy
        shutdown(km, now=True)
        raise
    finally:
        shutdown(km)


@functools.cache
def _manager_class() -> type:
    """jupyter_client's AsyncKernelManager with attributes of ours (the folder the kernel was started in, removed at
    the end; the request still open when the kernel was started early, its warm-up; whether a kernel was discarded)
    whose clients (the ones papermill makes, one per notebook) skip a fixed wait (:func:`_client_class`)."""
    from jupyter_client.manager import AsyncKernelManager

    class ReportKernelManager(AsyncKernelManager):
        launch_dir: str | None = None
        pending: Pending | None = None
        discarded: bool = False

        def client(self, **kwargs: Any) -> Any:
            self.client_factory = _client_class()
            return super().client(**kwargs)

    return ReportKernelManager


@functools.cache
def _client_class() -> type:
    """jupyter_client's AsyncKernelClient whose ``wait_for_ready`` does not end with 0.2 s of listening for more
    IOPub messages (0.2 s per notebook: what comes then belongs to the ``kernel_info`` request, which nbclient ignores
    anyway, as it ignores every message that does not answer its own request). The rest is jupyter_client's: send
    ``kernel_info`` until the reply comes *and* an IOPub message shows that this client receives the kernel's output.
    """
    from queue import Empty

    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_client.utils import ensure_async

    class ReportKernelClient(AsyncKernelClient):
        async def _wait_until_ready(self, timeout: float | None = None) -> None:
            handle = getattr(self, "_handle_kernel_info_reply", None)
            is_alive = getattr(self, "_async_is_alive", None)
            if handle is None or is_alive is None:  # another jupyter_client: its own way
                await AsyncKernelClient.wait_for_ready(self, timeout)
                return
            deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
            while True:
                self.kernel_info()
                try:
                    msg = await ensure_async(self.shell_channel.get_msg(timeout=1))
                except Empty:
                    pass
                else:
                    if msg["msg_type"] == "kernel_info_reply":
                        try:  # IOPub connected?
                            await ensure_async(self.iopub_channel.get_msg(timeout=0.2))
                        except Empty:
                            pass
                        else:
                            handle(msg)
                            break
                if not await is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")
            while True:  # what has already arrived (no waiting for more)
                try:
                    await ensure_async(self.iopub_channel.get_msg(timeout=0))
                except Empty:
                    break

        wait_for_ready = _wait_until_ready

    return ReportKernelClient


def _start_early(km: Any, warmup: str) -> None:
    """Start the kernel of ``km`` now, in an empty private folder, and send it ``warmup`` (its reply is awaited by
    the first :func:`reset`)."""
    from jupyter_core.utils import run_sync

    km.launch_dir = tempfile.mkdtemp(prefix="relatie-lab-kernel-")
    run_sync(km.start_kernel)(extra_arguments=[*KERNEL_ARGUMENTS, HISTORY_ARGUMENT], cwd=km.launch_dir)
    km.pending = _send(km, warmup.rstrip("\n") + "\n" + FREEZE_CODE, silent=True)


def shutdown(km: Any, now: bool = False) -> None:
    """Shut the kernel of ``km`` down, gracefully (``now=False``, then forcefully if it does not end) or at once;
    it may already be ending after :func:`begin_shutdown`. A no-op without a kernel; :func:`warm_kernel` calls it
    when its block ends. The report calls it before its folder is moved into place (the kernel's working directory
    is in that folder)."""
    from jupyter_core.utils import run_sync

    pending = getattr(km, "pending", None)
    if pending is not None:
        km.pending = None
        pending.close()
    try:
        if km.has_kernel:
            try:
                run_sync(km.shutdown_kernel)(now=now)
            except Exception:  # a kernel that does not answer: stop it
                with contextlib.suppress(Exception):
                    run_sync(km.shutdown_kernel)(now=True)
        elif getattr(km, "discarded", False):  # discarded and not replaced: the context made for the next one
            with contextlib.suppress(Exception):
                km.context.destroy(linger=100)
    finally:
        launch_dir = getattr(km, "launch_dir", None)
        if launch_dir:
            shutil.rmtree(launch_dir, ignore_errors=True)


class Pending:
    """A request sent to the kernel whose reply has not been read yet (:func:`begin_reset`, :func:`begin_stop`).

    :meth:`wait` reads the reply; a kernel that died or does not answer within the timeout is shut down, so the
    next notebook starts a fresh one (papermill starts it when the kernel manager has none).
    """

    def __init__(self, km: Any, client: Any, msg_id: str, timeout: float) -> None:
        self.km, self.client, self.msg_id, self.timeout = km, client, msg_id, timeout

    def wait(self) -> bool:
        """Wait for the kernel's reply; True when it answered ``ok``."""
        from jupyter_core.utils import run_sync

        if self.client is None:
            return False
        deadline = time.monotonic() + self.timeout
        try:
            while time.monotonic() < deadline:
                try:
                    reply = self.client.get_shell_msg(timeout=min(0.5, max(0.01, deadline - time.monotonic())))
                except Exception:  # queue.Empty: no reply yet; is the kernel still there?
                    if not run_sync(self.km.is_alive)():
                        break
                    continue
                if reply.get("parent_header", {}).get("msg_id") == self.msg_id:
                    return reply.get("content", {}).get("status") == "ok"
        finally:
            self.close()
        discard(self.km)  # died or no answer: start afresh
        return False

    def close(self) -> None:
        """Close the client without waiting (the kernel still runs the request)."""
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.stop_channels()
            self.client = None


def _send(km: Any, code: str, *, silent: bool = False, timeout: float = 30.0) -> Pending:
    """Send ``code`` to the kernel of ``km`` through a client of its own; the reply is read by :meth:`Pending.wait`."""
    client = km.blocking_client()
    client.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
    msg_id = client.execute(code, silent=silent, store_history=False, allow_stdin=False)
    return Pending(km, client, msg_id, timeout)


def _take_pending(km: Any) -> None:
    """Wait for a request still open (the warm-up of :func:`warm_kernel`) before the next one is sent."""
    pending = getattr(km, "pending", None)
    if pending is not None:
        km.pending = None
        pending.timeout = max(pending.timeout, 300.0)  # imports on a busy machine may take a while
        pending.wait()


#: After the warm-up and after each reset: what is left (imported modules, their caches, a Dask client) lives until
#: the kernel ends, so the garbage collector stops looking at it (``gc.freeze``). The reset's own collections then
#: only look at what the last notebook made: 0.2-1 s less per notebook after the SEM notebook.
FREEZE_CODE = "__import__('gc').freeze()\n"
#: ``%reset -f`` that keeps the module dunders of ``__main__`` (``__spec__``, ``__name__``, ...): without
#: ``__spec__`` a notebook cannot start worker processes (multiprocessing's spawn, a Dask LocalCluster) after a reset.
RESET_CODE = (
    "def _relatie_lab_reset(keep):\n"
    "    get_ipython().run_line_magic('reset', '-f')\n"  # also removes this function's name
    "    globals().update(keep)\n"
    "_relatie_lab_reset({k: v for k, v in globals().items() if k.startswith('__') and k.endswith('__')})\n"
) + FREEZE_CODE
#: Move the kernel into a folder (``{cwd!r}``) without leaving a name behind.
CHDIR_CODE = "__import__('os').chdir({cwd!r})\n"
#: Stop the worker processes the kernel started, so that it can end at once when asked to (see the module text).
STOP_CODE = (
    "def _relatie_lab_stop():\n"
    "    import sys\n"
    "    parallel = sys.modules.get('relatie_lab.parallel')\n"
    "    if parallel is not None:\n"
    "        parallel.close_local_cluster()\n"
    "    tracker = sys.modules.get('multiprocessing.resource_tracker')\n"
    "    stop = getattr(getattr(tracker, '_resource_tracker', None), '_stop', None)\n"
    "    if stop is not None:\n"
    "        stop()\n"
    "_relatie_lab_stop()\n"
    "del _relatie_lab_stop\n"
)


def drop_dead(km: Any) -> bool:
    """Shut down the kernel of ``km`` if it died (papermill then starts a fresh one); True when a live kernel is
    left."""
    from jupyter_core.utils import run_sync

    if km is None or not km.has_kernel:
        return False
    _take_pending(km)
    if not km.has_kernel:
        return False
    if not run_sync(km.is_alive)():
        discard(km)
        return False
    return True


def discard(km: Any) -> None:
    """Stop the kernel of ``km`` at once and make the manager ready for a fresh kernel, which papermill starts for
    the next notebook: new ports and a new connection file, as a new manager would have (a plain shutdown closes
    the manager's ZMQ context, and a kernel started again on the old ports does not always answer)."""
    import zmq.asyncio
    from jupyter_core.utils import run_sync

    with contextlib.suppress(Exception):
        run_sync(km.shutdown_kernel)(now=True)
    km.shell_port = km.iopub_port = km.stdin_port = km.hb_port = km.control_port = 0
    km.context = zmq.asyncio.Context()
    km._created_context = True  # so that jupyter_client closes it at the end, as it does its own
    km.discarded = True


def begin_reset(
    km: Any, timeout: float = 30.0, *, cwd: str | os.PathLike[str] | None = None, clear: bool = True
) -> Pending | None:
    """Send the reset of :func:`reset` and return without waiting (None when there is no kernel to reset)."""
    if not drop_dead(km):
        return None
    # an absolute path: the kernel runs in a folder of its own, so 'reports/demo/...' would be looked up there
    where = CHDIR_CODE.format(cwd=os.path.abspath(os.fspath(cwd))) if cwd is not None else ""
    code = (RESET_CODE if clear else "") + where
    if not code:
        return None
    return _send(km, code, timeout=timeout)


def reset(
    km: Any, timeout: float = 30.0, *, cwd: str | os.PathLike[str] | None = None, clear: bool = True
) -> None:
    """Clear the user namespace of the kernel of ``km`` (modules stay imported: that is the warmth).

    ``cwd``: also make that folder the kernel's working directory (the notebooks' folder). ``clear=False``: only
    that. A kernel that died (or does not answer) is shut down instead, so the next notebook starts a fresh one.
    """
    pending = begin_reset(km, timeout, cwd=cwd, clear=clear)
    if pending is not None:
        pending.wait()


def begin_stop(km: Any, timeout: float = 30.0) -> Pending | None:
    """Ask the kernel to stop its worker processes (the last notebook has run); None when there is no kernel."""
    if not drop_dead(km):
        return None
    return _send(km, STOP_CODE, silent=True, timeout=timeout)


def begin_shutdown(km: Any) -> None:
    """Send the kernel its shutdown request without waiting; :func:`warm_kernel` waits for the end when it closes."""
    from jupyter_core.utils import run_sync

    if km is not None and km.has_kernel:
        with contextlib.suppress(Exception):
            run_sync(km.request_shutdown)()
