"""Engine API 1.25 and newer (issue 13): the modules speak the version the api_version option pins,
using only what it offers, and an option that version lacks fails before anything is created.

The engine here answers older API versions (its MinAPIVersion is 1.12), so pinning api_version
to 1.25 makes it answer as Docker 1.13 would shape it (fields of newer versions left out)."""

import json
import os

import pytest

from tests.conftest import free_port
from tests.support.ansible_run import four_step, run_tasks
from tests.support.containers import task
from tests.support.docker_cli import exists, inspect
from tests.support.registry import docker_config, registry  # noqa: F401 pylint: disable=unused-import

VERSIONS = ('1.25', '1.30', '1.35', '1.41')


def version_inventory(path, prefix):
    """One inventory host per API version (all on this machine, local connection), so the four
    versions run side by side in one playbook: each host's resources carry its version in their names."""
    hosts = {}
    for version in VERSIONS:
        tag = version.replace('.', '')
        hosts['api' + tag] = {
            'ansible_connection': 'local', 'ansible_python_interpreter': '{{ ansible_playbook_python }}',
            'api': version, 'p': '%s%s-' % (prefix, tag), 'port': free_port(),
        }
    with open(path, 'w') as handle:
        json.dump({'all': {'hosts': hosts}}, handle)
    return hosts


def test_every_module_four_step_at_each_pinned_api_version(prefix, busybox_image, tmp_path, registry,  # noqa: F811
                                                           docker_config):  # noqa: F811
    """volume, network, image (build and tag), container (on that network, mounting that volume), login
    and host_info, each with api_version pinned to 1.25, 1.30, 1.35 and 1.41: check mode, real run,
    check again (no change), real again (changed=0)."""
    inventory = str(tmp_path / 'hosts.json')
    hosts = version_inventory(inventory, prefix)
    ctx = tmp_path / 'ctx'
    ctx.mkdir()
    (ctx / 'Dockerfile').write_text('FROM %s\nLABEL berth.test=api\nCMD ["sleep", "600"]\n' % busybox_image)
    for host in hosts:
        os.makedirs(os.path.join(docker_config, host))
    conn = {'api_version': '{{ api }}'}
    tasks = [
        task('volume', dict(conn, name='{{ p }}vol', labels={'app': 'api'}), name='volume'),
        task('network', dict(conn, name='{{ p }}net', labels={'app': 'api'}, internal=False), name='network'),
        task('image', dict(conn, name='{{ p }}img', tag='v1', source='build', build={'path': str(ctx)},
                           repository='{{ p }}img:copy'), name='build'),
        task('container', dict(
            conn, name='{{ p }}ctr', image='{{ p }}img:v1', state='started',
            networks=[{'name': '{{ p }}net', 'aliases': ['api']}],
            mounts=[{'type': 'volume', 'source': '{{ p }}vol', 'target': '/data'}],
            published_ports=['127.0.0.1:{{ port }}:8080'],
            init=True, cpus=0.5, stop_timeout=3, memory='64m',
            healthcheck={'test': ['CMD', 'true'], 'interval': '30s', 'retries': 2},
            labels={'app': 'api'}, env={'MODE': 'api'}), name='container'),
        task('login', dict(conn, registry_url=registry.host, username=registry.username, password=registry.password,
                           config_path=os.path.join(docker_config, '{{ inventory_hostname }}', 'config.json')),
             name='login'),
        task('host_info', dict(conn, containers=True, containers_filters={'name': '{{ p }}'}, volumes=True,
                               networks=True), name='facts'),
    ]
    runs = four_step(tasks, hosts='all', inventory=inventory)
    steps = {'volume', 'network', 'build', 'container', 'login'}
    for host, hv in hosts.items():
        p, version = hv['p'], hv['api']
        for run, changed in zip(runs, (steps, steps, set(), set())):
            assert set(r['task'] for r in run.records if r['host'] == host and r['result'].get('changed')) == changed, host
        facts = runs[1].task('facts', host)
        assert facts['api_version_used'] == version
        assert [c['Names'] for c in facts['containers']] == [['/' + p + 'ctr']]
        data = inspect('container', p + 'ctr')
        assert data['State']['Running'] and data['HostConfig']['Init'] is True, host
        assert data['HostConfig']['NanoCpus'] == 500000000
        assert set(data['NetworkSettings']['Networks']) == {p + 'net'}
        assert [m['Name'] for m in data['Mounts']] == [p + 'vol']
        assert inspect('image', p + 'img:copy')['Id'] == inspect('image', p + 'img:v1')['Id']
        with open(os.path.join(docker_config, host, 'config.json')) as handle:
            assert registry.host in json.load(handle)['auths']


LACKING = [
    ('1.25', {'healthcheck': {'test': ['CMD', 'true'], 'start_period': '5s'}}, 'healthcheck.start_period needs Engine API 1.29'),
    ('1.25', {'mounts': [{'type': 'tmpfs', 'target': '/t', 'consistency': 'cached'}]}, 'mounts[].consistency needs Engine API 1.28'),
    ('1.30', {'ipc_mode': 'private'}, 'ipc_mode private, shareable or none needs Engine API 1.32'),
    ('1.35', {'device_requests': [{'driver': 'nvidia', 'count': -1, 'capabilities': [['gpu']]}]},
     'device_requests needs Engine API 1.40'),
    ('1.35', {'cgroupns_mode': 'private'}, 'cgroupns_mode needs Engine API 1.41'),
]


@pytest.mark.parametrize('check', [True, False], ids=['check', 'real'])
def test_a_container_option_the_version_lacks_fails_clearly_and_creates_nothing(check, prefix, busybox_image):
    tasks = []
    for number, (version, args, _needle) in enumerate(LACKING):
        args = dict({'name': '%sold%d' % (prefix, number), 'image': busybox_image, 'command': ['sleep', '600'],
                     'api_version': version}, **args)
        tasks.append(task('container', args, name='c%d' % number, ignore_errors=True))
    run = run_tasks(tasks, check=check)
    for number, (version, _args, needle) in enumerate(LACKING):
        result = run.task('c%d' % number)
        assert result.get('failed') and needle in result['msg'], result
        assert 'api_version is set to %s' % version in result['msg'] and 'or leave' in result['msg'], result
        assert not exists('container', '%sold%d' % (prefix, number))


def test_image_and_host_info_options_the_version_lacks(prefix, busybox_image, tmp_path):
    (tmp_path / 'Dockerfile').write_text('FROM %s\n' % busybox_image)
    tasks = [
        dict(task('image', {'name': prefix + 'plat', 'source': 'build', 'api_version': '1.30',
                            'build': {'path': str(tmp_path), 'platform': 'linux/amd64'}}, name='image'),
             ignore_errors=True),
        dict(task('image', {'name': prefix + 'tgt', 'source': 'build', 'api_version': '1.25',
                            'build': {'path': str(tmp_path), 'target': 'base'}}, name='target'),
             ignore_errors=True),
        dict(task('host_info', {'api_version': '1.35', 'networks': True, 'networks_filters': {'dangling': True}},
                  name='facts'), ignore_errors=True),
        task('host_info', {'api_version': '1.25', 'disk_usage': True, 'images': True}, name='df'),
    ]
    run = run_tasks(tasks)
    assert 'build.platform needs Engine API 1.32' in run.task('image')['msg']
    assert 'build.target needs Engine API 1.29' in run.task('target')['msg']
    assert 'networks_filters dangling needs Engine API 1.40' in run.task('facts')['msg']
    assert not exists('image', prefix + 'plat:latest') and not exists('image', prefix + 'tgt:latest')
    df = run.task('df')
    assert df['api_version_used'] == '1.25' and df['disk_usage']['LayersSize'] > 0 and df['images']


def test_api_version_below_1_25_is_refused(prefix):
    run = run_tasks([task('volume', {'name': prefix + 'v', 'api_version': '1.24'})])
    msg = run.task('t')['msg']
    assert run.rc != 0 and 'api_version 1.24 is older than 1.25' in msg, msg
    assert not exists('volume', prefix + 'v')
