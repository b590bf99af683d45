"""Unit tests of the pure helpers of the network, volume and exec modules (no engine)."""

import pytest

from ansible_collections.berth.docker.plugins.module_utils.errors import SpecError
from ansible_collections.berth.docker.plugins.module_utils.exec import exec_argv, exec_body
from ansible_collections.berth.docker.plugins.module_utils.network import network_body, network_differences, normalize_ipam
from ansible_collections.berth.docker.plugins.module_utils.volume import volume_body, volume_differences

NETWORK = {
    'Name': 'app', 'Driver': 'bridge', 'Internal': False, 'Attachable': False, 'EnableIPv6': False,
    'Options': {'com.docker.network.bridge.name': 'br-app', 'added.by.engine': '1'},
    'Labels': {'app': 'shop', 'other': 'x'},
    'IPAM': {'Driver': 'default', 'Config': [{'Subnet': '172.28.0.0/16', 'Gateway': '172.28.0.1'}]},
}


def test_ipam_normalised_and_checked():
    assert normalize_ipam([{'subnet': '10.1.0.0/24', 'gateway': '10.1.0.1', 'iprange': None, 'aux_addresses': {'a': '10.1.0.2'}}]) == [
        {'Subnet': '10.1.0.0/24', 'Gateway': '10.1.0.1', 'AuxiliaryAddresses': {'a': '10.1.0.2'}}]
    with pytest.raises(SpecError) as err:
        normalize_ipam([{'gateway': '10.1.0.1'}])
    assert err.value.field == 'ipam_config'


def test_network_body():
    body = network_body({'name': 'app', 'driver': None, 'internal': True, 'labels': {'a': 1},
                         'ipam_config': [{'subnet': '10.2.0.0/16'}], 'driver_options': None})
    assert body == {'Name': 'app', 'Driver': 'bridge', 'CheckDuplicate': True, 'Internal': True, 'Labels': {'a': '1'},
                    'IPAM': {'Driver': 'default', 'Config': [{'Subnet': '10.2.0.0/16'}]}}


def test_network_same_config_and_engine_additions_are_no_difference():
    params = {'name': 'app', 'driver': 'bridge', 'labels': {'app': 'shop'},
              'driver_options': {'com.docker.network.bridge.name': 'br-app'}, 'ipam_config': [{'subnet': '172.28.0.0/16'}]}
    assert network_differences(params, NETWORK) == []
    assert network_differences({'name': 'app'}, NETWORK) == []  # nothing set: nothing compared


def test_network_differences():
    params = {'name': 'app', 'driver': 'bridge', 'internal': True, 'labels': {'app': 'cart'},
              'ipam_config': [{'subnet': '172.29.0.0/16'}]}
    assert sorted(d['option'] for d in network_differences(params, NETWORK)) == ['internal', 'ipam_config[0].subnet', 'labels']
    assert [d['option'] for d in network_differences({'name': 'app', 'driver': 'macvlan'}, NETWORK)] == ['driver']


def test_volume_differences_and_body():
    vol = {'Name': 'v', 'Driver': 'local', 'Options': {'type': 'tmpfs'}, 'Labels': {'a': '1', 'com.example.extra': 'y'}}
    assert volume_differences({'driver': 'local', 'labels': {'a': '1'}, 'driver_options': {'type': 'tmpfs'}}, vol) == []
    assert [d['option'] for d in volume_differences({'driver': 'local', 'labels': {'a': '2'}}, vol)] == ['labels']
    assert [d['option'] for d in volume_differences({'driver': 'other'}, vol)] == ['driver']
    assert volume_body({'name': 'v', 'driver': None, 'driver_options': {'o': 'size=1m'}, 'labels': None}) == {
        'Name': 'v', 'Driver': 'local', 'DriverOpts': {'o': 'size=1m'}}


def test_exec_argv_and_body():
    assert exec_argv("sh -c 'echo hi'") == ['sh', '-c', 'echo hi']
    assert exec_argv(None, ['a', 1]) == ['a', '1']
    with pytest.raises(SpecError):
        exec_argv('  ')
    with pytest.raises(SpecError):
        exec_argv("echo 'unclosed")
    body = exec_body(['id'], {'chdir': '/srv', 'user': 'nobody', 'env': {'A': '1'}, 'tty': False, 'detach': False}, True)
    assert body == {'Cmd': ['id'], 'AttachStdout': True, 'AttachStderr': True, 'AttachStdin': True, 'Tty': False,
                    'WorkingDir': '/srv', 'User': 'nobody', 'Env': ['A=1']}
    detached = exec_body(['id'], {'detach': True}, True)
    assert not detached['AttachStdout'] and not detached['AttachStdin']
    with pytest.raises(SpecError):
        exec_body(['id'], {'env': {'X': True}}, False)
