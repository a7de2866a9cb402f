"""The attacker, as a permanent test: from everything the editions of both waves publish, taken together, no
count of 1 to threshold-1 that is not shown can be worked out (tests/analysis/attacker.py says how: linear
constraints over the per-region, per-size-band, per-answer counts, solved for each such count's min and max).

Criterion: a count is determined when its integer range is a single value (min == max); every count of 1 to
threshold-1 not published (suppressed, withheld, or never shown: a medium band, a region's band, a finest cell)
must have min < max. A published number the attacker does not read fails the test, so a new output must be
modelled before it can be published.

Unit tier: the editions' findings as the notebooks compute them (no render), for every area and both waves
(the 2020 editions' change records carry 2019's figures too). End-to-end: the `make -j2 editions` build's
published findings.json files and pages.
"""

import html
import json
import re
from pathlib import Path

import pytest

from briefing.analysis import change, disclosure, themes
from briefing.analysis import findings as findings_io
from briefing.narrative import prose
from tests.analysis import attacker
from tests.conftest import ROOT

WAVES = ("2019", "2020")


def england(wave: str) -> themes.Context:
    return themes.load_context(ROOT / "params.yml", whole=True, wave=wave)


@pytest.fixture(scope="module")
def publications(tmp_path_factory) -> dict[str, dict[str, dict]]:
    """wave -> area -> the edition's findings.json, for every edition of both waves (2020's compared with 2019)."""
    folder = tmp_path_factory.mktemp("plans")
    out = {}
    for wave in WAVES:
        ctx = england(wave)
        plan = disclosure.write_plan(disclosure.plan(ctx), folder / f"withheld-{wave}.json")
        areas = [None, *sorted(disclosure.areas_of(ctx))]
        out[wave] = {area or attacker.WHOLE: attacker.edition_records(ROOT, plan, wave, area) for area in areas}
    for area, current in out["2020"].items():
        records = change.changes(current, out["2019"][area], notebook="test")
        current["findings"].update(json.loads(findings_io.dumps({f.id: f.as_record() for f in records})))
    return out


def attack(wave: str, editions: list[dict], previous: list[dict] = ()) -> attacker.Attack:
    """The attacker of one wave: every edition reporting it, and the editions comparing a later wave with it."""
    ctx = england(wave)
    attack = attacker.Attack(attacker.space_for(ctx), weights={attacker.WHOLE: attacker.england_weights(ctx)})
    for published in editions:
        attack.read(published["findings"], published["parameters"]["edition"])
    for published in previous:
        attack.read_previous(published["findings"], published["parameters"]["edition"])
    attack.every_cell()
    return attack


def solved_for(solved: attacker.Attack) -> str:
    pinned = solved.determined()
    return "; ".join(f"{label} = {value}" for label, value in pinned.items())


@pytest.mark.slow  # every edition of both waves, attacked: `make test`, not the fast tier
@pytest.mark.parametrize("wave", WAVES)
def test_no_count_withheld_from_the_editions_can_be_worked_out(publications, wave):
    later = [pub for w, editions in publications.items() if w > wave for pub in editions.values()]
    solved = attack(wave, list(publications[wave].values()), later)
    assert len(solved.targets) > 500  # every small count of the wave is tried, shown or not
    assert solved_for(solved) == ""


# --- end to end: what `make -j2 editions` publishes --------------------------------------------------------------


def numbers(value):
    """Every number in a findings.json value, however deep."""
    if isinstance(value, dict):
        for v in value.values():
            yield from numbers(v)
    elif isinstance(value, list):
        for v in value:
            yield from numbers(v)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield value


NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?%?")


def as_printed(published: dict) -> set[str]:
    """Every number of an edition's findings.json as the text prints it (a count, a percentage, percentage
    points), the parameters as written, and the codebook's subgroup bounds (public definitions, not counts)."""
    out = {token for value in published["parameters"].values() for token in NUMBER.findall(str(value))}
    out |= {bound for group in attacker.CODEBOOK.subgroups.values() for bound in group.placeholders().values()}
    for x in [*numbers(published["findings"]), *numbers(published["parameters"])]:
        out |= {prose.count(x), prose.count(round(x))}  # the templates' `round` is Python's (half to even)
        if -1 <= x <= 1:
            out |= {prose.percent(x), prose.count(abs(x) * 100)}
    return out


def printed_numbers(page: str) -> list[tuple[str, str]]:
    """(number, where) for every number in a page's alt texts and table cells."""
    texts = [html.unescape(alt) for alt in re.findall(r'alt="([^"]*)"', page)]
    texts += [
        html.unescape(re.sub(r"<[^>]+>", "", cell)) for cell in re.findall(r"<td[^>]*>(.*?)</td>", page, flags=re.S)
    ]
    return [(token.rstrip(","), text[:100]) for text in texts for token in NUMBER.findall(text)]


@pytest.fixture(scope="module")
def built_editions(editions_published) -> list[tuple[Path, dict]]:
    output, result = editions_published
    assert result.returncode == 0, result.stderr[-2000:]
    found = [(path.parent, findings_io.load(path)) for path in sorted((output / "editions").glob("**/findings.json"))]
    assert len(found) == 1 + len(disclosure.areas_of(england(WAVES[-1])))
    return found


@pytest.mark.e2e
def test_the_built_editions_publish_no_count_the_attacker_can_work_out(built_editions):
    published = [pub for _, pub in built_editions]
    assert {pub["parameters"]["wave"] for pub in published} == {WAVES[-1]}
    current, previous = attack(WAVES[-1], published), attack(WAVES[0], [], published)
    assert solved_for(current) == "" and solved_for(previous) == ""


@pytest.mark.e2e
def test_the_pages_print_no_number_that_findings_json_does_not_publish(built_editions):
    """Alt texts and tables (the methods' every-finding table, the change table, the STP table) print only
    findings.json's numbers, so the attacker reading findings.json reads the pages too."""
    for folder, published in built_editions:
        page = (folder / "briefing.html").read_text(encoding="utf-8")
        assert [(n, where) for n, where in printed_numbers(page) if n not in as_printed(published)] == [], folder.name
        weighted = "effective sample size" in re.sub(r"\s+", " ", page)
        assert weighted is (published["parameters"]["edition"] is None), folder.name  # England's only
