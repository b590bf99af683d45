"""berth.docker.network on the real engine, four-step, with the docker CLI as witness."""

import pytest

from tests.support.ansible_run import four_step, run_tasks
from tests.support.containers import container_id, task
from tests.support.docker_cli import docker, exists, inspect


def net_task(args, **extra):
    return task('network', args, **extra)


def attached(net):
    return sorted(c['Name'] for c in (inspect('network', net)['Containers'] or {}).values())


def test_create_with_ipam_options_labels_and_remove(prefix):
    name = prefix + 'n'
    args = {'name': name, 'ipam_config': [{'subnet': '10.199.71.0/24', 'gateway': '10.199.71.1', 'iprange': '10.199.71.128/25',
                                           'aux_addresses': {'reserved': '10.199.71.2'}}],
            'internal': True, 'attachable': True, 'labels': {'app': 'shop'},
            'driver_options': {'com.docker.network.bridge.name': prefix[:8] + 'br'}}
    runs = four_step([net_task(args)])
    assert runs[1].task('t')['actions'] == ['create']
    net = inspect('network', name)
    assert net['IPAM']['Config'] == [{'Subnet': '10.199.71.0/24', 'Gateway': '10.199.71.1', 'IPRange': '10.199.71.128/25',
                                      'AuxiliaryAddresses': {'reserved': '10.199.71.2'}}]
    assert net['Internal'] and net['Attachable'] and net['Labels'] == {'app': 'shop'}
    four_step([net_task({'name': name, 'state': 'absent'})])
    assert not exists('network', name)


def test_engine_defaults_cause_no_change(prefix):
    name = prefix + 'plain'
    docker('network', 'create', name)
    run = run_tasks([net_task({'name': name})]).assert_ok()
    assert not run.changed


@pytest.mark.slow
def test_connected_and_appends(prefix, web_image):
    name = prefix + 'members'
    a, b = prefix + 'a', prefix + 'b'
    for c in (a, b):
        docker('run', '-d', '--name', c, web_image)
    four_step([net_task({'name': name, 'connected': [a]})])
    assert attached(name) == [a]
    runs = four_step([net_task({'name': name, 'connected': [b], 'appends': True})])
    assert runs[1].task('t')['actions'] == ['connect:%s' % b]
    assert attached(name) == [a, b]
    runs = four_step([net_task({'name': name, 'connected': [b]})])
    assert runs[1].task('t')['actions'] == ['disconnect:%s' % a]
    assert attached(name) == [b]
    # without connected, nobody is disconnected
    assert not run_tasks([net_task({'name': name})]).assert_ok().changed
    assert attached(name) == [b]


def differences(args, check=True):
    """The diff's differences of one network task (read back through a registered result)."""
    run = run_tasks([net_task(args, register='r'), {'name': 'show', 'ansible.builtin.debug': {'var': 'r.diff.differences'}}],
                    check=check, diff=True).assert_ok()
    return run.task('show')['r.diff.differences']


def test_peer_options_scope_config_only_config_from_ipam_driver_options(prefix):
    """The options of docker_network berth did not have: each four-step, then a change of each is seen."""
    tmpl, net, ipam = prefix + 'tmpl', prefix + 'fromtmpl', prefix + 'ipamopts'
    runs = four_step([
        net_task({'name': tmpl, 'config_only': True,
                  'ipam_config': [{'subnet': 'fdd1:ac8c:0557:7ce3::/64'}], 'enable_ipv6': True}, name='tmpl'),
        net_task({'name': net, 'config_from': tmpl, 'scope': 'local'}, name='net'),
        net_task({'name': ipam, 'ipam_driver': 'default', 'ipam_driver_options': {'a': 'b'},
                  'driver_options': {'com.docker.network.bridge.enable_icc': False}, 'incremental': True}, name='ipam'),
    ])
    assert [runs[1].task(t)['actions'] for t in ('tmpl', 'net', 'ipam')] == [['create']] * 3
    assert inspect('network', tmpl)['ConfigOnly'] and inspect('network', net)['ConfigFrom'] == {'Network': tmpl}
    assert inspect('network', ipam)['IPAM']['Options'] == {'a': 'b'}
    assert inspect('network', ipam)['Options']['com.docker.network.bridge.enable_icc'] == 'false'
    assert differences({'name': ipam, 'ipam_driver_options': {'a': 'c'}}) == ['ipam_driver_options']
    # the IPAM entries are compared whatever their order and spelling; a change names each key
    assert differences({'name': tmpl, 'config_only': True, 'enable_ipv6': True,
                        'ipam_config': [{'subnet': 'fdd1:ac8c:557:7ce4::/64'}]}) == ['ipam_config[0].subnet']
    # scope, config_only and config_from need Engine API 1.30: a pinned 1.29 fails naming the option
    run = run_tasks([net_task({'name': prefix + 'old', 'scope': 'local', 'api_version': '1.29'})])
    assert run.rc != 0 and 'scope needs Engine API 1.30' in run.task('t')['msg'] and not exists('network', prefix + 'old')


@pytest.mark.slow
def test_config_change_on_used_network_needs_force(prefix, web_image):
    name = prefix + 'used'
    user = prefix + 'web'
    docker('network', 'create', '--subnet', '10.199.72.0/24', name)
    docker('run', '-d', '--name', user, '--network', name, '--network-alias', 'shop', '--ip', '10.199.72.9', web_image)
    old_id = inspect('network', name)['Id']
    args = {'name': name, 'ipam_config': [{'subnet': '10.199.72.0/24'}], 'labels': {'tier': 'back'}}
    for check in (True, False):
        run = run_tasks([net_task(args)], check=check)
        msg = run.task('t')['msg']
        assert run.rc != 0 and user in msg and 'force: true' in msg and 'labels' in msg
    assert inspect('network', name)['Id'] == old_id and attached(name) == [user]
    cid = container_id(user)
    runs = four_step([net_task(dict(args, force=True))])
    assert runs[1].task('t')['actions'] == ['recreate']
    net = inspect('network', name)
    assert net['Id'] != old_id and net['Labels'] == {'tier': 'back'} and attached(name) == [user]
    ep = inspect('container', user)['NetworkSettings']['Networks'][name]
    assert container_id(user) == cid and 'shop' in ep['Aliases'] and ep['IPAddress'] == '10.199.72.9'


def test_remove_disconnects_users_and_predefined_is_refused(prefix, web_image):
    name = prefix + 'gone'
    user = prefix + 'w'
    docker('network', 'create', name)
    docker('run', '-d', '--name', user, '--network', name, web_image)
    # as docker_network: the containers are disconnected (and keep running), then the network goes
    runs = four_step([net_task({'name': name, 'state': 'absent'})])
    assert runs[0].task('t')['actions'] == runs[1].task('t')['actions'] == ['disconnect:%s' % user, 'remove']
    assert not exists('network', name) and inspect('container', user)['State']['Running']
    run = run_tasks([net_task({'name': 'bridge', 'state': 'absent'})])
    assert run.rc != 0 and 'predefines' in run.task('t')['msg']
