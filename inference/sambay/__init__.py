"""SambaY (Phi-4-mini-flash-reasoning) in pure PyTorch: model, checkpoints, tokenizer, decoding.

Engine-facing API (see docs/sambay.md)::

    from inference.sambay import load_checkpoint, BatchDecoder, SamplingParams
    model, tok = load_checkpoint(path, dtype=torch.bfloat16, device="cuda")
    dec = BatchDecoder(model, eos_token_ids=tok.eos_token_ids)
    sid = dec.add(tok.apply_chat_template([{"role": "user", "content": "2+2?"}]),
                  SamplingParams(temperature=0.6, top_p=0.95, max_new_tokens=1024, seed=1))
    for seq_id, token_id, finish_reason in dec.step(): ...
"""

from .cache import SambaYCache, SequenceState
from .checkpoint import (
    CheckpointError,
    build_tokenizer,
    load_checkpoint,
    load_model,
    random_model,
    save_checkpoint,
    write_random_checkpoint,
)
from .config import SambaYConfig
from .generation import (
    BatchDecoder,
    DecoderStats,
    GenerationResult,
    StepEvent,
    StreamEvent,
    generate,
    stream,
)
from .model import SambaYForCausalLM
from .sampling import SamplingParams
from .tokenizer import IncrementalDetokenizer, Tokenizer

__all__ = [
    "BatchDecoder",
    "CheckpointError",
    "DecoderStats",
    "GenerationResult",
    "IncrementalDetokenizer",
    "SambaYCache",
    "SambaYConfig",
    "SambaYForCausalLM",
    "SamplingParams",
    "SequenceState",
    "StepEvent",
    "StreamEvent",
    "Tokenizer",
    "build_tokenizer",
    "generate",
    "load_checkpoint",
    "load_model",
    "random_model",
    "save_checkpoint",
    "stream",
    "write_random_checkpoint",
]
