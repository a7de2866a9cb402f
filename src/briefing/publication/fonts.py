"""Inter cut down to the glyphs a text uses, as base64 WOFF: for the charts' SVGs (publication/charts.py) and the
editions' index page (publication/editions.py), so both embed the typeface the same way."""

from __future__ import annotations

import base64
import hashlib
import io

_SUBSETS: dict[tuple[str, str], str] = {}  # (the font file's SHA-256, the text) -> its subset, as base64 WOFF


def subset_woff(data: bytes, text: str) -> str:
    """The font file `data` cut down to the glyphs of `text`, as base64 WOFF. Kept for the process (a kernel of
    the build), keyed by the file's hash and the text: a chart whose labels use the same characters as an earlier
    one, in the same face, reuses its subset rather than parsing and cutting the font again."""
    key = (hashlib.sha256(data).hexdigest(), text)
    if key not in _SUBSETS:
        _SUBSETS[key] = cut(data, text)
    return _SUBSETS[key]


def cut(data: bytes, text: str) -> str:
    from fontTools import subset

    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = ["kern", "liga", "calt", "tnum", "case"]
    options.name_IDs = [1, 2]  # family and style only: keeps the embedded copy small
    options.notdef_outline = True
    font = subset.load_font(io.BytesIO(data), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.flavor = "woff"
    font.save(buffer, reorderTables=True)
    return base64.b64encode(buffer.getvalue()).decode("ascii")
