"""berth.docker.container_copy_into on the real engine; the docker CLI (exec stat/cat) is the witness."""

import base64
import os

from tests.support.ansible_run import four_step, run_tasks
from tests.support.containers import task
from tests.support.docker_cli import docker


def sleeper(prefix, image, name='box', user=None):
    full = prefix + name
    args = ['run', '-d', '--init', '--name', full]
    if user:
        args += ['--user', user]
    docker(*(args + [image, 'sleep', '600']))
    return full


def stat_of(box, path):
    """'size mode-octal type uid gid' of ``path`` in the container."""
    return docker('exec', box, 'stat', '-c', '%s %a %F %u %g', path).stdout.strip()


def cat(box, path):
    return docker('exec', box, 'cat', path).stdout


def copy(args, name='copy'):
    return task('container_copy_into', args, name=name)


def copy_diff(args):
    """The copy task, then a debug task named 'diff' showing its diff (recorded results leave diffs out)."""
    return [task('container_copy_into', args, name='copy', register='res'),
            {'name': 'diff', 'debug': {'var': 'res.diff'}}]


def diff_of(run):
    return run.task('diff')['res.diff']


def test_content_four_steps_then_owner_and_mode_changes_are_seen(prefix, busybox_image):
    box = sleeper(prefix, busybox_image)
    args = {'container': box, 'content': 'hello\n', 'container_path': '/etc/greeting', 'mode': '0640',
            'mode_parse': 'modern', 'owner_id': 0, 'group_id': 0}
    runs = four_step([copy(args)])
    assert runs[0].task('copy')['differences'] == ['absent']
    assert runs[1].task('copy')['container_path'] == '/etc/greeting'
    assert runs[3].task('copy')['differences'] == []
    assert cat(box, '/etc/greeting') == 'hello\n'
    assert stat_of(box, '/etc/greeting') == '6 640 regular file 0 0'

    # an owner change alone is detected, and written
    docker('exec', box, 'chown', '12:34', '/etc/greeting')
    run = run_tasks([copy(args)], check=True).assert_ok()
    assert run.task('copy')['changed'] and run.task('copy')['differences'] == ['owner']
    assert stat_of(box, '/etc/greeting') == '6 640 regular file 12 34'
    run_tasks([copy(args)]).assert_ok()
    assert stat_of(box, '/etc/greeting') == '6 640 regular file 0 0'

    # a mode change alone too
    docker('exec', box, 'chmod', '600', '/etc/greeting')
    run = run_tasks([copy(args)]).assert_ok()
    assert run.task('copy')['changed'] and run.task('copy')['differences'] == ['mode']
    assert stat_of(box, '/etc/greeting') == '6 640 regular file 0 0'

    # and a content change of the same size
    docker('exec', box, 'sh', '-c', 'printf "HELLO\\n" > /etc/greeting')
    run = run_tasks([copy(args)]).assert_ok()
    assert run.task('copy')['differences'] == ['content']
    assert cat(box, '/etc/greeting') == 'hello\n'

    # asked for other owner and mode: a change, then none
    other = dict(args, owner_id=123, group_id=321, mode='0604')
    four_step([copy(other)])
    assert stat_of(box, '/etc/greeting') == '6 604 regular file 123 321'


def test_content_base64_and_diff(prefix, busybox_image):
    box = sleeper(prefix, busybox_image)
    data = b'\x00\x01binary\xff'
    args = {'container': box, 'content': base64.b64encode(data).decode(), 'content_is_b64': True,
            'container_path': '/bin.dat', 'mode': 420, 'owner_id': 0, 'group_id': 0}
    runs = four_step(copy_diff(args), diff=True)
    assert diff_of(runs[0]).get('src_binary') == 1 and diff_of(runs[0]).get('before') == ''
    assert docker('exec', box, 'od', '-An', '-tx1', '/bin.dat').stdout.split() == [
        '00', '01', '62', '69', '6e', '61', '72', '79', 'ff']
    assert stat_of(box, '/bin.dat').startswith('9 644 regular file 0 0')

    # a text change shows the before text in the diff
    docker('exec', box, 'sh', '-c', 'printf "old text\\n" > /text')
    text = {'container': box, 'content': 'new text\n', 'container_path': '/text', 'mode': '644',
            'mode_parse': 'modern', 'owner_id': 0, 'group_id': 0}
    run = run_tasks(copy_diff(text), check=True, diff=True).assert_ok()
    diff = diff_of(run)
    assert diff['before'] == 'old text\n' and diff['before_header'] == '/text'
    assert diff['after_header'] == 'dynamically generated' and diff['after'] == 'new text\n'
    assert cat(box, '/text') == 'old text\n'


def test_file_from_the_managed_host_with_its_mode_and_the_container_user(prefix, busybox_image, tmp_path):
    box = sleeper(prefix, busybox_image, user='1234:5678')
    src = tmp_path / 'script.sh'
    src.write_text('#!/bin/sh\necho hi\n')
    os.chmod(str(src), 0o750)
    args = {'container': box, 'path': str(src), 'container_path': '/script.sh'}
    four_step(copy_diff(args), diff=True)
    assert stat_of(box, '/script.sh') == '18 750 regular file 1234 5678'
    assert docker('exec', box, '/script.sh').stdout.strip() == 'hi'

    # the local file changes: a change
    src.write_text('#!/bin/sh\necho bye\n')
    run = run_tasks(copy_diff(args), diff=True).assert_ok()
    assert run.task('copy')['differences'] == ['content']
    assert diff_of(run)['before'] == '#!/bin/sh\necho hi\n'
    assert diff_of(run)['after'] == '#!/bin/sh\necho bye\n' and diff_of(run)['after_header'] == str(src)
    assert docker('exec', box, '/script.sh').stdout.strip() == 'bye'


def test_force_false_only_writes_what_is_absent_and_force_true_always(prefix, busybox_image):
    box = sleeper(prefix, busybox_image)
    docker('exec', box, 'sh', '-c', 'echo kept > /kept')
    base = {'container': box, 'mode': '0644', 'mode_parse': 'modern', 'owner_id': 0, 'group_id': 0}
    run = run_tasks([copy(dict(base, content='other\n', container_path='/kept', force=False))]).assert_ok()
    assert not run.task('copy')['changed'] and cat(box, '/kept') == 'kept\n'
    run = run_tasks([copy(dict(base, content='new\n', container_path='/new', force=False))]).assert_ok()
    assert run.task('copy')['changed'] and cat(box, '/new') == 'new\n'
    for attempt in range(2):
        run = run_tasks([copy(dict(base, content='new\n', container_path='/new', force=True))]).assert_ok()
        assert run.task('copy')['changed'], attempt


def test_links_in_the_container_replaced_or_followed(prefix, busybox_image):
    box = sleeper(prefix, busybox_image)
    docker('exec', box, 'sh', '-c', 'echo target > /real; ln -s real /lnk')
    base = {'container': box, 'content': 'via link\n', 'mode': '0644', 'mode_parse': 'modern',
            'owner_id': 0, 'group_id': 0}
    runs = four_step([copy(dict(base, container_path='/lnk', follow=True))])
    assert runs[1].task('copy')['container_path'] == '/real'
    assert cat(box, '/real') == 'via link\n'
    assert docker('exec', box, 'readlink', '/lnk').stdout.strip() == 'real'
    # without follow the link itself is replaced by a file
    four_step([copy(dict(base, content='own file\n', container_path='/lnk'))])
    assert docker('exec', box, 'readlink', '/lnk', check=False).returncode != 0
    assert cat(box, '/lnk') == 'own file\n' and cat(box, '/real') == 'via link\n'


def test_stopped_container_needs_ids_and_then_works(prefix, busybox_image):
    name = prefix + 'stopped'
    docker('create', '--name', name, busybox_image, 'sleep', '600')
    base = {'container': name, 'content': 'while stopped\n', 'container_path': '/etc/stopped',
            'mode': '0600', 'mode_parse': 'modern'}
    run = run_tasks([copy(base)])
    assert run.rc != 0 and 'give owner_id and group_id' in run.task('copy')['msg']
    four_step([copy(dict(base, owner_id=12, group_id=910))])
    docker('start', name)
    assert cat(name, '/etc/stopped') == 'while stopped\n'
    assert stat_of(name, '/etc/stopped') == '14 600 regular file 12 910'


def test_bad_input_fails_clearly(prefix, busybox_image):
    box = sleeper(prefix, busybox_image)
    base = {'container': box, 'container_path': '/x', 'owner_id': 0, 'group_id': 0}
    cases = [
        (dict(base, content='zq-secret'), "missing parameter(s) required by 'content': mode"),
        (dict(base, content='zq-secret', mode='0o644', mode_parse='legacy'), 'not a decimal number'),
        (dict(base, content='zq-secret', mode=420, mode_parse='octal_string_only'), 'takes only a string'),
        (dict(base, content='!!', content_is_b64=True, mode=420), 'not valid Base64'),
        (dict(base, content='zq-secret', mode=420, container_path='rel/x'), 'is not absolute'),
        (dict(base, path='/nonexistent/berth', mode=420), 'there is no file /nonexistent/berth'),
        (dict(base, content='zq-secret', mode=420, container='%sghost' % prefix), 'does not exist'),
        (dict(base, content='zq-secret', mode=420, container_path='/no/such/dir/x'), 'the directory /no/such/dir does not exist'),
    ]
    for args, msg in cases:
        run = run_tasks([copy(args)])
        assert run.rc != 0 and msg in run.task('copy')['msg'], (args, run.task('copy').get('msg'))
