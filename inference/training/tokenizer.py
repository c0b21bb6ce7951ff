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


def _variant(texts: list[str], pattern: str, vocab_size: int) -> HFTokenizer:
    """A BPE like ours but with another pre-tokenizer pattern (for the comparison below)."""
    tk = HFTokenizer(models.BPE())
    tk.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(pattern), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tk.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tk.train_from_iterator(texts, trainer=trainer)
    return tk


def main() -> None:
    """Compare our tokenizer with a digit-by-digit one and a plain byte-level BPE of the same
    size, on held-out worked solutions: ``python -m inference.training.tokenizer``."""
    import re
    import statistics

    from inference.training.data import stream

    train = [f"{ex.prompt}\n{ex.solution}" for ex in stream(20_000, 1, "train")]
    held = [ex.solution for ex in stream(2_000, 2, "heldout")]
    numbers = [n for text in held for n in re.findall(r"[0-9]+", text)]
    ours, _ = build_math_tokenizer(train)
    rivals = {
        "ours: numbers <= 999 and LaTeX commands whole": ours,
        "digit by digit (numbers split into digits)": _variant(
            train, r" ?\\[A-Za-z]+| ?[A-Za-z]+|[0-9]| ?[^\sA-Za-z0-9]|\s+", ours.get_vocab_size()
        ),
        "plain byte-level BPE (GPT-2 style split)": _variant(
            train, r" ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+", ours.get_vocab_size()
        ),
    }
    print(f"{len(held)} held-out solutions, {len(numbers)} numbers in them")
    print(f"{'tokenizer':<48}{'vocab':>7}{'tokens/solution':>17}{'numbers as 1 token':>20}")
    for name, tk in rivals.items():
        per = statistics.mean(len(e.ids) for e in tk.encode_batch(held))
        whole = single_token_share(tk, numbers)
        print(f"{name:<48}{tk.get_vocab_size():>7}{per:>17.1f}{100 * whole:>19.1f}%")


if __name__ == "__main__":
    main()
