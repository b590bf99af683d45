"""The split image modules (image_build, image_pull, image_push, image_tag, image_load, image_export,
image_remove) on the real engine and a local registry; the docker CLI is the witness."""

import os

from tests.support import docker_cli
from tests.support.ansible_run import four_step, run_tasks
from tests.support.containers import task
from tests.support.docker_cli import docker, inspect
from tests.support.registry import docker_config, registry  # noqa: F401 pylint: disable=unused-import
from tests.integration.test_image_registry import logged_in


def image_id(name):
    data = inspect('image', name)
    return data['Id'] if data else None


def write_context(path, base, marker):
    os.makedirs(str(path), exist_ok=True)
    with open(os.path.join(str(path), 'Dockerfile'), 'w') as handle:
        handle.write('FROM %s\nCOPY marker /marker\n' % base)
    with open(os.path.join(str(path), 'marker'), 'w') as handle:
        handle.write(marker)


def test_build_tag_remove(prefix, busybox_image, tmp_path):
    repo = prefix + 'built'
    ctx = tmp_path / 'ctx'
    write_context(ctx, busybox_image, prefix)
    build = task('image_build', {'name': repo, 'tag': '1', 'path': str(ctx)}, name='build')
    runs = four_step([build])
    built = image_id(repo + ':1')
    assert built and runs[1].task('build')['image']['Id'] == built
    assert runs[1].task('build')['actions'][0].startswith('Built %s:1' % repo)
    # one byte of the context changes: a new build
    write_context(ctx, busybox_image, prefix + 'x')
    run = run_tasks([build]).assert_ok()
    assert run.task('build')['changed'] and image_id(repo + ':1') != built
    built = image_id(repo + ':1')

    tag = task('image_tag', {'name': repo, 'tag': '1', 'repository': [repo + ':stable', prefix + 'other']}, name='tag',
               register='res')
    runs = four_step([tag, {'name': 'diff', 'debug': {'var': 'res.diff'}}], diff=True)
    diff = runs[0].task('diff')['res.diff']
    assert [i['exists'] for i in diff['before']['images']] == [False, False]
    assert [i['id'] for i in diff['after']['images']] == [built, built]
    assert runs[1].task('tag')['tagged_images'] == [repo + ':stable', prefix + 'other:1']
    assert runs[3].task('tag')['tagged_images'] == []
    assert image_id(repo + ':stable') == built and image_id(prefix + 'other:1') == built

    # a name of another image: keep leaves it, overwrite (the default) moves it
    keep = task('image_tag', {'name': busybox_image, 'repository': [repo + ':stable'], 'existing_images': 'keep'},
                name='tag')
    run = run_tasks([keep]).assert_ok()
    assert not run.task('tag')['changed'] and image_id(repo + ':stable') == built
    move = task('image_tag', {'name': busybox_image, 'repository': [repo + ':stable']}, name='tag')
    run = run_tasks([move]).assert_ok()
    assert run.task('tag')['changed'] and image_id(repo + ':stable') == image_id(busybox_image)

    # removing one tag of several untags; the last one deletes the image
    remove = task('image_remove', {'name': prefix + 'other', 'tag': '1'}, name='rm', register='res')
    runs = four_step([remove, {'name': 'diff', 'debug': {'var': 'res.diff'}}], diff=True)
    diff = runs[1].task('diff')['res.diff']
    assert diff['before']['exists'] and prefix + 'other:1' in diff['before']['tags']
    assert diff['after']['exists'] and prefix + 'other:1' not in diff['after']['tags']
    assert runs[0].task('rm')['untagged'] == [prefix + 'other:1'] and runs[0].task('rm')['deleted'] == []
    assert runs[1].task('rm')['untagged'] == [prefix + 'other:1'] and runs[1].task('rm')['deleted'] == []
    assert runs[1].task('rm')['image']['Id'] == built and runs[3].task('rm')['image'] == {}
    assert image_id(repo + ':1') == built
    remove = task('image_remove', {'name': repo, 'tag': '1'}, name='rm')
    runs = four_step([remove])
    assert runs[0].task('rm')['deleted'] == [built]
    assert built in runs[1].task('rm')['deleted'] and runs[1].task('rm')['untagged'] == [repo + ':1']
    assert image_id(built) is None
    assert image_id(busybox_image)  # the base stays


def test_export_then_load(prefix, busybox_image, tmp_path):
    name = prefix + 'saved:1'
    docker('tag', busybox_image, name)
    path = str(tmp_path / 'images.tar')
    export = task('image_export', {'names': [name], 'path': path}, name='export')
    runs = four_step([export])
    assert os.path.getsize(path) > 0 and [i['Id'] for i in runs[1].task('export')['images']] == [image_id(name)]
    run = run_tasks([task('image_export', {'names': [name], 'path': path, 'force': True}, name='export')]).assert_ok()
    assert run.task('export')['changed']
    docker('rmi', name)
    load = task('image_load', {'path': path}, name='load')
    runs = four_step([load])
    assert runs[1].task('load')['image_names'] == [name]
    assert [i['Id'] for i in runs[1].task('load')['images']] == [image_id(name)]
    # the image module loads by image ID too (the archive must hold that ID)
    by_id = task('image', {'name': image_id(name), 'source': 'load', 'load_path': path}, name='byid')
    run = run_tasks([by_id]).assert_ok()
    assert not run.task('byid')['changed'] and run.task('byid')['image']['Id'] == image_id(name)
    other = task('image', {'name': 'sha256:' + '0' * 64, 'source': 'load', 'load_path': path}, name='byid')
    run = run_tasks([other])
    assert run.rc != 0 and 'does not hold image sha256:000' in run.task('byid')['msg']


def test_push_then_pull(prefix, busybox_image, registry, docker_config):  # noqa: F811
    env = logged_in(registry, docker_config)
    remote = '%s/%sbox' % (registry.host, prefix)
    docker('tag', busybox_image, remote + ':1')
    push = task('image_push', {'name': remote, 'tag': '1'}, name='push')
    runs = four_step([push], env=env)
    assert runs[1].task('push')['image']['Id'] == image_id(busybox_image)
    docker_cli.docker('rmi', remote + ':1')
    pull = task('image_pull', {'name': remote, 'tag': '1', 'pull': 'not_present'}, name='pull')
    runs = four_step([pull], env=env)
    assert runs[1].task('pull')['image']['Id'] == image_id(busybox_image)
    # pull: always pulls again, and reports no change while the ID stays
    run = run_tasks([task('image_pull', {'name': remote, 'tag': '1'}, name='pull')], env=env).assert_ok()
    assert not run.task('pull')['changed']
