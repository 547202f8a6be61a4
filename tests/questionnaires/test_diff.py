"""Differences between questionnaire versions, as the administration page lists them."""
from __future__ import annotations

import copy

import yaml

from survey_app.config import ROOT
from survey_app.questionnaires.diff import Change, diff


def awareness() -> dict:
    return yaml.safe_load((ROOT / "questionnaires" / "awareness.yaml").read_text(encoding="utf-8"))


def test_the_same_file_has_no_differences():
    assert diff(awareness(), awareness()).empty


def test_added_removed_and_changed_questions_and_indices():
    old = awareness()
    new = copy.deepcopy(old)
    first = new["sections"][0]["questions"]
    removed = first.pop(0)["id"]
    first.append({"id": "new_q", "type": "text", "label": {"zh": "新题", "en": "New"}})
    likert = next(q for s in new["sections"] for q in s["questions"] if q["type"] == "likert")
    likert["label"] = {"zh": "改过的题目", "en": "Changed"}
    likert["required"] = not likert.get("required", False)
    new["indices"][0]["reverse"] = [*new["indices"][0].get("reverse", []), likert["id"]]
    got = diff(old, new)
    assert Change("new_q", "added", section=new["sections"][0]["id"]) in got.questions
    assert any(c.question == removed and c.kind == "removed" for c in got.questions)
    changed = next(c for c in got.questions if c.question == likert["id"])
    assert changed.kind == "changed" and changed.parts == ["label", "required"]
    assert [(c.question, c.kind, c.parts) for c in got.indices] == [(new["indices"][0]["id"], "changed", ["reverse"])]
    assert not got.title_changed and not got.empty
