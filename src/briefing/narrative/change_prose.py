"""Words for change between waves, built on the house-style filters in prose.py (percent, pp, difference_kind).

The verdict follows the test (prose.difference_kind), and every size is true of the unrounded values:
  rise:       "up from 11% in 2019: a rise of 10 percentage points (95% confidence interval 4 to 17 percentage
               points), larger than chance alone would explain"
  fall:       "down from 26% in 2019: a fall of 14 percentage points (...), larger than chance alone would explain"
  narrow:     "little changed since 2019 (71%): the interval of the change lies within 5 percentage points either
               way" (only when both ends of the interval are within prose.NARROW of zero)
  uncertain:  "The survey cannot tell whether the share has changed since 2019 (49%): the change of 5 percentage
               points is within what chance could produce with these numbers"
  new:        "asked for the first time in 2020"
Only a change the test supports carries its interval in the text (the interval once per finding); every change's
interval is in the methods' table. A change record is a `<finding>_change` record of findings.json.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from briefing.narrative import prose

if TYPE_CHECKING:  # (the render's review page uses these words too: it need not load Jinja)
    import jinja2

RISE, FALL = "a rise", "a fall"
BEYOND_CHANCE = prose.BEYOND_CHANCE


def signed_points(x: float) -> str:
    """A bound of a difference's interval in percentage points, signed only when negative: "-4", "17"."""
    return prose.percent(x).rstrip("%").replace("-", "\u2212")


def signed_change(x: float) -> str:
    """A change for a table, in percentage points with its sign: "+10", "−14", "0"."""
    text = signed_points(x)
    return text if text.startswith("−") or text == "0" else f"+{text}"


def change_interval(change: dict[str, Any]) -> str:
    level = prose.percent(change["confidence_level"])
    low, high = signed_points(change["ci_low"]), signed_points(change["ci_high"])
    return f"{level} confidence interval {low} to {high} percentage points"


def change_clause(change: dict[str, Any], with_interval: bool = True) -> str:
    """How a finding moved since the comparison wave, as a clause after "<subject> is": a supported change (with its
    interval unless with_interval=False, the short form for key findings) or one the interval shows to be small.
    A change the survey cannot tell from chance has no such clause (it takes a sentence: change_sentence)."""
    status, earlier = change["status"], change["compare_wave"]
    if status == "new":
        return f"asked for the first time in {change['wave']}"
    if status == "dropped":
        return f"not asked in {change['wave']} (it was asked in {earlier})"
    if status == "suppressed":
        return f"not compared with {earlier}: a figure in one of the waves is suppressed (small numbers)"
    before = prose.percent(change["previous"]["value"])
    kind = prose.difference_kind(change)
    if kind == prose.SUPPORTED:
        up = change["difference"] > 0
        size = RISE if up else FALL
        if not with_interval:
            return f"{'up' if up else 'down'} from {before} in {earlier}, {size} {BEYOND_CHANCE}"
        return (
            f"{'up' if up else 'down'} from {before} in {earlier}: {size} of {prose.pp(change['difference'])} "
            f"({change_interval(change)}), {BEYOND_CHANCE}"
        )
    if kind == prose.NARROW_KIND:
        return f"little changed since {earlier} ({before}): the interval of the change lies within {prose.pp(prose.NARROW)} either way"
    raise ValueError(
        f"{change['id']}: the survey cannot tell whether this changed, which no clause after 'is' can say; "
        "use change_sentence"
    )


# The forms a change the survey cannot tell from chance takes, in turn (so no form follows itself more than twice).
UNCERTAIN_FORMS = (
    "The survey cannot tell whether {subject} has changed since {earlier} ({before}): the change of {size} is {chance}.",
    "In {earlier} it was {before}; a change of {size} is {chance}, so the survey cannot tell whether {subject} moved.",
    "Against {before} in {earlier}, the change of {size} in {subject} is one the survey cannot tell from chance.",
)


def change_sentence(change: dict[str, Any], subject: str = "the share", form: int = 0) -> str:
    """The change as a sentence of its own, after a finding's headline. `subject`: what changed ("the share", "the
    share among those on surgical wards"); `form`: which of UNCERTAIN_FORMS a change the survey cannot tell from
    chance takes (the environment's filter takes them in turn)."""
    if change["status"] in ("new", "dropped"):
        return f"The question was {change_clause(change)}."
    if change["status"] == "compared" and prose.difference_kind(change) == prose.UNCERTAIN:
        return UNCERTAIN_FORMS[form % len(UNCERTAIN_FORMS)].format(
            subject=subject,
            earlier=change["compare_wave"],
            before=prose.percent(change["previous"]["value"]),
            size=prose.pp(change["difference"]),
            chance=prose.CHANCE,
        )
    return f"{prose.capfirst(subject)} is {change_clause(change)}."


def change_lead(change: dict[str, Any], who: str) -> str:
    """A key-findings line for a change the test supports: "Ward sisters who plan to leave ...: 21% in 2020,
    up from 11% in 2019, a rise larger than chance alone would explain" (`who`: the respondents, in the plural)."""
    now = prose.percent(change["current"]["value"])
    return (
        f"{prose.capfirst(who)} who {change['description']}: {now} in {change['wave']}, {change_clause(change, False)}."
    )


def supported_changes(findings: dict[str, Any]) -> list[dict[str, Any]]:
    """Whole-sample changes the test supports, largest first (what the key findings lead with)."""
    moved = [r for r in findings.values() if r.get("kind") == "change" and r["significant"] and not r["subgroup"]]
    return sorted(moved, key=lambda r: (-abs(r["difference"]), r["id"]))


def tested_changes(findings: dict[str, Any]) -> list[dict[str, Any]]:
    """Whole-sample changes the test was run on (both waves asked and published)."""
    return [
        r
        for r in findings.values()
        if r.get("kind") == "change"
        and r.get("status") == "compared"
        and not r.get("subgroup")
        and not r.get("suppressed")
    ]


def tested_comparisons(findings: dict[str, Any]) -> list[dict[str, Any]]:
    """Every comparison between groups the test was run on (a figure of each side published)."""
    return [r for r in findings.values() if r.get("kind") == "comparison" and not r.get("suppressed")]


def strongest_shares(findings: dict[str, Any]) -> list[dict[str, Any]]:
    """Whole-sample shares, strongest first: the lower end of the interval, highest first, so a share that holds a
    clear majority leads one that merely rounds to it."""
    shares = [
        r
        for r in findings.values()
        if r.get("kind") == "proportion"
        and not r.get("subgroup")
        and not r.get("suppressed")
        and r.get("ci_low") is not None
    ]
    return sorted(shares, key=lambda r: (-r["ci_low"], r["id"]))


def by_strength(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Findings strongest first, as strongest_shares orders them; suppressed ones last, in their order."""
    shown = [r for r in records if r is not None and not r.get("suppressed") and r.get("ci_low") is not None]
    rest = [r for r in records if r is not None and r not in shown]
    return sorted(shown, key=lambda r: (-r["ci_low"], r["id"])) + rest


def leading(findings: dict[str, Any], limit: int = 3, changes: int = 2) -> list[dict[str, Any]]:
    """What the lede leads with, by rule: the largest changes the test supports (at most `changes`), then the
    strongest shares, `limit` in all, no finding twice (a change stands for its finding)."""
    moved = supported_changes(findings)[:changes]
    taken = {c["finding"] for c in moved}
    shares = [r for r in strongest_shares(findings) if r["id"] not in taken]
    return (moved + shares)[:limit]


def share_sentence(r: dict[str, Any], who: str, turn: int) -> str:
    """A share in the lede, its form taken in turn so that no two running sentences share one: the share in words,
    the percentage as words, "the share who ... is N%"."""
    now = prose.percent(r["value"])
    form = turn % 3
    if form == 0:
        words = prose.hedged_words(r["value"], r["ci_low"], r["ci_high"])
        return f"{prose.capfirst(prose.share_phrase(words, who))} ({now}) {r['description']}."
    if form == 1:
        return f"{prose.sentence_start(now)} {r['description']}."
    return f"The share who {r['description']} is {now}."


def lede(findings: dict[str, Any], who: str, wave: str) -> str:
    """The opening paragraph, from `leading`: each change as "the share of <who> who ... rose from A to B", each
    share with a hedge true of its value and interval; the sentence forms vary with what leads."""
    sentences, majorities = [], []
    for number, r in enumerate(leading(findings)):
        if r["kind"] == "change":
            verb = "rose" if r["difference"] > 0 else "fell"
            before, now = prose.percent(r["previous"]["value"]), prose.percent(r["current"]["value"])
            if number == 0:
                sentences.append(
                    f"The clearest change since {r['compare_wave']}: the share of {who} who {r['description']} "
                    f"{verb} from {before} to {now}."
                )
            else:
                sentences.append(f"The share who {r['description']} {verb} from {before} to {now}.")
            continue
        now = prose.percent(r["value"])
        if r["ci_low"] > 0.5 and majorities:
            majorities.append(f"{r['description']} ({now})")
        elif r["ci_low"] > 0.5:
            opener = "Most" if number else f"In {wave}, most"
            sentences.append(f"{opener} {who} ({now}) {r['description']}, a majority beyond the margin of error.")
            majorities.append(None)  # later majorities join one sentence, so no form repeats
        else:
            sentences.append(share_sentence(r, who, len(sentences)))
    more = [m for m in majorities if m]
    if more:
        subject = "Majorities also" if len(more) > 1 else "A majority also"
        sentences.append(f"{subject} {' and '.join(more)}.")
    return " ".join(sentences)


FILTERS = {
    "change_clause": change_clause,
    "change_sentence": change_sentence,
    "change_lead": change_lead,
    "change_interval": change_interval,
    "signed_change": signed_change,
    "supported_changes": supported_changes,
    "tested_changes": tested_changes,
    "tested_comparisons": tested_comparisons,
    "lede": lede,
    "leading": leading,
    "by_strength": by_strength,
}


def register(env: jinja2.Environment) -> jinja2.Environment:
    """Install FILTERS; `change_sentence` takes UNCERTAIN_FORMS in turn, one cycle per environment (per briefing)."""
    env.filters.update(FILTERS)
    turn = itertools.count()

    def varied_change_sentence(change: dict[str, Any], subject: str = "the share") -> str:
        uncertain = change["status"] == "compared" and prose.difference_kind(change) == prose.UNCERTAIN
        return change_sentence(change, subject, next(turn) if uncertain else 0)

    env.filters["change_sentence"] = varied_change_sentence
    return env
