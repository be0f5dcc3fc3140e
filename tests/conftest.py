"""Shared fixtures: tmp copies of the demo files and small survey files (good and bad) built in tmp_path."""

from __future__ import annotations

import re
import shutil
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from relatie_lab import instrument
from relatie_lab.instrument import Instrument
from relatie_lab.paths import DEMO_CSV, DEMO_SAV, INSTRUMENT_FILE

PERSONAL = {
    "naam": ["Jan Jansen", "Piet de Vries", "Anna Bakker", "Sanne Visser"],
    "email": ["jan.jansen@example.org", "piet@voorbeeld.nl", "anna.b@example.com", "s.visser@voorbeeld.nl"],
    "telefoon": ["06-12345678", "+31 6 87654321", "020-1234567", "0612345678"],
    "ip_adres": ["192.168.1.10", "10.0.0.7", "2001:db8::1", "172.16.5.4"],
    "postcode": ["1234 AB", "5678CD", "9012 EF", "3456 GH"],
    "opmerking": [
        "Ik ben heel tevreden over de service van mijn energieleverancier",
        "De klantenservice was traag en onvriendelijk aan de telefoon",
        "Mijn buurman raadde deze aanbieder aan, prima keuze gebleken",
        "Geen opmerkingen verder, alles is goed geregeld zo",
    ],
}


def personal_values() -> list[str]:
    """Every fake personal value the fixtures put in a file (tests check none reaches the output)."""
    return [v for values in PERSONAL.values() for v in values]


def survey_frame(n: int = 40, seed: int = 1, personal: bool = True) -> pd.DataFrame:
    """A small valid survey as a raw export would hold it: ids, fields, every item (raw answers), personal data."""
    rng = np.random.default_rng(seed)
    items = instrument.items()
    df = pd.DataFrame(
        {
            "respondent_id": np.arange(1, n + 1),
            "sector": rng.choice(["energie", "bank", "gemeente"], n),
            "meting": 1,
            "conditie": rng.choice(["prijs", "zorg"], n),
            "duur_seconden": rng.integers(400, 900, n),
        }
    )
    for item, row in items.iterrows():
        df[item] = rng.integers(int(row["min"]), int(row["max"]) + 1, n)
    if personal:
        for column, values in PERSONAL.items():
            df[column] = [values[i % len(values)] for i in range(n)]
    return df


@pytest.fixture
def salt(monkeypatch: pytest.MonkeyPatch) -> str:
    """A fixed salt in the environment, so no random-salt warning and stable hashes."""
    monkeypatch.setenv("RELATIE_LAB_SALT", "test-zout")
    return "test-zout"


@pytest.fixture
def make_csv(tmp_path: Path) -> Callable[..., Path]:
    """Write a frame (default: :func:`survey_frame`) or raw text to a CSV file in tmp_path."""

    def make(df: pd.DataFrame | str | bytes | None = None, name: str = "enquete.csv", **to_csv) -> Path:
        path = tmp_path / name
        if isinstance(df, bytes):
            path.write_bytes(df)
        elif isinstance(df, str):
            path.write_text(df, encoding="utf-8")
        else:
            (survey_frame() if df is None else df).to_csv(path, index=False, **to_csv)
        return path

    return make


def _copy(src: Path, tmp_path: Path) -> Path:
    if not src.is_file():  # the demo data ships with the project: a missing file is a failure, not a skip
        pytest.fail(f"demo file {src} is missing; regenerate it with `make demo-data`")
    dst = tmp_path / src.name
    shutil.copyfile(src, dst)
    return dst


@pytest.fixture
def demo_csv(tmp_path: Path) -> Path:
    """A tmp copy of data/raw/demo_survey.csv."""
    return _copy(DEMO_CSV, tmp_path)


@pytest.fixture
def demo_sav(tmp_path: Path) -> Path:
    """A tmp copy of data/raw/demo_survey.sav."""
    return _copy(DEMO_SAV, tmp_path)


# The analyses' tests (ab_test, building_blocks, choice, ladder, moderation, relationship_types) share these.
@pytest.fixture(scope="module")
def demo() -> tuple[pd.DataFrame, dict]:
    """The shipped demo survey, loaded and cleaned, without the respondents flagged as careless; and its truth."""
    import json

    from relatie_lab import load_survey
    from relatie_lab.errors import DataQualityWarning
    from relatie_lab.paths import DEMO_CSV, DEMO_TRUTH

    with warnings.catch_warnings():  # the demo's careless respondents are flagged (with a warning): left out here
        warnings.simplefilter("ignore", DataQualityWarning)
        data = load_survey(DEMO_CSV).data
    careless = data["flag_straightlining"].astype(bool) | data["flag_speeding"].astype(bool)
    return data[~careless].reset_index(drop=True), json.loads(DEMO_TRUTH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def large() -> tuple[pd.DataFrame, dict]:
    """A larger simulated sample (n = 4000), reverse-keyed items recoded, careless respondents left out."""
    from relatie_lab.scores import recode_reverse
    from relatie_lab.simulate import simulate_survey

    df, truth = simulate_survey(n=4000, seed=11, missing_codes=False)
    careless = set(truth["careless"]["straightliners"]) | set(truth["careless"]["speeders"])
    return recode_reverse(df[~df["respondent_id"].isin(careless)]).reset_index(drop=True), truth


# Pol's questionnaire under a codebook of one's own (the analyses' tests share these)
#: Construct pairs that trade their items in :attr:`Codebooks.swapped` (Pol's ids, each measured by the other's items).
SWAPS = (("vertrouwen", "commitment"), ("markt", "betekenis"), ("gedeelde_waarden", "betrokkenheid_organisatie"))


@dataclass(frozen=True)
class Codebooks:
    """One simulated survey (n = 300, cleaned) under three codebooks.

    ``frame``: Pol's item ids, for the shipped codebook. ``renamed`` / ``renamed_instrument`` (and its YAML at
    ``renamed_path``): the same answers and the same questionnaire with the items named ``q1, q2, ...``
    (``names``: shipped id -> own id), none of them a shipped id. ``swapped``: the shipped codebook with the
    construct pairs of :data:`SWAPS` measured by each other's items, for ``frame``.
    """

    frame: pd.DataFrame
    raw: pd.DataFrame
    renamed: pd.DataFrame
    renamed_raw: pd.DataFrame
    names: dict[str, str]
    renamed_path: Path
    renamed_instrument: Instrument
    swapped: Instrument

    def shipped_ids(self, text: str) -> str:
        """``text`` (e.g. lavaan syntax) with the own item ids replaced by the shipped ones."""
        back = {own: shipped for shipped, own in self.names.items()}
        return re.sub(r"\bq[0-9]+\b", lambda m: back[m.group(0)], text)


@pytest.fixture(scope="session")
def codebooks(tmp_path_factory: pytest.TempPathFactory) -> Codebooks:
    import yaml

    from relatie_lab.scores import recode_reverse
    from relatie_lab.simulate import simulate_survey

    spec = yaml.safe_load(INSTRUMENT_FILE.read_text(encoding="utf-8"))
    names = {item: f"q{i + 1}" for i, item in enumerate(spec["items"])}
    renamed_spec = {**spec, "items": {names[k]: v for k, v in spec["items"].items()}}
    path = tmp_path_factory.mktemp("codebook") / "codebook.yaml"
    path.write_text(yaml.safe_dump(renamed_spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    swap = {a: b for pair in SWAPS for a, b in (pair, pair[::-1])}
    swapped_spec = {**spec, "items": {k: {**v, "construct": swap.get(v["construct"], v["construct"])}
                                      for k, v in spec["items"].items()}}  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw, _ = simulate_survey(n=300, seed=5, missing_codes=False, personal_data=False)
    frame = recode_reverse(raw)
    assert not set(names) & set(names.values())  # no own id is a shipped one: the shipped codebook finds nothing
    return Codebooks(frame=frame, raw=raw, renamed=frame.rename(columns=names), renamed_raw=raw.rename(columns=names),
                     names=names, renamed_path=path, renamed_instrument=Instrument.from_yaml(path),
                     swapped=Instrument.from_dict(swapped_spec, source="swapped"))  # fmt: skip
