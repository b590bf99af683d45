"""berth.docker.compose and compose_info through real ansible-playbook runs on the real engine,
with the docker CLI (and Debian's docker-compose 1.29 for interoperability) as witnesses."""

import hashlib
import os
import random
import time

import pytest

from tests.conftest import free_port
from tests.support import compose as cs
from tests.support.ansible_run import four_step, run_tasks
from tests.support.docker_cli import docker, exists, inspect


def masked(value):
    """How results, diffs and compose_info's config show an environment value or build arg."""
    return '<masked sha256:%s>' % hashlib.sha256(value.encode('utf-8')).hexdigest()[:12]


def sleeper(busybox, **extra):
    """A busybox service that runs until stopped (init: true so SIGTERM ends it at once)."""
    svc = {'image': busybox, 'command': ['sleep', '3600'], 'init': True}
    svc.update(extra)
    return svc


def reference_stack(prefix, busybox, web, db_port, web_port):
    """The reference deployment's nginx + php-fpm + MariaDB compose file (docs/web_stack.md), on the locally built test images (no registry here)."""
    return {
        'version': '3',
        'services': {
            'db': {
                'container_name': prefix + 'mariadb',
                'image': busybox,
                'command': ['sh', '-c', 'echo "$$MYSQL_ROOT_PASSWORD" > /var/lib/mysql/marker; exec sleep 3600'],
                'init': True,
                'restart': 'always',
                'ports': ['127.0.0.1:%d:3306' % db_port],
                'volumes': ['./mariadb/data:/var/lib/mysql', './mariadb/config:/etc/mysql/conf.d'],
                'environment': ['MYSQL_ROOT_PASSWORD=${DB_PASSWORD:?put DB_PASSWORD in .env}', 'TZ=Asia/Seoul'],
            },
            'php': {
                'container_name': prefix + 'php-fpm',
                'image': busybox,
                'command': 'sleep 3600',
                'init': True,
                'volumes': ['./www:/www', './php-fpm/php.ini-development:/usr/local/etc/php/php.ini'],
                'user': '1000:1000',
                'environment': ['TZ=Asia/Seoul'],
            },
            'nginx': {
                'container_name': prefix + 'nginx',
                'image': web,
                'ports': ['127.0.0.1:%d:80' % web_port],
                'volumes': ['./www:/srv/www', './nginx/conf.d:/etc/nginx/conf.d', './nginx/logs:/var/log/nginx'],
                'environment': ['TZ=Asia/Seoul', 'WEB_NAME=reference-nginx'],
            },
        },
    }


@pytest.mark.slow
def test_reference_stack_four_step_then_absent(engine, prefix, busybox_image, web_image, tmp_path):
    project = prefix + 'ref'
    db_port, web_port = free_port(), free_port()
    cs.write_project(tmp_path, reference_stack(prefix, busybox_image, web_image, db_port, web_port), 'docker-compose.yaml',
                     {'.env': 'DB_PASSWORD=mypass\n', 'php-fpm/php.ini-development': 'memory_limit = 64M\n'})
    task = cs.compose_task(project_src=str(tmp_path), project_name=project)
    runs = four_step([task])
    planned = runs[0].task('compose')
    assert [(a['what'], a['action']) for a in planned['actions']] == [
        ('network', 'create'), ('container', 'create'), ('container', 'create'), ('container', 'create')]
    assert 'the top-level version key is obsolete and ignored' in runs[0].output

    containers = cs.project_containers(project)
    assert sorted(containers) == sorted([prefix + 'mariadb', prefix + 'php-fpm', prefix + 'nginx'])
    db = containers[prefix + 'mariadb']
    labels = db['Config']['Labels']
    assert labels['com.docker.compose.project'] == project
    assert labels['com.docker.compose.service'] == 'db'
    assert labels['com.docker.compose.container-number'] == '1'
    assert labels['com.docker.compose.oneoff'] == 'False'
    assert labels['com.docker.compose.project.working_dir'] == str(tmp_path)
    assert labels['com.docker.compose.project.config_files'] == str(tmp_path / 'docker-compose.yaml')
    assert len(labels['com.docker.compose.config-hash']) == 64
    assert 'MYSQL_ROOT_PASSWORD=mypass' in db['Config']['Env'] and 'TZ=Asia/Seoul' in db['Config']['Env']
    assert db['HostConfig']['RestartPolicy']['Name'] == 'always'
    assert '%s:/var/lib/mysql:rw' % (tmp_path / 'mariadb' / 'data') in db['HostConfig']['Binds']
    assert (tmp_path / 'mariadb' / 'data' / 'marker').read_text().strip() == 'mypass'
    assert containers[prefix + 'php-fpm']['Config']['User'] == '1000:1000'
    assert cs.http_get(web_port).strip() == 'reference-nginx'
    assert docker('port', prefix + 'mariadb').stdout.strip().endswith('127.0.0.1:%d' % db_port)
    assert cs.project_networks(project) == [project + '_default']
    assert runs[1].task('compose')['containers'][0]['State'] == 'running'

    run = run_tasks([cs.compose_task(project_src=str(tmp_path), project_name=project, state='absent',
                                     remove_volumes=True)]).assert_ok()
    assert run.changed == ['compose']
    assert cs.project_containers(project) == {} and cs.project_networks(project) == [] and cs.project_volumes(project) == []


def test_tutorial_file_without_depends_on_comes_up_in_one_run(engine, prefix, busybox_image, tmp_path):
    """The tutorial's file has no depends_on, and its nginx looks php up by name when it starts (nginx
    fails "host not found in upstream" and exits when php is not running). Services start in the file's
    order (db, php, nginx), not by name (nginx before php): one run brings all of it up, the next changes
    nothing."""
    project = prefix + 'tut'
    nginx_like = ('nslookup php >/dev/null 2>&1 || { echo "host not found in upstream php:9000"; exit 1; }; '
                  'exec sleep 3600')
    cs.write_project(tmp_path, {'version': '3', 'services': {
        'db': sleeper(busybox_image, container_name=prefix + 'mariadb', restart='always'),
        'php': sleeper(busybox_image, container_name=prefix + 'php-fpm'),
        'nginx': sleeper(busybox_image, container_name=prefix + 'nginx', command=['sh', '-c', nginx_like]),
    }}, 'docker-compose.yaml')
    runs = four_step([cs.compose_task(project_src=str(tmp_path), project_name=project)])
    assert runs[1].changed == ['compose']
    assert [a['service'] for a in runs[1].task('compose')['actions'] if a['what'] == 'container'] == ['db', 'php', 'nginx']
    assert sorted(cs.running_names(project)) == sorted([prefix + 'mariadb', prefix + 'php-fpm', prefix + 'nginx'])
    assert inspect('container', prefix + 'nginx')['RestartCount'] == 0
    # as docker compose v2's up: every container is created before the first one starts
    states = [inspect('container', prefix + n) for n in ('mariadb', 'php-fpm', 'nginx')]
    assert max(c['Created'] for c in states) < min(c['State']['StartedAt'] for c in states), states


def test_a_container_the_engine_refuses_to_create_leaves_nothing_started(engine, prefix, busybox_image, tmp_path):
    """All containers are created before any starts (compose v2's create pass, then its start pass):
    when the engine refuses to create the last service's container (a bind mount whose source does
    not exist, create_host_path false), the earlier service exists, created and never started, and
    the error names the refused container and what waits. Fixed, one run starts it all; the next
    changes nothing."""
    project = prefix + 'halfway'
    missing = str(tmp_path / 'not-there')
    broken = sleeper(busybox_image, volumes=[{'type': 'bind', 'source': missing, 'target': '/data',
                                              'bind': {'create_host_path': False}}])
    cs.write_project(tmp_path, {'services': {'first': sleeper(busybox_image), 'second': broken}})
    base = {'project_src': str(tmp_path), 'project_name': project}
    run = run_tasks([cs.compose_task(**base)])
    assert run.rc != 0
    msg = run.task('compose')['msg']
    assert 'creating container %s-second-1' % project in msg and missing in msg, msg
    assert 'Nothing was started: %s-first-1, created before it, stays created' % project in msg, msg
    first = cs.project_containers(project)[project + '-first-1']
    assert first['State']['Status'] == 'created' and first['State']['StartedAt'].startswith('0001-'), first['State']
    assert list(cs.project_containers(project)) == [project + '-first-1']

    os.makedirs(missing)
    runs = four_step([cs.compose_task(**base)])
    assert [(a['action'], a['service']) for a in runs[1].task('compose')['actions'] if a['what'] == 'container'] == [
        ('start', 'first'), ('create', 'second')]
    assert cs.running_names(project) == sorted([project + '-first-1', project + '-second-1'])


@pytest.mark.slow
def test_multi_file_override_four_step(engine, prefix, busybox_image, web_image, tmp_path):
    project = prefix + 'multi'
    port = free_port()
    base = cs.write_project(tmp_path, {'services': {
        'web': {'image': web_image, 'environment': {'WEB_NAME': 'base', 'KEEP': 'yes'}, 'labels': {'tier': 'front'}},
        'cache': sleeper(busybox_image, volumes=['cachedata:/data']),
    }, 'volumes': {'cachedata': {}}}, 'docker-compose.yml')
    cs.write_project(tmp_path, {'services': {
        'web': {'environment': ['WEB_NAME=${SITE_NAME}'], 'ports': ['127.0.0.1:%d:80' % port], 'depends_on': ['cache']},
        'cache': {'labels': ['role=cache']},
    }}, 'prod.yml')
    cs.write_project(tmp_path, {}, 'unused.yml', {'prod.env': 'SITE_NAME=from-prod-env\n', '.env': 'SITE_NAME=dotenv\n'})
    task = cs.compose_task(project_src=str(tmp_path), files=['docker-compose.yml', 'prod.yml'], env_files=['prod.env'],
                           project_name=project)
    four_step([task])
    containers = cs.project_containers(project)
    web = containers[project + '-web-1']
    assert 'WEB_NAME=from-prod-env' in web['Config']['Env'] and 'KEEP=yes' in web['Config']['Env']
    assert web['Config']['Labels']['tier'] == 'front'
    assert containers[project + '-cache-1']['Config']['Labels']['role'] == 'cache'
    assert web['Config']['Labels']['com.docker.compose.project.config_files'] == '%s,%s' % (base, tmp_path / 'prod.yml')
    assert cs.http_get(port).strip() == 'from-prod-env'
    assert cs.project_volumes(project) == [project + '_cachedata']


@pytest.mark.slow
def test_scale_2_to_4_to_1_removes_highest_numbers(engine, prefix, busybox_image, tmp_path):
    project = prefix + 'scale'
    cs.write_project(tmp_path, {'services': {'worker': sleeper(busybox_image, scale=2), 'other': sleeper(busybox_image)}})
    base = {'project_src': str(tmp_path), 'project_name': project}
    run_tasks([cs.compose_task(**base)]).assert_ok()
    assert cs.running_names(project) == sorted([project + '-other-1', project + '-worker-1', project + '-worker-2'])
    first = cs.ids(project)

    check = run_tasks([cs.compose_task(scale={'worker': 4}, **base)], check=True).assert_ok()
    assert [(a['action'], a['name']) for a in check.task('compose')['actions']] == [
        ('create', project + '-worker-3'), ('create', project + '-worker-4')]
    assert len(cs.ids(project)) == 3
    four = run_tasks([cs.compose_task(scale={'worker': 4}, **base)]).assert_ok()
    assert four.changed == ['compose']
    now = cs.ids(project)
    assert sorted(now) == sorted([project + '-other-1'] + ['%s-worker-%d' % (project, n) for n in (1, 2, 3, 4)])
    assert all(now[n] == first[n] for n in first), 'scaling up must not touch the existing replicas'
    assert not run_tasks([cs.compose_task(scale={'worker': 4}, **base)]).assert_ok().changed

    one = run_tasks([cs.compose_task(scale={'worker': 1}, **base)]).assert_ok()
    assert [a['name'] for a in one.task('compose')['actions']] == ['%s-worker-%d' % (project, n) for n in (4, 3, 2)]
    assert sorted(cs.ids(project)) == sorted([project + '-other-1', project + '-worker-1'])
    assert cs.ids(project)[project + '-worker-1'] == first[project + '-worker-1']
    assert not run_tasks([cs.compose_task(scale={'worker': 1}, **base)], check=True).assert_ok().changed


@pytest.mark.slow
def test_editing_one_service_recreates_only_it(engine, prefix, busybox_image, web_image, tmp_path):
    project = prefix + 'edit'
    doc = {'services': {'a': sleeper(busybox_image), 'b': sleeper(busybox_image, environment={'V': '1'}),
                        'web': {'image': web_image, 'depends_on': ['a', 'b']}}}
    cs.write_project(tmp_path, doc)
    task = cs.compose_task(project_src=str(tmp_path), project_name=project)
    run_tasks([task]).assert_ok()
    before = cs.ids(project)
    old_hash = inspect('container', project + '-b-1')['Config']['Labels']['com.docker.compose.config-hash']
    doc['services']['b']['environment']['V'] = '2'
    cs.write_project(tmp_path, doc)
    runs = four_step([task], diff=True)
    assert [(a['action'], a['service']) for a in runs[0].task('compose')['actions']] == [('recreate', 'b')]
    assert 'recreate container %s-b-1 (its configuration or image changed)' % project in runs[1].output
    new_hash = inspect('container', project + '-b-1')['Config']['Labels']['com.docker.compose.config-hash']
    diff_text = runs[0].output
    assert "+        environment:\n+            V: %s" % masked('2') in diff_text, diff_text
    assert '-        config_hash: %s' % old_hash in diff_text and '+        config_hash: %s' % new_hash in diff_text
    assert 'stop_signal' not in diff_text  # unset keys are left out of the diff
    after = cs.ids(project)
    assert sorted(after) == sorted(before)
    assert [n for n in before if before[n] != after[n]] == [project + '-b-1']
    assert 'V=2' in inspect('container', project + '-b-1')['Config']['Env']
    assert cs.running_names(project) == sorted(before)


@pytest.mark.slow
def test_check_mode_never_builds_and_build_is_idempotent(engine, prefix, busybox_image, tmp_path):
    project = prefix + 'build'
    image = prefix + 'app:1'
    cs.write_project(tmp_path, {'services': {'app': {
        'image': image, 'build': {'context': './app', 'args': {'GREETING': 'hello'}},
        'command': ['sh', '-c', 'cat /greeting; exec sleep 3600'], 'init': True}}},
        extra_files={'app/Dockerfile': 'FROM %s\nARG GREETING\nRUN echo "$GREETING" > /greeting\n' % busybox_image})
    task = cs.compose_task(project_src=str(tmp_path), project_name=project)
    check = run_tasks([task], check=True).assert_ok()
    assert check.changed == ['compose']
    assert check.task('compose')['images'][0]['action'] == 'build'
    assert not exists('image', image), 'check mode must not build'
    assert cs.project_containers(project) == {}
    runs = four_step([task])
    assert [i['action'] for i in runs[1].task('compose')['images']] == ['build']
    assert exists('image', image)
    assert docker('logs', project + '-app-1').stdout.strip() == 'hello'
    # build: always skips an unchanged context (content hash), so it stays idempotent
    assert not run_tasks([cs.compose_task(project_src=str(tmp_path), project_name=project, build='always')]).assert_ok().changed
    (tmp_path / 'app' / 'Dockerfile').write_text('FROM %s\nARG GREETING\nRUN echo "$GREETING again" > /greeting\n' % busybox_image)
    rebuilt = run_tasks([cs.compose_task(project_src=str(tmp_path), project_name=project, build='always')]).assert_ok()
    actions = [(a['what'], a['action']) for a in rebuilt.task('compose')['actions']]
    assert actions == [('image', 'build'), ('container', 'recreate')]
    assert docker('logs', project + '-app-1').stdout.strip() == 'hello again'
    run_tasks([cs.compose_task(project_src=str(tmp_path), project_name=project, state='absent', remove_images='local')]).assert_ok()
    assert exists('image', image), 'remove_images: local keeps images that have an image name of their own'
    run_tasks([cs.compose_task(project_src=str(tmp_path), project_name=project, state='absent', remove_images='all')]).assert_ok()
    assert not exists('image', image)


@pytest.mark.slow
def test_build_shm_size_extra_hosts_and_cache_from_reach_the_build(engine, prefix, busybox_image, tmp_path):
    """build.shm_size, build.extra_hosts and build.cache_from are passed to the engine's build: a RUN
    step sees the extra host in /etc/hosts and a /dev/shm of the declared size."""
    project = prefix + 'buildopts'
    image = prefix + 'buildopts:1'
    cs.write_project(tmp_path, {'services': {'app': {
        'image': image, 'init': True, 'command': ['sh', '-c', 'cat /build-facts; exec sleep 3600'],
        'build': {'context': './app', 'shm_size': '96m', 'extra_hosts': ['buildhost.test:10.11.12.13'],
                  'cache_from': [busybox_image]}}}},
        extra_files={'app/Dockerfile': 'FROM %s\nRUN (grep buildhost.test /etc/hosts; df -k /dev/shm | tail -n 1) '
                                       '> /build-facts\n' % busybox_image})
    result = run_tasks([cs.compose_task(project_src=str(tmp_path), project_name=project)]).assert_ok()
    assert [i['action'] for i in result.task('compose')['images']] == ['build']
    hosts, shm = docker('logs', project + '-app-1').stdout.strip().splitlines()
    assert hosts.split() == ['10.11.12.13', 'buildhost.test']
    assert shm.split()[1] == str(96 * 1024), shm  # 1K blocks
    run_tasks([cs.compose_task(project_src=str(tmp_path), project_name=project, state='absent', remove_images='all')]).assert_ok()


@pytest.mark.slow
def test_docker_compose_v1_interoperability(engine, prefix, busybox_image, web_image, tmp_path):
    project = prefix + 'v1'
    port = free_port()
    cs.write_project(tmp_path, {'services': {
        'web': {'image': web_image, 'ports': ['127.0.0.1:%d:80' % port], 'depends_on': ['db']},
        'db': sleeper(busybox_image)}}, 'docker-compose.yml')
    task = cs.compose_task(project_src=str(tmp_path), project_name=project)
    run_tasks([task]).assert_ok()
    listed = cs.docker_compose(tmp_path, project, 'ps').stdout
    assert project + '-web-1' in listed and project + '-db-1' in listed and 'Up' in listed
    cs.docker_compose(tmp_path, project, 'down')
    assert cs.project_containers(project) == {} and cs.project_networks(project) == []

    # a project brought up by docker-compose is adopted: one recreation to take our hash, then stable
    cs.docker_compose(tmp_path, project, 'up', '-d')
    assert sorted(cs.project_containers(project)) == sorted([project + '_web_1', project + '_db_1'])
    adopt = run_tasks([task]).assert_ok()
    assert adopt.changed == ['compose']
    assert sorted(cs.project_containers(project)) == sorted([project + '-web-1', project + '-db-1'])
    assert cs.http_get(port)
    assert not run_tasks([task], check=True).assert_ok().changed
    assert not run_tasks([task]).assert_ok().changed
    # down by project name alone (no files): everything labelled with the project goes
    gone = run_tasks([cs.compose_task(project_name=project, state='absent')]).assert_ok()
    assert gone.changed == ['compose']
    assert cs.project_containers(project) == {} and cs.project_networks(project) == []


@pytest.mark.slow
def test_compose_info_ps_config_logs(engine, prefix, busybox_image, tmp_path):
    project = prefix + 'info'
    cs.write_project(tmp_path, {'services': {
        'talker': {'image': busybox_image, 'init': True, 'command': ['sh', '-c', 'echo line-one; echo line-two >&2; exec sleep 3600'],
                   'environment': {'TAG': '${TAG:-default-tag}'}},
        'idle': sleeper(busybox_image)}})
    run_tasks([cs.compose_task(project_src=str(tmp_path), project_name=project)]).assert_ok()
    docker('stop', '-t', '0', project + '-idle-1')
    run = run_tasks([
        {'name': 'by name', 'berth.docker.compose_info': {'project_name': project, 'logs': True, 'tail': 10}},
        {'name': 'by files', 'berth.docker.compose_info': {'project_src': str(tmp_path), 'project_name': project,
                                                           'services': ['talker']}},
    ], check=True).assert_ok()
    by_name = run.task('by name')
    assert [(c['Name'], c['State']) for c in by_name['containers']] == [
        (project + '-idle-1', 'exited'), (project + '-talker-1', 'running')]
    assert by_name['services']['talker']['running'] == 1 and by_name['services']['idle']['running'] == 0
    assert 'config' not in by_name
    assert by_name['logs']['talker'][project + '-talker-1'] == ['line-one', 'line-two']
    by_files = run.task('by files')
    assert by_files['config']['services']['talker']['environment'] == {'TAG': masked('default-tag')}
    plain = run_tasks([{'name': 'plain', 'berth.docker.compose_info': {
        'project_src': str(tmp_path), 'project_name': project, 'mask_values': False}}]).assert_ok()
    assert plain.task('plain')['config']['services']['talker']['environment'] == {'TAG': 'default-tag'}
    assert [c['Service'] for c in by_files['containers']] == ['talker']
    assert by_files['changed'] is False
    # state present starts the stopped one again
    again = run_tasks([cs.compose_task(project_src=str(tmp_path), project_name=project)]).assert_ok()
    assert [(a['action'], a['service']) for a in again.task('compose')['actions']] == [('start', 'idle')]


@pytest.mark.slow
def test_stopped_restarted_and_depends_on_conditions(engine, prefix, busybox_image, tmp_path):
    project = prefix + 'states'
    cs.write_project(tmp_path, {'services': {
        'migrate': {'image': busybox_image, 'command': ['sh', '-c', 'echo migrated']},
        'db': sleeper(busybox_image, healthcheck={'test': ['CMD', 'true'], 'interval': '1s', 'start_period': '1s'}),
        'app': sleeper(busybox_image, depends_on={'db': {'condition': 'service_healthy'},
                                                  'migrate': {'condition': 'service_completed_successfully'}}),
    }})
    base = {'project_src': str(tmp_path), 'project_name': project}
    runs = four_step([cs.compose_task(wait=True, wait_timeout=60, **base)])
    started = runs[1].task('compose')
    assert [c['action'] for c in started['actions'] if c['what'] == 'container'] == ['create'] * 3
    containers = cs.project_containers(project)
    db, app = containers[project + '-db-1'], containers[project + '-app-1']
    assert db['State']['Health']['Status'] == 'healthy'
    assert app['State']['StartedAt'] > db['State']['StartedAt']
    assert containers[project + '-migrate-1']['State']['ExitCode'] == 0

    stopped = four_step([cs.compose_task(state='stopped', **base)])
    assert [a['service'] for a in stopped[1].task('compose')['actions']] == ['app', 'db']
    assert cs.running_names(project) == []
    restarted = run_tasks([cs.compose_task(state='restarted', **base)]).assert_ok()
    assert restarted.changed == ['compose']
    assert cs.running_names(project) == sorted([project + '-app-1', project + '-db-1'])
    again = run_tasks([cs.compose_task(state='restarted', **base)]).assert_ok()
    assert {a['action'] for a in again.task('compose')['actions']} == {'restart'}


def test_start_stop_restart_a_subset_of_services(engine, prefix, busybox_image, tmp_path):
    """docker compose stop / start / restart SERVICE...: state stopped, present and restarted with
    services act on those services only (stop never stops what they depend on); stop and start run
    the four steps (check, real, check again with no change predicted, real again with none)."""
    project = prefix + 'subset'
    cs.write_project(tmp_path, {'services': {
        'db': sleeper(busybox_image), 'app': sleeper(busybox_image, depends_on=['db']), 'worker': sleeper(busybox_image)}})
    base = {'project_src': str(tmp_path), 'project_name': project}
    run_tasks([cs.compose_task(**base)]).assert_ok()
    everything = [project + '-app-1', project + '-db-1', project + '-worker-1']
    before = cs.ids(project)

    stop = four_step([cs.compose_task(state='stopped', services=['app'], **base)])
    assert [(a['action'], a['service']) for a in stop[1].task('compose')['actions']] == [('stop', 'app')]
    assert cs.running_names(project) == [project + '-db-1', project + '-worker-1']

    start = four_step([cs.compose_task(services=['app'], **base)])
    assert [(a['action'], a['service']) for a in start[1].task('compose')['actions']] == [('start', 'app')]
    assert cs.running_names(project) == everything and cs.ids(project) == before

    started = dict((n, c['State']['StartedAt']) for n, c in cs.project_containers(project).items())
    restart = run_tasks([cs.compose_task(state='restarted', services=['worker'], dependencies=False, **base)]).assert_ok()
    assert [(a['action'], a['service']) for a in restart.task('compose')['actions']] == [('restart', 'worker')]
    now = dict((n, c['State']['StartedAt']) for n, c in cs.project_containers(project).items())
    assert [n for n in everything if now[n] != started[n]] == [project + '-worker-1']
    assert cs.running_names(project) == everything and cs.ids(project) == before


def test_timeout_is_the_stop_timeout_as_on_docker_compose_v2(engine, prefix, busybox_image, tmp_path):
    """``timeout`` bounds the stop (docker_compose_v2's meaning) and ``api_timeout`` is the Engine API
    timeout: a process that ignores SIGTERM (sleep as PID 1, no init) is killed after 1 s, not after
    the service's stop_grace_period of 30 s, while the API timeout of 20 s is long enough for the
    stop call."""
    project = prefix + 'stopt'
    cs.write_project(tmp_path, {'services': {'deaf': {'image': busybox_image, 'command': ['sleep', '3600'],
                                                      'stop_grace_period': '30s'}}})
    base = {'project_src': str(tmp_path), 'project_name': project, 'api_timeout': 20}
    run_tasks([cs.compose_task(**base)]).assert_ok()
    started = time.monotonic()
    stopped = run_tasks([cs.compose_task(state='stopped', timeout=1, **base)]).assert_ok()
    elapsed = time.monotonic() - started
    assert stopped.changed == ['compose']
    state = cs.project_containers(project)[project + '-deaf-1']['State']
    assert state['Running'] is False and state['ExitCode'] == 137, state
    assert elapsed < 20, elapsed  # the 30 s grace period would have been waited for in full
    # the old name still works, as an alias
    run_tasks([cs.compose_task(**base)]).assert_ok()
    run_tasks([cs.compose_task(state='stopped', stop_timeout=1, **base)]).assert_ok()
    assert cs.project_containers(project)[project + '-deaf-1']['State']['ExitCode'] == 137
    run_tasks([cs.compose_task(state='absent', timeout=1, **base)]).assert_ok()


# ---------------------------------------------------------------- bad input

def _fail(tasks, **kwargs):
    run = run_tasks(tasks, **kwargs)
    assert run.rc != 0
    return run.task(tasks[-1]['name'])['msg']


def test_invalid_yaml_names_line_and_column(engine, prefix, tmp_path):
    (tmp_path / 'compose.yaml').write_text('services:\n  web:\n    image: x\n   ports: [1\n')
    msg = _fail([cs.compose_task(project_src=str(tmp_path), project_name=prefix + 'bad')], check=True)
    assert 'invalid YAML in %s, line 4, column 4' % (tmp_path / 'compose.yaml') in msg


@pytest.mark.parametrize('case', ['unknown service', 'cycle', 'required variable'])
def test_bad_input_fails_clearly_and_creates_nothing(engine, prefix, busybox_image, case):
    project = prefix + 'bad'
    services = {'web': sleeper(busybox_image), 'db': sleeper(busybox_image)}
    options = {'project_name': project, 'project_src': '/tmp'}
    if case == 'unknown service':
        options['services'] = ['ghost']
        expected = 'no service ghost in project %s; its services are: db, web' % project
    elif case == 'cycle':
        services['web']['depends_on'] = ['db']
        services['db']['depends_on'] = ['web']
        expected = 'dependency cycle between services: db -> web -> db'
    else:
        services['db']['environment'] = {'PASSWORD': '${BERTH_UNSET_PASSWORD:?set the database password}'}
        expected = 'required variable BERTH_UNSET_PASSWORD is missing a value: set the database password'
    options['definition'] = {'services': services}
    msg = _fail([cs.compose_task(**options)])
    assert expected in msg
    assert cs.project_containers(project) == {} and cs.project_networks(project) == []


def test_port_clash_fails_before_touching_anything(engine, prefix, busybox_image, web_image, tmp_path):
    project = prefix + 'clash'
    taken, mine = free_port(), free_port()
    docker('run', '-d', '--name', prefix + 'squatter', '-p', '127.0.0.1:%d:80' % taken, web_image)
    doc = {'services': {'web': {'image': web_image, 'ports': ['127.0.0.1:%d:80' % mine]}, 'side': sleeper(busybox_image)}}
    cs.write_project(tmp_path, doc)
    task = cs.compose_task(project_src=str(tmp_path), project_name=project)
    run_tasks([task]).assert_ok()
    before = cs.ids(project)
    doc['services']['web']['ports'] = ['%d:80' % taken]
    doc['services']['side']['environment'] = {'CHANGED': '1'}
    cs.write_project(tmp_path, doc)
    msg = _fail([task])
    assert 'wants host port 0.0.0.0/%d/tcp, which container %ssquatter already publishes' % (taken, prefix) in msg
    assert 'Nothing was changed' in msg
    assert cs.ids(project) == before and cs.running_names(project) == sorted(before)
    assert cs.http_get(mine)


@pytest.mark.slow
def test_healthcheck_that_never_passes_fails_after_wait_timeout(engine, prefix, busybox_image, tmp_path):
    project = prefix + 'sick'
    doc = {'services': {
        'steady': sleeper(busybox_image),
        'api': sleeper(busybox_image, healthcheck={'test': 'true', 'interval': '1s'}),
    }}
    cs.write_project(tmp_path, doc)
    task = cs.compose_task(project_src=str(tmp_path), project_name=project, wait=True, wait_timeout=8)
    run_tasks([task]).assert_ok()
    before = cs.ids(project)
    doc['services']['api']['healthcheck'] = {'test': 'echo database unreachable; exit 1', 'interval': '1s', 'retries': 1}
    cs.write_project(tmp_path, doc)
    msg = _fail([task])
    assert 'service api is not healthy after 8 s' in msg
    assert 'database unreachable' in msg and 'wait_timeout' in msg
    assert cs.ids(project)[project + '-steady-1'] == before[project + '-steady-1']
    assert project + '-steady-1' in cs.running_names(project)


def test_definition_works_without_pyyaml_on_the_host(engine, prefix, busybox_image, tmp_path):
    """The managed host's interpreter has no site-packages at all (python -I -S): an inline
    definition still works; files fail with the install hint."""
    import sys  # noqa: PLC0415
    bare = tmp_path / 'python-bare'
    bare.write_text('#!/bin/sh\nexec %s -I -S "$@"\n' % sys.executable)
    bare.chmod(0o755)
    project = prefix + 'bare'
    definition = {'services': {'one': sleeper(busybox_image)}}
    interp = {'ansible_python_interpreter': str(bare)}
    run = run_tasks([cs.compose_task(project_name=project, definition=definition, project_src=str(tmp_path))],
                    vars=interp).assert_ok()
    assert run.changed == ['compose'] and cs.running_names(project) == [project + '-one-1']
    cs.write_project(tmp_path / 'files', definition)
    msg = _fail([cs.compose_task(project_name=project, project_src=str(tmp_path / 'files'))], vars=interp)
    assert 'python3-yaml' in msg and 'pip install pyyaml' in msg
    assert os.path.exists(str(tmp_path / 'files' / 'compose.yaml'))


def test_exec_by_project_and_service(engine, prefix, busybox_image):
    project = prefix + 'exec'
    definition = {'services': {'worker': sleeper(busybox_image, scale=2, environment={'WHO': 'worker'})}}
    run_tasks([cs.compose_task(project_name=project, definition=definition, project_src='/tmp')]).assert_ok()
    run = run_tasks([
        {'name': 'first', 'berth.docker.exec': {'project': project, 'service': 'worker', 'argv': ['sh', '-c', 'echo $WHO $(hostname)']}},
        {'name': 'second', 'berth.docker.exec': {'project': project, 'service': 'worker', 'index': 2, 'argv': ['hostname']}},
        {'name': 'third', 'berth.docker.exec': {'project': project, 'service': 'worker', 'index': 3, 'argv': ['true']},
         'ignore_errors': True},
        # project_name, as the other compose modules (and community.docker's docker_compose_v2_exec) call it
        {'name': 'fourth', 'berth.docker.exec': {'project_name': project, 'service': 'worker', 'index': 2, 'argv': ['hostname']}},
    ])
    first = inspect('container', project + '-worker-1')['Config']['Hostname']
    second = inspect('container', project + '-worker-2')['Config']['Hostname']
    assert run.task('first')['stdout'] == 'worker %s' % first
    assert run.task('second')['stdout'] == second
    third = run.task('third')
    assert third['failed'] and 'has no container number 3; it has %s-worker-1, %s-worker-2' % (project, project) in third['msg']
    assert run.task('fourth')['stdout'] == second


def test_failed_recreate_puts_the_previous_container_back(engine, prefix, busybox_image, web_image, tmp_path):
    project = prefix + 'rollback'
    port = free_port()
    doc = {'services': {'api': {'image': web_image, 'ports': ['127.0.0.1:%d:80' % port], 'environment': {'WEB_NAME': 'v1'}}}}
    cs.write_project(tmp_path, doc)
    task = cs.compose_task(project_src=str(tmp_path), project_name=project)
    run_tasks([task]).assert_ok()
    before = cs.ids(project)
    assert cs.http_get(port).strip() == 'v1'

    # the engine refuses to create the new container: the old one never stopped
    doc['services']['api']['cap_add'] = ['BOGUS']
    cs.write_project(tmp_path, doc)
    msg = _fail([task])
    assert 'unknown capability' in msg and 'The previous container %s-api-1 was left as it was' % project in msg
    assert cs.ids(project) == before and cs.running_names(project) == [project + '-api-1']

    # the new container is created but cannot start: removed, the old one renamed back and started again
    del doc['services']['api']['cap_add']
    doc['services']['api']['command'] = ['/no/such/program']
    doc['services']['api']['environment']['WEB_NAME'] = 'v2'
    cs.write_project(tmp_path, doc)
    msg = _fail([task])
    assert 'no/such/program' in msg and 'the previous container %s-api-1 was put back and runs again' % project in msg
    assert cs.ids(project) == before and cs.running_names(project) == [project + '-api-1']
    assert cs.http_get(port).strip() == 'v1'


@pytest.mark.slow
def test_networks_aliases_fixed_address_external_and_shared_namespace(engine, prefix, busybox_image, tmp_path):
    project = prefix + 'nets'
    external = prefix + 'shared'
    third = random.randint(0, 255)
    docker('network', 'create', external)
    doc = {
        'services': {
            'api': sleeper(busybox_image, networks={
                'front': {'aliases': ['api.internal'], 'ipv4_address': '10.213.%d.10' % third},
                'back': None, 'outside': None}),
            'sidecar': sleeper(busybox_image, network_mode='service:api'),
            'client': sleeper(busybox_image, networks=['front'], volumes_from=['api:ro']),
        },
        'networks': {
            'front': {'ipam': {'config': [{'subnet': '10.213.%d.0/24' % third}]}, 'labels': {'tier': 'front'}},
            'back': {'internal': True},
            'outside': {'external': True, 'name': external},
        },
    }
    cs.write_project(tmp_path, doc)
    runs = four_step([cs.compose_task(project_src=str(tmp_path), project_name=project)])
    created = [(a['what'], a['action'], a['name']) for a in runs[1].task('compose')['actions']]
    assert ('network', 'create', project + '_front') in created and ('network', 'create', project + '_back') in created
    assert not any(name == external for _w, _a, name in created)
    api = inspect('container', project + '-api-1')
    nets = api['NetworkSettings']['Networks']
    assert sorted(nets) == sorted([project + '_front', project + '_back', external])
    assert nets[project + '_front']['IPAddress'] == '10.213.%d.10' % third
    assert {'api', 'api.internal'} <= set(nets[project + '_front']['Aliases'])
    assert 'api' in nets[project + '_back']['Aliases']
    assert inspect('network', project + '_back')['Internal'] is True
    assert inspect('network', project + '_front')['Labels']['tier'] == 'front'
    assert inspect('container', project + '-sidecar-1')['HostConfig']['NetworkMode'] == 'container:' + api['Id']
    client = inspect('container', project + '-client-1')
    assert client['HostConfig']['VolumesFrom'] == [api['Id'] + ':ro']
    # the client resolves the alias on the shared network
    out = docker('exec', project + '-client-1', 'ping', '-c', '1', '-W', '2', 'api.internal').stdout
    assert '10.213.%d.10' % third in out

    # recreating api recreates the sidecar that shares its network namespace and the client that mounts its volumes
    doc['services']['api']['environment'] = {'NEW': '1'}
    cs.write_project(tmp_path, doc)
    run = run_tasks([cs.compose_task(project_src=str(tmp_path), project_name=project)]).assert_ok()
    # (sidecar before client: the order the file lists them, as compose starts them; issue 12)
    assert [(a['action'], a['service']) for a in run.task('compose')['actions']] == [
        ('recreate', 'api'), ('recreate', 'sidecar'), ('recreate', 'client')]
    new_api = inspect('container', project + '-api-1')['Id']
    assert inspect('container', project + '-sidecar-1')['HostConfig']['NetworkMode'] == 'container:' + new_api
    assert inspect('container', project + '-client-1')['HostConfig']['VolumesFrom'] == [new_api + ':ro']
    run_tasks([cs.compose_task(project_src=str(tmp_path), project_name=project, state='absent')]).assert_ok()
    assert exists('network', external) and not exists('network', project + '_front')


def test_absent_and_scale_down_stop_gracefully_before_removing(engine, prefix, busybox_image, tmp_path):
    """Containers get their stop signal (and the stop timeout) before removal, like docker-compose down."""
    project = prefix + 'graceful'
    script = 'trap "echo stopped-cleanly > /out/$$HOSTNAME; exit 0" TERM; while true; do sleep 1; done'
    cs.write_project(tmp_path, {'services': {'worker': {
        'image': busybox_image, 'command': ['sh', '-c', script], 'volumes': ['./out:/out'], 'scale': 2,
        'stop_grace_period': '20s'}}})
    task = cs.compose_task(project_src=str(tmp_path), project_name=project)
    run_tasks([task]).assert_ok()
    second = inspect('container', project + '-worker-2')['Config']['Hostname']
    run_tasks([cs.compose_task(project_src=str(tmp_path), project_name=project, scale={'worker': 1})]).assert_ok()
    assert (tmp_path / 'out' / second).read_text().strip() == 'stopped-cleanly'
    first = inspect('container', project + '-worker-1')['Config']['Hostname']
    run_tasks([cs.compose_task(project_src=str(tmp_path), project_name=project, state='absent')]).assert_ok()
    assert (tmp_path / 'out' / first).read_text().strip() == 'stopped-cleanly'
    assert cs.project_containers(project) == {}


def test_profiles_select_services(engine, prefix, busybox_image):
    project = prefix + 'prof'
    definition = {'services': {'web': sleeper(busybox_image), 'debug': sleeper(busybox_image, profiles=['dev'])}}
    base = {'project_name': project, 'definition': definition, 'project_src': '/tmp'}
    run_tasks([cs.compose_task(**base)]).assert_ok()
    assert cs.running_names(project) == [project + '-web-1']
    web = cs.ids(project)[project + '-web-1']
    with_dev = run_tasks([cs.compose_task(profiles=['dev'], **base)]).assert_ok()
    assert [(a['action'], a['service']) for a in with_dev.task('compose')['actions']] == [('create', 'debug')]
    assert cs.running_names(project) == sorted([project + '-debug-1', project + '-web-1'])
    assert cs.ids(project)[project + '-web-1'] == web
    # without the profile the debug container is neither touched nor an orphan
    again = run_tasks([cs.compose_task(remove_orphans=True, **base)]).assert_ok()
    assert not again.changed and project + '-debug-1' in cs.running_names(project)


def test_container_name_taken_by_a_foreign_container_fails_before_anything(engine, prefix, busybox_image):
    project = prefix + 'name'
    docker('run', '-d', '--name', prefix + 'mariadb', '--init', busybox_image, 'sleep', '3600')
    definition = {'services': {'db': sleeper(busybox_image, container_name=prefix + 'mariadb'), 'other': sleeper(busybox_image)},
                  'volumes': {'data': {}}}
    msg = _fail([cs.compose_task(project_name=project, definition=definition, project_src='/tmp')])
    assert 'the name %smariadb (service db) is taken by container' % prefix in msg
    assert 'which belongs to no compose project' in msg and 'Nothing was changed' in msg
    assert cs.project_containers(project) == {} and cs.project_networks(project) == [] and cs.project_volumes(project) == []


def test_runtime_namespace_and_resource_keys(engine, prefix, busybox_image):
    project = prefix + 'rtkeys'
    svc = sleeper(busybox_image, runtime='runc', userns_mode='host', cgroup='private', oom_score_adj=250,
                  cpu_shares=512, cpuset='0', pids_limit=64, privileged=False, group_add=['4242'])
    base = {'project_name': project, 'definition': {'services': {'app': svc}}, 'project_src': '/tmp'}
    four_step([cs.compose_task(**base)])
    host = inspect('container', project + '-app-1')['HostConfig']
    assert host['Runtime'] == 'runc' and host['UsernsMode'] == 'host' and host['CgroupnsMode'] == 'private'
    assert host['OomScoreAdj'] == 250 and host['CpuShares'] == 512 and host['CpusetCpus'] == '0'
    assert host['PidsLimit'] == 64 and host['GroupAdd'] == ['4242'] and host['Privileged'] is False
    run_tasks([cs.compose_task(state='absent', **base)]).assert_ok()


def test_recreate_keeps_anonymous_volume_data(engine, prefix, busybox_image):
    """Like compose: an anonymous volume (service ``volumes: [/data]``) is handed to the
    recreated container, so what the old one wrote there is still there."""
    project = prefix + 'anon'
    definition = {'services': {'app': sleeper(busybox_image, volumes=['/data'], environment={'V': '1'})}}
    base = {'project_name': project, 'definition': definition, 'project_src': '/tmp'}
    run_tasks([cs.compose_task(**base)]).assert_ok()
    name = project + '-app-1'
    docker('exec', name, 'sh', '-c', 'echo kept > /data/marker')
    old_id = inspect('container', name)['Id']
    volume = [m['Name'] for m in inspect('container', name)['Mounts'] if m['Destination'] == '/data'][0]

    definition['services']['app']['environment'] = {'V': '2'}
    run = run_tasks([cs.compose_task(**base)]).assert_ok()
    assert [a['action'] for a in run.task('compose')['actions']] == ['recreate']
    new = inspect('container', name)
    assert new['Id'] != old_id
    assert [m['Name'] for m in new['Mounts'] if m['Destination'] == '/data'] == [volume]
    assert docker('exec', name, 'cat', '/data/marker').stdout.strip() == 'kept'
    assert not run_tasks([cs.compose_task(**base)]).assert_ok().changed
    run_tasks([cs.compose_task(state='absent', remove_volumes=True, **base)]).assert_ok()
    assert not exists('volume', volume)


def test_check_mode_predicts_a_pull_it_cannot_confirm(engine, prefix):
    """An image an earlier task will build (or a registry out of reach): check mode warns and
    predicts the pull instead of failing; the real run fails on it, having created nothing."""
    project = prefix + 'later'
    base = {'project_name': project, 'project_src': '/tmp',
            'definition': {'services': {'app': {'image': prefix + 'later:1'}}}}
    check = run_tasks([cs.compose_task(**base)], check=True).assert_ok()
    actions = check.task('compose')['actions']
    assert {'what': 'image', 'action': 'pull', 'service': 'app'}.items() <= actions[0].items(), actions
    assert 'could not confirm that %slater:1 can be pulled' % prefix in check.output
    real = run_tasks([cs.compose_task(**base)])
    assert real.rc != 0 and prefix + 'later:1' in real.task('compose')['msg']
    assert cs.running_names(project) == [] and not exists('network', project + '_default')


def test_check_mode_with_pull_never_predicts_an_image_an_earlier_task_builds(engine, prefix):
    """pull: never and an image not on the engine yet (the web_stack role builds it in an earlier task,
    which check mode only predicts): check mode warns and predicts the containers instead of failing;
    a real run still fails, naming the image, having created nothing."""
    project = prefix + 'nopull'
    base = {'project_name': project, 'project_src': '/tmp', 'pull': 'never',
            'definition': {'services': {'app': {'image': prefix + 'built-later:1'}}}}
    check = run_tasks([cs.compose_task(**base)], check=True).assert_ok()
    assert check.changed == ['compose']
    assert [(a['action'], a['service']) for a in check.task('compose')['actions'] if a['what'] == 'container'] == [
        ('create', 'app')]
    assert 'check mode: service app: image %sbuilt-later:1 is not on the engine' % prefix in check.output
    real = run_tasks([cs.compose_task(**base)])
    assert real.rc != 0 and 'pulling is disabled' in real.task('compose')['msg']
    assert cs.project_containers(project) == {} and not exists('network', project + '_default')


def test_secrets_and_configs(engine, prefix, busybox_image, tmp_path):
    """File secrets and configs are bind-mounted read-only (like compose without swarm); environment
    and content ones are copied in before the start with their mode and owner. A changed secret
    recreates the service; its value never shows in the result or the diff."""
    project = prefix + 'sec'
    (tmp_path / 'secrets').mkdir()
    (tmp_path / 'secrets' / 'db_password').write_text('from-file\n')
    doc = {
        'secrets': {'db_password': {'file': './secrets/db_password'}, 'api_key': {'environment': 'BERTH_API_KEY'}},
        'configs': {'app_conf': {'content': 'level=debug\n'}},
        'services': {'app': sleeper(busybox_image,
                                    secrets=['db_password', {'source': 'api_key', 'target': 'api', 'mode': '0400', 'uid': '1000'}],
                                    configs=[{'source': 'app_conf', 'target': '/etc/app/app.conf'}])},
    }
    cs.write_project(tmp_path, doc)
    (tmp_path / '.env').write_text('BERTH_API_KEY=first-key\n')
    task = cs.compose_task(project_src=str(tmp_path), project_name=project)
    runs = four_step([task], diff=True)
    assert 'first-key' not in runs[1].output and 'first-key' not in repr(runs[1].records)
    name = project + '-app-1'
    assert docker('exec', name, 'cat', '/run/secrets/db_password').stdout == 'from-file\n'
    assert docker('exec', name, 'cat', '/run/secrets/api').stdout == 'first-key'
    assert docker('exec', name, 'stat', '-c', '%a %u', '/run/secrets/api').stdout.split() == ['400', '1000']
    assert docker('exec', name, 'cat', '/etc/app/app.conf').stdout == 'level=debug\n'
    assert docker('exec', name, 'sh', '-c', 'echo x > /run/secrets/db_password', check=False).returncode != 0  # read-only

    # the file is a live bind (no recreate); a new environment value recreates
    cid = inspect('container', name)['Id']
    (tmp_path / 'secrets' / 'db_password').write_text('rotated\n')
    assert not run_tasks([task]).assert_ok().changed
    assert docker('exec', name, 'cat', '/run/secrets/db_password').stdout == 'rotated\n'
    (tmp_path / '.env').write_text('BERTH_API_KEY=second-key\n')
    run = run_tasks([task], diff=True).assert_ok()
    assert [a['action'] for a in run.task('compose')['actions']] == ['recreate']
    assert 'second-key' not in run.output and inspect('container', name)['Id'] != cid
    assert docker('exec', name, 'cat', '/run/secrets/api').stdout == 'second-key'
    run_tasks([cs.compose_task(project_src=str(tmp_path), project_name=project, state='absent')]).assert_ok()


def test_extends_from_another_file(engine, prefix, busybox_image, tmp_path):
    project = prefix + 'ext'
    cs.write_project(tmp_path, {'services': {'base': sleeper(busybox_image, environment={'ROLE': 'base', 'KEEP': 'yes'})}},
                     name='common.yml')
    cs.write_project(tmp_path, {'services': {
        'api': {'extends': {'file': 'common.yml', 'service': 'base'}, 'environment': {'ROLE': 'api'}},
        'jobs': {'extends': 'api', 'environment': {'ROLE': 'jobs'}}}})
    task = cs.compose_task(project_src=str(tmp_path), project_name=project)
    four_step([task])
    assert cs.running_names(project) == [project + '-api-1', project + '-jobs-1']
    env = docker('exec', project + '-jobs-1', 'env').stdout.split()
    assert 'ROLE=jobs' in env and 'KEEP=yes' in env
    run_tasks([cs.compose_task(project_src=str(tmp_path), project_name=project, state='absent')]).assert_ok()


def test_include_another_compose_file(engine, prefix, busybox_image, tmp_path):
    """``include``: the included file's relative paths and ``.env`` are its own directory's."""
    project = prefix + 'inc'
    sub = tmp_path / 'backend'
    cs.write_project(sub, {'services': {'api': sleeper(busybox_image, environment={'TIER': '${TIER}'},
                                                       volumes=['./conf:/conf:ro'])}},
                     extra_files={'.env': 'TIER=backend\n', 'conf/app.conf': 'included\n'})
    cs.write_project(tmp_path, {'include': ['backend/compose.yaml'],
                                'services': {'web': sleeper(busybox_image, depends_on=['api'])}})
    task = cs.compose_task(project_src=str(tmp_path), project_name=project)
    four_step([task])
    assert cs.running_names(project) == [project + '-api-1', project + '-web-1']
    assert docker('exec', project + '-api-1', 'cat', '/conf/app.conf').stdout == 'included\n'
    assert 'TIER=backend' in docker('exec', project + '-api-1', 'env').stdout.split()
    run_tasks([cs.compose_task(project_src=str(tmp_path), project_name=project, state='absent')]).assert_ok()


def test_platform(engine, prefix, busybox_image):
    """``platform`` is honoured: the local amd64 image serves linux/amd64; for linux/arm64 it is
    not the right image, so with pulls disabled the task fails before creating anything."""
    project = prefix + 'plat'
    base = {'project_name': project, 'project_src': '/tmp',
            'definition': {'services': {'app': sleeper(busybox_image, platform='linux/amd64')}}}
    four_step([cs.compose_task(**base)])
    assert cs.running_names(project) == [project + '-app-1']
    other = dict(base, project_name=project + 'arm', pull='never',
                 definition={'services': {'app': sleeper(busybox_image, platform='linux/arm64')}})
    run = run_tasks([cs.compose_task(**other)])
    assert run.rc != 0 and 'not on the engine' in run.task('compose')['msg']
    assert cs.running_names(project + 'arm') == []
    run_tasks([cs.compose_task(state='absent', **base)]).assert_ok()


ENV_SECRET = 'Xq7-env-file-s3cret'
ARG_SECRET = 'Zr4-build-arg-s3cret'
TOKEN_SECRET = 'Wm2-env_file-t0ken'


def _env_project(tmp_path, busybox_image, image, password):
    cs.write_project(tmp_path, {'services': {'app': {
        'image': image, 'build': {'context': './app', 'args': {'BUILD_PW': '${BUILD_PW}'}},
        'command': ['sleep', '3600'], 'init': True,
        'env_file': ['app.env'],
        'environment': {'DB_PASSWORD': '${DB_PASSWORD}', 'TZ': 'UTC'}}}},
        extra_files={'app/Dockerfile': 'FROM %s\nARG BUILD_PW\nRUN test -n "$BUILD_PW"\n' % busybox_image,
                     '.env': 'DB_PASSWORD=%s\nBUILD_PW=%s\n' % (password, ARG_SECRET),
                     'app.env': 'API_TOKEN=%s\n' % TOKEN_SECRET})


def _assert_nowhere(runs, *secrets):
    for run in runs:
        text = run.output + repr(run.records)
        for secret in secrets:
            assert secret not in text, 'secret %s shown:\n%s' % (secret, run.output[-4000:])


@pytest.mark.slow
def test_env_file_values_and_build_args_are_masked(engine, prefix, busybox_image, tmp_path):
    """Values from .env (interpolated into environment and build args) and from a service's env_file show
    only as <masked sha256:...> in results, diffs (-v, --diff) and compose_info's config; the container
    still gets them; a rotated value recreates and shows as a new digest."""
    project = prefix + 'envmask'
    image = prefix + 'envmask:1'
    _env_project(tmp_path, busybox_image, image, ENV_SECRET)
    task = cs.compose_task(project_src=str(tmp_path), project_name=project)
    runs = four_step([task], diff=True, args=['-v'])
    _assert_nowhere(runs, ENV_SECRET, ARG_SECRET, TOKEN_SECRET)
    diff_text = runs[0].output
    assert 'DB_PASSWORD: %s' % masked(ENV_SECRET) in diff_text, diff_text
    assert 'API_TOKEN: %s' % masked(TOKEN_SECRET) in diff_text and 'TZ: %s' % masked('UTC') in diff_text
    assert 'BUILD_PW: %s' % masked(ARG_SECRET) in diff_text
    env = inspect('container', project + '-app-1')['Config']['Env']
    assert 'DB_PASSWORD=%s' % ENV_SECRET in env and 'API_TOKEN=%s' % TOKEN_SECRET in env and 'TZ=UTC' in env

    info = run_tasks([{'name': 'info', 'berth.docker.compose_info': {'project_src': str(tmp_path), 'project_name': project}}],
                     args=['-v']).assert_ok()
    _assert_nowhere([info], ENV_SECRET, ARG_SECRET, TOKEN_SECRET)
    config = info.task('info')['config']['services']['app']
    assert config['environment'] == {'API_TOKEN': masked(TOKEN_SECRET), 'DB_PASSWORD': masked(ENV_SECRET), 'TZ': masked('UTC')}
    assert config['build']['args'] == {'BUILD_PW': masked(ARG_SECRET)}

    # rotation: a new value recreates, the diff shows a new digest, neither value in clear
    cid = inspect('container', project + '-app-1')['Id']
    rotated = ENV_SECRET + '-rotated'
    (tmp_path / '.env').write_text('DB_PASSWORD=%s\nBUILD_PW=%s\n' % (rotated, ARG_SECRET))
    runs = four_step([task], diff=True, args=['-v'])
    _assert_nowhere(runs, ENV_SECRET, rotated, ARG_SECRET, TOKEN_SECRET)
    assert [(a['what'], a['action']) for a in runs[1].task('compose')['actions']] == [('container', 'recreate')]
    assert 'DB_PASSWORD: %s' % masked(rotated) in runs[0].output
    assert inspect('container', project + '-app-1')['Id'] != cid
    run_tasks([cs.compose_task(project_src=str(tmp_path), project_name=project, state='absent')]).assert_ok()


@pytest.mark.parametrize('where', ['.env', 'app.env'])
def test_env_file_that_does_not_parse_names_file_and_line_only(engine, prefix, busybox_image, tmp_path, where):
    """A secret-looking value on a line that is not KEY=VALUE (in .env, or in a service's env_file): the task
    fails naming the file and the line number; the line is nowhere in the output (-vvv); the running
    container is left as it was (compose_info fails the same way)."""
    project = prefix + 'envbad'
    cs.write_project(tmp_path, {'services': {'app': sleeper(busybox_image, env_file=['app.env'],
                                                            environment={'DB_PASSWORD': '${DB_PASSWORD}'})}},
                     extra_files={'.env': 'DB_PASSWORD=first\n', 'app.env': 'A=1\n'})
    task = cs.compose_task(project_src=str(tmp_path), project_name=project)
    run_tasks([task]).assert_ok()
    cid = inspect('container', project + '-app-1')['Id']
    bad = '# settings\nA=1\nDB_PASSWORD %s\n' % ENV_SECRET  # the = forgotten
    (tmp_path / where).write_text(bad)
    for tasks in ([task], [{'name': 'info', 'berth.docker.compose_info': {'project_src': str(tmp_path), 'project_name': project}}]):
        run = run_tasks(tasks, args=['-vvv'])
        assert run.rc != 0 and run.failed
        msg = run.failed[0]['result']['msg']
        assert '%s line 3 is not KEY=VALUE' % (tmp_path / where) in msg, msg
        assert ENV_SECRET not in run.output and ENV_SECRET not in repr(run.records), run.output[-3000:]
    state = inspect('container', project + '-app-1')
    assert state['Id'] == cid and state['State']['Running'] is True
    run_tasks([cs.compose_task(project_name=project, state='absent')]).assert_ok()
