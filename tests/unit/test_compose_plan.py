"""The compose planner: labels, hash, names, create bodies and the decisions per container."""

import pytest

from ansible_collections.berth.docker.plugins.module_utils.compose import convert
from ansible_collections.berth.docker.plugins.module_utils.compose import plan as planner
from ansible_collections.berth.docker.plugins.module_utils.compose import labels as names
from ansible_collections.berth.docker.plugins.module_utils.compose.model import load_project
from ansible_collections.berth.docker.plugins.module_utils.errors import ComposeError

IMAGES = {'web': 'sha256:web1', 'db': 'sha256:db1', 'php': 'sha256:php1', 'side': 'sha256:side1'}


def project_of(services, **kwargs):
    doc = {'services': services}
    doc.update(kwargs.pop('extra', {}))
    return load_project(definition=doc, project_src='/srv/demo', environ={}, **kwargs)


def stack(**overrides):
    services = {
        'db': {'image': 'db:1', 'volumes': ['data:/var/lib/db']},
        'php': {'image': 'php:1', 'depends_on': ['db']},
        'web': {'image': 'web:1', 'ports': ['8001:80'], 'depends_on': {'php': {'condition': 'service_healthy'}}},
    }
    for name, changes in overrides.items():
        services[name] = dict(services.get(name, {}), **changes)
    return project_of(services, extra={'volumes': {'data': {}}})


def container(project, service, number, state='running', chash=None, image_id=None, cid=None, name=None, labels=None):
    svc = project.services.get(service)
    if chash is None and svc is not None:
        chash = convert.config_hash(svc, image_id or IMAGES[service])
    lab = {names.LABEL_PROJECT: project.name, names.LABEL_SERVICE: service, names.LABEL_NUMBER: str(number),
           names.LABEL_ONEOFF: 'False', names.LABEL_CONFIG_HASH: chash}
    lab.update(labels or {})
    return {'Id': cid or '%s%d' % (service, number), 'Names': ['/' + (name or '%s-%s-%d' % (project.name, service, number))],
            'State': state, 'Labels': lab, 'Created': number}


def up_to_date(project, scale=None):
    result = []
    for name, svc in project.services.items():
        for number in range(1, (scale or {}).get(name, svc['scale']) + 1):
            result.append(container(project, name, number))
    return result


def nets(project):
    return [{'Name': n['name'], 'Driver': 'bridge', 'Labels': {names.LABEL_PROJECT: project.name}} for n in project.networks.values()]


def vols(project):
    return [{'Name': v['name'], 'Driver': 'local', 'Labels': {names.LABEL_PROJECT: project.name}} for v in project.volumes.values()]


def summary(plan):
    return [(c['action'], c['service'], c['number']) for c in plan.containers]


def plan(project, containers=(), networks=None, volumes=None, images=None, **kwargs):
    return planner.plan_project(project, list(containers), nets(project) if networks is None else networks,
                                vols(project) if volumes is None else volumes, IMAGES if images is None else images, **kwargs)


# ---------------------------------------------------------------- hash, names, labels

def test_config_hash_stable_and_sensitive():
    project = stack()
    web = project.services['web']
    assert convert.config_hash(web, 'sha256:a') == convert.config_hash(dict(reversed(list(web.items()))), 'sha256:a')
    assert convert.config_hash(web, 'sha256:a') != convert.config_hash(web, 'sha256:b')
    changed = stack(web={'environment': ['A=1']}).services['web']
    assert convert.config_hash(changed, 'sha256:a') != convert.config_hash(web, 'sha256:a')
    # scale, profiles, depends_on and pull policy do not change the container
    for key, value in (('scale', 5), ('depends_on', {}), ('pull_policy', 'always'), ('profiles', ['x'])):
        assert convert.config_hash(dict(web, **{key: value}), 'sha256:a') == convert.config_hash(web, 'sha256:a')
    assert len(convert.config_hash(web, 'x')) == 64


def test_container_names():
    project = stack(db={'container_name': 'mariadb'})
    assert names.container_name('demo', project.services['web'], 3) == 'demo-web-3'
    assert names.container_name('demo', project.services['db'], 1) == 'mariadb'
    assert names.legacy_container_name('demo', 'web', 3) == 'demo_web_3'


def test_labels_as_compose_sets_them():
    project = load_project(definition={'services': {'web': {'image': 'w', 'labels': {'app': 'x'}, 'depends_on': ['db']},
                                                    'db': {'image': 'd'}}},
                           project_src='/srv/demo', environ={})
    labels = convert.container_labels(project, project.services['web'], 2, 'h' * 64, 'sha256:abc')
    assert labels == {
        'app': 'x',
        'com.docker.compose.project': 'demo',
        'com.docker.compose.service': 'web',
        'com.docker.compose.container-number': '2',
        'com.docker.compose.oneoff': 'False',
        'com.docker.compose.config-hash': 'h' * 64,
        'com.docker.compose.project.working_dir': '/srv/demo',
        'com.docker.compose.project.config_files': '',
        'com.docker.compose.version': convert.COMPOSE_VERSION,
        'com.docker.compose.depends_on': 'db:service_started:false',
        'com.docker.compose.image': 'sha256:abc',
    }
    net = project.networks['default']
    assert convert.network_labels(project, 'default', net) == {
        'com.docker.compose.project': 'demo', 'com.docker.compose.network': 'default', 'com.docker.compose.version': convert.COMPOSE_VERSION}
    body = convert.network_create_body(project, 'default', net)
    assert body['Name'] == 'demo_default' and body['Driver'] == 'bridge'


def test_volume_labels_and_body():
    project = stack()
    body = convert.volume_create_body(project, 'data', project.volumes['data'])
    assert body['Name'] == 'demo_data'
    assert body['Labels'] == {'com.docker.compose.project': 'demo', 'com.docker.compose.volume': 'data',
                              'com.docker.compose.version': convert.COMPOSE_VERSION}


# ---------------------------------------------------------------- create body

def test_create_body_maps_every_key():
    project = project_of({'web': {
        'image': 'web:1', 'command': ['httpd', '-f'], 'entrypoint': 'tini --', 'environment': {'B': '2', 'A': '1'},
        'ports': ['127.0.0.1:8001:80', '9090/udp'], 'expose': ['81'],
        'volumes': ['./www:/www:ro', 'data:/data', '/anon', {'type': 'tmpfs', 'target': '/t', 'tmpfs': {'size': 1024}},
                    {'type': 'bind', 'source': '/etc/x', 'target': '/x', 'bind': {'create_host_path': False}}],
        'networks': {'front': {'aliases': ['www'], 'ipv4_address': '172.31.0.9', 'priority': 10}, 'back': None},
        'healthcheck': {'test': 'true', 'interval': '2s', 'timeout': '1s', 'retries': 4, 'start_period': '1s'},
        'restart': 'on-failure:2', 'hostname': 'h', 'user': '1000:1000', 'working_dir': '/w', 'labels': {'l': 'v'},
        'extra_hosts': {'db': '10.0.0.1'}, 'dns': ['1.1.1.1'], 'logging': {'driver': 'json-file', 'options': {'max-size': '1m'}},
        'init': True, 'stop_signal': 'SIGINT', 'stop_grace_period': '3s', 'tmpfs': ['/run:size=1m'], 'read_only': True,
        'ulimits': {'nofile': 1024}, 'cap_add': ['NET_ADMIN'], 'cap_drop': ['ALL'],
        'deploy': {'resources': {'limits': {'memory': '64m', 'cpus': 0.5}}},
    }}, extra={'volumes': {'data': {}}, 'networks': {'front': {}, 'back': {}}})
    body = convert.create_body(project, project.services['web'], 1, 'hash', 'sha256:img')
    host = body['HostConfig']
    assert body['Image'] == 'web:1' and body['Cmd'] == ['httpd', '-f'] and body['Entrypoint'] == ['tini', '--']
    assert body['Env'] == ['A=1', 'B=2']
    assert body['ExposedPorts'] == {'80/tcp': {}, '9090/udp': {}, '81/tcp': {}}
    assert host['PortBindings'] == {'80/tcp': [{'HostIp': '127.0.0.1', 'HostPort': '8001'}],
                                    '9090/udp': [{'HostIp': '', 'HostPort': ''}]}
    assert host['Binds'] == ['/srv/demo/www:/www:ro', 'demo_data:/data:rw']
    assert body['Volumes'] == {'/anon': {}}
    assert host['Mounts'] == [{'Type': 'tmpfs', 'Target': '/t', 'TmpfsOptions': {'SizeBytes': 1024}},
                              {'Type': 'bind', 'Source': '/etc/x', 'Target': '/x'}]
    assert host['NetworkMode'] == 'demo_front'
    assert body['NetworkingConfig'] == {'EndpointsConfig': {'demo_front': {
        'Aliases': ['web', 'www'], 'IPAMConfig': {'IPv4Address': '172.31.0.9'}}}}
    assert [k for k, _v in convert.sorted_networks(project.services['web'])] == ['front', 'back']
    assert body['Healthcheck'] == {'Test': ['CMD-SHELL', 'true'], 'Interval': 2 * 10 ** 9, 'Timeout': 10 ** 9,
                                   'StartPeriod': 10 ** 9, 'Retries': 4}
    assert host['RestartPolicy'] == {'Name': 'on-failure', 'MaximumRetryCount': 2}
    assert (body['Hostname'], body['User'], body['WorkingDir'], body['StopSignal'], body['StopTimeout']) == (
        'h', '1000:1000', '/w', 'SIGINT', 3)
    assert body['Labels']['l'] == 'v' and body['Labels'][names.LABEL_CONFIG_HASH] == 'hash'
    assert host['ExtraHosts'] == ['db:10.0.0.1'] and host['Dns'] == ['1.1.1.1']
    assert host['LogConfig'] == {'Type': 'json-file', 'Config': {'max-size': '1m'}}
    assert host['Init'] is True and host['ReadonlyRootfs'] is True and host['Tmpfs'] == {'/run': 'size=1m'}
    assert host['Ulimits'] == [{'Name': 'nofile', 'Soft': 1024, 'Hard': 1024}]
    assert host['CapAdd'] == ['CAP_NET_ADMIN'] and host['CapDrop'] == ['ALL']
    assert host['Memory'] == 64 * 1024 * 1024 and host['NanoCpus'] == 500000000


def test_create_body_restart_no_and_network_mode_service():
    project = project_of({'web': {'image': 'w', 'restart': 'no'}, 'side': {'image': 's', 'network_mode': 'service:web'}})
    assert convert.create_body(project, project.services['web'], 1, 'h')['HostConfig']['RestartPolicy'] == {'Name': 'no'}
    body = convert.create_body(project, project.services['side'], 1, 'h', resolve_container=lambda s: 'abc123')
    assert body['HostConfig']['NetworkMode'] == 'container:abc123' and 'NetworkingConfig' not in body
    with pytest.raises(ComposeError, match='has no container'):
        convert.create_body(project, project.services['side'], 1, 'h', resolve_container=lambda s: None)


# ---------------------------------------------------------------- plan: present

def test_fresh_project_creates_everything_in_dependency_order():
    project = stack()
    result = plan(project, networks=[], volumes=[])
    assert [n['name'] for n in result.networks] == ['demo_default']
    assert [v['name'] for v in result.volumes] == ['demo_data']
    assert summary(result) == [('create', 'db', 1), ('create', 'php', 1), ('create', 'web', 1)]
    assert [c['name'] for c in result.containers] == ['demo-db-1', 'demo-php-1', 'demo-web-1']
    assert result.changed and result.services == ['db', 'php', 'web']


def test_nothing_to_do_when_up_to_date():
    project = stack()
    result = plan(project, up_to_date(project))
    assert not result.changed and result.actions() == [] and result.warnings == []


def test_editing_one_service_recreates_only_it():
    project = stack()
    current = up_to_date(project)
    edited = stack(php={'environment': ['X=1']})
    result = plan(edited, current)
    assert summary(result) == [('recreate', 'php', 1)]
    assert result.containers[0]['reason'] == 'its configuration or image changed'


def test_new_image_id_recreates():
    project = stack()
    result = plan(project, up_to_date(project), images=dict(IMAGES, web='sha256:web2'))
    assert summary(result) == [('recreate', 'web', 1)]


def test_unknown_image_id_with_pull_recreates_and_reports_image():
    project = stack()
    result = plan(project, up_to_date(project), images=dict(IMAGES, web=None), image_actions={'web': 'pull'})
    assert summary(result) == [('recreate', 'web', 1)]
    assert result.images == [{'action': 'pull', 'service': 'web', 'image': 'web:1'}]


def test_recreate_policies():
    project = stack()
    current = up_to_date(project)
    assert summary(plan(project, current, recreate='always')) == [('recreate', 'db', 1), ('recreate', 'php', 1), ('recreate', 'web', 1)]
    edited = stack(web={'environment': ['X=1']})
    assert summary(plan(edited, current, recreate='never')) == []
    with pytest.raises(ComposeError, match='recreate'):
        plan(project, current, recreate='sometimes')


def test_stopped_containers_are_started():
    project = stack()
    current = up_to_date(project)
    current[0]['State'] = 'exited'
    assert summary(plan(project, current)) == [('start', 'db', 1)]


def test_container_without_hash_is_adopted_by_recreation():
    project = stack()
    current = up_to_date(project)
    current[2]['Labels'].pop(names.LABEL_CONFIG_HASH)
    result = plan(project, current)
    assert summary(result) == [('recreate', current[2]['Labels'][names.LABEL_SERVICE], 1)]
    assert result.containers[0]['reason'] == 'it was not created with a config hash'


def test_v1_named_containers_adopted_and_renamed_on_recreate():
    project = stack()
    current = [container(project, 'db', 1, name='demo_db_1', chash='v1hash'),
               container(project, 'php', 1, name='demo_php_1'), container(project, 'web', 1, name='demo_web_1')]
    result = plan(project, current)
    assert summary(result) == [('recreate', 'db', 1)]
    assert result.containers[0]['name'] == 'demo_db_1' and result.containers[0]['new_name'] == 'demo-db-1'


# ---------------------------------------------------------------- plan: scale

def test_scale_up_2_to_4_then_down_to_1():
    project = stack(php={'scale': 2})
    current = up_to_date(project)
    result = plan(project, current, scale={'php': 4})
    assert summary(result) == [('create', 'php', 3), ('create', 'php', 4)]
    assert [c['name'] for c in result.containers] == ['demo-php-3', 'demo-php-4']
    current4 = up_to_date(project, scale={'php': 4})
    result = plan(project, current4, scale={'php': 1})
    assert summary(result) == [('remove', 'php', 4), ('remove', 'php', 3), ('remove', 'php', 2)]


def test_scale_from_deploy_replicas_and_zero():
    project = stack(php={'deploy': {'replicas': 3}})
    assert [s for s in summary(plan(project, [])) if s[1] == 'php'] == [('create', 'php', n) for n in (1, 2, 3)]
    current = up_to_date(stack())
    assert summary(plan(stack(), current, scale={'web': 0})) == [('remove', 'web', 1)]


def test_scale_fills_gaps_and_fixes_duplicate_numbers():
    project = stack(php={'scale': 3})
    current = [c for c in up_to_date(project, scale={'php': 3})
               if not (c['Labels'][names.LABEL_SERVICE] == 'php' and c['Labels'][names.LABEL_NUMBER] == '2')]
    assert summary(plan(project, current)) == [('create', 'php', 2)]
    dup = up_to_date(stack()) + [container(stack(), 'web', 1, cid='webdup')]
    result = plan(stack(), dup)
    assert summary(result) == [('remove', 'web', 1)] and result.containers[0]['id'] == 'webdup'


def test_bad_scale():
    project = stack(db={'container_name': 'mariadb'})
    with pytest.raises(ComposeError, match='cannot be scaled to 2'):
        plan(project, [], scale={'db': 2})
    with pytest.raises(ComposeError, match='whole number'):
        plan(project, [], scale={'web': 'x'})
    with pytest.raises(ComposeError, match='negative'):
        plan(project, [], scale={'web': -1})


# ---------------------------------------------------------------- plan: subsets, orphans, states

def test_services_subset_with_and_without_dependencies():
    project = stack()
    result = plan(project, [], services=['php'])
    assert summary(result) == [('create', 'db', 1), ('create', 'php', 1)]
    assert summary(plan(project, [], services=['php'], dependencies=False)) == [('create', 'php', 1)]


def test_unknown_service_in_subset():
    with pytest.raises(ComposeError, match='no service ghost in project demo; its services are: db, php, web'):
        plan(stack(), [], services=['ghost'])


def test_orphans_warn_or_are_removed():
    project = stack()
    current = up_to_date(project) + [container(project, 'old', 1, chash='x')]
    result = plan(project, current)
    assert summary(result) == [] and 'demo-old-1' in result.warnings[0] and 'remove_orphans' in result.warnings[0]
    assert summary(plan(project, current, remove_orphans=True)) == [('remove', 'old', 1)]


def test_profile_disabled_service_is_not_an_orphan():
    project = project_of({'web': {'image': 'w'}, 'dbg': {'image': 'd', 'profiles': ['dev']}})
    current = [container(project, 'web', 1, image_id='sha256:web1'), container(project, 'dbg', 1, chash='x')]
    result = planner.plan_project(project, current, nets(project), [], {'web': 'sha256:web1'}, remove_orphans=True)
    assert summary(result) == [] and result.warnings == []


def test_other_projects_containers_ignored():
    project = stack()
    other = container(project, 'web', 1, cid='foreign', labels={names.LABEL_PROJECT: 'other'})
    assert summary(plan(project, up_to_date(project) + [other])) == []


def test_state_stopped_creates_without_start_and_stops_dependants_first():
    project = stack()
    result = plan(project, [], state='stopped')
    assert all(c['start'] is False for c in result.containers)
    result = plan(project, up_to_date(project), state='stopped')
    assert summary(result) == [('stop', 'web', 1), ('stop', 'php', 1), ('stop', 'db', 1)]


def test_state_restarted():
    project = stack()
    current = up_to_date(project)
    current[1]['State'] = 'exited'
    result = plan(project, current, state='restarted')
    assert sorted(summary(result)) == [('restart', 'db', 1), ('restart', 'web', 1), ('start', 'php', 1)]


def test_state_absent_removes_everything_and_volumes_only_when_asked():
    project = stack(php={'scale': 2})
    current = up_to_date(project)
    result = plan(project, current, state='absent')
    assert summary(result) == [('remove', 'web', 1), ('remove', 'php', 2), ('remove', 'php', 1), ('remove', 'db', 1)]
    assert [n['name'] for n in result.networks] == ['demo_default'] and result.volumes == []
    result = plan(project, current, state='absent', remove_volumes=True)
    assert [v['name'] for v in result.volumes] == ['demo_data']
    assert not plan(project, [], networks=[], volumes=[], state='absent', remove_volumes=True).changed


def test_state_absent_subset_keeps_networks():
    project = stack()
    result = plan(project, up_to_date(project), state='absent', services=['web'], dependencies=False)
    assert summary(result) == [('remove', 'web', 1)] and result.networks == []
    # the services web depends on stay, whatever dependencies says
    assert summary(plan(project, up_to_date(project), state='absent', services=['web'])) == [('remove', 'web', 1)]


def test_absent_leaves_external_and_foreign_networks():
    project = project_of({'web': {'image': 'w', 'networks': ['ext', 'default']}},
                         extra={'networks': {'ext': {'external': True, 'name': 'shared'}}})
    networks = [{'Name': 'shared'}, {'Name': 'demo_default', 'Labels': {names.LABEL_PROJECT: 'someone-else'}}]
    assert plan(project, [], networks=networks, volumes=[], state='absent').networks == []


def test_missing_external_network_or_volume_fails():
    project = project_of({'web': {'image': 'w', 'networks': ['ext']}}, extra={'networks': {'ext': {'external': True}}})
    with pytest.raises(ComposeError, match='external network ext .* does not exist'):
        plan(project, [], networks=[])
    project = project_of({'web': {'image': 'w', 'volumes': ['v:/v']}}, extra={'volumes': {'v': {'external': True}}})
    with pytest.raises(ComposeError, match='external volume v .* does not exist'):
        plan(project, [], volumes=[])


def test_network_drift_is_a_warning():
    project = project_of({'web': {'image': 'w'}}, extra={'networks': {'default': {'internal': True}}})
    result = plan(project, [], networks=[{'Name': 'demo_default', 'Driver': 'bridge', 'Internal': False}])
    assert result.networks == [] and 'differs from its declaration' in result.warnings[0]


def test_dependency_recreate_for_shared_network_namespace():
    project = project_of({'web': {'image': 'w'}, 'side': {'image': 's', 'network_mode': 'service:web'}})
    images = {'web': 'sha256:web1', 'side': 'sha256:side1'}
    current = [container(project, 'web', 1), container(project, 'side', 1)]
    result = planner.plan_project(project, current, nets(project), [], dict(images, web='sha256:web2'))
    assert summary(result) == [('recreate', 'web', 1), ('recreate', 'side', 1)]


# ---------------------------------------------------------------- images

@pytest.mark.parametrize('svc,present,pull,build,expected', [
    ({'pull_policy': None}, True, 'policy', 'policy', None),
    ({'pull_policy': None}, False, 'policy', 'policy', 'pull'),
    ({'pull_policy': 'always'}, True, 'policy', 'policy', 'pull'),
    ({'pull_policy': None}, True, 'always', 'policy', 'pull'),
    ({'pull_policy': 'always'}, True, 'missing', 'policy', None),
    ({'build': {'context': '.'}}, False, 'policy', 'policy', 'build'),
    ({'build': {'context': '.'}}, True, 'policy', 'policy', None),
    ({'build': {'context': '.'}}, True, 'policy', 'always', 'build'),
    ({'build': {'context': '.'}, 'pull_policy': 'build'}, True, 'policy', 'policy', 'build'),
])
def test_image_action(svc, present, pull, build, expected):
    svc = dict({'name': 's', 'image': 'i', 'pull_policy': None, 'build': None}, **svc)
    assert planner.image_action(svc, present, pull, build) == expected


@pytest.mark.parametrize('svc,pull,build,msg', [
    ({'pull_policy': 'never'}, 'policy', 'policy', 'pulling is disabled'),
    ({}, 'never', 'policy', 'pulling is disabled'),
    ({'build': {'context': '.'}}, 'policy', 'never', 'build is never'),
    ({'pull_policy': 'build'}, 'policy', 'policy', 'no build section'),
])
def test_image_action_errors(svc, pull, build, msg):
    svc = dict({'name': 's', 'image': 'i', 'pull_policy': None, 'build': None}, **svc)
    with pytest.raises(ComposeError, match=msg):
        planner.image_action(svc, False, pull, build)


# ---------------------------------------------------------------- port clashes

def test_port_conflicts():
    running = [{'Id': 'a', 'Names': ['/other'], 'State': 'running',
                'Ports': [{'IP': '0.0.0.0', 'PrivatePort': 80, 'PublicPort': 8001, 'Type': 'tcp'}]},
               {'Id': 'b', 'Names': ['/stopped'], 'State': 'exited', 'Ports': []}]
    assert planner.port_conflicts([('demo-web-1', '', 8001, 'tcp')], running) == [
        'demo-web-1 wants host port 0.0.0.0/8001/tcp, which container other already publishes']
    assert planner.port_conflicts([('demo-web-1', '', 8001, 'udp')], running) == []
    assert planner.port_conflicts([('demo-web-1', '', 8001, 'tcp')], running, ignore_ids={'a'}) == []
    assert planner.port_conflicts([('x', '127.0.0.1', 9000, 'tcp'), ('y', '', 9000, 'tcp')], []) == ['x and y both want host port 9000/tcp']
    assert planner.port_conflicts([('x', '127.0.0.1', 9000, 'tcp'), ('y', '127.0.0.2', 9000, 'tcp')], []) == []


def test_published_ports_of_body():
    project = stack()
    body = convert.create_body(project, project.services['web'], 1, 'h')
    assert planner.published_ports(body) == [('', 8001, 'tcp')]


def test_run_once_service_that_completed_is_left_alone():
    project = project_of({'migrate': {'image': 'm'}, 'web': {'image': 'w', 'depends_on': {
        'migrate': {'condition': 'service_completed_successfully'}}}})
    images = {'migrate': 'sha256:m', 'web': 'sha256:w'}
    done = container(project, 'migrate', 1, state='exited', image_id='sha256:m')
    done['Status'] = 'Exited (0) 3 seconds ago'
    current = [done, container(project, 'web', 1, image_id='sha256:w')]
    assert summary(planner.plan_project(project, current, nets(project), [], images, run_once={'migrate'})) == []
    done['Status'] = 'Exited (1) 3 seconds ago'
    assert summary(planner.plan_project(project, current, nets(project), [], images, run_once={'migrate'})) == [('start', 'migrate', 1)]
    done['Status'] = 'Exited (0) 3 seconds ago'
    assert summary(planner.plan_project(project, current, nets(project), [], images)) == [('start', 'migrate', 1)]


def test_depends_on_restart_true_restarts_dependants_of_a_recreated_service():
    services = {'db': {'image': 'db:1'}, 'php': {'image': 'php:1', 'depends_on': {'db': {'condition': 'service_started', 'restart': True}}},
                'web': {'image': 'web:1', 'depends_on': ['db']}}
    project = project_of(services)
    current = up_to_date(project)
    result = plan(project, current, images=dict(IMAGES, db='sha256:db2'))
    assert summary(result) == [('recreate', 'db', 1), ('restart', 'php', 1)]
    assert result.containers[1]['reason'] == 'depends_on db with restart: true, which is recreated'
    assert summary(plan(project, current)) == []


def test_subsets_for_stopped_and_restarted_leave_dependencies_running():
    project = stack()
    current = up_to_date(project)
    assert summary(plan(project, current, state='stopped', services=['web'])) == [('stop', 'web', 1)]
    current[0]['State'] = 'exited'  # db stopped: restarting web starts it, without a restart
    assert summary(plan(project, current, state='restarted', services=['web'])) == [('start', 'db', 1), ('restart', 'web', 1)]


ANON_A, ANON_B, ANON_C = 'a' * 64, 'b' * 64, 'c' * 64


def test_recreate_inherits_anonymous_volumes_only_where_still_anonymous():
    old = {'Mounts': [
        {'Type': 'volume', 'Name': ANON_A, 'Destination': '/data', 'RW': True},      # service anon: kept
        {'Type': 'volume', 'Name': ANON_B, 'Destination': '/var/lib/db', 'RW': True},  # image VOLUME: kept
        {'Type': 'volume', 'Name': ANON_C, 'Destination': '/cache', 'RW': True},     # now a bind: not kept
        {'Type': 'volume', 'Name': 'shop_db', 'Destination': '/named', 'RW': True},   # named: the config says
        {'Type': 'bind', 'Source': '/srv', 'Destination': '/srv', 'RW': False},
    ]}
    body = {'Volumes': {'/data': {}}, 'HostConfig': {'Binds': ['/host/cache:/cache:rw', 'shop_db:/named:rw']}}
    inherited = convert.inherit_anonymous_volumes(body, old, image_volumes=['/var/lib/db/', '/gone'])
    assert sorted(inherited) == [(ANON_A, '/data'), (ANON_B, '/var/lib/db')]
    assert body['Volumes'] == {}
    assert sorted((m['Source'], m['Target']) for m in body['HostConfig']['Mounts']) == sorted(inherited)
    assert body['HostConfig']['Binds'] == ['/host/cache:/cache:rw', 'shop_db:/named:rw']


def test_inheriting_nothing_leaves_the_body_alone():
    body = {'HostConfig': {}}
    assert convert.inherit_anonymous_volumes(body, {'Mounts': []}) == [] and body == {'HostConfig': {}}


def _v2_labelled(project, image_ids):
    """Containers as docker compose v2 (or berth.docker now) labels them: v2's hash and the image ID."""
    result = []
    for name, svc in project.services.items():
        chash = convert.service_config_hash(project, svc, image_ids[name])
        assert chash != convert.config_hash(svc, image_ids[name])  # v2hash covers this stack
        result.append(container(project, name, 1, chash=chash, labels={names.LABEL_IMAGE: image_ids[name]}))
    return result


def test_compose_v2_hash_and_image_label_are_up_to_date_and_a_new_image_recreates():
    project = stack()
    current = _v2_labelled(project, IMAGES)
    plan = planner.plan_project(project, current, nets(project), vols(project), IMAGES)
    assert summary(plan) == []
    # same configuration, another image ID: compose v2's own image test recreates
    plan = planner.plan_project(project, current, nets(project), vols(project), dict(IMAGES, php='sha256:php2'))
    assert summary(plan) == [('recreate', 'php', 1)]
    # a container with v2's hash but no image label (compose recreates it too)
    bare = [dict(c, Labels=dict((k, v) for k, v in c['Labels'].items() if k != names.LABEL_IMAGE)) for c in current]
    assert summary(planner.plan_project(project, bare, nets(project), vols(project), IMAGES)) == [
        ('recreate', 'db', 1), ('recreate', 'php', 1), ('recreate', 'web', 1)]


def test_berths_earlier_hash_is_still_up_to_date_until_the_config_or_image_changes():
    project = stack()
    legacy = up_to_date(project)  # labelled with config_hash, as releases before the v2 hash did
    assert summary(planner.plan_project(project, legacy, nets(project), vols(project), IMAGES)) == []
    assert summary(planner.plan_project(project, legacy, nets(project), vols(project), dict(IMAGES, db='sha256:db2'))) == [
        ('recreate', 'db', 1)]
    changed = stack(web={'environment': {'NEW': '1'}})
    assert summary(planner.plan_project(changed, legacy, nets(changed), vols(changed), IMAGES)) == [('recreate', 'web', 1)]
