"""The questionnaire file an import writes: YAML in the house style of questionnaires/*.yaml
(rules as one-line JsonLogic, options one a line, long texts as blocks), with a header comment
saying where it came from and what was carried differently; and the way back from a line of
that text to the sheet row it came from, for the checker's problems."""
from __future__ import annotations

from typing import Any

import yaml

from ..yamlload import LDict, LList

QUESTION_ORDER = ("id", "type", "scale", "required", "relevant", "label", "short", "hint", "options", "min", "max",
                  "integer", "unit", "multiline", "max_length", "constraint", "constraint_message", "required_message",
                  "audio")
RULE_KEYS = frozenset({"relevant", "constraint"})


class _Rule:
    def __init__(self, rule: Any):
        self.rule = rule


class _Flow(dict):
    """A mapping written on one line."""


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # list items indented under their key, as in our files


def _rule_node(dumper: yaml.SafeDumper, value: Any) -> yaml.Node:
    if isinstance(value, dict):
        pairs = [(_rule_node(dumper, k), _rule_node(dumper, v)) for k, v in value.items()]
        return yaml.MappingNode("tag:yaml.org,2002:map", pairs, flow_style=True)
    if isinstance(value, list):
        return yaml.SequenceNode("tag:yaml.org,2002:seq", [_rule_node(dumper, v) for v in value], flow_style=True)
    if isinstance(value, str):
        return yaml.ScalarNode("tag:yaml.org,2002:str", value, style='"')
    return dumper.represent_data(value)


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(_Rule, lambda d, v: _rule_node(d, v.rule))
_Dumper.add_representer(_Flow, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v, flow_style=True))
_Dumper.add_representer(str, _text)


def _question(q: dict[str, Any]) -> dict[str, Any]:
    ordered = {k: q[k] for k in QUESTION_ORDER if k in q}
    ordered.update({k: v for k, v in q.items() if k not in ordered})
    for key in RULE_KEYS & set(ordered):
        ordered[key] = _Rule(ordered[key])
    if "options" in ordered:
        ordered["options"] = [_Flow(value=o["value"], label=_Flow(o["label"])) for o in ordered["options"]]
    return ordered


def _shaped(definition: dict[str, Any]) -> dict[str, Any]:
    out = dict(definition)
    sections = []
    for section in definition["sections"]:
        shaped = {k: v for k, v in section.items() if k != "questions"}
        if "relevant" in shaped:
            shaped["relevant"] = _Rule(shaped["relevant"])
        shaped["questions"] = [_question(q) for q in section["questions"]]
        sections.append(shaped)
    out["sections"] = sections
    return out


def yaml_text(definition: dict[str, Any], source: str, notes: list[str]) -> str:
    header = [f"# 由 XLSForm“{_one_line(source)}”转换而来（flask --app wsgi questionnaires import-xlsform）。",
              "# Converted from an XLSForm; the format is docs/questionnaire-format.md.",
              *(f"# - {_one_line(note)}" for note in notes)]
    body = yaml.dump(_shaped(definition), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10**6)
    return "\n".join(header) + "\n" + body


def _one_line(text: str) -> str:
    """A comment stays one line, whatever a cell held."""
    return " ".join(text.split())


def locate(doc: Any, line: int, rows: dict[tuple[str, ...], tuple[str, int | None]]) -> tuple[str, int | None]:
    """The (sheet, row) that wrote the part of the YAML at this line."""
    spans: list[tuple[int, tuple[str, ...]]] = []
    if isinstance(doc, LDict):
        spans += [(at, (str(key),)) for key, at in doc.key_lines.items()]
        sections = doc.get("sections")
        if isinstance(sections, LList):
            for section in sections:
                if isinstance(section, LDict):
                    spans.append((section.line, ("section", str(section.get("id")))))
                    questions = section.get("questions")
                    for q in questions if isinstance(questions, LList) else []:
                        if isinstance(q, LDict):
                            spans.append((q.line, ("question", str(q.get("id")))))
    before = [span for span in spans if span[0] <= line]
    if not before:
        return ("settings", None)
    key = max(before, key=lambda span: span[0])[1]
    return rows.get(key, ("survey", None))
