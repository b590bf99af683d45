"""The multi-host lab: Debian nodes with systemd and sshd, run as containers on the shared
engine, reached by Ansible over SSH at their container IP (see docs/lab.md).

Fixtures (import them into a test module with ``from tests.support.lab import *``-style
explicit imports): ``lab_image`` (the node image, built once and cached in the engine),
``lab_key`` (a throwaway SSH key pair), ``lab`` (a factory: ``lab.node('n1')`` starts a node
named with the test's prefix and returns a :class:`Node`; ``lab.inventory(nodes)`` writes an
inventory for them). Nodes are removed by the ``prefix`` fixture's cleanup.

Also a command line for playing with the lab by hand::

    .venv/bin/python -m tests.support.lab up 2   # two nodes; writes .berth/lab/ (key, NAME.ip, inventory.yml)
    .venv/bin/ansible -i inventory/lab.yml lab -m ping
    .venv/bin/python -m tests.support.lab down   # remove them
"""

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time

import pytest
import yaml

from tests.support import images
from tests.support.docker_cli import docker, exists, inspect

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

NODE_DOCKERFILE = """FROM %(base)s
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \\
 && apt-get install -y --no-install-recommends systemd systemd-sysv openssh-server python3 sudo \\
      iproute2 ca-certificates %(packages)s \\
 && %(prepare)s \\
 && systemctl enable ssh \\
 && rm -f /etc/ssh/ssh_host_*_key* \\
 && printf '[Unit]\\nBefore=ssh.service\\n[Service]\\nType=oneshot\\nExecStart=/usr/bin/ssh-keygen -A\\n[Install]\\nWantedBy=multi-user.target\\n' \\
      > /etc/systemd/system/ssh-hostkeys.service \\
 && systemctl enable ssh-hostkeys.service \\
 && mkdir -p /root/.ssh && chmod 700 /root/.ssh
%(extra)sLABEL org.berth.test=lab-node
STOPSIGNAL SIGRTMIN+3
CMD ["/sbin/init"]
"""
# The Debian nodes: docker.io is downloaded into the image's apt cache (not installed), so a
# node starts with no engine and installing it does not wait for the mirror.
DEBIAN_NODE = {
    'packages': 'python3-apt',
    'prepare': 'apt-get install -y --no-install-recommends --download-only docker.io python3-yaml',
    'extra': '',
}
# The EL stand-in: no EL package repository is reachable here, so this node is Debian userland
# that says it is Rocky Linux 9 (/etc/os-release) and has the real dnf and rpm (Debian's builds)
# with an empty rpm database, and a signed repository laid out like Docker's at
# file:///srv/docker-repo whose packages carry Debian's engine binaries (lab_el/build-repo.sh).
# berth.docker.engine takes its EL path there for real: rpm -q, the repo file, dnf with GPG
# checks, conflicts, version pins, systemd.
EL_NODE = {
    'packages': 'dnf rpm createrepo-c gnupg iptables',
    'prepare': 'true',
    'extra': """COPY build-repo.sh /usr/local/sbin/berth-build-repo
RUN /usr/local/sbin/berth-build-repo /srv/docker-repo \\
 && rpm --initdb && mkdir -p /etc/dnf/vars && echo 9 > /etc/dnf/vars/releasever \\
 && rm -f /etc/os-release \\
 && printf '%s\\n' 'NAME="Rocky Linux"' 'VERSION="9.4 (Blue Onyx)"' 'ID="rocky"' \\
      'ID_LIKE="rhel centos fedora"' 'VERSION_ID="9.4"' 'PLATFORM_ID="platform:el9"' \\
      'PRETTY_NAME="Rocky Linux 9.4 (Blue Onyx) - berth lab stand-in"' > /etc/os-release
""",
}
EL_REPO_URL = 'file:///srv/docker-repo'

SSH_OPTS = '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR'

RUN_FLAGS = [
    '--cap-add', 'SYS_ADMIN', '--cap-add', 'NET_ADMIN', '--cap-add', 'SYS_PTRACE',
    '--security-opt', 'seccomp=unconfined', '--security-opt', 'apparmor=unconfined',
    '--cgroupns=host', '-v', '/sys/fs/cgroup:/sys/fs/cgroup:rw',
    '--tmpfs', '/run', '--tmpfs', '/run/lock',
]


EL_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'lab_el', 'build-repo.sh')


def node_image(suite='bookworm', kind='debian'):
    """The lab node image (tag derived from the Dockerfile and its files, so a change rebuilds it):
    Debian bookworm (docker.io 20.10, API 1.41), trixie (docker.io 26, API 1.45) for newer-engine
    coverage, or ``kind='el'``: the EL stand-in (see EL_NODE)."""
    base = images.ensure_debian(suite)
    dockerfile = NODE_DOCKERFILE % dict(EL_NODE if kind == 'el' else DEBIAN_NODE, base=base)
    digest = hashlib.sha256(dockerfile.encode())
    if kind == 'el':
        with open(EL_SCRIPT, 'rb') as handle:
            digest.update(handle.read())
    tag = 'berth-test/lab-node:%s' % digest.hexdigest()[:12]
    if not exists('image', tag):
        ctx = tempfile.mkdtemp(prefix='berth-labimg-')
        try:
            with open(os.path.join(ctx, 'Dockerfile'), 'w') as handle:
                handle.write(dockerfile)
            if kind == 'el':
                shutil.copy(EL_SCRIPT, os.path.join(ctx, 'build-repo.sh'))
            docker('build', '-q', '-t', tag, ctx, timeout=1200)
        finally:
            shutil.rmtree(ctx, ignore_errors=True)
    return tag


def make_key(directory):
    path = os.path.join(directory, 'id_ed25519')
    if not os.path.exists(path):
        subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'berth-lab', '-f', path], check=True)
    return path


class Node:
    def __init__(self, name, ip, key):
        self.name = name
        self.ip = ip
        self.key = key

    def __repr__(self):
        return '<Node %s %s>' % (self.name, self.ip)

    def sh(self, script, check=True, timeout=300):
        """Run a shell script inside the node (docker exec): the witness's view of the host."""
        return docker('exec', self.name, 'sh', '-c', script, check=check, timeout=timeout)

    def hostvars(self):
        return {
            'ansible_host': self.ip,
            'ansible_user': 'root',
            'ansible_connection': 'ssh',
            'ansible_ssh_private_key_file': self.key,
            'ansible_ssh_common_args': SSH_OPTS,
            'ansible_ssh_retries': 3,
            'ansible_timeout': 30,
            'ansible_python_interpreter': '/usr/bin/python3',
        }


def start_node(name, image, key, network=None, timeout=60):
    """Start a node container, put the SSH key in, wait until systemd runs and sshd answers."""
    args = ['run', '-d', '--name', name, '--hostname', name.rstrip('-')[-63:]] + RUN_FLAGS
    if network:
        args += ['--network', network]
    docker(*(args + [image]))
    with open(key + '.pub') as handle:
        docker('exec', '-i', name, 'sh', '-c',
               'cat >> /root/.ssh/authorized_keys && chmod 600 /root/.ssh/authorized_keys',
               input=handle.read())
    deadline = time.time() + timeout
    state = ''
    while time.time() < deadline:
        state = docker('exec', name, 'systemctl', 'is-system-running', check=False).stdout.strip()
        if state in ('running', 'degraded'):
            ssh = docker('exec', name, 'systemctl', 'is-active', 'ssh', check=False).stdout.strip()
            if ssh == 'active':
                break
        time.sleep(0.5)
    else:
        logs = docker('logs', '--tail', '30', name, check=False)
        raise AssertionError('lab node %s did not come up within %s s (systemd: %r)\n%s%s' % (
            name, timeout, state, logs.stdout, logs.stderr))
    info = inspect('container', name)
    nets = info['NetworkSettings']['Networks']
    ip = next(iter(nets.values()))['IPAddress']
    node = Node(name, ip, key)
    # sshd is active; wait until it completes a real login (slow right after boot on a busy host)
    while True:
        proc = subprocess.run(['ssh', '-i', key, '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10']
                              + SSH_OPTS.split() + ['root@' + ip, 'true'],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False, timeout=60)
        if proc.returncode == 0:
            return node
        if time.time() > deadline:
            raise AssertionError('cannot ssh to lab node %s (%s): %s' % (name, ip, proc.stderr.decode().strip()))
        time.sleep(0.5)


def write_inventory(path, nodes, group='lab'):
    """An inventory for ``nodes`` in the format of inventory/lab.yml."""
    data = {'all': {'children': {group: {'hosts': {n.name: n.hostvars() for n in nodes}}}}}
    with open(path, 'w') as handle:
        yaml.safe_dump(data, handle, sort_keys=False)
    return path


class Lab:
    """Node factory bound to one test's prefix."""

    def __init__(self, prefix, image, key, tmpdir):
        self.prefix = prefix
        self.image = image
        self.key = key
        self.tmpdir = tmpdir
        self.nodes = []

    def node(self, name='node1', image=None):
        node = start_node(self.prefix + name, image or self.image, self.key)
        self.nodes.append(node)
        return node

    def inventory(self, nodes=None):
        return write_inventory(os.path.join(self.tmpdir, 'inventory.yml'), nodes or self.nodes)


@pytest.fixture(scope='session')
def lab_image(engine):
    return node_image()


@pytest.fixture(scope='session')
def trixie_image(engine):
    return node_image('trixie')


@pytest.fixture(scope='session')
def el_image(engine):
    return node_image(kind='el')


@pytest.fixture(scope='session')
def lab_key(tmp_path_factory):
    return make_key(str(tmp_path_factory.mktemp('lab-ssh')))


@pytest.fixture
def lab(prefix, lab_image, lab_key, tmp_path):
    """A lab for this test; its node containers carry the test's prefix and are removed after."""
    return Lab(prefix, lab_image, lab_key, str(tmp_path))


def main(argv):
    state = os.path.join(ROOT, '.berth', 'lab')
    os.makedirs(state, exist_ok=True)
    if argv[:1] == ['up']:
        count = int(argv[1]) if len(argv) > 1 else 2
        main(['down'])
        image = node_image()
        key = make_key(state)
        nodes = [start_node('berth-lab-node%d' % (i + 1), image, key) for i in range(count)]
        path = write_inventory(os.path.join(state, 'inventory.yml'), nodes)
        for n in nodes:
            # inventory/lab.yml reads the addresses from here
            with open(os.path.join(state, n.name + '.ip'), 'w') as handle:
                handle.write(n.ip + '\n')
            print('%s %s' % (n.name, n.ip))
        print('inventory: %s' % path)
        return 0
    if argv[:1] == ['down']:
        out = docker('ps', '-a', '--format', '{{.Names}}').stdout.split()
        for name in out:
            if name.startswith('berth-lab-node'):
                docker('rm', '-f', '-v', name, check=False)
                if os.path.exists(os.path.join(state, name + '.ip')):
                    os.unlink(os.path.join(state, name + '.ip'))
        return 0
    print(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
