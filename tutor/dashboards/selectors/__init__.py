"""Reads for the teacher dashboards, one module per part of the pages. Every function runs a
fixed number of queries, whatever the size of the class, the course or the attempt history.

* ``grid``: the class's students and skills, the mastery levels and the grid's cells, rows and
  per-skill summaries;
* ``activity``: the newest answers, who needs help now, and errors that recur in the class's
  working;
* ``overview``: the whole class dashboard, and the row and summary a live event redraws;
* ``drilldown``: one student's timeline, explanations, days and mastery over time;
* ``assignments``: each assignment's progress, student by student.

What a student sees of their own assignments is the learner side's (``tutor.selectors``).
"""
