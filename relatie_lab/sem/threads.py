"""BLAS threads: the SEM's matrices are small, so multi-threaded BLAS only adds overhead."""

from __future__ import annotations

import functools

__all__ = ["single_thread_blas"]


@functools.cache
def _blas_controller():
    """threadpoolctl's view of the loaded BLAS libraries, made once (it scans the process's libraries)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def single_thread_blas():
    """Context manager limiting BLAS to one thread.

    The matrices here are small (tens of rows): multi-threaded BLAS only adds overhead, and on a
    shared 2-core machine it is 2-5x slower.
    """
    return _blas_controller().limit(limits=1, user_api="blas")
