# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Running the engine: systemd when it is PID 1, otherwise dockerd started directly as a daemon
(pidfile + log file), which is how the engine runs in containers and on hosts without an init
system. Both wait until the engine answers ``GET /_ping`` through the shared EngineClient.

A manager exposes ``status()`` ({'active', 'enabled', 'pid'}), ``start``, ``stop``, ``restart``,
``reload``, ``enable``, ``disable``, ``flag_keys()`` (daemon.json keys it already passes as
dockerd flags), ``recent_log()`` (the engine's own words when something failed), ``snapshot()``
(how the running dockerd was started: its command line, environment and working directory from
/proc, recorded before anything is touched) and ``bring_back(snapshot)`` (start the engine again
exactly that way after a refused configuration, and wait until it answers).
"""

import os
import re
import shlex
import signal
import subprocess
import time

from ansible_collections.berth.docker.plugins.module_utils.api import (
    DEFAULT_DOCKER_HOST,
    ConnectionConfig,
    DockerError,
    EngineClient,
)
from ansible_collections.berth.docker.plugins.module_utils.engine_config import unit_flag_keys
from ansible_collections.berth.docker.plugins.module_utils.errors import BerthError

DEFAULT_PIDFILE = '/var/run/docker.pid'
DEFAULT_LOG_FILE = '/var/log/dockerd.log'
# the file dockerd reads without --config-file (and does not require)
DEFAULT_CONFIG_FILE = '/etc/docker/daemon.json'

# dockerd's own line when it refuses to start ("failed to start daemon: ...", a fatal log entry,
# "unable to configure the Docker daemon with file ...")
_REASON = re.compile(r'failed to start daemon|level=fatal|unable to configure the Docker daemon|'
                     r'Pool overlaps|level=error')


class EngineServiceError(BerthError):
    """dockerd could not be started, stopped or restarted: the message carries its own words."""


def systemd_is_init():
    try:
        with open('/proc/1/comm') as handle:
            if handle.read().strip() == 'systemd':
                return True
    except OSError:
        pass
    return os.path.isdir('/run/systemd/system')


def ping(docker_host, timeout=3):
    client = EngineClient(ConnectionConfig(docker_host=docker_host, timeout=timeout))
    try:
        client.ping()
        return True
    except DockerError:
        return False
    finally:
        client.close()


def wait_ping(docker_host, timeout, alive=None):
    """True once the engine answers; False on timeout or when ``alive()`` says the process died."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if ping(docker_host):
            return True
        if alive is not None and not alive():
            return False
        time.sleep(0.25)
    return False


def dockerd_reason(log_text):
    """dockerd's own reason for not starting, from the tail of its log: the last "failed to start
    daemon" / fatal / "unable to configure" line, else the last error line, else None."""
    lines = [line.strip() for line in (log_text or '').splitlines() if line.strip()]
    for pattern in ('failed to start daemon', 'unable to configure the Docker daemon', 'level=fatal'):
        for line in reversed(lines):
            if pattern in line:
                return line[:1000]
    for line in reversed(lines):
        if _REASON.search(line):
            return line[:1000]
    return None


def process_snapshot(pid, proc='/proc'):
    """How process ``pid`` was started: {'pid', 'argv', 'env' (dict or None when unreadable), 'cwd'}.
    None when the process is gone."""
    base = os.path.join(proc, str(pid))
    try:
        with open(os.path.join(base, 'cmdline'), 'rb') as handle:
            raw = handle.read()
    except OSError:
        return None
    argv = [os.fsdecode(word) for word in raw.split(b'\0')]
    if argv and argv[-1] == '':
        argv.pop()
    if not argv:
        return None
    env = None
    try:
        with open(os.path.join(base, 'environ'), 'rb') as handle:
            env = {}
            for item in handle.read().split(b'\0'):
                if b'=' in item:
                    key, value = item.split(b'=', 1)
                    env[os.fsdecode(key)] = os.fsdecode(value)
    except OSError:
        env = None
    try:
        cwd = os.readlink(os.path.join(base, 'cwd'))
    except OSError:
        cwd = None
    return {'pid': pid, 'argv': argv, 'env': env, 'cwd': cwd}


def argv_config_file(argv):
    """The --config-file a dockerd command line names, or None (dockerd then reads
    /etc/docker/daemon.json if it exists)."""
    found = None
    for index, word in enumerate(argv[1:], 1):
        if word == '--config-file' and index + 1 < len(argv):
            found = argv[index + 1]
        elif word.startswith('--config-file='):
            found = word.split('=', 1)[1]
    return found


def shell_line(argv):
    return ' '.join(shlex.quote(word) for word in argv)


class SystemdManager:
    name = 'systemd'

    def __init__(self, runner, docker_host=DEFAULT_DOCKER_HOST, unit='docker', timeout=60):
        self.runner = runner
        self.docker_host = docker_host
        self.unit = unit
        self.timeout = timeout

    def _ctl(self, *args):
        return self.runner(['systemctl'] + list(args))

    def status(self):
        rc, out, err = self._ctl('show', self.unit, '-p', 'ActiveState', '-p', 'UnitFileState', '-p', 'MainPID',
                                 '-p', 'LoadState')
        values = dict(line.split('=', 1) for line in out.splitlines() if '=' in line)
        pid = int(values.get('MainPID') or 0) or None
        return {
            'active': values.get('ActiveState') in ('active', 'reloading'),
            'enabled': values.get('UnitFileState') in ('enabled', 'enabled-runtime', 'static', 'alias'),
            'pid': pid,
            'loaded': values.get('LoadState') == 'loaded',
        }

    def flag_keys(self):
        rc, out, err = self._ctl('show', self.unit, '-p', 'ExecStart', '--value')
        match = re.search(r'argv\[\]=([^;]*)', out)
        line = match.group(1) if match else out
        return unit_flag_keys(line)

    def _act(self, verb):
        rc, out, err = self._ctl(verb, self.unit)
        if rc != 0:
            raise EngineServiceError('systemctl %s %s failed: %s\n%s' % (verb, self.unit, (err or out).strip(), self.recent_log()))

    def start(self):
        self._act('start')
        self._wait()

    def restart(self):
        self._act('restart')
        self._wait()

    def reload(self):
        self._act('reload')
        self._wait()

    def stop(self):
        self._act('stop')
        # socket activation would start it again on the next request
        self._ctl('stop', self.unit + '.socket')

    def enable(self):
        self._act('enable')

    def disable(self):
        self._act('disable')

    def reset_failed(self):
        self._ctl('reset-failed', self.unit)

    def snapshot(self):
        """The running engine's MainPID command line (for the record; systemd starts it again)."""
        pid = self.status().get('pid')
        return process_snapshot(pid) if pid else None

    def restart_with(self, snapshot):
        self.restart()

    def check_config_file(self, snapshot):
        return None

    def bring_back(self, snapshot):
        """After a refused configuration (the old file is back): clear the unit's failed state and
        start limit, restart it, wait until the engine answers."""
        self.reset_failed()
        self.restart()

    def how_to_start(self, snapshot):
        return 'systemctl reset-failed %s && systemctl start %s (then journalctl -u %s)' % (self.unit, self.unit, self.unit)

    def _wait(self):
        if not wait_ping(self.docker_host, self.timeout):
            raise EngineServiceError('the engine did not answer on %s within %s s after systemctl: %s' % (
                self.docker_host, self.timeout, self.recent_log()))

    def recent_log(self, lines=15):
        rc, out, err = self.runner(['journalctl', '-u', self.unit, '-n', str(lines), '--no-pager', '-o', 'cat'])
        return out.strip()


class DirectManager:
    """dockerd as a plain daemon: started with setsid, output to a log file, its PID in a pidfile.
    Only the flags that differ from dockerd's defaults are passed, so a second engine can run next
    to the main one (own socket, pidfile, data-root and exec-root)."""

    name = 'direct'

    def __init__(self, docker_host=DEFAULT_DOCKER_HOST, config_file='/etc/docker/daemon.json', pidfile=None,
                 data_root=None, exec_root=None, log_file=None, dockerd='dockerd', timeout=60):
        self.docker_host = docker_host or DEFAULT_DOCKER_HOST
        self.config_file = config_file
        self.pidfile = pidfile or DEFAULT_PIDFILE
        self.data_root = data_root
        self.exec_root = exec_root
        self.log_file = log_file or DEFAULT_LOG_FILE
        self.dockerd = dockerd
        self.timeout = timeout
        self._log_offset = None

    def flags(self):
        """{daemon.json key: flag value} of the flags this manager passes."""
        flags = {}
        host = self.docker_host
        if host.startswith('/'):
            host = 'unix://' + host
        if host != DEFAULT_DOCKER_HOST:
            flags['hosts'] = host
        if self.pidfile != DEFAULT_PIDFILE:
            flags['pidfile'] = self.pidfile
        if self.data_root:
            flags['data-root'] = self.data_root
        if self.exec_root:
            flags['exec-root'] = self.exec_root
        return flags

    def flag_keys(self):
        return {key: 'the direct daemon (module option for %s)' % key for key in self.flags()}

    def argv(self):
        flags = self.flags()
        argv = [self.dockerd]
        if self.config_file != DEFAULT_CONFIG_FILE:
            # dockerd reads the default file by itself, and does not fail when it is absent; an
            # explicit --config-file must exist
            argv += ['--config-file', self.config_file]
        if 'hosts' in flags:
            argv += ['-H', flags['hosts']]
        if 'pidfile' in flags:
            argv += ['--pidfile', flags['pidfile']]
        if 'data-root' in flags:
            argv += ['--data-root', flags['data-root']]
        if 'exec-root' in flags:
            argv += ['--exec-root', flags['exec-root']]
        return argv

    def pid(self):
        try:
            with open(self.pidfile) as handle:
                pid = int(handle.read().strip() or 0)
        except (OSError, ValueError):
            return None
        if pid and _alive(pid) and _comm(pid) == os.path.basename(self.dockerd):
            return pid
        return None

    def status(self):
        pid = self.pid()
        return {'active': pid is not None, 'enabled': 'n/a', 'pid': pid, 'loaded': True}

    def _mark_log(self):
        try:
            self._log_offset = os.path.getsize(self.log_file)
        except OSError:
            self._log_offset = 0

    def recent_log(self, lines=15):
        try:
            with open(self.log_file, 'rb') as handle:
                if self._log_offset:
                    handle.seek(self._log_offset)
                text = handle.read().decode('utf-8', 'replace')
        except OSError:
            return ''
        return '\n'.join(text.strip().splitlines()[-lines:])

    def snapshot(self):
        pid = self.pid()
        return process_snapshot(pid) if pid else None

    def argv_from(self, snapshot):
        """The recorded command line, started through ``dockerd_path`` when that is set (a wrapper,
        for example one that enters a network namespace, execs the real dockerd with the same
        arguments: the recorded argv[0] is the real binary)."""
        argv = list(snapshot['argv'])
        if self.dockerd != 'dockerd':
            argv[0] = self.dockerd
        return argv

    def check_config_file(self, snapshot):
        """None, or why the running dockerd would not read ``config_file`` when started its way."""
        named = argv_config_file(snapshot['argv'])
        if named is None and self.config_file == DEFAULT_CONFIG_FILE:
            return None
        if named is not None and os.path.abspath(named) == os.path.abspath(self.config_file):
            return None
        if named is None:
            return None  # restart_with adds --config-file
        return ('dockerd (pid %s) runs with --config-file %s, not daemon_config_path %s: the change would not be '
                'applied. Set daemon_config_path: %s' % (snapshot['pid'], named, self.config_file, named))

    def restart_with(self, snapshot):
        """Stop the running dockerd and start it with its own command line and environment
        (adding --config-file when it named none and daemon_config_path is not the default)."""
        argv = self.argv_from(snapshot) if snapshot else self.argv()
        if snapshot and argv_config_file(argv) is None and self.config_file != DEFAULT_CONFIG_FILE:
            argv += ['--config-file', self.config_file]
        self.stop()
        self.start(argv, snapshot and snapshot.get('env'), snapshot and snapshot.get('cwd'))

    def bring_back(self, snapshot):
        """Start dockerd again exactly as it ran (recorded command line, environment, working
        directory) and wait until it answers /_ping."""
        if self.pid() and ping(self.docker_host):
            return  # it never went down (stop timed out)
        if self.pid():
            self.stop()
        if snapshot is None:
            self.start()
        else:
            self.start(self.argv_from(snapshot), snapshot.get('env'), snapshot.get('cwd'))

    def how_to_start(self, snapshot):
        argv = self.argv_from(snapshot) if snapshot else self.argv()
        return 'setsid %s >> %s 2>&1 < /dev/null &' % (shell_line(argv), shell_line([self.log_file]))

    def start(self, argv=None, env=None, cwd=None):
        if self.pid():
            return
        argv = argv or self.argv()
        if os.path.exists(self.pidfile):
            os.unlink(self.pidfile)  # stale: its process is gone
        directory = os.path.dirname(self.log_file)
        if directory and not os.path.isdir(directory):
            os.makedirs(directory, 0o755)
        if cwd and not os.path.isdir(cwd):
            cwd = None
        self._mark_log()
        with open(self.log_file, 'ab') as log, open(os.devnull, 'rb') as devnull:
            proc = subprocess.Popen(argv, stdin=devnull, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd,
                                    close_fds=True, start_new_session=True)

        def alive():
            return proc.poll() is None

        if not wait_ping(self.docker_host, self.timeout, alive):
            code = proc.poll()
            if code is None:
                proc.terminate()
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
            raise EngineServiceError('dockerd (%s) did not answer on %s within %s s%s; its log %s says:\n%s' % (
                shell_line(argv), self.docker_host, self.timeout,
                '' if code is None else ' and exited with %s' % code, self.log_file, self.recent_log()))

    def stop(self, timeout=None):
        pid = self.pid()
        if not pid:
            return
        os.kill(pid, signal.SIGTERM)
        deadline = time.time() + (timeout or self.timeout)
        while time.time() < deadline:
            if not _alive(pid):
                return
            time.sleep(0.2)
        raise EngineServiceError('dockerd (pid %s) did not stop within %s s after SIGTERM' % (pid, timeout or self.timeout))

    def restart(self):
        self.restart_with(self.snapshot())

    def reload(self):
        pid = self.pid()
        if not pid:
            raise EngineServiceError('cannot reload: no dockerd runs with pidfile %s' % self.pidfile)
        self._mark_log()
        os.kill(pid, signal.SIGHUP)
        # dockerd logs the outcome of the reload; wait for it (it takes milliseconds)
        deadline = time.time() + 10
        while time.time() < deadline:
            text = self.recent_log(lines=50)
            if 'Reloaded configuration' in text:
                break
            if 'Error reconfiguring the daemon' in text or 'unable to configure the Docker daemon' in text:
                raise EngineServiceError('dockerd refused the new configuration on reload: %s' % text)
            time.sleep(0.1)
        if not wait_ping(self.docker_host, self.timeout):
            raise EngineServiceError('the engine stopped answering on %s after SIGHUP: %s' % (self.docker_host, self.recent_log()))

    def enable(self):
        pass

    def disable(self):
        pass

    def reset_failed(self):
        pass


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie (exited child not yet reaped) is not alive
    try:
        with open('/proc/%d/stat' % pid) as handle:
            return handle.read().split(') ', 1)[1][:1] != 'Z'
    except (OSError, IndexError):
        return True


def _comm(pid):
    try:
        with open('/proc/%d/comm' % pid) as handle:
            return handle.read().strip()
    except OSError:
        return None
