"""A validated rule pack kept on disk, so that a command starts without reading and checking the
pack again (``calc`` on one applicant is mostly start-up).

What is kept is only ever served for the very files it was made from. An entry holds the
*fingerprint* of its pack — the SHA-256 of every file under the pack folder (YAML, the published
texts the quotes are checked against, everything), of the code that reads and checks a pack
(``core/`` and ``pack/``) and of the Python and pydantic versions — and is used only when the
fingerprint of the files as they are now is the same: an edited rule, a changed text or a new
version of the tool is loaded and checked afresh (and the entry replaced).

An entry that was changed on disk is never used: each is signed (HMAC-SHA256) with a random key
kept beside the entries, readable by its owner only, and checked before anything in it is read.
An entry or key that another user owns, or that others may write, is ignored. (Whoever can write
the user's own files can change the tool itself; that is not guarded against here.)

The cache lives in ``$XINGXIAN_CACHE_DIR`` if set (``off`` or empty: no cache), else in
``$XDG_CACHE_HOME/xingxian-subsidy`` or ``~/.cache/xingxian-subsidy``. Any failure to read or
write it (a read-only home, a full disk) only means the pack is loaded the slow way.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import pickle
import platform
import secrets
import stat
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["cache_dir", "fingerprint", "load_cached", "store"]

_MAGIC = b"XXSPACK1"
_KEY_FILE = "key"
_CODE_DIRS = ("core", "pack")  # the code that reads, checks and holds a pack


def cache_dir() -> Path | None:
    """Where entries are kept; None when caching is off."""
    chosen = os.environ.get("XINGXIAN_CACHE_DIR")
    if chosen is not None:
        return None if chosen.strip() in ("", "off", "0") else Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "xingxian-subsidy"


def _code_digest() -> bytes:
    import pydantic

    h = hashlib.sha256()
    h.update(f"{platform.python_implementation()} {platform.python_version()} pydantic {pydantic.VERSION}\0".encode())
    package = Path(__file__).resolve().parent.parent
    for sub in _CODE_DIRS:
        for path in sorted((package / sub).glob("*.py")):
            h.update(path.name.encode() + b"\0")
            h.update(path.read_bytes())
    return h.digest()


def fingerprint(directory: Path) -> str:
    """The SHA-256 of every file under ``directory`` (names and contents) and of the code that
    reads a pack: two packs with the same fingerprint load to the same thing."""
    h = hashlib.sha256(_code_digest())
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        h.update(path.relative_to(directory).as_posix().encode() + b"\0")
        data = path.read_bytes()
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def _entry(folder: Path, directory: Path) -> Path:
    return folder / (hashlib.sha256(str(directory).encode()).hexdigest()[:32] + ".pack")


def _private(fd: int) -> bool:
    """The open file is the user's own and nobody else may write it."""
    st = os.fstat(fd)
    return stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid() and not st.st_mode & 0o022


def _read_private(path: Path) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        if not _private(fd):
            return None
        with os.fdopen(os.dup(fd), "rb") as fh:
            return fh.read()
    finally:
        os.close(fd)


def _key(folder: Path, create: bool) -> bytes | None:
    key = _read_private(folder / _KEY_FILE)
    if key is not None and len(key) == 32:
        return key
    if not create:
        return None
    new = secrets.token_bytes(32)
    try:
        fd = os.open(folder / _KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except FileExistsError:  # another process made it first (or it is not ours: then no cache)
        key = _read_private(folder / _KEY_FILE)
        return key if key is not None and len(key) == 32 else None
    with os.fdopen(fd, "wb") as fh:
        fh.write(new)
    return new


def load_cached(directory: Path, print_: str) -> Any | None:
    """The pack kept for ``directory`` if its fingerprint is ``print_`` and its signature holds; else None."""
    folder = cache_dir()
    if folder is None:
        return None
    key = _key(folder, create=False)
    data = _read_private(_entry(folder, directory)) if key is not None else None
    if key is None or data is None or not data.startswith(_MAGIC):
        return None
    mac, payload = data[len(_MAGIC): len(_MAGIC) + 32], data[len(_MAGIC) + 32:]
    if not hmac.compare_digest(mac, hmac.new(key, payload, hashlib.sha256).digest()):
        return None  # changed since it was written: never read
    # the payload opens with the fingerprint it was made from: compared before the pack is built
    head = len(print_)
    if payload[:head].decode("ascii", "replace") != print_:
        return None
    try:
        return pickle.loads(payload[head:])
    except Exception:  # written by another version of a library: load the slow way
        return None


def store(directory: Path, print_: str, pack: Any) -> None:
    """Keep ``pack`` (loaded from ``directory``, whose fingerprint is ``print_``); never fails."""
    folder = cache_dir()
    if folder is None:
        return
    tmp = None
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = _key(folder, create=True)
        if key is None:
            return
        payload = print_.encode("ascii") + pickle.dumps(pack, protocol=pickle.HIGHEST_PROTOCOL)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:  # mkstemp makes it 0600
            fh.write(_MAGIC + hmac.new(key, payload, hashlib.sha256).digest() + payload)
        os.replace(tmp, _entry(folder, directory))
        tmp = None
    except Exception:  # a read-only or full disk, a pack that cannot be kept: no cache, no harm
        pass
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
