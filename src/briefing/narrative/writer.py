"""Write the briefing's narrative: Jinja templates under report/templates, filled from findings.json.

StrictUndefined makes a missing figure an error, never a blank. Each `NAME.md.j2` becomes `NAME.md` in the
narrative folder, which report/briefing.qmd includes; templates whose names start with `_` are macros only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import jinja2
import yaml

from briefing import config
from briefing.analysis import findings as findings_io
from briefing.narrative import change_prose, prose
from briefing.inputs.codebook import load_codebook
from briefing.narrative.context_figures import load_context_figures, write_bibliography

TEMPLATE_SUFFIX = ".md.j2"
CONTEXT_FIGURES = "data/context/context_figures.yml"  # figures from other publications, cited
BIBLIOGRAPHY = "references.json"  # CSL-JSON, written beside the partials; both render paths cite from it


def record_filters(threshold: int) -> dict[str, Any]:
    """Filters that take a whole finding record, so suppression is honoured wherever a figure is shown."""
    marker = prose.SUPPRESSED.format(threshold=threshold)

    def share(record: dict) -> str:
        """'11%', or the suppression marker."""
        return marker if record["suppressed"] else prose.percent(record["value"])

    def share_of(record: dict, group: str) -> str:
        """'over 1 in 10 clinical directors (11%)', 'almost half of clinical directors (49%)', or suppressed."""
        if record["suppressed"]:
            return f"{marker} {group}"
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

    return {"share": share, "share_of": share_of, "interval": interval, "crosses_half": crosses_half}


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
    env.filters.update(record_filters(suppression_threshold))
    change_prose.register(env)
    return env


def build_date() -> dt.date:
    """Today, or SOURCE_DATE_EPOCH's date when set (reproducible builds convention)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date() if epoch else dt.date.today()


def sidecar(data_file: str | Path, root: Path) -> dict[str, Any]:
    """The provenance record kept beside a data file (`name.meta.yml`): origin, date, licence, synthetic or not."""
    path = root / Path(data_file).with_suffix(".meta.yml")
    if not path.is_file():
        raise FileNotFoundError(f"{data_file}: no provenance record {path.relative_to(root)} beside it")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def context(findings: dict[str, Any], params: config.Params, root: Path) -> dict[str, Any]:
    registry = load_codebook(root / params.codebook).findings
    f = findings["findings"]
    return {
        "f": f,
        # Only what the wave asked: a finding whose question a wave did not ask is absent, never blank.
        "survey_results": [f[fid] for fid in registry if fid in f],
        "changes": [f[fid + "_change"] for fid in registry if fid + "_change" in f],
        "compare": sidecar(params.survey_file.format(wave=params.compare_wave), root) if params.compare_wave else None,
        "c": load_context_figures(root / CONTEXT_FIGURES),
        "p": params,
        "wave": sidecar(params.survey_path, root),
        "frame_source": sidecar(params.frame_file, root),
        "build_date": build_date(),
    }


def metadata(ctx: dict[str, Any]) -> dict[str, Any]:
    """Document metadata both render paths read (title block, language); built here, not templated, so any
    character in a title is safely quoted."""
    params, wave = ctx["p"], ctx["wave"]
    subtitle = f"{wave['title']}" + (f": {params.region}" if params.region else ": England")
    return {
        "title": params.title,
        "subtitle": subtitle,
        "date": ctx["build_date"].strftime("%-d %B %Y"),
        "publisher": params.publisher,
        "lang": "en-GB",
        **({"fieldwork": wave["fieldwork"]} if wave.get("fieldwork") else {}),  # optional in a wave's .meta.yml
    }


def render_all(findings_path: Path, params: config.Params, templates_dir: Path, out_dir: Path) -> list[Path]:
    env = environment(templates_dir, params.suppression_threshold)
    ctx = context(findings_io.load(findings_path), params, config.find_root(templates_dir))
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
    args = parser.parse_args(argv)
    params = findings_io.resolved_params(args.params, args.wave)  # the wave's own frame and comparison wave
    written = render_all(args.findings, params, args.templates, args.out)
    print(f"narrative: {len(written)} files in {args.out}")


if __name__ == "__main__":
    main()
