"""The pandoc the briefing is rendered with, and its version (the provenance record's): the one the pinned
pypandoc_binary wheel ships (requirements.lock), unless PYPANDOC_PANDOC, pypandoc's own setting, names another.

Found without importing pypandoc: its import loads urllib, http and ssl for its downloader, and it runs every
pandoc it can find to pick the newest, a tenth of a second in each step that renders or records the renderer.
pypandoc's own search is kept for an environment whose pypandoc ships no binary.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import subprocess
from pathlib import Path

VERSION = re.compile(r"\d+(\.\d+)+")  # "3.9" in "pandoc 3.9", as pypandoc reads it


@functools.cache
def binary() -> str:
    if override := os.environ.get("PYPANDOC_PANDOC"):
        return override
    spec = importlib.util.find_spec("pypandoc")
    bundled = Path(spec.submodule_search_locations[0]) / "files" / "pandoc" if spec else None
    if bundled is not None and bundled.is_file():
        return str(bundled)
    import pypandoc

    return pypandoc.get_pandoc_path()


def version() -> str:
    """pandoc's version as `pandoc --version` states it on its first line, e.g. "3.9"."""
    first = subprocess.run([binary(), "--version"], capture_output=True, text=True, check=True).stdout.split("\n")[0]
    return next(word for word in first.split() if VERSION.fullmatch(word))
