"""The demo survey: a documented population model that draws a realistic customer-relationship survey.

``simulate_survey(n, seed)`` returns ``(data, truth)``: a raw survey frame exactly as it is written to
``data/raw/demo_survey.csv`` and a JSON-ready dict with the true parameters, so that tests can check that
the analyses recover what was put in. ``python -m relatie_lab.simulate --write`` writes the shipped demo
files (N = 1200, seed 2024) with :mod:`relatie_lab.atomic`.

Population model
----------------
*Organisations.* Eight fictional providers in six sectors (:data:`ORGANISATIONS`), equally likely. Each has
probabilities for the three relationship types (``markt``, ``gezag``, ``betekenis``): energy and bank mostly
markt, municipality, water company and pension fund mostly gezag, a Triodos-like "Groenbank" and the energy
co-operative "Zonnewind" largely betekenis. ``keuze_aanbieder`` is ``"nee"`` in gemeente, waterbedrijf and
pensioenfonds (forced relationships) and ``"nee"`` for 5-10% elsewhere (collective contracts, lock-in).

*Relationship type and norm profile.* Each respondent draws a true type T from the organisation's probabilities
and a mixed profile ``w = (w_markt, w_gezag, w_betekenis) ~ Dirichlet(1 + 3 e_T)`` (components swapped so that T
has the largest weight). The respondent's type is *clear* when ``w_T`` exceeds the second weight by at least
:data:`CLEAR_MARGIN` (0.25) and the respondent is not careless. Norm item k of type j is
``round(4 + 7 (w_j - 1/3) + u_j + e_k)`` clipped to 1-7, with person noise ``u_j ~ N(0, 0.3²)`` and item noise
``e_k ~ N(0, 0.55²)``; all three norm scales share this mapping, so the type with the highest mean is the
dominant type.

*Latent structure* (standardised within a group cell; :data:`PATHS`). Exogenous: klantbeleving (KB) and the
building blocks betrokkenheid_organisatie, keuzevrijheid, rechtvaardigheid, invloed, correlated
(:data:`EXOGENOUS_CORRELATIONS`). Then::

    gedeelde_waarden = .55 KB
    vertrouwen       = .35 gedeelde_waarden + .10 KB + .15 betr_org + .05 keuzevrijheid + .20 rechtvaardigheid
                       + .05 invloed
    vertrouwen_cognitief = .85 vertrouwen ;  vertrouwen_affectief = .75 vertrouwen
    commitment       = .45 vertrouwen + .15 gedeelde_waarden + .10 betr_org + .10 keuzevrijheid
                       + .05 rechtvaardigheid + .05 invloed
    betrokkenheid    = .50 commitment + .15 gedeelde_waarden + .10 betr_org
    vertrekneiging   = -.55 commitment - .15 KB     gevoeligheid_concurrentie = -.40 commitment
    acceptatie_fouten = .30 commitment + .25 vertrouwen
    aanbeveling      = .30 betrokkenheid + .35 KB + .15 commitment
    feedback = .45 betrokkenheid ; duurzaam_gedrag = .35 betrokkenheid + .20 gedeelde_waarden
    tevredenheid     = .65 KB + .15 vertrouwen

plus disturbances that give each latent unit variance within a cell. Facets: ``facet = g * block + unique``
(:data:`FACETS`). Group effects (:data:`GROUP_EFFECTS`, in within-cell SD units) shift latent means:
type betekenis raises shared values (+.45), trust (+.20), affective trust, organisational involvement,
engagement (+.30) and sustainable behaviour; type markt lowers commitment (-.20) and raises sensitivity to
competitors; ``keuze_aanbieder == "nee"`` lowers freedom of choice (-.70), influence, commitment (-.25) and
engagement (-.20); organisations shift klantbeleving, shared values and engagement (:data:`ORGANISATIONS`).

*Waves.* Two separate samples (``meting`` 1 and 2, half of ``n`` each). In wave 2 organisational involvement is
higher (+.35 SD), channel choice lower (keuzevrijheid_kanaal -.35 SD); rechtvaardigheid and invloed do not change
at all; trust, commitment and engagement change a little, through the paths.

*A/B arm* ``conditie`` (Pol's folder experiment), balanced at random: the ``zorg`` (care) folder raises latent
trust (+.45), tevredenheid (+.40) and aanbeveling (+.40) against the ``prijs`` (lowest price) folder (observed
Cohen's d about .37-.39), and has a true null effect on gevoeligheid_concurrentie (a direct effect cancels the
small indirect one through commitment exactly).

*Items.* ``y* = nu + lambda * latent + sqrt(1 - lambda²) e`` (loadings .70-.84, reverse-keyed items .60,
single-item outcomes .85), discretised with skewed thresholds (:data:`THRESHOLDS`) so that agreement answers
pile up at 5-6, grades at 7-8 and recommendation at 7-8; reverse-keyed items (``vt_4``, ``kv_prod_3``) are
stored as answered (``8 - keyed``).

*Data problems.* 3% careless respondents (half straight-liners who give one answer to every 1-7 item, half
speeders with ``duur_seconden`` of 35-110 s and random answers); missing answers MCAR (2.5% of item cells) plus
MAR (6% extra on the building-block items for respondents without a real choice of provider); of the missing
cells about 12% carry ``-99``, 6% ``"weet niet"`` and 2% ``"n.v.t."`` (text codes only in the CSV; the .sav
holds ``-99``, declared user-missing). Personal-data columns hold obviously fake values (``@example.org``,
``192.0.2.x`` documentation addresses, ``+31 6 0000 ....`` numbers, names from a small fake list).

The ``truth`` dict (see :func:`simulate_survey`) holds the generating coefficients, the standardised values an
SEM on the pooled data should find, the population means per group on the observed 1-7 scale (computed once
with a fixed-seed population of :data:`POPULATION_N` respondents), the A/B and wave effects, ladder shares, and
per respondent the true type, profile and clear flag.

Examples
--------
>>> df, truth = simulate_survey(n=200, seed=1)
>>> df.shape[0], df["respondent_id"].iloc[0]
(200, 'R00001')
>>> sorted(df["meting"].unique().tolist())
[1, 2]
>>> truth["respondents"]["R00001"]["type"] in {"markt", "gezag", "betekenis"}
True
"""

from __future__ import annotations

import argparse
import copy
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr

from relatie_lab import instrument as _instrument
from relatie_lab.atomic import atomic_path, write_text
from relatie_lab.paths import DATA_RAW

__all__ = [
    "CLEAR_MARGIN",
    "DEFAULT_N",
    "DEFAULT_SEED",
    "EXOGENOUS_CORRELATIONS",
    "FACETS",
    "GROUP_EFFECTS",
    "ORGANISATIONS",
    "PATHS",
    "POPULATION_N",
    "THRESHOLDS",
    "TYPES",
    "implied_paths",
    "main",
    "simulate_survey",
    "write_demo",
]

DEFAULT_N = 1200
DEFAULT_SEED = 2024
POPULATION_N = 50_000
POPULATION_SEED = 19940701  # fixed: the population truth does not depend on the sample's seed
TYPES: tuple[str, ...] = ("markt", "gezag", "betekenis")
CLEAR_MARGIN = 0.25
LADDER: tuple[str, ...] = ("klantbeleving", "gedeelde_waarden", "vertrouwen", "commitment", "betrokkenheid")
LADDER_THRESHOLDS: tuple[float, ...] = (4.0, 4.5, 5.0, 5.5, 6.0)
DEFAULT_LADDER_THRESHOLD = 5.0


@dataclass(frozen=True)
class Organisation:
    """A fictional provider of the demo population."""

    name: str
    sector: str
    type_probs: tuple[float, float, float]  # markt, gezag, betekenis
    p_no_choice: float
    effects: tuple[tuple[str, float], ...] = ()


ORGANISATIONS: tuple[Organisation, ...] = (
    Organisation("Stroomkracht", "energie", (0.70, 0.15, 0.15), 0.05, (("klantbeleving", -0.10),)),
    Organisation("Zonnewind", "energie", (0.40, 0.10, 0.50), 0.05,
                 (("klantbeleving", 0.10), ("gedeelde_waarden", 0.15))),
    Organisation("Spaarbank Nederland", "bank", (0.60, 0.25, 0.15), 0.05, (("klantbeleving", -0.10),)),
    Organisation("Groenbank", "bank", (0.15, 0.10, 0.75), 0.05,
                 (("klantbeleving", 0.20), ("gedeelde_waarden", 0.30))),
    Organisation("Gemeente Westerstad", "gemeente", (0.10, 0.75, 0.15), 1.0, (("klantbeleving", -0.20),)),
    Organisation("Zorgverzekeraar Samen", "zorgverzekeraar", (0.40, 0.35, 0.25), 0.10, ()),
    Organisation("Waterbedrijf Noord", "waterbedrijf", (0.10, 0.75, 0.15), 1.0,
                 (("klantbeleving", 0.25), ("betrokkenheid", -0.25))),
    Organisation("Pensioenfonds Vakwerk", "pensioenfonds", (0.15, 0.65, 0.20), 1.0,
                 (("klantbeleving", -0.20), ("betrokkenheid", -0.10))),
)  # fmt: skip

EXOGENOUS: tuple[str, ...] = (
    "klantbeleving", "betrokkenheid_organisatie", "keuzevrijheid", "rechtvaardigheid", "invloed",
)  # fmt: skip
EXOGENOUS_CORRELATIONS: dict[tuple[str, str], float] = {
    ("klantbeleving", "betrokkenheid_organisatie"): 0.35,
    ("klantbeleving", "keuzevrijheid"): 0.20,
    ("klantbeleving", "rechtvaardigheid"): 0.40,
    ("klantbeleving", "invloed"): 0.30,
    ("betrokkenheid_organisatie", "keuzevrijheid"): 0.25,
    ("betrokkenheid_organisatie", "rechtvaardigheid"): 0.40,
    ("betrokkenheid_organisatie", "invloed"): 0.40,
    ("keuzevrijheid", "rechtvaardigheid"): 0.25,
    ("keuzevrijheid", "invloed"): 0.35,
    ("rechtvaardigheid", "invloed"): 0.40,
}

#: Structural paths ``{outcome: {predictor: coefficient}}`` in within-cell SD units, in causal order.
PATHS: dict[str, dict[str, float]] = {
    "gedeelde_waarden": {"klantbeleving": 0.55},
    "vertrouwen": {"gedeelde_waarden": 0.35, "klantbeleving": 0.10, "betrokkenheid_organisatie": 0.15,
                   "keuzevrijheid": 0.05, "rechtvaardigheid": 0.20, "invloed": 0.05},
    "vertrouwen_cognitief": {"vertrouwen": 0.85},
    "vertrouwen_affectief": {"vertrouwen": 0.75},
    "commitment": {"vertrouwen": 0.45, "gedeelde_waarden": 0.15, "betrokkenheid_organisatie": 0.10,
                   "keuzevrijheid": 0.10, "rechtvaardigheid": 0.05, "invloed": 0.05},
    "betrokkenheid": {"commitment": 0.50, "gedeelde_waarden": 0.15, "betrokkenheid_organisatie": 0.10},
    "vertrekneiging": {"commitment": -0.55, "klantbeleving": -0.15},
    "gevoeligheid_concurrentie": {"commitment": -0.40},
    "acceptatie_fouten": {"commitment": 0.30, "vertrouwen": 0.25},
    "aanbeveling": {"betrokkenheid": 0.30, "klantbeleving": 0.35, "commitment": 0.15},
    "feedback": {"betrokkenheid": 0.45},
    "duurzaam_gedrag": {"betrokkenheid": 0.35, "gedeelde_waarden": 0.20},
    "tevredenheid": {"klantbeleving": 0.65, "vertrouwen": 0.15},
}  # fmt: skip

#: Facets ``{facet: (block, g)}``: ``facet = g * block + sqrt(1 - g²) * unique``.
FACETS: dict[str, tuple[str, float]] = {
    "keuzevrijheid_product": ("keuzevrijheid", 0.80),
    "keuzevrijheid_kanaal": ("keuzevrijheid", 0.75),
    "rechtvaardigheid_sociaal": ("rechtvaardigheid", 0.85),
    "rechtvaardigheid_distributief": ("rechtvaardigheid", 0.85),
    "rechtvaardigheid_procedureel": ("rechtvaardigheid", 0.80),
    "invloed_specificatie": ("invloed", 0.80),
    "invloed_uitvoering": ("invloed", 0.85),
    "invloed_achteraf": ("invloed", 0.75),
}

COVARIATES: tuple[str, ...] = ("type_markt", "type_betekenis", "keuze_nee", "meting_2", "conditie_zorg")
#: Group effects ``{covariate: {latent: shift}}`` on latent means, in within-cell SD units. The zorg effect on
#: gevoeligheid_concurrentie is set in :func:`_model` so that its total effect is exactly zero.
GROUP_EFFECTS: dict[str, dict[str, float]] = {
    "type_betekenis": {"gedeelde_waarden": 0.45, "vertrouwen": 0.20, "vertrouwen_affectief": 0.15,
                       "betrokkenheid_organisatie": 0.20, "betrokkenheid": 0.30, "duurzaam_gedrag": 0.25},
    "type_markt": {"commitment": -0.20, "gevoeligheid_concurrentie": 0.35, "vertrekneiging": 0.15},
    "keuze_nee": {"keuzevrijheid": -0.70, "invloed": -0.25, "commitment": -0.25, "betrokkenheid": -0.20},
    "meting_2": {"betrokkenheid_organisatie": 0.35, "keuzevrijheid_kanaal": -0.35},
    "conditie_zorg": {"vertrouwen": 0.45, "tevredenheid": 0.40, "aanbeveling": 0.40},
}  # fmt: skip
AB_NULL_OUTCOME = "gevoeligheid_concurrentie"

#: Discretisation thresholds on the latent response scale (skewed: answers pile up at 5-6, 7-8, 7-8).
THRESHOLDS: dict[str, tuple[float, ...]] = {
    "agree7": (-2.3, -1.8, -1.3, -0.7, 0.0, 1.1),
    "grade10": (-3.0, -2.6, -2.2, -1.8, -1.3, -0.6, 0.4, 1.4, 2.2),
    "nps11": (-2.8, -2.5, -2.2, -1.9, -1.6, -1.2, -0.7, -0.1, 0.7, 1.4),
}
#: Item intercept per latent (construct or facet): a higher value means higher answers.
INTERCEPTS: dict[str, float] = {
    "klantbeleving": 0.35, "gedeelde_waarden": -0.35, "vertrouwen": 0.10, "vertrouwen_cognitief": 0.25,
    "vertrouwen_affectief": -0.30, "commitment": -0.45, "betrokkenheid": -1.00,
    "betrokkenheid_organisatie": -0.55, "keuzevrijheid_product": 0.00, "keuzevrijheid_kanaal": -0.25,
    "rechtvaardigheid_sociaal": 0.10, "rechtvaardigheid_distributief": 0.00,
    "rechtvaardigheid_procedureel": -0.30, "invloed_specificatie": -0.60, "invloed_uitvoering": -0.20,
    "invloed_achteraf": -0.35, "vertrekneiging": -1.60, "gevoeligheid_concurrentie": -0.60,
    "acceptatie_fouten": 0.10, "aanbeveling": 0.00, "feedback": -1.00, "duurzaam_gedrag": -0.70,
    "tevredenheid": 0.00,
}  # fmt: skip
_LOADING_PATTERN = (0.84, 0.80, 0.76, 0.72, 0.78)
_OFFSET_PATTERN = (0.10, -0.05, 0.00, -0.10, 0.05)
_REVERSE_LOADING = 0.60
_SINGLE_LOADING = 0.85
_NORM_SLOPE, _NORM_PERSON_SD, _NORM_ITEM_SD = 7.0, 0.30, 0.55
_DIRICHLET_BASE, _DIRICHLET_BOOST = 1.0, 3.0

_FAKE_FIRST = ("Anna", "Bram", "Chris", "Daan", "Eva", "Fleur", "Gijs", "Hanna", "Ivo", "Jet", "Kees", "Lotte",
               "Mees", "Noor", "Otto", "Pien", "Ruben", "Sanne", "Thijs", "Vera")  # fmt: skip
_FAKE_LAST = ("Voorbeeld", "de Test", "Fictief", "van Proef", "Nepnaam", "Demo")
_FAKE_COMMENTS = (
    "Prima service, maar de app kan beter.",
    "Bel me gerust terug op +31 6 0000 1234.",
    "Mijn e-mailadres is test.persoon@example.org, stuur de uitslag maar.",
    "Te vaak naar de website verwezen, ik wil gewoon iemand spreken.",
    "Geen opmerkingen.",
    "Vriendelijke medewerkers aan de telefoon.",
    "De folder vond ik mooi.",
    "Ik woon op de Voorbeeldstraat 1 in Teststad, kom gerust langs.",
    "Rekening was onduidelijk.",
    "Fijn dat jullie aan duurzaamheid werken.",
)
_WAVE_START = {1: np.datetime64("2024-03-04T08:00:00"), 2: np.datetime64("2024-09-30T08:00:00")}
_WAVE_DAYS = 21


# ------------------------------------------------------------------------------------------------ model
@dataclass(frozen=True)
class _Model:
    latents: tuple[str, ...]
    B: np.ndarray  # latents x latents, row = outcome
    Psi: np.ndarray  # disturbance covariance (within cell)
    Gamma: np.ndarray  # latents x (covariates + organisations)
    cov_names: tuple[str, ...]
    inv: np.ndarray  # (I - B)^-1
    sigma_within: np.ndarray


@cache
def _model() -> _Model:
    latents = (*EXOGENOUS, *PATHS, *FACETS)
    idx = {name: i for i, name in enumerate(latents)}
    n = len(latents)
    B = np.zeros((n, n))
    for lhs, rhs in PATHS.items():
        for pred, coef in rhs.items():
            B[idx[lhs], idx[pred]] = coef
    for facet, (block, g) in FACETS.items():
        B[idx[facet], idx[block]] = g
    Psi = np.zeros((n, n))
    for i, a in enumerate(EXOGENOUS):
        Psi[i, i] = 1.0
        for j, b in enumerate(EXOGENOUS):
            r = EXOGENOUS_CORRELATIONS.get((a, b), EXOGENOUS_CORRELATIONS.get((b, a)))
            if r is not None:
                Psi[i, j] = r
    inv = np.linalg.inv(np.eye(n) - B)
    # disturbance variances so that every latent has unit variance within a cell (causal order)
    for name in latents[len(EXOGENOUS) :]:
        k = idx[name]
        sigma = inv @ Psi @ inv.T
        Psi[k, k] = 1.0 - sigma[k, k]
        if Psi[k, k] <= 0:
            raise ValueError(f"Population model: paths into {name} explain more than all its variance.")
    sigma_within = inv @ Psi @ inv.T
    cov_names = (*COVARIATES, *(f"org_{o.name}" for o in ORGANISATIONS))
    Gamma = np.zeros((n, len(cov_names)))
    for c, effects in GROUP_EFFECTS.items():
        for name, val in effects.items():
            Gamma[idx[name], cov_names.index(c)] = val
    for o in ORGANISATIONS:
        for name, val in o.effects:
            Gamma[idx[name], cov_names.index(f"org_{o.name}")] = val
    # zorg: a direct effect on the null outcome that cancels the indirect one, so the total effect is 0
    z = cov_names.index("conditie_zorg")
    total = (inv @ Gamma)[idx[AB_NULL_OUTCOME], z]
    Gamma[idx[AB_NULL_OUTCOME], z] = -total
    return _Model(latents, B, Psi, Gamma, cov_names, inv, sigma_within)


@cache
def _cells() -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Every population cell (organisation x type x choice x wave x arm): probability, covariates, labels."""
    m = _model()
    probs, vecs, rows = [], [], []
    for oi, o in enumerate(ORGANISATIONS):
        for ti, p_t in enumerate(o.type_probs):
            for nee, p_k in ((True, o.p_no_choice), (False, 1.0 - o.p_no_choice)):
                for wave in (1, 2):
                    for zorg in (False, True):
                        p = p_t * p_k * 0.25 / len(ORGANISATIONS)
                        if p == 0:
                            continue
                        d = np.zeros(len(m.cov_names))
                        d[:5] = (ti == 0, ti == 2, nee, wave == 2, zorg)
                        d[5 + oi] = 1.0
                        probs.append(p)
                        vecs.append(d)
                        rows.append({"organisatie": o.name, "sector": o.sector, "type": TYPES[ti],
                                     "keuze_aanbieder": "nee" if nee else "ja", "meting": str(wave),
                                     "conditie": "zorg" if zorg else "prijs"})  # fmt: skip
    return np.array(probs), np.array(vecs), pd.DataFrame(rows)


def _covariate_moments() -> tuple[np.ndarray, np.ndarray]:
    """Exact mean and covariance of the covariate vector over the population cells."""
    P, D, _ = _cells()
    mean = P @ D
    return mean, D.T @ (P[:, None] * D) - np.outer(mean, mean)


@cache
def _expected_scores() -> pd.DataFrame:
    """Exact expected construct scores (1-7 etc. scale, keyed) per population cell, with the cell probability.

    Within a cell every latent response ``y*`` is normal with unit variance, so the expected answer is
    ``min + sum_k Phi(mean - tau_k)``; a construct score is the mean of its items' expectations.
    """
    m = _model()
    items = _item_table()
    P, D, groups = _cells()
    mu = D @ (m.inv @ m.Gamma).T
    lat_idx = {name: i for i, name in enumerate(m.latents)}
    struct = items[items["latent"].isin(lat_idx)]
    M = struct["nu"].to_numpy() + struct["lambda"].to_numpy() * mu[:, [lat_idx[x] for x in struct["latent"]]]
    E = np.empty_like(M)
    for scale, tau in THRESHOLDS.items():
        sel = (struct["scale"] == scale).to_numpy()
        E[:, sel] = struct["min"].to_numpy()[sel] + ndtr(M[:, sel, None] - np.asarray(tau)).sum(axis=2)
    expected = pd.DataFrame(E, columns=struct.index)
    scores = pd.DataFrame({c: expected[ids].mean(axis=1) for c, ids in _construct_items().items() if c not in TYPES})
    return pd.concat([groups, scores], axis=1).assign(p=P)


def _weighted_means(cells: pd.DataFrame, by: str | None) -> dict:
    constructs = [c for c in cells.columns if c not in {"organisatie", "sector", "type", "keuze_aanbieder",
                                                          "meting", "conditie", "p"}]  # fmt: skip
    def wmean(sub: pd.DataFrame) -> dict[str, float]:
        return {c: _r(v) for c, v in (sub[constructs].mul(sub["p"], axis=0).sum() / sub["p"].sum()).items()}

    if by is None:
        return wmean(cells)
    return {str(k): wmean(sub) for k, sub in cells.groupby(by, sort=False)}


def _pooled_latent_cov() -> tuple[np.ndarray, np.ndarray]:
    m = _model()
    mean_d, cov_d = _covariate_moments()
    G = m.inv @ m.Gamma
    return G @ mean_d, m.sigma_within + G @ cov_d @ G.T


@cache
def _construct_items() -> dict[str, list[str]]:
    """Item ids per construct of the default instrument, facets included."""
    inst = _instrument.default()
    return {c: inst.item_ids(c) for c in inst.constructs().index}


@cache
def _item_table() -> pd.DataFrame:
    """Items with their latent, loading, intercept and scale (from the default instrument)."""
    items = _instrument.items()
    rows = []
    position: dict[str, int] = {}
    for iid, it in items.iterrows():
        construct = it["construct"]
        k = position.get(construct, 0)
        position[construct] = k + 1
        n_items = int((items["construct"] == construct).sum())
        if construct in TYPES:
            lam, nu, latent = np.nan, np.nan, construct
        else:
            latent = construct
            if latent not in INTERCEPTS:
                raise ValueError(f"The population model has no parameters for construct {construct!r} (item {iid}).")
            if it["reverse"]:
                lam = _REVERSE_LOADING
            elif n_items == 1:
                lam = _SINGLE_LOADING
            else:
                lam = _LOADING_PATTERN[k % len(_LOADING_PATTERN)]
            nu = INTERCEPTS[latent] + (0.0 if n_items == 1 else _OFFSET_PATTERN[k % len(_OFFSET_PATTERN)])
        rows.append({"item": iid, "latent": latent, "lambda": lam, "nu": nu, "scale": it["scale"],
                     "reverse": bool(it["reverse"]), "min": int(it["min"]), "max": int(it["max"])})  # fmt: skip
    return pd.DataFrame(rows).set_index("item")


# ------------------------------------------------------------------------------------------------ drawing
def _draw(n: int, rng: np.random.Generator) -> dict[str, Any]:
    """Draw groups, norm profiles, latents and complete (keyed) answers for ``n`` respondents."""
    m = _model()
    items = _item_table()
    n_orgs = len(ORGANISATIONS)
    n1 = n // 2
    meting = np.where(np.arange(n) < n1, 1, 2)
    org = rng.integers(0, n_orgs, size=n)
    type_cum = np.cumsum([o.type_probs for o in ORGANISATIONS], axis=1)
    type_idx = (rng.random(n)[:, None] > type_cum[org]).sum(axis=1).clip(0, 2)
    p_nee = np.array([o.p_no_choice for o in ORGANISATIONS])[org]
    keuze_nee = rng.random(n) < p_nee
    zorg = rng.permutation(np.arange(n) % 2).astype(bool)

    # norm profile: Dirichlet around the true type, with the true type holding the largest weight
    alpha = np.full((n, 3), _DIRICHLET_BASE)
    alpha[np.arange(n), type_idx] += _DIRICHLET_BOOST
    w = rng.gamma(alpha)
    w /= w.sum(axis=1, keepdims=True)
    top = w.argmax(axis=1)
    rows = np.arange(n)
    w_top, w_true = w[rows, top].copy(), w[rows, type_idx].copy()
    w[rows, top], w[rows, type_idx] = w_true, w_top
    ordered = np.sort(w, axis=1)
    margin = ordered[:, 2] - ordered[:, 1]

    # latents
    d = np.zeros((n, len(m.cov_names)))
    d[:, 0], d[:, 1], d[:, 2] = type_idx == 0, type_idx == 2, keuze_nee
    d[:, 3], d[:, 4] = meting == 2, zorg
    d[rows, 5 + org] = 1.0
    chol = np.linalg.cholesky(m.Psi)
    zeta = rng.standard_normal((n, len(m.latents))) @ chol.T
    eta = (zeta + d @ m.Gamma.T) @ m.inv.T
    lat_idx = {name: i for i, name in enumerate(m.latents)}

    # answers to the construct items (keyed direction)
    struct = items[items["latent"].isin(lat_idx)]
    lam = struct["lambda"].to_numpy()
    ystar = (struct["nu"].to_numpy() + eta[:, [lat_idx[x] for x in struct["latent"]]] * lam
             + rng.standard_normal((n, len(struct))) * np.sqrt(1.0 - lam**2))  # fmt: skip
    answers = np.empty((n, len(items)))
    col = {iid: j for j, iid in enumerate(items.index)}
    for scale, tau in THRESHOLDS.items():
        sel = struct.index[struct["scale"] == scale]
        if len(sel) == 0:
            continue
        j = [struct.index.get_loc(i) for i in sel]
        lo = int(struct.loc[sel[0], "min"])
        answers[:, [col[i] for i in sel]] = lo + np.searchsorted(np.asarray(tau), ystar[:, j])
    # norm items follow the profile
    person = rng.standard_normal((n, 3)) * _NORM_PERSON_SD
    for t, tname in enumerate(TYPES):
        sel = items.index[items["latent"] == tname]
        base = 4.0 + _NORM_SLOPE * (w[:, t] - 1.0 / 3.0) + person[:, t]
        x = base[:, None] + rng.standard_normal((n, len(sel))) * _NORM_ITEM_SD
        answers[:, [col[i] for i in sel]] = np.clip(np.rint(x), 1, 7)
    return {
        "n": n, "meting": meting, "org": org, "type_idx": type_idx, "keuze_nee": keuze_nee, "zorg": zorg,
        "profile": w, "margin": margin, "eta": eta, "answers": answers, "items": items,
    }  # fmt: skip


def _keyed_scores(answers: np.ndarray, items: pd.DataFrame, constructs: list[str]) -> pd.DataFrame:
    """Construct scores (mean of items, reverse-keyed items recoded, facets included) from keyed answers."""
    out = {}
    for c in constructs:
        cols = [items.index.get_loc(i) for i in _construct_items()[c]]
        out[c] = answers[:, cols].mean(axis=1)
    return pd.DataFrame(out)


# ------------------------------------------------------------------------------------------------ truth
def implied_paths(truth: dict, lhs: str, rhs: list[str] | tuple[str, ...]) -> dict[str, float]:
    """Standardised coefficients an SEM regression ``lhs ~ rhs`` finds in the pooled population.

    Uses ``truth["structural"]["latent_correlations"]`` (the exact pooled latent correlation matrix), so
    any path model over the simulated latents can be checked, not only the generating one.

    Examples
    --------
    >>> _, truth = simulate_survey(n=50, seed=1)
    >>> b = implied_paths(truth, "commitment", ["vertrouwen"])
    >>> 0.4 < b["vertrouwen"] < 0.8
    True
    """
    lc = truth["structural"]["latent_correlations"]
    names = lc["latents"]
    R = np.asarray(lc["matrix"])
    ix = [names.index(x) for x in rhs]
    beta = np.linalg.solve(R[np.ix_(ix, ix)], R[ix, names.index(lhs)])
    return {x: float(b) for x, b in zip(rhs, beta, strict=True)}


def _r(x: float, k: int = 4) -> float:
    return round(float(x), k)


def _structural_truth() -> dict[str, Any]:
    m = _model()
    mean_eta, cov = _pooled_latent_cov()
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    idx = {name: i for i, name in enumerate(m.latents)}
    paths = []
    for lhs, rhs in PATHS.items():
        ix = [idx[x] for x in rhs]
        beta = np.linalg.solve(cov[np.ix_(ix, ix)], cov[ix, idx[lhs]])
        r2 = float(beta @ cov[np.ix_(ix, ix)] @ beta / cov[idx[lhs], idx[lhs]])
        for (pred, coef), b in zip(rhs.items(), beta, strict=True):
            paths.append({"lhs": lhs, "op": "~", "rhs": pred, "est_within": coef,
                          "std_all": _r(b * sd[idx[pred]] / sd[idx[lhs]]), "r2_pooled": _r(r2)})  # fmt: skip
    total = m.inv @ m.Gamma
    group = [
        {"lhs": name, "covariate": c, "direct": _r(m.Gamma[idx[name], j]), "total": _r(total[idx[name], j]),
         "total_std": _r(total[idx[name], j] / sd[idx[name]])}
        for j, c in enumerate(m.cov_names) for name in m.latents
        if abs(total[idx[name], j]) > 1e-12 or abs(m.Gamma[idx[name], j]) > 1e-12
    ]  # fmt: skip
    return {
        "latents": list(m.latents),
        "exogenous": list(EXOGENOUS),
        "paths": paths,
        "facets": [{"lhs": b, "op": "=~", "rhs": f, "est_within": g,
                    "std_all": _r(g * sd[idx[b]] / sd[idx[f]])} for f, (b, g) in FACETS.items()],
        "exogenous_correlations_within": [{"lhs": a, "rhs": b, "r": r} for (a, b), r in EXOGENOUS_CORRELATIONS.items()],
        "disturbance_variances_within": {n: _r(m.Psi[idx[n], idx[n]]) for n in m.latents[len(EXOGENOUS):]},
        "group_effects": group,
        "latent_means_pooled": {n: _r(mean_eta[i]) for n, i in idx.items()},
        "latent_sd_pooled": {n: _r(sd[i]) for n, i in idx.items()},
        "latent_correlations": {"latents": list(m.latents), "matrix": [[_r(v, 6) for v in row] for row in corr]},
    }


@cache
def _population_draw() -> dict[str, Any]:
    """One large fixed-seed draw of the population, without data problems (keyed answers)."""
    return _draw(POPULATION_N, np.random.default_rng(POPULATION_SEED))


def _one_factor_loadings(x: np.ndarray, iterations: int = 200) -> np.ndarray:
    """Standardised one-factor loadings of the columns of ``x`` (iterated principal axis factoring)."""
    r = np.corrcoef(x, rowvar=False)
    if r.shape[0] == 2:
        return np.sqrt(np.full(2, max(r[0, 1], 0.0)))
    h2 = 1 - 1 / np.diag(np.linalg.inv(r))
    for _ in range(iterations):
        rr = r.copy()
        np.fill_diagonal(rr, h2)
        vals, vecs = np.linalg.eigh(rr)
        lam = vecs[:, -1] * np.sqrt(max(vals[-1], 0.0))
        h2 = np.clip(lam**2, 1e-6, 0.999)
    return np.abs(lam)


def _observed_loadings() -> dict[str, float]:
    """Standardised loadings on the observed (discretised) answers, one factor per latent with >= 2 items."""
    pop = _population_draw()
    items = pop["items"]
    out: dict[str, float] = {}
    for _latent, group in items[~items["latent"].isin(TYPES)].groupby("latent", sort=False):
        if len(group) < 2:
            continue
        cols = [items.index.get_loc(i) for i in group.index]
        for iid, lam in zip(group.index, _one_factor_loadings(pop["answers"][:, cols]), strict=True):
            out[iid] = float(lam)
    return out


def _measurement_truth() -> dict[str, Any]:
    m = _model()
    items = _item_table()
    mean_eta, cov = _pooled_latent_cov()
    idx = {name: i for i, name in enumerate(m.latents)}
    observed = _observed_loadings()
    out = []
    for iid, it in items.iterrows():
        if it["latent"] in TYPES:
            continue
        k = idx[it["latent"]]
        lam, var = float(it["lambda"]), float(cov[k, k])
        sd_y = np.sqrt(lam**2 * var + 1 - lam**2)
        std = lam * np.sqrt(var) / sd_y
        # attenuation by discretisation (normal approximation): corr(observed, latent response)
        tau = np.asarray(THRESHOLDS[it["scale"]])
        z = (tau - (it["nu"] + lam * mean_eta[k])) / sd_y
        p_above = 1 - ndtr(z)
        probs = -np.diff(np.concatenate([[1.0], p_above, [0.0]]))
        vals = np.arange(len(probs))
        var_obs = float(probs @ vals**2 - (probs @ vals) ** 2)
        atten = float((np.exp(-0.5 * z**2) / np.sqrt(2 * np.pi)).sum() / np.sqrt(var_obs))
        row = {"lhs": it["latent"], "op": "=~", "rhs": iid, "lambda_within": lam, "intercept": _r(it["nu"]),
               "std_all": _r(std), "std_observed": _r(observed.get(iid, std * atten)),
               "reverse": bool(it["reverse"])}  # fmt: skip
        if it["latent"] in FACETS:
            block = FACETS[it["latent"]][0]
            kb = idx[block]
            row["block"] = block
            row["std_all_block"] = _r(lam * cov[k, kb] / np.sqrt(cov[kb, kb]) / sd_y)
        out.append(row)
    return {
        "loadings": out,
        "thresholds": {s: list(t) for s, t in THRESHOLDS.items()},
        "response_model": "y* = intercept + lambda_within * latent + sqrt(1 - lambda_within^2) * e; answer = "
        "scale minimum + number of thresholds below y*; reverse-keyed items stored as min + max - answer",
        "norm_items": {"rule": "round(4 + slope * (w_type - 1/3) + person + item), clipped to 1-7",
                       "slope": _NORM_SLOPE, "person_sd": _NORM_PERSON_SD, "item_sd": _NORM_ITEM_SD},
    }  # fmt: skip


@cache
def _population_truth() -> dict[str, Any]:
    """Population values on the observed scales.

    Means (overall, per group, A/B and wave differences) are exact (:func:`_expected_scores`); standard
    deviations (for Cohen's d), ladder shares and shares of low block scores come from one large fixed-seed
    draw of :data:`POPULATION_N` respondents without data problems.
    """
    cells = _expected_scores()
    constructs = [c for c in cells.columns if c not in {"organisatie", "sector", "type", "keuze_aanbieder",
                                                          "meting", "conditie", "p"}]  # fmt: skip
    means = {"overall": _weighted_means(cells, None)}
    for by in ("sector", "organisatie", "type", "keuze_aanbieder", "meting", "conditie"):
        means[f"by_{by}"] = _weighted_means(cells, by)
    pop = _population_draw()
    scores = _keyed_scores(pop["answers"], pop["items"], constructs)
    means["sd"] = {c: _r(v) for c, v in scores.std().items()}

    def contrast(split: np.ndarray, group: dict, a: str, b: str) -> dict[str, dict[str, float]]:
        out = {}
        for c in constructs:
            sd = np.sqrt((scores.loc[~split, c].var() + scores.loc[split, c].var()) / 2)
            diff = group[b][c] - group[a][c]
            out[c] = {f"mean_{a}": group[a][c], f"mean_{b}": group[b][c], "diff": _r(diff), "sd_within": _r(sd),
                      "d": _r(diff / sd)}  # fmt: skip
        return out

    ab = contrast(pop["zorg"], means["by_conditie"], "prijs", "zorg")
    wave = contrast(pop["meting"] == 2, means["by_meting"], "1", "2")
    ladder = {}
    rung_scores = scores[list(LADDER)].to_numpy()
    for thr in LADDER_THRESHOLDS:
        reached = rung_scores >= thr - 1e-9
        level = np.cumprod(reached, axis=1).sum(axis=1)
        ladder[f"{thr:.1f}"] = {
            "level_shares": {str(k): _r((level == k).mean()) for k in range(6)},
            "funnel": {r: _r((level >= i + 1).mean()) for i, r in enumerate(LADDER)},
            "reach_rung": {r: _r(reached[:, i].mean()) for i, r in enumerate(LADDER)},
        }
    blocks = _instrument.constructs().query("kind == 'block'").index
    low = {c: _r((scores[c] < 4).mean()) for c in blocks}
    return {"means": means, "ab": ab, "wave": wave, "ladder": ladder, "block_share_low": low,
            "clear_share": _r((pop["margin"] >= CLEAR_MARGIN).mean())}  # fmt: skip


def _population_section() -> dict[str, Any]:
    sectors = list(dict.fromkeys(o.sector for o in ORGANISATIONS))
    by_sector = {}
    for s in sectors:
        probs = np.mean([o.type_probs for o in ORGANISATIONS if o.sector == s], axis=0)
        by_sector[s] = {t: _r(p) for t, p in zip(TYPES, probs, strict=True)}
    overall = np.mean([o.type_probs for o in ORGANISATIONS], axis=0)
    return {
        "organisations": {
            o.name: {"sector": o.sector, "weight": _r(1 / len(ORGANISATIONS)),
                     "type_probs": dict(zip(TYPES, o.type_probs, strict=True)),
                     "p_keuze_nee": o.p_no_choice, "effects": dict(o.effects)}
            for o in ORGANISATIONS
        },
        "type_shares_by_sector": by_sector,
        "type_shares": {t: _r(p) for t, p in zip(TYPES, overall, strict=True)},
        "profile_model": {"dirichlet_base": _DIRICHLET_BASE, "dirichlet_boost": _DIRICHLET_BOOST,
                          "clear_margin": CLEAR_MARGIN,
                          "clear_rule": "w_true_type - second largest weight >= clear_margin, and not careless"},
    }  # fmt: skip


@cache
def _static_truth() -> dict[str, Any]:
    """The parts of the truth that depend only on the population model (computed once per process)."""
    pop = _population_truth()
    return {
        "population": {**_population_section(), "clear_share": pop["clear_share"]},
        "structural": _structural_truth(),
        "measurement": _measurement_truth(),
        "means": pop["means"],
        "effects": {
            "ab": {"arm_column": "conditie", "treatment": "zorg", "control": "prijs",
                   "latent_direct": GROUP_EFFECTS["conditie_zorg"], "null_outcome": AB_NULL_OUTCOME,
                   "observed": pop["ab"]},
            "wave": {"wave_column": "meting", "latent_direct": GROUP_EFFECTS["meting_2"],
                     "changed_blocks": ["betrokkenheid_organisatie", "keuzevrijheid"],
                     "unchanged_blocks": ["rechtvaardigheid", "invloed"], "observed": pop["wave"]},
            "keuze_aanbieder": {"latent_direct": GROUP_EFFECTS["keuze_nee"]},
            "relationship_type": {"betekenis": GROUP_EFFECTS["type_betekenis"],
                                  "markt": GROUP_EFFECTS["type_markt"], "reference": "gezag"},
        },
        "ladder": {"rungs": list(LADDER), "default_threshold": DEFAULT_LADDER_THRESHOLD,
                   "rule": "a rung is reached when the construct score (mean of its items, reverse-keyed recoded) "
                           ">= threshold; level = highest rung reached with all lower rungs reached (0-5)",
                   "by_threshold": pop["ladder"]},
        "blocks": {"ids": list(_instrument.constructs().query("kind == 'block'").index),
                   "share_low": pop["block_share_low"], "low_rule": "score < 4"},
    }  # fmt: skip


# ------------------------------------------------------------------------------------------------ sample
def simulate_survey(
    n: int = DEFAULT_N,
    seed: int | None = DEFAULT_SEED,
    *,
    careless_rate: float = 0.03,
    mcar_rate: float = 0.025,
    mar_rate: float = 0.06,
    missing_codes: bool = True,
    personal_data: bool = True,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Draw a raw demo survey and the truth behind it from the documented population model.

    Parameters
    ----------
    n : int
        Number of respondents (half in each wave, ``meting`` 1 and 2); at least 20.
    seed : int or None
        Seed for ``np.random.default_rng``; the same seed gives an identical frame.
    careless_rate : float
        Share of careless respondents (half straight-liners, half speeders).
    mcar_rate, mar_rate : float
        Share of item answers missing completely at random, and the extra share on the building-block items
        for respondents without a real choice of provider (missing at random).
    missing_codes : bool
        Put some ``-99``, ``"weet niet"`` and ``"n.v.t."`` codes in the missing cells (else they stay empty).
    personal_data : bool
        Fill the personal-data columns with fake values (else they are left out).

    Returns
    -------
    data : DataFrame
        One row per respondent, columns ``respondent_id, startdatum, duur_seconden, organisatie, sector,
        meting, conditie, keuze_aanbieder``, every instrument item (raw answers: reverse-keyed items as
        answered; nullable ``Int64``, or ``object`` where text codes occur), then ``naam, email, telefoon,
        ip_adres, postcode, opmerking``.
    truth : dict
        JSON-ready: ``schema_version, generator, n, seed, options, population, structural, measurement,
        means, effects, ladder, blocks, respondents, careless, missing``; see ``data/raw/README.md``.

    Examples
    --------
    >>> df, truth = simulate_survey(n=100, seed=3)
    >>> df["vt_1"].dropna().between(1, 7).all()
    np.True_
    >>> truth["effects"]["ab"]["null_outcome"]
    'gevoeligheid_concurrentie'
    """
    if n < 20:
        raise ValueError(f"simulate_survey needs n >= 20 respondents (got {n}).")
    rng = np.random.default_rng(seed)
    s = _draw(n, rng)
    items: pd.DataFrame = s["items"]
    answers = s["answers"]
    ids = np.array([f"R{i:05d}" for i in range(1, n + 1)])

    # keyed -> raw (reverse-keyed items as answered)
    raw = answers.copy()
    rev = np.flatnonzero(items["reverse"].to_numpy())
    raw[:, rev] = (items["min"].to_numpy() + items["max"].to_numpy())[rev] - raw[:, rev]

    # careless respondents (on the raw answers: a straight-liner gives one answer to every 1-7 item)
    n_careless = round(n * careless_rate)
    careless = rng.choice(n, size=n_careless, replace=False)
    straight, speed = np.sort(careless[: n_careless // 2]), np.sort(careless[n_careless // 2 :])
    agree = items.index[items["scale"] == "agree7"]
    agree_cols = [items.index.get_loc(i) for i in agree]
    raw[np.ix_(straight, agree_cols)] = rng.choice([4, 5, 6, 7], size=len(straight))[:, None]
    for j, (_iid, it) in enumerate(items.iterrows()):
        raw[speed, j] = rng.integers(it["min"], it["max"] + 1, size=len(speed))

    # missing answers: MCAR everywhere, MAR on building-block items when there is no real choice
    ok = np.ones(n, dtype=bool)
    ok[careless] = False
    miss = (rng.random(raw.shape) < mcar_rate) & ok[:, None]
    block_items = [i for b in ("betrokkenheid_organisatie", "keuzevrijheid", "rechtvaardigheid", "invloed")
                   for i in _construct_items()[b]]  # fmt: skip
    bcols = [items.index.get_loc(i) for i in block_items]
    miss[:, bcols] |= (rng.random((n, len(bcols))) < mar_rate) & (s["keuze_nee"] & ok)[:, None]
    raw[miss] = np.nan
    codes_used: dict[str, int] = {"-99": 0, "weet niet": 0, "n.v.t.": 0}
    text_cells: list[tuple[np.ndarray, np.ndarray, str]] = []
    if missing_codes:
        rows, cols = np.nonzero(miss)
        u = rng.random(len(rows))
        neg = u < 0.12
        raw[rows[neg], cols[neg]] = -99
        codes_used["-99"] = int(neg.sum())
        for code, lo, hi in (("weet niet", 0.12, 0.18), ("n.v.t.", 0.18, 0.20)):
            pick = (u >= lo) & (u < hi)
            codes_used[code] = int(pick.sum())
            text_cells.append((rows[pick], cols[pick], code))
    item_frame = pd.DataFrame(raw, columns=items.index).astype("Int64")
    for j in np.unique(np.concatenate([c for _, c, _ in text_cells] or [np.array([], dtype=int)])):
        values = item_frame.iloc[:, j].to_numpy(dtype=object, na_value=None)
        for r, c, code in text_cells:
            values[r[c == j]] = code
        item_frame[items.index[j]] = pd.Series(values, dtype=object)

    df = pd.DataFrame({"respondent_id": ids})
    start = np.empty(n, dtype="datetime64[s]")
    for wave, t0 in _WAVE_START.items():
        sel = np.flatnonzero(s["meting"] == wave)
        offsets = np.sort(rng.integers(0, _WAVE_DAYS * 86400, size=len(sel)))
        start[sel] = t0 + offsets.astype("timedelta64[s]")
    df["startdatum"] = np.char.replace(np.datetime_as_string(start, unit="s"), "T", " ")
    duur = np.exp(rng.normal(np.log(540), 0.35, size=n)).clip(150, 3600)
    duur[straight] = np.exp(rng.normal(np.log(300), 0.3, size=len(straight))).clip(150, 900)
    duur[speed] = rng.integers(35, 111, size=len(speed))
    df["duur_seconden"] = np.rint(duur).astype(int)
    df["organisatie"] = np.array([o.name for o in ORGANISATIONS])[s["org"]]
    df["sector"] = np.array([o.sector for o in ORGANISATIONS])[s["org"]]
    df["meting"] = s["meting"]
    df["conditie"] = np.where(s["zorg"], "zorg", "prijs")
    df["keuze_aanbieder"] = np.where(s["keuze_nee"], "nee", "ja")
    df = pd.concat([df, item_frame], axis=1)

    if personal_data:
        first = rng.choice(_FAKE_FIRST, size=n)
        last = rng.choice(_FAKE_LAST, size=n)
        df["naam"] = np.char.add(np.char.add(first.astype(str), " "), last.astype(str))
        slug = np.char.replace(np.char.lower(last.astype(str)), " ", "")
        df["email"] = [f"{f.lower()}.{lname}{i}@example.org"
                       for f, lname, i in zip(first, slug, range(1, n + 1), strict=True)]  # fmt: skip
        df["telefoon"] = [f"+31 6 0000 {k:04d}" for k in rng.integers(0, 10_000, size=n)]
        df["ip_adres"] = [f"192.0.2.{k}" for k in rng.integers(1, 255, size=n)]
        letters = np.array(list("ABCDEGHJKLMNPRSTVWXZ"))
        pc = rng.integers(1000, 10_000, size=n)
        l1, l2 = rng.choice(letters, size=n), rng.choice(letters, size=n)
        df["postcode"] = [f"{p} {a}{b}" for p, a, b in zip(pc, l1, l2, strict=True)]
        has_comment = rng.random(n) < 0.15
        comment = rng.choice(np.array(_FAKE_COMMENTS, dtype=object), size=n)
        df["opmerking"] = np.where(has_comment, comment, None)

    # ------------------------------------------------------------------ truth
    n_cells = raw.shape[0] * raw.shape[1]
    respondents = {
        rid: {"type": TYPES[t], "clear": bool(c), "margin": _r(mg, 3),
              "profile": {tn: _r(v, 3) for tn, v in zip(TYPES, prof, strict=True)}}
        for rid, t, c, mg, prof in zip(ids, s["type_idx"], (s["margin"] >= CLEAR_MARGIN) & ok, s["margin"],
                                       s["profile"], strict=True)
    }  # fmt: skip
    truth = {
        "schema_version": 1,
        "generator": "relatie_lab.simulate.simulate_survey",
        "n": n,
        "seed": seed,
        "options": {"careless_rate": careless_rate, "mcar_rate": mcar_rate, "mar_rate": mar_rate,
                    "missing_codes": missing_codes, "personal_data": personal_data,
                    "population_n": POPULATION_N, "population_seed": POPULATION_SEED},
        **copy.deepcopy(_static_truth()),
        "respondents": respondents,
        "careless": {"straightliners": ids[straight].tolist(), "speeders": ids[speed].tolist(),
                     "speeder_max_seconds": 110},
        "missing": {"share_item_cells": _r(miss.sum() / n_cells), "mcar_rate": mcar_rate, "mar_rate": mar_rate,
                    "mar_items": block_items, "mar_condition": "keuze_aanbieder == 'nee'", "codes": codes_used},
    }  # fmt: skip
    return df, truth


# ------------------------------------------------------------------------------------------------ writing
def _sav_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The frame as stored in the .sav: items numeric (text codes -> -99), text columns as strings."""
    out = df.copy()
    for iid in _instrument.items().index:
        col = out[iid]
        if col.dtype == object:
            col = pd.to_numeric(col, errors="coerce").where(~col.map(lambda v: isinstance(v, str)), -99)
        out[iid] = col.astype("float64")
    out["meting"] = out["meting"].astype("float64")
    out["duur_seconden"] = out["duur_seconden"].astype("float64")
    for c in out.columns:
        if out[c].dtype != "float64":
            out[c] = out[c].astype(object).where(out[c].notna(), "").astype(str)
    return out


def write_demo(out_dir: str | Path = DATA_RAW, n: int = DEFAULT_N, seed: int = DEFAULT_SEED) -> dict[str, Path]:
    """Write ``demo_survey.csv``, ``demo_survey.sav`` and ``demo_truth.json`` atomically to ``out_dir``."""
    import pyreadstat

    out_dir = Path(out_dir)
    df, truth = simulate_survey(n=n, seed=seed)
    paths = {"csv": out_dir / "demo_survey.csv", "sav": out_dir / "demo_survey.sav",
             "truth": out_dir / "demo_truth.json"}  # fmt: skip
    write_text(paths["csv"], df.to_csv(index=False, lineterminator="\n"))
    write_text(paths["truth"], json.dumps(truth, ensure_ascii=False, indent=1) + "\n")

    inst = _instrument.default()
    items = inst.items()
    scales = inst.scales()
    fields = inst.fields()
    labels: dict[str, str] = {}
    value_labels: dict[str, dict] = {}
    for iid, it in items.iterrows():
        labels[iid] = it["text_nl"]
        anchors = {float(k): v for k, v in scales.loc[it["scale"], "anchors_nl"].items()}
        value_labels[iid] = {**anchors, -99.0: "Geen antwoord (weet niet / n.v.t.)"}
    for name in df.columns.intersection(fields.index):
        labels[name] = fields.loc[name, "label_nl"]
        values = inst.field_values(name)
        if values:
            value_labels[name] = {(float(k) if name == "meting" else str(k)): v for k, v in values.items()}
    measure = {c: "ordinal" for c in items.index}
    measure.update({c: "nominal" for c in fields.index[fields["role"] == "group"] if c in df.columns})
    measure["duur_seconden"] = "scale"
    with atomic_path(paths["sav"]) as tmp:
        pyreadstat.write_sav(
            _sav_frame(df), str(tmp), file_label="relatie_lab demo survey (simulated)",
            column_labels=labels, variable_value_labels=value_labels,
            missing_ranges={iid: [-99] for iid in items.index}, variable_measure=measure, row_compress=True,
        )  # fmt: skip
    return paths


def main(argv: list[str] | None = None) -> int:
    """``python -m relatie_lab.simulate [--write] [--n N] [--seed S] [--out DIR]``."""
    parser = argparse.ArgumentParser(prog="python -m relatie_lab.simulate",
                                     description="Draw the relatie_lab demo survey from its population model.")
    parser.add_argument("--write", action="store_true", help="write the demo files (else print a summary)")
    parser.add_argument("--n", type=int, default=DEFAULT_N, help=f"respondents (default {DEFAULT_N})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"seed (default {DEFAULT_SEED})")
    parser.add_argument("--out", type=Path, default=DATA_RAW, help="output folder (default data/raw)")
    args = parser.parse_args(argv)
    if args.write:
        for kind, path in write_demo(args.out, n=args.n, seed=args.seed).items():
            print(f"{kind:5s} {path} ({path.stat().st_size / 1024:.0f} KB)")
    else:
        df, truth = simulate_survey(n=args.n, seed=args.seed)
        print(f"{len(df)} respondents, {df.shape[1]} columns; missing item cells "
              f"{truth['missing']['share_item_cells']:.1%}; careless "
              f"{len(truth['careless']['straightliners']) + len(truth['careless']['speeders'])}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
