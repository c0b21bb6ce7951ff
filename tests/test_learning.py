"""The adaptive engine in the product: state updated with each attempt, policy-chosen next
problems with their reasons, progress with mastery, and the refit through a real worker."""

from __future__ import annotations

import pytest

from curriculum.models import Problem, Skill
from tutor import learning
from tutor.models import AdaptiveModel, Attempt, LearnerSkill

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_attempt_updates_learner_state_in_the_same_transaction(client, student, demo):
    client.force_login(student)
    problem = Problem.objects.get(skill__course=demo, slug="add-negatives")
    client.post(f"/problems/{problem.pk}/answer/", {"answer": "5"}, **HTMX)
    row = LearnerSkill.objects.get(user=student, skill=problem.skill)
    after_right = row.p_known
    assert after_right > learning.active_params().bkt_for(str(problem.skill_id)).prior
    # A second answer to the same problem is not new evidence.
    client.post(f"/problems/{problem.pk}/answer/", {"answer": "4"}, **HTMX)
    assert LearnerSkill.objects.get(pk=row.pk).p_known == after_right
    # An unreadable answer is not evidence either.
    other = Problem.objects.get(skill__course=demo, slug="multiply-signs")
    client.post(f"/problems/{other.pk}/answer/", {"answer": "%%%"}, **HTMX)
    assert LearnerSkill.objects.get(pk=row.pk).p_known == after_right
    client.post(f"/problems/{other.pk}/answer/", {"answer": "12"}, **HTMX)
    assert LearnerSkill.objects.get(pk=row.pk).p_known < after_right


def test_a_hint_before_answering_counts_as_not_known(client, student, demo):
    client.force_login(student)
    problem = Problem.objects.get(skill__course=demo, slug="add-negatives")
    client.post(f"/problems/{problem.pk}/hint/", **HTMX)
    client.post(f"/problems/{problem.pk}/answer/", {"answer": "5"}, **HTMX)
    with_hint = LearnerSkill.objects.get(user=student).p_known
    assert with_hint < 0.5


def test_new_learner_starts_with_the_first_skill_in_course_order(client, student, demo):
    client.force_login(student)
    response = client.get(f"/courses/{demo.slug}/next/")
    problem = Problem.objects.get(pk=int(response.url.strip("/").split("/")[-1]))
    assert problem.skill.slug == "integers"


def test_prerequisites_gate_later_skills(client, student, demo):
    integers = Skill.objects.get(course=demo, slug="integers")
    equations = Skill.objects.get(course=demo, slug="linear-equations")
    equations.order = 0
    equations.save()
    equations.prerequisites.add(integers)
    client.force_login(student)
    response = client.get(f"/courses/{demo.slug}/next/")
    problem = Problem.objects.get(pk=int(response.url.strip("/").split("/")[-1]))
    assert problem.skill == integers  # equations come first in order but are locked


def test_a_prerequisite_added_later_reaches_the_cached_course_graph(demo):
    integers = Skill.objects.get(course=demo, slug="integers")
    equations = Skill.objects.get(course=demo, slug="linear-equations")
    before = learning.course_graph(demo).prereqs.get(str(equations.pk), ())
    assert str(integers.pk) not in before
    equations.prerequisites.add(integers)  # no problem or skill changes: only the link
    assert str(integers.pk) in learning.course_graph(demo).prereqs[str(equations.pk)]
    equations.prerequisites.remove(integers)
    assert str(integers.pk) not in learning.course_graph(demo).prereqs.get(str(equations.pk), ())


def test_course_page_shows_mastery_and_its_meaning(client, student, demo):
    client.force_login(student)
    problem = Problem.objects.get(skill__course=demo, slug="add-negatives")
    client.post(f"/problems/{problem.pk}/answer/", {"answer": "5"}, **HTMX)
    page = client.get(f"/courses/{demo.slug}/").content.decode()
    assert "Learning" in page and "estimated " in page and "Continue practising" in page


@pytest.mark.django_db(transaction=True)
def test_refit_through_the_worker_activates_new_parameters(
    celery_worker_session, demo, student, other_student
):
    from tutor import services
    from tutor.tasks import refit_adaptive_model

    for learner in (student, other_student):
        for problem in Problem.objects.filter(skill__course=demo):
            services.record_attempt(learner=learner, problem=problem, raw_input="0")
    before = learning.active_params()
    result = refit_adaptive_model.delay().get(timeout=60)
    active = AdaptiveModel.objects.get(is_active=True)
    assert result["version"] == active.version and active.n_attempts == Attempt.objects.count()
    after = learning.active_params()
    # (A database's JSON may re-print floats, so compare content, not the fitted hash.)
    assert after is not before and after.info["n_attempts"] == active.n_attempts > 0
    # A second refit replaces it: still exactly one active parameter set.
    refit_adaptive_model.delay().get(timeout=60)
    assert AdaptiveModel.objects.filter(is_active=True).count() == 1
