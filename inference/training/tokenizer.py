"""A tokenizer for school mathematics: every number up to 999 and every LaTeX command is one token.

Byte-level BPE (the ``tokenizers`` library, so any text round-trips exactly), with a pre-tokenizer
that never merges across the units a tutor reasons with: a number (``144``), a LaTeX command
(``\\frac``, `` \\cdot``), a word with its leading space (`` both``), or one other character with its
leading space (`` =``). The BPE is trained on worked solutions, plus every integer 0..999 and the
LaTeX commands the solutions and statements use, so those are single tokens; anything else (a word
from another author, a larger number) falls back to smaller pieces, down to single bytes.

The feasibility study in ``shared/reference/TUTOR-MODEL.md`` measured why: one token per number gave
31.5% correct answers where digit-by-digit BPE gave 17.5% at the same budget.
"""

from __future__ import annotations

from collections.abc import Iterable

from tokenizers import Regex, decoders, models, pre_tokenizers, trainers
from tokenizers import Tokenizer as HFTokenizer

from inference.sambay.checkpoint import SPECIAL_TOKENS, add_special_tokens

# Numbers, LaTeX commands (with an optional leading space), words (with one), other characters.
PRETOKENIZE = r" ?\\[A-Za-z]+| ?[A-Za-z]+|[0-9]+| ?[^\sA-Za-z0-9]|\s+"

LATEX_COMMANDS = (
    r"\frac \dfrac \tfrac \cdot \times \div \left \right \le \leq \ge \geq \lt \gt \ne \neq \boxed "
    r"\text \sqrt \pm \quad \qquad \mathrm \in \infty \cup \emptyset \varnothing \Rightarrow "
    r"\implies \to \approx"
).split()

# The chat template of the built-in model: it was trained on the problem statement alone, so it
# renders the user turns only (a system prompt written for large models would be noise to it).
CHAT_TEMPLATE = (
    "{% for message in messages %}{% if message['role'] == 'user' %}"
    "{{ '<|user|>' + message['content'] + '<|end|>' }}{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>' }}{% endif %}"
)

DEFAULT_VOCAB_SIZE = 2048


def _fixed_units() -> list[str]:
    """Texts that make every unit we want whole appear often enough to be merged."""
    units = [str(n) for n in range(1000)]
    units += LATEX_COMMANDS + [" " + c for c in LATEX_COMMANDS]
    return units


def build_math_tokenizer(
    texts: Iterable[str], vocab_size: int = DEFAULT_VOCAB_SIZE
) -> tuple[HFTokenizer, dict[str, int]]:
    """Train the tokenizer on ``texts``; returns it and the ids of the special tokens."""
    tk = HFTokenizer(models.BPE())
    tk.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(PRETOKENIZE), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tk.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size - len(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        special_tokens=[],
        show_progress=False,
    )

    def corpus() -> Iterable[str]:
        # The fixed units first and often: BPE merges by frequency, and each must win its merges.
        fixed = " ".join(_fixed_units())
        for _ in range(200):
            yield fixed
        yield from texts

    tk.train_from_iterator(corpus(), trainer=trainer)
    return tk, add_special_tokens(tk)


def single_token_share(tk: HFTokenizer, pieces: Iterable[str]) -> float:
    """Share of ``pieces`` that encode to exactly one token."""
    pieces = list(pieces)
    return sum(len(tk.encode(p).ids) == 1 for p in pieces) / max(1, len(pieces))
