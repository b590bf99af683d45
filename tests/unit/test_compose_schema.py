"""The compose key table (compose/schema.py): it covers exactly the compose specification's keys,
every applied key loads without a warning, every ignored key warns naming it, every refused key
fails naming it; the keys applied beyond a 1:1 option reach the create body; the table in
docs/compose.md agrees with the code; the !reset and !override merge tags."""

import os
import re

import pytest

from ansible_collections.berth.docker.plugins.module_utils.compose import convert, schema
from ansible_collections.berth.docker.plugins.module_utils.compose.model import load_project
from ansible_collections.berth.docker.plugins.module_utils.errors import ComposeError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# The keys of the compose specification (compose-spec/compose-spec, schema/compose-spec.json at
# commit 170098ba07d9f53c383a41bfd4c5166b0a4529a6), per section of schema.KEY_TABLE.
SPEC_KEYS = {
    'top level': 'configs include models name networks secrets services version volumes',
    'service': 'annotations attach blkio_config build cap_add cap_drop cgroup cgroup_parent command configs '
               'container_name cpu_count cpu_percent cpu_period cpu_quota cpu_rt_period cpu_rt_runtime cpu_shares '
               'cpus cpuset credential_spec depends_on deploy develop device_cgroup_rules devices dns dns_opt '
               'dns_search domainname entrypoint env_file environment expose extends external_links extra_hosts gpus '
               'group_add healthcheck hostname image init ipc isolation label_file labels links logging mac_address '
               'mem_limit mem_reservation mem_swappiness memswap_limit models network_mode networks oom_kill_disable '
               'oom_score_adj pid pids_limit platform ports post_start pre_stop privileged profiles provider '
               'pull_policy pull_refresh_after read_only restart runtime scale secrets security_opt shm_size '
               'stdin_open stop_grace_period stop_signal storage_opt sysctls tmpfs tty ulimits use_api_socket user '
               'userns_mode uts volumes volumes_from working_dir',
    'build': 'additional_contexts args cache_from cache_to context dockerfile dockerfile_inline entitlements '
             'extra_hosts isolation labels network no_cache platforms privileged provenance pull sbom secrets '
             'shm_size ssh tags target ulimits',
    'deploy': 'endpoint_mode labels mode placement replicas resources restart_policy rollback_config update_config',
    'deploy.resources': 'limits reservations',
    'deploy.resources.limits': 'cpus memory pids',
    'deploy.resources.reservations': 'cpus devices generic_resources memory',
    'healthcheck': 'disable interval retries start_interval start_period test timeout',
    'service networks': 'aliases driver_opts gw_priority interface_name ipv4_address ipv6_address link_local_ips '
                        'mac_address priority',
    'networks': 'attachable driver driver_opts enable_ipv4 enable_ipv6 external internal ipam labels name',
    'volumes': 'driver driver_opts external labels name',
    'secrets': 'driver driver_opts environment external file labels name template_driver',
    'configs': 'content environment external file labels name template_driver',
    'include': 'env_file path project_directory',
}

# a value of each key that asks for something (the file paths are made in the test's directory)
SAMPLES = {
    'top level': {'name': 'demo', 'include': ['inc.yml'], 'services': {'side': {'image': 'c'}},
                  'networks': {'extra': {}}, 'volumes': {'extra': {}}, 'secrets': {'extra': {'file': 'secret.txt'}},
                  'configs': {'extra': {'content': 'x'}}, 'version': '3.8', 'models': {'llm': {'model': 'ai/x'}}},
    'service': {
        'annotations': {'a': 'b'}, 'attach': False, 'blkio_config': {'weight': 300}, 'build': '.',
        'cap_add': ['NET_ADMIN'], 'cap_drop': ['ALL'], 'cgroup': 'private', 'cgroup_parent': 'berth.slice',
        'command': 'true', 'configs': ['c'], 'container_name': 'one', 'cpu_count': 2, 'cpu_percent': 50,
        'cpu_period': 100000, 'cpu_quota': 50000, 'cpu_rt_period': 1000000, 'cpu_rt_runtime': 950000,
        'cpu_shares': 512, 'cpus': 0.5, 'cpuset': '0', 'credential_spec': {'file': 'x.json'}, 'depends_on': ['db'],
        'deploy': {'replicas': 1}, 'develop': {'watch': [{'path': '.', 'action': 'rebuild'}]},
        'device_cgroup_rules': ['c 1:3 mr'], 'devices': ['/dev/fuse'], 'dns': ['1.1.1.1'], 'dns_opt': ['ndots:2'],
        'dns_search': ['example.org'], 'domainname': 'example.org', 'entrypoint': ['tini'], 'env_file': 'app.env',
        'environment': {'A': '1'}, 'expose': ['81'], 'extends': 'db', 'external_links': ['redis:cache'],
        'extra_hosts': {'h': '10.0.0.1'}, 'gpus': 'all', 'group_add': ['audio'],
        'healthcheck': {'test': ['CMD', 'true']}, 'hostname': 'h', 'image': 'a', 'init': True, 'ipc': 'private',
        'isolation': 'default', 'label_file': 'labels.env', 'labels': {'l': 'v'}, 'links': ['db'],
        'logging': {'driver': 'json-file'}, 'mac_address': '02:42:ac:11:00:02', 'mem_limit': '64m',
        'mem_reservation': '32m', 'mem_swappiness': 10, 'memswap_limit': '128m', 'models': ['llm'],
        'network_mode': 'host', 'networks': ['default'], 'oom_kill_disable': True, 'oom_score_adj': 100,
        'pid': 'host', 'pids_limit': 64, 'platform': 'linux/amd64', 'ports': ['8080:80'],
        'post_start': [{'command': ['true']}], 'pre_stop': [{'command': ['true']}], 'privileged': True,
        'profiles': ['all'], 'provider': {'type': 'x'}, 'pull_policy': 'missing', 'pull_refresh_after': '1h',
        'read_only': True, 'restart': 'always', 'runtime': 'runc', 'scale': 1, 'secrets': ['s'],
        'security_opt': ['no-new-privileges'], 'shm_size': '64m', 'stdin_open': True, 'stop_grace_period': '3s',
        'stop_signal': 'SIGINT', 'storage_opt': {'size': '1G'}, 'sysctls': {'net.core.somaxconn': 1024},
        'tmpfs': ['/run'], 'tty': True, 'ulimits': {'nofile': 1024}, 'use_api_socket': True, 'user': '1000',
        'userns_mode': 'host', 'uts': 'host', 'volumes': ['/data'], 'volumes_from': ['db'], 'working_dir': '/w',
    },
    'build': {
        'additional_contexts': {'extra': '../x'}, 'args': {'V': '1'}, 'cache_from': ['a:cache'],
        'cache_to': ['type=inline'], 'context': '.', 'dockerfile': 'Dockerfile.dev', 'dockerfile_inline': 'FROM a',
        'entitlements': ['network.host'], 'extra_hosts': {'h': '10.0.0.1'}, 'isolation': 'default',
        'labels': {'l': 'v'}, 'network': 'host', 'no_cache': True, 'platforms': ['linux/amd64', 'linux/arm64'],
        'privileged': True, 'provenance': True, 'pull': True, 'sbom': True, 'secrets': ['s'], 'shm_size': '64m',
        'ssh': ['default'], 'tags': ['a:extra'], 'target': 'prod', 'ulimits': {'nofile': 1024},
    },
    'deploy': {'endpoint_mode': 'vip', 'labels': {'l': 'v'}, 'mode': 'replicated', 'placement': {'constraints': []},
               'replicas': 2, 'resources': {'limits': {'memory': '64m'}}, 'restart_policy': {'condition': 'any'},
               'rollback_config': {'parallelism': 1}, 'update_config': {'parallelism': 1}},
    'deploy.resources': {'limits': {'memory': '64m'}, 'reservations': {'memory': '32m'}},
    'deploy.resources.limits': {'cpus': '0.5', 'memory': '64m', 'pids': 10},
    'deploy.resources.reservations': {'cpus': '0.25', 'memory': '32m', 'devices': [{'capabilities': ['gpu']}],
                                      'generic_resources': [{'discrete_resource_spec': {'kind': 'gpu', 'value': 1}}]},
    'healthcheck': {'disable': True, 'interval': '5s', 'retries': 3, 'start_interval': '1s', 'start_period': '5s',
                    'test': ['CMD', 'true'], 'timeout': '2s'},
    'service networks': {'aliases': ['www'], 'driver_opts': {'a': 'b'}, 'gw_priority': 1, 'interface_name': 'eth9',
                         'ipv4_address': '172.30.0.9', 'ipv6_address': 'fd00::9', 'link_local_ips': ['169.254.0.9'],
                         'mac_address': '02:42:ac:11:00:09', 'priority': 10},
    'networks': {'attachable': True, 'driver': 'bridge', 'driver_opts': {'a': 'b'}, 'enable_ipv4': False,
                 'enable_ipv6': True, 'external': True, 'internal': True,
                 'ipam': {'config': [{'subnet': '172.30.0.0/16'}]}, 'labels': {'l': 'v'}, 'name': 'custom'},
    'volumes': {'driver': 'local', 'driver_opts': {'a': 'b'}, 'external': True, 'labels': {'l': 'v'}, 'name': 'custom'},
    'secrets': {'driver': 'x', 'driver_opts': {'a': 'b'}, 'environment': 'SECRET', 'external': True,
                'file': 'secret.txt', 'labels': {'l': 'v'}, 'name': 'custom', 'template_driver': 'golang'},
    'configs': {'content': 'x', 'environment': 'SECRET', 'external': True, 'file': 'secret.txt', 'labels': {'l': 'v'},
                'name': 'custom', 'template_driver': 'golang'},
    'include': {'env_file': 'inc.env', 'path': 'inc.yml', 'project_directory': '.'},
}


def _files(directory):
    for name, text in (('app.env', 'A=1\n'), ('labels.env', 'from.file=1\nl=file\n'), ('secret.txt', 'x\n'),
                       ('inc.env', 'X=1\n'), ('inc.yml', 'services:\n  included:\n    image: c\n'),
                       ('Dockerfile', 'FROM a\n')):
        with open(os.path.join(str(directory), name), 'w') as handle:
            handle.write(text)


def _definition(section, key, value):
    """The smallest project that uses ``key`` of ``section`` with ``value``."""
    web = {'image': 'a'}
    doc = {'services': {'web': web, 'db': {'image': 'b'}}, 'secrets': {'s': {'file': 'secret.txt'}},
           'configs': {'c': {'content': 'x'}}, 'networks': {'n': {}}}
    if section == 'top level':
        doc[key] = dict(doc.get(key) or {}, **value) if isinstance(value, dict) else value
    elif section == 'service':
        if key == 'image':
            web.clear()
        web[key] = value
    elif section == 'build':
        web['build'] = {key: value} if key == 'context' else {'context': '.', key: value}
    elif section == 'deploy':
        web['deploy'] = {key: value}
    elif section.startswith('deploy.resources'):
        inner = {key: value}
        if section != 'deploy.resources':
            inner = {section.rsplit('.', 1)[1]: inner}
        web['deploy'] = {'resources': inner}
    elif section == 'healthcheck':
        web['healthcheck'] = {key: value} if key == 'test' else {'test': ['CMD', 'true'], key: value}
    elif section == 'service networks':
        web['networks'] = {'n': {key: value}}
    elif section in ('networks', 'volumes'):
        doc[section] = {'x': {key: value}}
    elif section in ('secrets', 'configs'):
        sources = schema.CONFIG_SOURCES if section == 'configs' else schema.SECRET_SOURCES
        doc[section] = {'x': {key: value} if key in sources else {'file': 'secret.txt', key: value}}
    elif section == 'include':
        doc['include'] = [{key: value} if key == 'path' else {'path': 'inc.yml', key: value}]
    return doc


def _load(tmp_path, doc):
    _files(tmp_path)
    return load_project(definition=doc, project_src=str(tmp_path), environ={'SECRET': 's3cret'})


def _table():
    return [(section, key, status) for section, keys in schema.KEY_TABLE for key, status, _why in keys]


def test_the_table_covers_exactly_the_specification():
    assert set(schema.KEYS) == set(SPEC_KEYS)
    for section, keys in SPEC_KEYS.items():
        listed = [key for key, _status, _why in dict(schema.KEY_TABLE)[section]]
        assert len(listed) == len(set(listed)), section
        assert sorted(listed) == sorted(keys.split()), section
    for section, key, status in _table():
        assert status in (schema.APPLIED, schema.IGNORED, schema.REFUSED)
        assert status == schema.APPLIED or schema.KEYS[section][key][1], (section, key)  # the why


def test_the_samples_cover_the_table():
    assert dict((s, sorted(v)) for s, v in SAMPLES.items()) == dict((s, sorted(k.split())) for s, k in SPEC_KEYS.items())


@pytest.mark.parametrize('section,key,status', _table())
def test_each_key_does_what_the_table_says(tmp_path, section, key, status):
    doc = _definition(section, key, SAMPLES[section][key])
    if status == schema.REFUSED:
        with pytest.raises(ComposeError, match=r'\b%s\b' % re.escape(key)) as err:
            _load(tmp_path, doc)
        assert 'not supported by berth.docker.compose: ' in err.value.msg
        return
    project = _load(tmp_path, doc)
    naming = [w for w in project.warnings if re.search(r'\b%s\b' % re.escape(key), w)]
    if status == schema.APPLIED:
        assert naming == [] and project.warnings == []
    else:
        assert naming and 'ignored' in naming[0], project.warnings


def test_unknown_and_extension_keys(tmp_path):
    project = _load(tmp_path, {'services': {'web': {'image': 'a', 'mem_reservaton': '1m', 'x-any': 1,
                                                    'deploy': {'resources': {'reservations': {'memroy': 1, 'x-a': 1}}},
                                                    'healthcheck': {'test': 'true', 'intervall': '1s'}}},
                               'x-top': 1})
    assert project.warnings == [
        'services.web: unknown key mem_reservaton is ignored (check its spelling)',
        'services.web.deploy.resources.reservations: unknown key memroy is ignored (check its spelling)',
        'services.web.healthcheck: unknown key intervall is ignored (check its spelling)',
    ]


def test_a_refused_key_that_asks_for_nothing_passes(tmp_path):
    project = _load(tmp_path, {'services': {'web': {'image': 'a', 'oom_kill_disable': False, 'annotations': {}}},
                               'secrets': {'s': {'file': 'secret.txt', 'external': False}}})
    assert project.warnings == []


# ---------------------------------------------------------------- the keys that reach the create body

def _body(tmp_path, service, **top):
    doc = {'services': {'web': dict({'image': 'a'}, **service)}}
    doc.update(top)
    project = _load(tmp_path, doc)
    return convert.create_body(project, project.services['web'], 1, 'hash', 'sha256:img')


GPU = {'Driver': '', 'Count': -1, 'DeviceIDs': None, 'Capabilities': [['gpu']], 'Options': None}


@pytest.mark.parametrize('service,field,expected', [
    ({'mem_reservation': '32m'}, 'MemoryReservation', 32 << 20),
    ({'deploy': {'resources': {'reservations': {'memory': '16m'}}}, 'mem_reservation': '32m'},
     'MemoryReservation', 16 << 20),
    ({'memswap_limit': '128m', 'mem_limit': '64m'}, 'MemorySwap', 128 << 20),
    ({'memswap_limit': -1}, 'MemorySwap', -1),
    ({'dns_opt': ['ndots:2', 'use-vc']}, 'DnsOptions', ['ndots:2', 'use-vc']),
    ({'uts': 'host'}, 'UTSMode', 'host'),
    ({'cgroup_parent': 'berth.slice'}, 'CgroupParent', 'berth.slice'),
    ({'deploy': {'resources': {'limits': {'pids': 10}}}, 'pids_limit': 64}, 'PidsLimit', 10),
    ({'gpus': 'all'}, 'DeviceRequests', [GPU]),
    ({'gpus': [{'driver': 'nvidia', 'device_ids': ['0', '1'], 'capabilities': ['compute']}]}, 'DeviceRequests',
     [{'Driver': 'nvidia', 'Count': 0, 'DeviceIDs': ['0', '1'], 'Capabilities': [['compute', 'gpu']],
       'Options': None}]),
    ({'deploy': {'resources': {'reservations': {'devices': [
        {'driver': 'nvidia', 'count': 2, 'capabilities': ['gpu', 'utility'], 'options': {'o': 1}}]}}}},
     'DeviceRequests', [{'Driver': 'nvidia', 'Count': 2, 'DeviceIDs': None, 'Capabilities': [['gpu', 'utility']],
                         'Options': {'o': '1'}}]),
    ({'external_links': ['redis:cache', 'other']}, 'Links', ['redis:cache', 'other:other']),
])
def test_new_keys_reach_the_create_body(tmp_path, service, field, expected):
    assert _body(tmp_path, service)['HostConfig'][field] == expected


def test_label_file_labels_and_the_services_labels_win(tmp_path):
    body = _body(tmp_path, {'label_file': ['labels.env'], 'labels': {'l': 'service'}})
    assert body['Labels']['from.file'] == '1' and body['Labels']['l'] == 'service'
    plain = _load(tmp_path, {'services': {'web': {'image': 'a'}}}).services['web']
    assert not set(('mem_reservation', 'memswap_limit', 'dns_opt', 'uts', 'cgroup_parent', 'device_requests',
                    'external_links')) & set(plain)  # the config hash of a service without them stays


def test_healthcheck_start_interval_reaches_the_create_body(tmp_path):
    body = _body(tmp_path, {'healthcheck': {'test': 'true', 'start_interval': '2s'}})
    assert body['Healthcheck']['StartInterval'] == 2 * 10 ** 9


def test_device_entry_errors(tmp_path):
    with pytest.raises(ComposeError, match='count and device_ids'):
        _body(tmp_path, {'gpus': [{'count': 1, 'device_ids': ['0']}]})
    with pytest.raises(ComposeError, match='unknown key drivr'):
        _body(tmp_path, {'deploy': {'resources': {'reservations': {'devices': [{'drivr': 'nvidia'}]}}}})


# ---------------------------------------------------------------- !reset and !override

def test_reset_and_override_merge_as_the_specification_says(tmp_path):
    with open(str(tmp_path / 'compose.yml'), 'w') as handle:
        handle.write('services:\n  web:\n    image: a\n    ports: ["80:80", "443:443"]\n'
                     '    environment: [A=1, B=2]\n    labels: {l: v}\n    dns: [1.1.1.1]\n'
                     '    deploy: {resources: {limits: {memory: 64m, cpus: 0.5}}}\n')
    with open(str(tmp_path / 'compose.override.yml'), 'w') as handle:
        handle.write('services:\n  web:\n    ports: !override ["8443:443"]\n    environment: !override {C: "3"}\n'
                     '    labels: !reset {}\n    dns: !reset\n'
                     '    deploy: {resources: {limits: {cpus: !reset null}}}\n')
    project = load_project(project_src=str(tmp_path), environ={})
    web = project.services['web']
    assert project.warnings == []
    assert [(p['published'], p['target']) for p in web['ports']] == [(8443, 443)]
    assert web['environment'] == {'C': '3'} and web['labels'] == {} and web['dns'] == []
    assert web['memory'] == 64 << 20 and web['cpus'] is None


def test_reset_in_a_single_file_removes_the_key(tmp_path):
    with open(str(tmp_path / 'compose.yml'), 'w') as handle:
        handle.write('services:\n  web:\n    image: a\n    command: !reset ["x"]\n    hostname: !override "010"\n'
                     '    stdin_open: !override true\n')
    web = load_project(project_src=str(tmp_path), environ={}).services['web']
    assert web['command'] is None and web['hostname'] == '010' and web['stdin_open'] is True


# ---------------------------------------------------------------- docs/compose.md

def test_the_docs_table_agrees_with_the_code():
    with open(os.path.join(ROOT, 'docs', 'compose.md')) as handle:
        text = handle.read()
    rows = re.findall(r'^\| `([^`]+)` \| `([^`]+)` \| (applied|ignored|refused) \|', text, re.M)
    assert sorted(rows) == sorted(_table())
    counts = dict((status, sum(1 for row in _table() if row[2] == status)) for status in ('applied', 'ignored', 'refused'))
    assert ('**%d keys**: %d applied, %d refused, %d ignored with a warning'
            % (len(_table()), counts['applied'], counts['refused'], counts['ignored'])) in text
