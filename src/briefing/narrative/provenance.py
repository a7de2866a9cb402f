"""What a briefing was built from: its input files (SHA-256, origin, licence), parameters, software versions and the
code's version.

One record, made once by the narrative step (`build/narrative/provenance.json`): the appendix template shows it and
the render step publishes it inside findings.json. Nothing in it depends on when or in which folder the build ran
(paths are relative to the project root; the only clock is SOURCE_DATE_EPOCH), so two builds of the same inputs give
the same bytes, and the record says how to get them again.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import platform
import shlex
import shutil
import subprocess
from pathlib import Path, PurePosixPath
from typing import Any

from briefing import config, plan, quarto, yamlfile
from briefing.analysis import findings as findings_io
from briefing.inputs import survey
from briefing.narrative.quotes import QUOTES_FILE

CONTEXT_FIGURES = "context/context_figures.yml"  # a survey's figures from other publications, beside its codebook

HASH_NAME = "SHA-256"
# Packages whose versions decide the figures or the pages (the full pins are in requirements.lock).
KEY_PACKAGES = (
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "pandera",
    "matplotlib",
    "papermill",
    "jinja2",
    "pypandoc_binary",
    "typst",
)


NOT_RECORDED = "not recorded"  # an origin or licence its record leaves out (a drafted record's null)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sidecar(data_file: str | Path, root: Path) -> dict[str, Any]:
    """The provenance record kept beside a data file (`name.meta.yml`): origin, date, licence, synthetic or not."""
    path = root / Path(data_file).with_suffix(".meta.yml")
    if not path.is_file():
        raise FileNotFoundError(f"{data_file}: no provenance record {path.relative_to(root)} beside it")
    return yamlfile.load_mapping(path, "provenance record")


def origin_of(record: dict[str, Any]) -> str:
    """Where a file came from, in one line: its `origin`, or its source and publication ("not recorded": none)."""
    if record.get("origin"):
        return str(record["origin"])
    publication = record.get("publication") or {}
    parts = [record.get("source"), publication.get("title"), publication.get("url")]
    return ", ".join(str(part) for part in parts if part) or NOT_RECORDED


def input_record(role: str, relative: str, root: Path, meta: dict[str, Any] | None) -> dict[str, Any]:
    path = root / relative
    if not path.is_file():
        raise FileNotFoundError(f"{relative}: input not found (needed for the provenance record)")
    record = {"role": role, "path": relative, "sha256": sha256(path)}
    if meta is not None:
        record |= {
            "origin": origin_of(meta),
            "licence": str(meta.get("licence") or NOT_RECORDED),
            "synthetic": bool(meta.get("synthetic", False)),
        }
    return record


def relative_to_root(path: Path, root: Path) -> str:
    path = path if path.is_absolute() else Path.cwd() / path
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        raise ValueError(
            f"{path}: parameters file outside the project {root}; the record names files by project path"
        ) from None


def compared_inputs(params: config.Params, params_path: Path, root: Path) -> tuple[tuple[str, str], ...]:
    """The comparison wave and its own year's frame (where the survey has one), when the briefing compares waves."""
    if not params.compare_wave:
        return ()
    compared = survey.wave_inputs(root, params, params.compare_wave)
    return (
        ("comparison wave", compared.survey_path),
        *([("comparison frame", compared.frame_file)] if compared.frame_file else []),
    )


def survey_extras(params: config.Params, root: Path) -> tuple[tuple[str, str], ...]:
    """The survey's own optional files beside its codebook, where it has them: context figures, quotes picked."""
    folder = PurePosixPath(params.codebook).parent
    extras = (("context figures", folder / CONTEXT_FIGURES), ("quotes picked", folder / QUOTES_FILE))
    return tuple((role, path.as_posix()) for role, path in extras if (root / path).is_file())


def inputs(params: config.Params, params_path: Path, root: Path) -> list[dict[str, Any]]:
    """Every data file the briefing reads, with its record; the parameters file itself has no sidecar (its values
    are listed in full)."""
    data = (
        ("survey wave", params.survey_path),
        ("codebook", params.codebook),
        *((("reference frame", params.frame_file),) if params.frame_file else ()),
        *compared_inputs(params, params_path, root),
        *survey_extras(params, root),
    )
    records = [input_record(role, path, root, sidecar(path, root)) for role, path in data]
    # The parameters file the build's own parameters.yml was written from (briefing.plan).
    source = plan.parameters_source(Path(relative_to_root(params_path, root)), root)[0]
    records.append(input_record("parameters", source, root, None))
    return records


def git(root: Path, *args: str) -> str | None:
    if not shutil.which("git"):
        return None
    result = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)
    return result.stdout.strip() if result.returncode == 0 else None


def code_root(root: Path) -> Path:
    """The project whose code ran: where root's src/ really is. An edition's folder (build/editions/<slug>/) links
    src/, data/, the Makefile... to the project it was built from and copies report/ from it, so that project's
    checkout is the edition's version; a plain project is its own."""
    return (root / "src").resolve().parent


def code_version(root: Path) -> dict[str, Any]:
    """The commit and whether the tree had uncommitted changes; "not a git checkout" for a copy or an archive."""
    project = code_root(root)
    top = git(project, "rev-parse", "--show-toplevel")
    if top is None or Path(top).resolve() != project:  # no repository, or the project sits inside another one
        return {"git": "not a git checkout"}
    status = git(project, "status", "--porcelain") or ""
    return {"git": "checkout", "commit": git(project, "rev-parse", "HEAD"), "uncommitted_changes": bool(status)}


def default_engine() -> str:
    """What ENGINE=auto renders with: Quarto when a new enough one is on PATH, else pandoc + Typst (the
    render's own rule, briefing.quarto)."""
    return "quarto" if quarto.quarto_problem(config.find_root()) is None else "pandoc"


def renderer(engine: str) -> dict[str, str]:
    engine = default_engine() if engine == "auto" else engine
    if engine == "quarto":
        version = subprocess.run(["quarto", "--version"], capture_output=True, text=True).stdout.strip()
        return {"engine": "quarto", "quarto": version or "unknown"}
    from briefing.publication import pandoc

    return {"engine": "pandoc", "pandoc": pandoc.version(), "typst": importlib.metadata.version("typst")}


def versions(engine: str) -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "packages": {name: importlib.metadata.version(name) for name in KEY_PACKAGES},
        "renderer": renderer(engine),
    }


def rebuild_command(
    params_file: str, epoch: int, engine: str, survey: str | None = None, wave: str | None = None
) -> str:
    """The command that rebuilds the same bytes: SURVEY= and WAVE= whenever the build was not of the parameters
    file's own survey and wave (so `make report WAVE=2019` is rebuilt by a command that says WAVE=2019)."""
    named = f" SURVEY={shlex.quote(survey)}" if survey else ""
    named += f" WAVE={shlex.quote(str(wave))}" if wave else ""
    return f"SOURCE_DATE_EPOCH={epoch} make report PARAMS={shlex.quote(params_file)}{named} ENGINE={engine}"


def wave_given(params: config.Params, params_path: Path, survey: str | None) -> str | None:
    """The reported wave when it is not the one the parameters file (and survey) give by default: it came from
    make's WAVE=."""
    default = config.declared(params_path, survey=survey).wave  # (its file may be gone: only its name counts)
    return None if str(params.wave) == str(default) else str(params.wave)


def record(params: config.Params, params_path: Path, root: Path, engine: str) -> dict[str, Any]:
    """The whole provenance record (JSON-ready)."""
    files = inputs(params, params_path, root)
    epoch = config.source_date_epoch(params, root)
    used = versions(engine)
    return {
        "hash": HASH_NAME,
        "inputs": files,
        "parameters": params.as_dict(),
        "source_date_epoch": epoch,
        "versions": used,
        "code": code_version(root),
        "rebuild": rebuild_command(
            files[-1]["path"],
            epoch,
            used["renderer"]["engine"],
            survey_given(params_path, root),
            wave_given(params, params_path, survey_given(params_path, root)),
        ),
    }


def survey_given(params_path: Path, root: Path) -> str | None:
    return plan.parameters_source(Path(relative_to_root(params_path, root)), root)[1]


def write(data: dict[str, Any], path: Path) -> Path:
    path.write_text(findings_io.dumps(data), encoding="utf-8")
    return path
