"""berth.docker.exec on the real engine; the docker CLI is the witness. exec always reports a
change (like command), so these runs are check + real, not four-step."""

from tests.support.ansible_run import run_tasks
from tests.support.containers import task
from tests.support.docker_cli import docker


def sleeper(prefix, image, name='box'):
    full = prefix + name
    docker('run', '-d', '--init', '--name', full, image, 'sleep', '600')
    return full


def test_command_argv_chdir_user_env(prefix, busybox_image):
    box = sleeper(prefix, busybox_image)
    run = run_tasks([
        task('exec', {'container': box, 'command': "sh -c 'echo out; echo err >&2; exit 3'"}, name='split',
             failed_when='split.rc != 3', register='split'),
        task('exec', {'container': box, 'argv': ['sh', '-c', 'pwd; id -u; echo $GREETING'], 'chdir': '/bin',
                      'user': '1234', 'env': {'GREETING': 'hi there'}}, name='argv'),
    ]).assert_ok()
    split = run.task('split')
    assert split['changed'] and split['rc'] == 3 and split['msg'] == 'command exited with rc 3 in container %s' % box
    assert split['stdout'] == 'out' and split['stderr'] == 'err'
    assert split['exec_id']
    assert run.task('argv')['stdout'].splitlines() == ['/bin', '1234', 'hi there']


def test_stdin_is_sent_and_closed(prefix, busybox_image):
    box = sleeper(prefix, busybox_image)
    run = run_tasks([
        task('exec', {'container': box, 'argv': ['sh', '-c', 'cat > /got; wc -l < /got'], 'stdin': 'line one\nline two'}, name='in'),
        task('exec', {'container': box, 'argv': ['cat'], 'stdin': 'raw', 'stdin_add_newline': False,
                      'strip_empty_ends': False}, name='raw'),
    ]).assert_ok()
    assert run.task('in')['stdout'].strip() == '2' and run.task('in')['rc'] == 0
    assert run.task('raw')['stdout'] == 'raw'
    assert docker('exec', box, 'cat', '/got').stdout == 'line one\nline two\n'


def test_tty_and_detach(prefix, busybox_image):
    box = sleeper(prefix, busybox_image)
    run = run_tasks([
        task('exec', {'container': box, 'argv': ['sh', '-c', 'echo a; echo b >&2'], 'tty': True}, name='tty'),
        task('exec', {'container': box, 'argv': ['sh', '-c', 'sleep 1; touch /detached'], 'detach': True}, name='bg'),
    ]).assert_ok()
    assert run.task('tty')['stdout'].replace('\r', '').split('\n') == ['a', 'b'] and run.task('tty')['stderr'] == ''
    assert run.task('bg')['exec_id'] and 'rc' not in run.task('bg')
    docker('exec', box, 'sh', '-c', 'for i in 1 2 3 4 5 6 7 8 9 10; do [ -e /detached ] && exit 0; sleep 0.5; done; exit 1')


def test_check_mode_does_not_run(prefix, busybox_image):
    box = sleeper(prefix, busybox_image)
    run = run_tasks([task('exec', {'container': box, 'argv': ['touch', '/ran']})], check=True).assert_ok()
    assert run.task('t')['changed']
    assert docker('exec', box, 'test', '-e', '/ran', check=False).returncode == 1


def test_nonzero_rc_fails_the_task(prefix, busybox_image):
    box = sleeper(prefix, busybox_image)
    run = run_tasks([task('exec', {'container': box, 'argv': ['false']})])
    assert run.rc != 0 and run.task('t')['rc'] == 1 and 'rc 1' in run.task('t')['msg']


def test_fails_when_container_is_not_running(prefix, busybox_image):
    name = prefix + 'stopped'
    docker('create', '--name', name, busybox_image, 'true')
    run = run_tasks([task('exec', {'container': name, 'command': 'true'})])
    assert run.rc != 0 and 'is not running (status created' in run.task('t')['msg']
    run = run_tasks([task('exec', {'container': prefix + 'ghost', 'command': 'true'})])
    assert run.rc != 0 and 'does not exist' in run.task('t')['msg']
    run = run_tasks([task('exec', {'container': name, 'command': 'true', 'argv': ['true']})])
    assert run.rc != 0 and 'mutually exclusive' in run.task('t')['msg']


def test_command_longer_than_the_api_timeout_runs_to_its_end_with_and_without_stdin(prefix, busybox_image):
    """`timeout` bounds the Engine API calls, not the command: a 4 s command under `timeout: 2`
    finishes, whether stdin is sent (a hijacked connection) or not."""
    box = sleeper(prefix, busybox_image)
    run = run_tasks([
        task('exec', {'container': box, 'argv': ['sh', '-c', 'cat; sleep 4; echo done'], 'stdin': 'in', 'timeout': 2}, name='stdin'),
        task('exec', {'container': box, 'argv': ['sh', '-c', 'sleep 4; echo done'], 'timeout': 2}, name='plain'),
    ]).assert_ok()
    assert run.task('stdin')['stdout'].splitlines() == ['in', 'done'] and run.task('stdin')['rc'] == 0
    assert run.task('plain')['stdout'] == 'done' and run.task('plain')['rc'] == 0
