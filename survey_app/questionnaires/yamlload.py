"""YAML loading that remembers where every value came from.

Error messages must name the file and line of the problem (``PATH:LINE: message``), so the
loader builds dicts and lists that carry the line of each node.  Only the safe YAML subset is
accepted.
"""
from __future__ import annotations

import re
from typing import Any

import yaml


class LDict(dict):
    """A mapping with the 1-based line of itself and of each of its keys."""

    line: int = 0
    key_lines: dict[Any, int]


class LList(list):
    """A sequence with the 1-based line of itself and of each item."""

    line: int = 0
    item_lines: list[int]


class DuplicateKeyError(yaml.MarkedYAMLError):
    pass


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LDict:
    loader.flatten_mapping(node)
    result = LDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise DuplicateKeyError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LList:
    result = LList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


def _construct_timestamp_as_text(loader: _Loader, node: yaml.ScalarNode) -> str:
    # Dates stay strings: the file format and the API both speak YYYY-MM-DD.
    return loader.construct_scalar(node)


# YAML 1.2 booleans only: option values such as `yes`, `no` and `on` must stay strings (the
# "Norway problem" of YAML 1.1 would turn `value: no` into False).
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp_as_text)


class YamlError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def load_yaml(text: str) -> Any:
    """Parse YAML text into LDict/LList values; raise YamlError with a line on failure."""
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader derives from SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or exc.context or "invalid YAML"
        return _raise(line, f"invalid YAML: {problem}")
    except yaml.YAMLError as exc:
        return _raise(1, f"invalid YAML: {exc}")


def _raise(line: int, message: str) -> Any:
    raise YamlError(line, message)


def line_of(root: Any, path: list[Any] | tuple[Any, ...]) -> int:
    """The line of the value at ``path`` (keys and indices) inside a loaded document.

    Falls back to the deepest known ancestor when the path leads to a missing key.
    """
    node = root
    line = getattr(root, "line", 1) or 1
    for step in path:
        if isinstance(node, LDict) and step in node:
            line = node.key_lines.get(step, line)
            node = node[step]
        elif isinstance(node, LList) and isinstance(step, int) and 0 <= step < len(node):
            line = node.item_lines[step]
            node = node[step]
        else:
            break
        if isinstance(node, (LDict, LList)) and not isinstance(step, str):
            line = node.line or line
    return line


def plain(value: Any) -> Any:
    """Strip the line-tracking types, giving ordinary dicts and lists (for JSON)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
