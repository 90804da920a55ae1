"""A word-level diff of two texts, as an ``edited`` event carries it (SPEC §4).

The texts are cut into tokens (words, runs of whitespace, single punctuation marks or emoji)
so that nothing is lost: joining the ``before`` parts of the ops gives the before text exactly,
and joining the ``after`` parts gives the after text. A change spanning several words separated
only by whitespace is one op, not a word-by-word zigzag.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any, Literal

OpKind = Literal["equal", "insert", "delete", "replace"]

_MARKS = (
    "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"  # combining marks
    "\ufe0e\ufe0f\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f"  # variation, skin tone, tags
)
_TOKEN = re.compile(
    rf"[\w{_MARKS}]+(?:['\u2019][\w{_MARKS}]+)*"  # a word, with its apostrophes (don't)
    r"|\s+"  # a run of whitespace
    r"|[\U0001f1e6-\U0001f1ff]{2}"  # a flag: a pair of regional indicators
    rf"|[^\w\s](?:[{_MARKS}]|\u200d[^\w\s])*"  # a mark or emoji, with its modifiers and ZWJs
)


@dataclass(frozen=True, slots=True)
class DiffOp:
    """One stretch of the diff: ``before`` and ``after`` are equal for ``equal``, ``before`` is
    empty for ``insert`` and ``after`` is empty for ``delete``."""

    op: OpKind
    before: str
    after: str

    def to_json(self) -> dict[str, str]:
        """The op as plain JSON."""
        return {"op": self.op, "before": self.before, "after": self.after}


@dataclass(frozen=True, slots=True)
class Diff:
    """A word-level diff covering both texts entirely, and a plain-text rendering of it."""

    ops: tuple[DiffOp, ...]
    readable: str

    @property
    def before(self) -> str:
        """The before text, rebuilt from the ops."""
        return "".join(op.before for op in self.ops)

    @property
    def after(self) -> str:
        """The after text, rebuilt from the ops."""
        return "".join(op.after for op in self.ops)

    def to_json(self) -> dict[str, Any]:
        """The diff as plain JSON: ``{"ops": [{"op", "before", "after"}, …], "readable"}``."""
        return {"ops": [op.to_json() for op in self.ops], "readable": self.readable}


def tokens(text: str) -> list[str]:
    """``text`` cut into words, whitespace runs and single marks; they join back to ``text``."""
    return _TOKEN.findall(text)


def word_diff(before: str, after: str) -> Diff:
    """The word-level diff turning ``before`` into ``after``."""
    old, new = tokens(before), tokens(after)
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    raw = [
        DiffOp("equal" if tag == "equal" else "replace", "".join(old[i1:i2]), "".join(new[j1:j2]))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
    ]
    ops = tuple(_tidy(_absorb_gaps(raw)))
    return Diff(ops, "".join(_render(op) for op in ops))


def _absorb_gaps(ops: list[DiffOp]) -> list[DiffOp]:
    """Whitespace-only equal stretches between two changes become part of the change, so
    ``a b c d`` → ``a x y d`` is one change ``b c`` → ``x y``."""
    out: list[DiffOp] = []
    for index, op in enumerate(ops):
        gap = op.op == "equal" and not op.before.strip()
        if gap and out and out[-1].op != "equal" and index + 1 < len(ops):
            op = DiffOp("replace", op.before, op.after)
        if out and op.op != "equal" and out[-1].op != "equal":
            last = out.pop()
            op = DiffOp("replace", last.before + op.before, last.after + op.after)
        out.append(op)
    return out


def _tidy(ops: list[DiffOp]) -> list[DiffOp]:
    """Changes named for what they are: ``insert``, ``delete`` or ``replace``."""
    kinds: dict[tuple[bool, bool], OpKind] = {
        (False, True): "insert",
        (True, False): "delete",
        (True, True): "replace",
    }
    return [
        op
        if op.op == "equal"
        else DiffOp(kinds[bool(op.before), bool(op.after)], op.before, op.after)
        for op in ops
        if op.before or op.after
    ]


def _render(op: DiffOp) -> str:
    """``text`` for equal, ``[-old-]`` for deleted and ``{+new+}`` for inserted text; the
    whitespace every changed side starts or ends with is written once, outside the brackets."""
    if op.op == "equal":
        return op.before
    sides = [text for text in (op.before, op.after) if text]
    lead = _common_space(sides, reverse=False)
    sides = [text[len(lead) :] for text in sides]
    trail = _common_space(sides, reverse=True)
    if not all(text[: len(text) - len(trail)] for text in sides):
        lead = trail = ""  # a change of whitespace only: show it inside the brackets
    inner = [text[len(lead) : len(text) - len(trail)] for text in (op.before, op.after)]
    deleted = f"[-{inner[0]}-]" if op.before else ""
    inserted = f"{{+{inner[1]}+}}" if op.after else ""
    return lead + deleted + inserted + trail


def _common_space(texts: list[str], *, reverse: bool) -> str:
    """The whitespace every one of ``texts`` starts (or, ``reverse``, ends) with."""
    common = ""
    for chars in zip(*(reversed(t) if reverse else t for t in texts), strict=False):
        if len(set(chars)) != 1 or not chars[0].isspace():
            break
        common += chars[0]
    return common[::-1] if reverse else common
