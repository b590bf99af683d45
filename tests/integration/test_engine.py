"""berth.docker.engine on this build machine (no systemd): the direct-daemon path, for real,
against a SECOND dockerd with its own socket, pidfile, data-root and daemon.json (see
tests/support/engine.py). The shared engine is never touched; packages are not managed here
(the lab suite installs docker.io on a node for real)."""

import ipaddress
import os
import subprocess
import time

import pytest

from tests.support.ansible_run import four_step, run_tasks
from tests.support.engine import BASE_CONFIG, second_engine  # pylint: disable=unused-import  # noqa: F401

pytestmark = pytest.mark.slow


def engine_task(args, name='engine'):
    return [{'name': name, 'berth.docker.engine': args, 'register': 'out'}]


def started(second, config=None):
    """Start the second engine through the module (one real run) and return its PID."""
    run = run_tasks(engine_task(second.args(dict(BASE_CONFIG, **(config or {}))))).assert_ok()
    assert run.task('engine')['pid'] == second.pid()
    return second.pid()


def test_direct_daemon_started_configured_four_step(second_engine):  # noqa: F811
    """A fresh second engine: daemon.json written and dockerd started directly (pidfile, log file),
    `enabled: n/a`; the second check and real run report no change."""
    second = second_engine
    config = dict(BASE_CONFIG, labels=['berth.test=one'])
    runs = four_step(engine_task(second.args(config)))
    check, real = runs[0].task('engine'), runs[1].task('engine')
    assert 'start dockerd' in check['actions'] and any(a.startswith('write ') for a in check['actions'])
    assert real['service_manager'] == 'direct' and real['enabled'] == 'n/a' and real['active'] is True
    assert real['engine']['storage_driver'] == 'vfs'
    # the module runs with this interpreter (localhost), which imports PyYAML (a dev dependency)
    assert check['python_yaml'] is True and real['python_yaml'] is True
    pid = second.pid()
    assert pid and real['pid'] == pid
    assert runs[3].task('engine')['pid'] == pid
    # witness: the docker CLI against the second socket, and the file itself
    assert second.info('{{json .Labels}}') == '["berth.test=one"]'
    assert second.config() == config
    # the shared engine is untouched
    assert subprocess.run(['docker', 'info', '--format', '{{.Driver}}'], stdout=subprocess.PIPE, check=True).stdout.strip() != b'vfs'


def test_reload_keeps_pid_restart_changes_it(second_engine):  # noqa: F811
    """A reloadable change (labels, debug) is applied by SIGHUP: same PID; a non-reloadable one
    (log-driver) restarts dockerd: new PID. Both four-step."""
    second = second_engine
    pid = started(second, {'labels': ['berth.stage=a']})

    runs = four_step(engine_task(second.args({'labels': ['berth.stage=b'], 'debug': True})), diff=True)
    real = runs[1].task('engine')
    assert real['actions'][-1] == 'reload dockerd (SIGHUP)' and real['restart_keys'] == []
    assert real['pid_before'] == pid == real['pid'] == second.pid()
    assert second.info('{{json .Labels}}') == '["berth.stage=b"]'
    assert second.info('{{.Debug}}') == 'true'
    # diff mode: the daemon.json diff is shown (the callback prints it)
    assert '+  "debug": true' in runs[1].output and second.config_path in runs[1].output
    assert real['backup_file'] and open(real['backup_file']).read() != second.raw_config()

    runs = four_step(engine_task(second.args({'log-driver': 'local'})))
    real = runs[1].task('engine')
    assert real['restart_keys'] == ['log-driver']
    new_pid = second.pid()
    assert real['pid_before'] == pid and new_pid and new_pid != pid and real['pid'] == new_pid
    assert second.info('{{.LoggingDriver}}') == 'local'
    # merge mode kept the earlier keys
    assert second.config()['labels'] == ['berth.stage=b'] and second.config()['bridge'] == 'none'


def test_engine_that_does_not_come_back_is_rolled_back(second_engine):  # noqa: F811
    """A daemon.json dockerd parses but cannot start with (an unknown storage driver): the module
    restarts, the engine fails, the old file is put back, the engine runs again, the task fails with
    the engine's own error."""
    second = second_engine
    pid = started(second)
    before = second.raw_config()
    run = run_tasks(engine_task(second.args({'storage-driver': 'berth-no-such-driver'})))
    assert run.rc != 0
    result = run.task('engine')
    assert result['rolled_back'] is True
    assert 'berth-no-such-driver' in result['msg'] and 'Rolled back' in result['msg']
    assert second.raw_config() == before
    new_pid = second.pid()
    assert new_pid and new_pid != pid
    assert second.info('{{.Driver}}') == 'vfs'


def test_invalid_key_is_refused_by_dockerd(second_engine):  # noqa: F811
    """An unknown daemon.json key: dockerd's own message, nothing written, engine untouched."""
    second = second_engine
    pid = started(second)
    before = second.raw_config()
    run = run_tasks(engine_task(second.args({'berth-no-such-option': 1})))
    result = run.task('engine')
    assert run.rc != 0
    assert "the following directives don't match any configuration option: berth-no-such-option" in result['msg']
    assert second.raw_config() == before and second.pid() == pid


def _host_route():
    """A non-default IPv4 route of this host that is not a Docker bridge (the witness: ip route)."""
    out = subprocess.run(['ip', '-4', 'route', 'show', 'table', 'main'], stdout=subprocess.PIPE, text=True, check=True).stdout
    for line in out.splitlines():
        words = line.split()
        if words and words[0] != 'default' and 'dev' in words:
            dev = words[words.index('dev') + 1]
            if not dev.startswith(('docker', 'br-', 'veth')):
                return ipaddress.ip_network(words[0], strict=False), dev
    pytest.skip('this host has no non-default route outside Docker bridges')
    return None


def test_colliding_bip_fails_naming_the_route(second_engine):  # noqa: F811
    """A bip inside a host route fails before anything is written, naming that route."""
    second = second_engine
    pid = started(second)
    before = second.raw_config()
    net, dev = _host_route()
    bip = '%s/%d' % (list(net.hosts())[-1], net.prefixlen) if net.num_addresses > 2 else str(net)
    run = run_tasks(engine_task(second.args({'bip': bip, 'bridge': None})))
    result = run.task('engine')
    assert run.rc != 0
    assert 'bip' in result['msg'] and str(net) in result['msg'] and 'dev %s' % dev in result['msg']
    assert second.raw_config() == before and second.pid() == pid


def test_absent_refuses_while_containers_run(second_engine, busybox_image, prefix):  # noqa: F811
    """state=absent with a running container on the second engine fails naming it; with force the
    engine is stopped and, with purge_data, its data root removed (packages are not managed here:
    manage_packages=false)."""
    second = second_engine
    started(second)
    save = subprocess.Popen(['docker', 'save', busybox_image], stdout=subprocess.PIPE)
    second.docker('load', '-q', input=save.stdout.read())
    save.wait()
    name = prefix + 'busy'
    second.docker('run', '-d', '--name', name, '--network', 'none', '--init', busybox_image, 'sleep', '600')
    run = run_tasks(engine_task(second.args(state='absent')))
    result = run.task('engine')
    assert run.rc != 0 and name in result['msg'] and result['containers'] == [name]
    assert second.pid() and name in second.docker('ps', '--format', '{{.Names}}').stdout.decode()

    runs = four_step(engine_task(second.args(state='absent', force=True, purge_data=True)))
    assert runs[1].task('engine')['actions'] == ['stop dockerd', 'remove the data directory %s' % second.data_root]
    assert second.pid() is None
    assert not os.path.exists(second.data_root)
    assert second.docker('version', check=False).returncode != 0


def test_version_pin_that_does_not_exist(second_engine):  # noqa: F811
    """A version pin no repository offers fails and lists what is available (check mode and
    update_cache=false: nothing is installed or refreshed on this machine)."""
    second = second_engine
    run = run_tasks(engine_task(second.args(manage_packages=True, source='distro', version='99.1', update_cache=False,
                                            state='present')), check=True)
    result = run.task('engine')
    assert run.rc != 0
    assert "version '99.1' of docker.io is not available" in result['msg'] and '20.10' in result['msg']


def test_hosts_in_daemon_json_conflicts_with_the_flag(second_engine):  # noqa: F811
    """The direct daemon passes -H for its own socket; "hosts" in daemon.json would make dockerd refuse
    to start: detected and explained before anything is written."""
    second = second_engine
    pid = started(second)
    before = second.raw_config()
    run = run_tasks(engine_task(second.args({'hosts': ['unix:///tmp/berth-elsewhere.sock']})))
    result = run.task('engine')
    assert run.rc != 0
    assert 'daemon.json sets "hosts"' in result['msg'] and '-H/--host' in result['msg']
    assert second.raw_config() == before and second.pid() == pid


# -- a configuration dockerd accepts at --validate but refuses at start: never left down ------------

USER_SUBNET = '10.123.45.0/24'
FLAGS = ['--iptables=false', '--ip-masq=false', '--storage-driver', 'vfs']
# bytes no renderer would produce (CRLF, odd spacing): a restore must put back exactly these
OLD_FILE = b'{"iptables": false,\r\n  "ip-masq":false, "storage-driver" : "vfs"}\r\n'


def _load_busybox(second, image):
    save = subprocess.Popen(['docker', 'save', image], stdout=subprocess.PIPE)
    second.docker('load', '-q', input=save.stdout.read())
    save.wait()


def _running(second, name):
    return second.docker('inspect', '--format', '{{.State.Running}}', name).stdout.decode().strip() == 'true'


@pytest.mark.parametrize('before', ['no daemon.json', 'a daemon.json'])
def test_refused_start_brings_the_engine_back_as_it_ran(second_engine, busybox_image, prefix, before):  # noqa: F811
    """An engine started by hand (its own command line and environment; with no daemon.json, or
    with one in odd bytes and mode 0640), a user-defined network and a container with a restart
    policy on it. A bip overlapping that network passes dockerd's validation but dockerd refuses
    to start with it ("Pool overlaps"): the file comes back byte for byte (or stays absent), dockerd
    is started with the SAME command line and environment, the container runs again, and the
    message says refused / why / running again. Then a good bip (inside the default bridge's
    current subnet: not a collision) is applied four-step with the engine's own command line."""
    second = second_engine
    mark = prefix + 'env'
    flags = list(FLAGS)
    if before == 'a daemon.json':
        with open(second.config_path, 'wb') as handle:
            handle.write(OLD_FILE)
        os.chmod(second.config_path, 0o640)
        os.utime(second.config_path, (1500000000, 1500000000))
        flags = ['--config-file', second.config_path]
    pid = second.start_by_hand(*flags, env={'BERTH_ENGINE_MARK': mark})
    cmdline = second.cmdline()
    _load_busybox(second, busybox_image)
    second.docker('network', 'create', '--subnet', USER_SUBNET, prefix + 'net')
    name = prefix + 'keeper'
    second.docker('run', '-d', '--name', name, '--restart', 'unless-stopped', '--network', prefix + 'net', '--init',
                  busybox_image, 'sleep', '3600')
    assert _running(second, name)

    # the bip the engine refuses at start (the preflight is turned off to reach the restart)
    run = run_tasks(engine_task(second.args({'bip': '10.123.45.1/24'}, check_address_collisions=False)))
    assert run.rc != 0
    result = run.task('engine')
    msg = result['msg']
    assert result['rolled_back'] is True and result['engine_running'] is True
    assert msg.startswith('the new daemon.json (changed: bip="10.123.45.1/24") was refused: ')
    assert 'Pool overlaps with other one on this address space' in msg and 'failed to start daemon' in msg
    assert 'Pool overlaps with other one on this address space' in result['engine_error']
    assert 'the engine is running again on the old configuration' in msg and 'same command line' in msg
    if before == 'no daemon.json':
        assert 'there was none before' in msg
        assert not os.path.exists(second.config_path)
    else:
        assert 'byte for byte' in msg
        with open(second.config_path, 'rb') as handle:
            assert handle.read() == OLD_FILE
        st = os.stat(second.config_path)
        assert st.st_mode & 0o777 == 0o640 and int(st.st_mtime) == 1500000000
    new_pid = second.pid()
    assert new_pid and new_pid != pid and result['pid'] == new_pid
    assert second.cmdline(new_pid) == cmdline
    assert second.environ(new_pid).get('BERTH_ENGINE_MARK') == mark
    assert second.info('{{.Driver}}') == 'vfs'
    for _attempt in range(100):  # dockerd restarts it right after it answers
        if _running(second, name):
            break
        time.sleep(0.1)
    assert _running(second, name)

    # a bip inside the default bridge's current subnet (172.17.0.0/16 here): the bridge network
    # is redefined by bip, so it is not a collision; applied with the engine's own command line
    runs = four_step(engine_task(second.args({'bip': '172.17.5.1/24'})))
    real = runs[1].task('engine')
    assert real['restart_keys'] == ['bip']
    pid_after = second.pid()
    assert pid_after != new_pid and runs[3].task('engine')['pid'] == pid_after
    expected = cmdline + (['--config-file', second.config_path] if before == 'no daemon.json' else [])
    assert second.cmdline(pid_after) == expected
    assert second.environ(pid_after).get('BERTH_ENGINE_MARK') == mark
    assert second.docker('network', 'inspect', 'bridge', '--format', '{{json .IPAM.Config}}').stdout.decode().count(
        '172.17.5.0/24') == 1
    for _attempt in range(100):
        if _running(second, name):
            break
        time.sleep(0.1)
    assert _running(second, name)


def test_overlapping_network_is_refused_before_writing(second_engine, prefix):  # noqa: F811
    """bip, fixed-cidr or a new default-address-pools base overlapping an existing Docker network
    of the engine: refused before anything is written, naming the network and its subnet; the
    file's bytes and mtime and the engine's PID are unchanged."""
    second = second_engine
    with open(second.config_path, 'wb') as handle:
        handle.write(OLD_FILE)
    os.utime(second.config_path, (1500000000, 1500000000))
    pid = second.start_by_hand('--config-file', second.config_path)
    second.docker('network', 'create', '--subnet', USER_SUBNET, prefix + 'net')
    for setting in ({'bip': '10.123.45.1/24'},
                    {'bip': '10.123.0.1/16', 'fixed-cidr': '10.123.45.0/25'},
                    {'default-address-pools': [{'base': '10.123.0.0/16', 'size': 24}]}):
        run = run_tasks(engine_task(second.args(setting)))
        result = run.task('engine')
        assert run.rc != 0, setting
        msg = result['msg']
        assert 'nothing was written' in msg and 'Docker network "%snet"' % prefix in msg, msg
        assert 'the subnet %s' % USER_SUBNET in msg, msg
        assert 'remove that network first' in msg
        with open(second.config_path, 'rb') as handle:
            assert handle.read() == OLD_FILE
        assert int(os.stat(second.config_path).st_mtime) == 1500000000
        assert second.pid() == pid


def test_engine_that_cannot_come_back_says_so_loudly(second_engine, prefix):  # noqa: F811
    """Fault injection: dockerd refuses the new configuration AND will not start again on the old
    one (the wrapper refuses every start). The file is still restored, and the message says loudly
    that the engine is down, with both errors and the exact command that starts it again; that
    command does bring it back."""
    second = second_engine
    pid = second.start_by_hand(*FLAGS)
    cmdline = second.cmdline()
    open(second.refuse_marker, 'w').close()
    run = run_tasks(engine_task(second.args({'log-driver': 'local'})))
    assert run.rc != 0
    result = run.task('engine')
    msg = result['msg']
    assert msg.startswith('THE ENGINE IS DOWN.') and result['engine_running'] is False and result['rolled_back'] is True
    assert 'berth test: this dockerd refuses to start' in msg
    assert 'there was none before' in msg and not os.path.exists(second.config_path)
    assert second.pid() is None and pid
    command = msg.split('Start it by hand: ', 1)[1]
    assert command.startswith('setsid ' + second.dockerd + ' ') and command.endswith('&')
    os.unlink(second.refuse_marker)
    subprocess.run(['sh', '-c', command], check=True, timeout=30)
    for _attempt in range(300):
        if second.pid() and second.docker('version', check=False).returncode == 0:
            break
        time.sleep(0.1)
    assert second.cmdline() == cmdline
