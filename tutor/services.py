"""Writes of the learner side. Keyword-only arguments, one transaction each."""

from __future__ import annotations

import logging

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from curriculum import answers
from curriculum.models import Hint, Problem
from tutor import learning, signals
from tutor.models import (
    STUDENT_GROUP,
    TEACHER_GROUP,
    Attempt,
    Classroom,
    Enrollment,
    HintReveal,
    User,
)

log = logging.getLogger(__name__)

# What we keep of an absurdly long answer: ten times what the checker reads (enough to see
# what happened), not a storage sink.
MAX_STORED_INPUT = 10 * answers.MAX_LENGTH
# Lines of working kept (what the checker reads is limited to answers.workreport.MAX_LINES).
MAX_WORKING_LINES = 100


def _storable(text: str) -> str:
    """Text as the database can keep it: bounded, and no NUL (PostgreSQL refuses it)."""
    return text[:MAX_STORED_INPUT].replace("\x00", "\ufffd")


def feedback_code_of(result: answers.Verdict) -> str:
    """The checker's code as ``Attempt.feedback_code`` can keep it."""
    return result.code[: Attempt._meta.get_field("feedback_code").max_length]


def verdict_of(result: answers.Verdict) -> str:
    """The stored verdict of a checker result."""
    if not result.valid:
        return Attempt.Verdict.INVALID
    if result.correct:
        return Attempt.Verdict.CORRECT
    if result.score > 0:
        return Attempt.Verdict.PARTIAL
    return Attempt.Verdict.WRONG


def record_attempt(
    *,
    learner: User,
    problem: Problem,
    raw_input: str,
    time_taken_ms: int | None = None,
    served_because: dict | None = None,
    working: list[str] | None = None,
) -> tuple[Attempt, answers.Verdict]:
    """Check an answer with the answer checker and store the attempt, whatever the outcome;
    the learner's adaptive state is updated in the same transaction.

    ``working``: the student's lines, if shown; each is checked against the one before
    (from the problem's start, ``answers.work_start``) and stored with its mark on
    ``attempt.working``. With working and no final answer, the last line is the answer."""
    stored_working = None
    if working:
        lines, total = [], 0
        for line in working[:MAX_WORKING_LINES]:
            kept = _storable(line)[: max(0, MAX_STORED_INPUT - total)]
            total += len(kept)
            lines.append(kept)  # at most MAX_STORED_INPUT characters in all
        if not raw_input.strip():
            raw_input = next((x for x in reversed(lines) if x.strip()), "")
        start = answers.work_start(problem.answer_spec)
        report = answers.check_work(([start] if start else []) + lines, problem.answer_spec)
        stored_working = {"typed": lines, "start": start, **report.to_dict()}
    # The check runs before the transaction: it may take up to its deadline.
    result = answers.check(raw_input, problem.answer_spec)
    with transaction.atomic():
        hints_used = HintReveal.objects.filter(learner=learner, problem=problem).count()
        attempt = Attempt.objects.create(
            learner=learner,
            problem=problem,
            raw_input=_storable(raw_input),
            parsed_as=_storable(result.parsed_as or ""),
            verdict=verdict_of(result),
            score=result.score,
            feedback_code=feedback_code_of(result),
            feedback=_storable(result.feedback),
            time_taken_ms=time_taken_ms,
            hints_used=hints_used,
            served_because=served_because,
            working=stored_working,
        )
        learning.update_learner(attempt)
        transaction.on_commit(lambda: _announce_attempt(attempt.pk))
    return attempt, result


def _announce_attempt(attempt_id: int) -> None:
    """Tell whoever follows attempts (the teachers' dashboards); never fails the answer."""
    for receiver, error in signals.attempt_recorded.send_robust(
        sender=Attempt, attempt_id=attempt_id
    ):
        if isinstance(error, Exception):
            log.warning("%s failed on attempt %s: %r", receiver, attempt_id, error)


def reveal_next_hint(*, learner: User, problem: Problem) -> Hint | None:
    """Reveal (and log) the next hint in order; None when every hint is already shown."""
    with transaction.atomic():
        shown = HintReveal.objects.filter(learner=learner, problem=problem).values("hint_id")
        hint = problem.hints.exclude(pk__in=shown).order_by("order", "id").first()
        if hint is not None:
            HintReveal.objects.get_or_create(learner=learner, hint=hint, problem=problem)
    return hint


def join_classroom(*, student: User, code: str) -> Classroom:
    normalized = "".join(code.split()).upper()
    try:
        classroom = Classroom.objects.get(join_code=normalized)
    except Classroom.DoesNotExist:
        raise ValidationError(
            _("No class has the code “%(code)s”. Check the code with your teacher.")
            % {"code": normalized or code}
        ) from None
    Enrollment.objects.get_or_create(classroom=classroom, student=student)
    return classroom


def set_language(*, user: User, language: str) -> User:
    """Keep the interface language the user chose (a code of settings.LANGUAGES, or "" for
    the browser's)."""
    from django.conf import settings

    if language and language not in dict(settings.LANGUAGES):
        raise ValidationError(f"Unknown language {language!r}.")
    user.language = language
    user.save(update_fields=["language"])
    return user


def make_student(*, user: User) -> User:
    user.groups.add(Group.objects.get_or_create(name=STUDENT_GROUP)[0])
    return user


def make_teacher(*, user: User) -> User:
    user.groups.add(Group.objects.get_or_create(name=TEACHER_GROUP)[0])
    return user


@transaction.atomic
def create_teacher(*, username: str, email: str, password: str | None) -> User:
    user = User.objects.create_user(username=username, email=email, password=password)
    return make_teacher(user=user)


@transaction.atomic
def create_classroom(*, teacher: User, name: str, course) -> Classroom:
    return Classroom.objects.create(teacher=teacher, name=name, course=course)


def check_scaffold(*, learner: User, hint: Hint, raw_input: str) -> answers.Verdict:
    """Check a step's sub-question. Not an attempt at the problem: the adaptive models and the
    problem's attempt history stay as they are; the check is logged for debugging only."""
    result = answers.check(raw_input, hint.answer_spec)
    log.info("scaffold %s by %s: %s", hint.pk, learner.pk, result.code)
    return result
