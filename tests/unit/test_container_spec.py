"""Unit tests of the pure container spec helpers (no engine)."""

import pytest

from ansible_collections.berth.docker.plugins.module_utils import container_body as cbody
from ansible_collections.berth.docker.plugins.module_utils import container_compare as ccompare
from ansible_collections.berth.docker.plugins.module_utils import container_options as coptions
from ansible_collections.berth.docker.plugins.module_utils import container_values as cvalues
from ansible_collections.berth.docker.plugins.module_utils import units
from ansible_collections.berth.docker.plugins.module_utils.errors import SpecError

IMAGE = {
    'Id': 'sha256:aaa',
    'Config': {
        'Env': ['PATH=/usr/bin:/bin', 'LANG=C'],
        'Labels': {'org.berth.test': 'web'},
        'ExposedPorts': {'80/tcp': {}},
        'Volumes': {'/data': {}},
        'Cmd': ['/web.sh'],
        'Healthcheck': {'Test': ['CMD-SHELL', 'true'], 'Interval': 30000000000},
        'StopSignal': 'SIGKILL',
    },
}


def container_from(options, image=None, running=True):
    """What the engine's inspect looks like after creating ``options`` (a simulation of the
    engine's image merge, for unit tests only)."""
    image = image or IMAGE
    body = cbody.create_body(options, image)
    img = image['Config']
    env = ccompare._env_dict(img['Env'])
    env.update(ccompare._env_dict(body.get('Env')))
    labels = dict(img['Labels'])
    labels.update(body.get('Labels') or {})
    exposed = dict(img['ExposedPorts'])
    exposed.update(body.get('ExposedPorts') or {})
    volumes = dict(img['Volumes'])
    volumes.update(body.get('Volumes') or {})
    host = dict(body['HostConfig'])
    host.setdefault('NetworkMode', 'default')
    return {
        'Id': 'c' * 64, 'Image': image['Id'], 'State': {'Running': running},
        'Config': {'Env': ['%s=%s' % kv for kv in env.items()], 'Labels': labels, 'ExposedPorts': exposed,
                   'Volumes': volumes, 'Cmd': body.get('Cmd', img['Cmd']), 'Entrypoint': body.get('Entrypoint'),
                   'Healthcheck': dict(img['Healthcheck'], **body.get('Healthcheck', {})), 'StopSignal': img['StopSignal'],
                   'Hostname': 'cccccccccccc', 'User': body.get('User', ''), 'MacAddress': body.get('MacAddress', '')},
        'HostConfig': host,
        'NetworkSettings': {'Networks': {'bridge': {'Aliases': None}}},
    }


@pytest.mark.parametrize('text,expected', [
    ('512m', 512 * 1024 ** 2), ('1g', 1024 ** 3), ('1G', 1024 ** 3), ('1.5g', int(1.5 * 1024 ** 3)),
    ('1024', 1024), (2048, 2048), ('64MB', 64 * 1024 ** 2), ('64MiB', 64 * 1024 ** 2), ('10k', 10240),
])
def test_parse_memory(text, expected):
    assert units.parse_size(text) == expected


@pytest.mark.parametrize('text', ['lots', '12x', '-5m', '', 'm'])
def test_parse_memory_rejects(text):
    with pytest.raises(SpecError) as err:
        units.parse_size(text, 'memory')
    assert 'memory' in err.value.msg and '512m' in err.value.msg


def test_memory_swap_unlimited():
    assert units.parse_size('unlimited', 'memory_swap', allow_unlimited=True) == -1
    assert units.parse_size('-1', 'memory_swap', allow_unlimited=True) == -1


@pytest.mark.parametrize('text,ns', [
    ('30s', 30 * 10 ** 9), ('1m30s', 90 * 10 ** 9), ('500ms', 5 * 10 ** 8), (10, 10 ** 10), ('2h', 7200 * 10 ** 9),
    ('1.5s', 15 * 10 ** 8), ('7', 7 * 10 ** 9),
])
def test_parse_duration(text, ns):
    assert units.parse_duration(text, 'x') == ns


def test_parse_duration_rejects():
    with pytest.raises(SpecError) as err:
        units.parse_duration('soon', 'healthcheck.interval')
    assert err.value.msg.startswith('healthcheck.interval:') and '1m30s' in err.value.msg


@pytest.mark.parametrize('spec,expected', [
    ('80', [('80/tcp', '', '')]),
    ('8080:80', [('80/tcp', '', '8080')]),
    ('127.0.0.1:8080:80', [('80/tcp', '127.0.0.1', '8080')]),
    ('0.0.0.0:8080:80', [('80/tcp', '', '8080')]),
    ('127.0.0.1::80', [('80/tcp', '127.0.0.1', '')]),
    ('[::1]:8080:80', [('80/tcp', '::1', '8080')]),
    ('53:53/udp', [('53/udp', '', '53')]),
    ('8000-8001:80-81', [('80/tcp', '', '8000'), ('81/tcp', '', '8001')]),
    ('8000-8010:80', [('80/tcp', '', '8000-8010')]),
    (9000, [('9000/tcp', '', '')]),
])
def test_parse_port(spec, expected):
    assert cvalues.parse_port(spec) == expected


@pytest.mark.parametrize('spec', ['abc', '70000:80', '8080:80/xdp', '1:2:3:4', '::1:8080:80', '8000-8002:80-81', '8080:'])
def test_parse_port_rejects(spec):
    with pytest.raises(SpecError) as err:
        cvalues.parse_port(spec)
    assert err.value.field == 'published_ports'


@pytest.mark.parametrize('spec,expected', [
    ('/srv/data:/data', ('/srv/data', '/data', 'rw')),
    ('/srv/data:/data:ro', ('/srv/data', '/data', 'ro')),
    ('/srv/data:/data/:Z', ('/srv/data', '/data', 'Z,rw')),
    ('myvol:/data', ('myvol', '/data', 'rw')),
    ('/data', ('', '/data', '')),
])
def test_parse_volume(spec, expected):
    assert cvalues.parse_volume(spec) == expected


@pytest.mark.parametrize('spec,needle', [
    ('./data:/data', 'relative'), ('data/sub:/data', 'relative'), ('~/x:/data', 'relative'),
    ('/srv:data:ro', 'not absolute'), ('/srv:/data:rx', 'unknown volume mode'),
])
def test_parse_volume_rejects(spec, needle):
    with pytest.raises(SpecError) as err:
        cvalues.parse_volume(spec)
    assert needle in err.value.msg and err.value.field == 'volumes'


def test_healthcheck_forms():
    assert cvalues.parse_healthcheck({'test': 'curl -f localhost', 'interval': '10s', 'retries': 3}) == {
        'Test': ['CMD-SHELL', 'curl -f localhost'], 'Interval': 10 ** 10, 'Retries': 3}
    assert cvalues.parse_healthcheck({'test': ['wget', '-q', 'x']})['Test'] == ['CMD', 'wget', '-q', 'x']
    assert cvalues.parse_healthcheck({'test': ['CMD', 'true']})['Test'] == ['CMD', 'true']
    assert cvalues.parse_healthcheck({'disable': True}) == {'Test': ['NONE']}


def test_ulimits_devices_mounts():
    assert cvalues.parse_ulimit('nofile:1024:2048') == {'Name': 'nofile', 'Soft': 1024, 'Hard': 2048}
    assert cvalues.parse_ulimit('nproc:64') == {'Name': 'nproc', 'Soft': 64, 'Hard': 64}
    with pytest.raises(SpecError):
        cvalues.parse_ulimit('nofile:lots')
    assert cvalues.parse_device('/dev/fuse') == {'PathOnHost': '/dev/fuse', 'PathInContainer': '/dev/fuse', 'CgroupPermissions': 'rwm'}
    assert cvalues.parse_device('/dev/a:/dev/b:r')['CgroupPermissions'] == 'r'
    assert cvalues.parse_mount({'type': 'tmpfs', 'target': '/cache', 'tmpfs_size': '16m', 'tmpfs_mode': '1777'}) == {
        'Type': 'tmpfs', 'Target': '/cache', 'TmpfsOptions': {'SizeBytes': 16 * 1024 ** 2, 'Mode': 0o1777}}
    with pytest.raises(SpecError):
        cvalues.parse_mount({'type': 'bind', 'source': 'rel', 'target': '/x'})


def test_env_values_must_not_be_booleans():
    with pytest.raises(SpecError) as err:
        coptions.normalize_options({'env': {'DEBUG': True}})
    assert 'quote it' in err.value.msg
    assert coptions.normalize_options({'env': {'N': 3}})['env'] == {'N': '3'}


def test_env_file_merged_under_env(tmp_path):
    path = tmp_path / 'app.env'
    path.write_text('# comment\nA=1\nB=from-file\n\nUNSET\n')
    opts = coptions.normalize_options({'env_file': str(path), 'env': {'B': 'from-env'}})
    assert opts['env'] == {'A': '1', 'B': 'from-env'}


def test_normalize_is_idempotent():
    opts = coptions.normalize_options({'image': 'x', 'memory': '1g', 'published_ports': ['8080:80']})
    assert coptions.normalize_options(opts) is opts


def test_create_body():
    body = cbody.create_body({
        'image': 'web:1', 'command': 'sleep 30', 'env': {'B': '2', 'A': '1'}, 'published_ports': ['127.0.0.1:8080:80'],
        'volumes': ['/srv:/srv:ro', '/cache'], 'memory': '256m', 'cpus': 0.5, 'restart_policy': 'on-failure',
        'restart_retries': 3, 'networks': [{'name': 'front', 'aliases': ['web']}, {'name': 'back'}],
        'log_driver': 'json-file', 'log_options': {'max-size': '10m'}, 'capabilities': ['net_admin'],
    }, IMAGE)
    assert body['Cmd'] == ['sleep', '30']
    assert body['Env'] == ['A=1', 'B=2']
    assert body['ExposedPorts'] == {'80/tcp': {}}
    host = body['HostConfig']
    assert host['PortBindings'] == {'80/tcp': [{'HostIp': '127.0.0.1', 'HostPort': '8080'}]}
    assert host['Binds'] == ['/srv:/srv:ro'] and body['Volumes'] == {'/cache': {}}
    assert host['Memory'] == 256 * 1024 ** 2 and host['NanoCpus'] == 500000000
    assert host['RestartPolicy'] == {'Name': 'on-failure', 'MaximumRetryCount': 3}
    assert host['NetworkMode'] == 'front'
    assert body['NetworkingConfig'] == {'EndpointsConfig': {'front': {'Aliases': ['web']}}}
    assert host['LogConfig'] == {'Type': 'json-file', 'Config': {'max-size': '10m'}}
    assert host['CapAdd'] == ['CAP_NET_ADMIN']
    assert ccompare.initial_network_actions({'networks': [{'name': 'front'}, {'name': 'back'}]}) == [
        {'action': 'connect', 'network': 'back', 'config': {}}]


NAMESPACES = {'image': 'x', 'privileged': True, 'publish_all_ports': True, 'ipc_mode': 'shareable', 'pid_mode': 'host',
              'userns_mode': 'host', 'cgroupns_mode': 'private', 'runtime': 'runc', 'groups': ['audio', 27],
              'oom_score_adj': 200}


def test_privileges_and_namespaces_create_and_compare():
    host = cbody.create_body(NAMESPACES, IMAGE)['HostConfig']
    assert host['Privileged'] and host['PublishAllPorts'] and host['IpcMode'] == 'shareable'
    assert host['PidMode'] == 'host' and host['UsernsMode'] == 'host' and host['CgroupnsMode'] == 'private'
    assert host['Runtime'] == 'runc' and host['GroupAdd'] == ['27', 'audio'] and host['OomScoreAdj'] == 200
    container = container_from(NAMESPACES)
    assert ccompare.compare(NAMESPACES, container, IMAGE) == []
    diffs = ccompare.compare(dict(NAMESPACES, privileged=False, groups=['audio'], ipc_mode='private'), container, IMAGE)
    # groups is a set: fewer groups is no change by default (allow_more_present, like community.docker), more is
    assert sorted(d['option'] for d in diffs) == ['ipc_mode', 'privileged'] and ccompare.needs_recreate(diffs)
    diffs = ccompare.compare(dict(NAMESPACES, groups=['audio', 27, 'video']), container, IMAGE)
    assert [d['option'] for d in diffs] == ['groups']
    diffs = ccompare.compare(dict(NAMESPACES, groups=['audio']), container, IMAGE, comparisons={'groups': 'strict'})
    assert [d['option'] for d in diffs] == ['groups']
    # not given: not compared, whatever the engine chose
    assert ccompare.compare({'image': 'x'}, container, IMAGE) == []


@pytest.mark.parametrize('bad,field', [({'oom_score_adj': 1001}, 'oom_score_adj'), ({'cgroupns_mode': 'shared'}, 'cgroupns_mode')])
def test_namespace_options_rejected(bad, field):
    with pytest.raises(SpecError) as err:
        coptions.normalize_options(dict({'image': 'x'}, **bad))
    assert err.value.field == field


def test_dns_volumes_from_uts_cgroup_parent_device_requests():
    opts = {'image': 'x', 'dns_search_domains': ['b.test', 'a.test'], 'dns_opts': ['ndots:2'], 'volumes_from': ['data:ro'],
            'uts': 'host', 'cgroup_parent': 'berth.slice',
            'device_requests': [{'driver': 'nvidia', 'capabilities': [['gpu']]}, {'driver': 'nvidia', 'device_ids': ['0']}]}
    host = cbody.create_body(opts, IMAGE)['HostConfig']
    assert host['DnsSearch'] == ['b.test', 'a.test'] and host['DnsOptions'] == ['ndots:2']
    assert host['VolumesFrom'] == ['data:ro'] and host['UTSMode'] == 'host' and host['CgroupParent'] == 'berth.slice'
    assert host['DeviceRequests'] == [
        {'Driver': 'nvidia', 'Count': -1, 'DeviceIDs': None, 'Capabilities': [['gpu']], 'Options': None},
        {'Driver': 'nvidia', 'Count': 0, 'DeviceIDs': ['0'], 'Capabilities': None, 'Options': None}]
    container = container_from(opts)
    assert ccompare.compare(opts, container, IMAGE) == []
    diffs = ccompare.compare(dict(opts, dns_search_domains=['a.test', 'b.test'], device_requests=[]), container, IMAGE)
    # search order matters; device_requests is a set (allow_more_present by default, like community.docker)
    assert [d['option'] for d in diffs] == ['dns_search_domains']
    diffs = ccompare.compare(dict(opts, device_requests=[]), container, IMAGE, comparisons={'device_requests': 'strict'})
    assert [d['option'] for d in diffs] == ['device_requests']
    with pytest.raises(SpecError, match='list of lists'):
        coptions.normalize_options({'image': 'x', 'device_requests': [{'capabilities': ['gpu']}]})


def test_create_body_requires_image_and_healthcheck_test():
    with pytest.raises(SpecError) as err:
        cbody.create_body({'command': ['true']})
    assert err.value.field == 'image'
    with pytest.raises(SpecError) as err:
        cbody.create_body({'image': 'x', 'healthcheck': {'interval': '5s'}}, {'Config': {}})
    assert 'healthcheck.test is required' in err.value.msg


FULL = {
    'image': 'web:1', 'command': ['sleep', '30'], 'env': {'A': '1'}, 'labels': {'x': 'y'},
    'published_ports': ['127.0.0.1:8080:80', '9000'], 'exposed_ports': ['81'], 'volumes': ['/srv:/srv:ro', 'named:/named'],
    'memory': '256m', 'restart_policy': 'always', 'healthcheck': {'interval': '10s'}, 'user': 'nobody',
    'etc_hosts': {'db': '10.0.0.2'}, 'ulimits': ['nofile:100:200'], 'tmpfs': ['/run:size=1m'], 'sysctls': {'net.ipv4.ip_forward': '1'},
    'init': True, 'network_mode': 'bridge', 'capabilities': ['NET_ADMIN'],
}


def test_compare_identical_after_image_merge_is_empty():
    container = container_from(FULL)
    assert ccompare.compare(FULL, container, IMAGE) == []
    # image defaults do not cause changes even in strict mode
    assert ccompare.compare(FULL, container, IMAGE, comparisons={'*': 'strict'}) == []


def test_compare_reports_changes_and_update_in_place():
    container = container_from(FULL)
    changed = dict(FULL, memory='512m', restart_policy='unless-stopped', command=['sleep', '60'])
    diffs = dict((d['option'], d) for d in ccompare.compare(changed, container, IMAGE))
    assert set(diffs) == {'memory', 'restart_policy', 'command'}
    assert diffs['memory']['update'] and diffs['restart_policy']['update'] and not diffs['command']['update']
    assert ccompare.needs_recreate(diffs.values())
    only_update = [d for d in diffs.values() if d['update']]
    body = cbody.update_body(only_update, changed, container)
    assert body['Memory'] == 512 * 1024 ** 2 and body['RestartPolicy'] == {'Name': 'unless-stopped'}


def test_memory_update_keeps_double_swap():
    container = container_from({'image': 'x', 'memory': '64m'})
    container['HostConfig']['MemorySwap'] = 128 * 1024 ** 2  # what the engine sets
    diffs = ccompare.compare({'image': 'x', 'memory': '256m'}, container, IMAGE)
    assert cbody.update_body(diffs, {'image': 'x', 'memory': '256m'}, container)['MemorySwap'] == 512 * 1024 ** 2


def test_compare_image_id():
    container = container_from(FULL)
    diffs = ccompare.compare(FULL, container, dict(IMAGE, Id='sha256:bbb'))
    assert [d['option'] for d in diffs] == ['image'] and ccompare.needs_recreate(diffs)
    assert ccompare.compare(FULL, container, dict(IMAGE, Id='sha256:bbb'), comparisons={'image': 'ignore'}) == []


def test_allow_more_present_vs_strict():
    container = container_from(dict(FULL, env={'A': '1', 'EXTRA': 'x'}, labels={'x': 'y', 'z': '1'}))
    assert ccompare.compare(FULL, container, IMAGE) == []
    strict = ccompare.compare(FULL, container, IMAGE, comparisons={'env': 'strict', 'labels': 'strict'})
    assert sorted(d['option'] for d in strict) == ['env', 'labels']
    assert ccompare.compare(dict(FULL, env={'A': '2'}), container, IMAGE)[0]['option'] == 'env'


def test_published_ports_allow_more_present_and_ip_normalised():
    container = container_from({'image': 'x', 'published_ports': ['0.0.0.0:8080:80', '9000']})
    assert ccompare.compare({'image': 'x', 'published_ports': ['8080:80', '9000']}, container, IMAGE) == []
    # like community.docker: a port no longer listed is no change by default, a new one is
    assert ccompare.compare({'image': 'x', 'published_ports': ['8080:80']}, container, IMAGE) == []
    diffs = ccompare.compare({'image': 'x', 'published_ports': ['8081:80']}, container, IMAGE)
    assert diffs[0]['before'] == ['8080:80/tcp', ':9000/tcp'] and diffs[0]['after'] == ['8081:80/tcp']
    diffs = ccompare.compare({'image': 'x', 'published_ports': ['8080:80']}, container, IMAGE,
                             comparisons={'published_ports': 'strict'})
    assert [d['option'] for d in diffs] == ['published_ports']


def test_comparisons_validation():
    with pytest.raises(SpecError) as err:
        ccompare.resolve_comparisons({'nonsense': 'strict'})
    assert 'unknown option' in err.value.msg
    with pytest.raises(SpecError):
        ccompare.resolve_comparisons({'memory': 'allow_more_present'})
    with pytest.raises(SpecError):
        ccompare.resolve_comparisons({'*': 'allow_more_present'})
    modes = ccompare.resolve_comparisons({'*': 'ignore', 'env': 'strict'})
    assert modes['env'] == 'strict' and modes['memory'] == 'ignore'
    assert ccompare.resolve_comparisons(purge_networks=True)['networks'] == 'strict'


def test_network_actions():
    container = container_from({'image': 'x'})
    container['Id'] = 'abcdef1234567890'
    container['NetworkSettings']['Networks'] = {
        'front': {'Aliases': ['abcdef123456', 'web'], 'IPAMConfig': None},
        'old': {'Aliases': None},
    }
    opts = {'networks': [{'name': 'front', 'aliases': ['web']}, {'name': 'back', 'ipv4_address': '10.1.0.5'}]}
    assert ccompare.network_actions(opts, container) == [
        {'action': 'connect', 'network': 'back', 'config': {'IPAMConfig': {'IPv4Address': '10.1.0.5'}}}]
    strict = ccompare.network_actions(opts, container, purge_networks=True)
    assert [(a['action'], a['network']) for a in strict] == [('connect', 'back'), ('disconnect', 'old')]
    moved = ccompare.network_actions({'networks': [{'name': 'front', 'aliases': ['api']}]}, container)
    assert [(a['action'], a['network']) for a in moved] == [('disconnect', 'front'), ('connect', 'front')]


def test_plan():
    running = {'State': {'Running': True}}
    stopped = {'State': {'Running': False}}
    upd = [{'option': 'memory', 'update': True}]
    rec = [{'option': 'command', 'update': False}]
    opts = {'networks': [{'name': 'a'}, {'name': 'b'}]}
    assert ccompare.plan('started', None, options=opts) == ['create', 'connect:b', 'start']
    assert ccompare.plan('present', None) == ['create']
    assert ccompare.plan('started', running) == []
    assert ccompare.plan('started', stopped) == ['start']
    assert ccompare.plan('started', running, upd) == ['update']
    assert ccompare.plan('started', running, rec) == ['recreate', 'start']
    assert ccompare.plan('present', running, rec) == ['recreate', 'start']
    assert ccompare.plan('present', stopped, rec) == ['recreate']
    assert ccompare.plan('stopped', running) == ['stop']
    assert ccompare.plan('stopped', stopped) == []
    assert ccompare.plan('started', running, restart=True) == ['restart']
    assert ccompare.plan('absent', running) == ['remove'] and ccompare.plan('absent', None) == []
    assert ccompare.plan('started', running, recreate=True) == ['recreate', 'start']


# -- community.docker's remaining options (issue 13) -----------------------------------------

LIMITS = {'image': 'x', 'blkio_weight': 300, 'cpu_period': 100000, 'cpu_quota': 50000, 'cpuset_mems': '0',
          'kernel_memory': '8m', 'memory_swappiness': 0, 'oom_killer': True, 'device_cgroup_rules': ['c 42:* rmw'],
          'device_read_bps': [{'path': '/dev/vda', 'rate': '1M'}], 'device_write_bps': [{'path': '/dev/vda', 'rate': 512}],
          'device_read_iops': [{'path': '/dev/vda', 'rate': 10}], 'device_write_iops': [{'path': '/dev/vda', 'rate': '20'}],
          'storage_opts': {'size': '1G'}, 'volume_driver': 'local', 'mac_address': '02-42-AC-11-00-09'}


def test_new_limits_reach_the_create_body_and_compare_equal():
    body = cbody.create_body(LIMITS, IMAGE)
    host = body['HostConfig']
    assert (host['BlkioWeight'], host['CpuPeriod'], host['CpuQuota'], host['CpusetMems']) == (300, 100000, 50000, '0')
    assert host['KernelMemory'] == 8 * 1024 ** 2 and host['MemorySwappiness'] == 0 and host['OomKillDisable'] is True
    assert host['DeviceCgroupRules'] == ['c 42:* rmw']
    assert host['BlkioDeviceReadBps'] == [{'Path': '/dev/vda', 'Rate': 1024 ** 2}]
    assert host['BlkioDeviceWriteBps'] == [{'Path': '/dev/vda', 'Rate': 512}]
    assert host['BlkioDeviceWriteIOps'] == [{'Path': '/dev/vda', 'Rate': 20}]
    assert host['StorageOpt'] == {'size': '1G'} and host['VolumeDriver'] == 'local'
    assert body['MacAddress'] == '02:42:ac:11:00:09'
    assert ccompare.compare(LIMITS, container_from(LIMITS), IMAGE) == []


def test_new_limits_differences_update_in_place_or_recreate():
    container = container_from(LIMITS)
    diffs = ccompare.compare(dict(LIMITS, cpu_quota=25000, blkio_weight=500, cpuset_mems='0-1'), container, IMAGE)
    assert sorted(d['option'] for d in diffs) == ['blkio_weight', 'cpu_quota', 'cpuset_mems']
    assert not ccompare.needs_recreate(diffs)
    assert cbody.update_body(diffs, dict(LIMITS, cpu_quota=25000, blkio_weight=500, cpuset_mems='0-1'), container) == {
        'BlkioWeight': 500, 'CpuQuota': 25000, 'CpusetMems': '0-1'}
    # swappiness 0 is a value, not unset: null on the container is a difference
    unset = dict(container, HostConfig=dict(container['HostConfig'], MemorySwappiness=None))
    assert [d['option'] for d in ccompare.compare({'image': 'x', 'memory_swappiness': 0}, unset, IMAGE)] == ['memory_swappiness']
    diffs = ccompare.compare(dict(LIMITS, oom_killer=False, device_read_bps=[{'path': '/dev/vda', 'rate': '2M'}]),
                             container, IMAGE)
    assert sorted(d['option'] for d in diffs) == ['device_read_bps', 'oom_killer'] and ccompare.needs_recreate(diffs)
    # device rates are sets: allow_more_present by default, like community.docker
    assert ccompare.compare(dict(LIMITS, device_read_bps=[]), container, IMAGE) == []


@pytest.mark.parametrize('bad,field', [
    ({'memory_swappiness': 101}, 'memory_swappiness'),
    ({'mac_address': '02:42'}, 'mac_address'),
    ({'device_read_bps': [{'path': '/dev/vda'}]}, 'device_read_bps'),
    ({'device_read_iops': [{'path': '/dev/vda', 'rate': 'fast'}]}, 'device_read_iops.rate'),
    ({'links': [':alias']}, 'links'),
    ({'platform': 'linux//amd64'}, 'platform'),
])
def test_new_options_refuse_bad_values(bad, field):
    with pytest.raises(SpecError) as err:
        coptions.normalize_options(dict({'image': 'x'}, **bad))
    assert err.value.field == field


def test_links_compare_with_the_engines_form():
    opts = {'image': 'x', 'links': ['db', 'cache:redis']}
    assert cbody.create_body(opts, IMAGE)['HostConfig']['Links'] == ['cache:redis', 'db:db']
    container = container_from(opts)
    container['HostConfig']['Links'] = ['/db:/me/db', '/cache:/me/redis']  # what inspect shows
    assert ccompare.compare(opts, container, IMAGE) == []
    assert [d['option'] for d in ccompare.compare({'image': 'x', 'links': ['db:other']}, container, IMAGE)] == ['links']


def test_platform_is_a_create_parameter_compared_with_the_image():
    image = dict(IMAGE, Os='linux', Architecture='arm64', Variant='v8')
    assert cbody.create_params({'image': 'x', 'platform': 'Linux/ARM64'}) == {'platform': 'linux/arm64'}
    assert 'platform' not in cbody.create_body({'image': 'x', 'platform': 'linux/arm64'}, image)
    container = dict(container_from({'image': 'x'}, image), Platform='linux')
    for same in ('linux', 'linux/arm64', 'linux/aarch64', 'linux/arm64/v8'):
        assert ccompare.compare({'image': 'x', 'platform': same}, container, image) == [], same
    diffs = ccompare.compare({'image': 'x', 'platform': 'linux/amd64'}, container, image)
    assert diffs == [{'option': 'platform', 'before': 'linux/arm64/v8', 'after': 'linux/amd64', 'update': False}]


def test_mount_suboptions_and_their_engine_fields():
    mounts = coptions.normalize_options({'mounts': [
        {'type': 'bind', 'source': '/srv', 'target': '/srv', 'non_recursive': True, 'create_mountpoint': True,
         'read_only_non_recursive': False, 'read_only_force_recursive': True, 'propagation': 'rshared'},
        {'type': 'volume', 'source': 'data', 'target': '/data', 'subpath': 'sub'},
        {'type': 'tmpfs', 'target': '/tmp', 'tmpfs_options': [{'noexec': None}, {'nr_inodes': '1k'}]},
        {'type': 'image', 'source': 'busybox', 'target': '/img', 'subpath': 'bin'},
        {'type': 'cluster', 'target': '/csi'},
    ]})['mounts']
    assert mounts[0]['BindOptions'] == {'Propagation': 'rshared', 'NonRecursive': True, 'CreateMountpoint': True,
                                        'ReadOnlyNonRecursive': False, 'ReadOnlyForceRecursive': True}
    assert mounts[1]['VolumeOptions'] == {'Subpath': 'sub'}
    assert mounts[2]['TmpfsOptions'] == {'Options': [['noexec'], ['nr_inodes', '1k']]}
    assert mounts[3] == {'Type': 'image', 'Target': '/img', 'Source': 'busybox', 'ImageOptions': {'Subpath': 'bin'}}
    assert mounts[4] == {'Type': 'cluster', 'Target': '/csi'}
    needs = coptions.api_requirements({'mounts': mounts})
    assert ('1.40', 'mounts[].non_recursive') in needs and ('1.42', 'mounts[].create_mountpoint') in needs
    assert ('1.45', 'mounts[].subpath') in needs and ('1.46', 'mounts[].tmpfs_options') in needs
    assert ('1.47', 'mounts[].type=image') in needs and ('1.42', 'mounts[].type=cluster') in needs


@pytest.mark.parametrize('mount,message', [
    ({'type': 'volume', 'target': '/d', 'non_recursive': True}, 'non_recursive cannot be set for mount /d of type volume'),
    ({'type': 'bind', 'source': '/s', 'target': '/d', 'tmpfs_options': [{'a': None}]}, 'needs type tmpfs'),
    ({'type': 'tmpfs', 'target': '/d', 'tmpfs_options': [{'a': None, 'b': None}]}, 'one key'),
    ({'type': 'image', 'target': '/d'}, 'needs a source'),
])
def test_mount_suboptions_refused_where_they_do_not_belong(mount, message):
    with pytest.raises(SpecError, match=message):
        coptions.normalize_options({'mounts': [mount]})


def test_healthcheck_start_interval_and_test_cli_compatible():
    check = coptions.normalize_options({'healthcheck': {'test': 'true', 'start_interval': '2s',
                                                        'test_cli_compatible': False}})['healthcheck']
    assert check == {'Test': ['CMD-SHELL', 'true'], 'StartInterval': 2 * 10 ** 9}
    assert coptions.api_requirements({'healthcheck': check}) == [('1.44', 'healthcheck.start_interval')]
    # like community.docker: without test the healthcheck is off, unless test_cli_compatible keeps the image's
    assert coptions.normalize_options({'healthcheck': {'interval': '5s', 'test_cli_compatible': False}})['healthcheck'] == {
        'Test': ['NONE']}
    assert coptions.normalize_options({'healthcheck': {'interval': '5s', 'test_cli_compatible': True}})['healthcheck'] == {
        'Interval': 5 * 10 ** 9}


def test_api_requirements_of_options_and_network_mac_address():
    opts = coptions.normalize_options({'image': 'x', 'platform': 'linux', 'device_cgroup_rules': ['a'],
                                       'networks': [{'name': 'n', 'mac_address': '02-42-AC-11-00-09'}]})
    assert sorted(coptions.api_requirements(opts)) == [
        ('1.28', 'device_cgroup_rules'), ('1.41', 'platform'), ('1.44', 'networks[].mac_address')]
    assert cbody.endpoint_config(opts['networks'][0]) == {'MacAddress': '02:42:ac:11:00:09'}
    assert coptions.REMOVED_IN_API == (('kernel_memory', '1.42'),)
