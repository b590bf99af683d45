"""The engine role reads geerlingguy.docker's variables (docker_daemon_options, docker_users, ...) as the
defaults of its own engine_* variables, and the haproxy role geerlingguy.haproxy's renamed ones, so an
inventory written for those roles keeps working; a variable of ours that is set wins, and without either
the defaults are what they always were. A probe role with the role's own defaults and argument specs
(validated at its start, as the real role's are) shows what the real role would pass to the module,
without touching the engine or HAProxy."""

import os
import shutil

import pytest

from tests.support.ansible_run import ROOT, run_playbook

ENGINE = os.path.join(ROOT, 'roles', 'engine')
HAPROXY = os.path.join(ROOT, 'roles', 'haproxy')
NAMES = ('engine_state', 'engine_source', 'engine_channel', 'engine_repo_url', 'engine_daemon_config', 'engine_users',
         'engine_enabled')
PLAIN = {'engine_state': 'started', 'engine_source': '', 'engine_channel': 'stable',
         'engine_repo_url': 'https://download.docker.com', 'engine_daemon_config': {}, 'engine_users': [],
         'engine_enabled': True}


def _values(tmp_path, play_vars, role=ENGINE, names=NAMES):
    probe = tmp_path / 'roles' / 'engine_probe'
    for part in ('defaults', 'meta', 'tasks'):
        (probe / part).mkdir(parents=True, exist_ok=True)
    shutil.copy(os.path.join(role, 'defaults', 'main.yml'), str(probe / 'defaults' / 'main.yml'))
    shutil.copy(os.path.join(role, 'meta', 'argument_specs.yml'), str(probe / 'meta' / 'argument_specs.yml'))
    (probe / 'tasks' / 'main.yml').write_text(
        '- name: Values\n  ansible.builtin.set_fact:\n    values: {%s}\n' % ', '.join('%s: "{{ %s }}"' % (n, n) for n in names))
    run = run_playbook([{'hosts': 'localhost', 'gather_facts': False, 'vars': play_vars, 'roles': ['engine_probe']}],
                       env={'ANSIBLE_ROLES_PATH': str(tmp_path / 'roles')})
    return run


def test_without_geerlingguy_variables_the_defaults_are_unchanged(tmp_path):
    run = _values(tmp_path, {}).assert_ok()
    assert run.task('engine_probe : Values')['ansible_facts']['values'] == PLAIN


def test_geerlingguy_variables_become_the_engine_defaults(tmp_path):
    run = _values(tmp_path, {
        'docker_daemon_options': {'log-driver': 'local', 'live-restore': True}, 'docker_users': ['deploy'],
        'docker_service_enabled': False, 'docker_service_state': 'stopped', 'docker_add_repo': True,
        'docker_repo_url': 'https://mirror.invalid/linux', 'docker_apt_release_channel': 'test'}).assert_ok()
    assert run.task('engine_probe : Values')['ansible_facts']['values'] == {
        'engine_state': 'stopped', 'engine_source': 'docker-ce', 'engine_channel': 'test',
        'engine_repo_url': 'https://mirror.invalid', 'engine_daemon_config': {'log-driver': 'local', 'live-restore': True},
        'engine_users': ['deploy'], 'engine_enabled': False}


@pytest.mark.parametrize('given, state', [({'docker_packages_state': 'absent'}, 'absent'),
                                          ({'docker_package_state': 'absent', 'docker_service_state': 'started'}, 'absent'),
                                          ({'docker_service_manage': False}, 'present'),
                                          ({'docker_packages_state': 'latest'}, 'started')])
def test_package_and_service_variables_map_to_engine_state(tmp_path, given, state):
    run = _values(tmp_path, given).assert_ok()
    assert run.task('engine_probe : Values')['ansible_facts']['values']['engine_state'] == state


def test_engine_variables_win_and_wrong_types_are_refused(tmp_path):
    run = _values(tmp_path, {'docker_users': ['old'], 'engine_users': ['new'], 'docker_yum_repo_enable_test': '1'}).assert_ok()
    values = run.task('engine_probe : Values')['ansible_facts']['values']
    assert values['engine_users'] == ['new'] and values['engine_channel'] == 'test'
    run = _values(tmp_path, {'docker_daemon_options': ['log-driver', 'local']})
    assert run.rc != 0 and 'docker_daemon_options' in run.output, run.output[-3000:]


HAPROXY_NAMES = ('haproxy_socket_path', 'haproxy_balance', 'haproxy_global_settings')
HAPROXY_PLAIN = {'haproxy_socket_path': '/run/haproxy/admin.sock', 'haproxy_balance': 'roundrobin',
                 'haproxy_global_settings': {'log': ['/dev/log local0'], 'maxconn': 4096, 'user': 'haproxy',
                                             'group': 'haproxy', 'chroot': '/var/lib/haproxy'}}


def test_haproxy_role_reads_the_renamed_geerlingguy_variables(tmp_path):
    run = _values(tmp_path, {}, HAPROXY, HAPROXY_NAMES).assert_ok()
    assert run.task('engine_probe : Values')['ansible_facts']['values'] == HAPROXY_PLAIN
    run = _values(tmp_path, {'haproxy_socket': '/var/lib/haproxy/stats', 'haproxy_backend_balance_method': 'leastconn',
                             'haproxy_user': 'lb', 'haproxy_group': 'lb', 'haproxy_chroot': '/srv/lb'},
                  HAPROXY, HAPROXY_NAMES).assert_ok()
    assert run.task('engine_probe : Values')['ansible_facts']['values'] == {
        'haproxy_socket_path': '/var/lib/haproxy/stats', 'haproxy_balance': 'leastconn',
        'haproxy_global_settings': dict(HAPROXY_PLAIN['haproxy_global_settings'], user='lb', group='lb', chroot='/srv/lb')}
    run = _values(tmp_path, {'haproxy_backend_balance_method': 'leastconn', 'haproxy_balance': 'source'},
                  HAPROXY, HAPROXY_NAMES).assert_ok()
    assert run.task('engine_probe : Values')['ansible_facts']['values']['haproxy_balance'] == 'source'
