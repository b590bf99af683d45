"""berth.docker.image moving images without a registry: save (archive_path), load, container
export and import, on the real engine with the docker CLI as witness."""

import json
import os
import tarfile

import pytest

from tests.support import docker_cli
from tests.support.ansible_run import four_step, run_tasks


def image_task(**args):
    return {'name': 'image', 'berth.docker.image': args}


def image_id(name):
    image = docker_cli.inspect('image', name)
    return image['Id'] if image else None


def own_image(prefix, busybox_image, tmp_path, name, marker):
    """A small image of this test's own (so that removing it harms nobody)."""
    ctx = tmp_path / ('ctx-' + marker)
    ctx.mkdir()
    (ctx / 'Dockerfile').write_text('FROM %s\nLABEL berth.test.marker=%s-%s\n' % (busybox_image, prefix, marker))
    docker_cli.docker('build', '-q', '-t', name, str(ctx))
    return image_id(name)


def archive_tags(path):
    with tarfile.open(path) as tar:
        manifest = json.load(tar.extractfile('manifest.json'))
    return sorted(t for entry in manifest for t in entry.get('RepoTags') or [])


@pytest.mark.slow
def test_save_four_step_then_load_four_step(engine, prefix, busybox_image, tmp_path):
    one, two = prefix + 'save:1', prefix + 'other:2'
    id_one = own_image(prefix, busybox_image, tmp_path, one, 'one')
    id_two = own_image(prefix, busybox_image, tmp_path, two, 'two')
    path = str(tmp_path / 'images.tar')
    save = image_task(name=one, source='local', archive_path=path, archive_names=[two])
    runs = four_step([save])
    assert runs[1].task('image')['actions'] == ['Saved %s, %s to %s' % (one, two, path)]
    assert archive_tags(path) == sorted([one, two])
    # the docker CLI loads what we saved
    docker_cli.docker('rmi', one, two)
    loaded = docker_cli.docker('load', '-i', path).stdout
    assert one in loaded and image_id(one) == id_one and image_id(two) == id_two
    # a changed image under the same name makes the archive stale
    docker_cli.docker('tag', busybox_image, two)
    assert run_tasks([save], check=True).assert_ok().changed

    # load: remove both, then load them back through the module
    docker_cli.docker('rmi', one)
    docker_cli.docker('tag', id_two, two)
    docker_cli.docker('rmi', two)
    assert image_id(id_one) is None
    load = image_task(name=one, source='load', load_path=path)
    runs = four_step([load], diff=True)
    assert runs[1].task('image')['image']['Id'] == id_one
    assert image_id(one) == id_one and image_id(two) == id_two
    assert not runs[3].task('image')['actions']
    # a name the archive does not hold is an error that lists what it holds
    run = run_tasks([image_task(name=prefix + 'nothere:1', source='load', load_path=path)])
    assert run.rc != 0 and one in run.task('image')['msg'] and 'not %snothere:1' % prefix in run.task('image')['msg']


def test_corrupt_archives_fail_clearly(engine, prefix, busybox_image, tmp_path):
    name = prefix + 'corrupt:1'
    own_image(prefix, busybox_image, tmp_path, name, 'c')
    good = str(tmp_path / 'good.tar')
    docker_cli.docker('save', '-o', good, name)
    corrupt = str(tmp_path / 'corrupt.tar')
    with open(good, 'rb') as src, open(corrupt, 'wb') as dst:
        dst.write(src.read()[:5000])
    garbage = tmp_path / 'garbage.tar'
    garbage.write_bytes(b'\x00\x01 definitely not a tarball ' * 100)
    docker_cli.docker('rmi', name)
    tasks = [
        dict(image_task(name=name, source='load', load_path=corrupt), name='truncated load', ignore_errors=True),
        dict(image_task(name=name, source='load', load_path=str(garbage)), name='garbage load', ignore_errors=True),
        dict(image_task(name=name, source='load', load_path=str(tmp_path / 'none.tar')), name='missing load', ignore_errors=True),
        dict(image_task(name=name, source='import', import_path=corrupt), name='truncated import', ignore_errors=True),
        dict(image_task(name=name, source='import', import_path=str(garbage)), name='garbage import', ignore_errors=True),
        dict(image_task(name=name, source='import', import_path=good, changes=['RUN true']), name='bad change', ignore_errors=True),
    ]
    run = run_tasks(tasks)
    for task in ('truncated load', 'garbage load'):
        msg = run.task(task)['msg']
        assert 'is not a readable docker save archive' in msg and 'nothing was loaded' in msg, msg
    assert 'does not exist' in run.task('missing load')['msg']
    for task in ('truncated import', 'garbage import'):
        msg = run.task(task)['msg']
        assert 'is not a readable tar archive' in msg and 'nothing was imported' in msg, msg
    assert "'RUN true' is not a Dockerfile instruction that import accepts" in run.task('bad change')['msg']
    assert image_id(name) is None


@pytest.mark.slow
def test_export_four_step_then_import_four_step(engine, prefix, busybox_image, tmp_path):
    container = prefix + 'exp'
    docker_cli.docker('create', '--name', container, busybox_image, 'true')
    path = str(tmp_path / 'rootfs.tar')
    export = {'name': 'export', 'berth.docker.image': {'container_export': {'container': container, 'path': path}}}
    runs = four_step([export])
    assert runs[1].task('export')['export']['changed'] is True
    with tarfile.open(path) as tar:
        assert 'bin/busybox' in tar.getnames()
    # the docker CLI makes the same bytes
    cli = str(tmp_path / 'cli.tar')
    docker_cli.docker('export', '-o', cli, container)
    assert open(cli, 'rb').read() == open(path, 'rb').read()

    name = prefix + 'imported:1'
    changes = ['CMD ["/bin/sh", "-c", "echo imported $GREETING"]', 'ENV GREETING=hello', 'WORKDIR /root', 'EXPOSE 8080']
    imp = image_task(name=name, source='import', import_path=path, changes=changes)
    runs = four_step([imp], diff=True)
    imported = docker_cli.inspect('image', name)
    assert imported['Id'] == runs[1].task('image')['image']['Id']
    cfg = imported['Config']
    assert cfg['Cmd'] == ['/bin/sh', '-c', 'echo imported $GREETING'] and 'GREETING=hello' in cfg['Env']
    assert cfg['WorkingDir'] == '/root' and '8080/tcp' in cfg['ExposedPorts']
    assert cfg['Labels']['berth.docker.import-hash'] == runs[1].task('image')['import_hash']
    assert docker_cli.docker('run', '--rm', name).stdout == 'imported hello\n'
    # other changes: imported again
    imp2 = image_task(name=name, source='import', import_path=path, changes=changes + ['USER 1000'])
    assert run_tasks([imp2]).assert_ok().changed
    assert docker_cli.inspect('image', name)['Config']['User'] == '1000'

    # export of a container that does not exist
    run = run_tasks([{'name': 'export', 'berth.docker.image': {'container_export': {
        'container': prefix + 'nothere', 'path': str(tmp_path / 'x.tar')}}}])
    assert run.rc != 0 and 'there is no container %snothere' % prefix in run.task('export')['msg']
    assert not os.path.exists(str(tmp_path / 'x.tar'))
