"""The HTML fragments a live class dashboard receives over its websocket (htmx 2's ws
extension swaps each top-level element into the element with the same id)."""

from __future__ import annotations

from django.template.loader import render_to_string

from tutor.dashboards.selectors import activity, grid, overview
from tutor.models import Attempt, Classroom


def attempt_fragments(classroom: Classroom, attempt_id: int) -> list[str]:
    """The changed grid cell, the student's totals, the skill's summary, the "needs help" list
    and the new activity line, and after an error diagnosed in a working the recurring errors
    (one query more); nothing when the attempt is not this class's business."""
    attempt = (
        Attempt.objects.select_related("learner", "problem__skill")
        .filter(
            pk=attempt_id,
            learner__enrollments__classroom=classroom,
            problem__skill__course_id=classroom.course_id,
        )
        .first()
    )
    if attempt is None:
        return []
    skill = attempt.problem.skill
    row = overview.student_row(classroom, attempt.learner)
    students = grid.roster(classroom)
    flags = sorted(activity.needs_help(classroom, students), key=lambda f: (f.student_name, f.kind))
    row.flags = [f for f in flags if f.student_id == attempt.learner_id]
    context = {
        "classroom": classroom,
        "row": row,
        "cell": next(c for c in row.cells if c.skill_id == skill.pk),
        "s": overview.skill_summary(classroom, skill, [s.pk for s in students]),
        "flags": flags,
        "a": attempt,
        "oob": True,
    }
    # One message per table context: the browser parses each message on its own, and table
    # cells, table rows and flow content cannot share one fragment.
    fragments = [
        render_to_string("dashboards/_live_row.html", context),
        render_to_string("dashboards/_skill_summary_row.html", context),
        render_to_string("dashboards/_live_panels.html", context),
    ]
    if attempt.working and attempt.working.get("malrule"):
        # A diagnosed error in the working may make (or grow) a class-wide recurring error.
        context["recurring"] = activity.recurring_errors(classroom, students)
        context["min_students"] = activity.RECURRING_MIN_STUDENTS
        context["days"] = activity.RECURRING_WINDOW.days
        fragments.append(render_to_string("dashboards/_recurring.html", context))
    return fragments
