"""`make lab-up` / `make lab-down` (a fleet on this machine's engine: web nodes and a load balancer
that is also the database host, Debian with systemd and sshd and no Docker engine) and the
``lab.fleet()`` API the fleet tests use. The lab here is named with the test's random prefix
(LAB_NAME), so it never touches a user's berth-lab. Witnesses: the docker CLI, the inventory
file, `ansible -m ping` over ssh and over paramiko."""

import os
import subprocess
import sys
import time

import pytest
import yaml

from tests.support.docker_cli import docker, exists, inspect
from tests.support.lab import LAB_LABEL, lab, lab_image, lab_key, lab_down, state_dir  # pylint: disable=unused-import  # noqa: F401

pytestmark = pytest.mark.slow

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith('LAB_')}
    env.update({'ANSIBLE_CONFIG': os.path.join(ROOT, 'ansible.cfg'), 'ANSIBLE_NOCOLOR': '1',
                'PATH': BIN + os.pathsep + env.get('PATH', '')})
    env.update(extra)
    return env


def _make(target, **env):
    started = time.time()
    proc = subprocess.run(['make', '-C', ROOT, '--no-print-directory', target], env=_env(**env), text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=900, check=False)
    seconds = time.time() - started
    settings = ' '.join('%s=%s' % kv for kv in sorted(env.items()))
    print('make %s %s: %.1f s\n%s' % (target, settings, seconds, proc.stdout))
    assert proc.returncode == 0, proc.stdout
    return proc.stdout


def _ping(inventory, hosts):
    proc = subprocess.run([os.path.join(BIN, 'ansible'), '-i', inventory, 'all', '-m', 'ansible.builtin.ping'],
                          env=_env(), text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300,
                          check=False)
    assert proc.returncode == 0, proc.stdout
    for host in hosts:
        assert '%s | SUCCESS' % host in proc.stdout, proc.stdout
    return proc.stdout


def _groups(inventory):
    with open(inventory) as handle:
        data = yaml.safe_load(handle)['all']
    return data['vars'], {g: sorted((v or {}).get('hosts') or {}) for g, v in data['children'].items()}


def _containers(name):
    out = docker('ps', '-a', '--filter', 'label=%s=%s' % (LAB_LABEL, name),
                 '--format', '{{.Names}} {{.ID}}').stdout.split('\n')
    return dict(line.split() for line in out if line.strip())


def _no_engine(node):
    proc = docker('exec', node, 'sh', '-c', 'command -v dockerd; systemctl is-active docker', check=False)
    assert proc.stdout.strip() in ('inactive', 'unknown'), proc.stdout  # no dockerd binary, no docker unit


def test_make_lab_up_and_down(prefix, lab_image):  # noqa: F811 - the image built once per session
    name = prefix + 'lab'
    state = state_dir(name)
    inventory = os.path.join(state, 'inventory.yml')
    web = [name + '-web1', name + '-web2']
    lb = name + '-lb1'
    try:
        out = _make('lab-up', LAB_NAME=name, LAB_WEB='2')
        assert os.path.relpath(inventory, ROOT) in out and 'all -m ping' in out
        hostvars, groups = _groups(inventory)
        assert groups == {'webservers': web, 'loadbalancers': [lb], 'dbservers': [lb], 'lab': []}
        assert hostvars['ansible_connection'] == 'ssh' and hostvars['ansible_user'] == 'root'
        assert hostvars['ansible_ssh_private_key_file'] == os.path.join(state, 'id_ed25519')
        assert 'StrictHostKeyChecking=no' in hostvars['ansible_ssh_common_args']
        first = _containers(name)
        assert sorted(first) == sorted(web + [lb])
        assert exists('network', name)
        for node in first:
            _no_engine(node)
            info = inspect('container', node)
            assert list(info['NetworkSettings']['Networks']) == [name]
            with open(os.path.join(state, node + '.ip')) as handle:
                assert handle.read().strip() == info['NetworkSettings']['Networks'][name]['IPAddress']
        _ping(inventory, web + [lb])

        # again, now over paramiko: the same containers, the inventory rewritten
        out = _make('lab-up', LAB_NAME=name, LAB_WEB='2', LAB_CONNECTION='paramiko')
        assert _containers(name) == first
        assert out.count('kept ') == 3
        hostvars = _groups(inventory)[0]
        assert hostvars['ansible_connection'] == 'paramiko'
        _ping(inventory, web + [lb])

        # fewer web nodes: web2 goes, the others stay
        _make('lab-up', LAB_NAME=name, LAB_WEB='1')
        assert _containers(name) == {k: v for k, v in first.items() if k != web[1]}
        assert _groups(inventory)[1]['webservers'] == web[:1]
        assert not os.path.exists(os.path.join(state, web[1] + '.ip'))

        _make('lab-down', LAB_NAME=name)
        _make('lab-down', LAB_NAME=name)  # safe to repeat
        assert _containers(name) == {}
        assert not exists('network', name)
        assert not os.path.exists(state)
    finally:
        lab_down(name)


def test_fleet_api(lab):  # noqa: F811
    started = time.time()
    fleet = lab.fleet(web=2)
    print('lab.fleet(web=2): %.1f s' % (time.time() - started))
    assert [n.name for n in fleet.web] == [lab.prefix + 'web1', lab.prefix + 'web2']
    assert fleet.lb.name == lab.prefix + 'lb1' and fleet.db is fleet.lb
    hostvars, groups = _groups(fleet.inventory)
    assert groups['webservers'] == [n.name for n in fleet.web]
    assert groups['loadbalancers'] == groups['dbservers'] == [fleet.lb.name]
    assert hostvars['ansible_connection'] == 'ssh'
    _ping(fleet.inventory, [n.name for n in fleet.nodes])
    # the nodes share a network of their own and reach each other by name
    assert fleet.lb.sh('getent hosts %s' % fleet.web[0].name).stdout.split()[0] == fleet.web[0].ip
    for node in fleet.nodes:
        _no_engine(node.name)
