"""engine_config: merge, diff keys, reloadable analysis, flag conflicts, atomic write/backup/restore,
and validation by the real dockerd installed here (nothing is started: engines before 23 are
checked by a scratch start that stops at its pidfile check)."""

import json
import os
import shutil

import pytest

from ansible_collections.berth.docker.plugins.module_utils import engine_config as cfg
from ansible_collections.berth.docker.plugins.module_utils import files


def test_merge_and_exact():
    current = {'debug': False, 'labels': ['a=1'], 'log-driver': 'json-file'}
    assert cfg.merge(current, {'debug': True, 'log-driver': None}) == {'debug': True, 'labels': ['a=1']}
    assert cfg.merge(current, {'debug': True}, 'exact') == {'debug': True}
    assert cfg.merge(None, {'x': 1}) == {'x': 1}


def test_changed_keys_and_reloadable():
    old = {'debug': False, 'labels': ['a=1'], 'bridge': 'none'}
    new = {'debug': True, 'labels': ['a=1'], 'log-driver': 'local'}
    keys = cfg.changed_keys(old, new)
    assert keys == ['bridge', 'debug', 'log-driver']
    assert cfg.needs_restart(['debug', 'labels', 'live-restore', 'registry-mirrors', 'insecure-registries']) == []
    assert cfg.needs_restart(keys) == ['bridge', 'log-driver']
    assert cfg.needs_restart(['log-level']) == ['log-level']  # not reloadable in dockerd (only debug is)


def test_flag_conflicts_explain_hosts_vs_fd():
    flags = cfg.unit_flag_keys('/usr/sbin/dockerd -H fd:// $DOCKER_OPTS')
    assert set(flags) == {'hosts'}
    problems = cfg.flag_conflicts({'hosts': ['tcp://0.0.0.0:2376']}, flags)
    assert len(problems) == 1 and '-H fd://' in problems[0] and 'drop-in' in problems[0]
    assert cfg.flag_conflicts({'debug': True}, flags) == []
    assert set(cfg.unit_flag_keys('/usr/bin/dockerd --data-root=/srv/docker -p /run/d.pid')) == {'data-root', 'pidfile'}


def test_render_is_stable():
    assert cfg.render({'b': 1, 'a': [1, 2]}) == '{\n  "a": [\n    1,\n    2\n  ],\n  "b": 1\n}\n'


def test_write_atomic_backup_and_restore(tmp_path):
    path = str(tmp_path / 'etc' / 'daemon.json')
    assert files.atomic_write(path, '{"debug": true}\n', backup=True) is None  # directory created, nothing to back up
    backup = files.atomic_write(path, '{"debug": false}\n', backup=True)
    assert open(backup).read() == '{"debug": true}\n' and open(path).read() == '{"debug": false}\n'
    assert oct(os.stat(path).st_mode & 0o777) == '0o644'
    assert [n for n in os.listdir(os.path.dirname(path)) if n.startswith('.daemon.json.')] == []
    cfg.restore(path, '{"debug": true}\n')
    assert open(path).read() == '{"debug": true}\n'
    cfg.restore(path, None)
    assert not os.path.exists(path)


def test_read_refuses_non_json(tmp_path):
    path = tmp_path / 'daemon.json'
    path.write_text('{not json')
    with pytest.raises(cfg.DaemonConfigError) as err:
        cfg.read(str(path))
    assert 'not valid JSON' in str(err.value)
    assert cfg.read(str(tmp_path / 'missing.json')) == (None, None)
    path.write_text('{"debug": true}')
    assert cfg.read(str(path)) == ({'debug': True}, '{"debug": true}')


needs_dockerd = pytest.mark.skipif(shutil.which('dockerd') is None, reason='dockerd is not installed')


@needs_dockerd
def test_validate_with_the_real_dockerd():
    assert cfg.validate({'debug': True, 'labels': ['a=b'], 'hosts': ['unix:///nowhere.sock']}, '/etc/docker/daemon.json') is None
    error = cfg.validate({'berth-bogus': 1}, '/etc/docker/daemon.json')
    assert error == ("unable to configure the Docker daemon with file /etc/docker/daemon.json: the following directives "
                     "don't match any configuration option: berth-bogus")
    assert 'log' in cfg.validate({'log-level': 'loud'}, '/x/daemon.json')


def test_validate_through_a_runner_for_new_engines():
    """Engines 23+: `dockerd --validate --config-file` answers; its message is passed through."""
    calls = []

    def runner(argv):
        calls.append(argv)
        with open(argv[-1]) as handle:
            assert json.load(handle) == {'debug': 'yes'}
        return 1, '', 'unable to configure the Docker daemon with file %s: json: cannot unmarshal string' % argv[-1]

    error = cfg.validate({'debug': 'yes'}, '/etc/docker/daemon.json', runner=runner)
    assert calls[0][:3] == ['dockerd', '--validate', '--config-file']
    assert error == 'unable to configure the Docker daemon with file /etc/docker/daemon.json: json: cannot unmarshal string'


# -- exact restore, and how the running engine was started -----------------------------------------

def test_snapshot_and_restore_file_exactly(tmp_path):
    path = str(tmp_path / 'daemon.json')
    raw = b'{"debug":true,\r\n "labels" : ["a"]}\r\n'
    with open(path, 'wb') as handle:
        handle.write(raw)
    os.chmod(path, 0o640)
    os.utime(path, (1500000000, 1500000000))
    saved = cfg.snapshot_file(path)
    files.atomic_write(path, cfg.render({'bip': '10.9.0.1/24'}))
    assert 'byte for byte' in cfg.restore_file(path, saved)
    with open(path, 'rb') as handle:
        assert handle.read() == raw
    st = os.stat(path)
    assert st.st_mode & 0o777 == 0o640 and int(st.st_mtime) == 1500000000
    # there was none: removed again
    missing = str(tmp_path / 'none.json')
    saved = cfg.snapshot_file(missing)
    assert saved is None
    files.atomic_write(missing, '{}\n')
    assert 'there was none before' in cfg.restore_file(missing, saved) and not os.path.exists(missing)


def test_process_snapshot_of_this_process():
    from ansible_collections.berth.docker.plugins.module_utils import engine_service as svc
    snap = svc.process_snapshot(os.getpid())
    with open('/proc/self/cmdline', 'rb') as handle:
        assert snap['argv'] == handle.read().decode().rstrip('\0').split('\0')
    assert snap['env'].get('PATH') == os.environ.get('PATH') and snap['cwd'] == os.getcwd()
    assert svc.process_snapshot(2 ** 22 + 12345) is None


def test_dockerd_command_lines_and_reason():
    from ansible_collections.berth.docker.plugins.module_utils import engine_service as svc
    assert svc.argv_config_file(['dockerd', '-H', 'fd://']) is None
    assert svc.argv_config_file(['dockerd', '--config-file', '/x.json']) == '/x.json'
    assert svc.argv_config_file(['dockerd', '--config-file=/y.json']) == '/y.json'
    # the default file is never passed (dockerd reads it by itself and does not require it)
    assert '--config-file' not in svc.DirectManager().argv()
    assert svc.DirectManager(config_file='/e/d.json').argv()[1:3] == ['--config-file', '/e/d.json']
    log = '\n'.join([
        'time="2026-12-01T00:44:47Z" level=info msg="Starting up"',
        'time="2026-12-01T00:44:47Z" level=error msg="something on the way"',
        'failed to start daemon: Error initializing network controller: Error creating default "bridge" network: '
        'Pool overlaps with other one on this address space',
        'time="2026-12-01T00:44:48Z" level=info msg="stopping event stream"',
    ])
    assert svc.dockerd_reason(log).startswith('failed to start daemon: Error initializing network controller')
    assert svc.dockerd_reason('level=info msg=ok') is None
    direct = svc.DirectManager(dockerd='/opt/wrapper')
    snap = {'pid': 1, 'argv': ['/usr/sbin/dockerd', '-H', 'unix:///x.sock'], 'env': None, 'cwd': None}
    assert direct.argv_from(snap) == ['/opt/wrapper', '-H', 'unix:///x.sock']
    assert svc.DirectManager().argv_from(snap) == snap['argv']
    elsewhere = svc.DirectManager(config_file='/e/d.json')
    assert elsewhere.check_config_file({'pid': 7, 'argv': ['dockerd', '--config-file', '/other.json']}).startswith(
        'dockerd (pid 7) runs with --config-file /other.json, not daemon_config_path /e/d.json')
    assert elsewhere.check_config_file({'pid': 7, 'argv': ['dockerd']}) is None


def test_flags_of_the_running_command_line_conflict():
    argv = ['/usr/sbin/dockerd', '-H', 'unix:///x.sock', '--storage-driver', 'vfs', '--iptables=false',
            '--label', 'a=b', '--insecure-registry', 'r:5000', '--config-file', '/e/d.json']
    config = {'storage-driver': 'overlay2', 'iptables': True, 'labels': ['c'], 'insecure-registries': ['x'],
              'hosts': ['unix:///y.sock'], 'debug': True, 'config-file': 'x'}
    found = cfg.argv_flag_keys(argv, config)
    assert sorted(found) == ['hosts', 'insecure-registries', 'iptables', 'labels', 'storage-driver']
    problems = cfg.flag_conflicts({'storage-driver': 'overlay2'}, cfg.argv_flag_keys(argv, {'storage-driver': 1}))
    assert "the running dockerd's command line (--storage-driver)" in problems[0]
