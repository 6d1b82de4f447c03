"""Readable diffs between two snapshot texts, and the significance of a change.

A diff keeps only what changed: lines added, lines removed, and for a line that was
edited (old and new line still alike), the words added and removed inside it. Lines are
aligned with :class:`difflib.SequenceMatcher` (Ratcliff/Obershelp matching), then the
words of each edited pair with a second matcher on whitespace-separated words.

Page content is attacker-controlled: :func:`render_html` escapes every piece of text.

:func:`significance` ranks changes; its formula is in its docstring.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from decimal import Decimal
from difflib import SequenceMatcher
from typing import Literal

__all__ = [
    "DiffLine",
    "Segment",
    "TextDiff",
    "diff_text",
    "render_html",
    "render_text",
    "significance",
]

# Two lines are an edit of each other (rather than one removed and one added) when at
# least this share of their words match (SequenceMatcher.ratio()).
EDIT_SIMILARITY = 0.5
# A price move of this many percent or more counts as fully significant.
PRICE_SATURATION_PCT = Decimal(20)
# Availability states in which the product can be bought now.
_BUYABLE = frozenset({"in_stock", "limited"})


@dataclass(frozen=True)
class Segment:
    """A run of words inside an edited line."""

    kind: Literal["equal", "added", "removed"]
    text: str


@dataclass(frozen=True)
class DiffLine:
    """One changed line: wholly added, wholly removed, or edited (``segments`` say how)."""

    kind: Literal["added", "removed", "edited"]
    old: str
    new: str
    segments: tuple[Segment, ...] = ()


@dataclass(frozen=True)
class TextDiff:
    """What changed between two texts, in document order, with word counts."""

    lines: tuple[DiffLine, ...]
    words_added: int
    words_removed: int
    words_old: int
    words_new: int

    @property
    def changed(self) -> bool:
        return bool(self.lines)

    @property
    def added(self) -> tuple[str, ...]:
        """Lines that are wholly new."""
        return tuple(line.new for line in self.lines if line.kind == "added")

    @property
    def removed(self) -> tuple[str, ...]:
        """Lines that are wholly gone."""
        return tuple(line.old for line in self.lines if line.kind == "removed")

    @property
    def edited(self) -> tuple[DiffLine, ...]:
        """Lines changed in place, with their word-level segments."""
        return tuple(line for line in self.lines if line.kind == "edited")

    @property
    def changed_share(self) -> float:
        """Words added and removed over the words of both versions, in [0, 1]."""
        total = self.words_old + self.words_new
        return (self.words_added + self.words_removed) / total if total else 0.0


def diff_text(old: str, new: str) -> TextDiff:
    """Line and word diff of two texts (one paragraph per line, as snapshots store them)."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    matcher = SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    lines: list[DiffLine] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "delete":
            lines.extend(DiffLine("removed", line, "") for line in old_lines[i1:i2])
        elif tag == "insert":
            lines.extend(DiffLine("added", "", line) for line in new_lines[j1:j2])
        elif tag == "replace":
            lines.extend(_pair_lines(old_lines[i1:i2], new_lines[j1:j2]))
    added = removed = 0
    for line in lines:
        if line.kind == "edited":
            added += sum(len(s.text.split()) for s in line.segments if s.kind == "added")
            removed += sum(len(s.text.split()) for s in line.segments if s.kind == "removed")
        else:
            added += len(line.new.split())
            removed += len(line.old.split())
    return TextDiff(
        lines=tuple(lines),
        words_added=added,
        words_removed=removed,
        words_old=len(old.split()),
        words_new=len(new.split()),
    )


def _pair_lines(old: list[str], new: list[str]) -> list[DiffLine]:
    """Pair the lines of a replaced block in order; unlike pairs become remove + add."""
    result: list[DiffLine] = []
    for index in range(max(len(old), len(new))):
        before = old[index] if index < len(old) else None
        after = new[index] if index < len(new) else None
        if before is not None and after is not None:
            old_words, new_words = before.split(), after.split()
            matcher = SequenceMatcher(None, old_words, new_words, autojunk=False)
            if matcher.ratio() >= EDIT_SIMILARITY:
                segments = _segments(matcher, old_words, new_words)
                result.append(DiffLine("edited", before, after, segments))
                continue
        if before is not None:
            result.append(DiffLine("removed", before, ""))
        if after is not None:
            result.append(DiffLine("added", "", after))
    return result


def _segments(
    matcher: SequenceMatcher[str], old_words: list[str], new_words: list[str]
) -> tuple[Segment, ...]:
    segments: list[Segment] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            segments.append(Segment("equal", " ".join(old_words[i1:i2])))
            continue
        if i2 > i1:
            segments.append(Segment("removed", " ".join(old_words[i1:i2])))
        if j2 > j1:
            segments.append(Segment("added", " ".join(new_words[j1:j2])))
    return tuple(segments)


def render_text(diff: TextDiff, *, word_level: bool = False) -> str:
    """Plain-text diff: "+ " for added lines, "- " for removed ones.

    An edited line shows as its old ("- ") and new ("+ ") versions, or with
    ``word_level`` as one "~ " line marking words ``[-removed-]`` and ``{+added+}``
    (git's word-diff notation).
    """
    out: list[str] = []
    for line in diff.lines:
        if line.kind == "edited" and word_level:
            out.append("~ " + " ".join(_marked(segment) for segment in line.segments))
            continue
        if line.kind in ("removed", "edited"):
            out.append("- " + line.old)
        if line.kind in ("added", "edited"):
            out.append("+ " + line.new)
    return "\n".join(out)


def _marked(segment: Segment) -> str:
    if segment.kind == "added":
        return "{+" + segment.text + "+}"
    if segment.kind == "removed":
        return "[-" + segment.text + "-]"
    return segment.text


def render_html(diff: TextDiff) -> str:
    """HTML diff: one ``<p>`` per changed line, words in ``<ins>``/``<del>``, all escaped."""
    out: list[str] = []
    for line in diff.lines:
        if line.kind == "added":
            body = f"<ins>{_esc(line.new)}</ins>"
        elif line.kind == "removed":
            body = f"<del>{_esc(line.old)}</del>"
        else:
            body = " ".join(_segment_html(segment) for segment in line.segments)
        out.append(f'<p class="diff-{line.kind}">{body}</p>')
    return "\n".join(out)


def _segment_html(segment: Segment) -> str:
    if segment.kind == "added":
        return f"<ins>{_esc(segment.text)}</ins>"
    if segment.kind == "removed":
        return f"<del>{_esc(segment.text)}</del>"
    return _esc(segment.text)


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def significance(
    *,
    diff: TextDiff | None = None,
    price_old: Decimal | None = None,
    price_new: Decimal | None = None,
    availability_old: str | None = None,
    availability_new: str | None = None,
    items_old: int | None = None,
    items_new: int | None = None,
) -> float:
    """How much a change matters, in [0, 1], to rank changes across monitors.

    Four components, each in [0, 1] (a missing input gives 0):

    - words ``w`` = (words added + words removed) / (words before + words after),
      i.e. :attr:`TextDiff.changed_share` (1 when everything was rewritten);
    - price ``p`` = min(1, |new - old| / old / 20 %): a 20 % move or more is maximal;
    - availability ``a`` = 1 when the product becomes buyable or stops being buyable
      (``in_stock``/``limited`` versus any other state), 0.5 for another change of
      state (e.g. ``out_of_stock`` -> ``preorder``), 0 when unchanged;
    - structure ``s`` = |items after - items before| / max(items before, items after),
      the share of selected nodes that appeared or vanished.

    They are combined as a probabilistic OR: ``1 - (1-w)(1-p)(1-a)(1-s)``. The result is
    0 only when nothing changed, reaches 1 as soon as one component is maximal, and never
    decreases when any component grows (each factor is in [0, 1]).
    """
    components = (
        diff.changed_share if diff is not None else 0.0,
        _price_component(price_old, price_new),
        _availability_component(availability_old, availability_new),
        _structure_component(items_old, items_new),
    )
    unchanged = 1.0
    for component in components:
        unchanged *= 1.0 - min(1.0, max(0.0, component))
    return 1.0 - unchanged


def _price_component(old: Decimal | None, new: Decimal | None) -> float:
    if old is None or new is None or old == new:
        return 0.0
    if old <= 0:
        return 1.0  # from free (or unknown) to a price: as big as a change gets
    share = abs(new - old) / old * 100 / PRICE_SATURATION_PCT
    return float(min(Decimal(1), share))


def _availability_component(old: str | None, new: str | None) -> float:
    if old is None or new is None or old == new:
        return 0.0
    return 1.0 if (old in _BUYABLE) != (new in _BUYABLE) else 0.5


def _structure_component(old: int | None, new: int | None) -> float:
    if old is None or new is None or old == new:
        return 0.0
    return abs(new - old) / max(old, new, 1)
