"""berth.docker.image push and pull against a real registry (docker-registry 2.8 with htpasswd
auth on 127.0.0.1). The registry's own HTTP API and the docker CLI are the witnesses."""

import base64
import json
import os
import urllib.request

import pytest

from tests.conftest import free_port
from tests.support import docker_cli
from tests.support.ansible_run import four_step, run_tasks
from tests.support.registry import docker_config, registry  # noqa: F401 pylint: disable=unused-import

MANIFEST_TYPES = 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json'


def registry_digest(reg, repository, tag):
    """The digest the registry serves for repository:tag (its HTTP API, not the engine)."""
    request = urllib.request.Request('http://%s/v2/%s/manifests/%s' % (reg.host, repository, tag), method='HEAD')
    request.add_header('Accept', MANIFEST_TYPES)
    token = base64.b64encode(('%s:%s' % (reg.username, reg.password)).encode()).decode()
    request.add_header('Authorization', 'Basic ' + token)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.headers['Docker-Content-Digest']
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise


def logged_in(reg, config_dir):
    path = os.path.join(config_dir, 'config.json')
    with open(path, 'w') as handle:
        json.dump({'auths': {reg.host: {'auth': base64.b64encode(('%s:%s' % (reg.username, reg.password)).encode()).decode()}}},
                  handle)
    os.chmod(path, 0o600)
    return {'DOCKER_CONFIG': config_dir}


def image_task(**args):
    return {'name': 'image', 'berth.docker.image': args}


@pytest.mark.slow
def test_push_four_step_then_unchanged_push_and_changed_image(engine, prefix, busybox_image, web_image, registry, docker_config):  # noqa: F811
    env = logged_in(registry, docker_config)
    local = prefix + 'app:1'
    docker_cli.docker('tag', busybox_image, local)
    target = registry.ref(prefix + 'app:1')
    task = image_task(name=local, source='local', repository=target, push=True)
    runs = four_step([task], env=env)
    pushed = runs[1].task('image')
    digest = registry_digest(registry, prefix + 'app', '1')
    assert digest and pushed['push'] == {'repository': registry.ref(prefix + 'app'), 'tag': '1', 'digest': digest, 'changed': True}
    assert any(a.startswith('Tagged %s as %s' % (local, target)) for a in pushed['actions'])
    assert registry_digest(registry, prefix + 'app', '1') == digest
    for run in runs[2:]:
        assert run.task('image')['push']['changed'] is False and run.task('image')['push']['digest'] == digest
    assert '%s@%s' % (registry.ref(prefix + 'app'), digest) in docker_cli.inspect('image', target)['RepoDigests']

    # another image under the same local name: moving the repository tag needs force_tag
    docker_cli.docker('tag', web_image, local)
    run = run_tasks([task], env=env)
    assert run.rc != 0 and 'force_tag' in run.task('image')['msg']
    assert registry_digest(registry, prefix + 'app', '1') == digest, 'nothing pushed after the failure'
    moved = image_task(name=local, source='local', repository=target, push=True, force_tag=True)
    runs = four_step([moved], env=env)
    new_digest = registry_digest(registry, prefix + 'app', '1')
    assert new_digest != digest and runs[1].task('image')['push']['digest'] == new_digest
    assert docker_cli.inspect('image', target)['Id'] == docker_cli.inspect('image', web_image)['Id']


@pytest.mark.slow
def test_pull_and_pull_by_digest_four_step(engine, prefix, busybox_image, web_image, registry, docker_config):  # noqa: F811
    env = logged_in(registry, docker_config)
    ref = registry.ref(prefix + 'pull:1')
    docker_cli.docker('tag', busybox_image, ref)
    run_tasks([image_task(name=ref, source='local', push=True)], env=env).assert_ok()
    digest = registry_digest(registry, prefix + 'pull', '1')
    docker_cli.docker('rmi', ref)
    assert not docker_cli.exists('image', ref)

    runs = four_step([image_task(name=ref, source='pull')], env=env)
    assert runs[0].task('image')['actions'] == ['Would pull %s (registry digest %s)' % (ref, digest)]
    pulled = docker_cli.inspect('image', ref)
    assert pulled['Id'] == runs[1].task('image')['image']['Id'] == docker_cli.inspect('image', busybox_image)['Id']
    assert '%s@%s' % (registry.ref(prefix + 'pull'), digest) in pulled['RepoDigests']

    # pull.platform: the platform the image has is no change; one the registry does not offer fails clearly
    tasks = [dict(image_task(name=ref, source='pull', pull={'platform': 'linux/amd64'}), name='amd64'),
             dict(image_task(name=ref, source='pull', pull={'platform': 'linux/arm64'}), name='arm64', ignore_errors=True)]
    for check in (True, False):
        run = run_tasks(tasks, env=env, check=check)
        assert run.status('amd64') == 'ok' and not run.task('amd64')['changed']
        assert 'offers it for linux/amd64, not for platform linux/arm64' in run.task('arm64')['msg']
    assert docker_cli.inspect('image', ref)['Id'] == pulled['Id']

    # force_source pulls again; the image did not move, so nothing changed (check mode asks the registry)
    forced = image_task(name=ref, source='pull', force_source=True)
    runs = four_step([forced], env=env, expect_changed=False)
    assert not runs[0].changed and not runs[1].changed

    # by digest: remove every local reference of the repository first
    by_digest = '%s@%s' % (registry.ref(prefix + 'pull'), digest)
    docker_cli.docker('rmi', ref, by_digest, check=False)
    assert not docker_cli.exists('image', by_digest)
    runs = four_step([image_task(name=by_digest, source='pull')], env=env)
    assert docker_cli.inspect('image', by_digest)['Id'] == pulled['Id']
    assert runs[3].task('image')['image']['Id'] == pulled['Id']

    # the tag moves in the registry (another image pushed by the CLI): force_source pulls it and says so
    pusher = registry.ref(prefix + 'pusher:1')
    docker_cli.docker('tag', web_image, pusher)
    run_tasks([image_task(name=pusher, source='local', repository=ref, push=True)], env=env).assert_ok()
    docker_cli.docker('tag', busybox_image, ref)  # the local tag still names the old image
    check = run_tasks([forced], env=env, check=True).assert_ok()
    assert check.changed and check.task('image')['actions'][0].startswith('Would pull %s' % ref)
    run = run_tasks([forced], env=env).assert_ok()
    assert run.changed and run.task('image')['image']['Id'] == docker_cli.inspect('image', web_image)['Id']
    assert docker_cli.inspect('image', ref)['Id'] == docker_cli.inspect('image', web_image)['Id']


@pytest.mark.slow
def test_registry_errors_are_clear(engine, prefix, busybox_image, registry, docker_config):  # noqa: F811
    # no credentials at all
    ref = registry.ref(prefix + 'noauth:1')
    docker_cli.docker('tag', busybox_image, ref)
    run = run_tasks([image_task(name=ref, source='local', push=True)], env={'DOCKER_CONFIG': docker_config})
    assert run.rc != 0 and 'needs a login' in run.task('image')['msg']
    # a wrong password in config.json
    with open(os.path.join(docker_config, 'config.json'), 'w') as handle:
        json.dump({'auths': {registry.host: {'auth': base64.b64encode(('%s:wrong' % registry.username).encode()).decode()}}}, handle)
    run = run_tasks([image_task(name=ref, source='local', push=True)], env={'DOCKER_CONFIG': docker_config})
    assert run.rc != 0 and 'rejected the credentials' in run.task('image')['msg']
    assert registry_digest(registry, prefix + 'noauth', '1') is None, 'nothing was pushed'
    # a tag the registry does not have
    env = logged_in(registry, docker_config)
    run = run_tasks([image_task(name=registry.ref(prefix + 'nothere:1'), source='pull')], env=env)
    assert run.rc != 0 and 'does not have it' in run.task('image')['msg']
    run = run_tasks([image_task(name=registry.ref(prefix + 'nothere:1'), source='pull')], env=env, check=True)
    assert run.rc != 0 and 'is not in registry' in run.task('image')['msg']
    # a registry that is down: push and pull fail and say so
    down = '127.0.0.1:%d' % free_port()
    docker_cli.docker('tag', busybox_image, '%s/%sdown:1' % (down, prefix))
    for args in ({'name': '%s/%sdown:1' % (down, prefix), 'source': 'local', 'push': True},
                 {'name': '%s/%sother:1' % (down, prefix), 'source': 'pull'}):
        run = run_tasks([image_task(**args)], env=env)
        assert run.rc != 0
        msg = run.task('image')['msg']
        assert 'the registry %s cannot be reached' % down in msg and 'connection refused' in msg, msg
        # check mode cannot tell a registry that is down from one an earlier task of the play starts:
        # it warns and predicts the push / pull
        run = run_tasks([image_task(**args)], env=env, check=True).assert_ok()
        assert run.task('image')['changed'] and 'could not ask %s' % down in run.output
