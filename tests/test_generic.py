"""The package knows no survey: nothing outside data/<survey>/ names a bundled survey's questions, findings,
subgroups, themes or nouns. The terms come from each bundled codebook, so a new example is covered when it is added.

Distinctive ids (those with an underscore, e.g. a finding id) are searched everywhere as whole identifiers; short
ids that are also ordinary words (`region`, `small`) only where code would use them as a key: quoted, or after a
dot or `[`. Respondents' and units' nouns are searched as words, in any case, in code, comments and templates
alike (a comment that says "PCN" is a survey's word in the generic code).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from briefing import config
from briefing.inputs.codebook import load_codebook
from tests.conftest import ROOT

GENERIC = [
    *sorted((ROOT / "src/briefing").rglob("*.py")),
    *sorted((ROOT / "notebooks").glob("*.ipynb")),
    *sorted((ROOT / "report/templates").glob("*")),
    *sorted((ROOT / "mk").glob("*")),
    ROOT / "Makefile",
    ROOT / "report/briefing.qmd",
    ROOT / "_quarto.yml",
    ROOT / "scripts/make_notebooks.py",
]
# Words every survey shares: a codebook's structural keys (`wave`, `id`, a population's `size`), and parameters that
# moved (config.MOVED: the error naming an old key must name it), not a survey's.
STRUCTURAL = {"wave", "id", "size", *config.MOVED}


def bundled_codebooks():
    return sorted((ROOT / "data").glob("*/codebook.yml"))


def survey_terms(path: Path) -> tuple[set[str], set[str]]:
    """(ids, nouns) that only this survey's folder may name."""
    codebook = load_codebook(path)
    ids = {*codebook.questions, *codebook.findings, *codebook.subgroups, *codebook.partitions, *codebook.themes}
    nouns = {codebook.survey.respondents.singular, codebook.survey.respondents.plural}
    frame = codebook.population.frame
    if frame is not None:
        nouns |= {w for w in (frame.unit.singular, frame.unit.plural, frame.unit.short) if w}
        ids |= {frame.id, *(c for c in (frame.name,) if c), *frame.match.values()}
    return ids - STRUCTURAL, nouns


def id_pattern(term: str) -> re.Pattern:
    if "_" in term:
        return re.compile(rf"(?<![\w-]){re.escape(term)}(?![\w-])")
    return re.compile(rf"""(?:["'\[.]){re.escape(term)}(?:["'\]])""")


def noun_pattern(noun: str) -> re.Pattern:
    return re.compile(rf"(?<!\w){re.escape(noun)}s?(?!\w)", re.IGNORECASE)


def hits(pattern: re.Pattern) -> list[str]:
    found = []
    for path in GENERIC:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}")
    return found


@pytest.mark.parametrize("codebook", bundled_codebooks(), ids=lambda p: p.parent.name)
def test_generic_code_names_no_survey_id(codebook):
    ids, _ = survey_terms(codebook)
    found = {term: hits(id_pattern(term)) for term in sorted(ids)}
    assert not {term: lines for term, lines in found.items() if lines}


@pytest.mark.parametrize("codebook", bundled_codebooks(), ids=lambda p: p.parent.name)
def test_generic_code_uses_no_survey_noun(codebook):
    _, nouns = survey_terms(codebook)
    found = {noun: hits(noun_pattern(noun)) for noun in sorted(nouns)}
    assert not {noun: lines for noun, lines in found.items() if lines}


def test_the_search_finds_what_it_looks_for():
    """The patterns match a survey's words where code would write them (else the tests above could not fail)."""
    assert id_pattern("region").search('survey["region"]') and not id_pattern("region").search("a regional edition")
    assert id_pattern("pcn_list_size").search("x = pcn_list_size + 1")
    assert noun_pattern("PCN").search("small PCNs") and noun_pattern("clinical director").search("Clinical directors")
    assert len(bundled_codebooks()) >= 2
