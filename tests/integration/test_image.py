"""berth.docker.image: local images, tags and removal on the real engine (docker CLI as witness)."""

import pytest

from tests.support import docker_cli
from tests.support.ansible_run import four_step, run_tasks


def image_task(**args):
    return {'name': 'image', 'berth.docker.image': args}


def image_id(name):
    image = docker_cli.inspect('image', name)
    return image['Id'] if image else None


def test_local_present_reports_the_image_and_missing_fails(engine, prefix, busybox_image):
    run = run_tasks([image_task(name=busybox_image, source='local')]).assert_ok()
    result = run.task('image')
    assert result['changed'] is False and result['image']['Id'] == image_id(busybox_image)
    run = run_tasks([image_task(name=prefix + 'missing:1', source='local')])
    assert run.rc != 0 and 'is not present on the engine' in run.task('image')['msg']


def test_docker_io_library_spelling_is_the_same_image(engine, prefix, busybox_image):
    local = prefix + 'short:1'
    docker_cli.docker('tag', busybox_image, local)
    run = run_tasks([image_task(name='docker.io/library/' + local, source='local')]).assert_ok()
    assert run.task('image')['image']['Id'] == image_id(busybox_image)
    run = run_tasks([image_task(name=prefix + 'short', tag='1', source='local')]).assert_ok()
    assert run.task('image')['image']['Id'] == image_id(busybox_image)


@pytest.mark.slow
def test_tag_four_step_and_force_tag(engine, prefix, busybox_image, web_image):
    target = prefix + 'copy:v1'
    runs = four_step([image_task(name=busybox_image, source='local', repository=target)], diff=True)
    assert runs[1].task('image')['actions'] == ['Tagged %s as %s' % (busybox_image, target)]
    assert target in runs[1].task('image')['image']['RepoTags']
    for run in runs[:2]:  # the diff shows the new tag, in check mode too
        assert '+    - %s' % target in run.output, run.output[-2000:]
    assert image_id(target) == image_id(busybox_image)
    # repository without a tag takes the tag of name
    runs = four_step([image_task(name=busybox_image, source='local', repository=prefix + 'copy')])
    assert image_id(prefix + 'copy:1') == image_id(busybox_image)
    # the tag names another image: fails without force_tag, moves with it
    run = run_tasks([image_task(name=web_image, source='local', repository=target)])
    assert run.rc != 0 and 'already names another image' in run.task('image')['msg'] and 'force_tag' in run.task('image')['msg']
    assert image_id(target) == image_id(busybox_image)
    runs = four_step([image_task(name=web_image, source='local', repository=target, force_tag=True)])
    assert image_id(target) == image_id(web_image)
    assert image_id(busybox_image), 'the old image keeps its own tag'


@pytest.mark.slow
def test_absent_untags_while_other_tags_remain_then_deletes(engine, prefix, busybox_image, tmp_path):
    # an image of our own (built by the CLI) so that deleting it harms nobody
    ctx = tmp_path / 'ctx'
    ctx.mkdir()
    (ctx / 'Dockerfile').write_text('FROM %s\nLABEL berth.test.remove=%s\n' % (busybox_image, prefix))
    first, second = prefix + 'rm:1', prefix + 'rm:2'
    docker_cli.docker('build', '-q', '-t', first, str(ctx))
    docker_cli.docker('tag', first, second)
    the_id = image_id(first)

    runs = four_step([image_task(name=first, state='absent')], diff=True)
    assert runs[0].task('image')['removal'] == 'untag'
    assert runs[1].task('image')['actions'] == ['Untagged %s; image %s stays because it is still tagged %s' % (first, the_id, second)]
    assert runs[1].task('image')['removed'] == [{'Untagged': first}]
    assert image_id(first) is None and image_id(second) == the_id

    runs = four_step([image_task(name=second, state='absent')])
    assert runs[1].task('image')['removal'] == 'delete'
    assert {'Deleted': the_id} in runs[1].task('image')['removed']
    assert image_id(the_id) is None


@pytest.mark.slow
def test_absent_of_an_image_a_container_uses(engine, prefix, busybox_image, tmp_path):
    ctx = tmp_path / 'ctx'
    ctx.mkdir()
    (ctx / 'Dockerfile').write_text('FROM %s\nLABEL berth.test.inuse=%s\n' % (busybox_image, prefix))
    name = prefix + 'inuse:1'
    docker_cli.docker('build', '-q', '-t', name, str(ctx))
    the_id = image_id(name)
    docker_cli.docker('create', '--name', prefix + 'user', name, 'true')
    # the only tag of an image a (stopped) container uses: the engine refuses without force
    run = run_tasks([image_task(name=the_id.split(':')[1], state='absent')])  # a bare ID
    assert run.rc != 0
    assert 'Remove the containers that use it first' in run.task('image')['msg'] and 'force_absent' in run.task('image')['msg']
    assert image_id(name) == the_id
    runs = four_step([image_task(name=name, state='absent', force_absent=True)])
    assert image_id(name) is None
    assert runs[1].task('image')['changed']


def test_invalid_references_fail_before_touching_anything(engine, prefix):
    bad_names = ('Upper/Case', 'a b', 'app:tag:bad', 'app@sha256:123', prefix + 'x:-tag')
    tasks = [dict(image_task(name=bad, source='pull'), name='bad %d' % i, ignore_errors=True) for i, bad in enumerate(bad_names)]
    tasks.append(dict(image_task(name=prefix + 'x:1', source='local', repository='Not Valid'), name='bad repository', ignore_errors=True))
    tasks.append(dict(image_task(name=prefix + 'x:1'), name='no source', ignore_errors=True))
    run = run_tasks(tasks)
    for i in range(len(bad_names)):
        result = run.task('bad %d' % i)
        assert result['failed'] and result['msg'].startswith('name: image reference'), result['msg']
    assert run.task('bad repository')['msg'].startswith('repository: image reference')
    assert 'needs source' in run.task('no source')['msg']
    assert not docker_cli.names('image', prefix)
