"""One warm Jupyter kernel for all notebooks of a report.

A fresh kernel per notebook costs its start-up and the imports of every notebook's first cell (pandas,
matplotlib, the package): seconds per notebook. :func:`warm_kernel` starts one kernel that papermill uses for
every notebook in turn (``papermill.execute_notebook(..., km=km)``), so that price is paid once. Each notebook
still runs on its own with papermill, in a kernel of its own; between the notebooks of a report the kernel's
namespace is cleared (:func:`reset`), so no notebook can lean on another's variables.

The kernel logs only critical messages: the ``KeyboardInterrupt`` lines that ipykernel writes when it is shut
down are noise in a report run (cell errors reach the report through the notebook, not the log).

Examples
--------
>>> KERNEL_ARGUMENTS
('--IPKernelApp.log_level=CRITICAL',)
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

__all__ = ["KERNEL_ARGUMENTS", "reset", "warm_kernel"]

#: Arguments for every report kernel: only critical log lines (no start-up notice, no shutdown noise).
KERNEL_ARGUMENTS: tuple[str, ...] = ("--IPKernelApp.log_level=CRITICAL",)


@contextlib.contextmanager
def warm_kernel(kernel_name: str = "python3") -> Iterator[Any]:
    """A kernel manager whose kernel papermill starts on first use and keeps for the next notebooks; the kernel
    is shut down (gracefully, then forcefully) when the block ends, also on an error.

    Pass it as ``papermill.execute_notebook(..., km=km, extra_arguments=list(KERNEL_ARGUMENTS))``.
    """
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    km = AsyncKernelManager(kernel_name=kernel_name)
    try:
        yield km
    finally:
        if km.has_kernel:
            try:
                run_sync(km.shutdown_kernel)(now=False)
            except Exception:  # a kernel that does not answer: stop it
                with contextlib.suppress(Exception):
                    run_sync(km.shutdown_kernel)(now=True)


#: ``%reset -f`` that keeps the module dunders of ``__main__`` (``__spec__``, ``__name__``, ...): without
#: ``__spec__`` a notebook cannot start worker processes (multiprocessing's spawn, a Dask LocalCluster) after a reset.
RESET_CODE = (
    "def _relatie_lab_reset(keep):\n"
    "    get_ipython().run_line_magic('reset', '-f')\n"  # also removes this function's name
    "    globals().update(keep)\n"
    "_relatie_lab_reset({k: v for k, v in globals().items() if k.startswith('__') and k.endswith('__')})\n"
)


def reset(km: Any, timeout: float = 30.0) -> None:
    """Clear the user namespace of the kernel of ``km`` (modules stay imported: that is the warmth).

    A kernel that died (or does not answer) is shut down instead, so the next notebook starts a fresh one.
    """
    from jupyter_core.utils import run_sync

    if km is None or not km.has_kernel:
        return
    if not run_sync(km.is_alive)():
        with contextlib.suppress(Exception):
            run_sync(km.shutdown_kernel)(now=True)
        return
    client = km.client()
    client.start_channels()
    try:  # the kernel is idle between notebooks: no need to wait for it to be ready
        run_sync(client.execute_interactive)(RESET_CODE, store_history=False, timeout=timeout)
    except Exception:  # no answer: start afresh
        with contextlib.suppress(Exception):
            run_sync(km.shutdown_kernel)(now=True)
    finally:
        client.stop_channels()
