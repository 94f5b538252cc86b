"""Writing outputs so that nothing is destroyed: never over an input (under any spelling of its
path), always to a temporary file in the same folder renamed into place (all the files of one
output at once), and every failure a located message.

A report written here is either the previous one, untouched, or the new one, complete: a process
killed mid-write (or a full disk) leaves at most a hidden ``.name.*.tmp`` file beside it.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Callable, Iterable, Mapping

from .errors import OutputError, Problem

__all__ = ["file_sha256", "output_problem", "refuse_inputs", "same_file", "write_all"]


def same_file(a: Path | str, b: Path | str) -> bool:
    """Whether two paths name one file: the same inode on the same device, so relative and
    absolute spellings, symbolic and hard links and a different case on a case-insensitive file
    system all count; a path that does not exist is no file."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


_REASONS = {
    errno.ENOENT: ("文件夹不存在", "the folder does not exist"),
    errno.ENOTDIR: ("路径中有一段不是文件夹", "a part of the path is not a folder"),
    errno.EACCES: ("没有写入权限", "permission denied"),
    errno.EPERM: ("没有写入权限", "permission denied"),
    errno.EROFS: ("文件系统只读", "read-only file system"),
    errno.ENOSPC: ("磁盘已满", "no space left on the disk"),
    errno.EFBIG: ("文件超出允许的大小（磁盘配额或限制）", "file too large for the disk or the limit set"),
    errno.EDQUOT: ("超出磁盘配额", "disk quota exceeded"),
    errno.EISDIR: ("这是一个文件夹", "it is a folder"),
    errno.ENAMETOOLONG: ("文件名过长", "file name too long"),
}


def output_problem(path: Path | str, exc: BaseException) -> Problem:
    """A writer's failure as a located message: the file, and the reason in words."""
    os_error = exc if isinstance(exc, OSError) else next((a for a in getattr(exc, "args", ()) if isinstance(a, OSError)), None)
    code = os_error.errno if os_error is not None else None
    if os_error is not None and code is None:  # polars: OSError("File too large (os error 27)"), no errno
        found = re.search(r"\(os error (\d+)\)", str(os_error))
        code = int(found.group(1)) if found else None
    if code in _REASONS:
        zh, en = _REASONS[code]
    else:
        reason = (os_error.strerror if os_error is not None else None) or type(exc).__name__
        zh, en = reason, reason
    return Problem(source=str(path), message={"zh": f"无法写入：{zh}", "en": f"cannot write: {en}"})


def refuse_inputs(outputs: Iterable[Path | str], inputs: Iterable[Path | str]) -> None:
    """Refuse to write any of ``outputs`` over one of ``inputs`` (or one output twice).

    Raises:
        OutputError: naming the output and the input it is.
    """
    outs = [(Path(o), Path(o).resolve()) for o in outputs]
    ins = [(Path(i), Path(i).resolve()) for i in inputs]
    problems = []
    seen: set[Path] = set()
    for o, where in outs:
        if where in seen:
            problems.append(Problem(source=str(o), message={"zh": "同一个输出文件给了两次", "en": "the same output file is given twice"}))
        seen.add(where)
    for o, where in outs:
        for i, there in ins:
            if same_file(o, i) or where == there:
                problems.append(Problem(source=str(o), message={
                    "zh": f"输出文件就是输入文件“{i}”：不会覆盖输入，请换一个输出文件名",
                    "en": f"the output is the input file {str(i)!r}: an input is never overwritten; choose another output name"}))
    if problems:
        raise OutputError(problems)


def write_all(writers: Mapping[Path, Callable[[Path], None]], inputs: Iterable[Path | str] = (), *,
              at_once: int = 1, then: Mapping[Path, Callable[[Path], None]] | None = None) -> list[Path]:
    """Write several files as one: each ``writer(temporary_path)`` writes its file's content to a
    temporary file in the target's folder; only when every one has succeeded are they renamed
    into place (each rename atomic). On any failure the temporary files are removed and the
    previous files stay as they were.

    ``at_once`` writers run at the same time, each in a thread of its own (for writers that let go
    of the interpreter while they work, as polars does: two large CSV files written side by side).
    The writers of ``then`` run after all of ``writers`` have written, one by one (a stamp that
    hashes the others' files), and are renamed into place with them.

    Returns:
        The targets (those of ``writers``, then those of ``then``), in order.

    Raises:
        OutputError: an output is an input, or a write failed (file and reason named).
    """
    steps = [dict(writers), dict(then or {})]
    targets = [t for step in steps for t in step]
    refuse_inputs(targets, inputs)
    temps: dict[Path, Path] = {}
    try:
        for n, step in enumerate(steps):
            for target in step:
                temps[target] = _temporary(target)
            jobs = [(target, write, temps[target]) for target, write in step.items()]
            if n == 0 and at_once > 1 and len(jobs) > 1:
                _side_by_side(jobs, at_once)
            else:
                for job in jobs:
                    _write_one(*job)
        for target in targets:
            mode = _mode_of(target)
            os.replace(temps[target], target)
            os.chmod(target, mode)
            del temps[target]
        for folder in {t.parent for t in targets}:
            _sync_folder(folder)
    except OSError as exc:
        raise OutputError([output_problem(next(iter(temps), targets[0]), exc)]) from None
    finally:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)
    return targets


def _side_by_side(jobs: list[tuple[Path, Callable[[Path], None], Path]], at_once: int) -> None:
    """Each job's ``_write_one``, ``at_once`` at a time; the first failure (in the jobs' order) raised
    once no writer runs any more.

    A failure, or Ctrl-C, cancels the writers not yet started and waits for those running (a second
    Ctrl-C too): the caller removes the temporary files only when nothing can write them again (a
    writer not yet at its file would otherwise make it anew after the clean-up)."""
    from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

    pool = ThreadPoolExecutor(max_workers=at_once)
    try:
        futures = [pool.submit(_write_one, *job) for job in jobs]
        wait(futures, return_when=FIRST_EXCEPTION)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        while True:
            try:
                pool.shutdown(wait=True)
                break
            except KeyboardInterrupt:  # the writers running end first; then the first interruption goes on
                continue
    failed = next((e for f in futures if not f.cancelled() and (e := f.exception()) is not None), None)
    if failed is not None:
        raise failed


def _temporary(target: Path) -> Path:
    """A new, empty hidden file beside ``target`` to write it to.

    Raises:
        OutputError: the folder is missing, ``target`` is a folder, or the file cannot be made.
    """
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError([output_problem(target, FileNotFoundError(errno.ENOENT, "no such folder", str(folder)))])
    if target.is_dir():
        raise OutputError([output_problem(target, IsADirectoryError(errno.EISDIR, "is a folder", str(target)))])
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError([output_problem(target, exc)]) from None
    os.close(fd)
    return Path(tmp)


def _write_one(target: Path, write: Callable[[Path], None], tmp: Path) -> None:
    """``write(tmp)``, then ``tmp`` to the disk; an OSError (or a library's error wrapping one) as
    the located message for ``target``."""
    try:
        write(tmp)
        _sync(tmp)
    except OutputError:
        raise
    except Exception as exc:  # OSError, or a library's error wrapping one (xlsxwriter)
        if isinstance(exc, OSError) or any(isinstance(a, OSError) for a in getattr(exc, "args", ())):
            raise OutputError([output_problem(target, exc)]) from None
        raise


def _mode_of(target: Path) -> int:
    """The permissions a new file gets (those of the file it replaces, else the umask's)."""
    try:
        return os.stat(target).st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _sync(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def _sync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder if str(folder) else ".", os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in 1 MiB blocks (a report or roster of gigabytes stays out of memory)."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
