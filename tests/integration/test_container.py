"""berth.docker.container through real ansible-playbook runs on the real engine; the docker
CLI is the witness. Every scenario runs four times (check, real, check again, real again)."""

import json
import subprocess
import time
import urllib.request

import pytest

from tests.conftest import free_port
from tests.support.ansible_run import four_step, run_tasks
from tests.support.containers import build_image, container_id, run_web, status, task
from tests.support.docker_cli import docker, exists, inspect


def ctask(args, name='c', **extra):
    return task('container', args, name=name, **extra)


def http_get(port, path='/', host='127.0.0.1', tries=40):
    last = None
    for _attempt in range(tries):
        try:
            with urllib.request.urlopen('http://%s:%s%s' % (host, port, path), timeout=2) as resp:
                return resp.read().decode()
        except OSError as exc:
            last = exc
            time.sleep(0.25)
    raise AssertionError('no answer on %s:%s: %s' % (host, port, last))


# -- states ----------------------------------------------------------------------------------

def test_present_creates_without_starting(prefix, web_image):
    name = prefix + 'present'
    runs = four_step([ctask({'name': name, 'image': web_image, 'state': 'present'})])
    assert runs[0].task('c')['actions'] == ['create']
    assert status(name) == 'created'
    assert runs[1].task('c')['container']['Id'] == container_id(name)


@pytest.mark.slow
def test_started_stopped_absent(prefix, web_image):
    name = prefix + 'life'
    four_step([ctask({'name': name, 'image': web_image})])
    assert status(name) == 'running'
    cid = container_id(name)
    runs = four_step([ctask({'name': name, 'image': web_image, 'state': 'stopped'})])
    assert runs[1].task('c')['actions'] == ['stop']
    assert status(name) == 'exited' and container_id(name) == cid
    runs = four_step([ctask({'name': name, 'image': web_image, 'state': 'started'})])
    assert runs[1].task('c')['actions'] == ['start'] and status(name) == 'running' and container_id(name) == cid
    runs = four_step([ctask({'name': name, 'state': 'absent'})])
    assert runs[1].task('c')['actions'] == ['remove']
    assert not exists('container', name)


def test_present_leaves_running_container_running(prefix, web_image):
    name = prefix + 'keep'
    cid = run_web(name, web_image)
    run = run_tasks([ctask({'name': name, 'image': web_image, 'state': 'present'})]).assert_ok()
    assert not run.changed and status(name) == 'running' and container_id(name) == cid


def test_absent_with_keep_volumes_false_removes_anonymous_volumes(prefix, busybox_image):
    name = prefix + 'anon'
    four_step([ctask({'name': name, 'image': busybox_image, 'command': 'sleep 600', 'init': True, 'volumes': ['/scratch']})])
    vol = [m['Name'] for m in inspect('container', name)['Mounts'] if m['Destination'] == '/scratch'][0]
    four_step([ctask({'name': name, 'state': 'absent', 'keep_volumes': False})])
    assert not exists('volume', vol)


def test_healthy_waits_for_health(prefix, web_image):
    name = prefix + 'healthy'
    runs = four_step([ctask({'name': name, 'image': web_image, 'state': 'healthy',
                             'healthcheck': {'test': ['CMD', 'wget', '-q', '-O-', 'http://127.0.0.1/health'],
                                             'interval': '1s', 'timeout': '2s', 'retries': 3, 'start_period': '1s'}})])
    assert runs[1].task('c')['container']['State']['Health']['Status'] == 'healthy'
    assert inspect('container', name)['State']['Health']['Status'] == 'healthy'
    hc = inspect('container', name)['Config']['Healthcheck']
    assert hc['Interval'] == 10 ** 9 and hc['Retries'] == 3


def test_healthy_fails_with_health_log_on_timeout(prefix, web_image):
    name = prefix + 'sick'
    run = run_tasks([ctask({'name': name, 'image': web_image, 'state': 'healthy', 'healthy_wait_timeout': 6,
                            'healthcheck': {'test': 'echo probe-says-no; exit 1', 'interval': '1s', 'retries': 1}})])
    assert run.rc != 0
    msg = run.task('c')['msg']
    assert 'not healthy after 6' in msg and 'probe-says-no' in msg and 'healthy_wait_timeout' in msg


def test_healthy_fails_when_container_exits(prefix, busybox_image):
    name = prefix + 'dies'
    run = run_tasks([ctask({'name': name, 'image': busybox_image, 'state': 'healthy', 'command': ['sh', '-c', 'echo bye-now; exit 3'],
                            'healthcheck': {'test': 'true', 'interval': '1s'}})])
    assert run.rc != 0
    msg = run.task('c')['msg']
    assert 'stopped before it became healthy' in msg and 'code 3' in msg and 'bye-now' in msg


def test_container_that_exits_at_once_is_explained(prefix, busybox_image):
    name = prefix + 'cal'
    run = run_tasks([ctask({'name': name, 'image': busybox_image, 'command': 'cal 1 2026'})]).assert_ok()
    result = run.task('c')
    assert result['changed'] and result['exited']['exit_code'] == 0
    assert 'exited with code 0' in result['exited']['message'] and 'January 2026' in result['exited']['message']
    assert 'exited with code 0' in run.output  # shown as a warning
    assert status(name) == 'exited'


def test_restart_and_recreate_flags(prefix, web_image):
    name = prefix + 'flags'
    run_tasks([ctask({'name': name, 'image': web_image})]).assert_ok()
    cid = container_id(name)
    started = inspect('container', name)['State']['StartedAt']
    check = run_tasks([ctask({'name': name, 'image': web_image, 'restart': True})], check=True).assert_ok()
    assert check.task('c')['actions'] == ['restart']
    assert inspect('container', name)['State']['StartedAt'] == started
    run = run_tasks([ctask({'name': name, 'image': web_image, 'restart': True})]).assert_ok()
    assert run.task('c')['actions'] == ['restart'] and run.changed
    assert container_id(name) == cid and inspect('container', name)['State']['StartedAt'] != started
    run = run_tasks([ctask({'name': name, 'image': web_image, 'recreate': True})]).assert_ok()
    assert run.task('c')['actions'] == ['recreate', 'start']
    assert container_id(name) != cid and status(name) == 'running'


# -- option groups ---------------------------------------------------------------------------

def test_runtime_options(prefix, busybox_image, tmp_path):
    name = prefix + 'rt'
    env_file = tmp_path / 'app.env'
    env_file.write_text('FROM_FILE=yes\nSHARED=file\n')
    args = {
        'name': name, 'image': busybox_image, 'command': ['sleep', '600'], 'entrypoint': ['/bin/env'],
        'env': {'GREETING': 'hello world', 'SHARED': 'env'}, 'env_file': str(env_file),
        'labels': {'org.example.role': 'test'}, 'user': '1000:1000', 'working_dir': '/tmp',
        'hostname': 'box', 'domainname': 'example.test', 'etc_hosts': {'db.local': '10.9.8.7'},
        'dns_servers': ['10.0.0.53'], 'init': True, 'tty': True, 'interactive': True, 'stop_signal': 'SIGKILL',
        'stop_timeout': 3, 'read_only': True, 'tmpfs': ['/run:rw,size=1m'], 'sysctls': {'net.ipv4.ip_forward': '1'},
        'shm_size': '16m', 'ulimits': ['nofile:512:1024'], 'capabilities': ['NET_ADMIN'], 'cap_drop': ['MKNOD'],
        'security_opts': ['no-new-privileges'], 'log_driver': 'json-file', 'log_options': {'max-size': '1m'},
    }
    four_step([ctask(args)], diff=True)
    data = inspect('container', name)
    cfg, host = data['Config'], data['HostConfig']
    assert cfg['Cmd'] == ['sleep', '600'] and cfg['Entrypoint'] == ['/bin/env']
    env = dict(e.split('=', 1) for e in cfg['Env'])
    assert env['GREETING'] == 'hello world' and env['FROM_FILE'] == 'yes' and env['SHARED'] == 'env'
    assert cfg['Labels']['org.example.role'] == 'test' and cfg['Labels']['org.berth.test'] == 'busybox'
    assert cfg['User'] == '1000:1000' and cfg['WorkingDir'] == '/tmp'
    assert cfg['Hostname'] == 'box' and cfg['Domainname'] == 'example.test'
    assert cfg['Tty'] and cfg['OpenStdin'] and cfg['StopSignal'] == 'SIGKILL' and cfg['StopTimeout'] == 3
    assert host['ExtraHosts'] == ['db.local:10.9.8.7'] and host['Dns'] == ['10.0.0.53']
    assert host['Init'] and host['ReadonlyRootfs'] and host['Tmpfs'] == {'/run': 'rw,size=1m'}
    assert host['Sysctls'] == {'net.ipv4.ip_forward': '1'} and host['ShmSize'] == 16 * 1024 ** 2
    assert host['Ulimits'] == [{'Name': 'nofile', 'Soft': 512, 'Hard': 1024}]
    assert host['CapAdd'] == ['CAP_NET_ADMIN'] and host['CapDrop'] == ['CAP_MKNOD']
    assert host['SecurityOpt'] == ['no-new-privileges']
    assert host['LogConfig'] == {'Type': 'json-file', 'Config': {'max-size': '1m'}}
    # what the process sees
    out = docker('exec', name, 'env').stdout
    assert 'GREETING=hello world' in out and 'HOSTNAME=box' in out
    assert docker('exec', name, 'id', '-u').stdout.strip() == '1000'


def test_privileges_and_namespaces(prefix, busybox_image):
    owner = prefix + 'ipcowner'
    name = prefix + 'ns'
    run_tasks([ctask({'name': owner, 'image': busybox_image, 'command': ['sleep', '600'], 'ipc_mode': 'shareable'})]).assert_ok()
    args = {'name': name, 'image': busybox_image, 'command': ['sleep', '600'], 'privileged': False,
            'publish_all_ports': True, 'exposed_ports': ['8080'], 'ipc_mode': 'container:' + owner, 'pid_mode': 'host',
            'userns_mode': 'host', 'cgroupns_mode': 'private', 'runtime': 'runc', 'groups': ['4343', '4242'],
            'oom_score_adj': 300}
    four_step([ctask(args)], diff=True)
    host = inspect('container', name)['HostConfig']
    assert not host['Privileged'] and host['PublishAllPorts'] and host['PidMode'] == 'host'
    assert host['IpcMode'] == 'container:' + container_id(owner) and host['UsernsMode'] == 'host'
    assert host['CgroupnsMode'] == 'private' and host['Runtime'] == 'runc' and host['OomScoreAdj'] == 300
    assert sorted(host['GroupAdd']) == ['4242', '4343']
    # what the process sees: the host's PID namespace, its extra groups, a random host port for 8080
    assert docker('exec', name, 'cat', '/proc/self/oom_score_adj').stdout.strip() == '300'
    assert '4242' in docker('exec', name, 'id', '-G').stdout.split()
    assert docker('port', name, '8080/tcp').stdout.strip()
    # one change recreates; check mode predicts it
    check = run_tasks([ctask(dict(args, privileged=True))], check=True).assert_ok()
    assert check.task('c')['actions'] == ['recreate', 'start']
    # privileged: this build machine's engine runs without the capabilities to start such a container,
    # so it is proved on a created one (state present)
    privileged = {'name': prefix + 'priv', 'image': busybox_image, 'command': ['sleep', '600'], 'privileged': True,
                  'state': 'present'}
    four_step([ctask(privileged)])
    assert inspect('container', prefix + 'priv')['HostConfig']['Privileged'] is True


def test_dns_volumes_from_uts_cgroup_parent_device_requests(prefix, busybox_image):
    data = prefix + 'vdata'
    run_tasks([ctask({'name': data, 'image': busybox_image, 'command': ['sleep', '600'], 'init': True,
                      'volumes': ['/shared']})]).assert_ok()
    docker('exec', data, 'sh', '-c', 'echo from-data > /shared/file')
    name = prefix + 'dns'
    args = {'name': name, 'image': busybox_image, 'command': ['sleep', '600'], 'init': True,
            'dns_servers': ['10.0.0.53'], 'dns_search_domains': ['b.test', 'a.test'], 'dns_opts': ['ndots:2'],
            'volumes_from': [data + ':ro'], 'uts': 'host'}
    four_step([ctask(args)], diff=True)
    host = inspect('container', name)['HostConfig']
    assert host['DnsSearch'] == ['b.test', 'a.test'] and host['DnsOptions'] == ['ndots:2']
    assert host['VolumesFrom'] == [data + ':ro'] and host['UTSMode'] == 'host'
    resolv = docker('exec', name, 'cat', '/etc/resolv.conf').stdout
    assert 'search b.test a.test' in resolv and 'ndots:2' in resolv
    assert docker('exec', name, 'cat', '/shared/file').stdout.strip() == 'from-data'
    assert docker('exec', name, 'hostname').stdout.strip() == docker('run', '--rm', '--net', 'host', '--uts', 'host',
                                                                     busybox_image, 'hostname').stdout.strip()
    # a GPU request (no such driver here) and a cgroup parent (a started container would leave the
    # parent cgroup behind on this host) are proved on a created container (state present)
    gpu = {'name': prefix + 'gpu', 'image': busybox_image, 'state': 'present', 'cgroup_parent': '/berth-test',
           'device_requests': [{'driver': 'nvidia', 'count': -1, 'capabilities': [['gpu']]}]}
    four_step([ctask(gpu)])
    host = inspect('container', prefix + 'gpu')['HostConfig']
    assert host['DeviceRequests'][0]['Capabilities'] == [['gpu']] and host['CgroupParent'] == '/berth-test'


@pytest.mark.slow
def test_ports_volumes_mounts(prefix, web_image, tmp_path):
    name = prefix + 'io'
    port, udp, ranged = free_port(), free_port(), free_port()
    site = tmp_path / 'site'
    site.mkdir()
    (site / 'hello.txt').write_text('from the host\n')
    args = {
        'name': name, 'image': web_image,
        'published_ports': ['127.0.0.1:%d:80' % port, '127.0.0.1:%d:5353/udp' % udp, '127.0.0.1::8080'],
        'exposed_ports': ['9000'],
        'volumes': ['%s:/www/host:ro' % site, prefix + 'named:/named', '/anon'],
        'mounts': [{'type': 'tmpfs', 'target': '/cache', 'tmpfs_size': '1m'},
                   {'type': 'volume', 'source': prefix + 'mvol', 'target': '/mvol', 'read_only': True},
                   {'type': 'bind', 'source': str(site), 'target': '/www/bound', 'read_only': True}],
    }
    four_step([ctask(args)])
    assert http_get(port, '/host/hello.txt') == 'from the host\n'
    assert http_get(port, '/bound/hello.txt') == 'from the host\n'
    data = inspect('container', name)
    bindings = data['HostConfig']['PortBindings']
    assert bindings['80/tcp'] == [{'HostIp': '127.0.0.1', 'HostPort': str(port)}]
    assert bindings['5353/udp'] == [{'HostIp': '127.0.0.1', 'HostPort': str(udp)}]
    assert bindings['8080/tcp'] == [{'HostIp': '127.0.0.1', 'HostPort': ''}]
    assert '9000/tcp' in data['Config']['ExposedPorts']
    mounts = dict((m['Destination'], m) for m in data['Mounts'])
    assert mounts['/named']['Name'] == prefix + 'named' and mounts['/anon']['Type'] == 'volume'
    assert mounts['/cache']['Type'] == 'tmpfs' and mounts['/mvol']['RW'] is False
    assert exists('volume', prefix + 'mvol')
    # a different port recreates the container
    args['published_ports'] = ['127.0.0.1:%d:80' % ranged]
    runs = four_step([ctask(args)], diff=True)
    assert runs[1].task('c')['actions'] == ['recreate', 'start']
    assert '+    - 127.0.0.1:%d:80/tcp' % ranged in runs[0].output  # the diff of the compared options
    assert http_get(ranged, '/host/hello.txt') == 'from the host\n'


def test_ipv6_port_binding(prefix, web_image):
    name = prefix + 'v6'
    port = free_port()
    four_step([ctask({'name': name, 'image': web_image, 'published_ports': ['[::1]:%d:80' % port]})])
    bindings = inspect('container', name)['HostConfig']['PortBindings']
    assert bindings['80/tcp'] == [{'HostIp': '::1', 'HostPort': str(port)}]


@pytest.mark.slow
def test_resources_and_restart_policy_update_in_place(prefix, web_image):
    name = prefix + 'res'
    base = {'name': name, 'image': web_image, 'memory': '64m', 'restart_policy': 'no'}
    four_step([ctask(base)])
    cid = container_id(name)
    assert inspect('container', name)['HostConfig']['Memory'] == 64 * 1024 ** 2
    changed = dict(base, memory='128m', memory_reservation='32m', cpus=0.5, cpu_shares=512, pids_limit=100,
                   restart_policy='on-failure', restart_retries=2)
    runs = four_step([ctask(changed)], diff=True)
    result = runs[1].task('c')
    assert result['actions'] == ['update']
    assert '-    memory: %d' % (64 * 1024 ** 2) in runs[0].output and '+    memory: %d' % (128 * 1024 ** 2) in runs[0].output
    host = inspect('container', name)['HostConfig']
    assert container_id(name) == cid and status(name) == 'running'
    assert host['Memory'] == 128 * 1024 ** 2 and host['MemoryReservation'] == 32 * 1024 ** 2
    assert host['NanoCpus'] == 500000000 and host['CpuShares'] == 512 and host['PidsLimit'] == 100
    assert host['RestartPolicy'] == {'Name': 'on-failure', 'MaximumRetryCount': 2}


@pytest.mark.slow
def test_networks_connect_and_disconnect_without_recreation(prefix, web_image):
    name = prefix + 'net'
    front, back = prefix + 'front', prefix + 'back'
    docker('network', 'create', front)
    docker('network', 'create', '--subnet', '10.199.77.0/24', back)
    four_step([ctask({'name': name, 'image': web_image, 'networks': [{'name': front, 'aliases': ['web']}]})])
    cid = container_id(name)
    nets = inspect('container', name)['NetworkSettings']['Networks']
    assert set(nets) == {front} and 'web' in nets[front]['Aliases']
    assert inspect('container', name)['HostConfig']['NetworkMode'] == front
    runs = four_step([ctask({'name': name, 'image': web_image, 'networks': [
        {'name': front, 'aliases': ['web']}, {'name': back, 'ipv4_address': '10.199.77.20', 'aliases': ['api']}]})])
    assert runs[1].task('c')['actions'] == ['connect:%s' % back]
    nets = inspect('container', name)['NetworkSettings']['Networks']
    assert container_id(name) == cid and set(nets) == {front, back}
    assert nets[back]['IPAddress'] == '10.199.77.20' and 'api' in nets[back]['Aliases']
    runs = four_step([ctask({'name': name, 'image': web_image, 'network_mode': front,
                             'networks': [{'name': front, 'aliases': ['web']}], 'purge_networks': True})])
    assert runs[1].task('c')['actions'] == ['disconnect:%s' % back]
    assert container_id(name) == cid and set(inspect('container', name)['NetworkSettings']['Networks']) == {front}


def test_network_mode_host_and_none(prefix, busybox_image):
    name = prefix + 'none'
    four_step([ctask({'name': name, 'image': busybox_image, 'command': 'sleep 600', 'init': True, 'network_mode': 'none'})])
    assert inspect('container', name)['HostConfig']['NetworkMode'] == 'none'


@pytest.mark.slow
def test_locally_rebuilt_image_recreates(prefix, busybox_image):
    name = prefix + 'rebuilt'
    tag = prefix + 'app:1'
    first = build_image(tag, 'FROM %s\nRUN echo one > /version\nCMD ["sleep", "600"]\n' % busybox_image)
    four_step([ctask({'name': name, 'image': tag, 'init': True, 'pull': 'never'})])
    cid = container_id(name)
    assert inspect('container', name)['Image'] == first
    second = build_image(tag, 'FROM %s\nRUN echo two > /version\nCMD ["sleep", "600"]\n' % busybox_image)
    assert second != first
    runs = four_step([ctask({'name': name, 'image': tag, 'init': True, 'pull': 'never'})])
    assert runs[0].task('c')['actions'] == ['recreate', 'start']
    data = inspect('container', name)
    assert data['Id'] != cid and data['Image'] == second and status(name) == 'running'
    assert docker('exec', name, 'cat', '/version').stdout.strip() == 'two'


@pytest.mark.slow
def test_comparisons(prefix, web_image):
    name = prefix + 'cmp'
    cid = run_web(name, web_image, '-e', 'A=1', '-e', 'EXTRA=x', '--label', 'extra=yes')
    # allow_more_present (default for env and labels): extra values on the container are fine
    run = run_tasks([ctask({'name': name, 'image': web_image, 'env': {'A': '1'}, 'labels': {}})]).assert_ok()
    assert not run.changed
    # '*': ignore makes even a different command no change
    run = run_tasks([ctask({'name': name, 'image': web_image, 'command': ['other'], 'comparisons': {'*': 'ignore'}})]).assert_ok()
    assert not run.changed and container_id(name) == cid
    # strict env recreates
    runs = four_step([ctask({'name': name, 'image': web_image, 'env': {'A': '1'}, 'comparisons': {'env': 'strict'}})])
    assert runs[1].task('c')['actions'] == ['recreate', 'start']
    env = inspect('container', name)['Config']['Env']
    assert 'A=1' in env and not any(e.startswith('EXTRA=') for e in env)


def test_image_defaults_cause_no_change(prefix, web_image):
    """Containers made by the docker CLI with only an image are adopted without a change, even
    in strict mode: image ENV / LABEL / EXPOSE / CMD / STOPSIGNAL are merged first."""
    name = prefix + 'adopt'
    cid = run_web(name, web_image)
    image = inspect('image', web_image)['Config']
    run = run_tasks([ctask({'name': name, 'image': web_image, 'env': {}, 'labels': {}, 'exposed_ports': [],
                            'command': image['Cmd'], 'comparisons': {'*': 'strict'}})]).assert_ok()
    assert not run.changed and container_id(name) == cid


def test_run_to_completion(prefix, busybox_image):
    name = prefix + 'once'
    args = {'name': name, 'image': busybox_image, 'command': ['sh', '-c', 'echo out-line; echo err-line >&2'],
            'detach': False, 'cleanup': True}
    check = run_tasks([ctask(args)], check=True).assert_ok()
    assert check.task('c')['actions'] == ['create', 'start', 'remove'] and not exists('container', name)
    run = run_tasks([ctask(args)]).assert_ok()
    result = run.task('c')
    assert result['changed'] and result['status'] == 0
    assert result['stdout'].strip() == 'out-line' and result['stderr'].strip() == 'err-line'
    assert not exists('container', name)
    # without cleanup the container stays, exited; a failing command fails the task with its output
    failing = dict(args, cleanup=False, command=['sh', '-c', 'echo broken >&2; exit 4'])
    run = run_tasks([ctask(failing)])
    assert run.rc != 0
    result = run.task('c')
    assert result['status'] == 4 and 'status 4' in result['msg'] and 'broken' in result['msg']
    assert status(name) == 'exited'


# -- bad input: message asserted, the existing container untouched ----------------------------

@pytest.fixture
def victim(prefix, web_image):
    name = prefix + 'victim'
    cid = run_web(name, web_image)
    yield name, cid
    assert status(name) == 'running' and container_id(name) == cid, 'the existing container was touched'


@pytest.mark.parametrize('bad,needle', [
    ({'no_such_option': 1}, 'Unsupported parameters'),
    ({'published_ports': ['80:http']}, 'published_ports: invalid port'),
    ({'published_ports': ['127.0.0.1:70000:80']}, 'out of range'),
    ({'volumes': ['./data:/data']}, 'volumes: host path'),
    ({'memory': 'lots'}, 'memory: cannot parse'),
    ({'healthcheck': {'test': 'true', 'interval': 'soon'}}, 'healthcheck.interval'),
    ({'comparisons': {'colour': 'strict'}}, 'comparisons: unknown option'),
    ({'env': {'DEBUG': True}}, 'quote it'),
])
def test_bad_input_fails_and_leaves_container(victim, web_image, bad, needle):
    name, _cid = victim
    args = dict({'name': name, 'image': web_image, 'command': ['changed']}, **bad)
    run = run_tasks([ctask(args)])
    assert run.rc != 0
    assert needle in run.task('c')['msg'], run.task('c')['msg']


def test_missing_image_with_pull_never(victim, prefix):
    name, _cid = victim
    run = run_tasks([ctask({'name': name, 'image': prefix + 'nothing:1', 'pull': 'never'})])
    msg = run.task('c')['msg']
    assert run.rc != 0 and msg.startswith('image: ') and 'pull is never' in msg and 'berth.docker.image' in msg


def test_image_in_no_registry(victim, prefix):
    name, _cid = victim
    run = run_tasks([ctask({'name': name, 'image': prefix + 'nowhere/app:1'})])
    msg = run.task('c')['msg']
    assert run.rc != 0 and msg.startswith('image: cannot pull %snowhere/app:1' % prefix) and 'Check the name and tag' in msg
    check = run_tasks([ctask({'name': name, 'image': prefix + 'nowhere/app:1'})], check=True)
    assert check.rc == 0 and check.task('c')['actions'] == ['pull', 'recreate', 'start']


def test_name_taken_by_compose_container(prefix, web_image):
    name = prefix + 'composed'
    cid = run_web(name, web_image, '--label', 'com.docker.compose.project=shop', '--label', 'com.docker.compose.service=web')
    run = run_tasks([ctask({'name': name, 'image': web_image, 'command': ['other']})])
    msg = run.task('c')['msg']
    assert run.rc != 0 and msg.startswith('name: ') and 'compose project shop' in msg and 'recreate: true' in msg
    assert status(name) == 'running' and container_id(name) == cid
    # same configuration: adopted without change
    assert not run_tasks([ctask({'name': name, 'image': web_image})]).assert_ok().changed


def test_update_failure_keeps_container(victim, web_image):
    """An in-place update the engine refuses fails with a message; the container keeps running."""
    name, _cid = victim
    run = run_tasks([ctask({'name': name, 'image': web_image, 'cpuset_cpus': '0-4095'})])
    assert run.rc != 0 and 'in place failed' in run.task('c')['msg']


def test_failed_recreate_puts_the_previous_container_back(prefix, web_image):
    """A recreate the engine refuses (at create or at start) leaves the old container running
    under its name: it is renamed aside while the new one is made, and renamed back on failure."""
    name = prefix + 'keep'
    port = free_port()
    base = {'name': name, 'image': web_image, 'env': {'WEB_NAME': 'v1'}, 'published_ports': ['127.0.0.1:%d:80' % port]}
    run_tasks([ctask(base)]).assert_ok()
    cid = container_id(name)
    assert http_get(port).strip() == 'v1'

    refused = run_tasks([ctask(dict(base, env={'WEB_NAME': 'v2'}, capabilities=['BOGUS']))])
    msg = refused.task('c')['msg']
    assert refused.rc != 0 and 'BOGUS' in msg and 'The previous container %s was left as it was' % name in msg
    assert container_id(name) == cid and status(name) == 'running'

    not_started = run_tasks([ctask(dict(base, env={'WEB_NAME': 'v2'}, command=['/no/such/program']))])
    msg = not_started.task('c')['msg']
    assert not_started.rc != 0 and 'no/such/program' in msg
    assert 'the previous container %s was put back and runs again' % name in msg
    assert container_id(name) == cid and status(name) == 'running' and http_get(port).strip() == 'v1'
    leftovers = docker('ps', '-a', '--filter', 'name=%s' % name, '--format', '{{.Names}}').stdout.split()
    assert leftovers == [name]

    # a good change replaces it; the old one is gone
    run_tasks([ctask(dict(base, env={'WEB_NAME': 'v2'}))]).assert_ok()
    assert container_id(name) != cid and http_get(port).strip() == 'v2'
    assert docker('ps', '-a', '--filter', 'name=%s' % name, '--format', '{{.Names}}').stdout.split() == [name]


def test_docker_cli_sees_same_state_as_module_result(prefix, web_image):
    name = prefix + 'witness'
    run = run_tasks([ctask({'name': name, 'image': web_image}, register='r')]).assert_ok()
    ours = run.task('c')['container']
    theirs = json.loads(subprocess.run(['docker', 'inspect', name], stdout=subprocess.PIPE, check=True).stdout)[0]
    assert ours['Id'] == theirs['Id'] and ours['State']['Running'] and theirs['State']['Running']


def test_healthy_on_existing_running_container_waits_without_change(prefix, web_image):
    name = prefix + 'late'
    hc = {'test': 'test -e /www/ready', 'interval': '1s', 'retries': 30}
    run_tasks([ctask({'name': name, 'image': web_image, 'healthcheck': hc})]).assert_ok()
    assert inspect('container', name)['State']['Health']['Status'] == 'starting'
    docker('exec', '-d', name, 'sh', '-c', 'sleep 2; touch /www/ready')
    run = run_tasks([ctask({'name': name, 'image': web_image, 'healthcheck': hc, 'state': 'healthy'})]).assert_ok()
    assert not run.changed and run.task('c')['container']['State']['Health']['Status'] == 'healthy'


def test_network_mode_of_another_container(prefix, web_image, busybox_image):
    host = prefix + 'netowner'
    run_web(host, web_image)
    name = prefix + 'sidecar'
    four_step([ctask({'name': name, 'image': busybox_image, 'command': 'sleep 600', 'init': True,
                      'network_mode': 'container:%s' % host})])
    assert inspect('container', name)['HostConfig']['NetworkMode'] == 'container:%s' % container_id(host)
    # same network namespace: the web server of the other container answers on 127.0.0.1
    assert docker('exec', name, 'wget', '-q', '-O-', 'http://127.0.0.1/').stdout.strip() == container_id(host)[:12]


def test_name_that_is_an_id_prefix_of_another_container(prefix, web_image):
    """GET /containers/NAME/json also matches ID prefixes: a container found that way under
    another name is not the one the task manages, and stays untouched."""
    other = prefix + 'other'
    cid = run_web(other, web_image)
    name = cid[:10]
    try:
        run = run_tasks([ctask({'name': name, 'image': web_image, 'state': 'absent'})]).assert_ok()
        assert not run.changed and container_id(other) == cid
        run = run_tasks([ctask({'name': name, 'image': web_image, 'state': 'present'})]).assert_ok()
        assert run.task('c')['actions'] == ['create'] and container_id(other) == cid
        assert inspect('container', other)['State']['Running']
    finally:
        docker('rm', '-f', name, check=False)  # an exact name wins over an ID prefix
