"""Teacher pages a newcomer reads first: the assignment form names problems by what they ask,
and the time-on-task chart's axis has readable numbers when the times are small."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from tutor.dashboards import charts
from tutor.models import Attempt, Classroom

pytestmark = pytest.mark.django_db


def _ticks(svg: str) -> list[str]:
    return re.findall(r'<text [^>]*text-anchor="end">([^<]*)</text>', svg)


def test_small_times_get_distinct_axis_labels():
    day = datetime(2026, 12, 1).timestamp()
    bars = [(day, 0.4, "1 Dec"), (day + 86400, 0.1, "2 Dec")]
    svg = charts.bar_chart("t", "Time", bars, unit="min")
    assert _ticks(svg) == ["0", "0.25", "0.5"]  # was "0, 0, 0"
    assert "0.4 min" in svg and "0.1 min" in svg
    big = charts.bar_chart("t", "Time", [(day, 37.0, "1 Dec")], unit="min")
    assert _ticks(big) == ["0", "25", "50"]
    assert charts.nice_ceiling(0) == 1 and charts.nice_ceiling(100) == 100


def test_drill_down_time_axis_is_not_all_zeros(client, demo, teacher, student):
    classroom = Classroom.objects.get(join_code="TRYMATH7")
    problem = classroom.course.skills.order_by("order").first().problems.first()
    Attempt.objects.create(
        learner=student,
        problem=problem,
        raw_input="1",
        verdict="wrong",
        feedback_code="wrong",
        time_taken_ms=20_000,  # a third of a minute
    )
    client.force_login(teacher)
    page = client.get(f"/teach/classes/{classroom.pk}/students/{student.pk}/").content.decode()
    svg = page[page.index('id="time-chart-title"') - 200 :]
    svg = svg[: svg.index("</svg>")]
    labels = _ticks(svg)
    assert len(set(labels)) == 3, labels


def test_assignment_form_lists_problems_by_their_text(client, demo, teacher):
    classroom = Classroom.objects.get(join_code="TRYMATH7")
    client.force_login(teacher)
    page = client.get(f"/teach/classes/{classroom.pk}/assignments/new/").content.decode()
    options = re.findall(r"<option value=\"\d+\"[^>]*>([^<]*)</option>", page)
    assert "Integer arithmetic: Compute -7 + 12." in options
    assert "Fractions: Compute 1/2 + 1/3 and give the result as a fraction." in options
    assert not any(o.endswith(": add-negatives") for o in options)
