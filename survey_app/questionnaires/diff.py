"""What changed between two versions of a questionnaire, in words a programme officer reads:
questions added, removed or moved, and for a question kept, which of its parts changed (label,
type, options, scale, rules).  Works on the stored definitions (the file's structure), so any
two versions compare, however old.  Pure: no Flask, no database."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: the parts of a question compared, in the order they are reported
PARTS = ("type", "label", "hint", "required", "options", "scale", "min", "max", "relevant", "constraint", "audio")


@dataclass
class Change:
    question: str
    kind: str  # added, removed, changed
    parts: list[str] = field(default_factory=list)  # for "changed": which of PARTS differ
    section: str = ""


@dataclass
class VersionDiff:
    title_changed: bool = False
    questions: list[Change] = field(default_factory=list)
    #: indices whose items, reverse items or label changed, added or removed
    indices: list[Change] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.title_changed or self.questions or self.indices)


def _questions(definition: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    return {q["id"]: (s.get("id", ""), q) for s in definition.get("sections", []) for q in s.get("questions", [])}


def diff(old: dict[str, Any], new: dict[str, Any]) -> VersionDiff:
    out = VersionDiff(title_changed=old.get("title") != new.get("title"))
    before, after = _questions(old), _questions(new)
    for qid, (section, question) in after.items():
        if qid not in before:
            out.questions.append(Change(qid, "added", section=section))
            continue
        old_section, old_question = before[qid]
        parts = [p for p in PARTS if old_question.get(p) != question.get(p)]
        if old_section != section:
            parts.append("section")
        if parts:
            out.questions.append(Change(qid, "changed", parts, section))
    out.questions += [Change(qid, "removed", section=section) for qid, (section, _) in before.items() if qid not in after]
    old_indices = {i["id"]: i for i in old.get("indices", [])}
    new_indices = {i["id"]: i for i in new.get("indices", [])}
    for iid, index in new_indices.items():
        if iid not in old_indices:
            out.indices.append(Change(iid, "added"))
        elif index != old_indices[iid]:
            out.indices.append(Change(iid, "changed", [k for k in sorted(set(index) | set(old_indices[iid]))
                                                      if index.get(k) != old_indices[iid].get(k)]))
    out.indices += [Change(iid, "removed") for iid in old_indices if iid not in new_indices]
    return out
