"""Reading the project's hand-edited YAML files (codebook, context figures) with errors that name the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def read_mapping(path: Path, what: str, list_key: str, error: type[Exception]) -> dict[str, Any]:
    """The file as a mapping holding a `list_key:` list, or `error` naming the file and what is wrong."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{path}: {what} not found") from None
    except yaml.YAMLError as problem:
        raise error(f"{path}: not valid YAML: {problem}") from None
    if not isinstance(data, dict) or not isinstance(data.get(list_key), list):
        raise error(f"{path}: expected a mapping with a `{list_key}:` list")
    return data
