"""Draft a survey's codebook from its platform exports: `make codebook SURVEY=<name>` reads every file in
data/<name>/raw/ (briefing.inputs.readers) and writes

* codebook.yml: one question per export column (a SurveyMonkey multiple-choice question's option columns are
  one question), its type inferred (identifier, single choice, likert, multiple choice, numeric, free text), its
  answers in their labelled order (SPSS value labels, SurveyMonkey's option row), the order of a known scale, or
  the order observed; its `source:` (the export's column); the columns holding personal data under `personal:`
  (by name: Qualtrics's IPAddress, RecipientEmail..., SurveyMonkey's Email Address, IP Address...; and by content:
  e-mail and IP addresses); a proposed finding for each choice question; themes proposed from the order of
  the questions; `survey.reviewed: false`, so the briefing is marked "Draft" until a person has reviewed it;
* each wave's .meta.yml (its wave from the file name's year, its rows, how to read it) and the survey's
  params.yml, where missing; and codebook.meta.yml, the codebook's own record.

`TODO` marks what a person must decide (who answered, origin, licence, release date). A file a person has written
is never overwritten: the drafted codebook goes to codebook.draft.yml beside it, and the command prints what differs.

Usage: python -m briefing.inputs.draft SURVEY [--root DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import ipaddress
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from briefing import config, yamlfile
from briefing.inputs import readers
from briefing.inputs import survey as surveys

SEPARATOR = ";"
IDENTIFIER = "respondent"  # the drafted id of the question that identifies respondents
CHOICES_AT_MOST = 12  # distinct answers a choice question may have (more: free text)
ANSWER_LENGTH = 40  # characters: answers longer than this on average are someone's own words (free text)
FINDINGS_PER_THEME = 3
TITLE_WORDS = 8
# Export columns that hold personal data, by name (compared without case, spaces or punctuation).
PERSONAL_NAMES = {
    # Qualtrics
    "ipaddress",
    "recipientemail",
    "recipientfirstname",
    "recipientlastname",
    "locationlatitude",
    "locationlongitude",
    "externalreference",
    "externaldatareference",
    # SurveyMonkey
    "emailaddress",
    "firstname",
    "lastname",
    "customdata",
    "customdata1",
    "customdata2",
    "customdata3",
    # Microsoft Forms, SmartSurvey and others
    "email",
    "name",
    "fullname",
    "phone",
    "phonenumber",
    "mobile",
    "postcode",
    "address",
    "latitude",
    "longitude",
}
# Platform bookkeeping that is no question: read and ignored without a warning.
PLATFORM_NAMES = {
    "startdate",
    "enddate",
    "status",
    "progress",
    "durationinseconds",
    "finished",
    "recordeddate",
    "distributionchannel",
    "userlanguage",
    "collectorid",
    "starttime",
    "completiontime",
    "lastmodifiedtime",
}
ID_NAMES = {"respondentid", "responseid", "id", "respondent", "recordid", "caseid", "uniqueid"}
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
PHONE = re.compile(r"\+?(44|0)[\d ()-]{9,15}")  # a UK telephone number, as people type it
# Known answer scales, from one end to the other: a choice question whose answers all belong to one is a likert.
SCALES = [
    ["Strongly agree", "Agree", "Neither agree nor disagree", "Disagree", "Strongly disagree"],
    ["Very satisfied", "Satisfied", "Neither satisfied nor dissatisfied", "Dissatisfied", "Very dissatisfied"],
    ["Very confident", "Fairly confident", "Not very confident", "Not at all confident"],
    ["Very likely", "Likely", "Neither likely nor unlikely", "Unlikely", "Very unlikely"],
    ["Very good", "Good", "Fair", "Poor", "Very poor"],
    ["Excellent", "Very good", "Good", "Fair", "Poor"],
    ["Always", "Often", "Sometimes", "Rarely", "Never"],
    ["A great deal", "A fair amount", "Not very much", "Not at all"],
    ["Very important", "Fairly important", "Not very important", "Not at all important"],
    ["Manageable", "Just about manageable", "Unmanageable"],
]
SCALE_EXTRAS = {"don't know", "dont know", "not sure", "prefer not to say", "not applicable", "n/a"}


class DraftError(ValueError):
    """The survey's raw/ folder cannot be drafted from; the message says what to do."""


def squashed(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


# --- reading every wave ---------------------------------------------------------------------------------------
@dataclass
class Wave:
    label: str
    path: Path  # relative to the root
    export: readers.Export
    meta: dict[str, Any]  # what the drafted .meta.yml says (or the record as written)


def wave_label(path: Path, taken: set[str]) -> str:
    years = re.findall(r"(?<!\d)(?:19|20)\d\d(?!\d)", path.stem)
    label = years[-1] if years else str(len(taken) + 1)
    if label in taken:
        raise DraftError(
            f"{path}: its wave would be {label}, which another file in raw/ already is: put the year in each "
            "file's name (e.g. survey_2021.xlsx), or write its .meta.yml with `wave:`"
        )
    return label


def encoding_of(path: Path) -> str | None:
    """None for UTF-8 text; 'windows-1252' for a CSV that is not (Excel's plain CSV: a guess a person checks)."""
    if path.suffix.lower() != ".csv":
        return None
    try:
        path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        return "windows-1252"
    return None


def read_waves(root: Path, survey: str) -> list[Wave]:
    raw = root / surveys.folder(survey) / surveys.RAW
    files = sorted(p for p in raw.glob("*") if p.is_file() and not p.name.endswith(".meta.yml"))
    files = [p for p in files if not p.name.startswith(".") and p.name != "README.md"]
    if not files:
        raise DraftError(f"{raw.relative_to(root)}/: no export to draft from; put the survey tool's files there")
    stems = [p.stem for p in files]
    for path in files:
        if stems.count(path.stem) > 1:  # one record per name: survey_2021.meta.yml could not say which file
            raise DraftError(
                f"{path.relative_to(root)}: another file in raw/ has the same name before its suffix; a wave's "
                "record is named after its file, so rename one (e.g. survey_2021.xlsx and survey_2021_csv.csv)"
            )
    waves, taken = [], set()
    for path in files:
        relative = path.relative_to(root)
        record = path.with_suffix(".meta.yml")
        if record.is_file():
            meta = surveys.read_meta(record, record.relative_to(root))
            label = str(meta.get("wave") or wave_label(relative, taken))
            written = True
        else:
            label, meta, written = wave_label(relative, taken), {}, False
            if encoding_of(path):
                meta["encoding"] = encoding_of(path)
        taken.add(label)
        export = readers.read_export(path, relative, overrides=() if written else tuple(meta.items()))
        waves.append(Wave(label, relative, export, {**meta, "wave": label, "_written": written}))
    return sorted(waves, key=lambda w: surveys.wave_order(w.label))


# --- columns into questions ------------------------------------------------------------------------------------
@dataclass
class Draft:
    """One drafted question, from the export columns of that name across the waves."""

    name: str  # the export's column name (its `source:`)
    wording: str
    values: list[str]  # every non-blank answer, across the waves (multiple choice: each option ticked)
    options: list[str]  # SurveyMonkey's option columns, in order
    answers: list[str]  # SPSS value labels, in code order
    waves: set[str]
    id: str = ""
    type: str = ""
    responses: list[str] = dataclasses.field(default_factory=list)
    integer: bool = False
    sources: list[str] = dataclasses.field(default_factory=list)  # its names in the waves, when more than one
    by_wave: dict[str, list[str | None]] = dataclasses.field(default_factory=dict)  # one-column answers, per wave


def grouped(waves: list[Wave]) -> dict[str, Draft]:
    """The export columns by name, in the order first seen (the latest wave's order first)."""
    drafts: dict[str, Draft] = {}
    for wave in reversed(waves):
        for column in wave.export.columns:
            draft = drafts.setdefault(
                column.name, Draft(column.name, column.label or column.name, [], [], list(column.answers), set())
            )
            draft.waves.add(wave.label)
            if column.answers and not draft.answers:  # a wave with value labels gives the order
                draft.answers = list(column.answers)
            if column.option:
                if column.option not in draft.options:
                    draft.options.append(column.option)
                draft.values += [column.option for v in column.values if v is not None]
            else:
                draft.values += [v for v in column.values if v is not None]
                draft.by_wave[wave.label] = list(column.values)
    return drafts


def looks_personal(draft: Draft) -> bool:
    if squashed(draft.name) in PERSONAL_NAMES or squashed(draft.wording) in PERSONAL_NAMES:
        return True
    values = [v for v in draft.values if v]
    if not values or draft.options:
        return False
    return sum(bool(EMAIL.fullmatch(v) or PHONE.fullmatch(v)) or is_ip(v) for v in values) >= len(values) / 2


def is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def first_seen(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def known_scale(values: list[str]) -> list[str] | None:
    """The scale the answers belong to (with the answers outside it, e.g. "Don't know", after it), or None."""
    seen = set(values) - {v for v in values if v.lower() in SCALE_EXTRAS}
    for scale in SCALES:
        if seen and seen <= set(scale) and len(seen) >= 2:
            return scale + [v for v in first_seen(values) if v not in scale]
    return None


def infer(draft: Draft) -> None:
    """The question's type and answers, from what the export holds."""
    values = draft.values
    if draft.options:
        draft.type, draft.responses = "multiple_choice", draft.options
    elif draft.answers:
        labelled = draft.answers + [v for v in first_seen(values) if v not in draft.answers]  # other waves' too
        draft.type, draft.responses = ("likert" if known_scale(labelled) else "single_choice"), labelled
    elif values and all(is_number(v) for v in values):
        draft.type = "numeric"
        draft.integer = all(float(v).is_integer() for v in values)
    elif not values or sum(map(len, values)) / len(values) > ANSWER_LENGTH:
        draft.type = "free_text"
    elif sum(SEPARATOR in v for v in values) >= len(values) / 10 and separated_choices(values):
        draft.type, draft.responses = "multiple_choice", separated_choices(values)
    elif len(set(values)) <= CHOICES_AT_MOST and len(values) >= 2 * len(set(values)):
        scale = known_scale(values)
        draft.type, draft.responses = ("likert", scale) if scale else ("single_choice", first_seen(values))
    else:
        draft.type = "free_text"


def separated_choices(values: list[str]) -> list[str] | None:
    members = first_seen(m.strip() for v in values for m in v.split(SEPARATOR) if m.strip())
    return members if len(members) <= 2 * CHOICES_AT_MOST else None


def identifier(drafts: list[Draft], rows_of: dict[str, int]) -> list[Draft]:
    """The respondents' identifier: the columns so named whose values are unique (one per wave, when the platform
    named it differently in each), else the first column unique in every wave."""

    def unique(d: Draft) -> bool:  # in each wave (a panel's respondents keep their ids from wave to wave)
        return bool(d.by_wave) and all(None not in v and len(set(v)) == rows_of[w] for w, v in d.by_wave.items())

    named, waves = [], set()
    for d in drafts:
        if squashed(d.name) in ID_NAMES and unique(d) and not d.waves & waves:
            named.append(d)
            waves |= d.waves
    if named and waves == set(rows_of):
        return named
    anywhere = [d for d in drafts if unique(d) and set(d.waves) == set(rows_of)]
    if not anywhere:
        raise DraftError(
            "no export column identifies the respondents in every wave (a column with a different value in every "
            "row, e.g. Respondent ID): export the survey with its response ids"
        )
    return anywhere[:1]


def slug(text: str, taken: set[str], words: int = 5) -> str:
    base = "_".join(re.findall(r"[a-z0-9]+", text.lower())[:words]) or "question"
    base = base if base[0].isalpha() else f"q_{base}"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


def questions_of(waves: list[Wave]) -> tuple[list[Draft], list[str], list[str]]:
    """The drafted questions (identifier first), the personal columns and the platform's own columns."""
    drafts = grouped(waves)
    personal = [name for name, d in drafts.items() if looks_personal(d)]
    platform = [name for name, d in drafts.items() if name not in personal and squashed(name) in PLATFORM_NAMES]
    candidates = [d for name, d in drafts.items() if name not in personal and name not in platform]
    rows_of = {w.label: w.export.rows for w in waves}
    idents = identifier(candidates, rows_of)
    ident = dataclasses.replace(idents[0], type="id", id=IDENTIFIER, waves=set(rows_of))
    ident.sources = [d.name for d in idents]
    taken = {"wave", ident.id}
    questions = [ident]
    for draft in candidates:
        if any(draft is d for d in idents):
            continue
        infer(draft)
        draft.id = "wave" if squashed(draft.name) == "wave" else slug(draft.wording, taken)
        if draft.id == "wave":
            draft.type = "wave"
        questions.append(draft)
    return questions, personal, platform


# --- the codebook ---------------------------------------------------------------------------------------------
def question_entry(draft: Draft, all_waves: set[str]) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": draft.id, "type": draft.type, "wording": draft.wording}
    if len(draft.sources) > 1:
        entry["source"] = draft.sources
    elif draft.name != draft.id:
        entry["source"] = draft.name
    if draft.type in ("id", "wave"):
        entry["required"] = True
    if draft.responses:
        entry["responses"] = [{"value": r, "label": r} for r in draft.responses]
    if draft.type == "numeric" and draft.integer:
        entry["integer"] = True
    if draft.waves != all_waves and draft.type not in ("id", "wave"):
        entry["waves"] = sorted(draft.waves, key=surveys.wave_order)
    return entry


def proposed_finding(draft: Draft, latest: str) -> tuple[str, dict[str, Any]]:
    """For a choice question: the share giving its first answer(s) (a scale's first end), or its most common one."""
    values = draft.values
    if draft.type == "likert":
        counts = draft.responses[:2] if len(draft.responses) >= 4 else draft.responses[:1]
    else:
        tally = pd.Series(values).value_counts(sort=True) if values else pd.Series(dtype=int)
        counts = [str(tally.index[0])] if len(tally) else draft.responses[:1]
    said = " or ".join(f'"{c}"' for c in counts)
    verb = "chose" if draft.type == "multiple_choice" else "answered"
    wording = draft.wording.replace("{", "(").replace("}", ")")
    description = f"{verb} {said} when asked: {wording}"
    taken: set[str] = set()
    return slug(f"{draft.id} {counts[0]}", taken, words=8), {
        "question": draft.id,
        "counts": counts,
        "description": description,
    }


def title_of(draft: Draft) -> str:
    words = draft.wording.rstrip("?:. ").split()
    return " ".join(words[:TITLE_WORDS]) + ("..." if len(words) > TITLE_WORDS else "")


def themes_and_findings(questions: list[Draft], latest: str) -> tuple[list[dict], dict[str, dict]]:
    """Themes in question order, a new one after every FINDINGS_PER_THEME choice questions, each titled by its
    first question."""
    themes, findings = [], {}
    for draft in (q for q in questions if q.type in ("single_choice", "likert", "multiple_choice")):
        if not themes or sum(f["theme"] == themes[-1]["id"] for f in findings.values()) >= FINDINGS_PER_THEME:
            themes.append({"id": f"theme_{len(themes) + 1}", "title": title_of(draft)})
        fid, finding = proposed_finding(draft, latest)
        while fid in findings:
            fid += "_2"
        findings[fid] = {**finding, "theme": themes[-1]["id"]}
    return themes, findings


def codebook_of(survey: str, waves: list[Wave]) -> tuple[dict[str, Any], list[str]]:
    questions, personal, platform = questions_of(waves)
    if not any(q.type == "wave" for q in questions):
        questions.insert(
            1, Draft("wave", "Survey wave (from each wave's .meta.yml)", [], [], [], set(), "wave", "wave")
        )
        questions[1].waves = {w.label for w in waves}
    all_waves = {w.label for w in waves}
    themes, findings = themes_and_findings(questions, waves[-1].label)
    if not findings:
        raise DraftError(
            f"{surveys.folder(survey)}/{surveys.RAW}/: no question with answers to count (single or multiple "
            "choice) was found, and a briefing needs at least one finding"
        )
    book = {
        "survey": {
            "name": survey.replace("-", " ").replace("_", " ").capitalize(),
            "respondents": {"singular": "respondent", "plural": "respondents"},
            "reviewed": False,
        },
        "separator": SEPARATOR,
        **({"personal": personal} if personal else {}),
        **({"ignored": platform} if platform else {}),
        "questions": [question_entry(q, all_waves) for q in questions],
        "themes": themes,
        "findings": findings,
    }
    return book, personal


HEADER = """\
# DRAFT codebook, written by `make codebook SURVEY={survey}` from the files in raw/ ({files}).
# Review every entry, then set survey.reviewed: true (until then the briefing is marked "Draft"):
# - TODO survey: its name, and who answered (respondents: singular and plural, e.g. ward sister / ward sisters);
# - the questions' types and answers (answers in the order the briefing shows them; `label:` is what it says);
# - personal: the export columns holding personal data (found by name and content): dropped when a wave is read;
# - findings: one proposed per choice question (the share giving the answers in `counts`); themes: from the order
#   of the questions, a new one every {per} findings; subgroups, comparisons and editions: none yet.
"""


def codebook_text(book: dict[str, Any], survey: str, waves: list[Wave]) -> str:
    files = ", ".join(w.path.name for w in waves)
    body = yaml.safe_dump(book, sort_keys=False, allow_unicode=True, width=110)
    body = body.replace(
        "  respondents:",
        "  # TODO: who answered, e.g. {singular: ward sister, plural: ward sisters}\n  respondents:",
        1,
    )
    return HEADER.format(survey=survey, files=files, per=FINDINGS_PER_THEME) + "\n" + body


# --- the records and parameters -------------------------------------------------------------------------------
def released_of(wave: Wave, root: Path) -> str:
    """A release date a person checks: the file's modification date."""
    return dt.datetime.fromtimestamp((root / wave.path).stat().st_mtime, dt.UTC).date().isoformat()


def meta_text(wave: Wave, survey_name: str, root: Path) -> str:
    reading = {k: wave.meta[k] for k in ("encoding",) if k in wave.meta}
    if wave.export.layout in ("surveymonkey", "qualtrics"):
        reading["layout"] = wave.export.layout
    if wave.path.suffix.lower() == ".xlsx":
        reading["sheet"] = sheet_of(wave.export)
    record = {
        "title": f"{survey_name}, {wave.label}",
        "description": f"{wave.export.rows} responses, exported by the survey tool as {wave.path.name}",
        "synthetic": False,
        "wave": wave.label,
        "year": wave.label if re.fullmatch(r"\d{4}", wave.label) else None,
        "released": released_of(wave, root),
        "rows": wave.export.rows,
        **reading,
    }
    text = yaml.safe_dump(record, sort_keys=False, allow_unicode=True, width=110)
    text = text.replace("released:", "# TODO: the date the data were released (drafted: the file's date)\nreleased:")
    return (
        f"# DRAFT record of {wave.path.name}, written by `make codebook`: check it.\n{text}"
        '# TODO: where the data come from and under what licence (the briefing says "not recorded" until then)\n'
        "origin: null\nlicence: null\n"
    )


def sheet_of(export: readers.Export) -> str:
    match = re.search(r"sheet '(.+?)'", export.convention)
    return match.group(1) if match else ""


def params_text(book: dict[str, Any], waves: list[Wave]) -> str:
    params = {
        "wave": waves[-1].label,
        "compare_wave": "latest",
        "confidence_level": 0.95,
        "estimate": "unweighted",
        "suppression_threshold": 8,
        "title": f"{book['survey']['name']}: draft briefing",
        "publisher": "Not yet named",
        "publication_date": None,
    }
    text = yaml.safe_dump(params, sort_keys=False, allow_unicode=True, width=110)
    return "# DRAFT parameters, written by `make codebook`. TODO: the title and the publisher.\n" + text


CODEBOOK_META = """\
# DRAFT record of the codebook, written by `make codebook`.
title: Codebook of {name} (drafted from the survey tool's exports)
# TODO: who wrote and reviewed it, and its licence
origin: null
licence: null
"""


# --- writing, never over a person's file ----------------------------------------------------------------------
def write_new(path: Path, text: str, root: Path, written: list[str]) -> None:
    if not path.exists():
        path.write_text(text, encoding="utf-8")
        written.append(path.relative_to(root).as_posix())


def write_codebook(path: Path, book: dict[str, Any], text: str, root: Path) -> str:
    """The drafted codebook: codebook.yml when there is none, else codebook.draft.yml and what differs."""
    shown = path.relative_to(root).as_posix()
    if not path.exists():
        path.write_text(text, encoding="utf-8")
        return f"wrote {shown}"
    draft_path = path.with_name("codebook.draft.yml")
    draft_path.write_text(text, encoding="utf-8")
    lines = [f"{shown} exists and is left as it is: the draft is {draft_path.relative_to(root).as_posix()}"]
    found = differences(yamlfile.load_mapping(path, "codebook"), book)
    lines += [f"  - {line}" for line in found] or ["  the draft reads the exports as the codebook does"]
    return "\n".join(lines)


def names_of(question: dict[str, Any]) -> list[str]:
    source = question.get("source", question.get("id"))
    return [str(n) for n in ([source] if isinstance(source, str) else source or [])]


def differences(written: dict[str, Any], book: dict[str, Any]) -> list[str]:
    """What the exports say that the written codebook does not: questions, types, answers and personal columns."""
    mine = {n: q for q in written.get("questions") or [] if isinstance(q, dict) for n in names_of(q)}
    drafted = {n: q for q in book["questions"] for n in names_of(q) if q["type"] != "wave"}
    found = [
        f"in the exports, not in the codebook: column {n!r} (drafted as {q['type']})"
        for n, q in drafted.items()
        if n not in mine
    ]
    found += [
        f"in the codebook, not in the exports: question {q.get('id')!r} (column {n!r})"
        for n, q in mine.items()
        if n not in drafted and q.get("type") != "wave"
    ]
    for name in (n for n in drafted if n in mine):
        ours, theirs = mine[name], drafted[name]
        if ours.get("type") != theirs["type"]:
            found.append(f"column {name!r}: the codebook says {ours.get('type')}, the exports look {theirs['type']}")
        values = {str(r.get("value")) for r in ours.get("responses") or [] if isinstance(r, dict)}
        exported = {
            str(v)
            for r in ours.get("responses") or []
            if isinstance(r, dict)
            for v in (r.get("exported") or {}).values()
        }
        new = [r["value"] for r in theirs.get("responses", []) if r["value"] not in values | exported]
        if new and theirs["type"] != "free_text":
            found.append(f"column {name!r}: answers in the exports the codebook does not list: {', '.join(new)}")
    unmarked = [n for n in book.get("personal", []) if n not in (written.get("personal") or [])]
    if unmarked:
        found.append(f"personal data the codebook does not mark `personal:`: {', '.join(unmarked)}")
    return found


def draft(root: Path, survey: str) -> str:
    """Draft the survey's files; returns what was written, for the terminal."""
    folder = root / surveys.folder(survey)
    if not folder.is_dir():
        raise DraftError(f"{surveys.folder(survey)}/: no such folder; make it and put the exports in its raw/")
    waves = read_waves(root, survey)
    book, personal = codebook_of(survey, waves)
    written: list[str] = []
    for wave in waves:
        write_new(root / surveys.meta_path(wave.path), meta_text(wave, book["survey"]["name"], root), root, written)
    write_new(folder / surveys.PARAMS, params_text(book, waves), root, written)
    write_new(folder / "codebook.meta.yml", CODEBOOK_META.format(name=book["survey"]["name"]), root, written)
    report = write_codebook(folder / surveys.CODEBOOK, book, codebook_text(book, survey, waves), root)
    lines = [f"codebook: {report}"]
    lines += [f"codebook: wrote {name}" for name in written]
    if personal:
        lines.append(f"codebook: personal data, dropped when a wave is read: {', '.join(personal)}")
    lines.append(f"codebook: review it (TODO marks what to decide), then: make report SURVEY={survey}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("survey", nargs="?", help="the survey's folder in data/")
    parser.add_argument("--root", type=Path, default=None, help="the project (default: found from here)")
    args = parser.parse_args(argv)
    if not args.survey:
        print("codebook: name the survey: make codebook SURVEY=<folder of data/>", file=sys.stderr)
        return 1
    try:
        root = args.root.resolve() if args.root else config.find_root()
        if not config.TOKEN.fullmatch(args.survey):
            raise DraftError(f"SURVEY={args.survey!r}: a survey is a folder name of letters, digits, - and _")
        print(draft(root, args.survey))
    except (ValueError, OSError) as error:
        print(f"codebook: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
