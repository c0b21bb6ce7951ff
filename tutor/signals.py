"""Signals of the learner side, so that other parts (the teachers' live dashboards) can follow
what learners do without the learner code knowing them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent once the transaction that stored an attempt has committed; keyword argument: attempt_id.
# Receivers must not fail the answer: they are called with send_robust and their errors logged.
attempt_recorded = Signal()
