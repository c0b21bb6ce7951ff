"""Before the first fit the app's parameters come from the curriculum (issue 14)."""

from __future__ import annotations

import pytest

from curriculum.models import Problem, Skill
from tutor import learning
from tutor.adaptive import BKTParams

pytestmark = pytest.mark.django_db


def test_unfitted_app_takes_skill_priors_and_difficulties_from_the_curriculum(demo):
    learning._params_cache.clear()
    params = learning.active_params()
    skills = list(Skill.objects.filter(course=demo))
    assert skills and all(str(s.pk) in params.bkt for s in skills)
    for s in skills:
        diffs = [
            d
            for d in Problem.objects.filter(skill=s).values_list("difficulty", flat=True)
            if d is not None
        ]
        if diffs:
            assert params.skill_difficulty[str(s.pk)] == pytest.approx(sum(diffs) / len(diffs))
        assert 0.05 <= params.bkt[str(s.pk)].prior <= 0.8
    # skills whose problems are easier on average start with a higher prior
    by_diff = sorted(
        (params.skill_difficulty[str(s.pk)], params.bkt[str(s.pk)].prior)
        for s in skills
        if str(s.pk) in params.skill_difficulty
    )
    if len({d for d, _ in by_diff}) > 1:
        assert by_diff[0][1] >= by_diff[-1][1]
    assert params.bkt_default == BKTParams()
