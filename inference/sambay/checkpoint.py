"""Checkpoints in the official directory layout.

Layout (what microsoft/Phi-4-mini-flash-reasoning ships, and what ``save_checkpoint`` writes)::

    config.json                        Phi4FlashConfig keys
    generation_config.json             bos / eos ([<|end|>, <|endoftext|>]) / pad ids
    model-00001-of-00002.safetensors   embedding + layers 0 .. L/2+1
    model-00002-of-00002.safetensors   layers L/2+2 .. L-1 + final_layernorm
    model.safetensors.index.json       {"metadata": {"total_size": ...}, "weight_map": {name: file}}
    tokenizer.json                     byte-level BPE (tokenizers)
    tokenizer_config.json              special tokens, chat_template, add_bos_token=false ...
    added_tokens.json, special_tokens_map.json, vocab.json, merges.txt

Loading builds the model on the meta device, checks every tensor name and shape against it
(collecting *all* problems into one :class:`CheckpointError`), then memory-maps each shard and
materialises each tensor directly in the target dtype and device (A_log and the lambda vectors stay
float32).  Nothing is renamed: the checkpoint's names are the model's names.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import torch
import torch.nn as nn
from safetensors import safe_open
from safetensors.torch import save_file
from tokenizers import AddedToken, decoders, models, pre_tokenizers, trainers
from tokenizers import Tokenizer as HFTokenizer

from .config import SambaYConfig
from .model import SambaYForCausalLM, keeps_fp32
from .tokenizer import Tokenizer

log = logging.getLogger(__name__)

INDEX_FILE = "model.safetensors.index.json"
SINGLE_FILE = "model.safetensors"

# The official chat template, verbatim from tokenizer_config.json.
OFFICIAL_CHAT_TEMPLATE = (
    "{% for message in messages %}{% if message['role'] == 'system' and 'tools' in message and "
    "message['tools'] is not none %}{{ '<|' + message['role'] + '|>' + message['content'] + "
    "'<|tool|>' + message['tools'] + '<|/tool|>' + '<|end|>' }}{% else %}{{ '<|' + "
    "message['role'] + '|>' + message['content'] + '<|end|>' }}{% endif %}{% endfor %}{% if "
    "add_generation_prompt %}{{ '<|assistant|>' }}{% else %}{{ eos_token }}{% endif %}"
)

# Phi special tokens in official id order, with the official "special" flag.
SPECIAL_TOKENS: list[tuple[str, bool]] = [
    ("<|endoftext|>", True),
    ("<|endofprompt|>", True),
    ("<|assistant|>", True),
    ("<|end|>", True),
    ("<|user|>", True),
    ("<|system|>", True),
    ("<|tool|>", False),
    ("<|/tool|>", False),
    ("<|tool_call|>", False),
    ("<|/tool_call|>", False),
    ("<|tool_response|>", False),
    ("<|tag|>", True),
]

_DTYPES = {
    "float32": torch.float32,
    "float": torch.float32,
    "bfloat16": torch.bfloat16,
    "float16": torch.float16,
    "half": torch.float16,
}


class CheckpointError(ValueError):
    """A checkpoint does not match the model: lists every missing, unexpected and mis-shaped tensor."""

    def __init__(
        self,
        path: str | Path,
        missing: list[str] | None = None,
        unexpected: list[str] | None = None,
        mismatched: list[tuple[str, tuple[int, ...], tuple[int, ...]]] | None = None,
        problems: list[str] | None = None,
    ) -> None:
        self.path = str(path)
        self.missing = sorted(missing or [])
        self.unexpected = sorted(unexpected or [])
        self.mismatched = sorted(mismatched or [])
        self.problems = list(problems or [])
        lines = [f"checkpoint {self.path} does not match the model:"]
        if self.missing:
            lines.append(f"  missing tensors ({len(self.missing)}):")
            lines += [f"    {n}" for n in self.missing]
        if self.unexpected:
            lines.append(f"  unexpected tensors ({len(self.unexpected)}):")
            lines += [f"    {n}" for n in self.unexpected]
        if self.mismatched:
            lines.append(f"  mis-shaped tensors ({len(self.mismatched)}):")
            lines += [
                f"    {n}: checkpoint {list(got)} != model {list(want)}"
                for n, got, want in self.mismatched
            ]
        if self.problems:
            lines.append(f"  other problems ({len(self.problems)}):")
            lines += [f"    {p}" for p in self.problems]
        super().__init__("\n".join(lines))


def dtype_from_name(
    name: str | torch.dtype | None, default: torch.dtype = torch.float32
) -> torch.dtype:
    if name is None:
        return default
    if isinstance(name, torch.dtype):
        return name
    key = str(name).replace("torch.", "")
    if key not in _DTYPES:
        raise ValueError(f"unknown dtype {name!r}")
    return _DTYPES[key]


def _dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).replace("torch.", "")


# ---------------------------------------------------------------------------------------------
# loading
# ---------------------------------------------------------------------------------------------
def _shard_map(directory: Path) -> tuple[dict[str, list[str]], list[str]]:
    """{shard file: [tensor names listed for it]} from the index (or the single file)."""
    problems: list[str] = []
    index = directory / INDEX_FILE
    if index.exists():
        with open(index, encoding="utf-8") as f:
            data = json.load(f)
        weight_map = data.get("weight_map")
        if not isinstance(weight_map, dict):
            raise CheckpointError(directory, problems=[f"{INDEX_FILE} has no weight_map"])
        shards: dict[str, list[str]] = {}
        for name, file in weight_map.items():
            shards.setdefault(file, []).append(name)
        return shards, problems
    single = directory / SINGLE_FILE
    if single.exists():
        return {SINGLE_FILE: []}, problems
    raise CheckpointError(directory, problems=[f"neither {INDEX_FILE} nor {SINGLE_FILE} found"])


def _inventory(directory: Path) -> tuple[dict[str, tuple[str, tuple[int, ...]]], list[str]]:
    """{tensor name: (shard file, shape)} read from the shard headers (no tensor data is read)."""
    shards, problems = _shard_map(directory)
    found: dict[str, tuple[str, tuple[int, ...]]] = {}
    for file, listed in shards.items():
        path = directory / file
        if not path.exists():
            problems.append(
                f"shard {file} listed in {INDEX_FILE} is missing ({len(listed)} tensors)"
            )
            continue
        with safe_open(str(path), framework="pt", device="cpu") as f:
            keys = set(f.keys())
            for name in keys:
                if name in found:
                    problems.append(f"tensor {name} appears in both {found[name][0]} and {file}")
                found[name] = (file, tuple(f.get_slice(name).get_shape()))
        for name in listed:
            if name not in keys:
                problems.append(f"{INDEX_FILE} maps {name} to {file}, which does not contain it")
    return found, problems


def load_model(
    directory: str | Path,
    dtype: torch.dtype | str | None = None,
    device: torch.device | str = "cpu",
    requires_grad: bool = False,
) -> SambaYForCausalLM:
    """Load a SambaY checkpoint directory into a model (dtype None: config.json's torch_dtype)."""
    d = Path(directory)
    config = SambaYConfig.from_pretrained(d)
    dtype = dtype_from_name(dtype if dtype is not None else config.torch_dtype, torch.float32)
    device = torch.device(device)
    with torch.device("meta"):
        model = SambaYForCausalLM(config)
    expected = {name: tuple(p.shape) for name, p in model.named_parameters()}

    found, problems = _inventory(d)
    ignored = set()
    if config.tie_word_embeddings and "lm_head.weight" in found:
        ignored.add("lm_head.weight")  # some exports store the tied head; it is the embedding
    missing = [n for n in expected if n not in found]
    unexpected = [n for n in found if n not in expected and n not in ignored]
    mismatched = [
        (n, found[n][1], expected[n]) for n in expected if n in found and found[n][1] != expected[n]
    ]
    if missing or unexpected or mismatched or problems:
        raise CheckpointError(d, missing, unexpected, mismatched, problems)

    modules = dict(model.named_modules())
    by_file: dict[str, list[str]] = {}
    for name, (file, _) in found.items():
        if name in expected:
            by_file.setdefault(file, []).append(name)
    load_device = "cpu" if device.type == "cpu" else str(device)
    for file, names in by_file.items():
        # safe_open memory-maps the shard; each tensor is read once and converted in place.
        with safe_open(str(d / file), framework="pt", device=load_device) as f:
            for name in names:
                target = torch.float32 if keeps_fp32(name) else dtype
                t = f.get_tensor(name).to(device=device, dtype=target)
                mod_name, leaf = name.rsplit(".", 1)
                setattr(modules[mod_name], leaf, nn.Parameter(t, requires_grad=requires_grad))
    leftover = [n for n, p in model.named_parameters() if p.is_meta]
    if leftover:  # cannot happen after the checks above; kept as a guard
        raise CheckpointError(d, missing=leftover)
    gen = d / "generation_config.json"
    model.generation_config = json.loads(gen.read_text(encoding="utf-8")) if gen.exists() else {}
    model.eos_token_ids = _eos_ids(model.generation_config, config)
    model.eval()
    return model


def _eos_ids(generation_config: dict[str, Any], config: SambaYConfig) -> list[int]:
    e = generation_config.get("eos_token_id")
    if e is None:
        return config.eos_token_ids
    return [int(x) for x in (e if isinstance(e, list) else [e])]


def load_checkpoint(
    directory: str | Path,
    dtype: torch.dtype | str | None = None,
    device: torch.device | str = "cpu",
) -> tuple[SambaYForCausalLM, Tokenizer]:
    """(model, tokenizer) from a checkpoint directory in the official layout."""
    model = load_model(directory, dtype=dtype, device=device)
    tokenizer = Tokenizer.from_pretrained(directory)
    if tokenizer.vocab_size > model.config.vocab_size:
        raise CheckpointError(
            directory,
            problems=[
                f"tokenizer has {tokenizer.vocab_size} tokens > model vocab_size "
                f"{model.config.vocab_size}"
            ],
        )
    if tokenizer.eos_token_ids:
        model.eos_token_ids = tokenizer.eos_token_ids
    return model, tokenizer


# ---------------------------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------------------------
_CORPUS = [
    "Please reason step by step, and put your final answer within \\boxed{}.",
    "Solve 3x^2 + 4x + 5 = 1. Subtract 1 from both sides: 3x^2 + 4x + 4 = 0.",
    "The discriminant is b^2 - 4ac = 16 - 48 = -32, so there are no real roots.",
    "Let f(x) = x^2. Then f'(x) = 2x and the integral of f from 0 to 1 is 1/3.",
    "A fraction such as 7/12 plus 5/12 equals 12/12, which is 1.",
    "The derivative of sin(x) is cos(x); the derivative of e^x is e^x.",
    "Think carefully. <think> First, factor the polynomial. </think> The answer is 42.",
    "Prime numbers: 2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47.",
    "Geometry: the area of a circle is \u03c0r\u00b2 and its circumference is 2\u03c0r.",
    "Caf\u00e9 na\u00efve r\u00e9sum\u00e9 \u00fcber \u00e7a \u2014 \u201cquotes\u201d \u2264 \u2265 \u2260 \u221a \u221e.",
    "\u6570\u5b66\u662f\u79d1\u5b66\u7684\u8bed\u8a00\u3002 \u65b9\u7a0b \u89e3 \u7b54\u6848",
    "Emoji test \U0001f600 \U0001f680 \u2728 and symbols \u2211 \u222b \u2202 \u0394.",
    "We compute 12 * 12 = 144, 15 * 15 = 225, and 2^10 = 1024.",
    "If a triangle has sides 3, 4 and 5, it is a right triangle since 9 + 16 = 25.",
] * 4


def build_tokenizer(vocab_size: int) -> tuple[HFTokenizer, dict[str, int]]:
    """A small byte-level BPE trained with ``tokenizers`` plus the Phi special tokens.

    Fits in ``vocab_size`` ids: the trained BPE (256 byte tokens + merges) first, then the 12
    special tokens in official order (like o200k's BPE ranks followed by the Phi tokens).
    """
    n_special = len(SPECIAL_TOKENS)
    if vocab_size < 256 + n_special:
        raise ValueError(f"vocab_size {vocab_size} too small for a byte-level tokenizer (>= 268)")
    tk = HFTokenizer(models.BPE())
    tk.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tk.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size - n_special,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        special_tokens=[],
        show_progress=False,
    )
    tk.train_from_iterator(_CORPUS, trainer=trainer)
    return tk, add_special_tokens(tk)


def add_special_tokens(tk: HFTokenizer) -> dict[str, int]:
    """Append the Phi special tokens in official order; returns their ids."""
    ids: dict[str, int] = {}
    for content, special in SPECIAL_TOKENS:
        tok = AddedToken(content, special=special, normalized=False)
        if special:
            tk.add_special_tokens([tok])
        else:
            tk.add_tokens([tok])
        tid = tk.token_to_id(content)
        assert tid is not None  # added just above
        ids[content] = tid
    return ids


def _tokenizer_files(tk: HFTokenizer, ids: dict[str, int], directory: Path, max_len: int) -> None:
    tk.save(str(directory / "tokenizer.json"))
    tk.model.save(str(directory), None)  # vocab.json + merges.txt, as the official repo has
    eot = "<|endoftext|>"
    decoder = {
        str(ids[c]): {
            "content": c,
            "lstrip": False,
            "normalized": False,
            "rstrip": False,
            "single_word": False,
            "special": special,
        }
        for c, special in SPECIAL_TOKENS
    }
    cfg = {
        "add_bos_token": False,
        "add_eos_token": False,
        "added_tokens_decoder": decoder,
        "bos_token": eot,
        "chat_template": OFFICIAL_CHAT_TEMPLATE,
        "clean_up_tokenization_spaces": False,
        "eos_token": eot,
        "model_max_length": max_len,
        "pad_token": eot,
        "tokenizer_class": "GPT2Tokenizer",
        "unk_token": eot,
    }
    (directory / "tokenizer_config.json").write_text(
        json.dumps(cfg, indent=2) + "\n", encoding="utf-8"
    )
    (directory / "added_tokens.json").write_text(
        json.dumps({c: ids[c] for c, _ in SPECIAL_TOKENS if c != eot}, indent=2) + "\n",
        encoding="utf-8",
    )
    stm = {
        k: {
            "content": eot,
            "lstrip": False,
            "normalized": False,
            "rstrip": False,
            "single_word": False,
        }
        for k in ("bos_token", "eos_token", "pad_token", "unk_token")
    }
    (directory / "special_tokens_map.json").write_text(
        json.dumps(stm, indent=2) + "\n", encoding="utf-8"
    )


def _official_split(config: SambaYConfig, name: str) -> int:
    """Shard of a tensor in the official 2-file layout: 0 = embedding + layers <= kv layer."""
    if name.startswith("model.layers."):
        return 0 if int(name.split(".")[2]) <= config.kv_layer else 1
    return 0 if name.startswith("model.embed_tokens") else 1


def save_checkpoint(
    model: SambaYForCausalLM,
    directory: str | Path,
    dtype: torch.dtype | None = None,
    max_shard_bytes: int | None = None,
    tokenizer: tuple[HFTokenizer, dict[str, int]] | None = None,
) -> Path:
    """Write ``model`` in the official layout (weights in ``dtype``; A_log and lambdas in float32).

    Shards: the official two-file split by default, or greedy files of at most ``max_shard_bytes``.
    A small trained tokenizer is written unless ``tokenizer`` (backend, special ids) is given.
    """
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    config = model.config
    dtype = dtype or model.dtype
    tensors: dict[str, torch.Tensor] = {}
    for name, p in model.named_parameters():
        target = torch.float32 if keeps_fp32(name) else dtype
        tensors[name] = p.detach().to(device="cpu", dtype=target).contiguous().clone()
    names = list(tensors)
    groups: list[list[str]] = []
    if max_shard_bytes is None:
        groups = [[n for n in names if _official_split(config, n) == k] for k in (0, 1)]
        groups = [g for g in groups if g]
    else:
        cur: list[str] = []
        size = 0
        for n in names:
            b = tensors[n].numel() * tensors[n].element_size()
            if cur and size + b > max_shard_bytes:
                groups.append(cur)
                cur, size = [], 0
            cur.append(n)
            size += b
        if cur:
            groups.append(cur)
    total = len(groups)
    weight_map: dict[str, str] = {}
    total_size = 0
    for k, group in enumerate(groups, start=1):
        file = f"model-{k:05d}-of-{total:05d}.safetensors"
        save_file({n: tensors[n] for n in group}, str(d / file), metadata={"format": "pt"})
        for n in group:
            weight_map[n] = file
            total_size += tensors[n].numel() * tensors[n].element_size()
    index = {"metadata": {"total_size": total_size}, "weight_map": dict(sorted(weight_map.items()))}
    (d / INDEX_FILE).write_text(json.dumps(index, indent=2) + "\n", encoding="utf-8")

    tk, ids = tokenizer or build_tokenizer(config.vocab_size)
    eot, end = ids["<|endoftext|>"], ids["<|end|>"]
    cfg = SambaYConfig.from_dict(
        {
            **config.to_dict(),
            "bos_token_id": eot,
            "eos_token_id": eot,
            "pad_token_id": eot,
            "torch_dtype": _dtype_name(dtype),
        }
    )
    cfg.to_json_file(d / "config.json")
    gen = {
        "_from_model_config": True,
        "bos_token_id": eot,
        "eos_token_id": [end, eot],
        "pad_token_id": eot,
        "transformers_version": "4.46.1",
    }
    (d / "generation_config.json").write_text(json.dumps(gen, indent=2) + "\n", encoding="utf-8")
    _tokenizer_files(tk, ids, d, config.max_position_embeddings)
    return d


def random_model(
    config: SambaYConfig,
    seed: int = 0,
    dtype: torch.dtype = torch.float32,
    std: float | None = None,
    perturb: bool = False,
    device: torch.device | str = "cpu",
) -> SambaYForCausalLM:
    """A randomly initialised model (deterministic for ``seed``)."""
    model = SambaYForCausalLM(config)
    model.init_weights(seed=seed, std=std, perturb=perturb)
    model.set_dtype(dtype)
    return model.to(device).eval()


def write_random_checkpoint(
    directory: str | Path,
    config: SambaYConfig | None = None,
    seed: int = 0,
    dtype: torch.dtype = torch.bfloat16,
    std: float | None = None,
    perturb: bool = False,
    max_shard_bytes: int | None = None,
) -> Path:
    """Random weights for ``config`` (default: a tiny one) saved in the official layout."""
    config = config or SambaYConfig.tiny()
    model = random_model(config, seed=seed, dtype=torch.float32, std=std, perturb=perturb)
    return save_checkpoint(model, directory, dtype=dtype, max_shard_bytes=max_shard_bytes)
