"""The SYNTHETIC example wave: reproduces every published figure, regenerates byte for byte, is labelled."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest
import yaml

from briefing import config
from briefing.inputs.codebook import answered_mask, counts_mask, load_codebook
from briefing.inputs.validate import read_survey
from tests.conftest import ROOT, survey_script

synthetic = survey_script("pcn-clinical-directors", "generate")


@pytest.fixture(scope="module")
def params():
    return config.load(ROOT / "params.yml", wave="2019")  # the wave calibrated to published figures


@pytest.fixture(scope="module")
def codebook(params):
    return load_codebook(ROOT / params.codebook)


@pytest.fixture(scope="module")
def survey(params, codebook):
    return read_survey(ROOT / params.survey_path, codebook, params.wave)


def half_up(share: float) -> int:
    return int(Decimal(str(share * 100)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def in_subgroup(survey: pd.DataFrame, subgroup: str | None, params) -> pd.Series:
    size = survey["pcn_list_size"]
    if subgroup == "small":
        return size < synthetic.limits(params)[0]
    if subgroup == "large":
        return size > synthetic.limits(params)[1]
    return pd.Series(True, index=survey.index)


def shares(survey, codebook, params) -> dict[str, float]:
    """Each registered finding, computed as the briefing computes it."""
    out = {}
    for fid, spec in codebook.findings_in(survey["wave"].iloc[0]).items():
        group = survey[in_subgroup(survey, spec.subgroup, params)]
        answered = answered_mask(group, codebook.questions[spec.question])
        counted = counts_mask(group, spec, codebook) & answered
        out[fid] = counted.sum() / answered.sum()
    return out


def test_every_published_figure_is_reproduced(survey, codebook, params):
    assert len(survey) == synthetic.RESPONDENTS == 213
    computed = shares(survey, codebook, params)
    assert set(computed) == set(synthetic.PUBLISHED)
    for fid, published in synthetic.PUBLISHED.items():
        assert half_up(computed[fid]) == round(computed[fid] * 100) == published, fid
    assert computed["priority_funding"] < 0.40  # published as "just under 40%"


def test_published_figures_hold_on_the_answered_base_despite_blanks(survey, codebook):
    blanks = {q: int((~answered_mask(survey, codebook.questions[q])).sum()) for q in synthetic.BLANKS}
    assert blanks == synthetic.BLANKS
    assert sum(blanks.values()) > 0


def test_regenerating_reproduces_the_committed_files_byte_for_byte(tmp_path, params):
    out = tmp_path / "wave.csv"
    assert synthetic.main(["--params", str(ROOT / "params.yml"), "--out", str(out)]) is None
    assert out.read_bytes() == (ROOT / params.survey_path).read_bytes()
    committed_meta = yaml.safe_load((ROOT / params.survey_path).with_suffix(".meta.yml").read_text(encoding="utf-8"))
    rebuilt_meta = yaml.safe_load(out.with_suffix(".meta.yml").read_text(encoding="utf-8"))
    assert {k: v for k, v in rebuilt_meta.items() if k != "command"} == {
        k: v for k, v in committed_meta.items() if k != "command"
    }


def test_wave_is_clearly_labelled_synthetic(survey, params):
    meta = yaml.safe_load((ROOT / params.survey_path).with_suffix(".meta.yml").read_text(encoding="utf-8"))
    assert meta["synthetic"] is True and meta["seed"] == synthetic.SEED
    assert "synthetic" in meta["notice"].lower() and "SYNTHETIC" in meta["title"]
    assert survey["respondent_id"].str.startswith("SYN").all()
    comments = survey["comments"].dropna()
    assert len(comments) >= 2 and comments.str.contains("SYNTHETIC").all()


def test_regions_and_list_sizes_are_plausible_against_the_real_frame(survey, params):
    frame = pd.read_csv(ROOT / params.frame_file.format(frame_year="2019-20"))
    assert set(survey["region"].astype(str)) <= set(frame["region"])
    assert survey["region"].nunique() == frame["region"].nunique()
    low, high = frame["registered_patients"].min(), frame["registered_patients"].max()
    assert survey["pcn_list_size"].between(low * 0.97 - 100, high * 1.03 + 100).all()
    assert (
        abs(survey["pcn_list_size"].median() - frame["registered_patients"].median())
        < 0.1 * frame["registered_patients"].median()
    )


def test_solve_count_refuses_a_base_that_cannot_give_the_figure():
    with pytest.raises(ValueError, match="no count of 3 respondents gives 50%"):
        synthetic.solve_count(3, 50)
    assert synthetic.solve_count(213, 49) == round(213 * 0.49)


def test_solve_count_respects_an_upper_bound():
    with pytest.raises(ValueError):
        synthetic.solve_count(10, 40, below=40)


def test_band_solution_meets_small_large_and_overall_figures_together():
    solution = synthetic.solve_bands(213, {"small": 0.385, "medium": 0.437, "large": 0.178}, 49, 63, 42)
    sizes, counted = solution.sizes, solution.counted
    assert sum(sizes.values()) == 213
    assert round(100 * counted["small"] / sizes["small"]) == 63
    assert round(100 * counted["large"] / sizes["large"]) == 42
    assert round(100 * sum(counted.values()) / 213) == 49


def test_largest_remainder_sums_to_the_total():
    split = synthetic.largest_remainder(29, {"a": 0.12, "b": 0.68, "c": 0.20})
    assert sum(split.values()) == 29 and list(split) == ["a", "b", "c"]


# --- the 2020 wave: invented figures, marked so, byte-reproducible --------------------------------------------
WAVE_2020 = ROOT / "data" / "pcn-clinical-directors" / "raw" / "pcn_cd_survey_2020.csv"


def test_2020_wave_regenerates_byte_for_byte(tmp_path):
    out = tmp_path / "wave.csv"
    synthetic.main(["--params", str(ROOT / "params.yml"), "--wave", "2020", "--out", str(out)])
    assert out.read_bytes() == WAVE_2020.read_bytes()
    rebuilt = yaml.safe_load(out.with_suffix(".meta.yml").read_text(encoding="utf-8"))
    committed = yaml.safe_load(WAVE_2020.with_suffix(".meta.yml").read_text(encoding="utf-8"))
    assert {k: v for k, v in rebuilt.items() if k != "command"} == {
        k: v for k, v in committed.items() if k != "command"
    }


def test_2020_wave_says_its_figures_are_invented_not_published(codebook):
    meta = yaml.safe_load(WAVE_2020.with_suffix(".meta.yml").read_text(encoding="utf-8"))
    assert meta["synthetic"] is True and meta["frame_year"] == "2020-21" and meta["seed"] == 20201101
    assert "published_figures_percent" not in meta and meta["invented_figures_percent"] == synthetic.INVENTED_2020
    assert "no 2020 results of this survey have been published" in meta["notice"]
    assert meta["calibrated_to"].startswith("nothing")
    assert not synthetic.DESIGNS["2020"].published and synthetic.DESIGNS["2019"].published


def test_2020_wave_moves_plausibly_asks_a_new_question_and_rewords_an_answer(codebook, params):
    survey = read_survey(WAVE_2020, codebook, "2020")
    raw = pd.read_csv(WAVE_2020, dtype=str, keep_default_na=False)
    assert "Not manageable" in set(raw["workload_manageable"]) and "protected_time" in raw.columns
    computed = shares(survey, codebook, params)
    assert set(computed) == set(synthetic.INVENTED_2020)  # includes the new question's finding
    for fid, invented in synthetic.INVENTED_2020.items():
        assert round(computed[fid] * 100) == invented, fid
    assert computed["plan_to_leave"] > 0.2  # more clinical directors planning to leave than 2019's 11%
