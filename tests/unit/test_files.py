"""files: the one atomic write (with backup) behind daemon.json, haproxy.cfg, config.json and image archives."""

import os
import stat

import pytest

from ansible_collections.berth.docker.plugins.module_utils import files


def test_atomic_write_backup_names_and_modes(tmp_path):
    path = str(tmp_path / 'sub' / 'f.cfg')
    assert files.atomic_write(path, 'one\n', 0o600, backup=True, dir_mode=0o700) is None
    assert stat.S_IMODE(os.stat(str(tmp_path / 'sub')).st_mode) == 0o700
    first = files.atomic_write(path, b'two\n', 0o640, backup=True)
    second = files.atomic_write(path, 'three\n', 0o640, backup=True, backup_suffix='.1~')
    assert first.endswith('.bak') and second.endswith('.1~') and first != second
    assert open(first).read() == 'one\n' and open(second).read() == 'two\n' and open(path).read() == 'three\n'
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert stat.S_IMODE(os.stat(first).st_mode) == 0o600, 'a backup keeps the mode of the file it copies'
    assert sorted(n for n in os.listdir(str(tmp_path / 'sub')) if n.startswith('.')) == []


def test_backup_copy_never_overwrites_a_backup(tmp_path):
    path = tmp_path / 'f'
    path.write_text('x')
    names = {files.backup_copy(str(path)) for _attempt in range(3)}
    assert len(names) == 3
    assert files.backup_copy(str(tmp_path / 'missing')) is None


def test_atomic_open_discard_and_error_leave_the_target(tmp_path):
    path = str(tmp_path / 'archive.tar')
    files.atomic_write(path, b'old')
    with files.atomic_open(path) as out:
        out.write(b'new')
        out.discard()
    with pytest.raises(RuntimeError):
        with files.atomic_open(path) as out:
            out.write(b'half')
            raise RuntimeError('stream broke')
    assert open(path, 'rb').read() == b'old' and os.listdir(str(tmp_path)) == ['archive.tar']
    with pytest.raises(OSError, match='does not exist'):
        with files.atomic_open(str(tmp_path / 'no' / 'x'), dir_mode=None):
            pass


def test_backup_has_the_source_mode_before_any_byte_is_written(tmp_path, monkeypatch):
    """A backup of a 0600 file (haproxy.cfg with a stats password, daemon.json) is 0600 from the
    moment it exists: the mode is checked at the instant the content is copied into it, with a
    permissive umask that a plain copy would honour."""
    path = tmp_path / 'secret.cfg'
    path.write_text('stats auth admin:s3cret\n')
    os.chmod(path, 0o600)
    seen = []
    real_copy = files.shutil.copyfileobj

    def watching_copy(src, dst, *args):
        seen.append(stat.S_IMODE(os.fstat(dst.fileno()).st_mode))
        return real_copy(src, dst, *args)

    monkeypatch.setattr(files.shutil, 'copyfileobj', watching_copy)
    old_umask = os.umask(0o000)
    try:
        backup = files.backup_copy(str(path))
    finally:
        os.umask(old_umask)
    assert seen == [0o600]
    assert stat.S_IMODE(os.stat(backup).st_mode) == 0o600
    assert open(backup).read() == 'stats auth admin:s3cret\n'
