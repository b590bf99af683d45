"""berth.docker.compose pulling service images from a real registry (docker-registry 2.8 with
htpasswd auth on 127.0.0.1): check mode predicts pulls from the registry's digest and pulls nothing."""


import pytest

from tests.support import compose as cs
from tests.support.ansible_run import four_step, run_tasks
from tests.support.docker_cli import exists, inspect
from tests.support.registry import docker_config, docker_with, login_env, registry  # noqa: F401 - fixtures

__all__ = ['docker_config', 'registry']  # pytest fixtures used by name


@pytest.mark.slow
def test_pull_missing_then_pull_always(engine, prefix, busybox_image, web_image, registry, docker_config, tmp_path):  # noqa: F811
    env = login_env(registry, docker_config)
    ref = registry.ref(prefix + 'svc:1')
    docker_with(env, 'tag', busybox_image, ref)
    docker_with(env, 'push', ref)
    docker_with(env, 'rmi', ref)
    project = prefix + 'pull'
    cs.write_project(tmp_path, {'services': {'app': {'image': ref, 'command': ['sleep', '3600'], 'init': True}}})
    task = cs.compose_task(project_src=str(tmp_path), project_name=project)

    check = run_tasks([task], check=True, env=env).assert_ok()
    assert check.task('compose')['images'] == [{'service': 'app', 'image': ref, 'action': 'pull', 'id': None}]
    assert not exists('image', ref), 'check mode must not pull'
    runs = four_step([task], env=env)
    assert [i['action'] for i in runs[1].task('compose')['images']] == ['pull']
    first = inspect('container', project + '-app-1')
    assert first['Image'] == inspect('image', busybox_image)['Id']

    # a new image under the same tag: pull: always sees the new registry digest and recreates
    docker_with(env, 'tag', web_image, ref)
    docker_with(env, 'push', ref)
    docker_with(env, 'tag', busybox_image, ref)  # the engine's local tag points at the old image again
    always = cs.compose_task(project_src=str(tmp_path), project_name=project, pull='always')
    predicted = run_tasks([always], check=True, env=env).assert_ok().task('compose')
    assert [(a['what'], a['action']) for a in predicted['actions']] == [('image', 'pull'), ('container', 'recreate')]
    assert inspect('container', project + '-app-1')['Id'] == first['Id']
    pulled = run_tasks([always], env=env).assert_ok()
    assert pulled.changed == ['compose']
    assert inspect('container', project + '-app-1')['Image'] == inspect('image', web_image)['Id']
    assert not run_tasks([always], env=env).assert_ok().changed
