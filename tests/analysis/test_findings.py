import json

import numpy as np
import pytest

from briefing import config
from briefing.analysis import findings
from tests.conftest import ROOT


def record(fid, notebook="nb", value=0.5):
    return findings.Finding(fid, value, "desc", "base", notebook, ["in.csv"], numerator=1, denominator=2)


def test_write_and_merge_sorted_and_stable(tmp_path):
    a = findings.write([record("b_second"), record("a_first")], tmp_path / "a.json")
    b = findings.write([record("c_third", "nb2")], tmp_path / "b.json")
    params = config.load(ROOT / "params.yml")
    merged = findings.merge([b, a], params)
    assert list(merged["findings"]) == ["a_first", "b_second", "c_third"]
    assert findings.dumps(merged) == findings.dumps(findings.merge([a, b], params))


def test_duplicate_id_across_notebooks_is_an_error(tmp_path):
    a = findings.write([record("same", "one")], tmp_path / "a.json")
    b = findings.write([record("same", "two")], tmp_path / "b.json")
    with pytest.raises(ValueError, match="'same' is written by both one and two"):
        findings.merge([a, b], config.load(ROOT / "params.yml"))


def test_duplicate_id_within_notebook_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="duplicate"):
        findings.write([record("x"), record("x")], tmp_path / "a.json")


def test_json_is_clean_numbers():
    text = findings.dumps({"a": np.float64(1 / 3), "b": float("nan"), "c": np.int64(7)})
    assert json.loads(text) == {"a": 0.3333333333, "b": None, "c": 7}
