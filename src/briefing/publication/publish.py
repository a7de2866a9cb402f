"""Publishing a build's files as one set: every file is replaced, or none is.

The set is copied into a hidden folder beside the published one (on the same filesystem, so each swap is a
rename), checked, then renamed into place one file at a time. The files being replaced are kept (hard links in
the same hidden folder) until the last rename has succeeded; if any rename fails, the ones already made are put
back. The hidden folder is removed whatever happens, so a failure leaves nothing behind, and the error says in one
sentence what failed.

Standard library only: Quarto's post-render step (scripts/quarto_post_render.py) uses it with whatever Python
Quarto finds.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path


class PublishError(RuntimeError):
    """Nothing was published (or, if `mixed`, putting the previous files back failed too); the message says why."""

    def __init__(self, message: str, mixed: bool = False) -> None:
        super().__init__(message)
        self.mixed = mixed


def shown(folder: Path) -> str:
    return f"{folder.as_posix().rstrip('/')}/"


def reason(error: OSError) -> str:
    return error.strerror or str(error)


def check_complete(staging: Path, names: Sequence[str]) -> None:
    missing = [n for n in names if not (staging / n).is_file() or (staging / n).stat().st_size == 0]
    if missing:
        raise PublishError(f"not publishing: {', '.join(missing)} missing or empty")


def prepare_folder(out_dir: Path, names: Sequence[str]) -> None:
    """The published folder exists and is writable, and nothing but a file (or nothing) stands where each goes."""
    if out_dir.exists() and not out_dir.is_dir():
        raise PublishError(f"{out_dir} is a file, not a folder: move it away so the briefing can be published there")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise PublishError(f"cannot create {shown(out_dir)}: {reason(error)}") from error
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise PublishError(f"{shown(out_dir)} is read-only: make it writable and build again")
    for name in names:
        target = out_dir / name
        if target.is_dir() and not target.is_symlink():
            raise PublishError(f"{target} is a folder, not a file: move it away so {name} can be published there")


def beside(out_dir: Path) -> Path:
    """Where the set is staged: beside the published folder when that is on the same filesystem (a rename cannot
    cross filesystems: `_output/` may be a mount of its own), else inside it."""
    parent = out_dir.resolve().parent
    try:
        same = parent.stat().st_dev == out_dir.stat().st_dev and os.access(parent, os.W_OK | os.X_OK)
    except OSError:
        same = False
    return parent if same else out_dir


@contextmanager
def staging_folder(out_dir: Path) -> Iterator[Path]:
    try:
        folder = Path(tempfile.mkdtemp(prefix=f".{out_dir.resolve().name}.publishing-", dir=beside(out_dir)))
    except OSError as error:
        raise PublishError(f"cannot stage the files to publish beside {shown(out_dir)}: {reason(error)}") from error
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def keep_previous(out_dir: Path, names: Sequence[str], kept: Path) -> set[str]:
    """The files about to be replaced, kept in `kept` (same filesystem) so a failed swap can put them back."""
    kept.mkdir()
    previous = set()
    for name in names:
        target = out_dir / name
        if not (target.exists() or target.is_symlink()):
            continue
        try:
            os.link(target, kept / name, follow_symlinks=False)
        except OSError:  # no hard links here (or the file is immutable): a copy does
            shutil.copy2(target, kept / name, follow_symlinks=False)
        previous.add(name)
    return previous


def put_back(out_dir: Path, replaced: list[str], previous: set[str], kept: Path) -> None:
    for name in reversed(replaced):
        if name in previous:
            os.replace(kept / name, out_dir / name)
        else:
            (out_dir / name).unlink()


def swap_in(new: Path, out_dir: Path, names: Sequence[str]) -> None:
    kept = new / ".previous"
    try:
        previous = keep_previous(out_dir, names, kept)
    except OSError as error:
        raise PublishError(
            f"cannot keep a copy of the briefing in {shown(out_dir)} before replacing it: {reason(error)}"
        ) from error
    replaced: list[str] = []
    for name in names:
        try:
            os.replace(new / name, out_dir / name)
        except OSError as error:
            failed = f"could not replace {out_dir / name} ({reason(error)})"
            try:
                put_back(out_dir, replaced, previous, kept)
            except OSError as undo:
                raise PublishError(
                    f"{failed}, and putting back the previous {', '.join(replaced)} failed too "
                    f"({reason(undo)}): {shown(out_dir)} now mixes two builds; fix the cause and build again",
                    mixed=True,
                ) from error
            raise PublishError(failed) from error
        replaced.append(name)


def publish(staging: Path, out_dir: Path, names: Sequence[str]) -> None:
    """Replace out_dir/<name> with staging/<name> for every name, all or none (PublishError says why not)."""
    check_complete(staging, names)
    prepare_folder(out_dir, names)
    with staging_folder(out_dir) as new:
        try:
            for name in names:
                shutil.copyfile(staging / name, new / name)
        except OSError as error:
            raise PublishError(f"cannot stage {name} for publishing: {reason(error)}") from error
        check_complete(new, names)
        swap_in(new, out_dir, names)
