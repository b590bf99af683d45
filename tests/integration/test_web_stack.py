"""The reference stack through playbooks/site.yml on this host: base image, web stack (compose
project), HAProxy in front (private master-worker daemon, temp paths, free ports on 127.0.0.1),
four runs (check, real, check, real: the last two change nothing), round robin through HAProxy,
stats behind generated credentials, then playbooks/teardown.yml leaves nothing behind.

The light web tier (berth-test/web replicas, busybox stand-ins for php and db) is deployed by
tests/integration/test_static_backend.py; the slow test here builds and runs the real nginx / php-fpm /
MariaDB images FROM the debootstrap'ed Debian base image (cached in the engine afterwards)."""

import json
import os
import stat
import urllib.request

import pytest

from tests.support import docker_cli
from tests.support.ansible_run import four_step, run_tasks
from tests.support.haproxy import STATS_USER, http_get
from tests.support.web_stack import SITE, assert_alternates, four_step_playbook, round_robin, teardown_leaves_nothing
from tests.support.web_stack import stack_fixture  # noqa: F401 (pytest fixture stack)

FIXTURES = (stack_fixture,)


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def assert_stats_need_credentials(stack):
    password = stack.stats_password()
    password_file = os.path.join(stack.credentials, 'haproxy_stats_password')
    assert _mode(password_file) == 0o600 and len(password) == 24
    assert http_get(stack.lb.stats_port, '/haproxy_stats')[0] == 401
    assert http_get(stack.lb.stats_port, '/haproxy_stats', auth=(STATS_USER, 'admin'))[0] == 401
    assert http_get(stack.lb.stats_port, '/haproxy_stats', auth=(STATS_USER, password))[0] == 200
    return password


def assert_db_password_files(stack):
    controller = os.path.join(stack.credentials, 'mariadb_root_password')
    host = os.path.join(stack.project_dir, 'secrets', 'db_root_password')
    assert _mode(controller) == 0o600 and _mode(os.path.dirname(controller)) == 0o700
    assert _mode(host) == 0o600 and _mode(os.path.dirname(host)) == 0o700
    with open(controller) as handle:
        password = handle.read().split()[0]
    with open(host) as handle:
        assert handle.read() == password
    assert len(password) == 24
    return password


# site.yml's light-stack test (four runs, every service, the passwords, teardown) is
# tests/integration/test_static_backend.py's, with the static service that site.yml deploys by default

@pytest.mark.slow
def test_site_deploys_the_real_debian_stack(stack, debian_image):
    """nginx-light, php-fpm and mariadb-server from the Debian mirror, built FROM the debootstrap image,
    with the static-file service (the nginx image with the role's static configuration, tag nginx:static;
    tests/integration/test_static_backend.py covers its routing on the light tier)."""
    extra_vars = stack.vars(light=False, base_image=debian_image, static=True)
    runs = four_step_playbook(SITE, extra_vars)
    assert any('The stack is up' in name for name in runs[1].changed)

    for image in ('nginx:1', 'php-fpm:1', 'mariadb:1'):
        assert docker_cli.exists('image', 'berth-test/web-stack-' + image)
    assert docker_cli.docker('inspect', '-f', '{{.State.Health.Status}}', stack.project + '-db-1').stdout.strip() == 'healthy'
    answers = round_robin(stack)
    assert_alternates(answers, 1)
    status, body = stack.lb.get('/')
    assert status == 200 and body.splitlines()[1].startswith('php 8.') and body.splitlines()[2] == 'db reachable', body
    assert stack.lb.get('/static/app.css')[1].startswith('/*')
    # the static service answers /static and *.png itself (nginx marks its answers), the replicas do not
    assert docker_cli.exists('image', 'berth-test/web-stack-nginx:static')
    for port in (stack.lb.port, stack.static_port):
        status, _body, headers = http_get(port, '/x/y.png', with_headers=True)
        assert status == 404 and headers.get('x-berth-static') == 'static', (port, status, headers)
    assert_stats_need_credentials(stack)

    # the local registry (REFERENCE step 1's docker-registry) answers on 127.0.0.1 and holds the base
    # image, tagged and pushed by site.yml (step 2's docker tag + docker push)
    with urllib.request.urlopen('http://127.0.0.1:%d/v2/_catalog' % stack.registry_port, timeout=5) as resp:
        assert debian_image.split(':')[0] in json.loads(resp.read().decode())['repositories']
    registry = docker_cli.inspect('container', stack.prefix + 'registry')
    assert registry['HostConfig']['PortBindings']['5000/tcp'] == [{'HostIp': '127.0.0.1', 'HostPort': str(stack.registry_port)}]

    # MariaDB: the generated root password works over TCP, no password does not
    password = assert_db_password_files(stack)
    db = stack.project + '-db-1'
    out = docker_cli.docker('exec', db, 'mariadb', '-uroot', '-p' + password, '-h127.0.0.1', '-N', '-e', 'select 40+2')
    assert out.stdout.strip() == '42'
    refused = docker_cli.docker('exec', db, 'mariadb', '-uroot', '-h127.0.0.1', '-e', 'select 1', check=False)
    assert refused.returncode != 0 and 'Access denied' in refused.stderr
    teardown_leaves_nothing(stack, extra_vars)
    assert not docker_cli.exists('container', stack.prefix + 'registry')
    assert not docker_cli.exists('volume', stack.prefix + 'registry-data')


def _role(name, **role_vars):
    return [{'name': 'role', 'ansible.builtin.include_role': {'name': name}, 'vars': role_vars}]


def test_base_image_present_is_left_alone(busybox_image):
    repository, tag = busybox_image.split(':')
    image_id = docker_cli.inspect('image', busybox_image)['Id']
    runs = four_step(_role('berth.docker.base_image', base_image_name=repository, base_image_tag=tag), expect_changed=False)
    assert all(run.status('berth.docker.base_image : Root file system with debootstrap') in (None, 'skipped') for run in runs)
    assert docker_cli.inspect('image', busybox_image)['Id'] == image_id


@pytest.mark.slow
def test_base_image_built_from_the_mirror(prefix, tmp_path):
    """debootstrap --variant=minbase bookworm from the Debian mirror, imported as PREFIX-base:bookworm."""
    name = prefix + 'base'
    mirror = os.environ.get('BERTH_DEBIAN_MIRROR', 'http://deb.debian.org/debian')
    runs = four_step(_role('berth.docker.base_image', base_image_name=name, base_image_tag='bookworm', base_image_mirror=mirror,
                           base_image_work_dir=str(tmp_path / 'work')))
    assert 'berth.docker.base_image : Import the root file system as the base image' in runs[1].changed
    out = docker_cli.docker('run', '--rm', name + ':bookworm', 'cat', '/etc/os-release').stdout
    assert 'VERSION_CODENAME=bookworm' in out
    cmd = docker_cli.docker('image', 'inspect', '-f', '{{json .Config.Cmd}}', name + ':bookworm').stdout.strip()
    assert cmd == '["/bin/bash"]'
    assert os.listdir(str(tmp_path / 'work')) == []  # the root file system and the tarball are gone


def test_web_stack_refuses_replicas_sharing_a_port(stack, web_image, busybox_image):
    role_vars = stack.vars(light=True, web_image=web_image, busybox_image=busybox_image)
    role_vars = {k: v for k, v in role_vars.items() if k.startswith('web_stack_')}
    role_vars['web_stack_replicas'] = [{'name': 'web1', 'port': 18001}, {'name': 'web2', 'port': 18001}]
    run = run_tasks(_role('berth.docker.web_stack', **role_vars))
    assert run.failed and 'each with its own name (not db or php) and its own port' in run.output
    assert stack.containers() == [] and not os.path.exists(stack.project_dir)
    # argument_specs: a wrong type fails before anything runs
    role_vars['web_stack_replicas'] = 'web1'
    run = run_tasks(_role('berth.docker.web_stack', **role_vars))
    assert run.failed and 'web_stack_replicas' in run.output
    assert stack.containers() == [] and not os.path.exists(stack.project_dir)
