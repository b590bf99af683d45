"""berth.docker.container's options from community.docker.docker_container (issue 13) on the real
engine: created, compared (four steps: check, real, check again, real again), changed in place
or by a recreate when a value changes, and refused clearly where the engine cannot honour them."""

import time

import pytest

from tests.support.ansible_run import four_step, run_tasks
from tests.support.containers import container_id, status, task
from tests.support.docker_cli import docker, inspect


def ctask(args, name='c', **extra):
    return task('container', args, name=name, **extra)


def sleeper(name, image, **more):
    """A busybox container that sleeps; force_kill so stops and recreates take no 10 s."""
    args = {'name': name, 'image': image, 'command': ['sleep', '600'], 'force_kill': True}
    args.update(more)
    return args


def failed_msg(tasks):
    run = run_tasks(tasks)
    assert run.failed, 'the task was expected to fail:\n' + run.output[-3000:]
    return run.failed[0]['result']['msg']


def api_version():
    return docker('version', '--format', '{{.Server.APIVersion}}').stdout.strip()


def test_cpu_and_memory_limits_create_compare_update(prefix, busybox_image):
    name = prefix + 'limits'
    limits = dict(cpu_period=100000, cpu_quota=50000, cpuset_mems='0', memory='64m', memory_swappiness=10,
                  oom_killer=True, device_cgroup_rules=['c 42:* rmw'],
                  device_read_bps=[{'path': '/dev/vda', 'rate': '20M'}],
                  device_write_iops=[{'path': '/dev/vda', 'rate': 100}])
    if tuple(int(x) for x in api_version().split('.')) < (1, 42):
        limits['kernel_memory'] = '8M'
    four_step([ctask(sleeper(name, busybox_image, **limits))])
    host = inspect('container', name)['HostConfig']
    assert (host['CpuPeriod'], host['CpuQuota'], host['CpusetMems']) == (100000, 50000, '0')
    assert host['MemorySwappiness'] == 10 and host['OomKillDisable'] is True
    assert host['DeviceCgroupRules'] == ['c 42:* rmw']
    assert host['BlkioDeviceReadBps'] == [{'Path': '/dev/vda', 'Rate': 20 * 1024 * 1024}]
    assert host['BlkioDeviceWriteIOps'] == [{'Path': '/dev/vda', 'Rate': 100}]
    if 'kernel_memory' in limits:
        assert host['KernelMemory'] == 8 * 1024 * 1024
    cid = container_id(name)
    # a CPU limit changes in place (same container) ...
    faster = dict(limits)
    faster['cpu_quota'] = 25000
    runs = four_step([ctask(sleeper(name, busybox_image, **faster))])
    assert runs[1].task('c')['actions'] == ['update']
    assert container_id(name) == cid and inspect('container', name)['HostConfig']['CpuQuota'] == 25000
    # ... memory_swappiness and a device rate need a new container
    swappier = dict(faster)
    swappier['memory_swappiness'] = 20
    runs = four_step([ctask(sleeper(name, busybox_image, **swappier))])
    assert runs[1].task('c')['actions'][0] == 'recreate' and container_id(name) != cid
    cid = container_id(name)
    slower = dict(swappier)
    slower['device_read_bps'] = [{'path': '/dev/vda', 'rate': '10M'}]
    runs = four_step([ctask(sleeper(name, busybox_image, **slower))])
    assert runs[1].task('c')['actions'][0] == 'recreate' and container_id(name) != cid


def test_blkio_weight_applied_or_refused_clearly(prefix, busybox_image):
    """On a host whose kernel has no CFQ/BFQ weight, the engine drops blkio_weight with a warning;
    the task must fail and say so instead of recreating the container on every run."""
    name = prefix + 'blkio'
    run = run_tasks([ctask(sleeper(name, busybox_image, blkio_weight=123))])
    if run.failed:
        msg = run.failed[0]['result']['msg']
        assert 'did not apply blkio_weight' in msg and 'remove it' in msg, msg
        assert inspect('container', name) is None  # the half-made container is gone
    else:
        assert inspect('container', name)['HostConfig']['BlkioWeight'] == 123
        four_step([ctask(sleeper(name, busybox_image, blkio_weight=234))])


def test_storage_opts_refused_by_overlay_names_the_option(prefix, busybox_image):
    name = prefix + 'storage'
    if docker('info', '--format', '{{.Driver}}').stdout.strip() != 'overlay2':
        pytest.skip('the refusal checked here is overlay2 on a file system without project quotas')
    run = run_tasks([ctask(sleeper(name, busybox_image, storage_opts={'size': '1G'}))])
    if not run.failed:
        pytest.skip('this engine honours storage_opts (overlay2 on xfs with pquota)')
    msg = run.failed[0]['result']['msg']
    assert 'storage_opts' in msg and 'storage driver' in msg, msg


def test_links_mac_address_volume_driver_platform(prefix, busybox_image):
    other = prefix + 'target'
    name = prefix + 'linked'
    run_tasks([ctask(sleeper(other, busybox_image), name='o')]).assert_ok()
    args = sleeper(name, busybox_image, links=[other + ':db'], mac_address='02-42-AC-11-00-99',
                   volume_driver='local', platform='linux')
    four_step([ctask(args)])
    data = inspect('container', name)
    assert data['HostConfig']['Links'] == ['/%s:/%s/db' % (other, name)]
    assert data['Config']['MacAddress'] == '02:42:ac:11:00:99' and data['HostConfig']['VolumeDriver'] == 'local'
    # the full platform of the image matches as well; another architecture is a difference
    arch = docker('image', 'inspect', '--format', '{{.Architecture}}', busybox_image).stdout.strip()
    four_step([ctask(dict(args, platform='linux/' + arch))], expect_changed=False)
    runs = four_step([ctask(dict(args, links=[other + ':cache']))])
    assert runs[1].task('c')['actions'][0] == 'recreate'
    assert inspect('container', name)['HostConfig']['Links'] == ['/%s:/%s/cache' % (other, name)]


def test_paused_four_steps_and_unpause(prefix, busybox_image):
    name = prefix + 'paused'
    runs = four_step([ctask(sleeper(name, busybox_image, paused=True))])
    assert runs[1].task('c')['actions'] == ['create', 'start', 'pause']
    assert inspect('container', name)['State']['Paused'] is True
    runs = four_step([ctask(sleeper(name, busybox_image, paused=False))])
    assert runs[1].task('c')['actions'] == ['unpause']
    assert inspect('container', name)['State']['Paused'] is False and status(name) == 'running'


def test_force_kill_and_kill_signal(prefix, busybox_image):
    """busybox sleep as PID 1 ignores SIGTERM: a plain stop waits 10 s, force_kill does not."""
    name = prefix + 'kill'
    run_tasks([ctask(sleeper(name, busybox_image))]).assert_ok()
    started = time.time()
    runs = four_step([ctask(sleeper(name, busybox_image, state='stopped', kill_signal='SIGKILL'))])
    assert runs[1].task('c')['actions'] == ['stop'] and status(name) == 'exited'
    assert inspect('container', name)['State']['ExitCode'] == 137
    assert time.time() - started < 40  # four runs, none waiting for the 10 s stop timeout


def test_default_host_ip_binds_ports_without_an_address(prefix, busybox_image, port):
    name = prefix + 'hostip'
    four_step([ctask(sleeper(name, busybox_image, published_ports=['%d:80' % port], default_host_ip='127.0.0.1'))])
    binds = inspect('container', name)['HostConfig']['PortBindings']['80/tcp']
    assert binds == [{'HostIp': '127.0.0.1', 'HostPort': str(port)}]


def test_image_name_mismatch_recreates_on_another_name_of_the_same_image(prefix, busybox_image):
    name = prefix + 'imgname'
    alias = 'berth-test/%salias:1' % prefix
    docker('tag', busybox_image, alias)
    try:
        run_tasks([ctask(sleeper(name, busybox_image))]).assert_ok()
        cid = container_id(name)
        # the same image ID under another name: no change when mismatches are ignored ...
        four_step([ctask(sleeper(name, alias, image_name_mismatch='ignore'))], expect_changed=False)
        assert container_id(name) == cid
        # ... and a recreate by default, like community.docker 4
        runs = four_step([ctask(sleeper(name, alias))])
        assert runs[1].task('c')['actions'][0] == 'recreate'
        assert inspect('container', name)['Config']['Image'] == alias
    finally:
        docker('rm', '-f', name, check=False)
        docker('rmi', alias, check=False)


def test_container_default_behavior_and_command_handling_compatibility(prefix, busybox_image):
    name = prefix + 'compat'
    args = {'name': name, 'image': busybox_image, 'command': ['sleep', '600'], 'force_kill': True,
            'container_default_behavior': 'compatibility', 'command_handling': 'compatibility'}
    four_step([ctask(args)])
    host = inspect('container', name)['HostConfig']
    assert host['Init'] is False and host['Privileged'] is False and host['ReadonlyRootfs'] is False
    # compatibility: a command list is joined and split again, so one item 'sleep 600' is the same command
    four_step([ctask(dict(args, command=['sleep 600']))], expect_changed=False)
    # and init: false is compared now (the old default), so init: true is a change
    runs = four_step([ctask(dict(args, init=True))])
    assert runs[1].task('c')['actions'][0] == 'recreate'


def test_networks_cli_compatible_false_keeps_the_default_bridge(prefix, busybox_image):
    net = prefix + 'net'
    name = prefix + 'ncc'
    run_tasks([task('network', {'name': net}, name='n')]).assert_ok()
    runs = four_step([ctask(sleeper(name, busybox_image, networks=[{'name': net}], networks_cli_compatible=False))])
    data = inspect('container', name)
    assert sorted(data['NetworkSettings']['Networks']) == sorted(['bridge', net])
    # the result shows the container after its networks were connected, not before
    assert sorted(runs[1].task('c')['container']['NetworkSettings']['Networks']) == sorted(['bridge', net])
    assert data['HostConfig']['NetworkMode'] in ('bridge', 'default')


def test_pull_check_mode_behavior_always_reports_a_pull(prefix, busybox_image):
    name = prefix + 'pullcheck'
    run_tasks([ctask(sleeper(name, busybox_image))]).assert_ok()
    args = sleeper(name, busybox_image, pull='never')
    assert not run_tasks([ctask(args)], check=True).changed
    # pull: always with image_not_present (the default) predicts nothing for an image that is there
    run = run_tasks([ctask(dict(args, pull='always'))], check=True)
    assert run.rc == 0 and not run.changed
    run = run_tasks([ctask(dict(args, pull='always', pull_check_mode_behavior='always'))], check=True)
    assert run.rc == 0 and run.task('c')['actions'] == ['pull'] and run.changed


def test_healthcheck_without_test_disables_unless_test_cli_compatible(prefix, busybox_image):
    name = prefix + 'hc'
    base = sleeper(name, busybox_image, healthcheck={'test': ['CMD', 'true'], 'interval': '5s'})
    four_step([ctask(base)])
    assert inspect('container', name)['Config']['Healthcheck']['Test'] == ['CMD', 'true']
    # without test, community.docker's meaning: no healthcheck at all
    four_step([ctask(dict(base, healthcheck={'interval': '5s'}))])
    assert inspect('container', name)['Config']['Healthcheck']['Test'] == ['NONE']


def test_options_newer_than_the_engine_api_fail_clearly(prefix, busybox_image, tmp_path):
    if tuple(int(x) for x in api_version().split('.')) >= (1, 44):
        pytest.skip('the engine knows these options')
    name = prefix + 'tooold'
    msg = failed_msg([ctask(sleeper(name, busybox_image, mounts=[
        {'type': 'bind', 'source': str(tmp_path), 'target': '/data', 'read_only_non_recursive': True}]))])
    assert 'mounts[].read_only_non_recursive needs Engine API 1.44' in msg, msg
    check = {'test': ['CMD', 'true'], 'start_interval': '1s'}
    msg = failed_msg([ctask(sleeper(name, busybox_image, healthcheck=check))])
    assert 'healthcheck.start_interval needs Engine API 1.44' in msg, msg
    assert inspect('container', name) is None
    # non_recursive is older (API 1.40) and works here
    four_step([ctask(sleeper(name, busybox_image, mounts=[
        {'type': 'bind', 'source': str(tmp_path), 'target': '/data', 'non_recursive': True}]))])
    assert inspect('container', name)['HostConfig']['Mounts'][0]['BindOptions'] == {'NonRecursive': True}


def test_failed_health_wait_returns_the_container(prefix, busybox_image):
    name = prefix + 'unhealthy'
    run = run_tasks([ctask(sleeper(name, busybox_image, state='healthy', healthy_wait_timeout=2,
                                   healthcheck={'test': ['CMD', 'false'], 'interval': '10s', 'start_period': '60s'}))])
    assert run.failed
    result = run.failed[0]['result']
    assert 'is not healthy after 2' in result['msg']
    assert result['container']['State']['Health']['Status'] == 'starting'
