"""Write the briefing's narrative: Jinja templates under report/templates, filled from findings.json.

StrictUndefined makes a missing figure an error, never a blank. Each `NAME.md.j2` becomes `NAME.md` in the
narrative folder, which report/briefing.qmd includes; templates whose names start with `_` are macros only.
"""

from __future__ import annotations

import argparse
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
import yaml

from briefing import config
from briefing.yamlfile import YAMLFileError
from briefing.analysis import findings as findings_io
from briefing.analysis.stats import SECONDARY, SECONDARY_BASE, SMALL_BASE, SMALL_COMPLEMENT
from briefing.narrative import change_prose, prose, provenance
from briefing.inputs import survey as surveys
from briefing.inputs.codebook import load_codebook
from briefing.inputs.validate import read_survey
from briefing.narrative.context_figures import ContextError, load_context_figures, write_bibliography
from briefing.narrative.quotes import QUOTES_FILE, QuoteError, load_quotes

TEMPLATE_SUFFIX = ".md.j2"
CONTEXT_FIGURES = provenance.CONTEXT_FIGURES  # figures from other publications, cited
BIBLIOGRAPHY = "references.json"  # CSL-JSON, written beside the partials; both render paths cite from it
PROVENANCE = "provenance.json"  # what the briefing was built from; render publishes it inside findings.json


def record_filters(threshold: int) -> dict[str, Any]:
    """Filters that take a whole finding record, so suppression is honoured wherever a figure is shown."""
    small = prose.SUPPRESSED.format(threshold=threshold)

    def marker(record: dict) -> str:
        """A true phrase for a suppressed count: 'fewer than 8', 'all but fewer than 8' (only the complement is
        small), or 'a withheld number of' (withheld only to protect another figure: it is not small itself)."""
        reason = record.get("suppression_reason")
        if reason in (SECONDARY, SECONDARY_BASE):
            return "a withheld number of"
        return prose.SUPPRESSED_COMPLEMENT.format(threshold=threshold) if reason == SMALL_COMPLEMENT else small

    def why_suppressed(record: dict) -> str:
        """Why no figure is shown, in words true of the hidden count."""
        reason = record.get("suppression_reason")
        if reason in (SECONDARY, SECONDARY_BASE):
            return "it is withheld so that a small figure elsewhere cannot be worked out by subtraction"
        if reason == SMALL_BASE:
            return f"{small} clinical directors there answered the question"
        if reason == SMALL_COMPLEMENT:
            return f"{prose.SUPPRESSED_COMPLEMENT.format(threshold=threshold)} of those who answered there do"
        return f"{small} there do"

    def share(record: dict) -> str:
        """'11%', or the suppression marker."""
        if not record["suppressed"]:
            return prose.percent(record["value"])
        return marker(record).replace("a withheld number of", "withheld")

    def share_of(record: dict, group: str) -> str:
        """'over 1 in 10 clinical directors (11%)', 'almost half of clinical directors (49%)', or suppressed."""
        if record["suppressed"]:
            return f"{marker(record)} {group}"
        words = prose.proportion_words(record["value"])
        joined = f"{words} {group}" if " in " in words else f"{words} of {group}"
        return f"{joined} ({prose.percent(record['value'])})"

    def interval(record: dict) -> str:
        """'95% confidence interval 7% to 16%' for the quoted estimate."""
        if record["suppressed"] or record.get("ci_low") is None:
            return "no interval (figure suppressed)"
        level = prose.percent(record["confidence_level"])
        low, high = prose.percent(record["ci_low"]), prose.percent(record["ci_high"])
        if record["kind"] == "comparison":  # a difference: its interval is in percentage points, a minus sign below 0
            return change_prose.change_interval(record)
        return f"{level} confidence interval {low} to {high}"

    def crosses_half(record: dict) -> bool:
        """True when the interval spans 50%: whether it is a majority is then uncertain, which changes the message."""
        return not record["suppressed"] and record["ci_low"] < 0.5 < record["ci_high"]

    return {"share": share, "share_of": share_of, "why_suppressed": why_suppressed, "interval": interval, "crosses_half": crosses_half}


MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~^$@&!+=])")


def markdown_text(value: str) -> str:
    """Data (a region or STP name) as literal Markdown text: every character that could start markup escaped."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", str(value))


def environment(templates_dir: Path, suppression_threshold: int = 8) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # Markdown, not HTML
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    prose.register(env, suppression_threshold)
    env.filters["literal"] = provenance.markdown_literal
    env.filters["code"] = provenance.markdown_code
    env.filters.update(record_filters(suppression_threshold))
    change_prose.register(env)
    env.filters["md"] = markdown_text
    return env


def figures_by_theme(findings: dict[str, Any], question_order: list[str]) -> dict[str, list[dict]]:
    """Each theme's question charts (records with a `question`), in codebook order."""
    charts = [r for r in findings.values() if r["kind"] == "figure" and r.get("question") in question_order]
    charts.sort(key=lambda r: question_order.index(r["question"]))
    themes: dict[str, list[dict]] = {}
    for record in charts:
        themes.setdefault(record["theme"], []).append(record)
    return themes


def wave_quotes(codebook, params: config.Params, root: Path, synthetic: bool) -> dict[str, list]:
    """The quotes data/quotes.yml picks for this wave, by theme (narrative/quotes.py checks and escapes them)."""
    survey = read_survey(root / params.survey_path, codebook, params.wave)
    frame = pd.read_csv(root / params.frame_file, dtype=str)
    return load_quotes(root / surveys.file_of(params.survey, QUOTES_FILE), survey, frame, codebook, params, synthetic)


def context(findings: dict[str, Any], params: config.Params, root: Path, built_from: dict[str, Any]) -> dict[str, Any]:
    codebook = load_codebook(root / params.codebook)
    registry = codebook.findings
    wave = provenance.sidecar(params.survey_path, root)
    f = findings["findings"]
    return {
        "f": f,
        "figures": figures_by_theme(f, list(codebook.questions)),
        # Only what the wave asked: a finding whose question a wave did not ask is absent, never blank.
        "survey_results": [f[fid] for fid in registry if fid in f],
        "changes": [f[fid + "_change"] for fid in registry if fid + "_change" in f],
        "compare": provenance.sidecar(surveys.wave_file(root, params.survey, params.compare_wave), root) if params.compare_wave else None,
        "c": load_context_figures(root / surveys.file_of(params.survey, CONTEXT_FIGURES)),
        "p": params,
        "wave": wave,
        "quotes": wave_quotes(codebook, params, root, bool(wave.get("synthetic"))),
        "frame_source": provenance.sidecar(params.frame_file, root),
        # the comparison wave's own frame, when the change notebook says how the frame moved
        "compare_frame_source": provenance.sidecar(f["pcn_count_change"]["previous_frame_file"], root) if "pcn_count_change" in f else None,
        "publication_date": config.publication_date(params, root),
        "provenance": built_from,
        # Whether cross-edition disclosure control withheld any figure here: the methods then say why.
        "secondary_suppression": any(r.get("suppression_reason") in (SECONDARY, SECONDARY_BASE) for r in f.values())
        or any(row.get("withheld") for r in f.values() for row in r.get("rows") or []),
    }


def metadata(ctx: dict[str, Any]) -> dict[str, Any]:
    """Document metadata both render paths read (title block, language); built here, not templated, so any
    character in a title is safely quoted."""
    params, wave = ctx["p"], ctx["wave"]
    subtitle = f"{wave['title']}" + (f": {markdown_text(params.region)}" if params.region else ": England")
    return {
        "title": params.title,
        "subtitle": subtitle,
        "date": ctx["publication_date"].strftime("%-d %B %Y"),
        "publisher": params.publisher,
        "lang": "en-GB",
        **({"fieldwork": wave["fieldwork"]} if wave.get("fieldwork") else {}),  # optional in a wave's .meta.yml
    }


def render_all(
    findings_path: Path, params: config.Params, templates_dir: Path, out_dir: Path,
    params_path: Path | None = None, engine: str = "auto",
) -> list[Path]:  # fmt: skip
    env = environment(templates_dir, params.suppression_threshold)
    root = config.find_root(templates_dir)
    built_from = provenance.record(params, params_path or root / config.PARAMS_FILE, root, engine)
    ctx = context(findings_io.load(findings_path), params, root, built_from)
    names = sorted(p.name for p in templates_dir.glob(f"*{TEMPLATE_SUFFIX}") if not p.name.startswith("_"))
    if not names:
        raise FileNotFoundError(f"no {TEMPLATE_SUFFIX} templates in {templates_dir}")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".narrative-", dir=out_dir.parent))
    try:
        for name in names:
            try:
                text = env.get_template(name).render(ctx)
            except jinja2.UndefinedError as error:
                raise jinja2.UndefinedError(f"{templates_dir / name}: {error}") from error
            (staging / name.removesuffix(".j2")).write_text(text, encoding="utf-8")
        write_bibliography(ctx["c"], staging / BIBLIOGRAPHY)
        provenance.write(built_from, staging / PROVENANCE)
        (staging / "metadata.yml").write_text(
            yaml.safe_dump(metadata(ctx), allow_unicode=True, sort_keys=True), encoding="utf-8"
        )
        shutil.rmtree(out_dir, ignore_errors=True)
        staging.rename(out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return sorted(out_dir.iterdir())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Render the narrative partials from findings.json")
    parser.add_argument("--findings", default="build/findings.json", type=Path)
    parser.add_argument("--params", default=None)
    parser.add_argument("--wave", default=None, help="the reported wave (default: params.yml's)")
    parser.add_argument("--templates", default="report/templates", type=Path)
    parser.add_argument("--out", default="build/narrative", type=Path)
    parser.add_argument("--engine", default="auto", choices=("auto", "quarto", "pandoc"), help="for the provenance record")
    args = parser.parse_args(argv)
    params_path = Path(args.params) if args.params else None
    params = findings_io.resolved_params(args.params, args.wave)  # the wave's own frame and comparison wave
    try:
        written = render_all(args.findings, params, args.templates, args.out, params_path, args.engine)
    except (QuoteError, ContextError, YAMLFileError, FileNotFoundError) as error:  # the inputs: a sentence, not a traceback
        raise SystemExit(f"narrative: {error}\nThe narrative was not written; the previous briefing is unchanged.")
    print(f"narrative: {len(written)} files in {args.out}")


if __name__ == "__main__":
    main()
