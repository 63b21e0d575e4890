"""The charts carry axes, values and hover text; the post-mortem CSV opens in Excel as it
reads on screen."""

import csv
import io
import re
from datetime import date, timedelta

from django.db import connection
from django.template.defaultfilters import floatformat
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from disputes.charts import RATE_LIFT, Frame, day_month, hundredths, month_day, month_names
from disputes.models import Claim, ClaimKind, Membership, Outcome, PostMortem, Reason, Role, RootCause

from .test_post_mortems import close, new_claim
from .test_queue import add_claims


def svg(page: str, marker: str) -> str:
    start = page.index(marker)
    return page[page.rindex("<svg", 0, start) : page.index("</svg>", start)]


def test_the_weekly_chart_has_axes_values_and_hover_text(manager_client, world):
    # The fixture's claim opened two hours ago: early on a Monday that is last week.
    Claim.objects.filter(pk=world.claim_a.pk).update(opened_at=timezone.now())
    claims = add_claims(world, 7)
    Claim.objects.filter(pk__in=[c.pk for c in claims[:3]]).update(outcome=Outcome.DENIED)
    page = manager_client.get(reverse("disputes:dashboard")).content.decode()
    chart = svg(page, 'id="weekly-chart"')
    # Eight opened this week (with the fixture's claim), three won: the axis goes to 10.
    assert re.findall(r'class="tick"[^>]*>(\d+)</text>', chart) == ["0", "5", "10"]
    assert 'class="axis x-axis"' in chart and 'class="axis-title"' in chart
    this_week = chart[chart.rindex('<g class="week">') :]
    assert re.search(r"<title>Week of [\d-]+: 8 opened, 3 won, 0 lost</title>", this_week)
    assert '">8</text>' in this_week and '">3</text>' in this_week
    # No bar reaches the top of the plot: the tallest stops below the axis's top value.
    tallest = min(int(y) for y in re.findall(r'<rect class="bar-opened" x="\d+" y="(\d+)"', chart))
    assert tallest > Frame(columns=12, peak=8).top


def test_frame_rounds_its_axis_above_the_highest_value():
    for peak, top in [(1, 2), (8, 10), (10, 15), (37, 60), (0, 1)]:
        frame = Frame(columns=3, peak=peak)
        assert frame.top_value == top
        assert frame.ticks[0]["label"] == "0" and frame.ticks[-1]["label"] == str(top)
        assert frame.y(peak) > frame.top or peak == 0


def test_chart_texts_written_by_hand_read_as_djangos_filters_write_them():
    # The forecast chart words its 31 points without floatformat and date_format (ten times the
    # cost); halves round up as the filter rounds them, month names follow the language.
    values = [
        0.0,
        0.005,
        0.015,
        0.125,
        0.135,
        0.994999,
        0.995,
        1.0,
        1.005,
        2.675,
        12.3456,
        99.995,
        1e-7,
        1 / 3,
        100.0,
        123.455,
        0.5,
        7.0049999,
        19.605,
        2.5e-05,
        1e16,
        -0.125,
    ]
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(0, 365, 9)]
    for language in ("en", "zh-hans"):
        with translation.override(language):
            separator = formats.get_format("DECIMAL_SEPARATOR")
            assert [hundredths(value, separator) for value in values] == [
                floatformat(value, 2) for value in values
            ]
            assert [day_month(day) for day in days] == [formats.date_format(day, "j F") for day in days]
            months = month_names()
            assert [day_month(day, months) for day in days] == [day_month(day) for day in days]
            assert [month_day(day) for day in days] == [formats.date_format(day, "m-d") for day in days]
    with translation.override("zh-hans"):
        assert day_month(date(2026, 12, 7)) == "7 十二月"
    assert hundredths(0.125, ",") == "0,13"


def test_the_win_rate_has_its_own_axis_and_zero_sits_above_the_x_axis(manager_client, world):
    close(world, new_claim(world), Outcome.GRANTED_SELLER_FUNDED)  # lost: a 0 % week
    page = manager_client.get(reverse("disputes:post_mortems")).content.decode()
    chart = svg(page, 'id="cause-chart"')
    rate_axis = chart[chart.index('<g class="rate-axis">') :]
    rate_axis = rate_axis[: rate_axis.index("</g>")]
    assert re.findall(r">(\d+%)</text>", rate_axis) == ["0%", "50%", "100%"]
    base = int(re.search(r'class="axis x-axis" x1="\d+" y1="(\d+)"', chart).group(1))
    dot = re.search(r'<circle class="win-rate" cx="\d+" cy="(\d+)"', chart)
    assert dot and int(dot.group(1)) == base - RATE_LIFT
    assert re.search(r"<title>Week of [\d-]+: win rate 0%</title>", chart)
    assert re.search(r"<title>Week of [\d-]+: 1 closed, 0 won \(0%\)</title>", chart)
    assert f"<title>{RootCause.CARRIER.label}: 1</title>" in chart


# --- The CSV export --------------------------------------------------------------------------


def export(client, **params) -> tuple[bytes, list[dict]]:
    response = client.get(reverse("disputes:post_mortems_csv"), params)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    return body, list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_csv_starts_with_the_byte_order_mark_and_speaks_in_labels(manager_client, world):
    claim = new_claim(world, "杯子-1", reason=Reason.DAMAGED)
    close(world, claim, Outcome.DENIED, root_cause=RootCause.PACKAGING, action="换更厚的纸箱")
    body, rows = export(manager_client)
    assert body.startswith("\ufeff".encode())
    (row,) = rows
    assert row["Claim kind"] == str(ClaimKind.A_TO_Z.label)
    assert row["Reason"] == str(Reason.DAMAGED.label)
    assert row["Outcome"] == str(Outcome.DENIED.label)
    assert row["Root cause"] == str(RootCause.PACKAGING.label)
    assert row["Won"] == "Yes"
    assert (row["Products (SKU)"], row["Improvement action"]) == ("杯子-1", "换更厚的纸箱")
    # To the minute, with the zone named; no seconds, microseconds or ISO "T".
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d \S+", row["Written"]), row["Written"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", row["Action due"])


def test_csv_speaks_the_readers_language(manager_client, world):
    close(world, new_claim(world), Outcome.DENIED, root_cause=RootCause.CARRIER)
    manager_client.post(reverse("preferences"), {"language": "zh-hans"})
    with translation.override("zh-hans"):
        cause, header = str(RootCause.CARRIER.label), _("Root cause")
    with translation.override("en"):
        assert cause != str(RootCause.CARRIER.label) and header != "Root cause"
    _body, (row,) = export(manager_client)
    assert row[header] == cause


def test_csv_respects_the_store_filter_on_screen(manager_client, world):
    from disputes.models import Store

    other = Store.objects.create(
        name="Charlie eBay", platform="ebay", marketplace="US", time_zone="UTC", currency="USD"
    )
    Membership.objects.create(user=world.manager_a, store=other, role=Role.MANAGER)
    Membership.objects.create(user=world.agent_a, store=other, role=Role.AGENT)
    close(world, new_claim(world, "A-1"))
    close(world, new_claim(world, "C-1", store=other))
    _body, everything = export(manager_client)
    assert {row["Store"] for row in everything} == {world.store_a.name, "Charlie eBay"}
    page = manager_client.get(reverse("disputes:post_mortems"), {"store": other.pk, "weeks": "4"})
    link = re.search(r'id="csv-export" href="([^"]+)"', page.content.decode()).group(1).replace("&amp;", "&")
    assert f"store={other.pk}" in link
    response = manager_client.get(link)
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [row["Store"] for row in rows] == ["Charlie eBay"]


def test_csv_export_changes_nothing_and_refuses_posts(manager_client, world):
    close(world, new_claim(world))
    before = list(PostMortem.objects.values())
    with CaptureQueriesContext(connection) as captured:
        export(manager_client)
    writes = [q["sql"] for q in captured if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]
    # The session and login bookkeeping aside, nothing is written.
    assert [sql for sql in writes if "django_session" not in sql] == []
    assert list(PostMortem.objects.values()) == before
    assert manager_client.post(reverse("disputes:post_mortems_csv")).status_code == 405


def test_the_charts_points_written_out_are_what_a_template_loop_writes_and_escape_their_words():
    from django.template import Context, Template

    from disputes.charts import forecast_marks, trend_marks

    points = [
        {
            "x": 31,
            "y": 80,
            "value_y": 75,
            "at_risk": n == 1,
            "title": f"<b>day {n}</b> & more",
            "label": "1 Dec" if n != 1 else "",
            "percent": "1,25",
            "day_label": f"{n} <Dec>",
        }
        for n in range(3)
    ]
    forecast_loop = Template(
        "{% load l10n %}"
        '{% localize off %}{% for p in points %}\n    <g class="forecast-mark">\n      <title>{{ p.title }}</title>\n'
        '      <circle class="odr-point{% if p.at_risk %} at-risk{% endif %}" cx="{{ p.x }}" cy="{{ p.y }}" r="2"></circle>\n'
        '      {% if p.label %}<text class="chart-label" x="{{ p.x }}" y="{{ label_y }}" text-anchor="middle">'
        "{{ p.label }}</text>{% endif %}\n    </g>\n    {% endfor %}{% endlocalize %}"
    )
    trend_loop = Template(
        "{% load l10n %}"
        '{% localize off %}{% for p in points %}\n    <g class="odr-mark">\n      <title>{{ p.title }}</title>\n'
        '      <circle class="odr-point{% if p.at_risk %} at-risk{% endif %}" cx="{{ p.x }}" cy="{{ p.y }}" r="3"></circle>\n'
        '      <text class="value" x="{{ p.x }}" y="{{ p.value_y }}" text-anchor="middle">{{ p.percent }}%</text>\n'
        '      <text class="chart-label" x="{{ p.x }}" y="{{ label_y }}" text-anchor="middle">{{ p.day_label }}</text>\n'
        "    </g>\n    {% endfor %}{% endlocalize %}"
    )
    context = Context({"points": points, "label_y": 114})
    assert forecast_marks(points, 114) == forecast_loop.render(context)
    assert trend_marks(points, 114) == trend_loop.render(context)
    assert "&lt;b&gt;day 0&lt;/b&gt; &amp; more" in forecast_marks(points, 114)
    assert "1 &lt;Dec&gt;" in trend_marks(points, 114) and " at-risk" in trend_marks(points, 114)


# The chart axis' template, as `disputes/_chart_axis.html` was before `Frame.axis` wrote it.
_AXIS_TEMPLATE = (
    "{# The left value axis of a chart: grid lines with their values, and the x-axis. Needs `frame`. #}\n"
    '<g class="y-axis">\n'
    "  {% for tick in frame.ticks %}\n"
    '  <line class="grid" x1="{{ frame.plot_left }}" y1="{{ tick.y }}" x2="{{ frame.plot_right }}" y2="{{ tick.y }}"></line>\n'
    '  <text class="tick" x="{{ frame.plot_left|add:-4 }}" y="{{ tick.y|add:3 }}" text-anchor="end">{{ tick.label }}</text>\n'
    "  {% endfor %}\n"
    '  <line class="axis" x1="{{ frame.plot_left }}" y1="{{ frame.top }}" x2="{{ frame.plot_left }}" y2="{{ frame.base }}"></line>\n'
    '  {% if axis_title %}<text class="axis-title" x="2" y="{{ frame.top|add:-6 }}">{{ axis_title }}</text>{% endif %}\n'
    "</g>\n"
    '<line class="axis x-axis" x1="{{ frame.plot_left }}" y1="{{ frame.base }}" x2="{{ frame.plot_right }}" y2="{{ frame.base }}"></line>\n'
)


def test_the_axis_written_out_is_what_the_axis_template_writes_and_escapes_its_title():
    from django.template import Context, Template

    template = Template(_AXIS_TEMPLATE)
    frames = [
        Frame(columns=12, peak=37, title="claims"),
        Frame(columns=31, peak=2.4, whole=False, suffix="%", column=14),
        Frame(columns=3, peak=0, title="<b>closed</b> & won", right=40),
    ]
    for frame in frames:
        # The dashboard's charts are under {% localize off %}, the post-mortems' chart is not.
        for localized in ("{% localize off %}{% include axis %}{% endlocalize %}", "{% include axis %}"):
            page = Template("{% load l10n %}" + localized).render(
                Context({"axis": template, "frame": frame, "axis_title": frame.title})
            )
            assert frame.axis() == page
    assert "&lt;b&gt;closed&lt;/b&gt; &amp; won" in frames[2].axis()
    assert 'class="axis-title"' not in frames[1].axis()


def test_the_weekly_bars_written_out_are_what_the_template_loop_wrote_in_each_language():
    from datetime import datetime

    from django.template import Context, Template

    from disputes.selectors.dashboard import Week
    from disputes.views import weekly_chart

    loop = Template(
        "{% load i18n l10n desk %}"
        "{% localize off %}{% for bar in chart.bars %}\n"
        '    <g class="week">\n'
        "      <title>{% blocktranslate with week=bar.week.start.date|when_text opened=bar.week.opened|localize "
        "won=bar.week.won|localize lost=bar.week.lost|localize %}Week of {{ week }}: {{ opened }} opened, "
        "{{ won }} won, {{ lost }} lost{% endblocktranslate %}</title>\n"
        "      {% for mark in bar.marks %}\n"
        '      <rect class="bar-{{ mark.name }}" x="{{ mark.x }}" y="{{ mark.y }}" width="8" height="{{ mark.h }}"></rect>\n'
        '      {% if mark.value %}<text class="value" x="{{ mark.x|add:4 }}" y="{{ mark.y|add:-2 }}" '
        'text-anchor="middle">{{ mark.value|localize }}</text>{% endif %}\n'
        "      {% endfor %}\n"
        '      <text class="chart-label" x="{{ bar.x|add:18 }}" y="{{ frame.full_height|add:-6 }}" '
        'text-anchor="middle">{{ bar.week.start|date:"m-d" }}</text>\n'
        "    </g>\n"
        "    {% endfor %}{% endlocalize %}"
    )
    for zone in ("UTC", "America/Los_Angeles", "Asia/Kolkata"):
        with timezone.override(zone):
            zone_ = timezone.get_current_timezone()
            weeks = [
                Week(datetime(2026, 11, 2 + 7 * n, tzinfo=zone_), opened=n * 700, won=n % 2, lost=n * 3)
                for n in range(4)
            ]
            for language in ("en", "zh-hans"):
                with translation.override(language):
                    chart = weekly_chart(weeks)
                    assert chart["marks"] == loop.render(Context({"chart": chart, "frame": chart["frame"]}))
            with translation.override("en"):
                marks = weekly_chart(weeks)["marks"]
            assert "<title>Week of 2026-11-16: 1400 opened, 0 won, 6 lost</title>" in marks
            assert marks.count('<text class="value"') == 3 + 2 + 3  # no value written for a 0


def test_the_agent_rows_written_out_are_what_the_template_loop_wrote_and_escape_names():
    from django.template import Context, Template

    from disputes.selectors.dashboard import AgentLoad
    from disputes.views import _agent_rows

    loop = Template(
        "{% for agent in agents %}\n"
        "        <tr><td>{{ agent.username }}</td>\n"
        '          <td><a href="{{ queue_url }}?store=managed&amp;assignee={{ agent.user_id }}">{{ agent.open }}</a></td>\n'
        '          <td><a href="{{ queue_url }}?store=managed&amp;assignee={{ agent.user_id }}&amp;due=today">'
        "{{ agent.due_today }}</a></td>\n"
        '          <td><a href="{{ queue_url }}?store=managed&amp;assignee={{ agent.user_id }}&amp;due=overdue">'
        "{{ agent.overdue }}</a></td></tr>\n"
        "      {% endfor %}"
    )
    agents = [AgentLoad(7, "<ann> & co", 1200, 3, 0), AgentLoad(12345, "bo", 4, 0, 2)]
    queue = reverse("disputes:queue")
    for language in ("en", "zh-hans"):
        with translation.override(language):
            assert _agent_rows(agents, queue) == loop.render(Context({"agents": agents, "queue_url": queue}))
    assert "&lt;ann&gt; &amp; co" in _agent_rows(agents, queue)
    assert _agent_rows([], queue) == ""
