"""Geometry for the desk's charts, drawn as SVG by the templates (no chart library).

Every chart gets a frame with a left value axis whose top is a round number above the highest
value (so no bar touches the top edge), tick labels, the values written on the marks, and a
`<title>` on each mark for hover text. A second series of another unit (a win rate) gets its
own axis on the right, with its zero lifted off the x-axis so its dots never hide in the axis
line. See docs/charts.md for why the desk draws its charts on the server."""

import math
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils import formats
from django.utils.dates import MONTHS
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext


def nice_step(peak: float, ticks: int = 4, *, whole: bool = True) -> float:
    """The smallest 1-2-5 step that covers `peak` in at most `ticks` steps (whole numbers for
    counts)."""
    if peak <= 0:
        return 1
    raw = peak / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * power
        if whole and step < 1:
            continue
        if whole and step != int(step):
            continue
        if step >= raw:
            return step
    return 10 * power


CENT = Decimal("0.01")


def hundredths(value: float, separator: str) -> str:
    """`value` with two decimals, as `floatformat(value, 2)` writes it (half up, from the
    float's shortest text) for the values a chart labels (under 1,000, so never grouped), with
    the language's decimal `separator`: the filter costs ten times as much, on each point. A
    plain positive float's shortest text is rounded as digits (half up: the third decimal
    decides), the rest (exponents, signs) through Decimal."""
    whole, dot, fraction = repr(value).partition(".")
    if not (dot and whole.isdigit() and fraction.isdigit()):
        return f"{Decimal(repr(value)).quantize(CENT, ROUND_HALF_UP):f}".replace(".", separator)
    cents = int(whole + fraction[:2].ljust(2, "0")) + (fraction[2:3] >= "5")
    return f"{cents // 100}{separator}{cents % 100:02d}"


def day_month(day: date, months: dict[int, str] | None = None) -> str:
    """The day and the month's name, as `date_format(day, "j F")` writes them; `months`: the
    names already translated, for a chart's many days (each lazy name translates anew)."""
    return f"{day.day} {(months or MONTHS)[day.month]}"


def month_names() -> dict[int, str]:
    """The months' names in the active language."""
    return {number: str(name) for number, name in MONTHS.items()}


def month_day(day: date) -> str:
    """Month and day in digits, as `date_format(day, "m-d")` writes them."""
    return f"{day:%m-%d}"


def tick_label(value: float, suffix: str = "") -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    return text + suffix


@dataclass
class Frame:
    """The plot area: `columns` columns of `column` px, `height` px tall, with margins for the
    axes' labels. `top_value` is the value at the top of the left axis."""

    columns: int
    peak: float
    column: int = 36
    height: int = 120
    left: int = 36
    right: int = 12
    top: int = 18
    bottom: int = 22
    whole: bool = True
    suffix: str = ""
    # The left axis' title (escaped when written), none when empty.
    title: str = ""
    ticks: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        # A tenth of headroom above the highest mark, for the value written over it.
        headroom = max(self.peak, 0) * 1.1
        step = nice_step(headroom, whole=self.whole)
        self.top_value = step * max(1, math.ceil(headroom / step - 1e-9))
        count = round(self.top_value / step)
        self.ticks = [
            {"y": self.y(step * n), "label": tick_label(step * n, self.suffix)} for n in range(count + 1)
        ]

    @property
    def plot_left(self) -> int:
        return self.left

    @property
    def plot_right(self) -> int:
        return self.left + self.columns * self.column

    @property
    def base(self) -> int:
        return self.top + self.height

    @property
    def width(self) -> int:
        return self.plot_right + self.right

    @property
    def full_height(self) -> int:
        return self.base + self.bottom

    def x(self, column: int) -> int:
        return self.left + column * self.column

    def y(self, value: float | Decimal) -> int:
        return round(self.base - float(value) * self.height / self.top_value)

    def h(self, value: float | Decimal) -> int:
        return self.base - self.y(value)

    def axis(self) -> SafeString:
        """The left value axis (grid lines with their values, the title) and the x-axis, written
        out rather than by a template's loop of six variables a tick (nine charts on the
        dashboard); the whitespace is the template's, so the page reads the same."""
        left, right = self.plot_left, self.plot_right
        ticks = "".join(
            _AXIS_TICK.format(left, t["y"], right, left - 4, t["y"] + 3, escape(t["label"]))
            for t in self.ticks
        )
        title = _AXIS_TITLE.format(self.top - 6, escape(self.title)) if self.title else ""
        return mark_safe(_AXIS.format(ticks, left, self.top, self.base, title, right))


_AXIS_TICK = (
    '\n  <line class="grid" x1="{0}" y1="{1}" x2="{2}" y2="{1}"></line>\n'
    '  <text class="tick" x="{3}" y="{4}" text-anchor="end">{5}</text>\n  '
)
_AXIS_TITLE = '<text class="axis-title" x="2" y="{}">{}</text>'
_AXIS = (
    '\n<g class="y-axis">\n  {0}\n'
    '  <line class="axis" x1="{1}" y1="{2}" x2="{1}" y2="{3}"></line>\n'
    "  {4}\n</g>\n"
    '<line class="axis x-axis" x1="{1}" y1="{3}" x2="{5}" y2="{3}"></line>\n'
)


# The win-rate axis: 0 % sits this many px above the x-axis, 100 % at the plot's top.
RATE_LIFT = 10


def rate_y(frame: Frame, percent: float | Decimal) -> int:
    band = frame.height - RATE_LIFT
    return round(frame.base - RATE_LIFT - float(percent) * band / 100)


def rate_ticks(frame: Frame) -> list[dict]:
    return [{"y": rate_y(frame, value), "label": f"{value}%"} for value in (0, 50, 100)]


# A chart's points, written out here rather than by a {% for %} of five to eight variables a
# point (160 points on a dashboard of four stores were most of its template's time); the
# whitespace is the loop's, so the page reads the same.
_FORECAST_MARK = (
    '\n    <g class="forecast-mark">\n      <title>{}</title>\n'
    '      <circle class="odr-point{}" cx="{}" cy="{}" r="2"></circle>\n      {}\n    </g>\n    '
)
_TREND_MARK = (
    '\n    <g class="odr-mark">\n      <title>{}</title>\n'
    '      <circle class="odr-point{}" cx="{}" cy="{}" r="3"></circle>\n'
    '      <text class="value" x="{}" y="{}" text-anchor="middle">{}%</text>\n'
    '      <text class="chart-label" x="{}" y="{}" text-anchor="middle">{}</text>\n    </g>\n    '
)


def _risk(point: dict) -> str:
    return " at-risk" if point["at_risk"] else ""


def forecast_marks(points: list[dict], label_y: int) -> SafeString:
    """A forecast chart's points: each a circle with its hover text, every fifth labelled. The
    words are escaped; the rest are numbers and fixed text."""
    label = '<text class="chart-label" x="{}" y="{}" text-anchor="middle">{}</text>'
    return mark_safe(
        "".join(
            _FORECAST_MARK.format(
                escape(p["title"]),
                _risk(p),
                p["x"],
                p["y"],
                label.format(p["x"], label_y, escape(p["label"])) if p["label"] else "",
            )
            for p in points
        )
    )


def trend_marks(points: list[dict], label_y: int) -> SafeString:
    """An ODR trend's points: each a circle with its hover text, its value and its day."""
    return mark_safe(
        "".join(
            _TREND_MARK.format(
                escape(p["title"]),
                _risk(p),
                p["x"],
                p["y"],
                p["x"],
                p["value_y"],
                escape(p["percent"]),
                p["x"],
                label_y,
                escape(p["day_label"]),
            )
            for p in points
        )
    )


_WEEK_BAR = (
    '\n    <g class="week">\n      <title>{}</title>\n      {}'
    '\n      <text class="chart-label" x="{}" y="{}" text-anchor="middle">{}</text>\n    </g>\n    '
)
_WEEK_MARK = '\n      <rect class="bar-{}" x="{}" y="{}" width="8" height="{}"></rect>\n      {}\n      '
_WEEK_VALUE = '<text class="value" x="{}" y="{}" text-anchor="middle">{}</text>'


def week_marks(bars: list[dict], label_y: int) -> SafeString:
    """The weekly chart's bars: each week's hover text (already worded, its values escaped), its
    three bars with their values (`text`, written when not zero) and its day. The day and
    values are escaped; the rest are numbers and fixed text."""
    return mark_safe(
        "".join(
            _WEEK_BAR.format(
                bar["title"],
                "".join(
                    _WEEK_MARK.format(
                        m["name"],
                        m["x"],
                        m["y"],
                        m["h"],
                        _WEEK_VALUE.format(m["x"] + 4, m["y"] - 2, escape(m["text"])) if m["value"] else "",
                    )
                    for m in bar["marks"]
                ),
                bar["x"] + 18,
                label_y,
                escape(bar["label"]),
            )
            for bar in bars
        )
    )


def forecast_chart(forecast) -> dict:
    """Geometry for a store's ODR forecast (`disputes.selectors.OdrForecast`): today and the
    next days as a line of expected values inside its band, under the platforms' limit (a dashed
    line), with the crossing day marked."""
    days = [forecast.today, *forecast.days]
    limit = float(forecast.limit)
    peak = max([day.high for day in days] + [day.percent for day in days] + [limit * 1.5])
    frame = Frame(columns=len(days), peak=peak, whole=False, suffix="%", column=14)
    half = frame.column // 2
    # Each point's hover text is worded here, the sentence translated once per chart rather
    # than by a {% blocktranslate %} with four filters on each point (31 a store).
    sentence = gettext("%(day)s: expected ODR %(percent)s%% (band %(low)s–%(high)s%%)")
    separator = formats.get_format("DECIMAL_SEPARATOR")
    months = month_names()
    points = []
    upper, lower = [], []
    for n, day in enumerate(days):
        x = frame.x(n) + half
        percent, low, high = day.percent, day.low, day.high
        points.append(
            {
                "day": day,
                "x": x,
                "y": frame.y(percent),
                "label": month_day(day.day) if n % 5 == 0 else "",
                "at_risk": percent > limit,
                "title": sentence
                % {
                    "day": day_month(day.day, months),
                    "percent": hundredths(percent, separator),
                    "low": hundredths(low, separator),
                    "high": hundredths(high, separator),
                },
            }
        )
        upper.append(f"{x},{frame.y(high)}")
        lower.append(f"{x},{frame.y(low)}")
    lower.reverse()
    crossing = None
    if forecast.crossing is not None:
        crossing = next(p for p in points if p["day"].offset == forecast.crossing.offset)
    return {
        "frame": frame,
        "points": points,
        "marks": forecast_marks(points, frame.full_height - 6),
        "line": " ".join(f"{p['x']},{p['y']}" for p in points),
        "band": " ".join(upper + lower),
        "limit_y": frame.y(limit),
        "limit": forecast.limit,
        "crossing": crossing,
    }
