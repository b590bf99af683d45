"""berth.docker.compose_pull and compose_build through real ansible-playbook runs on the real engine
and a real registry (docker-registry 2.8 with htpasswd auth on 127.0.0.1), with the docker CLI as
witness: check mode predicts exactly, a second run changes nothing, the images get the names
berth.docker.compose uses."""

import os

import pytest

from tests.support import compose as cs
from tests.support.ansible_run import four_step, run_tasks
from tests.support.docker_cli import exists, inspect
from tests.support.registry import docker_config, docker_with, login_env, registry  # noqa: F401 - fixtures

__all__ = ['docker_config', 'registry']  # pytest fixtures used by name


def push(env, local, ref):
    """Put ``local`` into the registry as ``ref`` and leave no local ``ref`` tag."""
    docker_with(env, 'tag', local, ref)
    docker_with(env, 'push', ref)
    docker_with(env, 'rmi', ref)


def pull_task(name='pull', **options):
    return {'name': name, 'berth.docker.compose_pull': options, 'register': 'result'}


def build_task(name='build', **options):
    return {'name': name, 'berth.docker.compose_build': options, 'register': 'result'}


def image_id(name):
    return (inspect('image', name) or {}).get('Id')


def by_service(result):
    return dict((e['service'], e) for e in result['images'])


# --------------------------------------------------------------------------- compose_pull

@pytest.mark.slow
def test_pull_a_subset_with_policy_missing(engine, prefix, busybox_image, registry, docker_config, tmp_path):  # noqa: F811
    env = login_env(registry, docker_config)
    ref_a, ref_b = registry.ref(prefix + 'a:1'), registry.ref(prefix + 'b:1')
    push(env, busybox_image, ref_a)
    push(env, busybox_image, ref_b)
    project = prefix + 'pullmiss'
    cs.write_project(tmp_path, {'services': {
        'a': {'image': ref_a, 'depends_on': ['b']},
        'b': {'image': ref_b},
        'c': {'build': {'context': './c'}},
    }}, extra_files={'c/Dockerfile': 'FROM %s\n' % busybox_image})
    task = pull_task(project_src=str(tmp_path), project_name=project, services=['a'], policy='missing')

    check = run_tasks([task], check=True, env=env).assert_ok().task('pull')
    assert check['changed'] and not exists('image', ref_a), 'check mode must not pull'
    assert check['actions'] == [{'what': 'image', 'action': 'pull', 'service': 'a', 'image': ref_a, 'id': None,
                                 'previous_id': None}]
    runs = four_step([task], env=env)
    real = runs[1].task('pull')
    assert [(e['service'], e['status']) for e in real['images']] == [('a', 'pulled')]
    assert real['images'][0]['id'] == image_id(ref_a) == image_id(busybox_image)
    assert real['images'][0]['previous_id'] is None
    assert not exists('image', ref_b), 'b is a dependency: only pulled with include_deps'
    assert [(e['service'], e['status']) for e in runs[3].task('pull')['images']] == [('a', 'present')]
    assert not cs.project_containers(project), 'pull brings nothing up'

    # include_deps adds b; the build-only service c has nothing to pull
    deps = pull_task(project_src=str(tmp_path), project_name=project, services=['a'], policy='missing', include_deps=True)
    result = run_tasks([deps], env=env).assert_ok().task('pull')
    assert result['changed'] and [a['service'] for a in result['actions']] == ['b']
    assert exists('image', ref_b)
    everything = run_tasks([pull_task(project_src=str(tmp_path), project_name=project, policy='missing')],
                           env=env).assert_ok().task('pull')
    assert not everything['changed']
    assert by_service(everything)['c']['status'] == 'skipped'
    assert not exists('image', project + '-c')


@pytest.mark.slow
def test_pull_always_sees_a_new_image_under_the_same_tag(engine, prefix, busybox_image, web_image, registry,
                                                         docker_config, tmp_path):  # noqa: F811
    env = login_env(registry, docker_config)
    ref = registry.ref(prefix + 'app:1')
    push(env, busybox_image, ref)
    project = prefix + 'pullalways'
    cs.write_project(tmp_path, {'services': {'app': {'image': ref}}})
    task = pull_task(project_src=str(tmp_path), project_name=project)  # policy always is the default

    runs = four_step([task], env=env)
    assert runs[1].task('pull')['images'][0]['status'] == 'pulled'
    # pulled again, or asked the registry in check mode: the same image, no change
    assert runs[2].task('pull')['images'][0]['status'] == 'unchanged'
    assert runs[3].task('pull')['images'][0]['status'] == 'unchanged'
    old = image_id(ref)
    assert old == image_id(busybox_image)

    # another image pushed under the same tag: predicted from the registry's digest, then pulled
    docker_with(env, 'tag', web_image, ref)
    docker_with(env, 'push', ref)
    docker_with(env, 'tag', busybox_image, ref)  # the engine's local tag points at the old image again
    predicted = run_tasks([task], check=True, env=env).assert_ok().task('pull')
    assert predicted['changed'] and predicted['actions'][0]['previous_id'] == old
    assert image_id(ref) == old, 'check mode must not pull'
    pulled = run_tasks([task], env=env).assert_ok().task('pull')
    assert pulled['changed']
    assert pulled['actions'] == [{'what': 'image', 'action': 'pull', 'service': 'app', 'image': ref,
                                  'id': image_id(web_image), 'previous_id': old}]
    assert image_id(ref) == image_id(web_image)
    assert not run_tasks([task], check=True, env=env).assert_ok().changed
    assert not run_tasks([task], env=env).assert_ok().changed


@pytest.mark.slow
def test_pull_failures_of_buildable_services_and_ignore_pull_failures(engine, prefix, busybox_image, registry,
                                                                      docker_config, tmp_path):  # noqa: F811
    env = login_env(registry, docker_config)
    missing = registry.ref(prefix + 'nowhere:1')  # never pushed
    project = prefix + 'pullfail'
    cs.write_project(tmp_path, {'services': {
        'built': {'image': missing, 'build': {'context': './b'}},
        'plain': {'image': registry.ref(prefix + 'plain:1')},
    }}, extra_files={'b/Dockerfile': 'FROM %s\n' % busybox_image})
    # a service that can be built: its failed pull is a warning, as compose does
    buildable = pull_task(project_src=str(tmp_path), project_name=project, services=['built'])
    for check in (True, False):
        run = run_tasks([buildable], check=check, env=env).assert_ok()
        result = run.task('pull')
        assert not result['changed'] and result['images'][0]['status'] == 'failed'
        assert 'compose_build' in run.output
    skipped = run_tasks([pull_task(project_src=str(tmp_path), project_name=project, services=['built'],
                                   ignore_buildable=True)], env=env).assert_ok().task('pull')
    assert skipped['images'][0]['status'] == 'skipped' and not skipped['changed']

    # an image that is nowhere fails the task naming the service, unless ignore_pull_failures
    everything = pull_task(project_src=str(tmp_path), project_name=project)
    failed = run_tasks([everything], env=env)
    assert failed.status('pull') == 'failed'
    assert 'service plain' in failed.task('pull')['msg']
    ignored = pull_task(project_src=str(tmp_path), project_name=project, ignore_pull_failures=True)
    result = run_tasks([ignored], env=env).assert_ok().task('pull')
    assert not result['changed']
    assert [e['status'] for e in result['images']] == ['failed', 'failed']


# --------------------------------------------------------------------------- compose_build

def build_project(tmp_path, busybox, marker='one'):
    cs.write_project(tmp_path, {'services': {
        'api': {'build': {'context': './api', 'args': {'MARK': marker}}, 'command': ['sleep', '3600'], 'init': True,
                'depends_on': ['base']},
        'base': {'build': {'context': './base'}, 'command': ['sleep', '3600'], 'init': True},
        'db': {'image': busybox, 'command': ['sleep', '3600'], 'init': True},
    }}, extra_files={
        'api/Dockerfile': 'FROM %s\nARG MARK\nCOPY app.txt /app.txt\nRUN echo "$MARK" > /mark\n' % busybox,
        'api/app.txt': 'version 1\n',
        'base/Dockerfile': 'FROM %s\nRUN echo base > /base\n' % busybox,
    })


@pytest.mark.slow
def test_build_a_subset_is_idempotent_and_a_context_change_rebuilds(engine, prefix, busybox_image, tmp_path):
    project = prefix + 'build'
    build_project(tmp_path, busybox_image)
    task = build_task(project_src=str(tmp_path), project_name=project, services=['api'])
    image = project + '-api'  # the name berth.docker.compose (and docker compose) gives it

    check = run_tasks([task], check=True).assert_ok().task('build')
    assert check['changed'] and not exists('image', image), 'check mode must not build'
    runs = four_step([task])
    real = runs[1].task('build')
    assert [(e['service'], e['image'], e['status']) for e in real['images']] == [('api', image, 'built')]
    first = image_id(image)
    assert real['images'][0]['id'] == first and real['images'][0]['previous_id'] is None
    assert real['actions'] == [{'what': 'image', 'action': 'build', 'service': 'api', 'image': image, 'id': first,
                                'previous_id': None}]
    assert not exists('image', project + '-base'), 'base is a dependency: only built with include_deps'
    assert runs[3].task('build')['images'][0]['status'] == 'unchanged'
    assert not cs.project_containers(project), 'build brings nothing up'

    # a change in the context: predicted, then built under the same name with a new ID
    with open(os.path.join(str(tmp_path), 'api', 'app.txt'), 'w') as handle:
        handle.write('version 2\n')
    predicted = run_tasks([task], check=True).assert_ok().task('build')
    assert predicted['changed'] and image_id(image) == first
    rebuilt = run_tasks([task]).assert_ok().task('build')
    assert rebuilt['changed'] and rebuilt['actions'][0]['previous_id'] == first
    assert rebuilt['actions'][0]['id'] == image_id(image) != first
    assert not run_tasks([task], check=True).assert_ok().changed
    assert not run_tasks([task]).assert_ok().changed

    # include_deps builds base too; db has no build section
    deps = build_task(project_src=str(tmp_path), project_name=project, services=['api'], include_deps=True)
    result = run_tasks([deps]).assert_ok().task('build')
    assert [(e['service'], e['status']) for e in result['images']] == [('base', 'built'), ('api', 'unchanged')]
    everything = run_tasks([build_task(project_src=str(tmp_path), project_name=project)]).assert_ok().task('build')
    assert not everything['changed'] and by_service(everything)['db']['status'] == 'skipped'


@pytest.mark.slow
def test_build_with_pull_changes_only_when_the_base_image_changed(engine, prefix, busybox_image, web_image, registry,
                                                                   docker_config, tmp_path):  # noqa: F811
    """pull: true always runs the build (from the cache); an image ID that comes back the same is no change."""
    env = login_env(registry, docker_config)
    base = registry.ref(prefix + 'base:1')
    push(env, busybox_image, base)
    project = prefix + 'buildpull'
    cs.write_project(tmp_path, {'services': {'app': {'build': {'context': './app'}}}},
                     extra_files={'app/Dockerfile': 'FROM %s\nRUN echo built > /built\n' % base})
    task = build_task(project_src=str(tmp_path), project_name=project, pull=True)
    runs = four_step([task], env=env)
    first = image_id(project + '-app')
    assert runs[1].task('build')['images'][0]['id'] == first
    again = runs[3].task('build')['images'][0]
    assert again['status'] == 'unchanged' and again['id'] == first and again['build_output'], 'the build ran'

    # a newer base image under the same tag: built anew on it
    docker_with(env, 'tag', web_image, base)
    docker_with(env, 'push', base)
    docker_with(env, 'rmi', base)
    rebuilt = run_tasks([task], env=env).assert_ok().task('build')
    assert rebuilt['changed'] and rebuilt['actions'][0]['previous_id'] == first
    assert rebuilt['actions'][0]['id'] == image_id(project + '-app') != first
    assert not run_tasks([task], env=env).assert_ok().changed


@pytest.mark.slow
def test_build_then_compose_with_build_never_uses_the_built_images(engine, prefix, busybox_image, tmp_path):
    project = prefix + 'buildup'
    build_project(tmp_path, busybox_image, marker='marked')
    built = run_tasks([build_task(project_src=str(tmp_path), project_name=project)]).assert_ok().task('build')
    assert sorted(a['service'] for a in built['actions']) == ['api', 'base']
    up = cs.compose_task(project_src=str(tmp_path), project_name=project, build='never', pull='never')
    runs = four_step([up])
    assert not [i for i in runs[1].task('compose')['images'] if i['action'] in ('build', 'pull')]
    containers = cs.project_containers(project)
    assert containers[project + '-api-1']['Image'] == image_id(project + '-api')
    assert containers[project + '-base-1']['Image'] == image_id(project + '-base')
    assert cs.running_names(project) == sorted([project + '-api-1', project + '-base-1', project + '-db-1'])
    # what compose would build is what compose_build built: nothing left to do
    assert not run_tasks([cs.compose_task(project_src=str(tmp_path), project_name=project)]).assert_ok().changed


@pytest.mark.slow
def test_a_failed_build_names_the_service_and_keeps_the_old_image(engine, prefix, busybox_image, tmp_path):
    project = prefix + 'buildfail'
    build_project(tmp_path, busybox_image)
    task = build_task(project_src=str(tmp_path), project_name=project, services=['base', 'api'])
    run_tasks([task]).assert_ok()
    old = image_id(project + '-api')
    with open(os.path.join(str(tmp_path), 'api', 'Dockerfile'), 'a') as handle:
        handle.write('RUN echo about to fail && false\n')
    failed = run_tasks([task])
    assert failed.status('build') == 'failed'
    msg = failed.task('build')['msg']
    assert msg.startswith('service api: building %s-api' % project), msg
    assert 'about to fail' in msg and 'false' in msg
    assert image_id(project + '-api') == old, 'the old image stays in place'
    # check mode predicts the build (it cannot know that it fails)
    assert run_tasks([task], check=True).assert_ok().task('build')['actions'][0]['service'] == 'api'


@pytest.mark.parametrize('module', ['compose_pull', 'compose_build'])
def test_an_unknown_service_fails_clearly(engine, prefix, busybox_image, tmp_path, module):
    project = prefix + 'unknown'
    cs.write_project(tmp_path, {'services': {'web': {'image': busybox_image}, 'api': {'build': {'context': '.'}}}},
                     extra_files={'Dockerfile': 'FROM %s\n' % busybox_image})
    task = {'name': 'x', 'berth.docker.' + module: {'project_src': str(tmp_path), 'project_name': project,
                                                    'services': ['web', 'nope']}}
    for check in (True, False):
        run = run_tasks([task], check=check)
        assert run.status('x') == 'failed'
        assert run.task('x')['msg'] == 'no service nope in project %s; its services are: api, web' % project
    assert not exists('image', project + '-api')
    only_name = {'name': 'x', 'berth.docker.' + module: {'project_name': project}}
    run = run_tasks([only_name])
    assert run.status('x') == 'failed' and 'project_src, files or definition' in run.task('x')['msg']
