"""berth.docker.volume on the real engine, four-step, with the docker CLI as witness."""

from tests.support.ansible_run import four_step, run_tasks
from tests.support.containers import task
from tests.support.docker_cli import docker, exists, inspect


def test_create_with_options_and_remove(prefix):
    name = prefix + 'data'
    args = {'name': name, 'labels': {'app': 'shop'}, 'driver_options': {'type': 'tmpfs', 'device': 'tmpfs', 'o': 'size=8m'}}
    runs = four_step([task('volume', args)])
    assert runs[1].task('t')['actions'] == ['create']
    vol = inspect('volume', name)
    assert vol['Labels'] == {'app': 'shop'} and vol['Options'] == {'type': 'tmpfs', 'device': 'tmpfs', 'o': 'size=8m'}
    four_step([task('volume', {'name': name, 'state': 'absent'})])
    assert not exists('volume', name)


def test_recreate_modes(prefix):
    name = prefix + 'mode'
    docker('volume', 'create', '--label', 'v=1', name)
    # never (default): kept, with a warning
    run = run_tasks([task('volume', {'name': name, 'labels': {'v': '2'}})]).assert_ok()
    assert not run.changed and 'recreate is never' in run.output
    assert inspect('volume', name)['Labels'] == {'v': '1'}
    # options-changed: recreated once
    runs = four_step([task('volume', {'name': name, 'labels': {'v': '2'}, 'recreate': 'options-changed'})])
    assert runs[1].task('t')['actions'] == ['recreate']
    assert inspect('volume', name)['Labels'] == {'v': '2'}
    # always: a change on every run
    run = run_tasks([task('volume', {'name': name, 'labels': {'v': '2'}, 'recreate': 'always'})]).assert_ok()
    assert run.changed


def test_in_use_volume_is_not_removed(prefix, busybox_image):
    name = prefix + 'busy'
    docker('volume', 'create', name)
    docker('run', '-d', '--init', '--name', prefix + 'user', '-v', '%s:/d' % name, busybox_image, 'sleep', '600')
    for args in ({'name': name, 'state': 'absent'}, {'name': name, 'labels': {'x': 'y'}, 'recreate': 'options-changed'}):
        for check in (True, False):
            run = run_tasks([task('volume', args)], check=check)
            assert run.rc != 0 and (prefix + 'user') in run.task('t')['msg']
    assert exists('volume', name)
    assert inspect('container', prefix + 'user')['State']['Running']


def test_label_values_yaml_did_not_read_as_text_are_refused(prefix):
    """As docker_volume and docker_network: 1.0 or yes would be stored as 1.0 / True, not as written."""
    tasks = [dict(task('volume', {'name': prefix + 'v', 'labels': {'version': 1.0}}, name='v'), ignore_errors=True),
             dict(task('network', {'name': prefix + 'n', 'labels': {'on': True}}, name='n'), ignore_errors=True),
             task('volume', {'name': prefix + 'ok', 'labels': {'n': 1}, 'debug': True}, name='ok')]
    run = run_tasks(tasks)
    assert 'labels: the value 1.0 of \'version\' is a float, not text; quote it' in run.task('v')['msg']
    assert 'quote it (for example "true")' in run.task('n')['msg']
    assert not exists('volume', prefix + 'v') and not exists('network', prefix + 'n')
    assert inspect('volume', prefix + 'ok')['Labels'] == {'n': '1'}
