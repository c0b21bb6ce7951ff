"""SambaY configuration, read from and written to the official ``config.json``.

The field names and defaults mirror ``Phi4FlashConfig`` (configuration_phi4flash.py of
microsoft/Phi-4-mini-flash-reasoning): a key that ``config.json`` leaves out takes the
``Phi4FlashConfig`` default, not the Phi-4-mini-flash value.  ``SambaYConfig.official()`` gives the
values of the released checkpoint.

Layer layout (L = num_hidden_layers, h = L // 2, mb_per_layer = 2):

====================  ==============================  ===========================================
layer i               kind                            cache it owns
====================  ==============================  ===========================================
even, i < h           ``mamba``                       conv state + SSM state (fixed size)
odd,  i < h           ``sliding_attention``           ring buffer of ``sliding_window`` K/V
i == h                ``memory_mamba``                conv + SSM state; exports the GMU memory
i == h + 1            ``full_attention``              growing K/V (the only growing cache)
even, i >= h + 2      ``gmu``                         none
odd,  i >= h + 2      ``cross_attention``             none (reads layer h + 1's K/V)
====================  ==============================  ===========================================
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

MAMBA = "mamba"
SLIDING_ATTENTION = "sliding_attention"
MEMORY_MAMBA = "memory_mamba"
FULL_ATTENTION = "full_attention"
GMU = "gmu"
CROSS_ATTENTION = "cross_attention"

# The values of the released checkpoint's config.json (microsoft/Phi-4-mini-flash-reasoning).
OFFICIAL_CONFIG: dict[str, Any] = {
    "architectures": ["Phi4FlashForCausalLM"],
    "auto_map": {
        "AutoConfig": "configuration_phi4flash.Phi4FlashConfig",
        "AutoModelForCausalLM": "modeling_phi4flash.Phi4FlashForCausalLM",
        "AutoTokenizer": "Xenova/gpt-4o",
    },
    "model_type": "phi4flash",
    "vocab_size": 200064,
    "hidden_size": 2560,
    "intermediate_size": 10240,
    "num_hidden_layers": 32,
    "num_attention_heads": 40,
    "num_key_value_heads": 20,
    "max_position_embeddings": 262144,
    "sliding_window": 512,
    "mb_per_layer": 2,
    "hidden_act": "silu",
    "layer_norm_eps": 1e-05,
    "initializer_range": 0.02,
    "attention_dropout": 0.0,
    "embd_pdrop": 0.0,
    "resid_pdrop": 0.0,
    "tie_word_embeddings": True,
    "mlp_bias": False,
    "lm_head_bias": False,
    "bos_token_id": 199999,
    "eos_token_id": 199999,
    "pad_token_id": 199999,
    "torch_dtype": "bfloat16",
    "_attn_implementation": "flash_attention_2",
    "use_cache": True,
    "transformers_version": "4.46.1",
}

# Keys that SambaYConfig models as fields; everything else in config.json is kept verbatim in
# ``extra`` so that a round trip through to_dict() loses nothing.
_HF_ONLY_DEFAULTS: dict[str, Any] = {
    "architectures": ["Phi4FlashForCausalLM"],
    "auto_map": OFFICIAL_CONFIG["auto_map"],
    "model_type": "phi4flash",
}


def lambda_init_for(layer_idx: int) -> float:
    """Differential-attention lambda_init: 0.8 - 0.6 * exp(-0.3 * layer_idx)."""
    return 0.8 - 0.6 * math.exp(-0.3 * layer_idx)


@dataclass
class SambaYConfig:
    """Hyper-parameters of a SambaY decoder-hybrid-decoder.

    Defaults are those of ``Phi4FlashConfig``; ``official()`` returns the released model's values.
    """

    vocab_size: int = 51200
    hidden_size: int = 2560
    intermediate_size: int = 9216
    num_hidden_layers: int = 32
    num_attention_heads: int = 40
    num_key_value_heads: int = 4
    sliding_window: int = 2047
    mb_per_layer: int = 2
    mamba_d_state: int = 16
    mamba_d_conv: int = 4
    mamba_expand: int = 2
    mamba_dt_rank: int | str = "auto"
    mamba_conv_bias: bool = True
    mamba_proj_bias: bool = False
    hidden_act: str = "silu"
    layer_norm_eps: float = 1e-5
    max_position_embeddings: int = 4096
    initializer_range: float = 0.02
    tie_word_embeddings: bool = True
    rope_theta: float = 10000.0  # stored by the reference, never used (the model has no positions)
    bos_token_id: int | None = 1
    eos_token_id: int | list[int] | None = 2
    pad_token_id: int | None = None
    torch_dtype: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.validate()

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SambaYConfig:
        data = dict(data)
        names = {f.name for f in fields(cls)} - {"extra"}
        kwargs: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for key, value in data.items():
            if key in names:
                kwargs[key] = value
            else:
                extra[key] = value
        sw = kwargs.get("sliding_window")
        if isinstance(sw, list):
            # A config saved after Phi4FlashConfig.__init__ holds the per-layer list.
            values = {v for v in sw if v is not None}
            if len(values) != 1:
                raise ValueError(
                    f"sliding_window list must hold exactly one window size, got {sw!r}"
                )
            kwargs["sliding_window"] = values.pop()
        if kwargs.get("mamba_dt_rank", "auto") != "auto":
            kwargs["mamba_dt_rank"] = int(kwargs["mamba_dt_rank"])
        if "num_key_value_heads" in kwargs and kwargs["num_key_value_heads"] is None:
            kwargs["num_key_value_heads"] = kwargs.get(
                "num_attention_heads", cls.num_attention_heads
            )
        return cls(**kwargs, extra=extra)

    @classmethod
    def from_json_file(cls, path: str | Path) -> SambaYConfig:
        with open(path, encoding="utf-8") as f:
            return cls.from_dict(json.load(f))

    @classmethod
    def from_pretrained(cls, directory: str | Path) -> SambaYConfig:
        return cls.from_json_file(Path(directory) / "config.json")

    @classmethod
    def official(cls) -> SambaYConfig:
        """The configuration of microsoft/Phi-4-mini-flash-reasoning."""
        return cls.from_dict(OFFICIAL_CONFIG)

    @classmethod
    def tiny(cls, **overrides: Any) -> SambaYConfig:
        """A random-test-sized configuration (8 layers, small window so ring buffers wrap)."""
        base: dict[str, Any] = dict(
            vocab_size=384,
            hidden_size=64,
            intermediate_size=128,
            num_hidden_layers=8,
            num_attention_heads=4,
            num_key_value_heads=2,
            sliding_window=8,
            mamba_d_state=8,
            mamba_d_conv=4,
            mamba_expand=2,
            max_position_embeddings=4096,
            bos_token_id=None,
            eos_token_id=None,
            pad_token_id=None,
        )
        base.update(overrides)
        return cls(**base)

    def to_dict(self) -> dict[str, Any]:
        """A config.json dictionary in the official key layout."""
        out: dict[str, Any] = dict(_HF_ONLY_DEFAULTS)
        out.update(self.extra)
        for f in fields(self):
            if f.name == "extra":
                continue
            value = getattr(self, f.name)
            if f.name == "torch_dtype" and value is None:
                continue
            out[f.name] = value
        return out

    def to_json_file(self, path: str | Path) -> None:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.to_dict(), f, indent=2, sort_keys=False)
            f.write("\n")

    # ------------------------------------------------------------------ checks
    def validate(self) -> None:
        problems = []
        if self.hidden_size % self.num_attention_heads:
            problems.append("hidden_size must be divisible by num_attention_heads")
        if self.num_attention_heads % 2 or self.num_key_value_heads % 2:
            problems.append(
                "differential attention needs even num_attention_heads and num_key_value_heads"
            )
        elif self.num_attention_heads % self.num_key_value_heads:
            problems.append("num_attention_heads must be a multiple of num_key_value_heads")
        if self.mb_per_layer != 2:
            problems.append("only mb_per_layer == 2 (Mamba on even layers) is supported")
        L = self.num_hidden_layers
        if L < 4 or (L // 2) % 2:
            problems.append(
                "num_hidden_layers // 2 must be even and >= 2 (layer L//2 is the memory Mamba, "
                "layer L//2 + 1 the full-attention KV layer)"
            )
        if self.sliding_window is None or int(self.sliding_window) < 1:
            problems.append("sliding_window must be a positive integer")
        if self.hidden_act != "silu":
            problems.append(f"hidden_act {self.hidden_act!r} is not supported (only 'silu')")
        if problems:
            raise ValueError("invalid SambaY config: " + "; ".join(problems))

    # ------------------------------------------------------------------ derived sizes
    @property
    def head_dim(self) -> int:
        return self.hidden_size // self.num_attention_heads

    @property
    def d_inner(self) -> int:
        return int(self.mamba_expand * self.hidden_size)

    @property
    def dt_rank(self) -> int:
        if self.mamba_dt_rank == "auto":
            return math.ceil(self.hidden_size / 16)
        return int(self.mamba_dt_rank)

    @property
    def memory_layer(self) -> int:
        """Index of the Mamba layer whose SSM output (before its gate) feeds every GMU."""
        return self.num_hidden_layers // 2

    @property
    def kv_layer(self) -> int:
        """Index of the single full-attention layer whose K/V every cross-attention layer reads."""
        return self.num_hidden_layers // 2 + 1

    def layer_kind(self, i: int) -> str:
        h = self.memory_layer
        if not 0 <= i < self.num_hidden_layers:
            raise IndexError(i)
        if i % 2 == 0:
            if i < h:
                return MAMBA
            return MEMORY_MAMBA if i == h else GMU
        if i < h:
            return SLIDING_ATTENTION
        return FULL_ATTENTION if i == h + 1 else CROSS_ATTENTION

    @property
    def layer_kinds(self) -> list[str]:
        return [self.layer_kind(i) for i in range(self.num_hidden_layers)]

    @property
    def mamba_layers(self) -> list[int]:
        """Layers that own a Mamba state (self-decoder Mamba layers and the memory layer)."""
        return [i for i, k in enumerate(self.layer_kinds) if k in (MAMBA, MEMORY_MAMBA)]

    @property
    def sliding_layers(self) -> list[int]:
        return [i for i, k in enumerate(self.layer_kinds) if k == SLIDING_ATTENTION]

    @property
    def eos_token_ids(self) -> list[int]:
        e = self.eos_token_id
        if e is None:
            return []
        return [int(x) for x in e] if isinstance(e, list | tuple) else [int(e)]
