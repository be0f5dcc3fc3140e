"""atomic: a derived file or folder is complete or absent; a failed write leaves the old one intact."""

from __future__ import annotations

import pandas as pd
import pytest

from relatie_lab.atomic import atomic_dir, atomic_path, write_bytes, write_parquet, write_text


def leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_write_text_and_bytes(tmp_path):
    target = tmp_path / "sub" / "a.txt"
    assert write_text(target, "één") == target
    assert target.read_text(encoding="utf-8") == "één"
    write_bytes(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert leftovers(target.parent) == []


def test_failed_write_keeps_old_file(tmp_path):
    target = tmp_path / "a.txt"
    write_text(target, "oud")

    def interrupted():
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("onderbroken")

    with pytest.raises(RuntimeError):
        interrupted()
    assert target.read_text() == "oud"
    assert leftovers(tmp_path) == []


def test_write_parquet_failure_keeps_old_file(tmp_path, monkeypatch):
    target = tmp_path / "d.parquet"
    write_parquet(pd.DataFrame({"a": [1, 2]}), target)

    def broken(self, path, *args, **kwargs):
        with open(path, "wb") as fh:
            fh.write(b"PAR1 half")
        raise OSError("schijf vol")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", broken)
    with pytest.raises(OSError, match="schijf vol"):
        write_parquet(pd.DataFrame({"a": [3]}), target)
    monkeypatch.undo()
    assert pd.read_parquet(target)["a"].tolist() == [1, 2]
    assert leftovers(tmp_path) == []


def test_atomic_dir_swaps_complete_folder(tmp_path):
    target = tmp_path / "rapport"
    with atomic_dir(target) as tmp:
        (tmp / "index.html").write_text("v1")
    with atomic_dir(target) as tmp:
        (tmp / "index.html").write_text("v2")
    assert (target / "index.html").read_text() == "v2"
    assert leftovers(tmp_path) == []


def test_atomic_dir_failure_keeps_old_folder(tmp_path):
    target = tmp_path / "rapport"
    with atomic_dir(target) as tmp:
        (tmp / "index.html").write_text("v1")

    def interrupted():
        with atomic_dir(target) as tmp:
            (tmp / "index.html").write_text("half")
            raise RuntimeError("onderbroken")

    with pytest.raises(RuntimeError):
        interrupted()
    assert (target / "index.html").read_text() == "v1"
    assert leftovers(tmp_path) == []


def test_new_files_get_ordinary_permissions(tmp_path):
    """mkstemp makes 0600 temporaries; the finished file must get the mode a plain write would give."""
    import os

    umask = os.umask(0o022)
    try:
        plain = tmp_path / "plain.txt"
        plain.write_text("x")
        atomic = write_text(tmp_path / "atomic.txt", "x")
        with atomic_dir(tmp_path / "map") as tmp:
            (tmp / "a.txt").write_text("x")
        (tmp_path / "plain_dir").mkdir()
    finally:
        os.umask(umask)
    assert atomic.stat().st_mode & 0o777 == plain.stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "map").stat().st_mode & 0o777 == (tmp_path / "plain_dir").stat().st_mode & 0o777


def test_replacing_keeps_existing_mode(tmp_path):
    target = write_text(tmp_path / "a.txt", "oud")
    target.chmod(0o640)
    write_text(target, "nieuw")
    assert target.stat().st_mode & 0o777 == 0o640


def test_atomic_dir_restores_old_folder_when_swap_fails(tmp_path, monkeypatch):
    import os

    target = tmp_path / "rapport"
    with atomic_dir(target) as tmp:
        (tmp / "index.html").write_text("v1")
    real_replace = os.replace

    def replace(src, dst):
        if str(src).endswith(".tmp"):
            raise OSError("verplaatsen mislukt")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)

    def swap():
        with atomic_dir(target) as tmp:
            (tmp / "index.html").write_text("v2")

    with pytest.raises(OSError, match="verplaatsen"):
        swap()
    monkeypatch.undo()
    assert (target / "index.html").read_text() == "v1"
    assert leftovers(tmp_path) == []
