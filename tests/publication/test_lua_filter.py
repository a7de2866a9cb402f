"""The Lua filter's HTML: one labelled scroll region per table, with its attributes in a fixed order."""

from __future__ import annotations

import re

import pypandoc

from briefing.publication import render
from tests.conftest import ROOT

TWO_TABLES = """
| A | B |
|:--|--:|
| x | 1 |

: First headline

| C | D |
|:--|--:|
| y | 2 |

: Second headline
"""


def html_of(markdown: str) -> str:
    return pypandoc.convert_text(
        markdown, "html5", format="markdown", extra_args=["--lua-filter", str(ROOT / render.LUA_FILTER)]
    )


def test_each_table_is_wrapped_once_in_a_region_named_after_it():
    html = html_of(TWO_TABLES)
    wrappers = [" ".join(w.split()) for w in re.findall(r'<div class="table-scroll" ([^>]*)>\s*<table', html)]
    assert wrappers == [
        'tabindex="0" role="region" aria-label="Table 1: First headline"',
        'tabindex="0" role="region" aria-label="Table 2: Second headline"',
    ]
    assert html.count('role="region"') == html.count("<table") == 2


def test_the_same_source_gives_the_same_html_every_time():
    assert len({html_of(TWO_TABLES) for _ in range(5)}) == 1
