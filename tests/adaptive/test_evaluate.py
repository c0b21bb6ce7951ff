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
    assert {m["model"] for m in res["models"]} == {
        "BKT",
        "BKT+forgets",
        "Elo",
        "Combined",
        "Best-LR",
    }
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


def _write_tsv(path, attempts, multi=False):
    """Tab-separated, Gervet's column names; with ``multi`` every item of skill k00 also
    exercises k01 (two skills in one cell)."""
    with open(path, "w", newline="") as f:
        w = csv.writer(f, delimiter="\t")
        w.writerow(["user_id", "item_id", "timestamp", "correct", "skill_id"])
        for a in attempts:
            skill = "k00,k01" if (multi and a.skill == "k00") else a.skill
            w.writerow([a.learner, a.item, f"{a.t:.0f}", int(a.correct), skill])


@pytest.fixture(scope="module")
def given_split(tmp_path_factory):
    d = tmp_path_factory.mktemp("split")
    world = make_world(4, 20, seed=5)
    _write_tsv(d / "train.tsv", generate_log(world, 120, 10, seed=5, prefix="tr"), multi=True)
    _write_tsv(d / "test.tsv", generate_log(world, 40, 10, seed=6, prefix="te"), multi=True)
    return d


def test_cli_reads_tab_separated_files_with_a_given_split_and_several_skills(
    given_split, tmp_path, capsys
):
    out_json = tmp_path / "r.json"
    argv = ["--train", str(given_split / "train.tsv"), "--test", str(given_split / "test.tsv")]
    assert evaluate.main([*argv, "--cold", "--json", str(out_json)]) == 0
    text = capsys.readouterr().out
    assert "tab-separated" in text and "answers with several skills" in text
    res = json.loads(out_json.read_text())
    # the given split is used as is: every test learner is scored, none is trained on
    assert res["test_learners"] == 40 and res["train_learners"] == 120
    assert res["test_rows"] == 40 * 4 * 10  # one prediction per answer, not per skill
    train_info, test_info = res["data"]
    assert test_info["multi_skill_answers"] == 40 * 10 and test_info["skills"] == 4
    names = [m["model"] for m in res["models"]]
    for name in (
        "Best-LR",
        "Elo",
        "Combined",
        "Combined (unfitted)",
        "Elo (unfitted)",
    ):
        assert name in names
    by = {m["model"]: m for m in res["models"]}
    for name in ("Best-LR", "Combined"):
        assert by[name]["auc"] > by["Elo (unfitted)"]["auc"]
        assert by[name]["n"] == res["test_rows"] and len(by[name]["calibration"]) == 10
    assert 0 < res["first_attempts"]["observed"] < 1


def test_skill_cells_split_on_separators_and_qmatrix(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("user,item,timestamp,correct,skill\nu1,0,1,1,a;b\nu1,1,2,0,c\n")
    (a,), (info,) = evaluate.load_answers([str(path)])
    assert [[a.skills[k] for k in a.skills_of(r)] for r in range(2)] == [["a", "b"], ["c"]]
    assert info["delimiter"] == "comma" and info["multi_skill_answers"] == 1
    # a Q-matrix (CSR layout as scipy saves it) overrides the cell: item 1 has skills 0 and 2
    q = tmp_path / "q.npz"
    np.savez(
        q,
        indptr=np.array([0, 1, 3]),
        indices=np.array([1, 0, 2]),
        data=np.ones(3),
        shape=np.array([2, 3]),
        format=np.bytes_(b"csr"),
    )
    (a,), _ = evaluate.load_answers([str(path)], qmat=str(q))
    assert [[a.skills[k] for k in a.skills_of(r)] for r in range(2)] == [["1"], ["0", "2"]]
    exp = a.expanded()
    assert len(exp) == 3 and sorted(exp.skills.tolist()) == ["0", "1", "2"]


def test_cli_bootstrap_gives_intervals_over_test_learners(given_split, tmp_path, capsys):
    out_json = tmp_path / "r.json"
    argv = ["--train", str(given_split / "train.tsv"), "--test", str(given_split / "test.tsv")]
    assert evaluate.main([*argv, "--bootstrap", "30", "--json", str(out_json)]) == 0
    assert "AUC gain, 95 %" in capsys.readouterr().out
    by = {m["model"]: m for m in json.loads(out_json.read_text())["models"]}
    for name, m in by.items():
        lo, hi = m["auc_ci"]
        assert lo <= hi and lo - 0.05 < m["auc"] < hi + 0.05, name
    assert "auc_gain_ci" not in by["Best-LR"]  # the baseline
    g0, g1 = by["Combined"]["auc_gain_ci"]
    gain = by["Combined"]["auc"] - by["Best-LR"]["auc"]
    assert g0 <= g1 and g0 - 0.02 < gain < g1 + 0.02 and by["Combined"]["auc_gain_vs"] == "Best-LR"
