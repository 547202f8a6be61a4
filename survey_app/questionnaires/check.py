"""Checking questionnaire files: structure against questionnaires/schema.json, then meaning.

Every problem is reported as ``PATH:LINE: message``; a file with problems is refused whole, the
others are served.  The same code runs for ``flask questionnaires check``, for ``questionnaires
load`` and wherever the app reads a file, so the command and the app never disagree.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from . import rules
from .model import Definition, build
from .rulecheck import check_rule
from .types import REGISTRY, get_type
from .yamlload import LDict, YamlError, line_of, load_yaml, plain

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "questionnaires" / "schema.json"


@dataclass(frozen=True)
class FileProblem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class CheckedFile:
    path: str
    problems: list[FileProblem] = field(default_factory=list)
    definition: dict[str, Any] | None = None
    questionnaire: Definition | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and self.questionnaire is not None

    @property
    def content_hash(self) -> str:
        return definition_hash(self.definition or {})


def definition_hash(definition: dict[str, Any]) -> str:
    """Hash of the meaning of a file: comments, layout and key order do not make a new version."""
    canonical = json.dumps(definition, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def check_file(path: str | Path, audio_dir: Path | None = None) -> CheckedFile:
    path = Path(path)
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return CheckedFile(shown, [FileProblem(shown, 1, f"not UTF-8 text ({exc.reason})")])
    except OSError as exc:
        return CheckedFile(shown, [FileProblem(shown, 1, f"cannot read file: {exc.strerror}")])
    return check_text(text, shown, expected_id=path.stem, audio_dir=audio_dir)


def check_text(text: str, shown: str, expected_id: str | None = None, audio_dir: Path | None = None) -> CheckedFile:
    result = CheckedFile(shown)
    try:
        doc = load_yaml(text)
    except YamlError as exc:
        result.problems.append(FileProblem(shown, exc.line, exc.message))
        return result
    if not isinstance(doc, LDict):
        line = getattr(doc, "line", 1) or 1
        result.problems.append(FileProblem(shown, line, "a questionnaire file must be a mapping with id, title and sections"))
        return result

    found = [(line, message) for line, message in _schema_problems(doc)]
    found += _semantic_problems(doc, expected_id, audio_dir)
    result.problems = file_problems(shown, found)
    if not result.problems:
        result.definition = plain(doc)
        result.questionnaire = build(result.definition)
    return result


def file_problems(shown: str, found: list[tuple[int, str]]) -> list[FileProblem]:
    """(line, message) pairs as a file's problems: in line order, each once."""
    out: list[FileProblem] = []
    seen: set[tuple[int, str]] = set()
    for line, message in sorted(found, key=lambda p: p[0]):
        if (line, message) not in seen:
            seen.add((line, message))
            out.append(FileProblem(shown, line, message))
    return out


#: a file-specific wording of a schema error: (error, document, path, where) -> (line or None,
#: message), or None to fall back to the questionnaire wording
Describe = Callable[[jsonschema.ValidationError, LDict, list[Any], str], tuple[int | None, str] | None]


def _schema_problems(doc: LDict) -> list[tuple[int, str]]:
    return schema_problems(doc, _validator())


def schema_problems(doc: LDict, validator: jsonschema.Validator, describe: Describe | None = None) -> list[tuple[int, str]]:
    """Every schema error of a loaded document as (line, message); shared with the other files
    kept beside the questionnaires (``reports/targets.py``), so that all speak alike."""
    out = []
    for error in validator.iter_errors(doc):
        path = list(error.absolute_path)
        line = line_of(doc, path)
        message = describe(error, doc, path, _where(path)) if describe else None
        if message is None:
            message = _describe(error, doc, path)
        if message is None:
            continue
        out.append((message[0] or line, message[1]))
    return out


def _where(path: list[Any]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(path)) or "top level"


def _describe(error: jsonschema.ValidationError, doc: LDict, path: list[Any]) -> tuple[int | None, str] | None:
    """A message a questionnaire author can act on, and a more precise line when known."""
    where = _where(path)
    inst = error.instance
    if error.validator == "additionalProperties" and isinstance(inst, LDict):
        allowed = set(error.schema.get("properties", {}))
        extra = [k for k in inst if k not in allowed]
        key = extra[0] if extra else None
        return (inst.key_lines.get(key) if key else None, f"unknown key {key!r} in {where}")
    if "propertyNames" in error.absolute_schema_path:
        parent = _at(doc, path)
        qtype = parent.get("type") if isinstance(parent, dict) else None
        line = parent.key_lines.get(inst) if isinstance(parent, LDict) else None
        if qtype in REGISTRY:
            return (line, f"key {inst!r} is not allowed on a {qtype} question ({where})")
        return None  # an unknown type is reported once, by the enum check
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return (None, f"missing required key {missing!r} in {where}")
    if error.validator == "enum" and path and path[-1] == "type":
        return (None, f"unknown question type {inst!r} (known: {', '.join(sorted(REGISTRY))})")
    if error.validator == "enum":
        options = ", ".join(repr(x) for x in error.validator_value)
        return (None, f"{where} must be one of {options}, not {inst!r}")
    if error.validator == "pattern":
        if path and path[-1] == "value":
            return (None, f"{where} {inst!r} is not a valid option value (letters, digits, _ . -; at most 64)")
        if str(error.validator_value).startswith("^[a-z]"):
            return (None, f"{where} {inst!r} is not a valid id (lowercase letters, digits and _, starting with a letter)")
        return (None, f"{where} {inst!r} does not match the pattern {error.validator_value}")
    if error.validator == "oneOf" and path and path[-1] == "scale":
        return (None, f"{where} must be the name of a scale under 'scales' or a mapping with min and max")
    if error.validator == "type":
        return (None, f"{where} must be {_type_words(error.validator_value)}, not {type(inst).__name__}")
    return (None, f"{where}: {error.message}")


def _type_words(expected: Any) -> str:
    names = {
        "object": "a mapping", "array": "a list", "string": "text",
        "integer": "a whole number", "number": "a number", "boolean": "true or false",
    }
    if isinstance(expected, list):
        return " or ".join(names.get(e, str(e)) for e in expected)
    return names.get(expected, str(expected))


def _at(doc: Any, path: list[Any]) -> Any:
    node = doc
    for step in path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _semantic_problems(doc: LDict, expected_id: str | None, audio_dir: Path | None) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []

    def add(path: list[Any], message: str) -> None:
        out.append((line_of(doc, path), message))

    if expected_id is not None and isinstance(doc.get("id"), str) and doc["id"] != expected_id:
        add(["id"], f"id {doc['id']!r} must match the file name {expected_id!r}")

    scales = _dict_or_empty(doc.get("scales"))
    for name, scale in scales.items():
        if isinstance(scale, dict):
            from .types import check_scale

            for sub, message in check_scale(scale, ()):
                add(["scales", name, *sub], message)

    questions: dict[str, dict[str, Any]] = {}
    question_paths: dict[str, list[Any]] = {}
    section_of: dict[str, dict[str, Any]] = {}
    section_ids: set[str] = set()
    sections = _list_or_empty(doc.get("sections"))
    for si, section in enumerate(sections):
        if not isinstance(section, dict):
            continue
        sid = section.get("id")
        if isinstance(sid, str):
            if sid in section_ids:
                add(["sections", si, "id"], f"duplicate section id {sid!r}")
            section_ids.add(sid)
        qlist = _list_or_empty(section.get("questions"))
        for qi, q in enumerate(qlist):
            if not isinstance(q, dict) or not isinstance(q.get("id"), str):
                continue
            qpath: list[Any] = ["sections", si, "questions", qi]
            qid = q["id"]
            if qid in questions:
                add([*qpath, "id"], f"duplicate question id {qid!r} (first at line {line_of(doc, [*question_paths[qid], 'id'])})")
                continue
            questions[qid] = q
            question_paths[qid] = qpath
            section_of[qid] = section
            qtype = q.get("type")
            if qtype in REGISTRY:
                for sub, message in get_type(qtype).check_definition(q, scales):
                    add([*qpath, *sub], message)
            audio = q.get("audio")
            if isinstance(audio, str) and audio_dir is not None:
                if ".." in Path(audio).parts:
                    add([*qpath, "audio"], f"audio path {audio!r} must stay inside questionnaires/audio/")
                elif not (audio_dir / audio).is_file():
                    add([*qpath, "audio"], f"audio file {audio!r} not found in {audio_dir}")

    # Rules: known operators, known questions.
    for si, section in enumerate(sections):
        if isinstance(section, dict) and "relevant" in section:
            _check_rule_refs(section["relevant"], ["sections", si, "relevant"], questions, add)
    for qid, q in questions.items():
        for key in ("relevant", "constraint"):
            if key in q:
                _check_rule_refs(q[key], [*question_paths[qid], key], questions, add)

    # Circular skip logic.
    graph: dict[str, set[str]] = {}
    for qid, q in questions.items():
        deps: set[str] = set()
        for rule in (section_of[qid].get("relevant"), q.get("relevant")):
            if rule is not None:
                deps |= rules.variables(rule)
        graph[qid] = deps & set(questions)
    cycle = rules.find_cycle(graph)
    if cycle:
        start = cycle[0]
        path = question_paths[start]
        key = "relevant" if "relevant" in questions[start] else "id"
        add([*path, key], "circular skip logic: " + " -> ".join(cycle))

    # Indices.
    index_ids: set[str] = set()
    indices = _list_or_empty(doc.get("indices"))
    for ii, index in enumerate(indices):
        if not isinstance(index, dict):
            continue
        iid = index.get("id")
        if isinstance(iid, str):
            if iid in index_ids:
                add(["indices", ii, "id"], f"duplicate index id {iid!r}")
            index_ids.add(iid)
        items = _list_or_empty(index.get("items"))
        seen_items: set[str] = set()
        for ki, item in enumerate(items):
            if not isinstance(item, str):
                continue
            ipath = ["indices", ii, "items", ki]
            if item in seen_items:
                add(ipath, f"index {iid!r} lists item {item!r} twice")
            seen_items.add(item)
            if item not in questions:
                add(ipath, f"index {iid!r} names unknown question {item!r}")
            elif questions[item].get("type") != "likert":
                add(ipath, f"index {iid!r} item {item!r} is a {questions[item].get('type')} question; index items must be likert")
        reverse = _list_or_empty(index.get("reverse"))
        for ri, item in enumerate(reverse):
            if isinstance(item, str) and item not in seen_items:
                add(["indices", ii, "reverse", ri], f"index {iid!r} reverses {item!r}, which is not one of its items")

    for ci, item in enumerate(_list_or_empty(doc.get("compare"))):
        if not isinstance(item, str):
            continue
        if item not in questions:
            add(["compare", ci], f"compare names unknown question {item!r}")
        elif not _is_yes_no(questions[item]):
            add(["compare", ci], f"compare item {item!r} must be a single-choice question with the options yes and no")
    return out


def _is_yes_no(question: dict[str, Any]) -> bool:
    values = {o.get("value") for o in _list_or_empty(question.get("options")) if isinstance(o, dict)}
    return question.get("type") == "single" and values == {"yes", "no"}


def _check_rule_refs(rule: Any, path: list[Any], questions: dict[str, Any], add: Any) -> None:
    for subpath, message in check_rule(rule, questions):
        add([*path, *subpath], message)
    for name in sorted(rules.variables(rule)):
        if name not in questions:
            add(path, f"rule names unknown question {name!r}")
        elif questions[name].get("type") == "note":
            add(path, f"rule names {name!r}, a note: a note has no answer to test")


def _list_or_empty(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict_or_empty(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


@dataclass
class Catalogue:
    """All questionnaire files in a folder: the good ones by id, and every problem found."""

    files: dict[str, CheckedFile] = field(default_factory=dict)
    problems: list[FileProblem] = field(default_factory=list)


#: the performance targets (``reports/targets.py``): kept beside the questionnaires and checked
#: by the same command, but not a questionnaire
TARGETS_FILE = "targets.yaml"


def questionnaire_paths(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.y*ml") if p.suffix in (".yaml", ".yml") and p.name != TARGETS_FILE)


_checked_cache: dict[tuple[str, int, int, bool], CheckedFile] = {}


def _check_file_cached(path: Path, audio_dir: Path) -> CheckedFile:
    """check_file, remembered while the file is unchanged (the home page and tests ask often)."""
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size, audio_dir.is_dir())
    found = _checked_cache.get(key)
    if found is None:
        if len(_checked_cache) > 256:
            _checked_cache.clear()
        found = _checked_cache[key] = check_file(path, audio_dir=audio_dir)
    return found


def check_folder(folder: Path) -> Catalogue:
    catalogue = Catalogue()
    audio_dir = folder / "audio"
    for path in questionnaire_paths(folder):
        checked = _check_file_cached(path, audio_dir)
        catalogue.problems.extend(checked.problems)
        if checked.ok:
            assert checked.questionnaire is not None
            catalogue.files[checked.questionnaire.id] = checked
    return catalogue
