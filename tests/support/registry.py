"""A real registry for the image and login tests: Debian's ``docker-registry`` (distribution
2.8) serving on 127.0.0.1:<free port> with htpasswd auth and a temporary filesystem root.

Pushing to 127.0.0.1:PORT works without TLS: the engine treats loopback registries as
insecure by default. Import the fixtures into a test module:
``from tests.support.registry import registry, docker_config  # noqa: F401``.
"""

import base64
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid

import pytest

from tests.conftest import free_port
from tests.support.docker_cli import ENV

CONFIG = """version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %(root)s
  delete:
    enabled: true
http:
  addr: 127.0.0.1:%(port)d
auth:
  htpasswd:
    realm: berth-test-registry
    path: %(htpasswd)s
"""


class Registry:
    """One running docker-registry process."""

    def __init__(self, workdir, port=None):
        self.workdir = workdir
        self.port = port or free_port()
        self.username = 'berth'
        # a random password: no well-known credentials, even in tests
        self.password = uuid.uuid4().hex
        self.host = '127.0.0.1:%d' % self.port
        self.proc = None
        self.log_path = os.path.join(workdir, 'registry.log')

    def start(self):
        root = os.path.join(self.workdir, 'data')
        os.makedirs(root, exist_ok=True)
        htpasswd = os.path.join(self.workdir, 'htpasswd')
        line = subprocess.run(['htpasswd', '-Bbn', self.username, self.password], check=True,
                              stdout=subprocess.PIPE, text=True).stdout
        with open(htpasswd, 'w') as handle:
            handle.write(line)
        config = os.path.join(self.workdir, 'config.yml')
        with open(config, 'w') as handle:
            handle.write(CONFIG % {'root': root, 'port': self.port, 'htpasswd': htpasswd})
        log = open(self.log_path, 'ab')  # noqa: SIM115 - closed in stop()
        self._log = log
        self.proc = subprocess.Popen(['docker-registry', 'serve', config], stdout=log, stderr=log)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError('docker-registry exited with %s:\n%s' % (self.proc.returncode, self.log()))
            try:
                with socket.create_connection(('127.0.0.1', self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError('docker-registry did not listen on %s within 20 s:\n%s' % (self.host, self.log()))

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if getattr(self, '_log', None):
            self._log.close()
            self._log = None

    def log(self):
        try:
            with open(self.log_path, errors='replace') as handle:
                return handle.read()[-4000:]
        except OSError:
            return ''

    def ref(self, name):
        return '%s/%s' % (self.host, name)


@pytest.fixture(scope='module')
def registry(engine):
    """A running registry with htpasswd auth (user ``registry.username``, random password)."""
    workdir = tempfile.mkdtemp(prefix='berth-registry-')
    reg = Registry(workdir).start()
    try:
        yield reg
    finally:
        reg.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def docker_config():
    """An empty DOCKER_CONFIG directory of the test's own (never ~/.docker): returns its path;
    pass ``env={'DOCKER_CONFIG': path}`` to run_tasks and to the docker CLI."""
    path = tempfile.mkdtemp(prefix='berth-dockercfg-')
    yield path
    shutil.rmtree(path, ignore_errors=True)


def login_env(reg, config_dir):
    """A DOCKER_CONFIG of the test's own (0600) holding ``reg``'s credentials, as environment variables."""
    path = os.path.join(config_dir, 'config.json')
    auth = base64.b64encode(('%s:%s' % (reg.username, reg.password)).encode()).decode()
    with open(path, 'w') as handle:
        json.dump({'auths': {reg.host: {'auth': auth}}}, handle)
    os.chmod(path, 0o600)
    return {'DOCKER_CONFIG': config_dir}


def docker_with(env, *args):
    """The docker CLI with ``env`` added (login_env's DOCKER_CONFIG); its stdout, asserting success."""
    proc = subprocess.run(['docker'] + list(args), env=dict(ENV, **env), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout
