"""Tests of relatie_lab.labels: every UI text exists in Dutch and English, once."""

from __future__ import annotations

import pytest

from relatie_lab import labels as labels_module
from relatie_lab.labels import check_lang, label, labels


def test_every_label_has_dutch_and_english_text() -> None:
    entries = labels()
    assert len(entries) > 100  # one file per area, all merged
    for key, texts in entries.items():
        assert set(texts) == {"nl", "en"}, key
        assert all(isinstance(t, str) and t.strip() for t in texts.values()), key


def test_default_language_is_dutch() -> None:
    assert label("estimate") == "Schatting"
    assert label("estimate", lang="en") == "Estimate"


def test_unknown_language_and_key_are_clear_errors() -> None:
    with pytest.raises(ValueError, match=r"'nl'.*'en'"):
        check_lang("de")
    with pytest.raises(KeyError, match="No label 'bestaat_niet'"):
        label("bestaat_niet")


def test_a_key_defined_twice_is_an_error(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.yaml").write_text("x: {nl: een, en: one}\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("x: {nl: twee, en: two}\n", encoding="utf-8")
    monkeypatch.setattr(labels_module, "LABELS_DIR", tmp_path)
    labels.cache_clear()
    try:
        with pytest.raises(ValueError, match="'x' is defined twice"):
            labels()
    finally:
        monkeypatch.undo()
        labels.cache_clear()


def test_a_label_missing_a_language_is_an_error(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.yaml").write_text("x: {nl: alleen Nederlands}\n", encoding="utf-8")
    monkeypatch.setattr(labels_module, "LABELS_DIR", tmp_path)
    labels.cache_clear()
    try:
        with pytest.raises(ValueError, match="exactly the languages"):
            labels()
    finally:
        monkeypatch.undo()
        labels.cache_clear()
