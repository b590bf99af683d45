# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Running the engine: systemd when it is PID 1, otherwise dockerd started directly as a daemon
(pidfile + log file), which is how the engine runs in containers and on hosts without an init
system. Both wait until the engine answers ``GET /_ping`` through the shared EngineClient.

A manager exposes ``status()`` ({'active', 'enabled', 'pid'}), ``start``, ``stop``, ``restart``,
``reload``, ``enable``, ``disable``, ``flag_keys()`` (daemon.json keys it already passes as
dockerd flags) and ``recent_log()`` (the engine's own words when something failed).
"""

import os
import re
import signal
import subprocess
import time

from ansible_collections.berth.docker.plugins.module_utils.api import (
    DEFAULT_DOCKER_HOST,
    ConnectionConfig,
    DockerError,
    EngineClient,
)

DEFAULT_PIDFILE = '/var/run/docker.pid'
DEFAULT_LOG_FILE = '/var/log/dockerd.log'


class ServiceError(Exception):
    pass


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
        from ansible_collections.berth.docker.plugins.module_utils.engine_config import unit_flag_keys
        return unit_flag_keys(line)

    def _act(self, verb):
        rc, out, err = self._ctl(verb, self.unit)
        if rc != 0:
            raise ServiceError('systemctl %s %s failed: %s\n%s' % (verb, self.unit, (err or out).strip(), self.recent_log()))

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

    def _wait(self):
        if not wait_ping(self.docker_host, self.timeout):
            raise ServiceError('the engine did not answer on %s within %s s after systemctl: %s' % (
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
        argv = [self.dockerd, '--config-file', self.config_file]
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

    def start(self):
        if self.pid():
            return
        if os.path.exists(self.pidfile):
            os.unlink(self.pidfile)  # stale: its process is gone
        directory = os.path.dirname(self.log_file)
        if directory and not os.path.isdir(directory):
            os.makedirs(directory, 0o755)
        self._mark_log()
        with open(self.log_file, 'ab') as log, open(os.devnull, 'rb') as devnull:
            proc = subprocess.Popen(self.argv(), stdin=devnull, stdout=log, stderr=subprocess.STDOUT,
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
            raise ServiceError('dockerd (%s) did not answer on %s within %s s%s; its log %s says:\n%s' % (
                ' '.join(self.argv()), self.docker_host, self.timeout,
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
        raise ServiceError('dockerd (pid %s) did not stop within %s s after SIGTERM' % (pid, timeout or self.timeout))

    def restart(self):
        self.stop()
        self.start()

    def reload(self):
        pid = self.pid()
        if not pid:
            raise ServiceError('cannot reload: no dockerd runs with pidfile %s' % self.pidfile)
        self._mark_log()
        os.kill(pid, signal.SIGHUP)
        # dockerd logs the outcome of the reload; wait for it (it takes milliseconds)
        deadline = time.time() + 10
        while time.time() < deadline:
            text = self.recent_log(lines=50)
            if 'Reloaded configuration' in text:
                break
            if 'Error reconfiguring the daemon' in text or 'unable to configure the Docker daemon' in text:
                raise ServiceError('dockerd refused the new configuration on reload: %s' % text)
            time.sleep(0.1)
        if not wait_ping(self.docker_host, self.timeout):
            raise ServiceError('the engine stopped answering on %s after SIGHUP: %s' % (self.docker_host, self.recent_log()))

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
