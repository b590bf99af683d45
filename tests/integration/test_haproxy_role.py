"""The berth.docker.haproxy role on this host: installs (already installed here: apt reports ok),
generates the stats password once (0600 on the controller), renders the reference setup with
the backends found by the haproxy_servers filter from real containers, and runs a private
HAProxy (temp config path, non-privileged ports on 127.0.0.1, master-worker daemon)."""

import os
import stat

import pytest

from tests.support.ansible_run import four_step, run_playbook, run_tasks
from tests.support.haproxy import STATS_USER, http_get, start_web, wait_until
from tests.support.haproxy import lb_fixture  # noqa: F401 (pytest fixture lb)

FIXTURES = (lb_fixture,)


def _compose_labels(prefix, service, number):
    return ('--label', 'com.docker.compose.project=%s' % prefix, '--label', 'com.docker.compose.service=%s' % service,
            '--label', 'com.docker.compose.container-number=%d' % number)


def _role_tasks(lb, prefix, password_file, **extra_vars):
    role_vars = {
        'haproxy_apt_update_cache': False,
        'haproxy_config_path': lb.cfg,
        'haproxy_pid_file': lb.pid_file,
        'haproxy_socket_path': lb.socket,
        'haproxy_service_mgr': 'master_worker',
        'haproxy_global_settings': {'log': [], 'user': 'haproxy', 'group': 'haproxy', 'chroot': '/var/lib/haproxy'},
        'haproxy_frontend_bind_address': '127.0.0.1',
        'haproxy_frontend_port': lb.port,
        'haproxy_stats_bind_address': '127.0.0.1',
        'haproxy_stats_port': lb.stats_port,
        'haproxy_stats_user': STATS_USER,
        'haproxy_stats_password_file': password_file,
        'haproxy_server_options': {'inter': '500ms', 'fall': 2, 'rise': 1},
        'haproxy_httpchk_uri': '/health',
        'haproxy_backend_servers': "{{ ['localhost'] | berth.docker.haproxy_servers(hostvars, service='web', project='%s') }}" % prefix,
        'haproxy_static_servers': "{{ ['localhost'] | berth.docker.haproxy_servers(hostvars, service='static', "
                                  "project='%s', name_format='static') }}" % prefix,
    }
    role_vars.update(extra_vars)
    return [
        {'name': 'containers', 'berth.docker.host_info': {
            'containers': True, 'containers_filters': {'label': 'com.docker.compose.project=%s' % prefix}},
         'register': 'docker_host_info'},
        {'name': 'role', 'ansible.builtin.include_role': {'name': 'berth.docker.haproxy'}, 'vars': role_vars},
    ]


@pytest.mark.slow
def test_role_reference_setup_four_step(lb, prefix, web_image, tmp_path):
    webs = [start_web(prefix, web_image, 'web%d' % n, extra=_compose_labels(prefix, 'web', n)) for n in (1, 2)]
    start_web(prefix, web_image, 'static', extra=_compose_labels(prefix, 'static', 1))
    password_file = str(tmp_path / 'creds' / 'haproxy_stats_password')

    runs = four_step(_role_tasks(lb, prefix, password_file))
    assert any('HAProxy configuration' in name for name in runs[1].changed)

    # the generated password: stored once, 0600, in a 0700 directory, and it is the one in use
    mode = stat.S_IMODE(os.stat(password_file).st_mode)
    assert mode == 0o600, oct(mode)
    assert stat.S_IMODE(os.stat(os.path.dirname(password_file)).st_mode) == 0o700
    with open(password_file) as handle:
        password = handle.read().split()[0]
    assert len(password) == 24
    assert all(password not in run.output for run in runs)
    lb.password = password
    status, _body = http_get(lb.stats_port, '/haproxy_stats')
    assert status == 401
    status, _body = http_get(lb.stats_port, '/haproxy_stats', auth=(STATS_USER, password))
    assert status == 200

    # the filter found both replicas (names from the compose container numbers) and the static server
    with open(lb.cfg) as handle:
        text = handle.read()
    for web in webs:
        assert 'server %s 127.0.0.1:%d check inter 500ms rise 1 fall 2' % (web['name'], web['port']) in text
    assert '\nbackend static\n' in text and 'use_backend static if url_static' in text
    wait_until(lambda: all(lb.server_status('app', n).startswith('UP') for n in ('web1', 'web2')), timeout=15, what='UP')
    bodies = [lb.get('/')[1].strip() for _n in range(6)]
    assert all(a != b for a, b in zip(bodies, bodies[1:])) and set(bodies) == {'web1', 'web2'}, bodies
    assert lb.get('/static/app.css') == (200, 'static static\n')
    # the workers dropped privileges to the haproxy user
    for pid in lb.workers():
        with open('/proc/%d/status' % pid) as handle:
            uid_line = [line for line in handle if line.startswith('Uid:')][0]
        assert uid_line.split()[1] != '0'


def test_role_refuses_empty_backend_and_bad_vars(lb, prefix, tmp_path):
    password_file = str(tmp_path / 'pw')
    run = run_tasks(_role_tasks(lb, prefix, password_file))
    assert run.failed and "backend 'app' has no servers" in run.output
    assert not os.path.exists(lb.cfg)
    # argument_specs: a wrong type fails before anything runs
    run = run_tasks(_role_tasks(lb, prefix, password_file, haproxy_frontend_port='eighty'))
    assert run.failed and 'haproxy_frontend_port' in run.output
    assert not os.path.exists(lb.cfg)


def test_role_absent_removes_config_without_credentials(tmp_path):
    """haproxy_state: absent needs no stats password (it used to fail on an undefined one)."""
    cfg = tmp_path / 'haproxy.cfg'
    cfg.write_text('global\n')
    plays = [{'hosts': 'localhost', 'gather_facts': False, 'roles': [{'role': 'berth.docker.haproxy', 'vars': {
        'haproxy_state': 'absent', 'haproxy_install': False, 'haproxy_config_path': str(cfg),
        'haproxy_service_mgr': 'none'}}]}]
    check = run_playbook(plays, check=True).assert_ok()
    assert 'berth.docker.haproxy : HAProxy configuration' in check.changed and cfg.exists()
    run_playbook(plays).assert_ok()
    assert not cfg.exists()
    assert run_playbook(plays).assert_ok().changed == []
