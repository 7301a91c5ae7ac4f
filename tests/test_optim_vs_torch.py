"""gdcore.optim against torch.optim itself, step by step (runs where torch is installed).

The project does not depend on torch; CI skips this file.  A developer with torch
(``pip install torch``) gets an independent check of the update rules: the same
hyperparameters, the same gradients (Rosenbrock's, along the path each optimizer takes),
and the parameters after every one of 60 steps must agree to float64 rounding.
"""

from __future__ import annotations

import numpy as np
import pytest

from gdcore import functions
from gdcore.optim import SGD, Adagrad, Adam, RMSprop

torch = pytest.importorskip("torch")

CASES = [
    (SGD, torch.optim.SGD, dict(lr=1e-3)),
    (SGD, torch.optim.SGD, dict(lr=1e-3, momentum=0.9)),
    (SGD, torch.optim.SGD, dict(lr=1e-3, momentum=0.9, dampening=0.3, weight_decay=0.05)),
    (SGD, torch.optim.SGD, dict(lr=1e-3, momentum=0.8, nesterov=True)),
    (RMSprop, torch.optim.RMSprop, dict(lr=1e-2)),
    (RMSprop, torch.optim.RMSprop, dict(lr=1e-3, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.01)),
    (Adam, torch.optim.Adam, dict(lr=1e-2)),
    (Adam, torch.optim.Adam, dict(lr=5e-2, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    (Adagrad, torch.optim.Adagrad, dict(lr=0.1)),
    (Adagrad, torch.optim.Adagrad, dict(lr=0.1, lr_decay=0.01, weight_decay=0.02, initial_accumulator_value=0.3)),
]


@pytest.mark.parametrize("ours, theirs, hp", CASES, ids=lambda c: getattr(c, "__name__", str(c)))
def test_same_parameters_after_every_step(ours, theirs, hp):
    loss = functions.get("rosenbrock")
    p = np.array([-1.5, 2.0])
    t = torch.tensor(p.copy(), dtype=torch.float64, requires_grad=True)
    opt_ours, opt_theirs = ours(**hp), theirs([t], **hp)
    for k in range(60):
        g = loss.grad(p)
        p = opt_ours.step(p, g)
        opt_theirs.zero_grad()
        t.grad = torch.tensor(g, dtype=torch.float64)
        opt_theirs.step()
        np.testing.assert_allclose(p, t.detach().numpy(), rtol=1e-12, atol=1e-12, err_msg=f"step {k + 1}")
