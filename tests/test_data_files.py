"""Issue 18: your own data files -- the loader, every bad file's one-line message, relative paths,
standardization back to the data's units, the budget, and the input hash / manifest of publish."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gdcore import datasets
from gdcore.data import house_prices, six_points
from gdcore.datasets import (
    DataError,
    Standardizer,
    column_titles,
    load_labeled,
    load_xy,
    needs_standardizing,
    read_columns,
    standardize_line,
)
from gdcore.linfit import fit_line, least_squares, mse
from scenes.params import DATA_RULES, ParamsError, class_colours, estimate, load_params, scene_data

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def labeled_csv(n_per_class: int, classes: int = 2, seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    rows = ["x1,x2,label"]
    for k in range(classes):
        for a, b in rng.normal(3 * k, 1.0, (n_per_class, 2)):
            rows.append(f"{a:.3f},{b:.3f},{k}")
    return "\n".join(rows) + "\n"


# ------------------------------------------------------------------------------------- the loader


def test_csv_points_come_back_as_the_built_in_sets_do(tmp_path):
    # Case-insensitive names, extra columns ignored, column order free, a BOM and a blank line are fine.
    f = write(tmp_path / "pts.csv", "\ufeffid,Y,X\n1,2.5,1\n\n2,4.5,2\n3,6.5,3\n")
    x, y = load_xy(f)
    ref_x, _ref_y = six_points()
    assert type(x) is type(ref_x) and x.dtype == ref_x.dtype and x.ndim == 1   # same kind as six_points()
    assert x.tolist() == [1.0, 2.0, 3.0] and y.tolist() == [2.5, 4.5, 6.5]


def test_semicolon_and_tab_separated_files_are_read(tmp_path):
    for sep in (";", "\t"):
        f = write(tmp_path / f"p{ord(sep)}.csv", sep.join(["x", "y"]) + "\n" + f"1{sep}2\n2{sep}3\n3{sep}5\n")
        assert load_xy(f)[1].tolist() == [2.0, 3.0, 5.0]


def test_labeled_points_are_an_n_by_2_array_and_integer_labels(tmp_path):
    f = write(tmp_path / "c.csv", labeled_csv(6, classes=3))
    X, y = load_labeled(f)
    Xm, ym = datasets.two_moons(20)
    assert X.shape == (18, 2) and X.dtype == Xm.dtype
    assert y.dtype.kind == ym.dtype.kind == "i" and sorted(set(y.tolist())) == [0, 1, 2]


def test_npz_files_are_read_by_array_name(tmp_path):
    f = tmp_path / "c.npz"
    np.savez(f, x1=np.arange(10.0), x2=np.arange(10.0) ** 2, label=np.array([0, 1] * 5))
    X, y = load_labeled(f)
    assert X[:, 1].tolist() == (np.arange(10.0) ** 2).tolist() and y.tolist() == [0, 1] * 5


def test_header_descriptions_become_axis_titles(tmp_path):
    f = write(tmp_path / "h.csv", "x (size in sq ft),y (price in $)\n1000,2e5\n2000,4e5\n4000,8e5\n")
    assert load_xy(f)[0].tolist() == [1000.0, 2000.0, 4000.0]
    assert column_titles(f, ["x", "y"]) == {"x": "size in sq ft", "y": "price in $"}
    assert column_titles(write(tmp_path / "plain.csv", "x,y\n1,2\n"), ["x", "y"]) == {"x": "x", "y": "y"}


# Every bad file: (file name, contents, loader keyword arguments, the message after "<file>: ").
XY = dict(kind="xy")
LAB = dict(kind="labeled")
BAD = [
    ("missing column", "a.csv", "x,z\n1,2\n2,3\n3,4\n", XY,
     "row 1 (header): missing column 'y'; the header has 'x', 'z'; needed: x, y"),
    ("no header", "a.csv", "1,2\n2,3\n3,4\n", XY,
     "row 1 (header): missing columns 'x', 'y'; the header has '1', '2'; the first row must be a header naming "
     "the columns; needed: x, y"),
    ("not a number", "a.csv", "x,y\n1,2\n2,oops\n3,4\n", XY,
     "row 3, column 'y': 'oops' is not a number; every cell must be a finite number"),
    ("empty cell", "a.csv", "x,y\n1,2\n,3\n3,4\n", XY,
     "row 3, column 'x': empty cell; every cell must be a finite number"),
    ("short row", "a.csv", "x,y\n1,2\n2\n3,4\n", XY,
     "row 3, column 'y': empty cell; every cell must be a finite number"),
    ("nan", "a.csv", "x,y\n1,2\n2,3\n\n3,nan\n", XY,
     "row 5, column 'y': 'nan' is not finite; every cell must be a finite number"),
    ("inf", "a.csv", "x,y\n-inf,2\n2,3\n3,4\n", XY,
     "row 2, column 'x': '-inf' is not finite; every cell must be a finite number"),
    ("too few points", "a.csv", "x,y\n1,2\n2,3\n", XY, "has 2 data rows, too few; linear_fit takes 3 to 100 points"),
    ("too many points", "a.csv", "x,y\n" + "".join(f"{i},{i}\n" for i in range(101)), XY,
     "has 101 data rows, too many; linear_fit takes 3 to 100 points"),
    ("one x value", "a.csv", "x,y\n2,1\n2,3\n2,4\n", XY,
     "column 'x': every row has 2; a line needs at least two different x values"),
    ("label not a whole number", "c.csv", labeled_csv(5).replace("\n", "\n9,9,1.5\n", 1), LAB,
     "row 2, column 'label': 1.5 is not a class; a label must be a whole number from 0 to 9"),
    ("label not a number", "c.csv", labeled_csv(5).replace("\n", "\n9,9,cat\n", 1), LAB,
     "row 2, column 'label': 'cat' is not a number; every cell must be a finite number"),
    ("negative label", "c.csv", labeled_csv(5).replace("\n", "\n9,9,-1\n", 1), LAB,
     "row 2, column 'label': -1 is out of range; a label must be a whole number from 0 to 9 "
     "(at most 10 classes)"),
    ("more classes than colours", "c.csv", labeled_csv(1, classes=11), LAB,
     "row 12, column 'label': 10 is out of range; a label must be a whole number from 0 to 9 "
     "(neural_network can colour at most 10 classes)"),
    ("an empty class", "c.csv", labeled_csv(6).replace(",1\n", ",2\n"), LAB,
     "column 'label': class 1 has no rows (labels found: 0, 2); number the classes 0 to 2 without gaps"),
    ("one class", "c.csv", labeled_csv(6).replace(",1\n", ",0\n"), LAB,
     "column 'label': every row is class 0; needs at least 2 classes, labelled 0 to 1 or more"),
    ("too few labelled points", "c.csv", labeled_csv(4), LAB,
     "has 8 data rows, too few; neural_network takes 10 to 2000 points"),
    ("empty file", "a.csv", "\n\n", XY, "is empty; the first row must name the columns (x, y)"),
    ("not UTF-8", "a.csv", b"x,y\n1,2\n\xe9,3\n", XY,
     "not UTF-8 text (byte 0xe9 at offset 8); save it as UTF-8 CSV"),
    ("wrong suffix", "a.txt", "x,y\n1,2\n", XY, "data files must be .csv (with a header row) or .npz, got '.txt'"),
    ("corrupt npz", "a.npz", b"not a zip", XY, "not a readable .npz file"),
]


def load_for(kind: str, path: Path, **kw):
    """As the scenes load them: linear_fit's limits for x/y, neural_network's for labelled points."""
    if kind == "xy":
        r = DATA_RULES["linear_fit"]
        return load_xy(path, min_points=r.min_points, max_points=r.max_points, context="linear_fit", **kw)
    r = DATA_RULES["neural_network"]
    return load_labeled(path, min_points=r.min_points, max_points=r.max_points, max_classes=class_colours(),
                        context="neural_network", **kw)


@pytest.mark.parametrize("case, name, text, how, message", BAD, ids=[b[0] for b in BAD])
def test_every_bad_file_is_one_line_naming_the_file_row_and_column(tmp_path, case, name, text, how, message):
    f = write(tmp_path / name, text)
    with pytest.raises(DataError) as e:
        load_for(how["kind"], f)
    text_ = str(e.value)
    assert "\n" not in text_
    assert text_.startswith(f"{f}: "), text_
    assert text_.removeprefix(f"{f}: ").startswith(message), text_


@pytest.mark.parametrize("arrays, message", [
    ({"x": np.arange(5.0)}, "missing array 'y'; the file has 'x'; needed: x, y (one 1-D array per column)"),
    ({"x": np.arange(6.0).reshape(3, 2), "y": np.arange(3.0)}, "column 'x': must be a 1-D array, got shape (3, 2)"),
    ({"x": np.arange(5.0), "y": np.arange(4.0)}, "column 'y': has 4 rows, column 'x' has 5; columns must have one"),
    ({"x": np.arange(5.0), "y": np.array([1, 2, np.nan, 4, 5])},
     "row 2 (0-based), column 'y': nan is not finite; every value must be a finite number"),
    ({"x": np.arange(3.0), "y": np.array(["a", "b", "c"])}, "column 'y': must hold numbers, got dtype <U1"),
], ids=["missing", "2-D", "lengths", "nan", "strings"])
def test_bad_npz_files_name_the_array_and_row(tmp_path, arrays, message):
    f = tmp_path / "d.npz"
    np.savez(f, **arrays)
    with pytest.raises(DataError, match=None) as e:
        load_xy(f)
    assert str(e.value) == f"{f}: {message}" or str(e.value).startswith(f"{f}: {message}"), str(e.value)


def test_missing_files_directories_and_oversized_files_are_refused(tmp_path):
    with pytest.raises(DataError, match=r"nope\.csv: data file does not exist$"):
        load_xy(tmp_path / "nope.csv")
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(DataError, match=r"dir\.csv: is a directory; give a \.csv or \.npz file$"):
        load_xy(tmp_path / "dir.csv")
    big = write(tmp_path / "big.csv", "x,y\n" + "1,2\n" * 400_000)            # 1.6 MB of rows
    assert big.stat().st_size > datasets.MAX_FILE_BYTES
    with pytest.raises(DataError, match=r"big\.csv: is 1\.5 MiB; data files may be at most 1\.0 MiB "
                                        r"\(1048576 bytes\)$"):
        load_xy(big)


def test_row_numbers_are_the_files_lines_and_npz_rows_are_indices(tmp_path):
    cols, rows = read_columns(write(tmp_path / "a.csv", "\nx,y\n1,2\n\n3,4\n"), ["x", "y"])
    assert rows == [3, 5] and cols["y"].tolist() == [2.0, 4.0]


# ------------------------------------------------------------------------------- standardization


def test_a_line_fitted_on_the_standardized_copy_maps_back_to_the_data_units():
    x, y = np.array([1000.0, 2000.0, 4000.0, 3000.0]), np.array([2.1e5, 3.9e5, 8.2e5, 6.0e5])
    xs, ys, s = standardize_line(x, y)
    assert not s.is_identity and abs(xs.mean()) < 1e-12 and abs(ys.std() - 1) < 1e-12
    m, b = s.to_original(*least_squares(xs, ys))
    m_ref, b_ref = least_squares(x, y)
    assert np.isclose(m, m_ref, rtol=1e-10) and np.isclose(b, b_ref, rtol=1e-8)
    # The loss on the copy is the loss in the data's units divided by sy^2.
    assert np.isclose(s.mse_to_original(mse(xs, ys, *least_squares(xs, ys))), mse(x, y, m_ref, b_ref))
    assert np.allclose(s.to_standard(*s.to_original(0.3, -0.2)), (0.3, -0.2))


def test_sgd_on_raw_house_prices_diverges_and_on_the_standardized_copy_finds_the_exchange_rate():
    x, y = load_xy(EXAMPLES / "house_prices.csv")
    assert (x, y) and np.allclose(y / 1000, house_prices()[1])           # the post's table, in dollars
    raw = fit_line(x, y, lr=0.01, epochs=50, mode="stochastic", loss="half_mse", seed=0)
    assert raw.status == "diverged"
    xs, ys, s = standardize_line(x, y)
    fit = fit_line(xs, ys, lr=0.05, epochs=500, mode="stochastic", loss="half_mse", seed=0)
    m, b = s.to_original(fit.m[-1], fit.b[-1])
    assert fit.status == "finished" and abs(m - 200.0) < 1.0 and abs(b) < 2000      # $200 per sq ft


def test_the_built_in_sets_are_used_as_they_are():
    x, y = six_points()
    xs, ys, s = standardize_line(x, y)
    assert s.is_identity and xs is not None and np.array_equal(xs, x) and np.array_equal(ys, y)
    assert not needs_standardizing(datasets.two_moons(200, 0.15)[0])
    assert needs_standardizing(np.array([[1.0, 5000.0], [2.0, 7000.0]]))


def test_standardizer_round_trips_columns():
    X = np.array([[1.0, 100.0], [3.0, 300.0], [5.0, 200.0]])
    s = Standardizer.fit(X)
    assert np.allclose(s.transform(X).std(axis=0), 1.0) and np.allclose(s.inverse(s.transform(X)), X)
    const = Standardizer.fit(np.array([2.0, 2.0]))
    assert const.scale == 1.0                                             # a constant column is not divided by 0


# ---------------------------------------------------------------------------------------- params


def params_file(folder: Path, text: str) -> Path:
    return write(folder / "p.toml", text)


def test_relative_paths_resolve_against_the_parameter_files_folder(tmp_path, monkeypatch):
    write(tmp_path / "course" / "data" / "h.csv", "x,y\n1,2\n2,4\n3,7\n")
    params_file(tmp_path / "course", '[linear_fit]\ndata = "data/h.csv"\n')
    monkeypatch.chdir(tmp_path)                                            # not the file's folder
    got = load_params(Path("course/p.toml"))["linear_fit"]["data"]
    assert got == str(tmp_path / "course" / "data" / "h.csv")
    _x, y = scene_data("linear_fit", {"data": got})
    assert y.tolist() == [2.0, 4.0, 7.0]


def test_empty_data_means_the_built_in_sets():
    p = load_params(None)
    assert p["linear_fit"]["data"] == "" and p["neural_network"]["data"] == "" and p["loss_landscape"]["data"] == ""
    assert scene_data("linear_fit", p["linear_fit"])[1].tolist() == six_points()[1].tolist()
    X, _y = scene_data("neural_network", p["neural_network"])
    assert X.shape == (120, 2)


def test_a_bad_data_file_names_the_parameter_file_the_key_and_the_data_file(tmp_path):
    write(tmp_path / "h.csv", "x,y\n1,2\n2,oops\n3,4\n")
    p = params_file(tmp_path, '[linear_fit]\ndata = "h.csv"\n')
    with pytest.raises(ParamsError) as e:
        load_params(p)
    assert str(e.value) == (f"{p}: 'linear_fit.data': {tmp_path / 'h.csv'}: row 3, column 'y': 'oops' is not a "
                            f"number; every cell must be a finite number")


def test_a_missing_data_file_shows_where_it_was_looked_for(tmp_path):
    p = params_file(tmp_path / "sub", '[neural_network]\ndata = "../elsewhere/c.csv"\n')
    with pytest.raises(ParamsError, match=rf"'neural_network.data': {tmp_path / 'elsewhere' / 'c.csv'}: data file "
                                          r"does not exist$"):
        load_params(p)


def test_the_class_limit_is_the_themes_colour_count():
    from scenes.kit.theme import THEME

    assert class_colours() == len(THEME.CLASS) == 10


@pytest.mark.parametrize("how", ["manim", "publish"])
def test_bad_data_stops_with_one_line_and_exit_2_no_traceback(tmp_path, how):
    write(tmp_path / "c.csv", labeled_csv(6).replace(",1\n", ",2\n"))
    p = params_file(tmp_path, '[neural_network]\ndata = "c.csv"\n')
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if how == "manim":      # what a scene's setup() runs
        cmd = [sys.executable, "-c", "from scenes.params import scene_params; scene_params('neural_network')"]
        env["GDVIZ_PARAMS"] = str(p)
    else:
        cmd = [sys.executable, "-m", "scenes", "publish", "--params", str(p), "--only", "neural_network",
               "--out", str(tmp_path / "out")]
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert "'neural_network.data'" in lines[0] and "class 1 has no rows (labels found: 0, 2)" in lines[0]


def test_the_budget_counts_the_files_points_not_n_points(tmp_path):
    big = write(tmp_path / "big.csv", labeled_csv(1000))
    small = write(tmp_path / "small.csv", labeled_csv(10))
    heavy = "hidden = [512, 512]\nepochs = 200\nbatch_size = 1\nsnapshot_every = 400\n"
    with pytest.raises(ParamsError) as e:
        load_params(params_file(tmp_path, f'[neural_network]\ndata = "big.csv"\n{heavy}'))
    assert "neural_network: data = 'big.csv' (2000 points, 2 classes), hidden = [512, 512], epochs = 200, " \
           "batch_size = 1, snapshot_every = 400 need about" in str(e.value)
    ok = load_params(params_file(tmp_path, f'[neural_network]\ndata = "small.csv"\n{heavy}'))["neural_network"]
    assert ok["n_points"] == 120 and ok["data"] == str(small)            # n_points (120) is not what counts
    c_small, c_big = estimate("neural_network", ok), estimate("neural_network", {**ok, "data": str(big)})
    assert c_big.seconds > 10 * c_small.seconds            # 100x the points: the training part 100x


def test_a_batch_larger_than_the_file_is_refused(tmp_path):
    write(tmp_path / "c.csv", labeled_csv(10))
    with pytest.raises(ParamsError, match=r"'loss_landscape.batch_size' = 64, 'loss_landscape.data' = 'c.csv': a "
                                          r"batch cannot be larger than the 20 training samples$"):
        load_params(params_file(tmp_path, '[loss_landscape]\ndata = "c.csv"\n'))


def test_the_example_parameter_file_is_valid_and_uses_both_example_files():
    p = load_params(EXAMPLES / "my_data.toml")
    assert p["linear_fit"]["data"] == str(EXAMPLES / "house_prices.csv")
    X, y = scene_data("neural_network", p["neural_network"])
    assert X.shape == (40, 2) and np.bincount(y).tolist() == [20, 20]
    assert needs_standardizing(X)                                         # hours studied reach 30+


# ------------------------------------------------------------------------------ hash and manifest


def real_scene(name: str):
    from scenes.publishing import discover

    return {s.name: s for s in discover()}[name]


def test_the_data_file_is_an_input_of_its_scene_only(tmp_path):
    from scenes.publishing import input_hash

    h = write(tmp_path / "h.csv", "x,y\n1,2\n2,4\n3,7\n")
    p = params_file(tmp_path, '[linear_fit]\ndata = "h.csv"\n')
    settings = {"quality": "low"}

    def hashes():
        all_params = load_params(p)
        return {s: input_hash(real_scene(s), all_params[s], settings) for s in ("linear_fit", "neural_network")}

    before = hashes()
    write(h, "x,y\n1,2\n2,4\n3,8\n")                                     # one number changed
    after = hashes()
    assert after["linear_fit"] != before["linear_fit"]
    assert after["neural_network"] == before["neural_network"]
    # The same bytes in another folder are the same input: the path is not hashed, the content is.
    write(tmp_path / "moved" / "h.csv", h.read_text())
    params_file(tmp_path, '[linear_fit]\ndata = "moved/h.csv"\n')
    assert hashes()["linear_fit"] == after["linear_fit"]


def test_publish_records_the_data_files_sha256_and_rerenders_only_its_scene(tmp_path, monkeypatch):
    # A publish in-process with the render replaced by a stub (no manim): what it decides and records.
    from scenes.publishing import PublishOptions, publish
    from scenes.publishing import run as run_mod
    from scenes.publishing.render import Staged

    rendered: list[str] = []

    def fake_render(scene, opts, params_file, work, log, children):
        rendered.append(scene.name)
        stage = work / "stage"
        stage.mkdir()
        (stage / f"{scene.name}.mp4").write_bytes(b"video of " + scene.name.encode())
        return Staged(stage, [stage / f"{scene.name}.mp4"], 1.0, [])

    monkeypatch.setattr(run_mod, "render_scene", fake_render)
    monkeypatch.setattr(run_mod, "write_gallery", lambda out, manifest, infos: out / "index.html")
    h = write(tmp_path / "h.csv", "x,y\n1,2\n2,4\n3,7\n")
    p = params_file(tmp_path, '[linear_fit]\ndata = "h.csv"\n')
    out = tmp_path / "out"
    opts = PublishOptions(out=out, only=("linear_fit", "neural_network"), quality="low", jobs=1, params=p,
                          gif=False)
    import io

    assert publish(opts, io.StringIO()) == 0
    assert sorted(rendered) == ["linear_fit", "neural_network"]
    manifest = json.loads((out / "manifest.json").read_text())
    data = manifest["scenes"]["linear_fit"]["data"]
    assert data == [{"path": str(h), "bytes": h.stat().st_size, "sha256": hashlib.sha256(h.read_bytes()).hexdigest()}]
    assert manifest["scenes"]["neural_network"]["data"] == []

    rendered.clear()
    assert publish(opts, io.StringIO()) == 0
    assert rendered == []                                                 # nothing changed: both skipped

    write(h, "x,y\n1,2\n2,4\n3,9\n")
    assert publish(opts, io.StringIO()) == 0
    assert rendered == ["linear_fit"]                                     # only the scene that reads the file
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scenes"]["linear_fit"]["data"][0]["sha256"] == hashlib.sha256(h.read_bytes()).hexdigest()


def test_an_explicit_empty_data_is_the_built_in_set_and_three_classes_size_the_output(tmp_path):
    write(tmp_path / "c3.csv", labeled_csv(8, classes=3))
    p = load_params(params_file(tmp_path, '[linear_fit]\ndata = ""\n[neural_network]\ndata = "c3.csv"\n'))
    assert p["linear_fit"]["data"] == ""
    assert scene_data("linear_fit", p["linear_fit"])[0].tolist() == six_points()[0].tolist()
    from scenes import params as params_mod

    assert params_mod._data_size("neural_network", p["neural_network"]) == (24, 2, 3)


def test_a_data_file_in_other_defaults_is_relative_to_them(tmp_path, monkeypatch):
    # Another scene collection ($GDVIZ_DEFAULTS) may name a data file of its own, next to its defaults.
    text = (ROOT / "scenes" / "defaults.toml").read_text()
    text = text.replace('data = ""\n', 'data = "pts.csv"\n', 1)          # the first data key: linear_fit's
    write(tmp_path / "coll" / "defaults.toml", text)
    write(tmp_path / "coll" / "pts.csv", "x,y\n0,1\n1,3\n2,5\n")
    monkeypatch.setenv("GDVIZ_DEFAULTS", str(tmp_path / "coll" / "defaults.toml"))
    p = load_params(None)["linear_fit"]
    assert p["data"] == str(tmp_path / "coll" / "pts.csv")
    assert scene_data("linear_fit", p)[1].tolist() == [1.0, 3.0, 5.0]
