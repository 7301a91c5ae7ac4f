"""Seeded toy datasets made with NumPy, the handwritten digits shipped with the package, and your own data.

Examples
--------
>>> X, y = two_moons(100, noise=0.1, seed=0)
>>> X.shape, sorted(set(y.tolist()))
((100, 2), [0, 1])
>>> d = digits()
>>> d.X_train.shape, d.X_test.shape, int(d.y_train.max())
((1438, 64), (359, 64), 9)

A teacher's own points come from a CSV file with a header (or a ``.npz`` with one array per
column) and are returned as the built-in sets are -- ``(x, y)`` for a line, ``(X, labels)``
for classes -- so a scene does not care where its data came from:

>>> import tempfile
>>> path = Path(tempfile.mkdtemp()) / "houses.csv"
>>> _ = path.write_text("sqft,price\\n1000,200000\\n2000,400000\\n4000,800000\\n")
>>> x, y = load_xy(path, x="sqft", y="price")
>>> x.tolist(), y.tolist()
([1000.0, 2000.0, 4000.0], [200000.0, 400000.0, 800000.0])
>>> _ = path.write_text("x,y\\n1,2\\n2,oops\\n")
>>> try:
...     load_xy(path)
... except DataError as e:
...     print(str(e).removeprefix(f"{path}: "))
row 3, column 'y': 'oops' is not a number; every cell must be a finite number
"""

from __future__ import annotations

import csv
import io
import math
import os
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "DATA_SUFFIXES",
    "DIGITS_FILE",
    "MAX_FILE_BYTES",
    "DataError",
    "Digits",
    "LineScaling",
    "Standardizer",
    "column_titles",
    "digits",
    "load_labeled",
    "load_xy",
    "needs_standardizing",
    "read_columns",
    "resolve_data_path",
    "spirals",
    "standardize_line",
    "two_moons",
]

DIGITS_FILE = Path(__file__).with_name("datasets_data") / "digits.npz"


def _check(n: int, noise: float) -> None:
    if not (isinstance(n, (int, np.integer)) and n >= 2):
        raise ValueError(f"n must be an integer >= 2, got {n!r}")
    if not noise >= 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}")


def two_moons(n: int = 200, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (labels 0 and 1), with Gaussian noise; seeded.

    Same construction as scikit-learn's ``make_moons``: the upper moon is
    ``(cos t, sin t)`` and the lower ``(1 - cos t, 0.5 - sin t)`` for t in [0, pi].
    """
    _check(n, noise)
    rng = np.random.default_rng(seed)
    n0 = n // 2
    n1 = n - n0
    t0 = np.linspace(0, np.pi, n0)
    t1 = np.linspace(0, np.pi, n1)
    X = np.vstack([np.column_stack([np.cos(t0), np.sin(t0)]),
                   np.column_stack([1 - np.cos(t1), 0.5 - np.sin(t1)])])
    y = np.concatenate([np.zeros(n0, int), np.ones(n1, int)])
    X = X + rng.normal(0.0, noise, X.shape)
    order = rng.permutation(n)
    return X[order], y[order]


def spirals(n: int = 300, classes: int = 3, noise: float = 0.2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``classes`` interleaved spiral arms (the CS231n toy set), ``n`` points in all; seeded."""
    _check(n, noise)
    if not (isinstance(classes, int) and 2 <= classes <= 10):
        raise ValueError(f"classes must be an integer in [2, 10], got {classes!r}")
    rng = np.random.default_rng(seed)
    per = np.full(classes, n // classes)
    per[: n % classes] += 1
    Xs, ys = [], []
    for k, m in enumerate(per):
        r = np.linspace(0.0, 1.0, m)
        t = np.linspace(k * 4.0, (k + 1) * 4.0, m) + rng.normal(0.0, noise, m)
        Xs.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
        ys.append(np.full(m, k))
    X, y = np.vstack(Xs), np.concatenate(ys)
    order = rng.permutation(n)
    return X[order], y[order]


@dataclass(frozen=True)
class Digits:
    """The digits with a fixed split: pixels scaled to [0, 1], integer labels 0..9."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def digits(test_fraction: float = 0.2, seed: int = 0) -> Digits:
    """The 1,797 8x8 handwritten digits (UCI, as bundled by scikit-learn), split once.

    The split is stratified by label and fixed by ``seed``: the same call always
    returns the same 1,438 training and 359 test images (with the defaults).
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction!r}")
    with np.load(DIGITS_FILE) as f:
        X = f["images"].astype(float) / 16.0
        y = f["labels"].astype(int)
    rng = np.random.default_rng(seed)
    test = np.zeros(len(y), bool)
    for k in range(10):
        idx = np.nonzero(y == k)[0]
        take = round(test_fraction * len(idx))
        test[rng.choice(idx, size=take, replace=False)] = True
    return Digits(X[~test], y[~test], X[test], y[test])


# ------------------------------------------------------------------------------------ your own data
# Files a teacher brings: CSV with a header (comma, semicolon or tab separated; UTF-8, a BOM is
# fine) or NumPy .npz with one 1-D array per column.  Every problem is a DataError whose message is
# one line naming the file, the row (as a spreadsheet counts them: the header is row 1) and the
# column, and what is allowed.

#: Largest data file read (bytes): 1 MiB, ten times what 2,000 rows of three numbers need.
MAX_FILE_BYTES = 2**20
#: The file types the loader reads.
DATA_SUFFIXES = (".csv", ".npz")


class DataError(ValueError):
    """A data file that cannot be used: the message is one line naming the file, row and column."""


def resolve_data_path(value: str | os.PathLike[str], base: str | os.PathLike[str]) -> Path:
    """``value`` as an absolute path: a relative path is taken against the folder ``base``
    (the parameter file's folder), ``~`` is expanded."""
    p = Path(value).expanduser()
    if not p.is_absolute():
        p = Path(base) / p
    return Path(os.path.abspath(p))


def _size(n: float) -> str:
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n / 2**10:.0f} KiB" if n >= 2**10 else f"{n:.0f} bytes"


def _open(path: str | os.PathLike[str], max_bytes: int) -> tuple[Path, bytes]:
    p = Path(path)
    if p.suffix.lower() not in DATA_SUFFIXES:
        raise DataError(f"{p}: data files must be .csv (with a header row) or .npz, got {p.suffix or 'no suffix'!r}")
    if p.is_dir():
        raise DataError(f"{p}: is a directory; give a .csv or .npz file")
    if not p.is_file():
        raise DataError(f"{p}: data file does not exist")
    size = p.stat().st_size
    if size > max_bytes:
        raise DataError(f"{p}: is {_size(size)}; data files may be at most {_size(max_bytes)} ({max_bytes} bytes)")
    try:
        return p, p.read_bytes()
    except OSError as e:
        raise DataError(f"{p}: cannot be read ({e.strerror or e})") from None


def _number(p: Path, where: str, cell: str) -> float:
    text = cell.strip()
    if not text:
        raise DataError(f"{p}: {where}: empty cell; every cell must be a finite number")
    try:
        v = float(text)
    except ValueError:
        raise DataError(f"{p}: {where}: {text!r} is not a number; every cell must be a finite number") from None
    if not math.isfinite(v):
        raise DataError(f"{p}: {where}: {text!r} is not finite; every cell must be a finite number")
    return v


def _read_csv(p: Path, data: bytes, columns: Sequence[str]) -> tuple[dict[str, np.ndarray], list[int]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DataError(f"{p}: not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start}); "
                        f"save it as UTF-8 CSV") from None
    lines = text.splitlines()
    head_i = next((i for i, line in enumerate(lines) if line.strip()), None)
    if head_i is None:
        raise DataError(f"{p}: is empty; the first row must name the columns ({', '.join(columns)})")
    header_line = lines[head_i]
    delimiter = max((",", ";", "\t"), key=header_line.count)
    rows = csv.reader(io.StringIO(text), delimiter=delimiter)
    header: list[str] | None = None
    index: dict[str, int] = {}
    values: dict[str, list[float]] = {c: [] for c in columns}
    row_numbers: list[int] = []
    for number, row in enumerate(rows, start=1):
        if not any(cell.strip() for cell in row):
            continue                                    # blank lines are skipped (and counted)
        if header is None:
            header = [cell.strip() for cell in row]
            lower = [_column_name(h) for h in header]
            missing = [c for c in columns if c.lower() not in lower]
            if missing:
                names = ", ".join(repr(h) for h in header)
                numeric = all(_is_number(h) for h in header)
                hint = "; the first row must be a header naming the columns" if numeric else ""
                raise DataError(f"{p}: row {number} (header): missing column{'s' if len(missing) > 1 else ''} "
                                f"{', '.join(repr(m) for m in missing)}; the header has {names}{hint}; "
                                f"needed: {', '.join(columns)}")
            index = {c: lower.index(c.lower()) for c in columns}
            continue
        for c in columns:
            i = index[c]
            cell = row[i] if i < len(row) else ""
            values[c].append(_number(p, f"row {number}, column {header[i]!r}", cell))
        row_numbers.append(number)
    return {c: np.asarray(v, dtype=float) for c, v in values.items()}, row_numbers


def _column_name(cell: str) -> str:
    """The column a header cell names: ``"x"``, ``"X"`` and ``"x (size, sq ft)"`` all name ``x``
    (a description in brackets after the name is the axis title, see :func:`column_titles`)."""
    text = cell.strip()
    if text.endswith(")") and " (" in text:
        text = text[: text.index(" (")]
    return text.strip().lower()


def column_titles(path: str | os.PathLike[str], columns: Sequence[str]) -> dict[str, str]:
    """Axis titles for ``columns`` from a CSV header: ``"x (size, sq ft)"`` gives ``"size, sq ft"``,
    a bare ``"x"`` gives ``"x"``.  A ``.npz`` (or a header without descriptions) gives the names.
    Call it on a file :func:`read_columns` accepted."""
    titles = {c: c for c in columns}
    p = Path(path)
    if p.suffix.lower() != ".csv":
        return titles
    text = p.read_bytes().decode("utf-8-sig", errors="replace")
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((",", ";", "\t"), key=first.count)
    header = next(csv.reader([first], delimiter=delimiter), [])
    for cell in header:
        name, cell = _column_name(cell), cell.strip()
        for c in columns:
            if name == c.lower() and cell.endswith(")") and " (" in cell:
                titles[c] = cell[cell.index(" (") + 2: -1].strip() or c
    return titles


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _read_npz(p: Path, data: bytes, columns: Sequence[str]) -> tuple[dict[str, np.ndarray], list[int]]:
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as e:
        raise DataError(f"{p}: not a readable .npz file ({str(e).splitlines()[0] if str(e) else type(e).__name__})"
                        ) from None
    missing = [c for c in columns if c not in arrays]
    if missing:
        raise DataError(f"{p}: missing array{'s' if len(missing) > 1 else ''} {', '.join(repr(m) for m in missing)}; "
                        f"the file has {', '.join(repr(k) for k in arrays) or 'none'}; needed: {', '.join(columns)} "
                        f"(one 1-D array per column)")
    out: dict[str, np.ndarray] = {}
    n = None
    for c in columns:
        a = arrays[c]
        if a.ndim != 1:
            raise DataError(f"{p}: column {c!r}: must be a 1-D array, got shape {a.shape}")
        if a.dtype.kind not in "biuf":
            raise DataError(f"{p}: column {c!r}: must hold numbers, got dtype {a.dtype}")
        if n is not None and len(a) != n:
            raise DataError(f"{p}: column {c!r}: has {len(a)} rows, column {columns[0]!r} has {n}; "
                            f"columns must have one length")
        n = len(a)
        a = a.astype(float)
        bad = np.nonzero(~np.isfinite(a))[0]
        if bad.size:
            i = int(bad[0])
            raise DataError(f"{p}: row {i} (0-based), column {c!r}: {a[i]} is not finite; "
                            f"every value must be a finite number")
        out[c] = a
    return out, list(range(n or 0))


def read_columns(path: str | os.PathLike[str], columns: Sequence[str], *,
                 max_bytes: int = MAX_FILE_BYTES) -> tuple[dict[str, np.ndarray], list[int]]:
    """The named columns of a data file as float arrays, and each row's number in the file.

    Row numbers are what a spreadsheet shows for a CSV (the header is row 1; blank lines count)
    and 0-based indices for a ``.npz``.  Column names match case-insensitively in a CSV; other
    columns are ignored.  Raises :class:`DataError` (one line: file, row, column, what is allowed)
    for a missing, oversized, unreadable or non-UTF-8 file, a missing column, an empty or
    non-numeric cell, and NaN or infinity.
    """
    p, data = _open(path, max_bytes)
    if p.suffix.lower() == ".npz":
        return _read_npz(p, data, columns)
    return _read_csv(p, data, columns)


def _count(p: Path, n: int, min_points: int, max_points: int | None, context: str) -> None:
    allowed = f"{min_points} to {max_points}" if max_points is not None else f"at least {min_points}"
    who = f"{context} takes" if context else "allowed:"
    if n < min_points:
        raise DataError(f"{p}: has {n} data row{'s' if n != 1 else ''}, too few; {who} {allowed} points")
    if max_points is not None and n > max_points:
        raise DataError(f"{p}: has {n} data rows, too many; {who} {allowed} points")


def load_xy(path: str | os.PathLike[str], *, x: str = "x", y: str = "y", min_points: int = 3,
            max_points: int | None = None, context: str = "", max_bytes: int = MAX_FILE_BYTES
            ) -> tuple[np.ndarray, np.ndarray]:
    """Points ``(x, y)`` from the columns ``x`` and ``y`` of a data file (like :func:`gdcore.data.six_points`).

    Besides :func:`read_columns`' checks: at least ``min_points`` and at most ``max_points`` rows,
    and at least two different x values (a line needs them).  ``context`` (a scene's name) goes
    into the messages.
    """
    cols, rows = read_columns(path, [x, y], max_bytes=max_bytes)
    p = Path(path)
    _count(p, len(rows), min_points, max_points, context)
    xs = cols[x]
    if np.ptp(xs) == 0:
        raise DataError(f"{p}: column {x!r}: every row has {xs[0]:g}; a line needs at least two different "
                        f"{x} values")
    return xs, cols[y]


def load_labeled(path: str | os.PathLike[str], *, features: Sequence[str] = ("x1", "x2"), label: str = "label",
                 min_points: int = 10, max_points: int | None = None, min_classes: int = 2,
                 max_classes: int = 10, context: str = "", max_bytes: int = MAX_FILE_BYTES
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Labelled points ``(X, labels)`` from a data file (like :func:`two_moons`): ``X`` of shape
    ``(n, len(features))``, integer labels ``0 .. K-1``.

    Besides :func:`read_columns`' checks: ``min_points`` .. ``max_points`` rows; every label a
    whole number from 0 to ``max_classes - 1`` (the classes a scene can colour); at least
    ``min_classes`` classes; and no class left empty (labels 0, 2 without 1).
    """
    cols, rows = read_columns(path, [*features, label], max_bytes=max_bytes)
    p = Path(path)
    _count(p, len(rows), min_points, max_points, context)
    raw = cols[label]
    allowed = f"a whole number from 0 to {max_classes - 1}"
    whole = raw == np.round(raw)
    if not whole.all():
        i = int(np.argmin(whole))
        raise DataError(f"{p}: row {rows[i]}, column {label!r}: {raw[i]:g} is not a class; a label must be {allowed}")
    out_of_range = (raw < 0) | (raw > max_classes - 1)
    if out_of_range.any():
        i = int(np.argmax(out_of_range))
        why = (f"{context} can colour at most {max_classes} classes" if context and raw[i] > 0
               else f"at most {max_classes} classes")
        raise DataError(f"{p}: row {rows[i]}, column {label!r}: {raw[i]:g} is out of range; a label must be "
                        f"{allowed} ({why})")
    labels = raw.astype(int)
    k = int(labels.max()) + 1
    counts = np.bincount(labels, minlength=k)
    if k < min_classes:
        raise DataError(f"{p}: column {label!r}: every row is class {labels[0]}; needs at least {min_classes} "
                        f"classes, labelled 0 to {min_classes - 1} or more")
    empty = [int(c) for c in np.nonzero(counts == 0)[0]]
    if empty:
        found = ", ".join(str(int(c)) for c in np.nonzero(counts)[0])
        raise DataError(f"{p}: column {label!r}: class {empty[0]} has no rows (labels found: {found}); number the "
                        f"classes 0 to {k - 1} without gaps")
    X = np.column_stack([cols[f] for f in features])
    return X, labels


# ---------------------------------------------------------------------------------- standardization


@dataclass(frozen=True)
class Standardizer:
    """``(v - mean) / scale`` per column, and back; ``scale`` is the standard deviation (1 where it is 0).

    >>> s = Standardizer.fit(np.array([[1000.0], [2000.0], [4000.0]]))
    >>> z = s.transform(np.array([[1000.0], [4000.0]]))
    >>> np.allclose(s.inverse(z), [[1000.0], [4000.0]])
    True
    """

    mean: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, values: np.ndarray) -> Standardizer:
        """The standardizer of ``values`` (1-D: one column; 2-D: columns)."""
        v = np.asarray(values, dtype=float)
        std = v.std(axis=0)
        return cls(v.mean(axis=0), np.where(std > 0, std, 1.0))

    @classmethod
    def identity(cls, columns: int | None = None) -> Standardizer:
        """No change (mean 0, scale 1): what a scene uses when its data needs no standardizing."""
        shape = () if columns is None else (columns,)
        return cls(np.zeros(shape), np.ones(shape))

    @property
    def is_identity(self) -> bool:
        return bool(np.all(self.mean == 0) and np.all(self.scale == 1))

    def transform(self, values: np.ndarray) -> np.ndarray:
        """Original units -> standardized."""
        return (np.asarray(values, dtype=float) - self.mean) / self.scale

    def inverse(self, values: np.ndarray) -> np.ndarray:
        """Standardized -> original units."""
        return np.asarray(values, dtype=float) * self.scale + self.mean


def needs_standardizing(*columns: np.ndarray, largest: float = 10.0, smallest_spread: float = 0.1) -> bool:
    """Whether gradient descent on these columns wants a standardized copy: some value is larger
    than ``largest`` in size, or some column's standard deviation is under ``smallest_spread``.

    The built-in sets (six points, two moons, spirals) are within both and are used as they are;
    house prices in dollars and sizes in square feet are not.
    """
    for c in columns:
        a = np.asarray(c, dtype=float)
        if a.size and (np.abs(a).max() > largest or (a.std(axis=0) < smallest_spread).any()):
            return True
    return False


@dataclass(frozen=True)
class LineScaling:
    """How a line fitted on standardized ``(x, y)`` maps back to the data's units.

    With ``xs = (x - mx) / sx`` and ``ys = (y - my) / sy``, the line ``ys = m' xs + b'`` is
    ``y = m x + b`` with ``m = sy m' / sx`` and ``b = my + sy b' - m mx``; a mean squared error
    scales by ``sy**2``.
    """

    x: Standardizer
    y: Standardizer

    @property
    def is_identity(self) -> bool:
        return self.x.is_identity and self.y.is_identity

    def to_original(self, m: np.ndarray | float, b: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """Slope and intercept (arrays or numbers) from standardized to original units."""
        sx, sy, mx, my = float(self.x.scale), float(self.y.scale), float(self.x.mean), float(self.y.mean)
        m_orig = sy * np.asarray(m, dtype=float) / sx
        return m_orig, my + sy * np.asarray(b, dtype=float) - m_orig * mx

    def to_standard(self, m: np.ndarray | float, b: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """Slope and intercept from original to standardized units (the inverse of :meth:`to_original`)."""
        sx, sy, mx, my = float(self.x.scale), float(self.y.scale), float(self.x.mean), float(self.y.mean)
        m_std = np.asarray(m, dtype=float) * sx / sy
        return m_std, (np.asarray(b, dtype=float) + np.asarray(m, dtype=float) * mx - my) / sy

    def mse_to_original(self, loss: np.ndarray | float) -> np.ndarray:
        """A mean squared error on the standardized copy, in the data's units (y units squared)."""
        return np.asarray(loss, dtype=float) * float(self.y.scale) ** 2


def standardize_line(x: np.ndarray, y: np.ndarray, force: bool | None = None
                     ) -> tuple[np.ndarray, np.ndarray, LineScaling]:
    """The copy of ``(x, y)`` gradient descent trains on, and the map back to the data's units.

    ``force=None`` standardizes only when :func:`needs_standardizing` says so (otherwise the
    copy is the data itself and the scaling the identity); ``True``/``False`` always/never.

    >>> xs, ys, s = standardize_line(np.array([1000.0, 2000.0, 4000.0]), np.array([2e5, 4e5, 8e5]))
    >>> m, b = s.to_original(1.0, 0.0)        # ys = xs is y = 200 x exactly
    >>> round(float(m), 6), round(float(b), 6)
    (200.0, 0.0)
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    scale = needs_standardizing(x, y) if force is None else force
    if not scale:
        s = LineScaling(Standardizer.identity(), Standardizer.identity())
        return x, y, s
    s = LineScaling(Standardizer.fit(x), Standardizer.fit(y))
    return s.x.transform(x), s.y.transform(y), s
