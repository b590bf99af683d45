"""Unit tests of haproxy_service with the real haproxy binary and real files in a temp
directory (no service manager: service_mgr none)."""

import os

import pytest

from ansible_collections.berth.docker.plugins.module_utils import files
from ansible_collections.berth.docker.plugins.module_utils import haproxy_config as cfg
from ansible_collections.berth.docker.plugins.module_utils import haproxy_service as svc
from ansible_collections.berth.docker.plugins.module_utils import host_network as hn


def params(tmp_path, **over):
    base = {
        'state': 'present', 'path': str(tmp_path / 'haproxy.cfg'), 'mode': '0600', 'backup': False, 'validate': True,
        'check_bind_addresses': True, 'haproxy_bin': 'haproxy', 'service_mgr': 'none', 'start': True, 'reload': True,
        'global_settings': {'log': [], 'maxconn': 100},
        'defaults': {'mode': 'http', 'timeouts': {'connect': '1s', 'client': '1s', 'server': '1s'}},
        'frontends': [{'name': 'f', 'binds': [{'address': '127.0.0.1', 'port': 1}], 'default_backend': 'b'}],
        'backends': [{'name': 'b', 'servers': [{'name': 's', 'address': '127.0.0.1', 'port': 2, 'check': True}]}],
        'listens': [], 'resolvers': [], 'stats': {'enabled': False},
        'stats_socket': {'enabled': True, 'path': str(tmp_path / 'run' / 'admin.sock')},
    }
    base.update(over)
    return base


def test_apply_check_then_write_then_unchanged(tmp_path):
    p = params(tmp_path)
    result = svc.apply(p, check_mode=True, diff_mode=True)
    assert result['changed'] is True and not os.path.exists(p['path'])
    assert result['unified_diff'].startswith('--- %s (before)' % p['path'])
    result = svc.apply(p, check_mode=False)
    assert result['changed'] is True and os.path.exists(p['path'])
    assert oct(os.stat(p['path']).st_mode & 0o777) == '0o600'
    assert os.path.isdir(tmp_path / 'run')  # the socket directory is created
    assert svc.apply(p, check_mode=True)['changed'] is False
    assert svc.apply(p, check_mode=False)['changed'] is False
    # a mode change alone is a change
    os.chmod(p['path'], 0o644)
    assert svc.apply(p, check_mode=False)['changed'] is True
    assert oct(os.stat(p['path']).st_mode & 0o777) == '0o600'


def test_backup_and_absent(tmp_path):
    p = params(tmp_path, backup=True)
    svc.apply(p, check_mode=False)
    p['backends'][0]['servers'][0]['port'] = 3
    result = svc.apply(p, check_mode=False)
    assert result['backup_file'] and os.path.exists(result['backup_file'])
    with open(result['backup_file']) as handle:
        assert '127.0.0.1:2 check' in handle.read()
    gone = svc.apply(dict(p, state='absent'), check_mode=False)
    assert gone['changed'] is True and not os.path.exists(p['path'])
    assert svc.apply(dict(p, state='absent'), check_mode=False)['changed'] is False


def test_invalid_config_message_names_the_real_path(tmp_path):
    p = params(tmp_path)
    p['frontends'][0]['acls'] = [{'name': 'x', 'condition': 'path_bogus -i /x'}]
    with pytest.raises(svc.HAProxyServiceError) as err:
        svc.apply(p, check_mode=True)
    assert 'path_bogus' in str(err.value) and p['path'] in str(err.value)
    assert not os.path.exists(p['path'])
    assert [f for f in os.listdir(tmp_path) if f.startswith('.haproxy-check-')] == []  # temp file removed


def test_bind_address_not_on_host(tmp_path):
    p = params(tmp_path)
    p['frontends'][0]['binds'][0]['address'] = '198.51.100.7'
    with pytest.raises(cfg.HAProxyConfigError, match='not an address of this host'):
        svc.apply(p, check_mode=True)
    p['check_bind_addresses'] = False
    assert svc.apply(p, check_mode=True)['changed'] is True


def test_proc_fallback_reads_this_host():
    with open('/proc/net/fib_trie') as fib, open('/proc/net/if_inet6') as inet6:
        found = hn.parse_proc_addresses(fib.read(), inet6.read())
    assert '127.0.0.1' in found


def test_atomic_write_keeps_owner_and_replaces(tmp_path):
    path = str(tmp_path / 'f')
    files.atomic_write(path, 'one\n', 0o640)
    files.atomic_write(path, 'two\n', 0o600)
    with open(path) as handle:
        assert handle.read() == 'two\n'
    assert oct(os.stat(path).st_mode & 0o777) == '0o600'
    assert os.listdir(tmp_path) == ['f']


def test_await_reload_reads_the_master_cli():
    """The check shared by master-worker and systemd reloads (a systemd unit's `kill -USR2` exits 0 even
    when the new workers cannot start): a new `failed` count is a refused reload, new workers a success."""
    before = {'master': 1, 'reloads': 3, 'failed': 0, 'workers': [10]}
    refused = iter([None, dict(before), {'master': 1, 'reloads': 4, 'failed': 1, 'workers': [10]}])
    with pytest.raises(svc.HAProxyServiceError, match='refused the new configuration'):
        svc.await_reload(1, before, {10}, lambda: next(refused), timeout=5)
    done = iter([{'master': 1, 'reloads': 4, 'failed': 0, 'workers': [11]}])
    svc.await_reload(1, before, {10}, lambda: next(done), timeout=5)


def test_systemd_finds_the_master_socket_on_the_command_line(tmp_path, monkeypatch):
    cmdline = b'/usr/sbin/haproxy\0-Ws\0-f\0/etc/haproxy/haproxy.cfg\0-p\0/run/haproxy.pid\0-S\0/run/haproxy-master.sock,mode,600\0'
    real_open = open

    def fake_open(path, *args, **kwargs):
        if path == '/proc/4242/cmdline':
            target = tmp_path / 'cmdline'
            target.write_bytes(cmdline)
            return real_open(str(target), *args, **kwargs)
        return real_open(path, *args, **kwargs)
    monkeypatch.setattr('builtins.open', fake_open)
    assert svc.Systemd.master_socket(4242) == '/run/haproxy-master.sock'
    assert svc.Systemd.master_socket(999999999) is None


def test_diff_and_absent_diff_mask_passwords(tmp_path):
    stats = {'enabled': True, 'binds': [{'address': '127.0.0.1', 'port': 3}], 'uri': '/s', 'realm': 'R',
             'users': [{'username': 'admin', 'password': 'first pass#1'}]}
    p = params(tmp_path, stats=stats, check_bind_addresses=False)
    svc.apply(p, False)
    old_hash = cfg.existing_hashes(open(p['path']).read())['admin']
    stats['users'][0]['password'] = 'second pass#2'
    result = svc.apply(p, False, diff_mode=True)
    new_hash = cfg.existing_hashes(open(p['path']).read())['admin']
    shown = str(result['diff']) + result['unified_diff']
    for secret in ('first pass', 'second pass', old_hash, new_hash):
        assert secret not in shown
    assert 'user admin password ********' in result['unified_diff']
    again = svc.apply(p, False, diff_mode=True)
    assert again['changed'] is False  # the hash of the file is reused while the password matches
    gone = svc.apply(dict(p, state='absent'), False, diff_mode=True)
    assert 'second pass' not in str(gone['diff']) and new_hash not in str(gone['diff'])
    assert 'userlist stats_users' in gone['diff']['before']
