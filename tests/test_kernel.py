"""Tests for relatie_lab.kernel: one warm kernel for several notebooks, namespaces cleared in between."""

from __future__ import annotations

import nbformat
import papermill as pm
import pytest

from relatie_lab.kernel import KERNEL_ARGUMENTS, reset, warm_kernel


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
