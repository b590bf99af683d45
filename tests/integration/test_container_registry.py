"""berth.docker.container pulling from a real local registry (docker-registry with htpasswd
auth): pull missing / always / never, credentials from config.json, a newer image recreates."""

import os
import subprocess

import pytest

from tests.support.ansible_run import four_step, run_tasks
from tests.support.containers import build_image, container_id, status, task
from tests.support.docker_cli import ENV, docker, exists, inspect
from tests.support.registry import docker_config, registry  # noqa: F401 pylint: disable=unused-import

pytestmark = [pytest.mark.registry, pytest.mark.slow]


def cli(config, *args, **kwargs):
    """The docker CLI with the test's own DOCKER_CONFIG."""
    env = dict(ENV, DOCKER_CONFIG=config)
    proc = subprocess.run(['docker'] + list(args), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          input=kwargs.get('input'), check=False)
    assert proc.returncode == 0, proc.stderr
    return proc


def test_pull_policies_and_newer_image(prefix, busybox_image, registry, docker_config):  # noqa: F811
    cli(docker_config, 'login', '-u', registry.username, '--password-stdin', registry.host, input=registry.password)
    ref = registry.ref(prefix + 'app:1')
    first = build_image(prefix + 'app:v1', 'FROM %s\nRUN echo one > /version\nCMD ["sleep", "600"]\n' % busybox_image)
    docker('tag', first, ref)
    cli(docker_config, 'push', ref)
    docker('rmi', ref)
    assert not exists('image', ref)
    env = {'DOCKER_CONFIG': docker_config}
    name = prefix + 'pulled'
    args = {'name': name, 'image': ref, 'init': True}

    # without credentials the pull fails with the fix
    run = run_tasks([task('container', args)], env={'DOCKER_CONFIG': os.path.join(docker_config, 'nothing')})
    assert run.rc != 0 and 'berth.docker.login' in run.task('t')['msg'] and not exists('container', name)
    # pull: never with the image missing
    run = run_tasks([task('container', dict(args, pull='never'))], env=env)
    assert run.rc != 0 and 'pull is never' in run.task('t')['msg']

    runs = four_step([task('container', args)], env=env)
    assert runs[0].task('t')['actions'] == ['pull', 'create', 'start']
    assert inspect('image', ref)['Id'] == first and inspect('container', name)['Image'] == first
    cid = container_id(name)

    # a newer image in the registry; locally the tag still names the old one
    second = build_image(prefix + 'app:v2', 'FROM %s\nRUN echo two > /version\nCMD ["sleep", "600"]\n' % busybox_image)
    docker('tag', second, ref)
    cli(docker_config, 'push', ref)
    docker('tag', first, ref)
    assert not run_tasks([task('container', args)], env=env).assert_ok().changed  # pull: missing
    run = run_tasks([task('container', dict(args, pull='always'))], env=env).assert_ok()
    assert run.task('t')['actions'] == ['pull', 'recreate', 'start']
    assert inspect('image', ref)['Id'] == second and container_id(name) != cid and status(name) == 'running'
    assert docker('exec', name, 'cat', '/version').stdout.strip() == 'two'
    # pulling the same image again changes nothing
    assert not run_tasks([task('container', dict(args, pull=True))], env=env).assert_ok().changed
