"""Write the briefing's narrative: Jinja templates filled from findings.json and the codebook.

Every survey gets the generic sections of report/templates (SECTIONS): each `NAME.md.j2` becomes `NAME.md` in the
narrative folder, which report/briefing.qmd includes, and `theme.md.j2` is rendered once per theme of the codebook,
in its order, into one `themes.md` that holds each theme's heading (its title, its id as the anchor). A survey's
own `templates/` folder, beside its codebook, overrides any of them: `NAME.md.j2` a section, `theme-<id>.md.j2`
one theme (its heading still comes from the codebook), `_NAME.md.j2` holds its own macros. A file there that
overrides nothing is an error naming it. Templates whose names start with `_` are macros only.

StrictUndefined makes a missing figure an error, never a blank: a template naming a finding that findings.json
lacks is an error naming the template and the finding.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import jinja2
import yaml

from briefing import config
from briefing.analysis import findings as findings_io
from briefing.analysis.suppression import SECONDARY, SECONDARY_BASE, SMALL_BASE, SMALL_COMPLEMENT
from briefing.inputs import survey as surveys
from briefing.inputs.codebook import load_codebook
from briefing.narrative import captions, change_prose, escape, prose, provenance
from briefing.narrative.context_figures import (
    ContextError,
    available_by,
    fieldwork_end,
    fieldwork_words,
    load_context_figures,
    write_bibliography,
)
from briefing.narrative.quotes import QUOTES_FILE, Quote, QuoteError, load_quotes
from briefing.yamlfile import YAMLFileError

TEMPLATE_SUFFIX = ".md.j2"
# The templates as compiled, kept between builds (the Makefile's narrative rule and every edition's narrative): a
# template is found there by its name and path as the loader gives it (report/templates/..., the same in every
# edition's folder), and used only while its source is unchanged (Jinja compares the source's checksum).
COMPILED_TEMPLATES = "build/templates.compiled"
CONTEXT_FIGURES = provenance.CONTEXT_FIGURES  # figures from other publications, cited (beside the codebook)
# The sections every briefing has, each a partial report/briefing.qmd includes; "themes" is rendered per theme.
SECTIONS = (
    "notice",
    "key_findings",
    "edition",
    "change",
    "overview",
    "themes",
    "context",
    "population",
    "methods",
    "references",
    "provenance",
)
THEME_TEMPLATE = "theme" + TEMPLATE_SUFFIX
THEME_OVERRIDE = re.compile(r"theme-(?P<id>.+)" + re.escape(TEMPLATE_SUFFIX))
SURVEY_TEMPLATES = "templates"  # a survey's overrides, beside its codebook
SPEAKER_MACROS = "_speaker" + TEMPLATE_SUFFIX  # a survey's own `speaker(q)` macro: who said a quote
ANCHOR = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")  # a theme id that can be a heading's anchor as it is
UNKNOWN_ATTRIBUTE = re.compile(r"has no attribute '(?P<name>[^']+)'")
BIBLIOGRAPHY = "references.json"  # CSL-JSON, written beside the partials; both render paths cite from it
PROVENANCE = "provenance.json"  # what the briefing was built from; render publishes it inside findings.json


SUMMARY_SHARES = 3  # the key findings' panel: at most this many theme headlines beyond what the lede says

# The forms a finding's headline sentence takes, in turn: its share in words, its count, its percentage.
HEADLINE_FORMS = ("share", "count", "percent")


class NarrativeError(ValueError):
    """A template cannot be rendered for this survey; the message names the template file and what is wrong."""


def record_filters(threshold: int, respondents: str = "respondents") -> dict[str, Any]:
    """Filters that take a whole finding record, so suppression is honoured wherever a figure is shown.
    `respondents`: who answered, in the plural (the codebook's words)."""
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
            return f"{small} {respondents} there answered the question"
        if reason == SMALL_COMPLEMENT:
            return f"{prose.SUPPRESSED_COMPLEMENT.format(threshold=threshold)} of those who answered there do"
        return f"{small} there do"

    def share(record: dict) -> str:
        """'11%', or the suppression marker."""
        if not record["suppressed"]:
            return prose.percent(record["value"])
        return marker(record).replace("a withheld number of", "withheld")

    def share_of(record: dict, group: str) -> str:
        """'about 1 in 10 ward sisters (11%)', 'almost half of ward sisters (49%)', or suppressed: the words hold for the
        value and its interval alike (prose.hedged_words)."""
        if record["suppressed"]:
            return f"{marker(record)} {group}"
        words = prose.hedged_words(record["value"], record.get("ci_low"), record.get("ci_high"))
        return f"{prose.share_phrase(words, group)} ({prose.percent(record['value'])})"

    def interval(record: dict) -> str:
        """'95% confidence interval 7% to 16%' for the quoted estimate."""
        if record["suppressed"] or record.get("ci_low") is None:
            return "no interval (figure suppressed)"
        level = prose.percent(record["confidence_level"])
        low, high = prose.percent(record["ci_low"]), prose.percent(record["ci_high"])
        if record["kind"] == "comparison":  # a difference: its interval is in percentage points, a minus sign below 0
            return change_prose.change_interval(record)
        return f"{level} confidence interval {low} to {high}"

    forms = itertools.cycle(HEADLINE_FORMS)  # one cycle per environment: per briefing, in reading order

    def headline_text(record: dict, group: str, with_interval: bool = False) -> str:
        """A finding's headline sentence, its form the next of HEADLINE_FORMS (so no form follows itself more than
        twice running): "About half of ward sisters (54%) say ...", "Forty-one of the 195 ward sisters who answered
        say ... (21%)", "Twenty-one per cent of ward sisters say ...". The count form only where the quoted share is
        the count's (an unweighted estimate); a suppressed figure has the one form that can say so."""
        what = record["description"]
        if record["suppressed"]:
            return f"{prose.capfirst(share_of(record, group))} {what}."
        form = next(forms)
        if form == "count" and (record.get("estimate") == "weighted" or record.get("numerator") is None):
            form = next(forms)
        span = interval(record) if with_interval and record.get("ci_low") is not None else None
        if form == "count":
            figures = prose.percent(record["value"]) + (f"; {span}" if span else "")
            return (
                f"{prose.sentence_start(prose.count(record['numerator']))} of the {prose.count(record['denominator'])} "
                f"{group} who answered {what} ({figures})."
            )
        tail = f" ({span})" if span else ""
        if form == "percent":
            return f"{prose.sentence_start(prose.percent(record['value']))} of {group} {what}{tail}."
        return f"{prose.capfirst(share_of(record, group))} {what}{tail}."

    def area_groups(results: list[dict], f: dict[str, Any], suffix: str = "_vs_rest") -> dict[str, list]:
        """An edition's comparisons with the rest of the whole, grouped so that each kind is said once: the ones the
        test supports or bounds as small (each its own sentence), the ones it cannot tell from chance (one sentence
        for all), and those not compared, by the reason no figure is published (one sentence per reason)."""
        groups: dict[str, list] = {"each": [], "uncertain": [], "hidden": []}
        reasons: dict[str, list] = {}
        for r in results:
            cmp = f.get(r["id"] + suffix)
            if r.get("subgroup") is not None or cmp is None:
                continue
            if cmp.get("suppressed"):
                reasons.setdefault(why_suppressed(r), []).append(r)
            elif prose.difference_kind(cmp) == prose.UNCERTAIN:
                groups["uncertain"].append({"finding": r, "cmp": cmp})
            else:
                groups["each"].append({"finding": r, "cmp": cmp})
        for reason, rows in reasons.items():
            plural = len(rows) > 1 and reason.startswith("it is ")
            groups["hidden"].append({"findings": rows, "reason": "they are " + reason[6:] if plural else reason})
        return groups

    return {
        "area_groups": area_groups,
        "share": share,
        "share_of": share_of,
        "why_suppressed": why_suppressed,
        "interval": interval,
        "headline_text": headline_text,
    }


def literal(value: Any) -> escape.Markdown:
    """A parameter's value as params.yml would spell it ("null", "true"), as literal Markdown."""
    return escape.markdown("null" if value is None else str(value).lower() if isinstance(value, bool) else value)


def environment(
    templates_dir: Path,
    suppression_threshold: int = 8,
    survey_dir: Path | None = None,
    respondents: str = "respondents",
    compiled: Path | None = None,
) -> jinja2.Environment:
    """The templates' environment: a survey's own templates (`survey_dir`) before the generic ones. Whatever a
    template prints is data, escaped for Markdown (escape.py), unless it is Markdown the project made: a macro's
    output, a code span, a quote (escaped when read), a citation. `compiled`: a folder that keeps each template
    compiled, so a build compiles only the templates whose text changed (Jinja checks each one's source)."""
    folders = [str(d) for d in (survey_dir, templates_dir) if d is not None and d.is_dir()]
    if compiled is not None:
        compiled.mkdir(parents=True, exist_ok=True)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folders),
        bytecode_cache=jinja2.FileSystemBytecodeCache(str(compiled)) if compiled is not None else None,
        undefined=jinja2.StrictUndefined,
        autoescape=True,  # so macros' output is marked safe; `finalize` escapes for Markdown, not HTML
        finalize=escape.environment_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    prose.register(env, suppression_threshold)
    env.filters.update(record_filters(suppression_threshold, respondents))
    change_prose.register(env)
    env.filters.update(literal=literal, code=escape.markdown_code)
    return env


def figures_by_theme(findings: dict[str, Any], question_order: list[str]) -> dict[str, list[dict]]:
    """Each theme's question charts (records with a `question`), in codebook order."""
    charts = [r for r in findings.values() if r["kind"] == "figure" and r.get("question") in question_order]
    charts.sort(key=lambda r: question_order.index(r["question"]))
    themes: dict[str, list[dict]] = {}
    for record in charts:
        themes.setdefault(record["theme"], []).append(record)
    return themes


def narrowest_margin(f: dict[str, Any]) -> float | None:
    """The smallest margin of error (the interval's larger half-width) of a published share: the methods set the
    "little changed" rule beside it."""
    margins = [
        max(r["value"] - r["ci_low"], r["ci_high"] - r["value"])
        for r in f.values()
        if r["kind"] == "proportion" and not r.get("suppressed") and r.get("ci_low") is not None
    ]
    return min(margins) if margins else None


def survey_folder(codebook) -> Path:
    """Where a survey's own files are (quotes, context figures, template overrides): its codebook's folder."""
    return codebook.path.parent


def wave_quotes(
    codebook, params: config.Params, root: Path, synthetic: bool, typed: Path | None = None
) -> dict[str, list]:
    """The quotes the survey's quotes.yml picks for this wave, by theme (narrative/quotes.py checks and escapes them).
    The one part of the narrative that reads the wave: the notebook runner picks them beside the notebooks
    (write_quotes, a step of the build plan), from the wave's validated, typed copy (`typed`, inputs/validated.py);
    without one, the wave's file is read and validated."""
    if codebook.quotes is None:
        return {}
    # (here, not above: rendering the templates from picked quotes never loads pandas)
    from briefing.inputs import validated

    if typed:
        survey, frame = validated.read(root / typed)
    else:
        from briefing.inputs.validate import read_survey

        survey = read_survey(root / params.survey_path, codebook, params.wave)
        frame = validated.load_frame(root / params.frame_file, codebook) if params.frame_file else None
    return load_quotes(survey_folder(codebook) / QUOTES_FILE, survey, frame, codebook, params, synthetic)


def write_quotes(params: config.Params, out: Path, root: Path, typed: Path | None = None) -> Path:
    """The wave's quotes (wave_quotes) as JSON, for the narrative to render without reading the wave again."""
    codebook = load_codebook(root / params.codebook)
    synthetic = bool(provenance.sidecar(params.survey_path, root).get("synthetic"))
    picked = {
        theme: [{**vars(quote), "cell": {k: plain(v) for k, v in quote.cell.items()}} for quote in quotes]
        for theme, quotes in wave_quotes(codebook, params, root, synthetic, typed).items()
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(picked, ensure_ascii=False, indent=1), encoding="utf-8")
    return out


def plain(value: Any) -> Any:
    """A quote's cell value as JSON holds it: numpy's scalars as Python's, pandas' NA (no answer) as None."""
    import pandas as pd  # (loaded already: the quotes were read from the wave)

    return None if value is pd.NA else value.item() if hasattr(value, "item") else value


def read_quotes(path: Path) -> dict[str, list[Quote]]:
    """The quotes write_quotes wrote: their text and attribution already redacted and escaped (Markdown)."""
    picked = json.loads(path.read_text(encoding="utf-8"))
    return {
        theme: [
            Quote(**{**q, "text": escape.Markdown(q["text"]), "attribution": escape.Markdown(q["attribution"])})
            for q in quotes
        ]
        for theme, quotes in picked.items()
    }


def context_figures(codebook, dates: surveys.WaveDates) -> dict[str, dict]:
    """The survey's figures from other publications, where it has them: those published by the end of the wave's
    fieldwork (a briefing of a wave never cites what came out after it)."""
    path = survey_folder(codebook) / CONTEXT_FIGURES
    if not path.is_file():
        return {}
    return with_citations(available_by(load_context_figures(path), fieldwork_end(dates)))


def subgroup_view(subgroup) -> dict[str, Any]:
    """What templates say of a subgroup: its label, its description ("on wards with fewer than 20
    beds") and its bounds as the codebook writes them (for a survey's own wording)."""
    return {
        "id": subgroup.id,
        "label": subgroup.label,
        "description": subgroup.description(),
        "bounds": subgroup.placeholders(),
    }


def comparison_views(codebook, f: dict[str, Any]) -> list[dict[str, Any]]:
    """Each declared subgroup comparison the findings hold: its record, the finding in each subgroup, and who the
    subgroups are."""
    views = []
    for comparison in codebook.comparisons:
        ids = (comparison.id, *comparison.parts)
        if all(i in f for i in ids):
            first, second = (codebook.subgroups[s] for s in (comparison.first, comparison.second))
            views.append(
                {
                    "id": comparison.id,
                    "finding": comparison.finding,
                    "record": f[comparison.id],
                    "first": f[comparison.parts[0]],
                    "second": f[comparison.parts[1]],
                    "a": subgroup_view(first),
                    "b": subgroup_view(second),
                    "theme": codebook.findings[comparison.finding].theme,
                    # its chart: a figure of bars that include the first subgroup's finding
                    "charts": [
                        r for r in f.values() if r["kind"] == "figure" and comparison.parts[0] in (r.get("bars") or ())
                    ],
                }
            )
    return views


def theme_views(codebook, f: dict[str, Any], figures: dict, quotes: dict, comparisons: list) -> list[dict[str, Any]]:
    """Each theme, in the codebook's order: its findings of all respondents that the wave gave (headline first),
    its subgroup comparisons, its charts and its quotes."""
    views = []
    for theme in codebook.themes.values():
        findings = [
            f[fid]
            for fid, spec in codebook.findings.items()
            if spec.theme == theme.id and spec.subgroup is None and fid in f
        ]
        views.append(
            {
                "id": theme.id,
                "title": theme.title,
                "findings": findings,
                "headline": findings[0] if findings else None,
                "comparisons": [c for c in comparisons if c["theme"] == theme.id],
                "charts": figures.get(theme.id, []),
                "quotes": quotes.get(theme.id, []),
            }
        )
    return views


def context(
    findings: dict[str, Any],
    params: config.Params,
    root: Path,
    built_from: dict[str, Any],
    quotes_file: Path | None = None,
    typed: Path | None = None,
) -> dict[str, Any]:
    """What the templates see. `quotes_file`: the wave's quotes as write_quotes wrote them (else picked here, from
    the wave's validated copy `typed`, or from the wave's file without one)."""
    codebook = load_codebook(root / params.codebook)
    registry = codebook.findings
    wave = provenance.sidecar(params.survey_path, root)
    dates = surveys.wave_dates(root, params.survey_path)
    f = findings["findings"]
    figures = figures_by_theme(f, list(codebook.questions))
    quotes = (
        read_quotes(quotes_file)
        if quotes_file
        else wave_quotes(codebook, params, root, bool(wave.get("synthetic")), typed)
    )
    comparisons = comparison_views(codebook, f)
    frame = codebook.population.frame
    compare_file = surveys.wave_file(root, params.survey, params.compare_wave) if params.compare_wave else None
    return {
        "f": f,
        "figures": figures,
        # the width rule of "little changed" (prose.NARROW), and the narrowest margin of error of a share here
        "narrow": prose.NARROW,
        "summary_shares": SUMMARY_SHARES,
        "narrowest_margin": narrowest_margin(f),
        "chart_notes": {
            fid: captions.chart_note(r, f, codebook, codebook.respondents.plural)
            for fid, r in f.items()
            if r["kind"] == "figure"
        },
        # Only what the wave asked: a finding whose question a wave did not ask is absent, never blank.
        "survey_results": [f[fid] for fid in registry if fid in f],
        "changes": [f[fid + "_change"] for fid in registry if fid + "_change" in f],
        "compare": provenance.sidecar(compare_file, root) if compare_file else None,
        "c": context_figures(codebook, dates),
        # each wave's fieldwork in words ("not recorded" when its record gives no dates), printed for every wave
        "fieldwork": fieldwork_words(dates),
        "fieldwork_known": dates.fieldwork is not None,
        "compare_fieldwork": fieldwork_words(surveys.wave_dates(root, compare_file)) if compare_file else None,
        "p": params,
        "wave": wave,
        "quotes": quotes,
        # The codebook's words: who answered, the survey, its subgroups, themes and declared comparisons.
        "survey": codebook.survey,
        "respondents": codebook.respondents,
        "area": params.edition or codebook.survey.coverage,  # what the briefing speaks for (None: not stated)
        "subgroups": {sid: subgroup_view(s) for sid, s in codebook.subgroups.items()},
        "comparisons": comparisons,
        "themes": theme_views(codebook, f, figures, quotes, comparisons),
        "population": codebook.population,
        "unit": frame.unit if frame else None,
        "editions": codebook.editions,
        "frame_source": provenance.sidecar(params.frame_file, root) if frame else None,
        # the comparison wave's own frame, when the change notebook says how the frame moved
        "compare_frame_source": compared_frame_source(f, root),
        "publication_date": config.publication_date(params, root),
        "provenance": built_from,
        # Whether cross-edition disclosure control withheld any figure here: the methods then say why.
        "secondary_suppression": any(r.get("suppression_reason") in (SECONDARY, SECONDARY_BASE) for r in f.values())
        or any(row.get("withheld") for r in f.values() for row in r.get("rows") or []),
    }


def compared_frame_source(f: dict[str, Any], root: Path) -> dict[str, Any] | None:
    """The record of the frame the comparison wave was set against, when a finding names it."""
    previous = next((r["previous_frame_file"] for r in f.values() if r.get("previous_frame_file")), None)
    return provenance.sidecar(previous, root) if previous else None


def with_citations(figures: dict[str, dict]) -> dict[str, dict]:
    """Context figures whose `cite` ("[@key]") is Markdown to print as it is: context_figures checked the key."""
    return {fid: {**fig, "cite": escape.Markdown(fig["cite"])} for fid, fig in figures.items()}


def metadata(ctx: dict[str, Any]) -> dict[str, Any]:
    """Document metadata both render paths read (title block, language). Both read a metadata file's strings as
    Markdown, so each is escaped (escape.py); `publisher-meta` is the publisher for the HTML page's <meta> tag."""
    params, wave = ctx["p"], ctx["wave"]
    text = {
        "title": params.title,
        "subtitle": f"{wave['title']}: {ctx['area']}" if ctx["area"] else wave["title"],
        "publisher": params.publisher,
        "fieldwork": ctx["fieldwork"],
    }
    return {
        **{key: str(escape.markdown(value)) for key, value in text.items()},
        "publisher-meta": str(escape.raw_html(params.publisher)),
        "date": ctx["publication_date"].strftime("%-d %B %Y"),
        "lang": "en-GB",
    }


def survey_templates(survey_dir: Path, themes: dict) -> dict[str, Path]:
    """A survey's overrides by template name, each checked: a section, a theme's, or macros (`_` first)."""
    overrides = (
        {path.name: path for path in sorted(survey_dir.glob(f"*{TEMPLATE_SUFFIX}"))} if survey_dir.is_dir() else {}
    )
    for name, path in overrides.items():
        theme = THEME_OVERRIDE.fullmatch(name)
        if theme and theme["id"] not in themes:
            raise NarrativeError(
                f"{path}: overrides theme {theme['id']!r}, which is not a theme of the codebook "
                f"(themes: {', '.join(themes)})"
            )
        if not theme and not name.startswith("_") and name.removesuffix(TEMPLATE_SUFFIX) not in SECTIONS:
            raise NarrativeError(
                f"{path}: overrides no section of the briefing (sections: "
                f"{', '.join(s for s in SECTIONS if s != 'themes')}; a theme: theme-<id>{TEMPLATE_SUFFIX}; "
                f"macros: _<name>{TEMPLATE_SUFFIX})"
            )
    return overrides


def render(env: jinja2.Environment, name: str, ctx: dict[str, Any]) -> str:
    """One template rendered; a name it uses that is not there (a finding findings.json lacks) is an error naming
    the template's file and the name."""
    try:
        template = env.get_template(name)
    except jinja2.TemplateSyntaxError as error:  # a survey's override as written: its file, line and the rule
        raise NarrativeError(f"{error.filename or name}: line {error.lineno}: {error.message}") from None
    try:
        return template.render(ctx)
    except jinja2.UndefinedError as error:
        missing = UNKNOWN_ATTRIBUTE.search(str(error))
        if missing and str(error).startswith("'dict object'"):
            raise NarrativeError(
                f"{template.filename}: names finding {missing['name']!r}, which is not among this "
                "briefing's findings (the codebook's findings, their subgroup comparisons and "
                "changes, and the notebooks' figures)"
            ) from None
        raise NarrativeError(f"{template.filename}: {error}") from None


def themes_partial(env: jinja2.Environment, ctx: dict[str, Any], overrides: dict[str, Path]) -> str:
    """Every theme's section, in the codebook's order: its heading (title, and its id as the anchor) and its body,
    from the survey's `theme-<id>` template or the generic one."""
    sections = []
    for theme in ctx["themes"]:
        if not ANCHOR.fullmatch(theme["id"]):
            raise NarrativeError(
                f"{ctx['codebook_path']}: themes: theme id {theme['id']!r} must be letters, digits, "
                "_ and - (starting with a letter): it is the section's anchor"
            )
        own = f"theme-{theme['id']}{TEMPLATE_SUFFIX}"
        body = render(env, own if own in overrides else THEME_TEMPLATE, {**ctx, "theme": theme})
        sections.append(f"## {escape.markdown(theme['title'])} {{#{theme['id']}}}\n\n{body}")
    return "\n\n".join(sections)


def render_all(
    findings_path: Path,
    params: config.Params,
    templates_dir: Path,
    out_dir: Path,
    params_path: Path | None = None,
    engine: str = "auto",
    quotes_file: Path | None = None,
    compiled: Path | None = None,
    typed: Path | None = None,
) -> list[Path]:
    root = config.find_root(templates_dir)
    built_from = provenance.record(params, params_path or root / config.PARAMS_FILE, root, engine)
    ctx = context(findings_io.load(findings_path), params, root, built_from, quotes_file, typed)
    codebook_path = root / params.codebook
    survey_dir = codebook_path.parent / SURVEY_TEMPLATES
    overrides = survey_templates(survey_dir, {t["id"]: t for t in ctx["themes"]})
    env = environment(templates_dir, params.suppression_threshold, survey_dir, ctx["respondents"].plural, compiled)
    ctx["codebook_path"] = codebook_path
    ctx["speaker_macros"] = SPEAKER_MACROS if SPEAKER_MACROS in overrides else None
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".narrative-", dir=out_dir.parent))
    try:
        for section in SECTIONS:
            if section == "themes":
                text = themes_partial(env, ctx, overrides)
            else:
                text = render(env, section + TEMPLATE_SUFFIX, ctx)
            (staging / f"{section}.md").write_text(text, encoding="utf-8")
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
    parser.add_argument("--findings", default="build/current/findings.json", type=Path)
    parser.add_argument("--params", default=None)
    parser.add_argument("--wave", default=None, help="the reported wave (default: params.yml's)")
    parser.add_argument("--templates", default="report/templates", type=Path)
    parser.add_argument("--out", default="build/current/narrative", type=Path)
    parser.add_argument(
        "--engine", default="auto", choices=("auto", "quarto", "pandoc"), help="for the provenance record"
    )
    parser.add_argument(
        "--quotes", type=Path, help="the wave's quotes as the runner picked them (write_quotes; default: the wave)"
    )
    parser.add_argument("--typed", type=Path, help="the wave's validated, typed copy, to pick its quotes from")
    parser.add_argument("--compiled", type=Path, help="a folder keeping the templates compiled between builds")
    args = parser.parse_args(argv)
    params_path = Path(args.params) if args.params else None
    params = findings_io.resolved_params(args.params, args.wave)  # the wave's own frame and comparison wave
    try:
        written = render_all(
            args.findings,
            params,
            args.templates,
            args.out,
            params_path,
            args.engine,
            args.quotes,
            args.compiled,
            args.typed,
        )
    except (
        NarrativeError,
        QuoteError,
        ContextError,
        YAMLFileError,
        FileNotFoundError,
    ) as error:  # the inputs: a sentence, not a traceback
        raise SystemExit(
            f"narrative: {error}\nThe narrative was not written; the previous briefing is unchanged."
        ) from None
    print(f"narrative: {len(written)} files in {args.out}")


if __name__ == "__main__":
    main()
