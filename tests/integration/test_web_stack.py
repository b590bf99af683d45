"""The reference stack through playbooks/site.yml on this host: base image, web stack (compose
project), HAProxy in front (private master-worker daemon, temp paths, free ports on 127.0.0.1),
four runs (check, real, check, real: the last two change nothing), round robin through HAProxy,
stats behind generated credentials, then playbooks/teardown.yml leaves nothing behind.

The fast test uses the light web tier (berth-test/web replicas, busybox stand-ins for php and
db); the slow one builds and runs the real nginx / php-fpm / MariaDB images FROM the
debootstrap'ed Debian base image (cached in the engine afterwards)."""

import os
import stat

import pytest

from tests.support import docker_cli
from tests.support.ansible_run import run_playbook
from tests.support.haproxy import STATS_USER, http_get, wait_until
from tests.support.web_stack import SITE, TEARDOWN, four_step_playbook
from tests.support.web_stack import stack_fixture  # noqa: F401 (pytest fixture stack)

FIXTURES = (stack_fixture,)


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def _round_robin(stack, count=6):
    """The first line of ``count`` answers through HAProxy, once both replicas are UP."""
    lb = stack.lb
    lb.password = stack.stats_password()
    wait_until(lambda: all(lb.server_status('app', r['name']) == 'UP' for r in stack.replicas), timeout=30, what='both UP')
    answers = []
    for _n in range(count):
        status, body = lb.get('/')
        assert status == 200, body
        answers.append(body.splitlines()[0])
    return answers


def _assert_alternates(answers, version):
    assert set(answers) == {'web1 %s' % version, 'web2 %s' % version}, answers
    assert all(a != b for a, b in zip(answers, answers[1:])), 'not round robin: %s' % answers


def _assert_stats_need_credentials(stack):
    password = stack.stats_password()
    password_file = os.path.join(stack.credentials, 'haproxy_stats_password')
    assert _mode(password_file) == 0o600 and len(password) == 24
    assert http_get(stack.lb.stats_port, '/haproxy_stats')[0] == 401
    assert http_get(stack.lb.stats_port, '/haproxy_stats', auth=(STATS_USER, 'admin'))[0] == 401
    assert http_get(stack.lb.stats_port, '/haproxy_stats', auth=(STATS_USER, password))[0] == 200
    return password


def _assert_db_password_files(stack):
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


def _teardown_leaves_nothing(stack, extra_vars):
    master = stack.lb.master_pid()
    assert master and os.path.exists('/proc/%d' % master)
    for check in (True, False, False):
        run = run_playbook(TEARDOWN, check=check, extra_vars=dict(extra_vars, teardown_remove_volumes=True)).assert_ok()
    assert not run.changed, 'second teardown changed %s' % run.changed
    assert stack.containers() == []
    assert docker_cli.names('network', stack.project) == []
    assert docker_cli.names('volume', stack.project) == []
    assert not os.path.exists(stack.project_dir)
    assert not os.path.exists(stack.lb.cfg)
    wait_until(lambda: not os.path.exists('/proc/%d' % master) or open('/proc/%d/stat' % master).read().split()[2] == 'Z',
               timeout=10, what='HAProxy master %d gone' % master)
    with pytest.raises(OSError):
        stack.lb.get('/', timeout=1)


def test_site_deploys_the_light_stack_four_step_then_teardown(stack, web_image, busybox_image):
    extra_vars = stack.vars(light=True, web_image=web_image, busybox_image=busybox_image)
    runs = four_step_playbook(SITE, extra_vars)
    assert any('The stack is up' in name for name in runs[1].changed)
    assert any('HAProxy configuration' in name for name in runs[1].changed)

    # the docker CLI as witness: one project, db + php + two web replicas, running
    names = stack.containers()
    assert names == sorted('%s-%s-1' % (stack.project, s) for s in ('db', 'php', 'web1', 'web2')), names
    for name in names:
        assert docker_cli.docker('inspect', '-f', '{{.State.Running}}', name).stdout.strip() == 'true'
        assert docker_cli.docker('inspect', '-f', '{{index .Config.Labels "com.docker.compose.project"}}', name).stdout.strip() == stack.project
    for replica in stack.replicas:
        assert http_get(replica['port'], '/health') == (200, '%s 1\n' % replica['name'])

    _assert_alternates(_round_robin(stack), 1)
    stats_password = _assert_stats_need_credentials(stack)
    db_password = _assert_db_password_files(stack)
    for run in runs:
        assert stats_password not in run.output and db_password not in run.output
    _teardown_leaves_nothing(stack, extra_vars)


@pytest.mark.slow
def test_site_deploys_the_real_debian_stack(stack, debian_image):
    """nginx-light, php-fpm and mariadb-server from the Debian mirror, built FROM the debootstrap image."""
    extra_vars = stack.vars(light=False, base_image=debian_image)
    runs = four_step_playbook(SITE, extra_vars)
    assert any('The stack is up' in name for name in runs[1].changed)

    for image in ('nginx:1', 'php-fpm:1', 'mariadb:1'):
        assert docker_cli.exists('image', 'berth-test/web-stack-' + image)
    assert docker_cli.docker('inspect', '-f', '{{.State.Health.Status}}', stack.project + '-db-1').stdout.strip() == 'healthy'
    answers = _round_robin(stack)
    _assert_alternates(answers, 1)
    status, body = stack.lb.get('/')
    assert status == 200 and body.splitlines()[1].startswith('php 8.') and body.splitlines()[2] == 'db reachable', body
    assert stack.lb.get('/static/app.css')[1].startswith('/*')
    _assert_stats_need_credentials(stack)

    # MariaDB: the generated root password works over TCP, no password does not
    password = _assert_db_password_files(stack)
    db = stack.project + '-db-1'
    out = docker_cli.docker('exec', db, 'mariadb', '-uroot', '-p' + password, '-h127.0.0.1', '-N', '-e', 'select 40+2')
    assert out.stdout.strip() == '42'
    refused = docker_cli.docker('exec', db, 'mariadb', '-uroot', '-h127.0.0.1', '-e', 'select 1', check=False)
    assert refused.returncode != 0 and 'Access denied' in refused.stderr
    _teardown_leaves_nothing(stack, extra_vars)
