"""api_features: what each option needs beyond Engine API 1.25, the check the modules run first, and
host_info's wait for another GET /system/df."""

import pytest

from ansible_collections.berth.docker.plugins.module_utils import api, api_features, host_info
from ansible_collections.berth.docker.plugins.module_utils.api_features import Feature, check_options, returns_field, unsupported
from tests.unit.fake_engine import FakeEngine


def labels(version, module, params):
    return [f.label for f in unsupported(version, module, params)]


def test_every_feature_is_newer_than_the_oldest_supported_version():
    for module, features in api_features.FEATURES.items():
        for feature in features:
            assert api.version_tuple(feature.version) > api.version_tuple(api.MIN_API_VERSION), (module, feature.label)
            assert api.version_tuple(feature.version) <= api.version_tuple(api.NEWEST_KNOWN_API_VERSION)


@pytest.mark.parametrize('version, params, expected', [
    ('1.25', {'healthcheck': {'test': ['CMD', 'true'], 'start_period': '5s'}}, ['healthcheck.start_period']),
    ('1.29', {'healthcheck': {'test': ['CMD', 'true'], 'start_period': '5s'}}, []),
    ('1.25', {'healthcheck': {'test': ['CMD', 'true'], 'start_period': None}}, []),
    ('1.27', {'mounts': [{'target': '/a'}, {'target': '/b', 'consistency': 'cached'}]}, ['mounts[].consistency']),
    ('1.28', {'mounts': [{'target': '/b', 'consistency': 'cached'}]}, []),
    ('1.25', {'mounts': [{'target': '/a', 'type': 'volume'}], 'init': True, 'cpus': 1.5, 'stop_timeout': 3}, []),
    ('1.31', {'ipc_mode': 'private'}, ['ipc_mode private, shareable or none']),
    ('1.31', {'ipc_mode': 'host'}, []),
    ('1.36', {'published_ports': ['8125:8125/sctp'], 'exposed_ports': ['53/udp']}, ['published_ports with sctp']),
    ('1.37', {'published_ports': ['8125:8125/sctp']}, []),
    ('1.39', {'device_requests': [{'count': -1}]}, ['device_requests']),
    ('1.40', {'device_requests': [{'count': -1}], 'cgroupns_mode': 'host'}, ['cgroupns_mode']),
    ('1.25', {'device_requests': [], 'cgroupns_mode': None}, []),
    ('1.25', {'device_requests': [{'count': 1}], 'cgroupns_mode': 'private'}, ['device_requests', 'cgroupns_mode']),
])
def test_container_options_above_their_version(version, params, expected):
    assert labels(version, 'container', params) == expected


def test_image_network_and_host_info_options():
    assert labels('1.31', 'image', {'build': {'path': '.', 'platform': 'linux/amd64', 'target': 'x'},
                                    'pull': {'platform': 'linux/arm64'}}) == ['build.platform', 'pull.platform']
    assert labels('1.28', 'image', {'build': {'target': 'x', 'etc_hosts': {'a': '1.2.3.4'}}}) == ['build.target']
    assert labels('1.25', 'image', {'build': None, 'pull': None}) == []
    assert labels('1.29', 'network', {'name': 'n', 'scope': 'local', 'attachable': True, 'labels': {}}) == ['scope']
    assert labels('1.46', 'network', {'enable_ipv4': False}) == ['enable_ipv4']
    assert labels('1.41', 'network', {'enable_ipv4': None, 'scope': 'local'}) == []
    assert labels('1.39', 'host_info', {'networks_filters': {'dangling': True}, 'containers_filters': {'name': 'x'}}) == [
        'networks_filters dangling']
    assert labels('1.27', 'host_info', {'containers_filters': {'publish': '80'}, 'disk_usage': True}) == [
        'containers_filters publish or expose']
    assert labels('1.25', 'volume', {'labels': {'a': 'b'}}) == []
    assert labels('1.25', 'unknown module', {'x': 1}) == []


def test_feature_paths_and_values():
    assert Feature('a.b', '1.30').used({'a': {'b': 0}})  # 0 and False are values
    assert not Feature('a.b', '1.30').used({'a': None})
    assert not Feature('a[].b', '1.30').used({'a': [{'b': None}, {}]})
    assert Feature('a[].b[]', '1.30', lambda v: v == 'x').used({'a': [{'b': ['y']}, {'b': ['z', 'x']}]})
    assert not Feature('a', '1.30', lambda v: v == 'x').used({'a': 'y'})


def test_response_fields_of_newer_versions_count_as_absent():
    assert not returns_field('1.25', 'container', 'HostConfig.DeviceRequests')
    assert returns_field('1.40', 'container', 'HostConfig.DeviceRequests')
    assert not returns_field('1.28', 'container', 'Config.Healthcheck.StartPeriod')
    assert returns_field('1.25', 'container', 'HostConfig.Init')  # not listed: every version has it


def test_check_options_fails_before_anything_but_get_version():
    with FakeEngine(api_version='1.26') as engine:
        client = api.EngineClient(api.ConnectionConfig(docker_host=engine.url))
        check_options(client, 'container', {'init': True, 'mounts': [{'target': '/x'}]})
        with pytest.raises(api.DockerError) as caught:
            check_options(client, 'container', {'healthcheck': {'start_period': '5s'}, 'device_requests': [{'count': 1}]})
        # the first one in the table, with both versions and what to do
        assert caught.value.msg.startswith('healthcheck.start_period needs Engine API 1.29 or newer, but the engine at ')
        assert 'speaks Engine API 1.26; upgrade the engine' in caught.value.msg
        assert 'leave healthcheck.start_period out' in caught.value.msg
        assert [r['path'] for r in engine.requests] == ['/version']
        client.close()


def test_disk_usage_waits_for_another_running_one():
    answers = [(500, {'message': 'a disk usage operation is already running'})] * 2 + [(200, {'LayersSize': 7})]
    with FakeEngine(api_version='1.41') as engine:
        engine.route('GET', '/system/df', lambda req: answers.pop(0))
        client = api.EngineClient(api.ConnectionConfig(docker_host=engine.url))
        assert host_info.disk_usage(client, wait=10, poll=0.01) == {'LayersSize': 7}
        answers[:] = [(500, {'message': 'a disk usage operation is already running'})] * 50
        with pytest.raises(api.APIError, match='already running'):
            host_info.disk_usage(client, wait=0.05, poll=0.01)
        answers[:] = [(500, {'message': 'something else'})]
        with pytest.raises(api.APIError, match='something else'):
            host_info.disk_usage(client, wait=10, poll=0.01)
        client.close()


# GET /containers/{id}/json as Docker 1.13 (API 1.25/1.26) shapes it: no DeviceRequests, CgroupnsMode,
# MaskedPaths, ConsoleSize, no StartPeriod in Healthcheck, and empty fields left out
OLD_CONTAINER = {
    'Id': 'c' * 64, 'Image': 'sha256:' + 'a' * 64, 'Name': '/web',
    'State': {'Status': 'running', 'Running': True},
    'Config': {'Hostname': '7ac7e45e76f5', 'Env': ['MODE=api', 'PATH=/usr/bin:/bin'], 'Cmd': ['sleep', '300'],
               'Healthcheck': {'Test': ['CMD-SHELL', 'true'], 'Interval': 30000000000, 'Retries': 2},
               'Image': 'busybox:1', 'Labels': {'app': 'api', 'org.image': 'busybox'}, 'StopTimeout': 3},
    'HostConfig': {'LogConfig': {'Type': 'json-file', 'Config': {}}, 'NetworkMode': 'default',
                   'RestartPolicy': {'Name': 'no', 'MaximumRetryCount': 0}, 'ShmSize': 67108864,
                   'Runtime': 'runc', 'Memory': 67108864, 'NanoCpus': 500000000, 'MemorySwap': 134217728,
                   'Mounts': [{'Type': 'volume', 'Source': 'data', 'Target': '/data'}], 'Init': True},
    'NetworkSettings': {'Networks': {'bridge': {'Aliases': None, 'IPAMConfig': None, 'Links': None}}},
}
OLD_IMAGE = {'Id': 'sha256:' + 'a' * 64, 'Config': {'Env': ['PATH=/usr/bin:/bin'], 'Cmd': ['/bin/sh'],
                                                    'Labels': {'org.image': 'busybox'}}}


def test_container_of_an_old_engine_compares_equal_where_fields_are_missing():
    """Fields an old engine leaves out count as unset, not as a difference: idempotence holds at 1.25."""
    from ansible_collections.berth.docker.plugins.module_utils import container_compare
    options = {'image': 'busybox:1', 'command': ['sleep', '300'], 'init': True, 'cpus': 0.5, 'stop_timeout': 3,
               'memory': '64m', 'healthcheck': {'test': ['CMD-SHELL', 'true'], 'interval': '30s', 'retries': 2},
               'mounts': [{'type': 'volume', 'source': 'data', 'target': '/data'}], 'labels': {'app': 'api'},
               'env': {'MODE': 'api'}, 'privileged': False, 'read_only': False, 'auto_remove': False, 'tty': False,
               'security_opts': [], 'tmpfs': [], 'devices': []}
    assert container_compare.compare(options, OLD_CONTAINER, OLD_IMAGE) == []
    changed = container_compare.compare(dict(options, init=False), OLD_CONTAINER, OLD_IMAGE)
    assert [d['option'] for d in changed] == ['init']


def test_network_and_volume_of_an_old_engine_compare_equal_where_fields_are_missing():
    from ansible_collections.berth.docker.plugins.module_utils import network, volume
    old_network = {'Name': 'n', 'Id': 'n' * 64, 'Driver': 'bridge', 'Scope': 'local', 'EnableIPv6': False,
                   'IPAM': {'Driver': 'default', 'Options': None, 'Config': [{'Subnet': '172.30.0.0/16'}]},
                   'Internal': False, 'Containers': {}, 'Options': {}, 'Labels': {}}
    params = {'name': 'n', 'driver': 'bridge', 'internal': False, 'attachable': False, 'enable_ipv6': False,
              'driver_options': {}, 'labels': {}, 'ipam_config': None}
    assert network.network_differences(params, old_network) == []
    old_volume = {'Name': 'v', 'Driver': 'local', 'Mountpoint': '/var/lib/docker/volumes/v/_data', 'Labels': None,
                  'Scope': 'local', 'Options': None}
    assert volume.volume_differences({'name': 'v', 'driver': 'local', 'labels': {}, 'driver_options': {}}, old_volume) == []
