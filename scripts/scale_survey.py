"""The GP partners' example scaled up, for `make bench`'s scale section (scripts/bench.py): made in a copy of the
project, never in the checkout's data/. Its waves are written by the survey's own generator
(data/gp-partners-des/generate.py: seeded, each record marked synthetic) and its quotes.yml picks, for each wave,
the respondents whose comments hold the cuts the committed picks use, so every briefing quotes as the example does.

* in respondents: the 2021 wave as committed (612 respondents) or scaled up to SCALED respondents;
* in waves: SERIES, ten yearly waves (the two designed ones and eight made like 2021 in their own years).

The waves are written to a staging folder outside the project (make never sees them), and each is copied into raw/
when it arrives (`arrive`), so a series of builds can add one wave at a time, as an analyst does.

Usage: python scripts/scale_survey.py PROJECT [--respondents N] [--waves 2020 2021 ...]
(every wave given, present in PROJECT/data/gp-partners-des/raw/, which loses the waves it had; its quotes.yml
rewritten for them)
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.conftest import survey_script  # noqa: E402  (the survey's own script, imported as a module)

SURVEY = "gp-partners-des"
SCALED = 5_000  # respondents in the scaled-up wave
ONE_WAVE = "2021"  # the wave scaled up in respondents
SERIES = tuple(str(year) for year in range(2020, 2030))  # ten yearly waves
QUOTES_HEADER = (
    "# Quote picks for SYNTHETIC waves made by scripts/scale_survey.py for `make bench` (a copy of the project):\n"
    "# per wave, the first quotable respondents whose comments hold the cuts of the committed picks.\n"
)


@dataclass(frozen=True)
class WaveSpec:
    """A wave the generator writes: its year, and its respondents when not its design's."""

    wave: str
    respondents: int | None = None

    def describe(self) -> str:
        return f"{self.wave}{f' ({self.respondents:,} respondents)' if self.respondents else ''}"


def generator():
    return survey_script(SURVEY, "generate")


def survey_folder(project: Path) -> Path:
    return project / "data" / SURVEY


def raw(project: Path) -> Path:
    return survey_folder(project) / "raw"


def stage(project: Path, staging: Path, specs: tuple[WaveSpec, ...]) -> dict[str, list[Path]]:
    """Every wave of `specs` written into `staging`, the project's raw/ emptied and its quotes.yml holding picks
    for every wave. Returns each wave's files (its export and its record), to `arrive` in raw/."""
    gen = generator()
    folder = survey_folder(project)
    codebook = yaml.safe_load((folder / "codebook.yml").read_text(encoding="utf-8"))
    committed = yaml.safe_load((survey_folder(ROOT) / "quotes.yml").read_text(encoding="utf-8"))  # the example's
    files, picks = {}, {}
    for spec in specs:
        design = gen.design_for(spec.wave, spec.respondents)
        table = gen.build_wave(design)
        target = gen.write_export(design, table, staging)
        files[spec.wave] = [target, target.with_suffix(".meta.yml")]
        like = spec.wave if spec.wave in committed else gen.LATEST  # a wave made like LATEST quotes like it
        picks[spec.wave] = quote_picks(table, committed[like], codebook, gen.QUOTABLE)
    for old in raw(project).iterdir():
        old.unlink()
    quotes = QUOTES_HEADER + yaml.safe_dump(picks, sort_keys=False, width=110, allow_unicode=True)
    (folder / "quotes.yml").write_text(quotes, encoding="utf-8")
    default_wave(project, specs[0].wave)
    return files


def default_wave(project: Path, wave: str) -> None:
    """The survey's default wave (its params.yml `wave:`) set to the first wave, present from the first build on:
    a build of another wave (WAVE=) still reads the default one's file (the provenance's rebuild command)."""
    params = survey_folder(project) / "params.yml"
    text, count = re.subn(r"(?m)^wave: .*$", f'wave: "{wave}"', params.read_text(encoding="utf-8"))
    if count != 1:
        raise ValueError(f"{params}: expected one `wave:` line, found {count}")
    params.write_text(text, encoding="utf-8")


def arrive(project: Path, files: list[Path]) -> None:
    """A wave arrives: its export and record copied into raw/ (dated now, as a download is)."""
    for file in files:
        shutil.copyfile(file, raw(project) / file.name)


def quote_picks(table: pd.DataFrame, like: list[dict], codebook: dict, quotable: int) -> list[dict]:
    """For each pick in `like`, the first respondent (not yet picked) whose comment holds its cut and whose
    attribution group holds at least `quotable` respondents: the same words, quoted from this wave."""
    from briefing.narrative.quotes import QuoteError, apply_cut, normalise

    text, attribution = codebook["quotes"]["text"], codebook["quotes"]["attribution"]
    cells = table[attribution].astype(str).agg("|".join, axis=1)
    candidates = table[(cells.map(cells.value_counts()) >= quotable) & table[text].notna()]
    picks, taken = [], set()
    for pick in like:
        for respondent, comment in zip(candidates["respondent_id"], candidates[text], strict=True):
            if respondent in taken:
                continue
            try:
                apply_cut(normalise(comment), pick.get("cut"), "", respondent)
            except QuoteError:
                continue
            picks.append({**pick, "respondent": respondent})
            taken.add(respondent)
            break
        else:
            raise ValueError(f"no quotable respondent's comment holds the cut {pick.get('cut')!r}")
    return picks


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path, help="a copy of the project (never the checkout: its data/ is rewritten)")
    parser.add_argument("--respondents", type=int, help="respondents in each wave (default: its design's)")
    parser.add_argument("--waves", nargs="+", default=[ONE_WAVE], help=f"the waves (default: {ONE_WAVE})")
    args = parser.parse_args(argv)
    if args.project.resolve() == ROOT:
        parser.error("the project must be a copy: this would rewrite the checkout's data/")
    staging = args.project / "build" / "scale-waves"
    files = stage(args.project, staging, tuple(WaveSpec(wave, args.respondents) for wave in args.waves))
    for wave_files in files.values():
        arrive(args.project, wave_files)
        print(f"scale_survey: {wave_files[0].name} in {raw(args.project)} (SYNTHETIC)")


if __name__ == "__main__":
    main()
