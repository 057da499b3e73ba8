"""A character tokenizer with PAD and EOS, shared by every task.

Token 0 is PAD, token 1 is EOS, then one token per character of :data:`CHARS` (every
character any task uses). Answers end with EOS; prompts and answers have fixed
widths per task, so batches need no padding inside a sequence.

Examples
--------
>>> tok = CharTokenizer()
>>> ids = tok.encode("S=14:509", eos=True)
>>> tok.decode(ids)
'S=14:509'
>>> ids[-1] == tok.eos_id
True
"""

from __future__ import annotations

import numpy as np

from ..errors import UserError

__all__ = ["CHARS", "CharTokenizer"]

CHARS = "0123456789+:=NSk"


class CharTokenizer:
    """Characters to token ids and back (``PAD = 0``, ``EOS = 1``)."""

    pad_id = 0
    eos_id = 1

    def __init__(self, chars: str = CHARS):
        if not isinstance(chars, str) or len(set(chars)) != len(chars) or not chars:
            raise UserError("chars must be a non-empty string of distinct characters")
        self.chars = chars
        self._stoi = {c: i + 2 for i, c in enumerate(chars)}

    @property
    def vocab_size(self) -> int:
        return len(self.chars) + 2

    def encode(self, text: str, *, eos: bool = False) -> list[int]:
        """Token ids of ``text`` (plus EOS if asked); unknown characters are an error."""
        try:
            ids = [self._stoi[c] for c in text]
        except KeyError as exc:
            raise UserError(f"character {exc.args[0]!r} is not in the tokenizer's "
                             f"alphabet {self.chars!r}") from None
        return ids + [self.eos_id] if eos else ids

    def encode_batch(self, texts, *, eos: bool = False) -> np.ndarray:
        """Equal-length texts to an int64 array of shape ``(len(texts), length)``."""
        rows = [self.encode(t, eos=eos) for t in texts]
        if len({len(r) for r in rows}) > 1:
            raise UserError("encode_batch needs texts of equal length")
        return np.array(rows, dtype=np.int64)

    def decode(self, ids) -> str:
        """Text up to the first EOS (PAD and EOS dropped); ids outside the vocabulary
        decode as ``'?'``, so a malformed sample stays visibly malformed."""
        out = []
        for i in (int(x) for x in ids):
            if i == self.eos_id:
                break
            if i == self.pad_id:
                continue
            out.append(self.chars[i - 2] if 2 <= i < self.vocab_size else "?")
        return "".join(out)

    def decode_answer(self, ids) -> str:
        """An answer string if ``ids`` ends in EOS (the first EOS), else ``'?'``-tagged text.

        A sample that never emitted EOS within its budget is malformed: it gets a
        trailing ``'?'`` so that it matches no answer of the task.
        """
        ids = [int(x) for x in ids]
        text = self.decode(ids)
        return text if self.eos_id in ids else text + "?"

    def state_dict(self) -> dict:
        return {"chars": self.chars}

    @classmethod
    def from_state_dict(cls, state: dict) -> CharTokenizer:
        return cls(state["chars"])

    def __repr__(self):
        return f"CharTokenizer(vocab_size={self.vocab_size})"
