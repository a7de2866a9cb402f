"""Editions end to end: every region's briefing from one `make -j2 editions`, sharing one build (session fixture)."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from briefing.inputs.codebook import load_codebook
from briefing.narrative.prose import percent
from briefing.narrative.writer import COMPILED_TEMPLATES
from briefing.publication import editions
from tests.conftest import BUILD, ROOT, copy_built, digest, git, make
from tests.hostile import HOSTILE
from tests.publication.test_accessibility import VIEWPORTS, browser, describe, run_axe  # noqa: F401 (fixture)

pytestmark = pytest.mark.e2e

WAVE, PREVIOUS = "2020", "2019"  # the editions fixture builds params.yml's wave against the latest earlier one
FRAME = "data/pcn-clinical-directors/reference/pcn_frame_2020-21.csv"  # the 2020 wave's frame
REGIONS = load_codebook(ROOT / "data/pcn-clinical-directors/codebook.yml").questions["region"].values()  # editions.by
assert REGIONS == sorted(pd.read_csv(ROOT / FRAME)["region"].unique())  # every one in the frame
SLUGS = ["england", *(editions.slugify(r) for r in REGIONS)]
SMALL = range(1, 8)


MAKE_AND_SHELL = ["$(shell touch pwned)", "${HOME}", "a\nb", "50% # c; d `e` \\f", "'q' \"q\" | & > <", "*?[x]"]


@pytest.mark.parametrize("name", [*HOSTILE.values(), *MAKE_AND_SHELL])
def test_an_edition_s_folder_name_is_letters_digits_and_hyphens_whatever_its_label(name):
    """The slug names the edition's folder, its make target and its line in the publish queue (mk/editions.mk):
    nothing of a label written by a user (a region's name in the frame or the codebook) reaches make or the shell."""
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", editions.slugify(name))


def test_an_edition_s_folder_name_keeps_accented_letters_and_refuses_a_label_with_none():
    assert editions.slugify("Île-de-France") == "ile-de-france"
    assert editions.slugify("Gogledd Cymru / North Wales") == "gogledd-cymru-north-wales"
    with pytest.raises(ValueError, match="'北部' gives an empty folder name"):
        editions.slugify("北部")


def published(project: Path, slug: str, wave: str = WAVE) -> Path:
    """Where an edition is published: _output/editions/<wave>/<slug>/, each wave's editions side by side."""
    return project / "_output" / "editions" / wave / slug


def findings(project: Path, slug: str) -> dict:
    return json.loads((published(project, slug) / "findings.json").read_text())["findings"]


def text_of(project: Path, slug: str, wave: str = WAVE) -> str:
    out = published(project, slug, wave)
    page = re.sub(r"<[^>]+>", " ", (out / "briefing.html").read_text(encoding="utf-8"))
    page = re.sub(r"data:[^\s\"')]+", " ", page)  # embedded fonts and images are not text
    pdf = " ".join(p.extract_text() for p in PdfReader(out / "briefing.pdf").pages)
    return re.sub(r"\s+", " ", page + " " + pdf).replace("\u00a0", " ")


def edition_figure(project: Path, slug: str, wave: str) -> Path:
    """An edition's chart of its headline findings, in its own build folder: every edition draws one, from its own
    figures. (Its chart of the codebook's comparison, small against large PCNs, is not drawn where the edition is
    too small for it.)"""
    figures = project / BUILD / "editions" / slug / BUILD / "waves" / wave / "figures"
    return figures / "fig_overview.svg"


def test_every_edition_is_published_with_a_counted_log(editions_built):
    project, result = editions_built
    for slug in SLUGS:
        for name in editions.OUTPUT_NAMES:
            assert (published(project, slug) / name).stat().st_size > 0, (slug, name)
    lines = [line for line in result.stdout.splitlines() if "editions:" in line and line.startswith("[")]
    assert sorted(int(re.match(r"\[(\d+)/8\]", line).group(1)) for line in lines) == list(range(1, 9))
    assert all(line.endswith(")") and "... done (" in line for line in lines)
    assert "without encryption" not in result.stdout + result.stderr


def test_every_editions_analysis_is_computed_in_the_whole_surveys_one_runner_call(editions_built):
    """The editions share one analysis: each wave validated and its disclosure planned once, every edition's
    findings, charts, merged findings and change in the whole survey's runner call (its workers); per edition only
    its findings, narrative and render. The whole survey's edition is the whole survey's build, analysed once: its
    analysed folders are links to that build's."""
    project, result = editions_built
    lines = result.stdout.splitlines()
    # (make -j2 may print another job's line between a step's counter and its words)
    assert result.stdout.count(" is valid against ") == 2  # each wave validated once, for every edition
    assert len(re.findall(rf"wave {WAVE}: notebooks: 8 run in (?:one process|\d processes) ", result.stdout)) == 1
    names = [
        re.match(r"\[3/6\] (.+) edition: notebooks: \d+ run in (?:one process|\d processes)", line) for line in lines
    ]
    assert sorted(m.group(1) for m in names if m) == sorted(REGIONS)  # England's: the whole build's, not again
    whole = project / BUILD / "editions" / SLUGS[0] / BUILD
    for name in ("waves", "changes"):
        assert (whole / name).is_symlink() and (whole / name).resolve() == (project / BUILD / name).resolve()
    for slug in SLUGS[1:]:
        build = project / BUILD / "editions" / slug / BUILD
        assert (build / "changes" / f"{WAVE}-vs-{PREVIOUS}" / "change.json").is_file() and (
            build / "findings.json"
        ).is_file()
        assert not list(build.glob("waves/*/validated.ok"))  # the whole build's
        assert not list(build.glob("waves/*/executed/disclosure.ipynb"))  # the whole build's plan
        assert not list(build.glob(f"waves/{PREVIOUS}/figures/*"))  # the compared wave's charts: never published
    # Every edition's narrative keeps its templates compiled in the project's one folder, compiled for the first
    # edition and reused by the others (tests/test_template_change.py), not each in a folder of its own.
    assert list((project / COMPILED_TEMPLATES).glob("*.cache"))
    assert not list(project.glob(f"{BUILD}/editions/*/{COMPILED_TEMPLATES}"))


def test_an_editions_render_reads_no_wave_and_loads_no_pandas(editions_built, tmp_path):
    """Only rendering is per edition: its quotes, of its own area, were picked in the whole survey's runner call
    (beside its notebooks, from the validated copy), so its findings, narrative and render run with pandas made
    unimportable, and print the quotes the runner picked for it."""
    project, _ = editions_built
    folder = project / BUILD / "editions" / "south-east"
    picked = json.loads((folder / BUILD / "waves" / WAVE / "quotes.json").read_text(encoding="utf-8"))
    texts = [quote["text"] for quotes in picked.values() for quote in quotes]
    assert texts  # (the South East's picks: the survey's quotes.yml picks two of its respondents in 2020)
    no_pandas = tmp_path / "no-pandas" / "pandas"
    no_pandas.mkdir(parents=True)
    (no_pandas / "__init__.py").write_text("raise ImportError('pandas is not for an edition's render')\n")
    code = (
        "import sys\nfrom pathlib import Path\nfrom briefing.publication import editions\n"
        "ok, cause, text = editions.publish_edition(Path.cwd(), Path(sys.argv[1]), 'pandoc', Path(sys.argv[2]))\n"
        "print(ok, cause)"
    )
    env = {**os.environ, "PYTHONPATH": str(no_pandas.parent)}
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-c", code, str(folder), str(out)], cwd=project, capture_output=True, text=True, env=env
    )
    assert done.stdout.strip() == "True", done.stdout + done.stderr
    page = " ".join(html.unescape((out / "briefing.html").read_text(encoding="utf-8")).split())
    for text in texts:  # (as picked: Markdown-escaped; the page wraps its lines)
        assert " ".join(re.sub(r"\\(.)", r"\1", text).split()) in page


def statuses(project: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in (project / BUILD / "editions").glob("*.status.json")}


def test_an_unchanged_make_editions_asks_no_edition_to_build(editions_built):
    project, _ = editions_built
    before = statuses(project)
    result = make(project, "-j2", "editions", ENGINE="pandoc")
    assert result.stdout.strip() == f"Editions up to date: _output/index.html (8 editions, wave {WAVE})"
    assert statuses(project) == before


def test_every_edition_names_the_commit_it_was_built_from(editions_built):
    project, _ = editions_built
    for slug in SLUGS:
        record = json.loads((published(project, slug) / "findings.json").read_text())["provenance"]
        assert record["code"] == {
            "git": "checkout",
            "commit": git(project, "rev-parse", "HEAD"),
            "uncommitted_changes": False,
        }


def test_england_edition_is_the_england_briefing(editions_built):
    project, _ = editions_built
    make(project, "report", ENGINE="pandoc")
    england = json.loads((published(project, "england") / "findings.json").read_text())
    briefing = json.loads((project / "_output" / "findings.json").read_text())
    # The one legitimate difference: the edition reads its generated params.yml (region and wave written out),
    # the England build params.yml itself: the parameters file's digest.
    for record in (england, briefing):
        record["provenance"]["inputs"] = [i for i in record["provenance"]["inputs"] if i["role"] != "parameters"]
    assert england == briefing


def test_each_edition_has_its_own_figures_computed_from_its_own_region(editions_built):
    project, _ = editions_built
    survey = pd.read_csv(project / "data" / "pcn-clinical-directors" / "raw" / f"pcn_cd_survey_{WAVE}.csv")
    leave = survey["leave_role_12m"].dropna()
    for region, slug in zip(REGIONS, SLUGS[1:], strict=False):
        record = findings(project, slug)["plan_to_leave"]
        assert json.loads((published(project, slug) / "findings.json").read_text())["parameters"]["edition"] == region
        mine = survey.loc[leave.index][survey.loc[leave.index, "region"] == region]
        assert record["denominator"] in (len(mine), None)
        assert findings(project, slug)["unit_count"]["value"] == int(
            (pd.read_csv(project / FRAME)["region"] == region).sum()
        )


def test_each_regional_edition_says_its_own_sentences_and_no_other_regions(editions_built):
    project, _ = editions_built
    for region, slug in zip(REGIONS, SLUGS[1:], strict=False):
        text = text_of(project, slug)
        assert f"{region} and the rest of England" in text
        for other in REGIONS:
            if other != region and other not in region:
                assert f"{other} and the rest of England" not in text, (slug, other)
        for fid, record in findings(project, slug).items():
            if fid.endswith("_vs_rest") and not record["suppressed"]:
                said = f"In {region}, {percent(record['p1'])} of clinical directors" in text and (
                    f"against {percent(record['p2'])} in the rest of England" in text
                )
                grouped = f"({percent(record['p1'])} in {region}, against {percent(record['p2'])})" in text
                assert said or grouped, (slug, fid)  # its own sentence, or among those the survey cannot tell
    assert "and the rest of England" not in text_of(project, "england")


def test_each_edition_embeds_its_own_chart(editions_built):
    """Each edition's page carries its own chart (its own figures in the alt text), never another edition's."""
    project, _ = editions_built
    alts = {}
    for slug in SLUGS:
        figure = edition_figure(project, slug, WAVE)
        alts[slug] = html.unescape(re.search(r"<desc>(.*?)</desc>", figure.read_text(encoding="utf-8")).group(1))
    assert len(set(alts.values())) == len(SLUGS)  # each edition's own figures
    for slug in SLUGS:
        page = html.unescape((published(project, slug) / "briefing.html").read_text(encoding="utf-8"))
        assert alts[slug] in page, slug
        for other, alt in alts.items():
            if other != slug:
                assert alt not in page, (slug, other)


def test_regional_comparison_is_with_the_rest_of_england(editions_built):
    project, _ = editions_built
    england = findings(project, "england")["plan_to_leave"]
    for slug in SLUGS[1:]:
        mine = findings(project, slug)
        for fid, record in mine.items():
            if fid.endswith("_vs_rest") and not record["suppressed"]:
                base = fid.removesuffix("_vs_rest")
                whole, here = findings(project, "england")[base], mine[base]
                rest = (whole["numerator"] - here["numerator"]) / (whole["denominator"] - here["denominator"])
                assert record["p2"] == pytest.approx(rest) and record["p1"] == pytest.approx(here["value"])
                assert record["test"] and record["p_value"] is not None
    assert england["value"] is not None


def test_every_region_lists_its_stps_from_the_frame(editions_built):
    project, _ = editions_built
    frame = pd.read_csv(project / FRAME)
    for region, slug in zip(REGIONS, SLUGS[1:], strict=False):
        rows = findings(project, slug)["subarea_table"]["rows"]  # the codebook's population.frame.subareas
        mine = frame[frame["region"] == region]
        assert sorted(r["code"] for r in rows) == sorted(mine["stp_code"].unique())
        for row in rows:
            stp = mine[mine["stp_code"] == row["code"]]
            assert row["units"] == len(stp)
            assert row["median_size"] == stp["registered_patients"].median()
            assert row["shares"]["small"] == pytest.approx((stp["registered_patients"] < 40000).mean())
        assert rows[0]["name"] in text_of(project, slug)


def published_counts(record: dict) -> list[int]:
    counts = [record.get("numerator"), record.get("denominator")]
    if None not in counts:
        counts.append(counts[1] - counts[0])
    return [c for c in counts if c is not None]


def previous_wave(found: dict) -> dict:
    """The comparison wave's figures as an edition publishes them (each change record's `previous`), as records."""
    return {
        record["finding"]: {**record["previous"], "kind": "proportion", "question": record["question"]}
        for record in found.values()
        if record.get("kind") == "change" and record.get("previous")
    }


def assert_nothing_recoverable(all_findings: dict[str, dict], wave: str) -> None:
    """No survey count of 1 to 7, nor one recoverable by subtraction: a region from England (counts and
    complements), a band from the others within an edition (medium is never published)."""
    for slug, found in all_findings.items():
        for fid, record in found.items():
            if record.get("kind") == "proportion":
                assert not set(published_counts(record)) & set(SMALL), (wave, slug, fid)
    for fid, record in all_findings["england"].items():
        if (
            record.get("kind") != "proportion" or record.get("question") is None or record["suppressed"]
        ):  # survey counts only
            continue
        for key in ("numerator", "denominator"):
            published = [all_findings[s][fid][key] for s in SLUGS[1:] if all_findings[s][fid][key] is not None]
            assert record[key] - sum(published) not in SMALL, (wave, fid, key)
        complements = [published_counts(all_findings[s][fid]) for s in SLUGS[1:]]
        known = sum(c[2] for c in complements if len(c) == 3)
        assert record["denominator"] - record["numerator"] - known not in SMALL, (wave, fid)
    for slug, found in all_findings.items():
        bands = [
            found.get(fid)
            for fid in ("workload_unmanageable", "workload_unmanageable_small", "workload_unmanageable_large")
        ]
        if None not in bands and not any(b["suppressed"] for b in bands):
            whole, small, large = bands
            assert whole["numerator"] - small["numerator"] - large["numerator"] not in SMALL, (wave, slug)
            assert whole["denominator"] - small["denominator"] - large["denominator"] not in SMALL, (wave, slug)


def test_no_small_count_in_any_edition_nor_recoverable_by_subtraction(editions_built):
    """Both waves a two-wave edition publishes: the reported one, and the comparison wave in its change table."""
    project, _ = editions_built
    all_findings = {slug: findings(project, slug) for slug in SLUGS}
    assert_nothing_recoverable(all_findings, WAVE)
    previous = {slug: previous_wave(found) for slug, found in all_findings.items()}
    assert len(previous["england"]) >= 10 and all(previous[s].keys() == previous["england"].keys() for s in SLUGS)
    assert_nothing_recoverable(previous, PREVIOUS)
    for slug in SLUGS:
        for line in re.findall(r"(\d[\d,]*) of the (\d[\d,]*) clinical directors", text_of(project, slug)):
            assert not {int(n.replace(",", "")) for n in line} & set(SMALL), (slug, line)


def chart_counts(found: dict) -> dict[tuple[str, str], dict[str, int]]:
    """Every chart row an edition publishes, (question, row label) -> what a reader recovers from it: each
    answer's count as round(share * n), and the base as 'n'."""
    rows = {}
    for record in found.values():
        for row in record.get("rows", []) if record.get("kind") == "figure" else []:
            known = {v: round(s * row["n"]) for v, s in row["shares"].items() if s is not None} if row["n"] else {}
            rows[record["question"], row["label"]] = known | ({"n": row["n"]} if row["n"] is not None else {})
    return rows


def test_no_chart_cell_is_small_nor_recoverable_by_subtraction(editions_built):
    project, _ = editions_built
    codebook = load_codebook(project / "data" / "pcn-clinical-directors" / "codebook.yml")
    charts = {slug: chart_counts(findings(project, slug)) for slug in SLUGS}
    assert charts["england"] and all(charts[s].keys() == charts["england"].keys() for s in SLUGS)
    for slug, rows in charts.items():
        for (q, label), known in rows.items():
            assert not set(known.values()) & set(SMALL), (slug, q, label)
            if "n" in known and codebook.questions[q].type != "multiple_choice":  # a cell from its row's base
                assert known["n"] - sum(c for v, c in known.items() if v != "n") not in SMALL, (slug, q, label)
        for q in {q for q, _ in rows}:  # a band from all respondents (medium is never drawn)
            labels = [label for qq, label in rows if qq == q]
            whole, bands = rows[q, labels[0]], [rows[q, label] for label in labels[1:]]
            for cell, count in whole.items() if bands else ():
                assert count - sum(b.get(cell, 0) for b in bands) not in SMALL, (slug, q, cell)
    for (q, label), known in charts["england"].items():  # a region from England
        for cell, count in known.items():
            others = [charts[s][q, label].get(cell) for s in SLUGS[1:]]
            assert count - sum(c for c in others if c is not None) not in SMALL, (q, label, cell)


def test_a_findings_count_and_its_chart_cells_agree_in_every_edition(editions_built):
    """A finding and the chart of its question publish the same counts: neither gives away what the other hides."""
    project, _ = editions_built
    for slug in SLUGS:
        found = findings(project, slug)
        charts = chart_counts(found)
        for fid, record in found.items():
            if record.get("kind") != "proportion" or record.get("question") is None:
                continue
            row = chart_row(charts, record["question"], record["subgroup"])
            if row is None:
                continue  # the chart draws no row for this band
            shown = [row.get(v) for v in record["counts"]]
            if record["suppressed"]:
                assert None in shown, (slug, fid)  # else the chart adds it up
            elif None in shown:
                assert record["numerator"] - sum(c for c in shown if c is not None) not in SMALL, (slug, fid)


def chart_row(charts: dict, question: str, subgroup: str | None) -> dict | None:
    """The chart row a finding speaks for: all respondents, or its size band ('fewer than': small); None if not drawn."""
    for (q, label), known in charts.items():
        band = "small" if "fewer than" in label else "large" if "more than" in label else None
        if q == question and band == subgroup:
            return known
    return None


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.links.append(dict(attrs)["href"])


def test_index_lists_every_edition_with_working_links(editions_built):
    project, _ = editions_built
    page = (project / "_output" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en-GB">' in page and "<caption>" in page and 'scope="row"' in page
    assert "synthetic" in page and "http" not in page  # offline: nothing fetched
    parser = Links()
    parser.feed(page)
    assert len(parser.links) == len(editions.FORMATS) * len(SLUGS)  # every format and the review page
    for href in parser.links:
        assert (project / "_output" / href).is_file(), href
    for region in REGIONS:
        assert f">{region}" in page
    assert f">{percent(findings(project, 'england')['plan_to_leave']['value'])}<" in page


@pytest.mark.parametrize("page", ["index.html", f"editions/{WAVE}/north-west/briefing.html"])
def test_axe_finds_no_violations_on_the_index_and_a_regional_edition(editions_built, browser, page):  # noqa: F811
    project, _ = editions_built
    result = run_axe(browser, (project / "_output" / page).as_uri(), VIEWPORTS["desktop"])
    assert result["violations"] == [], describe(result["violations"])


def test_names_are_escaped_on_the_index_page():
    row = {
        "name": "<script>alert(1)</script> & Co",
        "ok": False,
        "cause": "<b>bad</b>",
        "href": "editions/x/",
        "has_copy": False,
        "earlier": False,
    }
    waves = [{"wave": "2020", "rows": [row], "labels": ["a"], "headings": ["<i>who</i> a"]}]
    words = editions.IndexWords(["a"], whole="<u>All</u>", units=None, who="people", area="<em>area</em>")
    page = editions.index_page(ROOT, waves=waves, p={"title": "T"}, wave={"synthetic": False}, words=words)
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;b&gt;bad" in page
    assert "One briefing for &lt;u&gt;All&lt;/u&gt; and one for each &lt;em&gt;area&lt;/em&gt;" in page
    assert "<i>" not in page


def test_uncommitted_changes_rebuild_every_edition_and_are_named_in_each(editions_built):
    """Runs late: it leaves the checkout with uncommitted changes (README.md, which no build reads)."""
    project, _ = editions_built
    with open(project / "README.md", "a", encoding="utf-8") as readme:
        readme.write("\nAn uncommitted change.\n")
    result = make(project, "-j2", "editions", ENGINE="pandoc", REGIONS="London")
    assert sorted(re.findall(r"\[\d/2\] editions: (.+) \.\.\. done", result.stdout)) == ["England", "London"]
    for slug in ("england", "london"):
        record = json.loads((published(project, slug) / "findings.json").read_text())["provenance"]
        assert record["code"] == {
            "git": "checkout",
            "commit": git(project, "rev-parse", "HEAD"),
            "uncommitted_changes": True,
        }


def test_an_edition_that_is_no_answer_fails_alone_and_keeps_the_last_good_copy(editions_built):
    """Runs last: it rebuilds with a different list of regions."""
    project, _ = editions_built
    fake = published(project, "atlantis")
    fake.mkdir(parents=True, exist_ok=True)
    (fake / "briefing.html").write_text("last good copy")
    before = digest(fake / "briefing.html")
    result = make(project, "editions", ENGINE="pandoc", REGIONS="South West|Atlantis", check=False)
    assert result.returncode != 0
    assert re.search(
        r"\[[12]/3\] editions: Atlantis \.\.\. FAILED: .*edition 'Atlantis' is not an answer of .*codebook.yml's "
        r"editions.by question 'region'",
        result.stdout,
    )
    assert f"full log: {BUILD}/editions/atlantis.log" in result.stdout
    assert "Traceback" in (project / BUILD / "editions" / "atlantis" / BUILD / "logs" / "notebooks.log").read_text()
    assert digest(fake / "briefing.html") == before
    assert (published(project, "south-west") / "briefing.pdf").is_file()
    page = (project / "_output" / "index.html").read_text(encoding="utf-8")
    assert "This edition failed to build: notebooks:" in page and "is not an answer of" in page
    # every other region of the frame is still published from the earlier run, so still listed, and says so
    assert (
        page.count("built in an earlier run") == len(REGIONS) - 1
        and f'href="editions/{WAVE}/north-west/briefing.pdf"' in page
    )
    again = make(project, "editions", ENGINE="pandoc", REGIONS="South West|Atlantis", check=False)
    assert again.returncode != 0  # the failed edition is retried, the others are up to date
    assert re.findall(r"\[\d/3\] editions: (\S+)", again.stdout) == ["Atlantis"]
    assert digest(fake / "briefing.html") == before


def test_editions_of_another_wave_are_published_beside_these(editions_built):
    """Runs after the tests that rebuild: `make editions WAVE=2019` publishes its editions beside the 2020 ones,
    which stay byte for byte, and the index lists both waves, latest first, every link working."""
    project, _ = editions_built
    before = {p: digest(p) for p in (project / "_output" / "editions" / WAVE).rglob("*") if p.is_file()}
    result = make(project, "-j2", "editions", ENGINE="pandoc", REGIONS="London", WAVE=PREVIOUS)
    assert sorted(re.findall(r"\[\d/2\] editions: (.+) \.\.\. done", result.stdout)) == ["England", "London"]
    assert {p: digest(p) for p in before} == before
    for slug, region in (("england", None), ("london", "London")):
        parameters = json.loads((published(project, slug, PREVIOUS) / "findings.json").read_text())["parameters"]
        assert (parameters["wave"], parameters["edition"]) == (PREVIOUS, region)
    page = (project / "_output" / "index.html").read_text(encoding="utf-8")
    latest, previous = page.split(f'<h2 id="wave-{PREVIOUS}">')
    assert f'<h2 id="wave-{WAVE}">' in latest
    england_before = json.loads((published(project, "england", PREVIOUS) / "findings.json").read_text())["findings"]
    assert f">{percent(england_before['plan_to_leave']['value'])}<" in previous
    assert f">{percent(findings(project, 'england')['plan_to_leave']['value'])}<" in latest
    parser = Links()
    parser.feed(page)
    expected = [
        f"editions/{wave}/{slug}/{name}"
        for wave, slugs in ((WAVE, SLUGS), (PREVIOUS, ["england", "london"]))
        for slug in slugs
        for name, _ in editions.FORMATS
    ]
    assert sorted(parser.links) == sorted(expected)
    assert all((project / "_output" / href).is_file() for href in parser.links)


@pytest.mark.quarto
@pytest.mark.skipif(not shutil.which("quarto"), reason="quarto is not installed")
def test_quarto_renders_each_edition_from_its_own_folder(editions_pristine, tmp_path):
    """A copy of the shared editions, rendered again by Quarto: each edition is rendered again (its analysis is
    already computed) from its own folder."""
    project = copy_built(editions_pristine, tmp_path / "project")
    result = make(project, "-j2", "editions", ENGINE="quarto", REGIONS="South West")
    assert "notebooks:" not in result.stdout  # the engine changed, not the analysis
    england, region = text_of(project, "england"), text_of(project, "south-west")
    assert "South West and the rest of England" in region and "and the rest of England" not in england
    assert "Bath and North East Somerset" in region and "Bath and North East Somerset" not in england
    for slug in ("england", "south-west"):
        figure = edition_figure(project, slug, WAVE)
        assert figure.is_file()
        record = json.loads((published(project, slug) / "findings.json").read_text())["provenance"]
        assert record["versions"]["renderer"]["engine"] == "quarto"
    assert (project / BUILD / "editions" / "south-west" / "_quarto.yml").is_file()


def test_a_failed_edition_names_makes_own_complaint_when_nothing_else_says_why():
    stderr = "make[1]: *** No rule to make target 'scripts/x.py', needed by 'out/briefing.html'.  Stop.\n"
    assert editions.cause_from(stderr) == "No rule to make target 'scripts/x.py', needed by 'out/briefing.html'.  Stop."
    assert editions.cause_from("Traceback (most recent call last):\n  File x\n") == "the build failed; see the log"


def test_only_complete_copies_of_their_own_wave_are_listed(tmp_path):
    """The index lists a wave's folder by what is published in it: not a copy mid-publication (hidden), not one
    built for another wave, not the old one-wave layout (_output/editions/<slug>/)."""

    def copy(folder: Path, wave: str) -> None:
        folder.mkdir(parents=True)
        for name in editions.OUTPUT_NAMES:
            (folder / name).write_text(json.dumps({"parameters": {"wave": wave}}))

    out = tmp_path / "_output"
    copy(out / "editions" / "2020" / "england", "2020")
    copy(out / "editions" / "2020" / "london", "2020")
    (out / "editions" / "2020" / "london" / "briefing.pdf").unlink()  # incomplete
    copy(out / "editions" / "2020" / ".north-west.publishing-x1", "2020")
    copy(out / "editions" / "2019" / "england", "2020")
    copy(out / "editions" / "south-west", "2018")
    assert editions.published_slugs(out / "editions" / "2020", "england") == ["england"]
    assert editions.other_waves(out, "2021", "england") == ["2020"]
    assert editions.other_waves(out, "2020", "england") == []


@pytest.mark.parametrize("wave", ["..", ".", "", "2020/x", "a b"])
def test_a_wave_that_cannot_name_a_folder_is_refused(wave):
    with pytest.raises(ValueError, match="cannot name a folder of _output/editions/"):
        editions.wave_folder(Path("_output"), wave)


def test_an_editions_log_line_is_one_write(monkeypatch):
    """Editions built at once share make's output: a line and its newline written apart (print() does so when
    output is unbuffered) ran two editions' lines together ("England ... done (4.1 s)[2/2] editions: London")."""
    writes = []

    class Output:
        def write(self, text):
            writes.append(text)

        def flush(self):
            pass

    monkeypatch.setattr(sys, "stdout", Output())
    editions.say("[1/2] editions: England ... done (4.1 s)")
    assert writes == ["[1/2] editions: England ... done (4.1 s)\n"]


def built_in_a_process(root: Path, params_path: Path, slug: str, *_) -> None:
    """A stand-in for `editions.build`: which edition was built, in which process."""
    with open(root / "built.txt", "a", encoding="utf-8") as record:
        record.write(f"{slug} {os.getpid()}\n")


@pytest.mark.parametrize("queue", [["london", "north-west", "london", "", "south-west"], ["london"]])
def test_publish_builds_every_queued_edition_once_each_in_a_fresh_process(queue, tmp_path, monkeypatch):
    """Every edition make queued (one queued twice: built once), each in a process of its own forked from the
    call's, so nothing of one edition's build is left in the next one's; one edition alone in the call's own."""
    monkeypatch.setattr(editions, "build", built_in_a_process)
    (tmp_path / "queue").write_text("\n".join(queue) + "\n", encoding="utf-8")
    editions.build_queued(tmp_path, tmp_path / "params.yml", tmp_path / "queue", "pandoc", tmp_path, 3, WAVE)
    built = [line.split() for line in (tmp_path / "built.txt").read_text(encoding="utf-8").splitlines()]
    slugs = list(dict.fromkeys(s for s in queue if s))
    assert sorted(slug for slug, _ in built) == sorted(slugs)
    processes = {int(pid) for _, pid in built}
    if len(slugs) == 1:
        assert processes == {os.getpid()}
    else:
        assert len(processes) == len(slugs) and os.getpid() not in processes
