"""The three descriptions of the environment (pyproject.toml, requirements.lock, environment.yml) agree."""

from __future__ import annotations

import re
import tomllib

import pytest
import yaml

from relatie_lab.paths import PROJECT_DIR


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name.strip().lower())


def _pyproject_names() -> set[str]:
    project = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["project"]
    specs = project["dependencies"] + [d for group in project["optional-dependencies"].values() for d in group]
    return {_key(re.split(r"[<>=!~ \[;]", spec, maxsplit=1)[0]) for spec in specs}


def _lock() -> dict[str, str]:
    pins = {}
    for line in (PROJECT_DIR / "requirements.lock").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, sep, version = line.partition("==")
            assert sep, f"requirements.lock line without an exact pin: {line!r}"
            pins[_key(name)] = version
    return pins


def _environment() -> dict[str, str]:
    env = yaml.safe_load((PROJECT_DIR / "environment.yml").read_text())
    pins: dict[str, str] = {}
    for dep in env["dependencies"]:
        entries = dep["pip"] if isinstance(dep, dict) else [dep]
        for entry in entries:
            if entry.startswith("-e"):
                continue
            name, version = re.split(r"==|=", entry, maxsplit=1)
            pins[_key(name)] = version
    return pins


def test_environment_yml_lists_the_same_packages_as_pyproject() -> None:
    env = set(_environment()) - {"python", "pip"}
    assert env == _pyproject_names()


def test_every_pin_agrees_with_the_lock_file() -> None:
    lock = _lock()
    for name, version in _environment().items():
        if name == "python":
            continue
        assert lock.get(name) == version, f"{name}: environment.yml has {version}, requirements.lock {lock.get(name)}"


@pytest.mark.parametrize("name", sorted(_pyproject_names()))
def test_every_direct_dependency_is_pinned_in_the_lock(name: str) -> None:
    assert name in _lock()


def test_environment_installs_the_package_itself_in_editable_mode() -> None:
    env = yaml.safe_load((PROJECT_DIR / "environment.yml").read_text())
    pip_entries = next(dep["pip"] for dep in env["dependencies"] if isinstance(dep, dict))
    assert "-e ." in pip_entries
