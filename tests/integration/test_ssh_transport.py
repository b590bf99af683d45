"""docker_host: ssh://... for real: an sshd on 127.0.0.1 (started by the test with its own host
key), paramiko on the module side, `docker system dial-stdio` on the "remote" end, and the real
engine behind it."""

import os
import shutil
import socket
import subprocess
import time

import pytest

from tests.conftest import free_port
from tests.support.ansible_run import run_tasks


@pytest.fixture
def sshd(engine, tmp_path):
    if not os.path.exists('/usr/sbin/sshd') or shutil.which('docker') is None:
        pytest.fail('openssh-server and the docker CLI are needed (tools/ensure-deps.sh installs them)')
    home = tmp_path / 'home'
    (home / '.ssh').mkdir(parents=True)
    key = home / '.ssh' / 'id_ed25519'
    subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', str(key)], check=True)
    host_key = tmp_path / 'host_key'
    subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', str(host_key)], check=True)
    authorized = tmp_path / 'authorized_keys'
    authorized.write_text(key.with_suffix('.pub').read_text())
    authorized.chmod(0o600)
    port = free_port()
    config = tmp_path / 'sshd_config'
    config.write_text('\n'.join([
        'ListenAddress 127.0.0.1', 'Port %d' % port, 'HostKey %s' % host_key,
        'AuthorizedKeysFile %s' % authorized, 'PasswordAuthentication no', 'PermitRootLogin prohibit-password',
        'StrictModes no', 'UsePAM no', 'PidFile %s' % (tmp_path / 'sshd.pid'), '']))
    os.makedirs('/run/sshd', exist_ok=True)
    proc = subprocess.Popen(['/usr/sbin/sshd', '-D', '-e', '-f', str(config)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _attempt in range(50):
        try:
            socket.create_connection(('127.0.0.1', port), 0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    yield {'port': port, 'home': str(home), 'host_pub': host_key.with_suffix('.pub').read_text().split()}
    proc.terminate()
    proc.wait(10)


def _known_hosts(sshd):
    kind, value = sshd['host_pub'][0], sshd['host_pub'][1]
    with open(os.path.join(sshd['home'], '.ssh', 'known_hosts'), 'w') as handle:
        handle.write('[127.0.0.1]:%d %s %s\n' % (sshd['port'], kind, value))


def test_host_info_over_ssh(sshd):
    _known_hosts(sshd)
    run = run_tasks([{'name': 'facts', 'berth.docker.host_info': {
        'docker_host': 'ssh://root@127.0.0.1:%d' % sshd['port'], 'containers': True}}],
        env={'HOME': sshd['home']}).assert_ok()
    facts = run.task('facts')
    assert facts['can_talk_to_docker'] is True and facts['engine']['version']


def test_unknown_host_key_refused_with_clear_message(sshd):
    run = run_tasks([{'name': 'facts', 'berth.docker.host_info': {
        'docker_host': 'ssh://root@127.0.0.1:%d' % sshd['port']}}], env={'HOME': sshd['home']})
    assert run.rc != 0
    assert 'is not known: add it to ~/.ssh/known_hosts' in run.task('facts')['msg']
