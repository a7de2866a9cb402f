"""The fonts Typst draws with, for the PDF and for the charts' raster copies in the Word file: the project's own
(Inter, OFL: the page's and the charts' typeface), then the DejaVu family that matplotlib's wheel ships, as the
fallback for characters outside Inter's bundled subset. No system font: the same pixels on every machine."""

from __future__ import annotations

import importlib.util
from pathlib import Path


def typst_font_dirs(project_fonts: Path) -> list[str]:
    # matplotlib's data folder, found without importing matplotlib (a fifth of a second of the render's start-up)
    matplotlib = Path(importlib.util.find_spec("matplotlib").submodule_search_locations[0])
    dirs = [project_fonts, matplotlib / "mpl-data" / "fonts" / "ttf"]
    return [str(d) for d in dirs if d.is_dir()]
