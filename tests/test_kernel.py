"""Tests for relatie_lab.kernel: one warm kernel for several notebooks, namespaces cleared in between; a kernel
started early (warm-up, then moved into the notebooks' folder), resets that return at once, a stop that ends the
kernel's worker processes, and a kernel that died replaced by a fresh one."""

from __future__ import annotations

from pathlib import Path

import nbformat
import papermill as pm
import pytest

from relatie_lab.kernel import (
    KERNEL_ARGUMENTS,
    begin_reset,
    begin_shutdown,
    begin_stop,
    reset,
    shutdown,
    warm_kernel,
)


def _notebook(path, source):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source)]
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
def test_notebooks_share_one_kernel_but_not_their_variables(tmp_path, capsys):
    first = _notebook(tmp_path / "a.ipynb", "import os, sys\nsys.modules['__warm__'] = os.getpid()\nx = 1")
    second = _notebook(tmp_path / "b.ipynb",
                       "import os, sys\nprint(sys.modules['__warm__'] == os.getpid(), 'x' in dir(),\n"
                       "      hasattr(sys.modules['__main__'], '__spec__'), __name__)")
    with warm_kernel() as km:
        pm.execute_notebook(str(first), str(tmp_path / "a.out.ipynb"), km=km, progress_bar=False,
                            extra_arguments=list(KERNEL_ARGUMENTS))  # fmt: skip
        capsys.readouterr()
        reset(km)
        assert capsys.readouterr().out == ""  # the reset shows nothing in the report command's terminal
        out = pm.execute_notebook(str(second), str(tmp_path / "b.out.ipynb"), km=km, progress_bar=False,
                                  extra_arguments=list(KERNEL_ARGUMENTS))  # fmt: skip
        assert km.has_kernel
    # same process (warm), no variable left over; __main__ keeps __spec__ (multiprocessing's spawn needs it: a
    # notebook's bootstrap starts its worker processes after the reset)
    assert out.cells[0].outputs[0]["text"].strip() == "True False True __main__"
    assert not km.has_kernel


def _run(km, code):
    """Run ``code`` in the kernel of ``km`` and return what it printed (a client of the test's own)."""
    client = km.blocking_client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        printed = []
        client.execute_interactive(code, timeout=60, output_hook=lambda msg: printed.append(
            msg["content"].get("text", "") if msg["msg_type"] == "stream" else ""))
        return "".join(printed)
    finally:
        client.stop_channels()


@pytest.mark.slow
@pytest.mark.parametrize("relative", [False, True])
def test_an_early_kernel_warms_up_silently_and_moves_into_the_notebooks_folder(tmp_path, monkeypatch, relative):
    nb_dir = tmp_path / "notebooks"
    nb_dir.mkdir()
    if relative:  # `relatie-lab report ... --out reports/demo` (the README's make report): a path from here
        monkeypatch.chdir(tmp_path)
    first = _notebook(nb_dir / "a.ipynb", "import os, sys\n"
                      "print(os.getcwd(), 'json' in sys.modules, 'warm' in dir(), 'statement' in dir())")
    warmup = "import json\nwarm = 1\n"
    with warm_kernel(warmup=warmup) as km:
        assert km.has_kernel  # started at once, not by the first notebook
        reset(km, cwd=Path("notebooks") if relative else nb_dir, clear=False)  # waits for the warm-up, moves it
        out = pm.execute_notebook(str(first), str(nb_dir / "a.out.ipynb"), km=km, progress_bar=False,
                                  extra_arguments=list(KERNEL_ARGUMENTS))  # fmt: skip
        launch_dir = km.launch_dir
    # the notebook runs where papermill would have started the kernel; the warm-up's modules stay, its names do not
    # reach the notebook (the warm-up is not a cell of the notebook: the first cell still has execution count 1)
    cwd, imported = out.cells[0].outputs[0]["text"].split()[:2]
    assert Path(cwd).resolve() == nb_dir.resolve()
    assert imported == "True"
    assert out.cells[0].execution_count == 1
    assert not km.has_kernel
    assert not Path(launch_dir).exists()  # the empty folder the kernel started in is gone


@pytest.mark.slow
def test_a_warmup_leaves_no_names_but_a_cleared_kernel_keeps_nothing_either():
    with warm_kernel(warmup="x_warm = 1\n") as km:
        reset(km, clear=False)
        assert _run(km, "print('x_warm' in dir())").strip() == "True"  # a warm-up that binds names keeps them ...
        reset(km)
        assert _run(km, "print('x_warm' in dir())").strip() == "False"  # ... until a reset


@pytest.mark.slow
def test_begin_reset_returns_at_once_and_the_reply_comes_later(tmp_path):
    with warm_kernel(warmup="") as km:
        reset(km, clear=False)
        _run(km, "y = 2")
        pending = begin_reset(km, cwd=tmp_path)
        assert pending is not None
        assert pending.wait() is True
        assert _run(km, "import os\nprint('y' in dir(), os.getcwd())").split() == ["False", str(tmp_path)]


@pytest.mark.slow
def test_stop_ends_the_kernels_worker_processes_so_it_can_end_at_once():
    # multiprocessing's resource tracker ignores SIGTERM: a kernel that still has it waits for it when shut down
    with warm_kernel(warmup="") as km:
        reset(km, clear=False)
        _run(km, "from multiprocessing import resource_tracker\nresource_tracker.ensure_running()")
        assert _run(km, "print(resource_tracker._resource_tracker._pid is not None)").strip() == "True"
        pending = begin_stop(km)
        assert pending is not None
        assert pending.wait() is True
        assert _run(km, "print(resource_tracker._resource_tracker._pid is None)").strip() == "True"
        begin_shutdown(km)
        shutdown(km)
        assert not km.has_kernel
        shutdown(km)  # a second time: nothing to do


@pytest.mark.slow
def test_a_kernel_that_died_is_dropped_and_the_next_notebook_gets_a_fresh_one(tmp_path):
    dies = _notebook(tmp_path / "dies.ipynb", "import os\nos._exit(1)")
    after = _notebook(tmp_path / "after.ipynb", "import os\nprint(os.getpid())")
    with warm_kernel(warmup="") as km:
        reset(km, cwd=tmp_path, clear=False)
        first_pid = int(_run(km, "import os\nprint(os.getpid())"))
        with pytest.raises(Exception, match=r"(?i)dead|died"):
            pm.execute_notebook(str(dies), str(tmp_path / "dies.out.ipynb"), km=km, progress_bar=False,
                                extra_arguments=list(KERNEL_ARGUMENTS))  # fmt: skip
        assert begin_reset(km, cwd=tmp_path) is None  # nothing to reset: the dead kernel is dropped
        assert not km.has_kernel
        out = pm.execute_notebook(str(after), str(tmp_path / "after.out.ipynb"), km=km, progress_bar=False,
                                  extra_arguments=list(KERNEL_ARGUMENTS), cwd=str(tmp_path))  # fmt: skip
    assert int(out.cells[0].outputs[0]["text"]) != first_pid
