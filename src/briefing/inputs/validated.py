"""A wave's validated, typed copy: what the validation step read (the wave, checked against its codebook and typed;
its frame, with its codes as text), kept in the build for the stages after it. The raw files are read once, at
validation: the notebooks and the quotes step read this copy, not the files again.

One pickle per wave (<build>/waves/<wave>/typed.pkl: pandas' own format keeps every column's type, categories and
missing values exactly): `{"survey": DataFrame, "frame": DataFrame | None}`. It is the build's own file, written
by the build, never an input a user supplies.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from briefing.inputs.codebook import Codebook


def load_frame(path: Path, codebook: Codebook) -> pd.DataFrame:
    """The frame, its id, name, subarea and choice columns as text (a code such as 01A keeps its zero)."""
    import pandas as pd

    spec = codebook.population.frame
    text = [spec.id, *filter(None, [spec.name])]
    text += [c for q, c in spec.match.items() if codebook.questions[q].type != "numeric"]
    if spec.subareas:
        text += [spec.subareas.code, spec.subareas.name]
    return pd.read_csv(path, dtype=dict.fromkeys(text, str))


def write(path: Path, survey: pd.DataFrame, frame: pd.DataFrame | None) -> None:
    """The copy, whole or not at all: written beside its place, then moved onto it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_name(f".{path.name}.tmp")  # (as the build's other files are written: its mode by the umask)
    staged.write_bytes(pickle.dumps({"survey": survey, "frame": frame}, protocol=pickle.HIGHEST_PROTOCOL))
    os.replace(staged, path)


def read(path: Path) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The wave and its frame (None: the survey has none), as the validation step kept them."""
    try:
        with open(path, "rb") as copy:
            kept = pickle.load(copy)  # noqa: S301 (the build's own file, written by `write`)
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: the wave's validated copy is missing; run `make compute`") from None
    return kept["survey"], kept["frame"]
