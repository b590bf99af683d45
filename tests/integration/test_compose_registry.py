"""berth.docker.compose pulling service images from a real registry (docker-registry 2.8 with
htpasswd auth on 127.0.0.1): check mode predicts pulls from the registry's digest and pulls nothing."""

import base64
import json
import os
import subprocess

import pytest

from tests.support import compose as cs
from tests.support.ansible_run import four_step, run_tasks
from tests.support.docker_cli import ENV, exists, inspect
from tests.support.registry import docker_config, registry  # noqa: F401 - fixtures

__all__ = ['docker_config', 'registry']  # pytest fixtures used by name


def _login(reg, config_dir):
    path = os.path.join(config_dir, 'config.json')
    auth = base64.b64encode(('%s:%s' % (reg.username, reg.password)).encode()).decode()
    with open(path, 'w') as handle:
        json.dump({'auths': {reg.host: {'auth': auth}}}, handle)
    os.chmod(path, 0o600)
    return {'DOCKER_CONFIG': config_dir}


def _docker(env, *args):
    proc = subprocess.run(['docker'] + list(args), env=dict(ENV, **env), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.slow
def test_pull_missing_then_pull_always(engine, prefix, busybox_image, web_image, registry, docker_config, tmp_path):  # noqa: F811
    env = _login(registry, docker_config)
    ref = registry.ref(prefix + 'svc:1')
    _docker(env, 'tag', busybox_image, ref)
    _docker(env, 'push', ref)
    _docker(env, 'rmi', ref)
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
    _docker(env, 'tag', web_image, ref)
    _docker(env, 'push', ref)
    _docker(env, 'tag', busybox_image, ref)  # the engine's local tag points at the old image again
    always = cs.compose_task(project_src=str(tmp_path), project_name=project, pull='always')
    predicted = run_tasks([always], check=True, env=env).assert_ok().task('compose')
    assert [(a['what'], a['action']) for a in predicted['actions']] == [('image', 'pull'), ('container', 'recreate')]
    assert inspect('container', project + '-app-1')['Id'] == first['Id']
    pulled = run_tasks([always], env=env).assert_ok()
    assert pulled.changed == ['compose']
    assert inspect('container', project + '-app-1')['Image'] == inspect('image', web_image)['Id']
    assert not run_tasks([always], env=env).assert_ok().changed
