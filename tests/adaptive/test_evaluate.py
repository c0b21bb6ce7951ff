"""The evaluation harness, its CSV reader and the metrics."""

import csv
import json

import numpy as np
import pytest

from tutor.adaptive import evaluate
from tutor.adaptive.metrics import auc, calibration, ece, rmse
from tutor.adaptive.simulate import generate_log, make_world, write_csv


def test_auc_matches_pairwise_definition_with_ties():
    rng = np.random.default_rng(0)
    y = rng.random(200) < 0.5
    p = np.round(rng.random(200), 1)  # many ties
    pos, neg = p[y], p[~y]
    brute = np.mean([(a > b) + 0.5 * (a == b) for a in pos for b in neg])
    assert auc(y, p) == pytest.approx(brute)
    assert np.isnan(auc(np.ones(5), np.arange(5)))


def test_rmse_and_calibration():
    y = np.array([0, 1, 1, 0])
    p = np.array([0.1, 0.9, 0.8, 0.3])
    assert rmse(y, p) == pytest.approx(np.sqrt((0.01 + 0.01 + 0.04 + 0.09) / 4))
    rows = calibration(y, p, 10)
    assert sum(r["n"] for r in rows) == 4
    assert ece(y, y.astype(float)) == pytest.approx(0.0)


@pytest.fixture(scope="module")
def csv_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("eval") / "sim.csv"
    write_csv(generate_log(make_world(4, 20, seed=4), 150, 10, seed=4), str(path))
    return path


def test_cli_prints_one_row_per_model(csv_file, tmp_path, capsys):
    out_json = tmp_path / "r.json"
    assert evaluate.main(["--data", str(csv_file), "--forgets", "--json", str(out_json)]) == 0
    text = capsys.readouterr().out
    for name in ("| BKT |", "| BKT+forgets |", "| Elo |", "| Combined |", "calibration"):
        assert name in text
    res = json.loads(out_json.read_text())
    assert {m["model"] for m in res["models"]} == {"BKT", "BKT+forgets", "Elo", "Combined"}
    assert res["test_learners"] == 30 and res["train_learners"] == 120
    for m in res["models"]:
        assert 0.5 < m["auc"] < 1 and len(m["calibration"]) == 10


def test_cli_online_items_option(csv_file, capsys):
    assert evaluate.main(["--data", str(csv_file), "--online-items", "--test-fraction", "0.3"]) == 0
    assert "| Combined |" in capsys.readouterr().out


def test_split_is_by_learner(csv_file):
    tab, info = evaluate.load_csv(str(csv_file))
    train, test = evaluate.split_learners(tab, 0.2, 0)
    assert set(train.learner.tolist()).isdisjoint(test.learner.tolist())
    assert len(train) + len(test) == info["rows"]


def test_reader_accepts_other_column_names_iso_times_and_no_item(tmp_path):
    path = tmp_path / "alt.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student_id", "KC", "is_correct", "start_time"])
        w.writerow(["s1", "frac", "1", "2024-01-01T10:00:00Z"])
        w.writerow(["s1", "frac", "0", "2024-01-01T09:00:00Z"])
        w.writerow(["s2", "", "1", "2024-01-01T11:00:00"])
        w.writerow(["s2", "frac", "oops", "2024-01-01T11:00:00"])
    tab, info = evaluate.load_csv(str(path))
    assert info["rows"] == 3 and info["skipped_rows"] == 1
    assert info["columns"]["item"] is None
    # rows are put in time order: the 09:00 wrong answer comes first
    assert tab.correct.tolist()[0] == 0.0
    assert "(none)" in tab.skills.tolist()


def test_missing_column_is_a_clear_error(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("who,what\n1,2\n")
    with pytest.raises(SystemExit, match="no column for 'user'"):
        evaluate.load_csv(str(path))
