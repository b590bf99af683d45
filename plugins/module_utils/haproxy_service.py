# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HAProxy service: validate a rendered configuration with ``haproxy -c -f``,
write it atomically (with an optional backup), and apply it with a hitless reload:

- ``systemd``: ``systemctl reload UNIT`` (start when inactive);
- ``master_worker``: a master-worker daemon ``haproxy -W -D -p PIDFILE -S MASTER_SOCK -f CFG``
  reloaded with ``SIGUSR2``; success or failure is read from the master CLI (``show proc``:
  the reload counter and its ``failed`` counter);
- ``sf``: the last resort, ``haproxy -D -p PIDFILE -f CFG -sf OLD_PIDS``;
- ``none``: the file only.

A reload that fails puts the previous file back, reloads again, and reports HAProxy's error.
Standard library only (subprocess, os, signal)."""

import difflib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

from ansible_collections.berth.docker.plugins.module_utils import files
from ansible_collections.berth.docker.plugins.module_utils import haproxy_config as cfg
from ansible_collections.berth.docker.plugins.module_utils import host_network
from ansible_collections.berth.docker.plugins.module_utils.errors import BerthError
from ansible_collections.berth.docker.plugins.module_utils.haproxy_syntax import mask
from ansible_collections.berth.docker.plugins.module_utils.haproxy_runtime import HAProxyRuntimeError, RuntimeSocket


class HAProxyServiceError(BerthError):
    """Validation, start or reload failed; the message carries HAProxy's own words."""


def _run(cmd, timeout=60):
    # cwd=/ : a daemon started from Ansible's temporary directory, which is deleted after the task, cannot
    # re-execute itself on a master-worker reload (every later reload fails)
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=timeout, check=False, cwd='/')
    except FileNotFoundError:
        raise HAProxyServiceError('%s not found: install HAProxy (the berth.docker.haproxy role does) or set haproxy_bin' % cmd[0])
    except subprocess.TimeoutExpired:
        raise HAProxyServiceError('%s did not finish within %ss' % (' '.join(cmd), timeout))
    return proc.returncode, proc.stdout.decode('utf-8', 'replace')


ANSI = re.compile(r'\x1b\[[0-9;]*m')


def _clean(text, tmp_path=None, real_path=None):
    text = ANSI.sub('', text or '')
    if tmp_path and real_path:
        text = text.replace(tmp_path, real_path)
    return text.strip()


def check_config(haproxy_bin, text, path):
    """Run ``haproxy -c -f`` on ``text`` (written to a temporary file beside ``path``, so
    relative paths resolve as they will). Raises HAProxyServiceError with HAProxy's message."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        directory = None
    fd, tmp = tempfile.mkstemp(prefix='.haproxy-check-', suffix='.cfg', dir=directory)
    try:
        with os.fdopen(fd, 'w', encoding='utf-8') as handle:
            handle.write(text)
        rc, out = _run([haproxy_bin, '-c', '-f', tmp])
    finally:
        os.unlink(tmp)
    if rc != 0:
        raise HAProxyServiceError('haproxy -c rejected the configuration (nothing was changed):\n%s' % mask(_clean(out, tmp, path)))
    return mask(_clean(out, tmp, path))


def read_text(path):
    try:
        with open(path, encoding='utf-8', errors='surrogateescape') as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def file_mode(path):
    try:
        return '%04o' % (os.stat(path).st_mode & 0o7777)
    except FileNotFoundError:
        return None


def unified_diff(before, after, path):
    """A unified diff of two haproxy.cfg texts, passwords masked (cfg.mask) on both sides."""
    before, after = mask(before), mask(after)
    return ''.join(difflib.unified_diff((before or '').splitlines(True), (after or '').splitlines(True),
                                        fromfile='%s (before)' % path, tofile='%s (after)' % path))


# --------------------------------------------------------------------------- service managers

def _pid_alive(pid):
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as handle:
            cmdline = handle.read()
        with open('/proc/%d/stat' % pid) as handle:
            state = handle.read().rsplit(')', 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return b'haproxy' in cmdline and state != 'Z'


def _read_pids(pid_file):
    try:
        with open(pid_file) as handle:
            return [int(x) for x in handle.read().split() if x.strip().isdigit()]
    except FileNotFoundError:
        return []


def _children(pid):
    kids = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % entry) as handle:
                fields = handle.read().rsplit(')', 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid and fields[0] != 'Z':
            kids.append(int(entry))
    return sorted(kids)


def parse_show_proc(text):
    """Master CLI ``show proc`` -> {'master': pid, 'reloads': n, 'failed': n, 'workers': [pids]}."""
    out = {'master': None, 'reloads': None, 'failed': 0, 'workers': []}
    for line in text.splitlines():
        match = re.match(r'^(\d+)\s+master\s+(\d+)(?:\s+\[failed:\s*(\d+)\])?', line)
        if match:
            out['master'] = int(match.group(1))
            out['reloads'] = int(match.group(2))
            out['failed'] = int(match.group(3) or 0)
            continue
        match = re.match(r'^(\d+)\s+worker\s', line)
        if match:
            out['workers'].append(int(match.group(1)))
    return out


def show_proc(master_socket):
    """The parsed ``show proc`` of the master CLI at ``master_socket``, or None."""
    if not master_socket or not os.path.exists(master_socket):
        return None
    try:
        answer = RuntimeSocket(master_socket, timeout=2.0).command('show proc', close_with_quit=True)
    except HAProxyRuntimeError:
        return None
    parsed = parse_show_proc(answer)
    return parsed if parsed['master'] else None


def await_reload(pid, before, old_workers, show, timeout):
    """After a reload was triggered (SIGUSR2 to the master ``pid``), wait until new workers run.
    ``before``: ``show proc`` before the reload (None without a master CLI: then new children of
    the master are the only sign). Raises HAProxyServiceError when HAProxy refused the new configuration:
    a master-worker HAProxy keeps its old workers then, and a systemd unit (``kill -USR2``) still
    reports success."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        time.sleep(0.1)
        if before is not None:
            now = show()
            if now is None or now['reloads'] is None or now['reloads'] <= before['reloads']:
                continue
            if now['failed'] > before['failed']:
                raise HAProxyServiceError(
                    'HAProxy refused the new configuration on reload (master CLI: %d failed reloads) and kept '
                    'serving with the old workers. "haproxy -c" accepted the file, so the cause is something only a '
                    'real start finds: usually a bind address or port that cannot be bound (in use without '
                    'SO_REUSEPORT, or a privileged port) or a certificate that cannot be read.' % now['failed'])
            if set(now['workers']) - old_workers:
                return
        else:
            if not _pid_alive(pid):
                raise HAProxyServiceError('the HAProxy master (pid %d) died during the reload' % pid)
            if set(_children(pid)) - old_workers:
                return
    raise HAProxyServiceError('HAProxy did not start a new worker within %ss after the reload signal; the new configuration '
                              'was most likely refused (bind failure)' % timeout)


class Manager:
    kind = 'none'

    def running(self):
        return False

    def start(self):
        pass

    def reload(self):
        pass

    def stop(self):
        pass


class Systemd(Manager):
    """``systemctl reload``; Debian's unit runs ``haproxy -Ws ... -S /run/haproxy-master.sock`` and reloads
    with ``kill -USR2 $MAINPID``, which exits 0 even when the new workers cannot start: the outcome is read
    from the master CLI (the ``-S`` socket of the running master) or, without one, from its children."""

    kind = 'systemd'

    def __init__(self, unit, timeout=15.0):
        self.unit = unit
        self.timeout = timeout

    def main_pid(self):
        _rc, out = _run(['systemctl', 'show', '-p', 'MainPID', '--value', self.unit])
        pid = int(out.strip()) if out.strip().isdigit() else 0
        return pid if pid and _pid_alive(pid) else None

    @staticmethod
    def master_socket(pid):
        """The ``-S`` master CLI socket on the command line of the master ``pid``, or None."""
        try:
            with open('/proc/%d/cmdline' % pid, 'rb') as handle:
                args = handle.read().decode('utf-8', 'replace').split('\0')
        except OSError:
            return None
        for index, arg in enumerate(args[:-1]):
            if arg == '-S' and args[index + 1]:
                path = args[index + 1].split(',')[0]
                return path if not path.startswith(('ipv4@', 'ipv6@', 'tcp@')) else None
        return None

    def _alerts(self, since):
        _rc, out = _run(['journalctl', '-u', self.unit, '--since', '@%d' % since, '--no-pager', '-o', 'cat'])
        lines = [line for line in out.splitlines() if 'ALERT' in line or 'cannot' in line.lower()]
        return '\n'.join(lines[-15:] or out.splitlines()[-15:])

    def running(self):
        rc, _out = _run(['systemctl', 'is-active', '--quiet', self.unit])
        return rc == 0

    def _journal(self):
        _rc, out = _run(['journalctl', '-u', self.unit, '-n', '20', '--no-pager'])
        return out

    def start(self):
        rc, out = _run(['systemctl', 'start', self.unit])
        if rc != 0:
            raise HAProxyServiceError('systemctl start %s failed: %s\n%s' % (self.unit, out.strip(), self._journal()))

    def reload(self):
        pid = self.main_pid()
        sock = self.master_socket(pid) if pid else None
        before = show_proc(sock)
        if before is None and sock:
            time.sleep(0.5)  # the master may be re-executing after an earlier reload
            before = show_proc(sock)
        old_workers = set(_children(pid)) if pid else set()
        since = int(time.time()) - 1
        rc, out = _run(['systemctl', 'reload', self.unit])
        if rc != 0:
            raise HAProxyServiceError('systemctl reload %s failed: %s\n%s' % (self.unit, out.strip(), self._journal()))
        if not pid:
            return
        try:
            await_reload(pid, before, old_workers, lambda: show_proc(sock), self.timeout)
        except HAProxyServiceError as exc:
            raise HAProxyServiceError('%s\nsystemctl reload %s exited 0, but HAProxy said:\n%s' % (
                exc, self.unit, mask(self._alerts(since))))

    def stop(self):
        _run(['systemctl', 'stop', self.unit])

    def is_enabled(self):
        rc, _out = _run(['systemctl', 'is-enabled', '--quiet', self.unit])
        return rc == 0

    def enable(self):
        rc, out = _run(['systemctl', 'enable', self.unit])
        if rc != 0:
            raise HAProxyServiceError('systemctl enable %s failed: %s' % (self.unit, out.strip()))


class MasterWorker(Manager):
    """``haproxy -W -D -p PIDFILE -S MASTER_SOCK -f CFG``; reload = SIGUSR2 to the master."""

    kind = 'master_worker'

    def __init__(self, haproxy_bin, config, pid_file, master_socket, timeout=15.0):
        self.bin = haproxy_bin
        self.config = config
        self.pid_file = pid_file
        self.master_socket = master_socket
        self.timeout = timeout

    def master_pid(self):
        for pid in _read_pids(self.pid_file)[:1]:
            if _pid_alive(pid):
                return pid
        return None

    def running(self):
        return self.master_pid() is not None

    def show_proc(self):
        return show_proc(self.master_socket)

    def start(self):
        cmd = [self.bin, '-W', '-D', '-p', self.pid_file]
        if self.master_socket:
            cmd += ['-S', self.master_socket]
        cmd += ['-f', self.config]
        rc, out = _run(cmd)
        if rc != 0:
            raise HAProxyServiceError('starting HAProxy (%s) failed:\n%s' % (' '.join(cmd), _clean(out)))
        deadline = time.time() + self.timeout
        while time.time() < deadline:
            pid = self.master_pid()
            # ready when a worker runs and the master CLI answers (a SIGUSR2 before that is lost)
            if pid and _children(pid) and (not self.master_socket or self.show_proc() is not None):
                return
            time.sleep(0.1)
        raise HAProxyServiceError('HAProxy (%s) did not come up within %ss' % (' '.join(cmd), self.timeout))

    def reload(self):
        pid = self.master_pid()
        before = self.show_proc()
        if before is None and self.master_socket:
            time.sleep(0.5)  # the master may be re-executing after an earlier reload
            before = self.show_proc()
        old_workers = set(_children(pid))
        os.kill(pid, signal.SIGUSR2)
        await_reload(pid, before, old_workers, self.show_proc, self.timeout)

    def stop(self):
        pid = self.master_pid()
        if pid:
            os.kill(pid, signal.SIGUSR1)


class SoftStop(Manager):
    """The last resort: a plain daemon replaced by a new one with ``-sf OLD_PIDS``."""

    kind = 'sf'

    def __init__(self, haproxy_bin, config, pid_file):
        self.bin = haproxy_bin
        self.config = config
        self.pid_file = pid_file

    def pids(self):
        return [p for p in _read_pids(self.pid_file) if _pid_alive(p)]

    def running(self):
        return bool(self.pids())

    def start(self):
        rc, out = _run([self.bin, '-D', '-p', self.pid_file, '-f', self.config])
        if rc != 0:
            raise HAProxyServiceError('starting HAProxy failed:\n%s' % _clean(out))

    def reload(self):
        rc, out = _run([self.bin, '-D', '-p', self.pid_file, '-f', self.config, '-sf'] + [str(p) for p in self.pids()])
        if rc != 0:
            raise HAProxyServiceError('HAProxy refused the new configuration on reload (-sf):\n%s' % _clean(out))

    def stop(self):
        for pid in self.pids():
            os.kill(pid, signal.SIGUSR1)


def systemd_is_pid1():
    return os.path.isdir('/run/systemd/system')


def make_manager(params):
    mode = params.get('service_mgr') or 'auto'
    if mode == 'auto':
        mode = 'systemd' if systemd_is_pid1() and shutil.which('systemctl') else 'master_worker'
    if mode == 'systemd':
        return Systemd(params.get('service_name') or 'haproxy', float(params.get('reload_timeout') or 15))
    pid_file = params.get('pid_file') or '/run/haproxy.pid'
    if mode == 'master_worker':
        master = params.get('master_socket')
        if master is None:
            master = os.path.splitext(pid_file)[0] + '-master.sock'
        return MasterWorker(params.get('haproxy_bin') or 'haproxy', params['path'], pid_file, master or None,
                            float(params.get('reload_timeout') or 15))
    if mode == 'sf':
        return SoftStop(params.get('haproxy_bin') or 'haproxy', params['path'], pid_file)
    return Manager()


# --------------------------------------------------------------------------- orchestration

def apply(params, check_mode, diff_mode=False, addresses=None):
    """berth.docker.haproxy: returns the result dict; raises cfg.HAProxyConfigError / HAProxyServiceError."""
    path = params['path']
    mode = int(params.get('mode') or '0600', 8)
    before = read_text(path)
    result = {'changed': False, 'path': path, 'backup_file': None, 'reloaded': False, 'started': False, 'enabled': False}
    if params['state'] == 'absent':
        if before is not None:
            result['changed'] = True
            if diff_mode:
                result['diff'] = {'before': mask(before), 'after': '', 'before_header': path, 'after_header': path}
            if not check_mode:
                if params.get('backup'):
                    result['backup_file'] = files.backup_copy(path, '.%d~' % os.getpid())
                os.unlink(path)
        return result

    model = build_model(params)
    host_addrs = None
    if params.get('check_bind_addresses', True):
        host_addrs = addresses if addresses is not None else host_network.host_addresses()
    cfg.validate(model, host_addrs)
    # the current file's password hashes are reused while the passwords still match (a new salt on every
    # run would change the file every time)
    text = cfg.render(model, previous_text=before)
    if params.get('check_bind_addresses', True) and before != text:
        cfg.check_bind_ports(model, host_network.port_holders)
    result['socket'] = cfg.socket_path(model)
    content_changed = before != text
    mode_changed = file_mode(path) not in (None, '%04o' % mode)
    manager = make_manager(params)
    result['service_mgr'] = manager.kind
    running = manager.running()
    need_start = bool(params.get('start', True)) and manager.kind != 'none' and not running
    haproxy_bin = params.get('haproxy_bin') or 'haproxy'
    if content_changed and params.get('validate', True):
        if check_mode and not (shutil.which(haproxy_bin) or os.path.exists(haproxy_bin)):
            # check mode on a fresh host: the package install before this task was only simulated
            result['warnings'] = ['%s is not installed yet: the configuration was not validated in check mode '
                                  '(the real run validates it before writing)' % haproxy_bin]
        else:
            check_config(haproxy_bin, text, path)
    need_enable = manager.kind == 'systemd' and bool(params.get('enabled', True)) and not manager.is_enabled()
    result['changed'] = content_changed or mode_changed or need_start or need_enable
    result['enabled'] = need_enable
    if diff_mode and content_changed:
        result['diff'] = {'before': mask(before or ''), 'after': mask(text),
                          'before_header': '%s (before)' % path, 'after_header': '%s (after)' % path}
        result['unified_diff'] = unified_diff(before, text, path)
    if check_mode:
        result['reloaded'] = content_changed and running and params.get('reload', True)
        result['started'] = need_start
        return result
    sock_dir = cfg.socket_dir(model)
    if sock_dir and not os.path.isdir(sock_dir):
        os.makedirs(sock_dir, mode=0o755)
    if content_changed:
        if params.get('backup') and before is not None:
            result['backup_file'] = files.backup_copy(path, '.%d~' % os.getpid())
        files.atomic_write(path, text, mode, dir_mode=0o777)
    elif mode_changed:
        os.chmod(path, mode)
    if need_enable:
        manager.enable()
    if running and content_changed and params.get('reload', True):
        try:
            manager.reload()
            result['reloaded'] = True
        except HAProxyServiceError as exc:
            _rollback(path, before, mode, manager)
            raise HAProxyServiceError('%s\nThe previous %s was restored and HAProxy reloaded with it.' % (exc, path))
    elif need_start:
        try:
            manager.start()
            result['started'] = True
        except HAProxyServiceError as exc:
            if content_changed and before is not None:
                files.atomic_write(path, before, mode, dir_mode=0o777)
                raise HAProxyServiceError('%s\nThe previous %s was restored (HAProxy was not running).' % (exc, path))
            raise
    return result


def _rollback(path, before, mode, manager):
    if before is None:
        os.unlink(path)
        return
    files.atomic_write(path, before, mode, dir_mode=0o777)
    try:
        manager.reload()
    except HAProxyServiceError:
        pass  # the old workers are still serving the old configuration in every mode we drive


def build_model(params):
    """The module's options -> the model haproxy_config validates and renders."""
    keys = ('global_settings', 'defaults', 'frontends', 'backends', 'listens', 'stats', 'stats_socket', 'resolvers')
    return {key: params.get(key) for key in keys}
