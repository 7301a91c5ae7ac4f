"""A line learns y = m*x + b: squared errors, then SGD pass by pass to the least-squares answer.

The story of posts 000 and 002: the squared error of one prediction (actual 4,
predicted 2, error (4 - 2)^2 = 4), then the beginner post's loop -- per-sample
SGD, lr 0.01, 50 passes over its six points -- with the prediction line moving
after every update, the squared errors drawn as squares on the residuals, the
loss curve filling in, and SciPy's least-squares line as the answer SGD
approaches.  Every number comes from :mod:`gdcore.linfit`.

Both data charts use one scale for x and y, so a squared error drawn as a square
on its residual is a true square in the data's units (its area is the error²).

With ``data = "file.csv"`` (columns x, y) the fit, its squares, the loss and the
least-squares line come from the file's points, drawn in their own units.  Data far
from unit scale (house prices in dollars) is fitted on a standardized copy
(:func:`gdcore.datasets.standardize_line`) and m, b and the loss are mapped back; the
caption says so.  When x and y cannot share one scale, each axis gets its own and a
square's area is proportional to its squared error.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Circle,
    Create,
    DashedLine,
    Dot,
    FadeIn,
    FadeOut,
    Line,
    Mobject,
    Square,
    ValueTracker,
    VGroup,
    VMobject,
    always_redraw,
    linear,
)

from gdcore import data
from gdcore.contour import contour_levels
from gdcore.datasets import standardize_line
from gdcore.linfit import (
    LineFit,
    fit_line,
    house_guesses,
    house_steps,
    least_squares,
    mse,
    mse_grid,
    settled_index,
)
from scenes.kit import (
    THEME,
    TYPE,
    ContourMap,
    EndLabels,
    LiveText,
    PathTracer,
    PlotAxes,
    StoryScene,
    fmt,
    label_text,
    mark_figure,
    math_text,
    nice_range,
)
from scenes.params import data_titles, scene_data


def num(v: float) -> str:
    """m, b and the loss as every place on screen shows them: four decimals, signed (five
    significant figures from 100,000 up: house prices in dollars squared)."""
    return (f"{v:+.4e}" if abs(v) >= 1e5 else f"{v:+.4f}").replace("-", "−")  # noqa: RUF001 (a minus sign, shown on screen)


def loss_num(v: float) -> str:
    """An MSE for the readout: four decimals, or five significant figures from 100,000 up."""
    return f"{v:.4e}" if abs(v) >= 1e5 else f"{v:.4f}"


def power_of_thousand(top: float) -> int:
    """The exponent (a multiple of 3) that brings an axis topping at ``top`` under 10,000; 0 if it is."""
    return 0 if top < 1e4 else 3 * int(np.floor(np.log10(top) / 3))


def superscript(k: int) -> str:
    return str(k).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))


def count_words(n: int) -> str:
    """``6`` -> ``"six"`` (up to ten), else the digits."""
    words = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
    return words[n] if 0 <= n < len(words) else str(n)


class LinearFit(StoryScene):
    """One squared error, then SGD fitting the six points pass by pass, then the least-squares line."""

    params_key = "linear_fit"

    def construct(self) -> None:
        self.one_squared_error()
        self.talk_fit()
        self.house_price()
        self.setup_fit()
        self.run_sgd()
        self.show_answer()

    # ------------------------------------------------------------ layout
    def band(self) -> tuple[float, float]:
        """The y band free for content: under the title, above a two-line caption."""
        return self.titles.bottom() - 0.05, self.caption.top() + 0.1

    def square_axes(self, x_range, y_range, height: float, x_title: str = "x", y_title: str = "y") -> PlotAxes:
        """Data axes with one scale for x and y (a square on a residual is a square in data units)."""
        unit = height / (y_range[1] - y_range[0])
        return PlotAxes(x_range, y_range, x_length=unit * (x_range[1] - x_range[0]), y_length=height,
                        x_title=x_title, y_title=y_title)

    def data_axes(self, x: np.ndarray, y: np.ndarray, height: float, max_width: float) -> PlotAxes:
        """Axes for the fit's points in their own units: one scale for x and y when the picture fits
        (the squares are then true squares in data units), else each axis its own round range."""
        t = data_titles("linear_fit", self.p)
        x_range = [float(np.floor(x.min() - 1)), float(np.ceil(x.max() + 1)), 1]
        y_range = [float(2 * np.floor((min(y.min(), 0) - 1) / 2)), float(2 * np.ceil((y.max() + 1) / 2)), 2]
        self.one_scale = (x_range[1] - x_range[0]) / (y_range[1] - y_range[0]) * height <= max_width and \
            (x_range[1] - x_range[0]) <= 40 and (y_range[1] - y_range[0]) <= 40
        if self.one_scale:
            return self.square_axes(x_range, y_range, height, t["x"], t["y"])
        pad_x, pad_y = 0.08 * float(np.ptp(x)), 0.08 * max(float(np.ptp(y)), float(np.abs(y).max()) * 1e-3)
        x_range = list(nice_range(float(x.min()) - pad_x, float(x.max()) + pad_x, 5))
        y_range = list(nice_range(min(float(y.min()) - pad_y, 0.0 if y.min() >= 0 else float(y.min()) - pad_y),
                                  float(y.max()) + pad_y, 5))
        # A little narrower than max_width: own-unit readouts (dollars) are long, and the line names at the
        # right ends need the room beside them.
        return PlotAxes(x_range, y_range, x_length=max_width - 1.3, y_length=height, x_title=t["x"],
                        y_title=t["y"])

    # ------------------------------------------------------------ storyboard
    def one_squared_error(self) -> None:
        """Post 000: y = 2x, a prediction w*x, and its squared error drawn as a square."""
        self.set_title("How wrong is one prediction?")
        xs, ys = data.y_equals_2x(6)
        w = self.p["intro_w"]
        x_star = self.p["intro_x"]
        i = int(np.argmin(np.abs(xs - x_star)))
        x, actual = float(xs[i]), float(ys[i])
        predicted = w * x
        err2 = (actual - predicted) ** 2
        top, bottom = self.band()
        x_hi = float(xs.max())
        y_lo, y_hi, y_step = nice_range(min(0.0, float(ys.min()), w * x_hi), max(float(ys.max()), w * x_hi), 5)
        axes = self.square_axes([0, x_hi, 1], [y_lo, y_hi, y_step], top - bottom - 1.3)
        truth = Line(axes.c2p(0, 0), axes.c2p(x_hi, 2 * x_hi), color=THEME.DATA, stroke_width=2)
        model = Line(axes.c2p(0, 0), axes.c2p(x_hi, w * x_hi), color=THEME.PREDICTION, stroke_width=3)
        names = EndLabels([("data y = 2x", THEME.DATA, truth.get_end()),
                           (f"model y = {fmt(w)}·x", THEME.PREDICTION, model.get_end())])
        pts = VGroup(*[Dot(axes.c2p(a, b), radius=0.06, color=THEME.DATA) for a, b in zip(xs, ys, strict=True)])
        p_dot = Dot(axes.c2p(x, predicted), radius=0.08, color=THEME.PREDICTION)
        resid = Line(axes.c2p(x, predicted), axes.c2p(x, actual), color=THEME.LOSS, stroke_width=4)
        square = self.error_square(axes, x, predicted, actual)
        labels = VGroup(
            label_text(f"actual y = 2x = {fmt(actual)}", color=THEME.DATA),
            label_text(f"predicted {fmt(w)}·x = {fmt(predicted)}", color=THEME.PREDICTION),
            label_text(f"error² = ({fmt(actual)} − {fmt(predicted)})² = {fmt(err2)}", color=THEME.LOSS),  # noqa: RUF001 (shown on screen)
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.35)
        labels.next_to(VGroup(axes, names), RIGHT, buff=0.9).match_y(axes)
        # Everything was placed on the axes where they were made; move the picture as one.
        picture = VGroup(axes, truth, model, names, pts, p_dot, resid, square, labels)
        picture.move_to(np.array([0, (top + bottom) / 2, 0]))
        self.play(Create(axes), FadeIn(pts), Create(truth))
        self.caption.say(self, "The data follows y = 2x; our model guesses y = w·x.", 2.5)
        self.play(Create(model), FadeIn(names), FadeIn(labels[0]))
        self.play(FadeIn(p_dot), FadeIn(labels[1]))
        self.caption.say(self, "The squared error is the area of the square on the gap.", 3)
        self.play(Create(resid))
        self.play(FadeIn(square), FadeIn(labels[2]))
        self.wait(1.5)
        mark_figure(self, "squared-error")
        self.unsay()
        self.play(FadeOut(VGroup(axes, truth, model, names, pts, p_dot, resid, square, labels)))

    def talk_fit(self) -> None:
        """The talk's y = 2x learned from a random start: the line on the data, the dot on the loss contours."""
        self.set_title("Learning y = 2x: the line and the loss over (w, b)")
        p = self.p
        xs, ys = data.y_equals_2x(6)
        fit = fit_line(xs, ys, lr=p["talk_lr"], epochs=p["talk_passes"], mode="stochastic", loss=p["loss"],
                       seed=p["seed"])
        top, bottom = self.band()
        h = top - bottom - 1.2
        x_hi = float(xs.max())
        y_lo, y_hi, y_step = nice_range(min(0.0, float(ys.min())), float(ys.max()), 5)
        axes = self.square_axes([0, x_hi, 1], [y_lo, y_hi, y_step], h)
        axes.move_to(np.array([0, (top + bottom) / 2, 0])).to_edge(LEFT, buff=0.6)
        dots = VGroup(*[Dot(axes.c2p(a, b), radius=0.06, color=THEME.DATA) for a, b in zip(xs, ys, strict=True)])
        # The loss map: a box around the path and the answer, MSE of the six points at each (w, b).
        mw, mb = fit.m, fit.b
        w_lo, w_hi, w_step = nice_range(min(mw.min(), 2.0) - 0.3, max(mw.max(), 2.0) + 0.3, 4)
        b_lo, b_hi, b_step = nice_range(min(mb.min(), 0.0) - 0.5, max(mb.max(), 0.0) + 0.5, 4)
        maps = PlotAxes([w_lo, w_hi, w_step], [b_lo, b_hi, b_step], x_length=5.2, y_length=h - 0.55,
                        x_title="w (slope)", y_title="b (intercept)")
        maps.move_to(np.array([3.3, (top + bottom) / 2 - 0.3, 0]))
        W, B = np.meshgrid(np.linspace(w_lo, w_hi, 121), np.linspace(b_lo, b_hi, 121))
        Z = mse_grid(xs, ys, W[0], B[:, 0])
        contours = ContourMap(maps, W, B, Z, list(contour_levels(Z, 10)), stroke_width=1.5, opacity=0.8)
        t = ValueTracker(0.0)

        def wb() -> tuple[float, float]:
            u = min(max(t.get_value(), 0.0), len(mw) - 1)
            k = min(int(u), len(mw) - 2)
            f = u - k
            return (1 - f) * mw[k] + f * mw[k + 1], (1 - f) * mb[k] + f * mb[k + 1]

        def line() -> Line:
            w, b = wb()
            return Line(axes.c2p(0, b), axes.c2p(x_hi, w * x_hi + b), color=THEME.PREDICTION, stroke_width=4)
        model = always_redraw(line)
        tracer = PathTracer(maps, np.stack([mw, mb], -1), THEME.PREDICTION, t, (w_lo, b_lo), (w_hi, b_hi),
                            dot_radius=0.08, stroke_width=2.5)
        readout = LiveText(self._wb_text(fit, 0), color=THEME.PREDICTION, font_size=TYPE.LABEL)
        readout.next_to(maps, UP, buff=0.1).align_to(maps, RIGHT)
        readout.add_updater(lambda m: m.set_text(self._wb_text(fit, int(t.get_value()))))
        self.play(Create(axes), FadeIn(dots))
        self.caption.say(self, f"The talk's data, y = 2x, and a line y = w·x + b from a random start "
                               f"(w = {num(mw[0])}, b = {num(mb[0])}).")
        self.play(Create(model))
        self.play(Create(maps), FadeIn(contours), FadeIn(tracer), FadeIn(readout))
        self.caption.say(self, "Right: the loss for every (w, b), as contour lines. The dot is our line.")
        per = fit.updates_per_epoch
        first = min(3, p["talk_passes"]) * per
        self.play(t.animate.set_value(first), run_time=6, rate_func=linear)
        self.caption.say(self, f"Each update (lr {fmt(p['talk_lr'])}) follows one point's error downhill; dot and "
                               f"line move together: {p['talk_passes']} passes.")
        self.play(t.animate.set_value(len(mw) - 1), run_time=5, rate_func=lambda u: 1 - (1 - u) ** 3)
        readout.clear_updaters()
        readout.set_text(self._wb_text(fit, len(mw) - 1))
        self.wait(0.5)
        mark_figure(self, "loss-contours")
        where = ("close to y = 2x, the bottom of the bowl" if fit.loss[-1] < 0.01 * fit.loss[0]
                 else "still on its way to y = 2x")
        self.caption.say(self, f"It ends at w = {num(mw[-1])}, b = {num(mb[-1])}: {where}.")
        self.wait(1.5)
        self.unsay()
        self.play(FadeOut(VGroup(axes, dots, model, maps, contours, tracer, readout)))

    @staticmethod
    def _wb_text(fit: LineFit, k: int) -> str:
        k = min(max(k, 0), len(fit.m) - 1)
        return f"w = {num(fit.m[k])}  b = {num(fit.b[k])}"

    def house_price(self) -> None:
        """Post 002's house: price = Y x square feet; its guesses 100, 150, 175; then real gradient steps."""
        self.set_title("A house price: price = Y × square feet")  # noqa: RUF001 (shown on screen)
        p = self.p
        sqft, prices = data.house_prices()
        s, price = float(sqft[0]), float(prices[0]) * 1000.0          # the table's prices are in $k
        guesses = house_guesses(s, price, p["house_guesses"])
        steps = house_steps(s, price, p["house_guesses"][0], p["house_lr"], p["house_steps"])
        top, bottom = self.band()
        head = label_text(f"house 1: {fmt(s)} sq ft, price ${fmt(price / 1000)}k", color=THEME.DATA)
        head.move_to(np.array([0, top - 0.35, 0]))
        self.play(FadeIn(head))
        ups = all(g[2] > 0 for g in guesses[:-1]) and all(b[0] > a[0] for a, b in itertools.pairwise(guesses))
        self.caption.say(self, "Post 002 guesses the exchange rate Y, then makes it bigger while the estimate is "
                               "too low." if ups else "Post 002 guesses the exchange rate Y, then adjusts it by eye.")
        rows = VGroup()
        for w, pred, err in guesses:
            rows.add(label_text(f"Y = {fmt(w)}:  {fmt(w)} × {fmt(s)} = ${fmt(pred / 1000)}k,  error "  # noqa: RUF001 (shown on screen)
                                f"${fmt(err / 1000)}k", size=TYPE.LABEL))
        rows.arrange(DOWN, aligned_edge=LEFT, buff=0.25).next_to(head, DOWN, buff=0.4)
        for r in rows:
            self.play(FadeIn(r, shift=0.15 * DOWN), run_time=0.7)
            self.wait(0.6)
        self.wait(1.0)
        self.unsay()
        self.play(FadeOut(rows))
        first = steps[0]
        rule = VGroup(
            math_text(r"P = Y \cdot S \quad\Rightarrow\quad \frac{dP}{dY} = S = ", fmt(abs(first.grad))),
            math_text(r"\text{step} = ", fmt(abs(first.grad)), r"\times", fmt(p["house_lr"]), "=",
                      fmt(abs(first.w_new - first.w)), color=THEME.GRAD),
            math_text(rf"Y \leftarrow {fmt(first.w)} {'+' if first.w_new >= first.w else '-'} "
                      rf"{fmt(abs(first.w_new - first.w))} = {fmt(first.w_new)}",
                      color=THEME.PREDICTION),
        ).arrange(DOWN, buff=0.45, aligned_edge=LEFT)
        rule.move_to(np.array([-3.4, (head.get_bottom()[1] + bottom) / 2, 0]))
        self.caption.say(self, "Gradient descent picks the step instead: the price changes by "
                               f"S = {fmt(abs(first.grad))}"
                               f" per unit of Y.")
        self.play(FadeIn(rule[0]))
        self.caption.say(self, f"With step size {fmt(p['house_lr'])}: a step of {fmt(abs(first.grad))} × "  # noqa: RUF001 (shown on screen)
                               f"{fmt(p['house_lr'])} = {fmt(abs(first.w_new - first.w))}, towards the price.")
        self.play(FadeIn(rule[1]))
        self.play(FadeIn(rule[2]))
        reached = next((k + 1 for k, st in enumerate(steps) if st.w_new * s == price), None)
        # Y step by step, beside the rule: the answer price / S dashed.
        ws = np.array([steps[0].w] + [st.w_new for st in steps])
        target = price / s
        y_lo, y_hi, y_step = nice_range(min(ws.min(), target), max(ws.max(), target), 4)
        chart = PlotAxes(nice_range(0, len(steps), 5), [y_lo, y_hi, y_step], x_length=5.0,
                         y_length=head.get_bottom()[1] - bottom - 1.4, x_title="gradient step",
                         y_title="Y ($ per sq ft)", y_title_color=THEME.PREDICTION)
        chart.move_to(np.array([3.4, (head.get_bottom()[1] + bottom) / 2, 0]))
        answer = DashedLine(chart.c2p(0, target), chart.c2p(len(steps), target), color=THEME.DATA, stroke_width=2)
        answer_name = label_text(f"price / S = {fmt(target)}", size=TYPE.TICK, color=THEME.DATA)
        answer_name.next_to(answer.get_start(), DOWN, buff=0.08).align_to(answer, LEFT).shift(0.1 * RIGHT)
        t = ValueTracker(0.0)
        trail = PathTracer(chart, np.stack([np.arange(len(ws)), ws], -1), THEME.PREDICTION, t, (0, y_lo),
                           (len(steps), y_hi), dot_radius=0.07, stroke_width=3)
        self.play(Create(chart), Create(answer), FadeIn(answer_name), FadeIn(trail))
        self.play(t.animate.set_value(len(steps)), run_time=min(6.0, 0.5 * len(steps)), rate_func=linear)
        marks = VGroup(*[Dot(chart.c2p(k, w), radius=0.05, color=THEME.PREDICTION) for k, w in enumerate(ws)])
        self.play(FadeIn(marks), run_time=0.4)
        trail.add(marks)
        self.wait(1.0)
        mark_figure(self, "house-price")
        end = steps[-1]
        if reached is not None:
            self.caption.say(self, f"Step after step the error shrinks; after {reached} steps Y = "
                                   f"{fmt(steps[reached - 1].w_new)} prices the house exactly "
                                   f"(${fmt(steps[reached - 1].w_new * s / 1000)}k).")
        else:
            self.caption.say(self, f"After {len(steps)} steps Y = {fmt(end.w_new)}: the estimate is "
                                   f"${fmt(end.w_new * s / 1000)}k.")
        self.wait(1.5)
        self.unsay()
        self.play(FadeOut(VGroup(head, rule, chart, answer, answer_name, trail)))

    def setup_fit(self) -> None:
        self.set_title("SGD fits y = m·x + b, one point at a time")
        p = self.p
        x, y = scene_data("linear_fit", p)        # the post's six points, or the points of p["data"]
        self.x, self.y = x, y
        # Data far from unit scale (prices in dollars) is fitted on a standardized copy; m, b and the
        # loss are mapped back, so everything on screen is in the data's own units.
        xs, ys, self.scaling = standardize_line(x, y)
        # The post starts from random.random() twice; we draw the start from a seeded generator.
        on_copy = fit_line(xs, ys, lr=p["lr"], epochs=p["passes"], mode="stochastic", loss=p["loss"], seed=p["seed"])
        m, b = self.scaling.to_original(on_copy.m, on_copy.b)
        self.fit: LineFit = replace(on_copy, m=m, b=b, loss=self.scaling.mse_to_original(on_copy.loss))
        top, bottom = self.band()
        self.axes = self.data_axes(x, y, top - bottom - 1.3, 4.0)
        self.axes.move_to(np.array([0, (top + bottom) / 2, 0])).to_edge(LEFT, buff=0.45)
        self.dots = VGroup(*[Dot(self.axes.c2p(a, b), radius=0.07, color=THEME.DATA)
                             for a, b in zip(x, y, strict=True)])
        self.t = ValueTracker(0.0)       # fractional update index
        self.play(Create(self.axes), FadeIn(self.dots))
        self.caption.say(self, f"New data: {count_words(len(x))} points, and a line y = m·x + b with a slope and "
                               f"an intercept.", 3)
        if not self.scaling.is_identity:
            self.caption.say(self, "SGD trains on a standardized copy (mean 0, spread 1); m, b and the loss are "
                                   "shown in the data's units.", 4)

    def mb(self) -> tuple[float, float, float]:
        """m, b and loss at the tracker's (fractional) update index."""
        t = min(max(self.t.get_value(), 0.0), len(self.fit.m) - 1)
        k = min(int(t), len(self.fit.m) - 2)
        w = t - k
        def lerp(a: np.ndarray) -> float:
            return (1 - w) * a[k] + w * a[k + 1]
        return lerp(self.fit.m), lerp(self.fit.b), lerp(self.fit.loss)

    def error_square(self, axes: PlotAxes, x: float, pred: float, actual: float) -> Square:
        """A square on the residual from (x, pred) to (x, actual), drawn to the right of it."""
        a, b = np.asarray(axes.c2p(x, pred)), np.asarray(axes.c2p(x, actual))
        side = float(abs(b[1] - a[1]))
        sq = Square(side_length=max(side, 1e-3), stroke_color=THEME.LOSS, stroke_width=1.5,
                    fill_color=THEME.LOSS, fill_opacity=0.25)
        return sq.move_to((a + b) / 2 + RIGHT * side / 2)

    def run_sgd(self) -> None:
        axes, fit = self.axes, self.fit
        per_pass = fit.updates_per_epoch
        n = len(self.x)
        # The fit line, the residuals and their squares are made once and moved in place by one
        # updater that evaluates m, b once a frame (rebuilding 13 mobjects a frame, with m, b
        # evaluated twice per residual, was most of this beat's per-frame Python).
        line = self._line()
        squares = VGroup(*[self.error_square(axes, a, a, b) for a, b in zip(self.x, self.y, strict=True)])
        residuals = VGroup(*[Line(axes.c2p(a, b), axes.c2p(a, b) + UP, color=THEME.LOSS, stroke_width=2)
                             for a, b in zip(self.x, self.y, strict=True)])
        actual = [np.asarray(axes.c2p(a, b)) for a, b in zip(self.x, self.y, strict=True)]

        def follow(group: Mobject) -> None:
            m, b0, _ = self.mb()
            self._put_line(line, m, b0)
            t = self.t.get_value()
            hot = int(t) % n if t < per_pass else -1   # first pass: the square of the point in use stands out
            for i, (a, q) in enumerate(zip(self.x, actual, strict=True)):
                p = np.asarray(axes.c2p(a, m * a + b0))
                residuals[i].set_points_by_ends(p, q)
                self._put_square(squares[i], p, q)
                if i == hot:
                    squares[i].set_stroke(THEME.GRAD, width=3.5).set_fill(THEME.GRAD, opacity=0.3)
                else:
                    squares[i].set_stroke(THEME.LOSS, width=1.5).set_fill(THEME.LOSS, opacity=0.25)

        fit_group = VGroup(line, residuals, squares)      # the order they were added in: squares on top
        fit_group.add_updater(follow)
        follow(fit_group)
        # The right-hand panel: readout and update rule on top, the loss chart under them.
        top, bottom = self.band()
        left = self.axes.get_right()[0] + 2.3
        right = 6.6
        readout = self._readout()
        rule = VGroup(
            math_text(r"\text{err} = m x + b - y"),
            math_text(r"m \leftarrow m - \text{lr}\cdot x\cdot\text{err}", color=THEME.PREDICTION),
            math_text(r"b \leftarrow b - \text{lr}\cdot\text{err}", color=THEME.PREDICTION),
            math_text(rf"\text{{lr}} = {fmt(self.p['lr'])}"),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.16)
        head = VGroup(readout, rule).arrange(RIGHT, buff=0.8, aligned_edge=UP)
        head.move_to(np.array([(left + right) / 2, 0, 0])).align_to(np.array([0, top, 0]), UP)
        if head.get_right()[0] > right:          # long readouts (prices in dollars): keep the rule in the frame,
            # first by narrowing the gap between readout and rule (the line names need the room on the left)
            over = head.get_right()[0] - right
            rule.shift(min(over, 0.5) * LEFT)
            if head.get_right()[0] > right:
                head.shift((head.get_right()[0] - right) * LEFT)
        readout.add_updater(lambda g: [row.set_text(text) for row, text in zip(g, self._readout_lines(), strict=True)])
        self.rule = rule
        # Loss curve: full-data MSE after every update, x in passes.
        passes = self.p["passes"]
        # Losses in dollars squared reach 10^10: the chart counts them in a power of 1000 named in its title.
        k = power_of_thousand(float(fit.loss.max()))
        unit = f", ×10{superscript(k)}" if k else ""  # noqa: RUF001 (shown on screen)
        y_range = nice_range(0.0, float(fit.loss.max()) / 10.0 ** k)
        chart_top = head.get_bottom()[1] - 0.3
        self.loss_axes = PlotAxes(nice_range(0, passes, 5), y_range, x_length=right - left - 0.5,
                                  y_length=chart_top - bottom - 1.25, x_title="pass",
                                  y_title=f"loss (MSE of the {count_words(len(self.x))} points{unit})",
                                  y_title_color=THEME.LOSS)
        self.loss_axes.align_to(np.array([0, bottom, 0]), DOWN).align_to(np.array([right, 0, 0]), RIGHT).shift(0.1 * UP)
        per = fit.updates_per_epoch
        xy = np.stack([np.arange(len(fit.loss)) / per, fit.loss / 10.0 ** k], -1)
        # One point per update, so the tracer's step index is the update index self.t.
        self.loss_tracer = PathTracer(self.loss_axes, xy, THEME.LOSS, self.t, (0, 0), (passes, y_range[1]),
                                      dot_radius=0.05, stroke_width=2.5)
        # The point the next update uses (per-sample SGD takes the points in order).
        ring = Circle(radius=0.17, color=THEME.GRAD, stroke_width=3)
        ring.add_updater(lambda c: c.move_to(self.dots[int(min(self.t.get_value(), per - 1e-6)) % n]))
        ring.update()
        self.play(FadeIn(fit_group), FadeIn(readout), FadeIn(rule),
                  Create(self.loss_axes), FadeIn(self.loss_tracer), FadeIn(ring))
        squares_are = ("squares are squared errors" if self.one_scale
                       else "a square's area grows with its squared error")
        self.caption.say(self, f"Each update uses one point (ringed, its square outlined); {squares_are}.", 3)
        # The first pass slowly, update by update (at most 12 s); then the rest, the flat tail quickly.
        self.play(self.t.animate.set_value(1), run_time=1.0, rate_func=linear)
        mark_figure(self, "sgd-point")
        self.play(self.t.animate.set_value(per), run_time=min(per - 1, 11) * 1.0, rate_func=linear)
        self.play(FadeOut(ring), run_time=0.3)
        self.caption.say(self, f"{passes} passes over the {n} points: {len(fit.m) - 1} updates.", 3)
        # Time goes where the loss moves: up to the pass after which it stays within 1% of its end.
        last = len(fit.m) - 1
        flat = min(last, max(per, int(np.ceil(settled_index(fit.loss, 0.01) / per)) * per))
        self.play(self.t.animate.set_value(flat), run_time=5, rate_func=linear)
        if flat < last:
            self.caption.say(self, f"From pass {flat // per} on the loss stays within 1% of its final "
                                   f"{loss_num(fit.loss[-1])}: the last {(last - flat) // per} passes in a blink.")
            self.play(self.t.animate.set_value(last), run_time=1, rate_func=linear)
        self.wait(0.5)
        mark_figure(self, "after-sgd")
        self.readout = readout
        self.sgd_line = line
        self.fit_mobjects = fit_group

    def _line(self) -> Line:
        m, b, _ = self.mb()
        return self.clipped_line(m, b, THEME.PREDICTION, 4)

    def _put_line(self, line: Line, m: float, b: float) -> None:
        """Move ``line`` onto y = m x + b, cut as :meth:`clipped_line` cuts it (the same points)."""
        start, end = self._clip(m, b)
        line.set_points_by_ends(start, end)

    @staticmethod
    def _put_square(square: VMobject, a: np.ndarray, b: np.ndarray) -> None:
        """Reshape ``square`` into the one :meth:`error_square` draws on the residual from a to b."""
        side = max(float(abs(b[1] - a[1])), 1e-3)
        centre = (a + b) / 2 + RIGHT * float(abs(b[1] - a[1])) / 2
        h = side / 2
        corners = np.array([[h, h, 0.0], [-h, h, 0.0], [-h, -h, 0.0], [h, -h, 0.0], [h, h, 0.0]])
        square.set_points_as_corners(centre + corners)

    def clipped_line(self, m: float, b: float, color: str, width: float, line_cls=Line) -> Line:
        """The line y = m x + b across the axes, cut where it leaves the y range."""
        start, end = self._clip(m, b)
        return line_cls(start, end, color=color, stroke_width=width)

    def _clip(self, m: float, b: float) -> tuple[np.ndarray, np.ndarray]:
        """The ends of y = m x + b across the axes, cut where it leaves the y range."""
        x_lo, x_hi = self.axes.x_range[:2]
        y_lo, y_hi = self.axes.y_range[:2]
        xs = [x_lo, x_hi]
        if m != 0:
            ya, yb = sorted(((y_lo - b) / m, (y_hi - b) / m))
            xs = [max(x_lo, ya), min(x_hi, yb)]
        if xs[0] >= xs[1]:
            xs = [x_lo, x_lo + 1e-3]
        return np.asarray(self.axes.c2p(xs[0], m * xs[0] + b)), np.asarray(self.axes.c2p(xs[1], m * xs[1] + b))

    def _readout(self) -> VGroup:
        """Pass, m, b and MSE of the last update taken (the engine's numbers, not interpolated)."""
        colors = [THEME.muted, THEME.PREDICTION, THEME.PREDICTION, THEME.LOSS]
        rows = VGroup(*[LiveText(text, color=c, font_size=TYPE.LABEL)
                        for text, c in zip(self._readout_lines(), colors, strict=True)])
        return rows.arrange(DOWN, aligned_edge=LEFT, buff=0.2)

    def _readout_lines(self) -> list[str]:
        fit, per, passes = self.fit, self.fit.updates_per_epoch, self.p["passes"]
        k = int(min(max(self.t.get_value(), 0.0), len(fit.m) - 1))
        return [f"SGD pass {min(k // per + 1, passes)}/{passes}", f"m = {num(fit.m[k])}", f"b = {num(fit.b[k])}",
                f"MSE = {loss_num(fit.loss[k])}"]

    def show_answer(self) -> None:
        m, b = least_squares(self.x, self.y)
        ls = self.clipped_line(m, b, THEME.text, 3, DashedLine)
        self.readout.clear_updaters()
        rows = VGroup(*[LiveText(text, color=THEME.text, font_size=TYPE.LABEL) for text in
                        ("least squares", f"m = {num(m)}", f"b = {num(b)}",
                         f"MSE = {loss_num(mse(self.x, self.y, m, b))}")])
        for row, ref in zip(rows, self.readout, strict=True):
            row.align_to(ref, UP)
        rows.align_to(self.rule, LEFT)
        names = EndLabels([("SGD", THEME.PREDICTION, self.sgd_line.get_end()),
                           ("least squares", THEME.text, ls.get_end())])
        self.play(FadeOut(self.rule), run_time=0.4)
        self.play(Create(ls), FadeIn(names), FadeIn(rows))
        close = self.fit.loss[-1] <= 1.05 * mse(self.x, self.y, m, b) + 1e-6 * max(float(np.var(self.y)), 1e-12)
        self.caption.say(self, ("SGD ends close to" if close else "SGD is still on its way to")
                         + " the least-squares line, the exact answer from SciPy.", 5)
        self.wait(3)
        mark_figure(self, "answer")
