"""Findings as records: each computed figure with its numerator, denominator, base and provenance.

Notebooks write one JSON file of records each; `merge` combines them into `findings.json` with stable ordering,
so two builds from the same data give byte-identical files.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from briefing import config
from briefing.inputs import survey


@dataclass
class Finding:
    id: str
    value: float | None
    description: str
    base: str
    notebook: str
    inputs: list[str]
    numerator: int | None = None
    denominator: int | None = None
    kind: str = "proportion"  # proportion | count | median | figure
    extra: dict[str, Any] = field(default_factory=dict)

    def as_record(self) -> dict[str, Any]:
        record = asdict(self)
        record.update(record.pop("extra"))
        return record


def _clean(value: Any) -> Any:
    """JSON-safe: NaN becomes null, numpy scalars become Python numbers, floats keep 10 significant digits."""
    if hasattr(value, "item") and not isinstance(value, (list, dict)):
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) else float(f"{value:.10g}")
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def dumps(data: Any) -> str:
    return json.dumps(_clean(data), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write(findings: list[Finding], path: str | Path) -> Path:
    """Write one notebook's findings; duplicate ids are a programming error."""
    ids = [f.id for f in findings]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"duplicate finding ids: {duplicates}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps({f.id: f.as_record() for f in findings}), encoding="utf-8")
    return path


def write_merged(paths: list[Path], params: config.Params, out: Path) -> dict[str, Any]:
    """The notebooks' findings merged (`merge`) and written to `out`: a wave's, or the briefing's (the notebook
    runner's last step; an edition's, as it renders)."""
    merged = merge(paths, params)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(dumps(merged), encoding="utf-8")
    return merged


def merge(paths: list[Path], params: config.Params) -> dict[str, Any]:
    findings: dict[str, Any] = {}
    for path in sorted(paths):
        for fid, record in json.loads(Path(path).read_text(encoding="utf-8")).items():
            if fid in findings:
                raise ValueError(
                    f"finding {fid!r} is written by both {findings[fid]['notebook']} and {record['notebook']}"
                )
            findings[fid] = record
    return {"parameters": params.as_dict(), "findings": dict(sorted(findings.items()))}


def resolved_params(params_path: str | None, wave: str | None, compared: bool = True) -> config.Params:
    """The parameters as they applied to this wave: its own frame, its comparison wave resolved (compared=False:
    the wave on its own, as each wave of a comparison is first computed)."""
    params = config.load(params_path, wave=wave)
    params = params if compared else dataclasses.replace(params, compare_wave=None)
    root = config.find_root(Path(params_path).resolve().parent if params_path else None)
    selection = survey.select(root, params)
    return dataclasses.replace(params, compare_wave=selection.compare.wave if selection.compare else None)


def load(path: str | Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Merge notebook findings into findings.json")
    parser.add_argument("inputs", nargs="+", type=Path)
    parser.add_argument("--params", default=None)
    parser.add_argument("--wave", default=None, help="the wave the findings are for (default: params.yml's)")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--alone", action="store_true", help="one wave's own findings (no comparison wave)")
    args = parser.parse_args(argv)
    merged = write_merged(args.inputs, resolved_params(args.params, args.wave, compared=not args.alone), args.out)
    print(f"findings: {len(merged['findings'])} merged into {args.out}")


if __name__ == "__main__":
    main()
