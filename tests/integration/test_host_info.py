"""berth.docker.host_info through real ansible-playbook runs against the real engine."""

import json
import os
import subprocess
import sys

from tests.support import docker_cli
from tests.support.ansible_run import ROOT, ansible_env, run_tasks


def test_engine_facts_match_docker_version(engine):
    run = run_tasks([{'name': 'facts', 'berth.docker.host_info': {}, 'register': 'facts'}]).assert_ok()
    facts = run.task('facts')
    server = json.loads(docker_cli.docker('version', '--format', '{{json .Server}}').stdout)
    info = json.loads(docker_cli.docker('info', '--format', '{{json .}}').stdout)
    assert facts['changed'] is False
    assert facts['can_talk_to_docker'] is True
    assert facts['engine']['version'] == server['Version']
    assert facts['engine']['api_version'] == server['ApiVersion']
    assert facts['engine']['storage_driver'] == info['Driver']
    assert facts['engine']['cgroup_driver'] == info['CgroupDriver']
    assert facts['api_version_used'] == server['ApiVersion'] or server['ApiVersion'] > facts['api_version_used']


def test_lists_with_filters(engine, prefix, busybox_image):
    keep = prefix + 'keep'
    other = prefix + 'other'
    docker_cli.docker('run', '-d', '--name', keep, '--label', 'berth.test=%s' % prefix, busybox_image, 'sleep', '300')
    docker_cli.docker('create', '--name', other, busybox_image, 'true')
    docker_cli.docker('network', 'create', '--label', 'berth.test=%s' % prefix, prefix + 'net')
    docker_cli.docker('volume', 'create', '--label', 'berth.test=%s' % prefix, prefix + 'vol')
    label = 'berth.test=%s' % prefix
    run = run_tasks([
        {'name': 'by label', 'berth.docker.host_info': {
            'containers': True, 'containers_filters': {'label': label},
            'networks': True, 'networks_filters': {'label': label},
            'volumes': True, 'volumes_filters': {'label': label},
            'images': True, 'images_filters': {'reference': busybox_image}}},
        {'name': 'running by name', 'berth.docker.host_info': {
            'containers': True, 'containers_filters': {'name': prefix}}},
        {'name': 'all by name', 'berth.docker.host_info': {
            'containers': True, 'containers_all': True, 'containers_filters': {'name': prefix},
            'verbose_output': True}},
        {'name': 'exited only', 'berth.docker.host_info': {
            'containers': True, 'containers_all': True,
            'containers_filters': {'name': prefix, 'status': 'created'}}},
    ]).assert_ok()
    by_label = run.task('by label')
    assert [c['Names'] for c in by_label['containers']] == [['/' + keep]]
    assert [n['Name'] for n in by_label['networks']] == [prefix + 'net']
    assert [v['Name'] for v in by_label['volumes']] == [prefix + 'vol']
    assert any(busybox_image in (i['RepoTags'] or []) for i in by_label['images'])
    assert [c['Names'][0] for c in run.task('running by name')['containers']] == ['/' + keep]
    # the short lists carry docker_host_info's fields (plus labels, and a container's state)
    assert sorted(by_label['containers'][0]) == ['Command', 'Created', 'Id', 'Image', 'Labels', 'Names', 'Ports',
                                                 'State', 'Status']
    assert sorted(by_label['volumes'][0]) == ['Driver', 'Labels', 'Name']
    assert sorted(by_label['networks'][0]) == ['Driver', 'Id', 'Labels', 'Name', 'Scope']
    assert sorted(by_label['images'][0]) == ['Created', 'Id', 'Labels', 'RepoTags', 'Size']
    everything = run.task('all by name')['containers']
    assert sorted(c['Names'][0] for c in everything) == sorted(['/' + keep, '/' + other])
    assert 'HostConfig' in everything[0]  # verbose: the engine's whole object
    assert [c['Names'][0] for c in run.task('exited only')['containers']] == ['/' + other]


def test_check_mode_reports_facts(engine):
    run = run_tasks([{'name': 'facts', 'berth.docker.host_info': {'disk_usage': True}}], check=True).assert_ok()
    facts = run.task('facts')
    # the short form is docker_host_info's: the layers' size only (verbose_output gives all of /system/df)
    assert facts['changed'] is False and sorted(facts['disk_usage']) == ['LayersSize']


def test_missing_socket_fails_with_install_and_start_message(engine):
    run = run_tasks([{'name': 'facts', 'berth.docker.host_info': {'docker_host': 'unix:///run/berth-nothing/docker.sock'}}])
    assert run.rc != 0
    result = run.task('facts')
    assert result['failed'] and result['can_talk_to_docker'] is False
    assert 'Is the engine installed and started?' in result['msg']


def test_docker_host_from_environment(engine):
    run = run_tasks([{'name': 'facts', 'berth.docker.host_info': {}}],
                    env={'DOCKER_HOST': 'unix:///run/berth-nothing/docker.sock'})
    assert run.rc != 0 and '/run/berth-nothing/docker.sock' in run.task('facts')['msg']


def test_tcp_refused_is_a_clear_connection_error(engine):
    run = run_tasks([{'name': 'facts', 'berth.docker.host_info': {'docker_host': 'tcp://127.0.0.1:1'}}])
    assert run.rc != 0
    assert run.task('facts')['msg'].startswith('cannot connect to the Docker engine at tcp://127.0.0.1:1: connection refused')


def test_unreachable_reported_not_failed_when_asked(engine):
    run = run_tasks([{'name': 'probe', 'berth.docker.host_info': {
        'docker_host': 'tcp://127.0.0.1:1', 'fail_on_unreachable': False}}]).assert_ok()
    probe = run.task('probe')
    assert probe['can_talk_to_docker'] is False and 'connection refused' in probe['msg']


def test_module_defaults_action_group_sets_docker_host(engine):
    run = run_tasks([{'name': 'facts', 'berth.docker.host_info': {}}],
                    module_defaults={'group/berth.docker.docker': {'docker_host': 'tcp://127.0.0.1:1'}})
    assert run.rc != 0 and 'tcp://127.0.0.1:1' in run.task('facts')['msg']


def test_forced_api_version(engine):
    run = run_tasks([{'name': 'facts', 'berth.docker.host_info': {'api_version': '1.40'}}]).assert_ok()
    assert run.task('facts')['api_version_used'] == '1.40'
    run = run_tasks([{'name': 'facts', 'berth.docker.host_info': {'api_version': '9.99'}}])
    assert run.rc != 0 and 'newer than the engine supports' in run.task('facts')['msg']
    # no version both sides speak: as docker_host_info, the engine counts as one we cannot talk to
    assert run.task('facts')['can_talk_to_docker'] is False


def test_module_runs_with_bare_interpreter(engine, tmp_path):
    """The module needs nothing outside the standard library on the managed host: run it with
    `python3 -I -S` (isolated, no site-packages at all) as the managed host's interpreter."""
    bare = tmp_path / 'python-bare'
    bare.write_text('#!/bin/sh\nexec %s -I -S "$@"\n' % sys.executable)
    bare.chmod(0o755)
    check = subprocess.run([str(bare), '-c', 'import yaml'], capture_output=True, check=False)
    assert check.returncode != 0, 'the bare interpreter must not see site-packages'
    inventory = tmp_path / 'inv.yml'
    inventory.write_text('all:\n  hosts:\n    localhost:\n      ansible_connection: local\n'
                         '      ansible_python_interpreter: %s\n' % bare)
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible'), 'localhost', '-i', str(inventory),
                           '-m', 'berth.docker.host_info', '-a', 'containers=true'],
                          cwd=ROOT, env=ansible_env(), capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'can_talk_to_docker: true' in proc.stdout
