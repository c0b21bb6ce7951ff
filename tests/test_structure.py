"""Structure rules of the code base (issue 17): one home for each limit."""

from __future__ import annotations

from curriculum import answers
from curriculum.answers import inputs, lexer, workreport


def test_answer_length_limits_have_one_home():
    """The typed-answer limit is written once (curriculum.answers.inputs); the parser, the
    working, the answer form and the stored copy derive from it, with the values users see."""
    from tutor import forms, services

    assert answers.MAX_LENGTH == inputs.MAX_LENGTH == 1000
    assert lexer.ParseOptions().max_length == inputs.MAX_LENGTH
    assert workreport.MAX_TOTAL == 8 * inputs.MAX_LENGTH
    assert forms.AnswerForm().fields["answer"].max_length == inputs.EXTRACT_MAX_LENGTH == 100_000
    assert services.MAX_STORED_INPUT == 10 * inputs.MAX_LENGTH
    too_long = answers.check_inline("1" * 1001, {"kind": "number", "key": ["1"]})
    assert too_long.code == "too_long"
    assert too_long.feedback == inputs.too_long_message(1001, 1000)
