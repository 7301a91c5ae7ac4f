"""A line learns y = m*x + b: squared errors, then SGD pass by pass to the least-squares answer.

The story of posts 000 and 002: the squared error of one prediction (actual 4,
predicted 2, error (4 - 2)^2 = 4), then the beginner post's loop -- per-sample
SGD, lr 0.01, 50 passes over its six points -- with the prediction line moving
after every update, the squared errors drawn as squares on the residuals, the
loss curve filling in, and SciPy's least-squares line as the answer SGD
approaches.  Every number comes from :mod:`gdcore.linfit`.
"""

from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Axes,
    Create,
    DashedLine,
    Dot,
    FadeIn,
    FadeOut,
    Line,
    Square,
    Text,
    ValueTracker,
    VGroup,
    always_redraw,
    linear,
)

from gdcore import data
from gdcore.linfit import LineFit, fit_line, least_squares
from scenes.kit import (
    THEME,
    LiveText,
    PathTracer,
    StoryScene,
    decimals_for,
    fmt,
    mark_figure,
    nice_range,
)


class LinearFit(StoryScene):
    """One squared error, then SGD fitting the six points pass by pass, then the least-squares line."""

    params_key = "linear_fit"

    def construct(self) -> None:
        self.one_squared_error()
        self.setup_fit()
        self.run_sgd()
        self.show_answer()

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
        axes = Axes(x_range=[0, float(xs.max()), 1], y_range=[0, float(ys.max()), 2], x_length=6.5, y_length=5.0,
                    tips=False, axis_config={"stroke_color": THEME.muted, "include_numbers": True, "font_size": 22})
        axes.shift(0.2 * DOWN + 1.5 * LEFT)
        truth = axes.plot(lambda t: 2 * t, color=THEME.DATA, stroke_width=2)
        model = axes.plot(lambda t: w * t, color=THEME.PREDICTION, stroke_width=3)
        pts = VGroup(*[Dot(axes.c2p(a, b), radius=0.06, color=THEME.DATA) for a, b in zip(xs, ys)])
        p_dot = Dot(axes.c2p(x, predicted), radius=0.08, color=THEME.PREDICTION)
        resid = Line(axes.c2p(x, predicted), axes.c2p(x, actual), color=THEME.LOSS, stroke_width=4)
        square = self.error_square(axes, x, predicted, actual)
        labels = VGroup(
            Text(f"actual y = 2x = {fmt(actual)}", font=THEME.font, font_size=THEME.label_size, color=THEME.DATA),
            Text(f"predicted {fmt(w)}·x = {fmt(predicted)}", font=THEME.font, font_size=THEME.label_size,
                 color=THEME.PREDICTION),
            Text(f"error² = ({fmt(actual)} − {fmt(predicted)})² = {fmt(err2)}", font=THEME.font,
                 font_size=THEME.label_size, color=THEME.LOSS),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.3).next_to(axes, RIGHT, buff=0.6)
        self.play(Create(axes), FadeIn(pts), Create(truth))
        self.caption.say(self, "The data follows y = 2x; our model guesses y = w·x.", 2.5)
        self.play(Create(model), FadeIn(labels[0]))
        self.play(FadeIn(p_dot), FadeIn(labels[1]))
        self.caption.say(self, "The squared error is the area of the square on the gap.", 3)
        self.play(Create(resid))
        self.play(FadeIn(square), FadeIn(labels[2]))
        self.wait(1.5)
        mark_figure(self, "squared-error")
        self.play(FadeOut(VGroup(axes, truth, model, pts, p_dot, resid, square, labels)))

    def setup_fit(self) -> None:
        self.set_title("SGD fits y = m·x + b, one point at a time")
        x, y = data.six_points()
        self.x, self.y = x, y
        p = self.p
        # The post starts from random.random() twice; we draw the start from a seeded generator.
        self.fit: LineFit = fit_line(x, y, lr=p["lr"], epochs=p["passes"], mode="sgd", loss=p["loss"],
                                     seed=p["seed"])
        pad_x = 1.0
        x_lo, x_hi = float(x.min()) - pad_x, float(x.max()) + pad_x
        y_lo, y_hi = float(min(y.min(), 0)) - 2, float(y.max()) + 2
        self.axes = Axes(x_range=[x_lo, x_hi, 1], y_range=[y_lo, y_hi, 2], x_length=6.4, y_length=5.6,
                         tips=False, axis_config={"stroke_color": THEME.muted, "include_numbers": True,
                                                  "font_size": 20})
        self.axes.to_edge(LEFT, buff=0.5).shift(0.25 * DOWN)
        self.dots = VGroup(*[Dot(self.axes.c2p(a, b), radius=0.07, color=THEME.DATA) for a, b in zip(x, y)])
        self.t = ValueTracker(0.0)       # fractional update index
        self.play(Create(self.axes), FadeIn(self.dots))
        self.caption.say(self, f"Start from m = {fmt(self.fit.m[0], 3)}, b = {fmt(self.fit.b[0], 3)}; "
                               f"update: m −= lr·x·err, b −= lr·err, lr = {fmt(p['lr'])}.", 3.5)

    def mb(self) -> tuple[float, float, float]:
        """m, b and loss at the tracker's (fractional) update index."""
        t = min(max(self.t.get_value(), 0.0), len(self.fit.m) - 1)
        k = min(int(t), len(self.fit.m) - 2)
        w = t - k
        lerp = lambda a: (1 - w) * a[k] + w * a[k + 1]  # noqa: E731
        return lerp(self.fit.m), lerp(self.fit.b), lerp(self.fit.loss)

    def error_square(self, axes: Axes, x: float, pred: float, actual: float) -> Square:
        """A square on the residual from (x, pred) to (x, actual), drawn to the right of it."""
        a, b = np.asarray(axes.c2p(x, pred)), np.asarray(axes.c2p(x, actual))
        side = float(abs(b[1] - a[1]))
        sq = Square(side_length=max(side, 1e-3), stroke_color=THEME.LOSS, stroke_width=1.5,
                    fill_color=THEME.LOSS, fill_opacity=0.25)
        return sq.move_to((a + b) / 2 + RIGHT * side / 2)

    def run_sgd(self) -> None:
        axes, fit = self.axes, self.fit
        line = always_redraw(lambda: self._line())
        squares = always_redraw(lambda: VGroup(*[
            self.error_square(axes, a, self.mb()[0] * a + self.mb()[1], b) for a, b in zip(self.x, self.y)]))
        residuals = always_redraw(lambda: VGroup(*[
            Line(axes.c2p(a, self.mb()[0] * a + self.mb()[1]), axes.c2p(a, b), color=THEME.LOSS, stroke_width=2)
            for a, b in zip(self.x, self.y)]))
        readout = self._readout()
        # Loss curve: full-data MSE after every update, x in passes.
        passes = self.p["passes"]
        loss_max = float(fit.loss.max())
        y_range = nice_range(0.0, loss_max)
        self.loss_axes = Axes(x_range=[0, passes, max(1, passes // 5)], y_range=list(y_range),
                              x_length=5.0, y_length=2.6, tips=False,
                              axis_config={"stroke_color": THEME.muted, "font_size": 18},
                              x_axis_config={"include_numbers": True},
                              y_axis_config={"include_numbers": True, "decimal_number_config": {
                                  "num_decimal_places": decimals_for(y_range[2])}})
        self.loss_axes.to_edge(RIGHT, buff=0.6).shift(1.25 * DOWN)
        loss_label = Text("loss (MSE) per pass", font=THEME.font, font_size=THEME.small_size,
                          color=THEME.LOSS).next_to(self.loss_axes, UP, buff=0.1)
        per = fit.updates_per_epoch
        xy = np.stack([np.arange(len(fit.loss)) / per, fit.loss], -1)
        # One point per update, so the tracer's step index is the update index self.t.
        self.loss_tracer = PathTracer(self.loss_axes, xy, THEME.LOSS, self.t, (0, 0), (passes, y_range[1]),
                                      dot_radius=0.05, stroke_width=2.5)
        self.play(FadeIn(line), FadeIn(residuals), FadeIn(squares), FadeIn(readout), Create(self.loss_axes),
                  FadeIn(loss_label), FadeIn(self.loss_tracer))
        self.caption.say(self, "Squares are the squared errors; SGD shrinks their total, one point at a time.", 3)
        # The first pass slowly, update by update; then the remaining passes.
        self.play(self.t.animate.set_value(per), run_time=per * 0.9, rate_func=linear)
        self.caption.say(self, f"{passes} passes over the {len(self.x)} points: "
                               f"{len(fit.m) - 1} updates.", 3)
        self.play(self.t.animate.set_value(len(fit.m) - 1), run_time=10, rate_func=linear)
        self.wait(0.5)
        mark_figure(self, "after-sgd")
        self.fit_mobjects = VGroup(line, squares, residuals)

    def _line(self) -> Line:
        m, b, _ = self.mb()
        return self.clipped_line(m, b, THEME.PREDICTION, 4)

    def clipped_line(self, m: float, b: float, color: str, width: float, line_cls=Line) -> Line:
        """The line y = m x + b across the axes, cut where it leaves the y range."""
        x_lo, x_hi = self.axes.x_range[:2]
        y_lo, y_hi = self.axes.y_range[:2]
        xs = [x_lo, x_hi]
        if m != 0:
            ya, yb = sorted(((y_lo - b) / m, (y_hi - b) / m))
            xs = [max(x_lo, ya), min(x_hi, yb)]
        if xs[0] >= xs[1]:
            xs = [x_lo, x_lo + 1e-3]
        return line_cls(self.axes.c2p(xs[0], m * xs[0] + b), self.axes.c2p(xs[1], m * xs[1] + b),
                        color=color, stroke_width=width)

    def _readout(self) -> VGroup:
        """Pass, m, b and MSE of the last update taken (the engine's numbers, not interpolated)."""
        colors = [THEME.muted, THEME.PREDICTION, THEME.PREDICTION, THEME.LOSS]
        rows = VGroup(*[LiveText(text, color=c) for text, c in zip(self._readout_lines(), colors)])
        rows.arrange(DOWN, aligned_edge=LEFT, buff=0.12).to_edge(RIGHT, buff=1.2).shift(1.55 * UP)
        rows.add_updater(lambda g: [row.set_text(text) for row, text in zip(g, self._readout_lines())])
        return rows

    def _readout_lines(self) -> list[str]:
        fit, per, passes = self.fit, self.fit.updates_per_epoch, self.p["passes"]
        k = int(min(max(self.t.get_value(), 0.0), len(fit.m) - 1))
        return [f"pass {min(k // per + 1, passes)} / {passes}", f"m = {fit.m[k]:+.4f}", f"b = {fit.b[k]:+.4f}",
                f"MSE = {fit.loss[k]:.4f}"]

    def show_answer(self) -> None:
        m, b = least_squares(self.x, self.y)
        ls = self.clipped_line(m, b, THEME.text, 3, DashedLine)
        label = Text(f"least squares: m = {m:+.4f}, b = {b:+.4f}", font=THEME.font, font_size=THEME.small_size,
                     color=THEME.text).next_to(self.axes, UP, buff=0.05).align_to(self.axes, LEFT).shift(0.3 * RIGHT)
        self.play(Create(ls), FadeIn(label))
        m_sgd, b_sgd = self.fit.m[-1], self.fit.b[-1]
        self.caption.say(self, f"SGD ends at m = {fmt(m_sgd)}, b = {fmt(b_sgd)}; the least-squares answer is "
                               f"m = {fmt(m)}, b = {fmt(b)}.", 4)
        self.wait(3)
        mark_figure(self, "answer")

