"""The one place the project reads YAML (parameters, codebook, provenance records, quotes, context figures,
_quarto.yml): safe loading with libyaml's parser where it is installed, and the same rules for every file.

* A key written twice in one mapping is an error naming both lines: YAML itself keeps the last one silently, so a
  second finding of the same id in the codebook or a second `suppression_threshold:` in params.yml would win unseen.
* A file that cannot be read (missing, not UTF-8, not valid YAML) is a YAMLFileError: one sentence naming the file
  and, where there is one, the line; never a parser traceback.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import yaml

_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's C parser when PyYAML was built with it
MERGE_TAG = "tag:yaml.org,2002:merge"


class YAMLFileError(ValueError):
    """A YAML file the project reads cannot be used; the message names the file and the line."""


class DuplicateKey(yaml.YAMLError):
    def __init__(self, key: Any, first: int, second: int):
        super().__init__(f"key {key!r} is written twice, on lines {first} and {second}")
        self.key, self.first, self.second = key, first, second


class StrictLoader(_SafeLoader):
    """The safe loader, refusing a mapping that names a key twice (merge keys `<<:` may still be overridden)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == MERGE_TAG:
                continue
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                if key in seen:
                    raise DuplicateKey(key, seen[key], line)
            except TypeError:  # an unhashable key: the base constructor names it
                break
            seen[key] = line
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node: yaml.ScalarNode):
        """A date as YAML reads it, or a parse error at its line when there is no such day (2021-02-30)."""
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as problem:
            raise yaml.constructor.ConstructorError(
                None, None, f"{node.value!r} is not a date ({problem})", node.start_mark
            ) from None


StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", StrictLoader.construct_yaml_timestamp)


# Each text parsed once per process, whichever file it came from: a plan reads the same codebook and provenance
# records once per edition, through each edition's own folder. Keyed by the text itself (a changed file is parsed
# anew) and kept pickled, so every caller gets a copy of its own to change (the codebook: parsed in 2.6 ms, copied
# from its pickle in 0.05). Only what parsed is kept: a broken file is parsed, and named, each time it is read.
_PARSED: dict[str, bytes] = {}


def loads(text: str, source: str | Path) -> Any:
    """The YAML document in `text` (read from `source`, which messages name)."""
    if (parsed := _PARSED.get(text)) is not None:
        return pickle.loads(parsed)  # noqa: S301 - the project's own pickle of what it parsed, never a file's bytes
    try:
        data = yaml.load(text, Loader=StrictLoader)  # noqa: S506 - StrictLoader is a SafeLoader
    except DuplicateKey as problem:
        raise YAMLFileError(f"{source}: {problem}; keep one (YAML would silently use the last)") from None
    except yaml.YAMLError as problem:
        raise YAMLFileError(f"{source}: not valid YAML{where(problem)}") from None
    _PARSED[text] = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
    return data


def where(problem: yaml.YAMLError) -> str:
    """' at line L, column C: what the parser found', from a PyYAML error (its marks are 0-based)."""
    mark = getattr(problem, "problem_mark", None)
    at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    words = [getattr(problem, "context", None), getattr(problem, "problem", None)]
    said = ", ".join(str(w) for w in words if w) or str(problem).splitlines()[0]
    return f"{at}: {said}"


def read_text(path: Path, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise YAMLFileError(f"{path}: {what} not found") from None
    except IsADirectoryError:
        raise YAMLFileError(f"{path}: {what} is a folder, not a file") from None
    except UnicodeDecodeError as problem:
        line = Path(path).read_bytes()[: problem.start].count(b"\n") + 1
        raise YAMLFileError(
            f"{path}: {what} is not UTF-8 text (byte 0x{problem.object[problem.start]:02x} on line "
            f"{line}); re-save it as UTF-8"
        ) from None


def load(path: str | Path, what: str = "YAML file") -> Any:
    """The file's YAML document (None when it is empty), or a YAMLFileError naming the file and the line."""
    return loads(read_text(Path(path), what), path)


def load_mapping(path: str | Path, what: str = "YAML file", missing_ok: bool = False) -> dict[str, Any]:
    """The file as a mapping ({} for an empty file, or a missing one when `missing_ok`)."""
    path = Path(path)
    if missing_ok and not path.exists():
        return {}
    data = load(path, what)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise YAMLFileError(f"{path}: {what} must be a mapping of `key: value` lines, not a {type(data).__name__}")
    return data


def compose(text: str, source: str | Path) -> yaml.Node | None:
    """The document's node tree (for line numbers), parsed as `loads` parses it."""
    try:
        return yaml.compose(text, Loader=StrictLoader)
    except yaml.YAMLError as problem:
        raise YAMLFileError(f"{source}: not valid YAML{where(problem)}") from None


def read_mapping(path: Path, what: str, list_key: str, error: type[Exception]) -> dict[str, Any]:
    """The file as a mapping holding a `list_key:` list, or `error` naming the file and what is wrong."""
    try:
        data = load(path, what)
    except YAMLFileError as problem:
        raise error(str(problem)) from None
    if not isinstance(data, dict) or not isinstance(data.get(list_key), list):
        raise error(f"{path}: expected a mapping with a `{list_key}:` list")
    return data
