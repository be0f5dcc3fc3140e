"""Draw the example survey winkel_enquete.csv (docs/own_survey.md): python docs/examples/own_survey/make_data.py.

A shop's customer survey on 10-point scales: perceived quality -> satisfaction -> loyalty (population values in
the code below), a region, a customer number, a column no codebook knows (``kassa``) and an e-mail column (personal
data: removed on loading). Seeded, so the file is the same on every machine.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def draw(n: int = 300, seed: int = 10) -> pd.DataFrame:
    """The example survey: ``n`` respondents, answers 1-10 (``tev_3`` reverse-keyed), region and extras."""
    rng = np.random.default_rng(seed)
    quality = rng.normal(size=n)
    satisfaction = 0.6 * quality + rng.normal(scale=0.8, size=n)
    loyalty = 0.5 * satisfaction + 0.2 * quality + rng.normal(scale=0.8, size=n)

    def items(latent: np.ndarray, k: int, loading: float = 1.3) -> list[np.ndarray]:
        out = []
        for _ in range(k):
            x = 6.5 + loading * latent + rng.normal(scale=1.0, size=len(latent))
            out.append(np.clip(np.rint(x), 1, 10))
        return out

    kw, tev, loy = items(quality, 3), items(satisfaction, 3), items(loyalty, 3)
    tev[2] = 11 - tev[2]  # reverse-keyed in the questionnaire
    frame = pd.DataFrame({"klantnummer": np.arange(1001, 1001 + n), "regio": rng.choice(["noord", "midden", "zuid"], n)})
    for name, values in zip(["kw_1", "kw_2", "kw_3", "tev_1", "tev_2", "tev_3", "loy_1", "loy_2", "loy_3"],
                            [*kw, *tev, *loy], strict=True):  # fmt: skip
        frame[name] = values.astype(int)
    frame["kassa"] = rng.integers(1, 6, n)
    frame["email"] = [f"klant{i}@voorbeeld.nl" for i in range(n)]
    return frame


if __name__ == "__main__":
    draw().to_csv(Path(__file__).with_name("winkel_enquete.csv"), index=False)
