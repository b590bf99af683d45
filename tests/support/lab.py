"""The multi-host lab: Debian nodes with systemd and sshd, run as containers on the shared
engine, reached by Ansible over SSH at their container IP (see docs/lab.md).

Fixtures (import them into a test module with ``from tests.support.lab import *``-style
explicit imports): ``lab_image`` (the node image, built once and cached in the engine),
``lab_key`` (a throwaway SSH key pair), ``lab`` (a factory: ``lab.node('n1')`` starts a node
named with the test's prefix and returns a :class:`Node`; ``lab.inventory(nodes)`` writes an
inventory for them; ``lab.fleet(web=2)`` starts web nodes and a load balancer in parallel on a
network of their own and returns a :class:`Fleet` with a grouped inventory). Nodes and the
network are removed by the ``prefix`` fixture's cleanup.

Also the command line behind ``make lab-up`` / ``make lab-down`` (a fleet on this machine)::

    .venv/bin/python -m tests.support.lab up [--web N] [--name berth-lab] [--connection ssh|paramiko]
    .venv/bin/ansible -i .berth/lab/inventory.yml all -m ping
    .venv/bin/python -m tests.support.lab down [--name berth-lab]
"""

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
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

# ServerAlive: a node that dies (the fleet test kills one mid-rollout) ends the ssh connection Ansible keeps open
# to it (ControlPersist) within 15 s, instead of leaving the next task waiting on a dead TCP connection
SSH_OPTS = ('-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR'
            ' -o ServerAliveInterval=5 -o ServerAliveCountMax=3')

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


LAB_LABEL = 'org.berth.lab'        # on the containers and the network of `make lab-up`: the lab's name
ROLE_LABEL = 'org.berth.lab.role'  # web or lb


def start_node(name, image, key, network=None, timeout=60, labels=None):
    """Start a node container, put the SSH key in, wait until systemd runs and sshd answers."""
    args = ['run', '-d', '--name', name, '--hostname', name.rstrip('-')[-63:]] + RUN_FLAGS
    if network:
        args += ['--network', network]
    for label, value in (labels or {}).items():
        args += ['--label', '%s=%s' % (label, value)]
    docker(*(args + [image]))
    return wait_node(name, key, timeout)


def wait_node(name, key, timeout=60):
    """Put the SSH key into a running node (once) and wait until systemd runs and a real SSH login
    succeeds; the :class:`Node`. Also how `lab up` takes over a node that is already running."""
    with open(key + '.pub') as handle:
        docker('exec', '-i', name, 'sh', '-c',
               'k=$(cat); grep -qxF "$k" /root/.ssh/authorized_keys 2>/dev/null'
               ' || echo "$k" >> /root/.ssh/authorized_keys; chmod 600 /root/.ssh/authorized_keys',
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


def in_parallel(calls):
    """Call each of ``calls`` in a thread of its own; their results in order, or the first error.
    Nodes boot in parallel this way: most of a boot is waiting on systemd and sshd."""
    results = [None] * len(calls)
    errors = []

    def run(index, call):
        try:
            results[index] = call()
        except BaseException as exc:  # noqa: BLE001 - re-raised below, in the caller's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, c), daemon=True) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def write_inventory(path, nodes, group='lab'):
    """An inventory for ``nodes`` in the format of inventory/lab.yml."""
    data = {'all': {'children': {group: {'hosts': {n.name: n.hostvars() for n in nodes}}}}}
    with open(path, 'w') as handle:
        yaml.safe_dump(data, handle, sort_keys=False)
    return path


def fleet_vars(key, connection='ssh'):
    """Connection settings shared by every host of a fleet inventory (both connection plugins read
    ansible_ssh_private_key_file and ansible_host_key_checking)."""
    if connection not in ('ssh', 'paramiko'):
        raise ValueError('connection must be ssh or paramiko, not %r' % connection)
    return {
        'ansible_user': 'root',
        'ansible_connection': connection,
        'ansible_ssh_private_key_file': key,
        'ansible_ssh_common_args': SSH_OPTS,
        'ansible_host_key_checking': False,
        'ansible_ssh_retries': 3,
        'ansible_timeout': 30,
        'ansible_python_interpreter': '/usr/bin/python3',
    }


def write_fleet_inventory(path, web, lb, key, connection='ssh', header=''):
    """A grouped inventory: ``webservers`` (the web nodes), ``loadbalancers`` and ``dbservers``
    (both the one ``lb`` node: the database shares it) and ``lab`` (all of them), the same
    groups as inventory/lab.yml."""
    data = {'all': {
        'vars': fleet_vars(key, connection),
        'children': {
            'webservers': {'hosts': {n.name: {'ansible_host': n.ip} for n in web}},
            'loadbalancers': {'hosts': {lb.name: {'ansible_host': lb.ip}}},
            'dbservers': {'hosts': {lb.name: None}},
            'lab': {'children': {'webservers': None, 'loadbalancers': None, 'dbservers': None}},
        },
    }}
    with open(path, 'w') as handle:
        handle.write(header)
        yaml.safe_dump(data, handle, sort_keys=False)
    return path


class Fleet:
    """Web nodes and a load balancer (which is also the database host) on a network of their own;
    ``inventory`` is the path of their grouped inventory."""

    def __init__(self, web, lb, inventory, network, connection):
        self.web = web
        self.lb = lb
        self.db = lb
        self.inventory = inventory
        self.network = network
        self.connection = connection

    @property
    def nodes(self):
        return self.web + [self.lb]

    def __repr__(self):
        return '<Fleet web=%r lb=%r>' % (self.web, self.lb)


class Lab:
    """Node factory bound to one test's prefix."""

    def __init__(self, prefix, image, key, tmpdir):
        self.prefix = prefix
        self.image = image
        self.key = key
        self.tmpdir = tmpdir
        self.nodes = []
        self.fleets = []

    def node(self, name='node1', image=None):
        node = start_node(self.prefix + name, image or self.image, self.key)
        self.nodes.append(node)
        return node

    def inventory(self, nodes=None):
        return write_inventory(os.path.join(self.tmpdir, 'inventory.yml'), nodes or self.nodes)

    def fleet(self, web=2, connection='ssh', image=None, timeout=120):
        """``web`` web nodes (<prefix>web1..N) and one load balancer (<prefix>lb1), started in
        parallel on a network <prefix>lab (so they resolve each other by name); a :class:`Fleet`
        whose inventory has the groups webservers, loadbalancers, dbservers (the lb node) and lab,
        reached over ``connection`` (ssh or paramiko)."""
        fleet_vars(self.key, connection)  # validates connection before anything starts
        suffix = '' if not self.fleets else str(len(self.fleets) + 1)
        network = '%slab%s' % (self.prefix, suffix)
        docker('network', 'create', network)
        names = ['web%d%s' % (i + 1, suffix) for i in range(web)] + ['lb1' + suffix]
        nodes = in_parallel([
            (lambda n=n: start_node(self.prefix + n, image or self.image, self.key, network=network, timeout=timeout))
            for n in names])
        self.nodes.extend(nodes)
        path = os.path.join(self.tmpdir, 'fleet%s.yml' % suffix)
        fleet = Fleet(nodes[:-1], nodes[-1], write_fleet_inventory(path, nodes[:-1], nodes[-1], self.key, connection),
                      network, connection)
        self.fleets.append(fleet)
        return fleet


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


# ---- `make lab-up` / `make lab-down`: a fleet on this machine, named <name>-web1..N and <name>-lb1

DEFAULT_NAME = 'berth-lab'
STATE_FILES = ('id_ed25519', 'id_ed25519.pub', 'inventory.yml')


def state_dir(name):
    """Where a lab keeps its key, NAME.ip files and inventory: .berth/lab for the default lab
    (inventory/lab.yml reads it), .berth/<name> for any other."""
    return os.path.join(ROOT, '.berth', 'lab' if name == DEFAULT_NAME else name)


def _lab_containers(name):
    """{container name: inspect data} of the containers of lab ``name``."""
    ids = docker('ps', '-aq', '--filter', 'label=%s=%s' % (LAB_LABEL, name)).stdout.split()
    found = {}
    for cid in ids:
        info = inspect('container', cid)
        if info:
            found[info['Name'].lstrip('/')] = info
    return found


def _show(path):
    rel = os.path.relpath(path)
    return path if rel.startswith('..') else rel


def lab_up(name=DEFAULT_NAME, web=2, connection='ssh', state=None, timeout=120):
    """Start (or keep) lab ``name``: ``web`` web nodes and one load balancer on network ``name``;
    write the key, one NAME.ip file per node and inventory.yml into ``state``. Idempotent: running
    nodes of the current image are kept, extra web nodes removed, missing ones started."""
    if web < 1:
        raise ValueError('a lab has at least one web node')
    fleet_vars('', connection)
    state = state or state_dir(name)
    started = time.time()
    os.makedirs(state, exist_ok=True)
    image = node_image()
    key = make_key(state)
    if not exists('network', name):
        docker('network', 'create', '--label', '%s=%s' % (LAB_LABEL, name), name)
    want = ['%s-web%d' % (name, i + 1) for i in range(web)] + ['%s-lb1' % name]
    have = _lab_containers(name)
    for cname, info in sorted(have.items()):
        keep = (cname in want and info['State']['Running'] and info['Config']['Image'] == image
                and name in info['NetworkSettings']['Networks'])
        if not keep:
            docker('rm', '-f', '-v', cname)
            del have[cname]
            print('removed %s' % cname)
    calls = []
    for cname in want:
        if cname in have:
            calls.append(lambda c=cname: wait_node(c, key, timeout))
        else:
            labels = {LAB_LABEL: name, ROLE_LABEL: 'lb' if cname.endswith('-lb1') else 'web'}
            calls.append(lambda c=cname, labels=labels: start_node(
                c, image, key, network=name, timeout=timeout, labels=labels))
    nodes = in_parallel(calls)
    for entry in os.listdir(state):
        if entry.endswith('.ip'):
            os.unlink(os.path.join(state, entry))
    for node in nodes:
        # inventory/lab.yml reads the addresses from here
        with open(os.path.join(state, node.name + '.ip'), 'w') as handle:
            handle.write(node.ip + '\n')
    path = write_fleet_inventory(
        os.path.join(state, 'inventory.yml'), nodes[:-1], nodes[-1], key, connection,
        header='# written by `make lab-up` (tests/support/lab.py); `make lab-down` removes it\n')
    for node in nodes:
        print('%-8s %s %s' % ('kept' if node.name in have else 'started', node.name, node.ip))
    print('lab %s up in %.0f s (%d web, 1 lb = db, %s)' % (name, time.time() - started, web, connection))
    print('inventory: %s' % _show(path))
    print('try:       .venv/bin/ansible -i %s all -m ping' % _show(path))
    return nodes


def lab_down(name=DEFAULT_NAME, state=None):
    """Remove everything lab_up made for ``name``: containers, network, state files. Safe to repeat."""
    state = state or state_dir(name)
    started = time.time()
    gone = sorted(_lab_containers(name))
    if gone:
        docker('rm', '-f', '-v', *gone, check=False)
    net = inspect('network', name)
    if net and (net.get('Labels') or {}).get(LAB_LABEL) == name:
        docker('network', 'rm', name, check=False)
        gone.append('network ' + name)
    if os.path.isdir(state):
        for entry in os.listdir(state):
            if entry in STATE_FILES or entry.endswith('.ip'):
                os.unlink(os.path.join(state, entry))
        try:
            os.rmdir(state)  # only when nothing else was put there
            gone.append(_show(state))
        except OSError as exc:
            print('kept %s: %s' % (_show(state), exc))
    print('lab %s down in %.0f s%s' % (name, time.time() - started,
                                       (': removed ' + ', '.join(gone)) if gone else ' (nothing to remove)'))
    return gone


def main(argv):
    parser = argparse.ArgumentParser(prog='python -m tests.support.lab', description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('action', choices=('up', 'down'))
    parser.add_argument('count', nargs='?', type=int, help='web nodes (same as --web)')
    parser.add_argument('--web', type=int, default=int(os.environ.get('LAB_WEB') or 2))
    parser.add_argument('--name', default=os.environ.get('LAB_NAME') or DEFAULT_NAME)
    parser.add_argument('--connection', default=os.environ.get('LAB_CONNECTION') or 'ssh',
                        choices=('ssh', 'paramiko'))
    parser.add_argument('--dir', default=os.environ.get('LAB_DIR') or None,
                        help='state directory (default .berth/lab, or .berth/NAME for another name)')
    args = parser.parse_args(argv)
    if args.action == 'up':
        lab_up(args.name, args.count or args.web, args.connection, args.dir)
    else:
        lab_down(args.name, args.dir)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
