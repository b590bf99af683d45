"""berth.docker.compose_run (a one-off container of a compose service, like docker compose run) through
real ansible-playbook runs on the real engine, with the docker CLI as witness."""

import re

from tests.support import compose as cs
from tests.support.ansible_run import four_step, run_tasks
from tests.support.docker_cli import docker, inspect

ONEOFF = 'com.docker.compose.oneoff'


def sleeper(busybox, **extra):
    """A busybox service that runs until stopped (init: true so SIGTERM ends it at once)."""
    svc = {'image': busybox, 'command': ['sleep', '3600'], 'init': True}
    svc.update(extra)
    return svc


def run_task(task='run', **options):
    return {'name': task, 'berth.docker.compose_run': options, 'register': 'result'}


def oneoffs(project):
    """{name: inspect} of the project's one-off containers."""
    return dict((n, c) for n, c in cs.project_containers(project).items() if c['Config']['Labels'].get(ONEOFF) == 'True')


def services_only(project):
    """{name: inspect} of the project's service (not one-off) containers."""
    return dict((n, c) for n, c in cs.project_containers(project).items() if c['Config']['Labels'].get(ONEOFF) != 'True')


def app_project(prefix, busybox, tmp_path, **app):
    """db (a long-running dependency) and app (depends on db, with an env_file and a port)."""
    project = prefix + 'run'
    svc = {'image': busybox, 'command': ['sh', '-c', 'echo service-command'], 'depends_on': ['db'],
           'env_file': ['app.env'], 'environment': {'FROM_SERVICE': 'service'}, 'ports': ['127.0.0.1::80'],
           'labels': {'org.berth.role': 'app'}, 'restart': 'always'}
    svc.update(app)
    cs.write_project(tmp_path, {'services': {'db': sleeper(busybox), 'app': svc}}, 'compose.yaml',
                     {'app.env': 'FROM_ENV_FILE=env-file\nOVERRIDDEN=from-file\n'})
    return project


def test_run_returns_output_and_removes_the_container(engine, prefix, busybox_image, tmp_path):
    project = app_project(prefix, busybox_image, tmp_path)
    run = run_tasks([run_task(project_src=str(tmp_path), project_name=project, service='app',
                              argv=['sh', '-c', 'echo out; echo err >&2; echo "$FROM_SERVICE $FROM_ENV_FILE $OVERRIDDEN $EXTRA"'],
                              env={'OVERRIDDEN': 'from-task', 'EXTRA': 'extra'})]).assert_ok()
    result = run.task('run')
    assert result['changed'] is True
    assert result['rc'] == 0
    assert result['stdout'] == 'out\nservice env-file from-task extra'
    assert result['stderr'] == 'err'
    assert re.match(r'^%s-app-run-[0-9a-f]{12}$' % re.escape(project), result['container_name']), result['container_name']
    assert result['actions'][-1]['action'] == 'run' and result['actions'][-1]['service'] == 'app'
    # gone afterwards; the dependency db was started and left running, as compose leaves it
    assert inspect('container', result['container_name']) is None
    assert oneoffs(project) == {}
    assert cs.running_names(project) == [project + '-db-1']
    assert [a['service'] for a in result['actions'] if a.get('dependency') and a['what'] == 'container'] == ['db']


def test_oneoff_container_has_the_service_config_and_compose_labels(engine, prefix, busybox_image, tmp_path):
    """rm: false keeps it (exited, oneoff=True, no restart policy, no ports, no alias); compose state present
    neither counts nor removes it, and a later run does not recreate the dependency; state absent removes it."""
    project = app_project(prefix, busybox_image, tmp_path)
    task = run_task(project_src=str(tmp_path), project_name=project, service='app', rm=False,
                    argv=['sh', '-c', 'cat /proc/1/cmdline >/dev/null; echo kept'], labels={'org.berth.extra': 'x'},
                    chdir='/tmp', user='1000:1000')
    result = run_tasks([task]).assert_ok().task('run')
    assert result['stdout'] == 'kept'
    name = result['container_name']
    data = inspect('container', name)
    assert data is not None and not data['State']['Running'] and data['State']['ExitCode'] == 0
    labels = data['Config']['Labels']
    assert labels[ONEOFF] == 'True'
    assert labels['com.docker.compose.project'] == project
    assert labels['com.docker.compose.service'] == 'app'
    assert labels['org.berth.role'] == 'app' and labels['org.berth.extra'] == 'x'
    assert re.match(r'^[0-9a-f]{64}$', labels['com.docker.compose.slug'])
    assert name.endswith(labels['com.docker.compose.slug'][:12])
    assert data['Id'] == result['container_id']
    assert data['HostConfig']['RestartPolicy']['Name'] in ('', 'no')
    assert not data['HostConfig'].get('PortBindings')
    assert data['Config']['WorkingDir'] == '/tmp' and data['Config']['User'] == '1000:1000'
    assert 'FROM_ENV_FILE=env-file' in data['Config']['Env']
    network = data['NetworkSettings']['Networks'][project + '_default']
    assert 'app' not in (network.get('Aliases') or []), network
    db_id = cs.ids(project)[project + '-db-1']

    # a second run: the dependency is running and unchanged, so it is left as it is
    second = run_tasks([dict(task, **{'berth.docker.compose_run': dict(task['berth.docker.compose_run'], rm=True)})])
    second.assert_ok()
    assert not [a for a in second.task('run')['actions'] if a.get('dependency')]
    assert cs.ids(project)[project + '-db-1'] == db_id

    # berth.docker.compose state present neither counts nor removes the one-off container (nor recreates db)
    up = run_tasks([cs.compose_task(project_src=str(tmp_path), project_name=project)]).assert_ok()
    containers = up.task('compose')['containers']
    assert name not in [c['Name'] for c in containers]
    assert sorted(c['Service'] for c in containers) == ['app', 'db']
    assert name in oneoffs(project)
    assert cs.ids(project)[project + '-db-1'] == db_id
    # with remove_orphans the exited one-off goes, as with docker compose up --remove-orphans (v2)
    runs = four_step([cs.compose_task(project_src=str(tmp_path), project_name=project, remove_orphans=True)])
    assert [(a['action'], a['reason']) for a in runs[1].task('compose')['actions'] if a['what'] == 'container'] == [
        ('remove', 'one-off container that has exited')], runs[1].task('compose')['actions']
    assert name not in oneoffs(project) and cs.ids(project)[project + '-db-1'] == db_id
    # ...and state absent of the whole project removes it, as docker compose down does
    run_tasks([cs.compose_task(project_src=str(tmp_path), project_name=project, state='absent')]).assert_ok()
    assert cs.project_containers(project) == {}


def test_failing_command_fails_with_its_output_and_touches_nothing_else(engine, prefix, busybox_image, tmp_path):
    project = app_project(prefix, busybox_image, tmp_path)
    run_tasks([cs.compose_task(project_src=str(tmp_path), project_name=project)]).assert_ok()
    before = cs.ids(project)
    run = run_tasks([run_task(project_src=str(tmp_path), project_name=project, service='app',
                              command="sh -c 'echo boom-out; echo boom-err >&2; exit 3'")])
    assert run.rc != 0 and run.status('run') == 'failed'
    result = run.task('run')
    assert result['rc'] == 3 and result['stdout'] == 'boom-out' and result['stderr'] == 'boom-err'
    assert 'rc 3' in result['msg'] and 'boom-out' in result['msg'] and 'boom-err' in result['msg'], result['msg']
    assert oneoffs(project) == {}
    assert cs.ids(project) == before

    # failed_when accepts the exit code
    accepted = dict(run_task(project_src=str(tmp_path), project_name=project, service='app', argv=['false']),
                    failed_when='result.rc != 1')
    assert run_tasks([accepted]).assert_ok().task('run')['rc'] == 1


def test_no_deps_starts_nothing_else(engine, prefix, busybox_image, tmp_path):
    project = app_project(prefix, busybox_image, tmp_path)
    run = run_tasks([run_task(project_src=str(tmp_path), project_name=project, service='app', no_deps=True,
                              argv=['echo', 'alone'])]).assert_ok()
    result = run.task('run')
    assert result['stdout'] == 'alone'
    assert not [a for a in result['actions'] if a.get('dependency')]
    assert cs.project_containers(project) == {}


def test_service_command_entrypoint_stdin_and_publish(engine, prefix, busybox_image, tmp_path, port):
    project = app_project(prefix, busybox_image, tmp_path)
    base = dict(project_src=str(tmp_path), project_name=project, service='app', no_deps=True)
    run = run_tasks([
        run_task('own command', **base),
        run_task('entrypoint', entrypoint='echo from-entrypoint', **base),
        run_task('stdin', argv=['sh', '-c', 'tr a-z A-Z'], stdin='hello', **base),
        run_task('tty', argv=['sh', '-c', 'echo to-out; echo to-err >&2'], tty=True, **base),
        run_task('publish', argv=['sh', '-c', 'exit 0'], publish=['127.0.0.1:%d:80' % port], rm=False, **base),
        run_task('service ports', argv=['true'], service_ports=True, rm=False, **base),
    ]).assert_ok()
    assert run.task('own command')['stdout'] == 'service-command'
    assert run.task('entrypoint')['stdout'] == 'from-entrypoint'
    assert run.task('stdin')['stdout'] == 'HELLO'
    # a TTY gives one stream
    assert run.task('tty')['stdout'].splitlines() == ['to-out', 'to-err'] and run.task('tty')['stderr'] == ''
    published = inspect('container', run.task('publish')['container_name'])['HostConfig']['PortBindings']
    assert published == {'80/tcp': [{'HostIp': '127.0.0.1', 'HostPort': str(port)}]}
    service_ports = inspect('container', run.task('service ports')['container_name'])['HostConfig']['PortBindings']
    assert service_ports == {'80/tcp': [{'HostIp': '127.0.0.1', 'HostPort': ''}]}


def test_detach_returns_the_container_id(engine, prefix, busybox_image, tmp_path):
    project = app_project(prefix, busybox_image, tmp_path)
    run = run_tasks([run_task(project_src=str(tmp_path), project_name=project, service='app', detach=True,
                              name=prefix + 'worker', argv=['sleep', '300'])]).assert_ok()
    result = run.task('run')
    assert 'rc' not in result and 'stdout' not in result
    data = inspect('container', prefix + 'worker')
    assert data['Id'] == result['container_id'] and data['State']['Running']
    assert data['HostConfig']['AutoRemove'] is True
    assert data['Config']['Labels'][ONEOFF] == 'True'
    # the name is taken now: a second run with it fails clearly and leaves the first one alone
    again = run_tasks([run_task(project_src=str(tmp_path), project_name=project, service='app', detach=True,
                                name=prefix + 'worker', argv=['true'])])
    assert again.status('run') == 'failed'
    assert 'exists already' in again.task('run')['msg'], again.task('run')['msg']
    assert inspect('container', prefix + 'worker')['Id'] == result['container_id']
    docker('rm', '-f', prefix + 'worker')


def test_check_mode_runs_nothing(engine, prefix, busybox_image, tmp_path):
    project = app_project(prefix, busybox_image, tmp_path)
    run = run_tasks([run_task(project_src=str(tmp_path), project_name=project, service='app',
                              argv=['touch', '/never'])], check=True).assert_ok()
    result = run.task('run')
    assert result['changed'] is True
    assert 'would run touch /never' in result['msg'], result['msg']
    assert [(a['what'], a['action'], a.get('service')) for a in result['actions']] == [
        ('network', 'create', None), ('container', 'create', 'db'), ('container', 'run', 'app')]
    assert 'rc' not in result and 'container_id' not in result
    assert cs.project_containers(project) == {} and cs.project_networks(project) == []


def test_unknown_service_and_missing_image_fail_clearly(engine, prefix, busybox_image, tmp_path):
    project = app_project(prefix, busybox_image, tmp_path, image=prefix + 'absent:1', pull_policy='never')
    run = run_tasks([run_task(project_src=str(tmp_path), project_name=project, service='nope', argv=['true'])])
    msg = run.task('run')['msg']
    assert run.status('run') == 'failed' and 'no service nope' in msg and 'app, db' in msg, msg

    run = run_tasks([run_task(project_src=str(tmp_path), project_name=project, service='app', argv=['true'])])
    msg = run.task('run')['msg']
    assert run.status('run') == 'failed' and prefix + 'absent:1' in msg and 'not on the engine' in msg, msg
    assert cs.project_containers(project) == {}  # it fails before its dependency is started

    # an image from a registry that cannot be reached (a closed local port): the pull fails, nothing runs
    unreachable = app_project(prefix, busybox_image, tmp_path, image='127.0.0.1:1/%sabsent:1' % prefix)
    run = run_tasks([run_task(project_src=str(tmp_path), project_name=unreachable, service='app', argv=['true'])])
    msg = run.task('run')['msg']
    assert run.status('run') == 'failed' and '127.0.0.1:1/%sabsent:1' % prefix in msg, msg
    assert cs.project_containers(unreachable) == {}


def test_dependency_conditions_are_waited_for(engine, prefix, busybox_image, tmp_path):
    """depends_on service_completed_successfully and service_healthy: the one-off container starts only once
    the setup service has exited 0 (its output is in the shared named volume) and db is healthy."""
    project = prefix + 'cond'
    cs.write_project(tmp_path, {
        'services': {
            'setup': {'image': busybox_image, 'command': ['sh', '-c', 'sleep 1; echo ready > /shared/flag'],
                      'volumes': ['shared:/shared']},
            'db': sleeper(busybox_image, command=['sh', '-c', 'sleep 2; touch /up; exec sleep 3600'],
                          healthcheck={'test': ['CMD', 'test', '-f', '/up'], 'interval': '1s', 'retries': 30}),
            'app': {'image': busybox_image, 'volumes': ['shared:/shared'],
                    'depends_on': {'setup': {'condition': 'service_completed_successfully'},
                                   'db': {'condition': 'service_healthy'}}},
        },
        'volumes': {'shared': {}},
    })
    run = run_tasks([run_task(project_src=str(tmp_path), project_name=project, service='app',
                              argv=['cat', '/shared/flag'], wait_timeout=60)]).assert_ok()
    assert run.task('run')['stdout'] == 'ready'
    assert inspect('container', project + '-db-1')['State']['Health']['Status'] == 'healthy'
    assert inspect('container', project + '-setup-1')['State']['ExitCode'] == 0
    assert oneoffs(project) == {}
