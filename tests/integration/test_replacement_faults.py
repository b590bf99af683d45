"""Replacements that fail late, on the real engine: the old container must come back under its own
name, running, the same container (same ID); the new one removed; the task failed with the cause.
Then a corrected run succeeds in four steps. The docker CLI is the witness."""

import json
import time

import pytest

from tests.conftest import free_port
from tests.support import compose as cs
from tests.support.ansible_run import four_step, run_tasks
from tests.support.containers import container_id, task
from tests.support.docker_cli import docker, inspect

pytestmark = pytest.mark.slow

GOOD_HEALTHCHECK = {'test': ['CMD', 'wget', '-q', '-O-', 'http://127.0.0.1/health'],
                    'interval': '1s', 'timeout': '2s', 'retries': 3, 'start_period': '1s'}


def ctask(args):
    return task('container', args, name='c')


def http_get(port, tries=40):
    last = None
    for _attempt in range(tries):
        try:
            return cs.http_get(port, timeout=2).strip()
        except OSError as exc:
            last = exc
            time.sleep(0.25)
    raise AssertionError('no answer on 127.0.0.1:%s: %s' % (port, last))


def containers_named_like(name):
    """Every container whose name contains ``name`` (the temporary name of a replacement does)."""
    return docker('ps', '-a', '--filter', 'name=%s' % name, '--format', '{{.Names}}').stdout.split()


def assert_old_one_back(name, cid, port, text):
    data = inspect('container', name)
    assert data is not None, 'no container called %s any more' % name
    assert data['Id'] == cid, 'another container holds the name: %s' % data['Id'][:12]
    assert data['State']['Running'], data['State']
    assert containers_named_like(name) == [name], 'leftovers: %s' % containers_named_like(name)
    assert http_get(port) == text


def wait_healthy(name, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if inspect('container', name)['State']['Health']['Status'] == 'healthy':
            return
        time.sleep(0.5)
    raise AssertionError('%s did not become healthy again' % name)


@pytest.fixture
def healthy_web(prefix, web_image):
    """A web container deployed with state healthy (v1), its port and ID."""
    name = prefix + 'web'
    port = free_port()
    base = {'name': name, 'image': web_image, 'state': 'healthy', 'env': {'WEB_NAME': 'v1'},
            'published_ports': ['127.0.0.1:%d:80' % port], 'healthcheck': GOOD_HEALTHCHECK}
    run_tasks([ctask(base)]).assert_ok()
    assert inspect('container', name)['State']['Health']['Status'] == 'healthy'
    return name, port, base, container_id(name)


def test_new_container_never_healthy_puts_the_old_one_back(healthy_web):
    name, port, base, cid = healthy_web
    sick = dict(base, env={'WEB_NAME': 'v2'}, healthy_wait_timeout=6,
                healthcheck={'test': 'echo probe-says-no; exit 1', 'interval': '1s', 'retries': 1})
    run = run_tasks([ctask(sick)])
    assert run.rc != 0
    msg = run.task('c')['msg']
    assert 'not healthy after 6' in msg and 'probe-says-no' in msg, msg
    assert 'the previous container %s was put back and runs again (the same container, %s)' % (name, cid[:12]) in msg, msg
    assert 'the new container' in msg and 'was removed' in msg, msg
    assert_old_one_back(name, cid, port, 'v1')
    wait_healthy(name)  # its own healthcheck passes again

    # corrected: the new version with a healthcheck that passes
    runs = four_step([ctask(dict(base, env={'WEB_NAME': 'v2'}))])
    assert runs[1].task('c')['actions'] == ['recreate', 'start']
    assert container_id(name) != cid and http_get(port) == 'v2'
    assert inspect('container', name)['State']['Health']['Status'] == 'healthy'
    assert containers_named_like(name) == [name]


def test_new_container_that_exits_at_once_puts_the_old_one_back(healthy_web):
    name, port, base, cid = healthy_web
    dying = dict(base, env={'WEB_NAME': 'v2'}, command=['sh', '-c', 'echo bye-now; exit 3'])
    run = run_tasks([ctask(dying)])
    assert run.rc != 0
    msg = run.task('c')['msg']
    assert 'stopped before it became healthy' in msg and 'code 3' in msg and 'bye-now' in msg, msg
    assert 'the previous container %s was put back and runs again' % name in msg, msg
    assert_old_one_back(name, cid, port, 'v1')

    runs = four_step([ctask(dict(base, env={'WEB_NAME': 'v3'}))])
    assert runs[1].task('c')['actions'] == ['recreate', 'start']
    assert container_id(name) != cid and http_get(port) == 'v3'
    assert containers_named_like(name) == [name]


def test_refused_network_connect_on_recreate_leaves_the_old_container(prefix, web_image):
    """berth.docker.container: the engine refuses the connect of the new container to its second
    network (a static address on a network without a configured subnet)."""
    name = prefix + 'netweb'
    front, plain = prefix + 'front', prefix + 'plain'
    docker('network', 'create', front)
    docker('network', 'create', plain)
    port = free_port()
    base = {'name': name, 'image': web_image, 'env': {'WEB_NAME': 'v1'}, 'published_ports': ['127.0.0.1:%d:80' % port],
            'networks': [{'name': front}, {'name': plain}]}
    run_tasks([ctask(base)]).assert_ok()
    cid = container_id(name)
    subnet = inspect('network', plain)['IPAM']['Config'][0]['Subnet']
    address = subnet.rsplit('.', 1)[0] + '.200'
    bad = dict(base, env={'WEB_NAME': 'v2'}, networks=[{'name': front}, {'name': plain, 'ipv4_address': address}])
    run = run_tasks([ctask(bad)])
    assert run.rc != 0
    msg = run.task('c')['msg']
    assert 'user configured subnets' in msg and 'The previous container %s was left as it was' % name in msg, msg
    assert_old_one_back(name, cid, port, 'v1')

    runs = four_step([ctask(dict(base, env={'WEB_NAME': 'v2'}))])
    assert container_id(name) != cid and http_get(port) == 'v2'
    assert sorted(inspect('container', name)['NetworkSettings']['Networks']) == sorted([front, plain])
    assert runs[3].task('c')['actions'] == []


def test_compose_recreate_whose_network_connect_fails_keeps_the_old_container(prefix, web_image, tmp_path):
    """compose: the new container of a recreate is created, then the engine refuses to connect it
    to the service's second network (a static ipv4_address on an external network that has no
    configured subnet). Only the old container remains, running, under its name; the message is
    the engine's connect error."""
    project = prefix + 'netfail'
    plain = prefix + 'plain'
    docker('network', 'create', plain)
    port = free_port()
    doc = {
        'services': {'api': {'image': web_image, 'ports': ['127.0.0.1:%d:80' % port],
                             'environment': {'WEB_NAME': 'v1'}, 'networks': {'front': None, 'outside': None}}},
        'networks': {'front': {}, 'outside': {'external': True, 'name': plain}},
    }
    cs.write_project(tmp_path, doc)
    compose = cs.compose_task(project_src=str(tmp_path), project_name=project)
    run_tasks([compose]).assert_ok()
    container = project + '-api-1'
    before = cs.ids(project)
    assert list(before) == [container] and http_get(port) == 'v1'

    subnet = inspect('network', plain)['IPAM']['Config'][0]['Subnet']
    doc['services']['api']['networks']['outside'] = {'ipv4_address': subnet.rsplit('.', 1)[0] + '.200'}
    doc['services']['api']['environment']['WEB_NAME'] = 'v2'
    cs.write_project(tmp_path, doc)
    run = run_tasks([compose])
    assert run.rc != 0
    msg = run.task('compose')['msg']
    assert 'connecting %s to network %s' % (container, plain) in msg, msg
    assert 'user specified IP address is supported only when connecting to networks with user configured subnets' in msg, msg
    assert 'The previous container %s was left as it was' % container in msg, msg
    assert 'renaming' not in msg, msg
    assert cs.ids(project) == before and cs.running_names(project) == [container]
    assert containers_named_like(container) == [container]
    assert http_get(port) == 'v1'
    nets = inspect('container', container)['NetworkSettings']['Networks']
    assert sorted(nets) == sorted([project + '_front', plain])

    # corrected: no static address on that network; the new version replaces the old one
    doc['services']['api']['networks']['outside'] = None
    cs.write_project(tmp_path, doc)
    four_step([compose])
    after = cs.ids(project)
    assert list(after) == [container] and after[container] != before[container]
    assert cs.running_names(project) == [container] and http_get(port) == 'v2'
    assert containers_named_like(container) == [container]
    run_tasks([cs.compose_task(project_src=str(tmp_path), project_name=project, state='absent')]).assert_ok()
    assert json.loads(docker('network', 'inspect', plain).stdout)[0]['Name'] == plain  # external: kept
