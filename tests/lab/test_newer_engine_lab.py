"""A newer engine than this build machine's: a Debian trixie lab node gets docker.io 26 (Engine
API 1.45) through berth.docker.engine, then host_info, network, volume, image (build), container,
exec and compose run against it over SSH with the node's own python3 (3.13), each through the
four-step pattern. The docker CLI inside the node is the witness.

The build machine's engine speaks API 1.41 (Docker 20.10); this covers the paths that differ
from 1.44 on (every network given at create, newer inspect fields) on a real engine.
Marked lab + slow: the trixie base image and node image are built once (about 2 minutes) and
cached in the engine."""

import json
import subprocess

import pytest

from tests.support.ansible_run import four_step, run_tasks
from tests.support.lab import lab, lab_image, lab_key, trixie_image  # pylint: disable=unused-import  # noqa: F401

pytestmark = pytest.mark.slow


def _inspect(node, kind, name):
    return json.loads(node.sh('docker %s inspect %s' % (kind, name)).stdout)[0]


def _load(node, image):
    save = subprocess.Popen(['docker', 'save', image], stdout=subprocess.PIPE)
    subprocess.run(['docker', 'exec', '-i', node.name, 'docker', 'load', '-q'], stdin=save.stdout, check=True,
                   stdout=subprocess.DEVNULL)
    save.wait()


def test_modules_against_docker_26(lab, trixie_image, busybox_image, prefix):  # noqa: F811
    node = lab.node('t1', image=trixie_image)
    kw = {'hosts': node.name, 'inventory': lab.inventory([node])}

    # the node's /proc/sys/net/ipv6 is read-only (a container), which Docker >= 26 trips over when it
    # sets up a container's eth0; its documented switch for that, set before the engine starts
    node.sh('mkdir -p /etc/systemd/system/docker.service.d && printf "[Service]\\nEnvironment='
            'DOCKER_ALLOW_IPV6_ON_IPV4_INTERFACE=1\\n" > /etc/systemd/system/docker.service.d/lab.conf')
    run = run_tasks([{'name': 'engine', 'berth.docker.engine': {}}], **kw).assert_ok()
    major = int(run.task('engine')['engine']['version'].split('.')[0])
    assert major >= 26, run.task('engine')['engine']
    _load(node, busybox_image)

    facts = run_tasks([{'name': 'facts', 'berth.docker.host_info': {}}], **kw).assert_ok().task('facts')
    assert facts['can_talk_to_docker'] is True
    api = tuple(int(x) for x in facts['engine']['api_version'].split('.'))
    assert api >= (1, 45), facts['engine']

    front, back, data, app = prefix + 'front', prefix + 'back', prefix + 'data', prefix + 'app'
    node.sh('mkdir -p /root/ctx && printf "FROM %s\\nRUN echo built > /built\\nLABEL org.berth.lab=trixie\\n'
            'CMD [\\"sleep\\", \\"600\\"]\\n" > /root/ctx/Dockerfile' % busybox_image)
    tasks = [
        {'name': 'front', 'berth.docker.network': {'name': front, 'labels': {'tier': 'front'}}},
        {'name': 'back', 'berth.docker.network': {'name': back, 'internal': True}},
        {'name': 'data', 'berth.docker.volume': {'name': data, 'labels': {'keep': 'yes'}}},
        {'name': 'build', 'berth.docker.image': {'name': prefix + 'built', 'tag': '1', 'source': 'build',
                                                 'build': {'path': '/root/ctx'}}},
        {'name': 'app', 'berth.docker.container': {
            'name': app, 'image': busybox_image, 'command': ['sleep', '600'], 'init': True,
            'networks': [{'name': front, 'aliases': ['app']}, {'name': back}], 'volumes': [data + ':/data'],
            'published_ports': ['127.0.0.1:18080:80'], 'env': {'TIER': 'app'}, 'memory': '64m',
            'healthcheck': {'test': ['CMD', 'true'], 'interval': '2s'}}},
        {'name': 'stack', 'berth.docker.compose': {
            'project_name': prefix + 'stack', 'project_src': '/root',
            'definition': {'services': {
                'web': {'image': prefix + 'built:1', 'init': True, 'networks': ['edge'], 'scale': 2},
                'worker': {'image': busybox_image, 'command': ['sleep', '600'], 'init': True,
                           'depends_on': ['web'], 'volumes': ['cache:/cache']}},
                'networks': {'edge': {}}, 'volumes': {'cache': {}}}}},
    ]
    runs = four_step(tasks, diff=True, **kw)
    assert set(runs[1].changed) == {'front', 'back', 'data', 'build', 'app', 'stack'}

    # the container got both networks at create (API >= 1.44), with its alias, limit and volume
    info = _inspect(node, 'container', app)
    assert sorted(info['NetworkSettings']['Networks']) == sorted([front, back])
    assert 'app' in info['NetworkSettings']['Networks'][front]['Aliases']
    assert info['HostConfig']['Memory'] == 64 * 1024 ** 2 and info['State']['Running']
    assert [m['Name'] for m in info['Mounts']] == [data]
    assert _inspect(node, 'network', back)['Internal'] is True
    assert _inspect(node, 'image', prefix + 'built:1')['Config']['Labels']['org.berth.lab'] == 'trixie'
    names = node.sh("docker ps --filter label=com.docker.compose.project=%sstack --format '{{.Names}}'"
                    % prefix).stdout.split()
    assert sorted(names) == sorted(['%sstack-web-1' % prefix, '%sstack-web-2' % prefix, '%sstack-worker-1' % prefix])
    assert node.sh('docker exec %sstack-web-1 cat /built' % prefix).stdout.strip() == 'built'

    # a memory change is applied in place (same ID), a command change recreates
    cid = info['Id']
    app_task = tasks[4]
    more = dict(app_task, **{'berth.docker.container': dict(app_task['berth.docker.container'], memory='96m')})
    run = run_tasks([more], **kw).assert_ok()
    assert run.task('app')['actions'] == ['update']
    assert _inspect(node, 'container', app)['Id'] == cid

    # exec, by container and by compose service
    run = run_tasks([
        {'name': 'exec', 'berth.docker.exec': {'container': app, 'argv': ['sh', '-c', 'echo $TIER; echo err >&2']}},
        {'name': 'exec service', 'berth.docker.exec': {'project': prefix + 'stack', 'service': 'web', 'index': 2,
                                                       'command': 'cat /built'}},
    ], **kw).assert_ok()
    assert run.task('exec')['stdout'].strip() == 'app' and run.task('exec')['stderr'].strip() == 'err'
    assert run.task('exec service')['stdout'].strip() == 'built'

    # down: containers and networks go; with remove_volumes, the declared volume too
    gone = [{'name': 'stack', 'berth.docker.compose': {'project_name': prefix + 'stack', 'state': 'absent',
                                                       'remove_volumes': True}},
            {'name': 'app', 'berth.docker.container': {'name': app, 'state': 'absent'}}]
    four_step(gone, **kw)
    assert node.sh('docker ps -aq').stdout.strip() == ''
    assert prefix + 'stack_cache' not in node.sh("docker volume ls --format '{{.Name}}'").stdout.split()
