"""berth.docker.container_info, image_info, network_info and volume_info on the real engine: the
answer is the engine's inspect data, equal to what the docker CLI prints, in check mode too."""

import json

from tests.support.ansible_run import run_tasks
from tests.support.containers import build_image, task
from tests.support.docker_cli import docker, inspect


def info_runs(tasks):
    """The tasks run for real and in check mode: both succeed, neither changes anything."""
    runs = []
    for check in (False, True):
        run = run_tasks(tasks, check=check).assert_ok()
        assert not run.changed, run.output[-3000:]
        runs.append(run)
    return runs


def same(a, b):
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_container_info(prefix, busybox_image):
    name = prefix + 'box'
    docker('run', '-d', '--init', '--name', name, '--label', 'app=shop', busybox_image, 'sleep', '600')
    cid = inspect('container', name)['Id']
    tasks = [task('container_info', {'name': name}, name='by name'),
             task('container_info', {'name': cid[:12]}, name='by short id'),
             task('container_info', {'name': '/' + name}, name='as the engine writes it'),
             task('container_info', {'name': prefix + 'missing'}, name='missing')]
    for run in info_runs(tasks):
        for t in ('by name', 'by short id', 'as the engine writes it'):
            result = run.task(t)
            assert result['exists'] is True
            assert same(result['container'], inspect('container', name)), t
        missing = run.task('missing')
        assert missing['exists'] is False and 'container' in missing and missing['container'] is None


def test_network_info(prefix, busybox_image):
    name = prefix + 'net'
    docker('network', 'create', '--label', 'app=shop', '--subnet', '10.231.%d.0/24' % (hash(prefix) % 200), name)
    docker('run', '-d', '--init', '--name', prefix + 'on', '--network', name, busybox_image, 'sleep', '600')
    tasks = [task('network_info', {'name': name}, name='present'),
             task('network_info', {'name': prefix + 'missing'}, name='missing')]
    for run in info_runs(tasks):
        result = run.task('present')
        assert result['exists'] is True
        assert same(result['network'], inspect('network', name))
        assert [c['Name'] for c in result['network']['Containers'].values()] == [prefix + 'on']
        missing = run.task('missing')
        assert missing['exists'] is False and missing['network'] is None


def test_volume_info(prefix):
    name = prefix + 'vol'
    docker('volume', 'create', '--label', 'app=shop', name)
    tasks = [task('volume_info', {'name': name}, name='present'),
             task('volume_info', {'volume_name': name}, name='alias'),
             task('volume_info', {'name': prefix + 'missing'}, name='missing')]
    for run in info_runs(tasks):
        for t in ('present', 'alias'):
            result = run.task(t)
            assert result['exists'] is True and same(result['volume'], inspect('volume', name)), t
        missing = run.task('missing')
        assert missing['exists'] is False and missing['volume'] is None


def test_image_info(prefix, busybox_image):
    one = prefix + 'img:1'
    two = prefix + 'img:latest'
    one_id = build_image(one, 'FROM %s\nLABEL n=1\n' % busybox_image)
    two_id = build_image(two, 'FROM %s\nLABEL n=2\n' % busybox_image)
    tasks = [task('image_info', {'name': [two, prefix + 'absent:1', one]}, name='list'),
             task('image_info', {'name': prefix + 'img'}, name='no tag means latest'),
             task('image_info', {'name': [one_id, two_id[len('sha256:'):][:12]]}, name='by id'),
             task('image_info', {'name': [prefix + 'absent:1']}, name='absent'),
             task('image_info', {}, name='all')]
    for run in info_runs(tasks):
        images = run.task('list')['images']
        assert [i['Id'] for i in images] == [two_id, one_id]  # the order asked, the absent one left out
        assert same(images[1], inspect('image', one))
        assert [i['Id'] for i in run.task('no tag means latest')['images']] == [two_id]
        assert [i['Id'] for i in run.task('by id')['images']] == [one_id, two_id]
        assert run.task('absent')['images'] == []
        every = dict((i['Id'], i) for i in run.task('all')['images'])
        assert one_id in every and two_id in every and same(every[one_id], inspect('image', one_id))


def test_info_modules_in_the_action_group(prefix):
    """module_defaults for group/berth.docker.docker reaches the four modules (a wrong docker_host fails them)."""
    name = prefix + 'vol'
    docker('volume', 'create', name)
    tasks = [task(m, {'name': name}, name=m, ignore_errors=True)
             for m in ('container_info', 'network_info', 'volume_info', 'image_info')]
    run = run_tasks(tasks, module_defaults={'group/berth.docker.docker': {'docker_host': 'unix:///nonexistent.sock'}})
    for m in ('container_info', 'network_info', 'volume_info', 'image_info'):
        result = run.task(m)
        assert result.get('failed') and '/nonexistent.sock' in result['msg'], (m, result)


def test_info_modules_at_api_1_25(prefix, busybox_image):
    """The inspect endpoints are all in Engine API 1.25, the oldest berth.docker speaks."""
    name = prefix + 'old'
    docker('volume', 'create', name)
    docker('network', 'create', name)
    docker('create', '--name', name, busybox_image, 'true')
    tasks = [task('%s_info' % kind, {'name': name}, name=kind) for kind in ('container', 'network', 'volume')]
    tasks.append(task('image_info', {'name': [busybox_image]}, name='image'))
    run = run_tasks(tasks, module_defaults={'group/berth.docker.docker': {'api_version': '1.25'}}).assert_ok()
    for kind in ('container', 'network', 'volume'):
        assert run.task(kind)['exists'] is True, kind
    assert run.task('image')['images'][0]['Id'] == inspect('image', busybox_image)['Id']
