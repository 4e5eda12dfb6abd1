"""Folders of outputs (an invitation or an email per conversation) written all at once, and what killed runs left.

A folder's files are first written into a temporary folder, flushed to disk by one ``sync``, then put in place:

- a folder that does not exist yet is built whole as ``.<name>.<pid>.<random>.tmp`` beside it and renamed into
  place in one step, so it appears complete or not at all;
- a folder that exists (a rerun updating last run's invitations) gets a temporary folder of that name *inside* it,
  and each file is then renamed over the one of the same name: last run's files are replaced, files someone else
  put there are kept, and each file is always a whole old one or a whole new one.

Until then nothing in the target changes, so a run that fails while making its outputs (an unusable address, a full
disk) leaves an existing folder exactly as it was and no new one.  Each file is made with one ``open``, ``write``
and ``close`` in a folder nobody else writes to: 300,000 files made through ``mkstemp`` (a random name, a stat, a
chmod and a rename each) took many minutes.

Temporary files and folders are named ``.<output>.<pid>.<8 characters>.tmp`` (:func:`temporary_name`).  A run that
is killed leaves one holding part of a roster's personal data; a later write of the same output removes it
(:func:`remove_abandoned`) once its process is gone and it is ten minutes old.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import time
from collections.abc import Collection
from pathlib import Path

from peermatch.errors import OutputError

_TEMPORARY = re.compile(r"\.(?P<name>.+)\.(?P<pid>[0-9]{1,10})\.[a-z0-9_]{8}\.tmp")
_ABANDONED_AFTER = 600  # seconds: no write of a roster's outputs takes this long, on this machine or another
_NEW_FILE = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)


def temporary_name(name: str) -> str:
    """``.<name>.<pid>.<8 random characters>.tmp``: whose it is, which process made it, and unique."""
    return f".{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"


class StagedFolder:
    """The files of one output folder, written into a temporary folder until :meth:`commit` puts them in place.

    ``inputs`` are the names of input files (the roster) inside the target folder, which are never written.
    """

    def __init__(self, target: Path, inputs: Collection[str] = ()) -> None:
        self.target = target
        self.names: list[str] = []
        self._inputs = frozenset(inputs)
        self._new = not target.is_dir()
        self._name = target.resolve().name or "folder"  # "invitations" even when given as "." or through a link
        if self._new and os.path.lexists(target):  # a broken link, say: check_folder refuses anything else
            raise OutputError(f"{target}: cannot create the folder (a file or link of that name is in the way)")
        # Beside a new folder (renamed into place whole), inside an existing one (its files renamed one by one).
        home = (target.parent if self._new else target)
        while True:
            self.temporary = home / temporary_name(self._name)
            try:
                # A new folder gets the mode any new folder gets; one inside an existing folder is for us alone.
                os.mkdir(self.temporary, 0o777 if self._new else 0o700)
                break
            except FileExistsError:
                continue
            except OSError as error:
                raise OutputError(f"{target}: cannot create the folder ({error.strerror})") from None
        self._prefix = f"{self.temporary}{os.sep}"

    def add(self, name: str, data: bytes) -> None:
        """Write the file ``name`` (a plain file name, made by peermatch) into the temporary folder."""
        if name in self._inputs:
            raise OutputError(f"{self.target / name}: refusing to overwrite an input file; choose another folder")
        try:
            handle = os.open(self._prefix + name, _NEW_FILE, 0o600)  # personal data: its owner only
            try:
                view, done = memoryview(data), 0
                while done < len(data):
                    done += os.write(handle, view[done:])
            finally:
                os.close(handle)
        except OSError as error:
            raise OutputError(f"{self.target / name}: cannot write ({error.strerror})") from None
        self.names.append(name)

    def flush_each(self) -> None:
        """Flush every file to disk one by one: only where the system has no ``sync``."""
        for name in self.names:
            flush_file(self._prefix + name)

    def commit(self) -> None:
        """Put the files in place: the whole folder in one rename, or each file over its old version."""
        if self._new:
            try:
                os.rename(self.temporary, self.target)
            except OSError as error:
                raise OutputError(f"{self.target}: cannot write ({error.strerror})") from None
            flush_folder(self.target.parent)
            return
        for name in self.names:
            old = self.target / name
            try:
                with contextlib.suppress(FileNotFoundError):
                    mode = os.stat(old).st_mode & 0o777
                    if mode != 0o600:  # an existing file keeps the permissions someone gave it
                        os.chmod(self._prefix + name, mode)
                os.replace(self._prefix + name, old)
            except OSError as error:
                raise OutputError(f"{old}: cannot write ({error.strerror})") from None
        self.discard()
        flush_folder(self.target)

    def discard(self) -> None:
        """Remove the temporary folder and whatever is left in it."""
        shutil.rmtree(self.temporary, ignore_errors=True)

    def sweep(self) -> None:
        """Remove what killed earlier writes of this folder left: beside it, and inside it (with its files' names)."""
        remove_abandoned(self.target.parent, [self._name])
        if not self._new:
            remove_abandoned(self.target, [self._name, *self.names])


def remove_abandoned(folder: Path, names: Collection[str]) -> None:
    """Delete the temporary files and folders that killed earlier writes of ``names`` left in ``folder``.

    Such a file holds part of a roster's personal data and would otherwise stay for good.  One is taken as
    abandoned only when its process is gone and it is ten minutes old: a process id means nothing on another
    machine sharing the folder, and a write in progress there is never that old.  The folder is listed once,
    however many files a command writes into it.
    """
    wanted = set(names)
    cutoff = time.time() - _ABANDONED_AFTER
    try:
        entries = [entry for entry in os.scandir(folder) if entry.name.endswith(".tmp")]
    except OSError:
        return  # an unreadable folder: the write itself will say what is wrong
    for entry in entries:
        found = _TEMPORARY.fullmatch(entry.name)
        if found is None or found["name"] not in wanted or _running(int(found["pid"])):
            continue
        with contextlib.suppress(OSError):
            if entry.stat(follow_symlinks=False).st_mtime >= cutoff:
                continue
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
            elif entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # it exists but belongs to someone else, or it is no process id at all
        return True
    return True


def flush_file(path: str) -> None:
    with contextlib.suppress(OSError):
        handle = os.open(path, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def flush_folder(folder: Path) -> None:
    """Make renames in ``folder`` durable, where the system can (not on Windows, which needs no such step)."""
    if os.name == "posix":
        flush_file(str(folder or "."))
