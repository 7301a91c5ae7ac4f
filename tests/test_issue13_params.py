"""Issue 13's parameter checks: what optimizers and local_minima cannot draw is refused before rendering."""

from __future__ import annotations

import pytest

from scenes.params import ParamsError, estimate, load_params


def write(tmp_path, text: str):
    p = tmp_path / "my.toml"
    p.write_text(text)
    return p


@pytest.mark.parametrize("text, words", [
    ("[local_minima]\nsurface = \"x**2 + 3*sin(y)\"\n",
     "'local_minima.surface' = 'x**2 + 3*sin(y)': gradient descent from a grid of starts over its square "
     "[-3, 3] x [-3, 3] finds 1 minimum"),
    ("[local_minima]\nsurface = \"rosenbrock\"\n", "has 0 local and 1 global"),
    ("[local_minima]\nsurface = \"log(x)\"\n", "is not defined at its centre"),
    ("[optimizers]\nlr_grid = []\n", "'optimizers.lr_grid' must not be empty"),
    ("[optimizers]\nlr_grid = [0.1, -1.0]\n", "'optimizers.lr_grid' must be numbers between"),
    ("[optimizers]\nlr_rule = \"best\"\n", "'optimizers.lr_rule' must be one of ['grid', 'same', 'given']"),
    ("[optimizers]\nlr_grid = [" + ", ".join(["0.1"] * 21) + "]\n", "needs 1 to 20 learning rates"),
    ("[local_minima]\nnoise = -1.0\n", "'local_minima.noise' must be a number between"),
])
def test_refused_with_the_key_named(tmp_path, text, words):
    with pytest.raises(ParamsError) as e:
        load_params(write(tmp_path, text))
    assert words in str(e.value), str(e.value)


@pytest.mark.parametrize("text", [
    "[local_minima]\nsurface = \"(x**2-1)**2 + y**2 + 0.3*x\"\n",    # two minima found by descent
    "[optimizers]\nlr_rule = \"same\"\nlr_same = 1.0\n",              # rates that diverge: drawn, labelled
    "[optimizers]\ncases = [\"x**2 + 3*sin(y)\"]\nstarts = [[2.0, 1.0]]\nsteps = [60]\nlr_sgd = [1.5]\n"
    "lr_momentum = [0.9]\nlr_rmsprop = [0.05]\nlr_adam = [0.1]\nlr_rule = \"given\"\n",
])
def test_accepted(tmp_path, text):
    load_params(write(tmp_path, text))


def test_the_grid_search_is_in_the_budget_estimate():
    p = load_params(None)["optimizers"]
    grid = estimate("optimizers", p).seconds
    given = estimate("optimizers", {**p, "lr_rule": "given"}).seconds
    assert grid == pytest.approx(given * (1 + len(p["lr_grid"])))
