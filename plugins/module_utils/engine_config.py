# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""daemon.json: merge or replace, diff, which changes a reload applies, validation by dockerd
itself, and rollback (the atomic write with a backup is files.atomic_write).

Pure helpers (``merge``, ``render``, ``changed_keys``, ``needs_restart``, ``flag_conflicts``)
are plain functions; ``validate`` runs dockerd through a runner ``runner(argv) -> (rc, out, err)``.
"""

import json
import os
import shutil
import subprocess
import tempfile

from ansible_collections.berth.docker.plugins.module_utils import files
from ansible_collections.berth.docker.plugins.module_utils.errors import BerthError

DEFAULT_PATH = '/etc/docker/daemon.json'

# Keys dockerd applies on SIGHUP (dockerd's daemon.Reload and its reload callback, engine 20.10+).
# log-level is NOT among them (only debug is): changing log-level needs a restart.
RELOADABLE = frozenset([
    'debug', 'labels', 'live-restore', 'max-concurrent-downloads', 'max-concurrent-uploads',
    'max-download-attempts', 'default-runtime', 'runtimes', 'authorization-plugins',
    'insecure-registries', 'registry-mirrors', 'allow-nondistributable-artifacts',
    'shutdown-timeout', 'features', 'default-shm-size', 'default-ipc-mode', 'network-diagnostic-port',
])

# daemon.json keys that are also dockerd flags the service manager may pass; dockerd refuses a
# setting given both ways ("the following directives are specified both as a flag and in the
# configuration file")
FLAG_KEYS = {'hosts': '-H/--host', 'pidfile': '--pidfile', 'data-root': '--data-root', 'exec-root': '--exec-root'}


class DaemonConfigError(BerthError):
    """A daemon.json that cannot be read, merged or written: the message says why and what to do."""


def read(path):
    """(dict or None, raw text or None). A file that is not a JSON object raises DaemonConfigError."""
    try:
        with open(path) as handle:
            raw = handle.read()
    except FileNotFoundError:
        return None, None
    if not raw.strip():
        return {}, raw
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise DaemonConfigError('the current %s is not valid JSON (%s); fix it or use daemon_config_mode: exact' % (path, exc))
    if not isinstance(data, dict):
        raise DaemonConfigError('the current %s does not hold a JSON object' % path)
    return data, raw


def merge(current, wanted, mode='merge'):
    """The new daemon.json dict: ``wanted`` over ``current`` (top-level keys; a key set to None is
    removed), or exactly ``wanted`` with mode=exact."""
    if mode == 'exact':
        return {k: v for k, v in (wanted or {}).items() if v is not None}
    result = dict(current or {})
    for key, value in (wanted or {}).items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def render(config):
    return json.dumps(config, indent=2, sort_keys=True) + '\n'


def changed_keys(old, new):
    old = old or {}
    keys = set(old) | set(new)
    return sorted(k for k in keys if old.get(k, None) != new.get(k, None) or (k in old) != (k in new))


def needs_restart(keys):
    """The changed keys a reload does not apply (empty: a SIGHUP is enough)."""
    return sorted(k for k in keys if k not in RELOADABLE)


def flag_conflicts(config, flags):
    """Messages for daemon.json keys that the service already passes as flags.
    ``flags``: {daemon.json key: where the flag comes from}."""
    problems = []
    for key, origin in sorted(flags.items()):
        if key in config:
            problems.append(
                'daemon.json sets "%s" but %s already passes %s to dockerd, and dockerd refuses a setting given '
                'both as a flag and in the file ("the following directives are specified both as a flag and in '
                'the configuration file"). Remove "%s" from daemon_config, or drop the flag (for systemd: a '
                'drop-in /etc/systemd/system/docker.service.d/override.conf with an empty ExecStart= and an '
                'ExecStart=/usr/sbin/dockerd without it)' % (key, origin, FLAG_KEYS.get(key, key), key))
    return problems


def unit_flag_keys(execstart):
    """daemon.json keys set as flags in a systemd ExecStart line (for example ``-H fd://``)."""
    found = {}
    words = execstart.replace('=', ' ').split()
    for word in words:
        if word in ('-H', '--host'):
            found['hosts'] = 'the systemd unit (ExecStart %s)' % execstart.strip()
        elif word in ('-p', '--pidfile'):
            found['pidfile'] = 'the systemd unit'
        elif word in ('--data-root', '-g', '--graph'):
            found['data-root'] = 'the systemd unit'
        elif word == '--exec-root':
            found['exec-root'] = 'the systemd unit'
    return found


# dockerd's short flags and the daemon.json keys they set
_SHORT_FLAGS = {'-H': 'hosts', '-p': 'pidfile', '-g': 'data-root', '-b': 'bridge', '-D': 'debug', '-l': 'log-level',
                '-G': 'group', '-s': 'storage-driver'}


def argv_flag_keys(argv, config):
    """{daemon.json key of ``config``: origin} for the keys a running dockerd's command line
    (``argv``, from /proc/PID/cmdline) already sets as flags (``--bip``, ``--label`` for labels,
    ``--insecure-registry`` for insecure-registries, ``-H``, ...): dockerd refuses such a pair at start."""
    found = {}
    for word in argv[1:]:
        if word.startswith('--'):
            name = word[2:].split('=', 1)[0]
            if name == 'config-file':
                continue
            candidates = [name, name + 's', name[:-1] + 'ies' if name.endswith('y') else None,
                          {'host': 'hosts', 'graph': 'data-root'}.get(name)]
        elif word in _SHORT_FLAGS:
            name = word
            candidates = [_SHORT_FLAGS[word]]
        else:
            continue
        for key in candidates:
            if key and key in config:
                found[key] = 'the running dockerd\'s command line (%s)' % name if name.startswith('-') else \
                    'the running dockerd\'s command line (--%s)' % name
    return found


def describe_changes(old, new, keys):
    """'bip="10.9.0.1/24", debug, labels (removed)': the changed keys, with the new value when it is a
    short scalar (lists, objects and proxies, which may carry credentials, are only named)."""
    words = []
    for key in keys:
        if key not in (new or {}):
            words.append('%s (removed)' % key)
            continue
        value = new[key]
        text = json.dumps(value)
        if isinstance(value, (str, int, float, bool)) and key != 'proxies' and len(text) <= 80:
            words.append('%s=%s' % (key, text))
        else:
            words.append(key)
    return ', '.join(words)


def diff(old_raw, new_raw, path):
    return {'before': old_raw or '', 'after': new_raw, 'before_header': path, 'after_header': path}


# -- validation by dockerd ------------------------------------------------------------------------

def validate(config, path, dockerd='dockerd', runner=None, timeout=30):
    """None when dockerd accepts ``config``, else dockerd's own message (with the temporary file's
    name replaced by ``path``).

    Engines 23+ have ``dockerd --validate --config-file F``. Older ones (Debian's 20.10) do not;
    for them dockerd is started on a private scratch directory with a pidfile that names a live
    process (this one): dockerd loads and checks the whole configuration, then stops at the pidfile
    check ("pid file found") before it touches anything else. Keys that would point that scratch
    start elsewhere (hosts, pidfile, data-root, exec-root) are left out of the scratch copy."""
    scratch = tempfile.mkdtemp(prefix='berth-dockerd-validate-')
    try:
        tmp = os.path.join(scratch, 'daemon.json')
        with open(tmp, 'w') as handle:
            handle.write(render(config))
        rc, out, err = _run(runner, [dockerd, '--validate', '--config-file', tmp], timeout)
        text = (out + err).strip()
        if 'unknown flag: --validate' not in text:
            return None if rc == 0 else _clean(text, tmp, path)
        # dockerd < 23: the scratch start
        copy = {k: v for k, v in config.items() if k not in FLAG_KEYS}
        with open(tmp, 'w') as handle:
            handle.write(render(copy))
        pidfile = os.path.join(scratch, 'docker.pid')
        with open(pidfile, 'w') as handle:
            handle.write(str(os.getpid()))
        argv = [dockerd, '--config-file', tmp, '--pidfile', pidfile,
                '--data-root', os.path.join(scratch, 'root'), '--exec-root', os.path.join(scratch, 'exec'),
                '-H', 'unix://' + os.path.join(scratch, 'docker.sock')]
        rc, out, err = _run(runner, argv, timeout)
        text = (out + err).strip()
        if 'pid file found' in text:
            return None
        return _clean(text, tmp, path) or 'dockerd exited with %s while checking the configuration' % rc
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _clean(text, tmp, path):
    lines = [line for line in text.splitlines() if line.strip()]
    # the last error line is dockerd's reason; keep the whole text short
    return '\n'.join(lines[-5:]).replace(tmp, path)


def _run(runner, argv, timeout):
    if runner is not None:
        return runner(argv)
    try:
        proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                              stdin=subprocess.DEVNULL, check=False)
    except subprocess.TimeoutExpired:
        return 1, '', 'dockerd did not finish checking the configuration within %s s' % timeout
    except OSError as exc:
        return 127, '', 'cannot run %s: %s (is the engine installed?)' % (argv[0], exc)
    return proc.returncode, proc.stdout.decode('utf-8', 'replace'), proc.stderr.decode('utf-8', 'replace')


# -- writing ---------------------------------------------------------------------------------------

def snapshot_file(path):
    """The file as it is now, for an exact restore: None when there is none, else its bytes,
    mode, owner and times."""
    try:
        with open(path, 'rb') as handle:
            data = handle.read()
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return {'data': data, 'mode': st.st_mode & 0o7777, 'uid': st.st_uid, 'gid': st.st_gid,
            'atime_ns': st.st_atime_ns, 'mtime_ns': st.st_mtime_ns}


def restore_file(path, snapshot):
    """Put the file back exactly as ``snapshot_file`` saw it (bytes, mode, owner, times), or
    remove it when there was none. Returns what was done, in words."""
    if snapshot is None:
        if os.path.lexists(path):
            os.unlink(path)
            return 'removed %s (there was none before)' % path
        return '%s is absent, as before' % path
    files.atomic_write(path, snapshot['data'], mode=snapshot['mode'])
    try:
        os.chown(path, snapshot['uid'], snapshot['gid'])
    except OSError:
        pass
    os.utime(path, ns=(snapshot['atime_ns'], snapshot['mtime_ns']))
    return 'restored the previous %s byte for byte' % path


def restore(path, old_raw):
    """Put the previous content back (or remove the file when there was none)."""
    if old_raw is None:
        if os.path.exists(path):
            os.unlink(path)
        return
    files.atomic_write(path, old_raw)
