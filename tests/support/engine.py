"""A second Docker engine for the engine module's tests, beside the shared one.

The shared engine at /var/run/docker.sock is never stopped, reconfigured or signalled: other
suites run against it. ``second_engine`` gives a private directory with its own socket, pidfile,
data-root, exec-root, log file and daemon.json path, and the module arguments that point
berth.docker.engine at them (direct-daemon service manager, no packages). Its daemon.json base
keeps it out of the main engine's way: no bridge, no iptables, no masquerading, vfs storage.

It also runs in its OWN network namespace (``dockerd_path`` is a wrapper that execs
``unshare --net dockerd``; the process is still dockerd, same PID): a dockerd started with
``bridge: none`` deletes the interface docker0 at start (moby's removeDefaultBridgeInterface),
which in the host namespace is the shared engine's default bridge. Teardown checks that the host's
docker0 is still the same interface, and stops only the dockerd whose pidfile is in that directory.
"""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from tests.support.docker_cli import ENV

BASE_CONFIG = {'bridge': 'none', 'iptables': False, 'ip-masq': False, 'storage-driver': 'vfs'}


class SecondEngine:
    def __init__(self, root):
        self.root = root
        self.socket = os.path.join(root, 'docker.sock')
        self.host = 'unix://' + self.socket
        self.pidfile = os.path.join(root, 'docker.pid')
        self.config_path = os.path.join(root, 'etc', 'daemon.json')
        self.data_root = os.path.join(root, 'data')
        self.exec_root = os.path.join(root, 'exec')
        self.log_file = os.path.join(root, 'dockerd.log')
        self.dockerd = os.path.join(root, 'bin', 'dockerd')
        self.refuse_marker = os.path.join(root, 'refuse-start')

    def args(self, daemon_config=None, **extra):
        """berth.docker.engine arguments for this engine (never the shared one)."""
        args = {
            'manage_packages': False,
            'service_manager': 'direct',
            'docker_host': self.host,
            'daemon_config_path': self.config_path,
            'daemon_pidfile': self.pidfile,
            'daemon_data_root': self.data_root,
            'daemon_exec_root': self.exec_root,
            'daemon_log_file': self.log_file,
            'dockerd_path': self.dockerd,
            'start_timeout': 60,
        }
        if daemon_config is not None:
            args['daemon_config'] = daemon_config
        args.update(extra)
        return args

    def docker(self, *argv, check=True, input=None):
        """The docker CLI against this engine: the witness."""
        proc = subprocess.run(['docker', '-H', self.host] + [str(a) for a in argv], input=input, env=ENV,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120, check=False)
        if check and proc.returncode != 0:
            raise AssertionError('docker -H %s %s failed: %s' % (self.host, ' '.join(argv), proc.stderr.decode()))
        return proc

    def info(self, fmt):
        return self.docker('info', '--format', fmt).stdout.decode().strip()

    def pid(self):
        """The PID in this engine's pidfile if that process is a live dockerd, else None."""
        try:
            with open(self.pidfile) as handle:
                pid = int(handle.read().strip())
            with open('/proc/%d/comm' % pid) as handle:
                if handle.read().strip() != 'dockerd':
                    return None
            with open('/proc/%d/stat' % pid) as handle:
                if handle.read().split(') ', 1)[1].startswith('Z'):
                    return None
            return pid
        except (OSError, ValueError):
            return None

    def config(self):
        if not os.path.exists(self.config_path):
            return None
        with open(self.config_path) as handle:
            return json.load(handle)

    def raw_config(self):
        with open(self.config_path) as handle:
            return handle.read()

    def cmdline(self, pid=None):
        """The command line of this engine's dockerd, from /proc (a list)."""
        with open('/proc/%d/cmdline' % (pid or self.pid()), 'rb') as handle:
            return handle.read().decode().rstrip('\0').split('\0')

    def environ(self, pid=None):
        with open('/proc/%d/environ' % (pid or self.pid()), 'rb') as handle:
            return dict(item.split('=', 1) for item in handle.read().decode().split('\0') if '=' in item)

    def start_by_hand(self, *flags, env=None):
        """Start this engine WITHOUT the module, the way an operator or an entrypoint would: the
        wrapper with the engine's own socket/pidfile/roots and ``flags`` (for example no
        --config-file at all), output to its log file; wait until it answers. Returns its PID."""
        argv = [self.dockerd, '-H', self.host, '--pidfile', self.pidfile, '--data-root', self.data_root,
                '--exec-root', self.exec_root] + list(flags)
        with open(self.log_file, 'ab') as log:
            subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                             env=dict(os.environ, **(env or {})), start_new_session=True)
        for _attempt in range(600):
            if self.pid() and self.docker('version', check=False).returncode == 0:
                return self.pid()
            time.sleep(0.1)
        raise AssertionError('the second engine did not start by hand: %s' % open(self.log_file).read()[-2000:])

    def stop(self):
        pid = self.pid()
        if pid is None:
            return
        with open('/proc/%d/cmdline' % pid, 'rb') as handle:
            cmdline = handle.read().decode()
        assert self.root in cmdline, 'refusing to signal pid %s: not our second engine (%s)' % (pid, cmdline)
        os.kill(pid, signal.SIGTERM)
        for _attempt in range(300):
            if self.pid() is None:
                return
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)


@pytest.fixture
def second_engine(engine):
    """A private dockerd beside the shared one (started by the test through the module)."""
    root = tempfile.mkdtemp(prefix='berth-e2-', dir='/tmp')
    os.makedirs(os.path.join(root, 'etc'))
    os.makedirs(os.path.join(root, 'bin'))
    second = SecondEngine(root)
    real = shutil.which('dockerd')
    with open(second.dockerd, 'w') as handle:
        handle.write('#!/bin/sh\n# dockerd in a network namespace of its own (see tests/support/engine.py)\n'
                     '# fault injection: the engine itself (its own socket; not the module\'s validation run)\n'
                     '# refuses to start while the file refuse-start exists\n'
                     'case "$*" in *%s*) if [ -e %s ]; then echo "berth test: this dockerd refuses to start" >&2; '
                     'exit 1; fi;; esac\n'
                     'exec unshare --net -- %s "$@"\n' % (second.socket, second.refuse_marker, real))
    os.chmod(second.dockerd, 0o755)
    docker0 = _ifindex('docker0')
    yield second
    second.stop()
    assert _ifindex('docker0') == docker0, 'the host interface docker0 changed during the test (was %s, now %s)' % (
        docker0, _ifindex('docker0'))
    subprocess.run(['sh', '-c', 'grep " %s" /proc/mounts | cut -d" " -f2 | sort -r | xargs -r umount -l' % root],
                   check=False)
    shutil.rmtree(root, ignore_errors=True)


def _ifindex(name):
    try:
        with open('/sys/class/net/%s/ifindex' % name) as handle:
            return handle.read().strip()
    except OSError:
        return None
