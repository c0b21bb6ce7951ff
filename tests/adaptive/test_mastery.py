"""The mastery rule: probability threshold *and* evidence (distinct first-attempt successes)."""

from tutor.adaptive import (
    Attempt,
    LearnerState,
    MasteryConfig,
    SkillState,
    default_params,
    is_mastered,
    skill_status,
    update,
)
from tutor.adaptive.model import BKTParams

NOW = 1_800_000_000.0


def fast_params(min_evidence=3):
    # a BKT that reaches 0.95 after two right answers: evidence is what holds mastery back
    p = default_params(["s"], mastery=MasteryConfig(min_evidence=min_evidence))
    p.bkt["s"] = BKTParams(prior=0.5, learn=0.3, slip=0.05, guess=0.1)
    return p


def answer(state, params, item, correct, t):
    return update(state, params, Attempt("u", "s", item, correct, t))


def test_repeating_one_problem_is_not_evidence():
    params = fast_params()
    st = LearnerState()
    for k in range(6):
        st = answer(st, params, "same", True, NOW + k)
    s = st.skills["s"]
    assert s.p_known >= 0.95 and s.solved == ["same"]
    assert not is_mastered(s, 0.95, params.mastery) and s.mastered_t is None
    assert skill_status(s, 0.95, params.mastery, NOW + 10)[0] == "learning"


def test_mastery_needs_the_threshold_and_distinct_successes():
    params = fast_params()
    st = LearnerState()
    st = answer(st, params, "p1", True, NOW)
    st = answer(st, params, "p2", True, NOW + 1)
    assert st.skills["s"].p_known >= 0.95  # today's rule would call this mastered
    assert st.skills["s"].mastered_t is None and st.skills["s"].stability == 0
    st = answer(st, params, "p3", False, NOW + 2)  # a wrong answer is not evidence
    assert st.skills["s"].solved == ["p1", "p2"]
    st = answer(st, params, "p4", True, NOW + 3)  # the third distinct success
    s = st.skills["s"]
    assert s.p_known >= 0.95 and is_mastered(s, 0.95, params.mastery) and s.mastered_t == NOW + 3
    assert s.stability == params.mastery.initial_stability
    # the probability part still matters: evidence alone is not mastery
    low = SkillState(p_known=0.6, n=5, wins=5, last_t=NOW, solved=["a", "b", "c", "d", "e"])
    assert not is_mastered(low, 0.95, params.mastery)


def test_min_evidence_zero_is_todays_rule_and_the_config_round_trips():
    params = fast_params(min_evidence=0)
    st = answer(answer(LearnerState(), params, "p1", True, NOW), params, "p1", True, NOW + 1)
    assert is_mastered(st.skills["s"], 0.95, params.mastery)
    cfg = MasteryConfig.from_dict({**MasteryConfig(min_evidence=4).to_dict()})
    assert cfg.min_evidence == 4 and isinstance(cfg.min_evidence, int)
    assert MasteryConfig.from_dict({"min_evidence": 99}).min_evidence == 10  # capped


def test_state_rows_keep_evidence_and_old_rows_are_read_sensibly():
    s = SkillState(p_known=0.97, n=4, wins=3, last_t=NOW, solved=["1", "2", "3"])
    assert SkillState.from_dict(s.to_dict()).solved == ["1", "2", "3"]
    old = s.to_dict()
    del old["solved"]
    # rows from before: the app fed one first answer per problem, so wins were distinct
    assert len(SkillState.from_dict(old).solved) == 3
    assert SkillState.from_dict({"p_known": 0.2}).solved == []


def test_forgetting_fits_converge_or_fall_back_to_classic_bkt():
    from tutor.adaptive import bkt, fit
    from tutor.adaptive.simulate import simulate_bkt

    true = {
        # forgets a lot: a fitted P(F) near 0.15 caps P(known) below 0.95
        "leaky": BKTParams(prior=0.2, learn=0.3, slip=0.1, guess=0.2, forget=0.15),
        # hardly forgets: the forget fit is usable and kept
        "solid": BKTParams(prior=0.2, learn=0.2, slip=0.1, guess=0.2, forget=0.0),
    }
    params = fit(simulate_bkt(true, 200, 20, seed=3), forgets=True)
    leaky, solid = params.bkt["leaky"], params.bkt["solid"]
    assert leaky.forget == 0.0  # fell back to the classic fit
    assert solid.forget < 0.05
    info = params.info
    assert (
        info["bkt_forget_fallback"] >= 1
        and info["bkt_forget_fallback"] + info["bkt_forget_kept"] == 2
    )
    for p in [*params.bkt.values(), params.bkt_default]:
        assert bkt.mastery_reachable(p, params.mastery.threshold)
        assert p.guess <= bkt.BOUNDS["guess"][1] and p.slip <= bkt.BOUNDS["slip"][1]
    assert set(info["bkt_at_bound"]) == {"guess", "slip", "learn"}
    # the reachability check itself: 1 - forget below the threshold can never reach it
    assert not bkt.mastery_reachable(BKTParams(prior=0.5, learn=0.5, forget=0.1), 0.95)
    assert bkt.mastery_reachable(BKTParams(prior=0.5, learn=0.5, forget=0.01), 0.95)


def test_on_the_simulator_evidence_costs_a_little_and_is_never_worse():
    from tutor.adaptive.simulate import MASTERY_RULES, compare_mastery_rules

    rules = {k: v for k, v in MASTERY_RULES.items() if k != "fixed count: 5 solved"}
    # high priors and guessing near 0.5: the fits under which P(known) alone came too fast
    rows = {r["rule"]: r for r in compare_mastery_rules(0, 100, guessy=True, rules=rules)}
    before = rows["P(known) >= 0.95 (before issue 14)"]
    now = rows["P(known) >= 0.95 and 3 solved (now)"]
    count3 = rows["fixed count: 3 solved"]
    # an extra condition: never declared sooner, and it costs little
    assert now["problems_to_declared_mean"] >= before["problems_to_declared_mean"]
    assert now["problems_to_declared_mean"] <= 1.15 * before["problems_to_declared_mean"]
    # the gain is small and noisy (docs/adaptive.md: +0.01 on average over three seeds), so
    # assert only that it is not worse, and far better than a plain count
    known = "skills_truly_known_at_declared"
    assert now[known] >= before[known] - 0.01
    assert now[known] > count3[known] + 0.05


def test_updates_are_monotone_and_bounded_over_random_states_and_parameters():
    import random

    from tutor.adaptive import predict_all
    from tutor.adaptive.bkt import BOUNDS

    rng = random.Random(14)
    for _ in range(300):
        params = default_params(["s"])
        params.bkt["s"] = BKTParams(
            prior=rng.uniform(0.01, 0.99),
            learn=rng.uniform(0.0, BOUNDS["learn"][1]),
            slip=rng.uniform(0.001, BOUNDS["slip"][1]),
            guess=rng.uniform(0.001, BOUNDS["guess"][1]),
            forget=rng.choice([0.0, rng.uniform(0.0, 0.3)]),
        )
        params.item_difficulty["i"] = rng.uniform(-3, 3)
        st = LearnerState(theta=rng.uniform(-2, 2))
        for k in range(rng.randint(0, 6)):  # some history first
            st = update(st, params, Attempt("u", "s", f"h{k}", rng.random() < 0.5, NOW + k))
        before = predict_all(st, params, "s", "i", NOW + 10)
        s0 = st.skills.get("s")
        right = update(st, params, Attempt("u", "s", "i", True, NOW + 10))
        wrong = update(st, params, Attempt("u", "s", "i", False, NOW + 10))
        after_r = predict_all(right, params, "s", "i", NOW + 11)
        after_w = predict_all(wrong, params, "s", "i", NOW + 11)
        assert after_r.elo > before.elo > after_w.elo
        # BKT: a right answer never makes a right answer less likely than a wrong one would
        assert after_r.bkt >= after_w.bkt - 1e-12
        assert right.skills["s"].p_known >= wrong.skills["s"].p_known - 1e-12
        for p in (before, after_r, after_w):
            for v in (p.bkt, p.elo, p.combined):
                assert 0.0 < v < 1.0
        for s in (right.skills["s"], wrong.skills["s"]):
            assert 0.0 <= s.p_known <= 1.0
            assert len(s.solved) >= (len(s0.solved) if s0 else 0)  # evidence never shrinks
        assert len(wrong.skills["s"].solved) == (len(s0.solved) if s0 else 0)
