# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Writing files on the managed host: atomically (a temporary file in the same directory, then a
rename, so a reader sees the old or the new content and never half of it) with an optional backup.

Used for daemon.json and apt/yum repository files (engine), haproxy.cfg (haproxy), the docker
CLI's config.json (login) and image archives (image save, container export)."""

import contextlib
import os
import shutil
import stat
import tempfile
import time


def backup_copy(path, suffix='.bak'):
    """Copy ``path`` (content, mode, times) to ``path.YYYYmmdd-HHMMSS<suffix>`` and return that name;
    ``-N`` is added before the suffix when the name is taken. None when there is no file."""
    if not os.path.exists(path):
        return None
    source_mode = stat.S_IMODE(os.stat(path).st_mode)
    stamp = time.strftime('%Y%m%d-%H%M%S')
    n = 0
    while True:
        dest = '%s.%s%s' % (path, stamp, suffix) if n == 0 else '%s.%s-%d%s' % (path, stamp, n, suffix)
        try:
            # created with the source's mode before any byte is written: a backup of a 0600 file
            # is never readable by others, not even for an instant
            fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, source_mode)
            break
        except FileExistsError:
            n += 1
    try:
        os.fchmod(fd, source_mode)  # the umask does not widen it, nor narrow it
        with os.fdopen(fd, 'wb') as out, open(path, 'rb') as src:
            shutil.copyfileobj(src, out)
        shutil.copystat(path, dest)
    except BaseException:
        try:
            os.unlink(dest)
        except OSError:
            pass
        raise
    return dest


class AtomicFile:
    """The binary temporary file behind ``atomic_open``: ``write()`` to it; ``discard()`` drops it
    and leaves the target untouched."""

    def __init__(self, handle, tmp):
        self.handle = handle
        self.tmp = tmp
        self.discarded = False

    def write(self, data):
        return self.handle.write(data)

    def discard(self):
        self.discarded = True


def _directory(path, dir_mode):
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        if dir_mode is None:
            raise OSError('the directory %s does not exist' % directory)
        os.makedirs(directory, dir_mode)
    return directory


@contextlib.contextmanager
def atomic_open(path, mode=0o644, dir_mode=0o755):
    """Yield an AtomicFile whose content replaces ``path`` when the block ends without an error.
    The temporary file has ``mode`` from the start (a 0600 file is never readable by others) and,
    when ``path`` exists, its owner and group. The directory is created with ``dir_mode`` when
    missing (``dir_mode=None``: it must exist). On an error the temporary file is removed."""
    directory = _directory(path, dir_mode)
    fd, tmp = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path), dir=directory)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, 'wb') as handle:
            target = AtomicFile(handle, tmp)
            yield target
            handle.flush()
            os.fsync(handle.fileno())
        if target.discarded:
            os.unlink(tmp)
            return
        try:
            old = os.stat(path)
            os.chown(tmp, old.st_uid, old.st_gid)
        except (FileNotFoundError, PermissionError):
            pass
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write(path, data, mode=0o644, backup=False, backup_suffix='.bak', dir_mode=0o755):
    """Replace ``path`` with ``data`` (str, written as UTF-8, or bytes) atomically, see ``atomic_open``.
    When ``backup`` and the file exists, it is first copied by ``backup_copy``; returns that
    copy's name (else None)."""
    if isinstance(data, str):
        data = data.encode('utf-8')
    _directory(path, dir_mode)
    backup_path = backup_copy(path, backup_suffix) if backup else None
    with atomic_open(path, mode, dir_mode) as out:
        out.write(data)
    return backup_path
