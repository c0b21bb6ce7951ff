"""Tokenizer and chat format of a SambaY checkpoint directory.

* ``tokenizer.json`` is loaded with the ``tokenizers`` library (byte-level BPE; o200k for the official
  model);
* special tokens come from ``tokenizer_config.json`` (``added_tokens_decoder``, ``bos_token``,
  ``eos_token`` ...) and ``added_tokens.json``;
* the chat template (Jinja) is ``tokenizer_config.json``'s ``chat_template``, rendered the way
  transformers renders it (sandboxed, ``trim_blocks``/``lstrip_blocks``, ``raise_exception``);
* the stop ids are ``generation_config.json``'s ``eos_token_id`` (``<|end|>`` and ``<|endoftext|>``
  for the official model), falling back to the tokenizer's eos token.

``IncrementalDetokenizer`` turns a stream of token ids into text deltas that never split a UTF-8
character (a byte-level BPE token can end in the middle of one).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
import jinja2.ext
import jinja2.sandbox
from tokenizers import AddedToken
from tokenizers import Tokenizer as HFTokenizer

log = logging.getLogger(__name__)

REPLACEMENT_CHAR = "\ufffd"
# A UTF-8 character has at most 4 bytes; a window still incomplete after this many tokens holds
# invalid bytes, not a character in progress, and is emitted as is (keeps decoding O(1) per token).
_MAX_HELD_TOKENS = 8


def _read_json(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    return data


def _token_content(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict):
        return value.get("content")
    return str(value)


class Tokenizer:
    """Encode/decode text and render the chat template of a checkpoint."""

    def __init__(
        self,
        tokenizer: HFTokenizer,
        tokenizer_config: dict[str, Any] | None = None,
        generation_config: dict[str, Any] | None = None,
        added_tokens: dict[str, int] | None = None,
    ) -> None:
        self._tk = tokenizer
        self.config = dict(tokenizer_config or {})
        self.generation_config = dict(generation_config or {})
        self._register_special_tokens(added_tokens or {})
        self.chat_template: str | None = self.config.get("chat_template")
        if isinstance(self.chat_template, list):  # [{"name": "default", "template": ...}, ...]
            named = {t.get("name"): t.get("template") for t in self.chat_template}
            self.chat_template = named.get("default") or next(iter(named.values()), None)
        self.add_bos_token = bool(self.config.get("add_bos_token", False))
        self.add_eos_token = bool(self.config.get("add_eos_token", False))
        self._template_cache: jinja2.Template | None = None

    # ------------------------------------------------------------------ loading
    @classmethod
    def from_pretrained(cls, directory: str | Path) -> Tokenizer:
        d = Path(directory)
        path = d / "tokenizer.json"
        if not path.exists():
            raise FileNotFoundError(f"{path} not found: a SambaY checkpoint needs tokenizer.json")
        return cls(
            HFTokenizer.from_file(str(path)),
            _read_json(d / "tokenizer_config.json"),
            _read_json(d / "generation_config.json"),
            _read_json(d / "added_tokens.json"),
        )

    def _register_special_tokens(self, added_tokens: dict[str, int]) -> None:
        entries: dict[int, dict[str, Any]] = {}
        for key, spec in (self.config.get("added_tokens_decoder") or {}).items():
            entries[int(key)] = dict(spec)
        for content, idx in added_tokens.items():
            entries.setdefault(int(idx), {"content": content, "special": True})
        for idx, spec in sorted(entries.items()):
            content = spec["content"]
            have = self._tk.token_to_id(content)
            if have is None:
                tok = AddedToken(
                    content,
                    single_word=spec.get("single_word", False),
                    lstrip=spec.get("lstrip", False),
                    rstrip=spec.get("rstrip", False),
                    normalized=spec.get("normalized", False),
                    special=spec.get("special", True),
                )
                if spec.get("special", True):
                    self._tk.add_special_tokens([tok])
                else:
                    self._tk.add_tokens([tok])
                have = self._tk.token_to_id(content)
            if have != idx:
                log.warning(
                    "token %r has id %s in tokenizer.json but %s in tokenizer_config.json; "
                    "tokenizer.json wins for encoding",
                    content,
                    have,
                    idx,
                )

    # ------------------------------------------------------------------ special tokens
    def _special(self, name: str) -> str | None:
        return _token_content(self.config.get(name))

    @property
    def bos_token(self) -> str | None:
        return self._special("bos_token")

    @property
    def eos_token(self) -> str | None:
        return self._special("eos_token")

    @property
    def pad_token(self) -> str | None:
        return self._special("pad_token")

    @property
    def unk_token(self) -> str | None:
        return self._special("unk_token")

    def token_to_id(self, token: str) -> int | None:
        return self._tk.token_to_id(token)

    def id_to_token(self, idx: int) -> str | None:
        return self._tk.id_to_token(idx)

    @property
    def bos_token_id(self) -> int | None:
        gid = self.generation_config.get("bos_token_id")
        if gid is not None:
            return int(gid)
        return self.token_to_id(self.bos_token) if self.bos_token else None

    @property
    def pad_token_id(self) -> int | None:
        gid = self.generation_config.get("pad_token_id")
        if gid is not None:
            return int(gid)
        return self.token_to_id(self.pad_token) if self.pad_token else None

    @property
    def eos_token_ids(self) -> list[int]:
        """Stop ids: generation_config.json's eos_token_id (int or list), else the eos token."""
        e = self.generation_config.get("eos_token_id")
        if e is not None:
            return [int(x) for x in (e if isinstance(e, list) else [e])]
        if self.eos_token is not None:
            idx = self.token_to_id(self.eos_token)
            if idx is not None:
                return [idx]
        return []

    @property
    def vocab_size(self) -> int:
        return self._tk.get_vocab_size(with_added_tokens=True)

    @property
    def backend(self) -> HFTokenizer:
        return self._tk

    # ------------------------------------------------------------------ text
    def encode(self, text: str, add_special_tokens: bool = False) -> list[int]:
        """Token ids of ``text``; special-token strings in it become their ids.

        ``add_special_tokens`` adds bos/eos only where tokenizer_config.json asks for them
        (``add_bos_token`` / ``add_eos_token``; both false for the official model).
        """
        ids = self._tk.encode(text, add_special_tokens=False).ids
        if add_special_tokens:
            if self.add_bos_token and self.bos_token_id is not None:
                ids = [self.bos_token_id, *ids]
            if self.add_eos_token and self.eos_token is not None:
                eos_id = self.token_to_id(self.eos_token)
                if eos_id is None:  # a broken tokenizer.json: say so rather than return None
                    raise ValueError(f"eos token {self.eos_token!r} is not in the vocabulary")
                ids = [*ids, eos_id]
        return ids

    def decode(self, ids: list[int], skip_special_tokens: bool = True) -> str:
        return self._tk.decode(list(ids), skip_special_tokens=skip_special_tokens)

    def detokenizer(self, skip_special_tokens: bool = True) -> IncrementalDetokenizer:
        return IncrementalDetokenizer(self, skip_special_tokens=skip_special_tokens)

    # ------------------------------------------------------------------ chat
    def _template(self) -> jinja2.Template:
        if self.chat_template is None:
            raise ValueError("tokenizer_config.json has no chat_template")
        if self._template_cache is None:

            def raise_exception(message: str) -> None:
                raise jinja2.exceptions.TemplateError(message)

            def tojson(
                x: Any,
                ensure_ascii: bool = False,
                indent: int | None = None,
                separators: Any = None,
                sort_keys: bool = False,
            ) -> str:
                return json.dumps(
                    x,
                    ensure_ascii=ensure_ascii,
                    indent=indent,
                    separators=separators,
                    sort_keys=sort_keys,
                )

            def strftime_now(fmt: str) -> str:
                return datetime.now().strftime(fmt)

            env = jinja2.sandbox.ImmutableSandboxedEnvironment(
                trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols]
            )
            env.filters["tojson"] = tojson
            env.globals["raise_exception"] = raise_exception
            env.globals["strftime_now"] = strftime_now
            self._template_cache = env.from_string(self.chat_template)
        return self._template_cache

    def apply_chat_template(
        self,
        messages: list[dict[str, Any]],
        add_generation_prompt: bool = True,
        tokenize: bool = True,
        **kwargs: Any,
    ) -> list[int] | str:
        """Render ``messages`` ([{"role": "user", "content": ...}, ...]) with the chat template.

        For the official model: ``<|user|>...<|end|><|assistant|>`` with add_generation_prompt.
        """
        context = {
            "bos_token": self.bos_token or "",
            "eos_token": self.eos_token or "",
            "pad_token": self.pad_token or "",
            "unk_token": self.unk_token or "",
        }
        context.update(kwargs)
        text = self._template().render(
            messages=messages, add_generation_prompt=add_generation_prompt, **context
        )
        if not tokenize:
            return text
        return self.encode(text)


class IncrementalDetokenizer:
    """Token ids in, UTF-8-safe text deltas out.

    Keeps a window ``tokens[prefix:]``; a delta is emitted only once the decoded window no longer
    ends in U+FFFD (an incomplete multi-byte character), so concatenating the deltas gives exactly
    ``decode(all tokens)`` and no delta ever holds half a character.
    """

    def __init__(self, tokenizer: Tokenizer, skip_special_tokens: bool = True) -> None:
        self.tokenizer = tokenizer
        self.skip_special_tokens = skip_special_tokens
        self.tokens: list[int] = []
        self._prefix = 0  # start of the decode window
        self._read = 0  # tokens before this index have been emitted
        self.text = ""

    def _decode(self, ids: list[int]) -> str:
        return self.tokenizer.decode(ids, skip_special_tokens=self.skip_special_tokens)

    def push(self, token_id: int) -> str:
        self.tokens.append(int(token_id))
        prefix_text = self._decode(self.tokens[self._prefix : self._read])
        new_text = self._decode(self.tokens[self._prefix :])
        held = len(self.tokens) - self._read
        complete = not new_text.endswith(REPLACEMENT_CHAR) or held > _MAX_HELD_TOKENS
        if len(new_text) > len(prefix_text) and complete:
            delta = new_text[len(prefix_text) :]
            self._prefix = self._read
            self._read = len(self.tokens)
            self.text += delta
            return delta
        return ""

    def flush(self) -> str:
        """Whatever is still held back (an unfinished character decodes as U+FFFD)."""
        prefix_text = self._decode(self.tokens[self._prefix : self._read])
        new_text = self._decode(self.tokens[self._prefix :])
        delta = new_text[len(prefix_text) :] if len(new_text) > len(prefix_text) else ""
        self._prefix = self._read = len(self.tokens)
        self.text += delta
        return delta
