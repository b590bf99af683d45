"""Fixtures for the web stack tests: the variables that point site.yml, rolling_update.yml and
teardown.yml at a private instance (prefixed project, free ports on 127.0.0.1, temp project dir,
a private master-worker HAProxy in a temp directory), either with the light web tier
(berth-test/web replicas, busybox stand-ins for php and db) or the real Debian-built images."""

import os
import shutil
import tempfile

import pytest

from tests.conftest import free_port
from tests.support import docker_cli
from tests.support.ansible_run import ROOT, run_playbook
from tests.support.haproxy import STATS_USER, Lb, wait_until

SITE = os.path.join(ROOT, 'playbooks', 'site.yml')
ROLLING_UPDATE = os.path.join(ROOT, 'playbooks', 'rolling_update.yml')
TEARDOWN = os.path.join(ROOT, 'playbooks', 'teardown.yml')

# the real images are built once FROM the debootstrap'ed test base image and stay cached in the engine
REAL_IMAGE_PREFIX = 'berth-test/web-stack-'
IDLE = ['sh', '-c', "trap 'exit 0' TERM; while :; do sleep 1; done"]


class Stack:
    """One private instance of the reference stack and its HAProxy."""

    def __init__(self, prefix, tmp, lb):
        self.prefix = prefix
        self.project = prefix + 'stack'
        self.dir = tmp
        self.project_dir = os.path.join(tmp, 'project')
        self.credentials = os.path.join(tmp, 'credentials')
        self.lb = lb
        self.replicas = [{'name': 'web1', 'port': free_port()}, {'name': 'web2', 'port': free_port()}]
        self.db_port = free_port()
        self.registry_port = free_port()
        self.static_port = free_port()

    def vars(self, light=True, web_image=None, busybox_image=None, base_image=None, static=False, **extra):
        """Extra vars for site.yml / rolling_update.yml / teardown.yml. ``static``: with the static-file
        service (the role's default; off unless asked, so the other tests keep their four containers)."""
        lb = self.lb
        values = {
            'web_stack_static_enabled': static,
            'web_stack_static_port': self.static_port,
            'web_stack_project': self.project,
            'web_stack_project_dir': self.project_dir,
            'web_stack_replicas': self.replicas,
            'web_stack_bind_address': '127.0.0.1',
            'web_stack_db_port': self.db_port,
            'web_stack_db_root_password_file': os.path.join(self.credentials, 'mariadb_root_password'),
            'berth_site_registry_name': self.prefix + 'registry',
            'berth_site_registry_port': self.registry_port,
            'berth_site_registry_context': os.path.join(self.dir, 'registry-image'),
            # its own registry image name: the light and real tiers build it FROM different base
            # images, and check mode cannot hash a context an earlier task has not written yet, so a
            # shared name built by the other tier made the check run predict no build where the real
            # run rebuilt (a CI failure). The layer cache keeps the build cheap; cleanup removes it.
            'berth_site_registry_image': self.prefix + 'registry:1',
            'haproxy_apt_update_cache': False,
            'haproxy_config_path': lb.cfg,
            'haproxy_pid_file': lb.pid_file,
            'haproxy_socket_path': lb.socket,
            'haproxy_service_mgr': 'master_worker',
            'haproxy_global_settings': {'log': [], 'user': 'haproxy', 'group': 'haproxy', 'chroot': '/var/lib/haproxy'},
            'haproxy_defaults': {'log': '', 'options': ['redispatch'],
                                 'timeouts': {'connect': '2s', 'client': '30s', 'server': '30s', 'check': '1s'}},
            'haproxy_frontend_bind_address': '127.0.0.1',
            'haproxy_frontend_port': lb.port,
            'haproxy_stats_bind_address': '127.0.0.1',
            'haproxy_stats_port': lb.stats_port,
            'haproxy_stats_user': STATS_USER,
            'haproxy_stats_password_file': os.path.join(self.credentials, 'haproxy_stats_password'),
            'haproxy_server_options': {'inter': '500ms', 'fall': 2, 'rise': 1},
        }
        if light:
            values.update({
                'berth_site_base_image': False,
                'web_stack_build_images': False,
                'web_stack_web_image': web_image,
                'web_stack_php_image': busybox_image,
                'web_stack_db_image': busybox_image,
                'web_stack_php_command': IDLE,
                'web_stack_db_command': IDLE,
                'web_stack_db_healthcheck': {},
                'web_stack_db_port': 0,
                'web_stack_web_volumes': [],
                'web_stack_php_volumes': [],
                'web_stack_web_healthcheck': {'test': ['CMD', 'wget', '-q', '-O-', 'http://127.0.0.1/health'],
                                              'interval': '1s', 'timeout': '1s', 'retries': 3},
                # the static service on the light image: busybox httpd on the role's document root
                # (-vv: every request's URL in its log)
                'web_stack_static_image': web_image,
                'web_stack_static_volumes': [],
                'web_stack_static_command': ['httpd', '-f', '-vv', '-p', '80', '-h', '/srv/static'],
                'web_stack_static_healthcheck': {'test': ['CMD', 'wget', '-q', '-O-', 'http://127.0.0.1/static/app.css'],
                                                 'interval': '1s', 'timeout': '1s', 'retries': 3},
            })
        else:
            values.update({
                'base_image_name': base_image.split(':')[0],
                'base_image_tag': base_image.split(':')[1],
                'base_image_mirror': os.environ.get('BERTH_DEBIAN_MIRROR', 'http://deb.debian.org/debian'),
                'web_stack_base_image': base_image,
                'web_stack_image_prefix': REAL_IMAGE_PREFIX,
            })
        values.update(extra)
        return values

    def stats_password(self):
        with open(os.path.join(self.credentials, 'haproxy_stats_password')) as handle:
            return handle.read().split()[0]

    def containers(self):
        return sorted(n for n in docker_cli.names('container', self.project) if n.startswith(self.project))


@pytest.fixture(name='stack')
def stack_fixture(prefix):
    tmp = tempfile.mkdtemp(prefix='berth-web-stack-')
    lb = Lb(os.path.join(tmp, 'lb'))
    os.makedirs(lb.dir)
    instance = Stack(prefix, tmp, lb)
    yield instance
    lb.stop()
    shutil.rmtree(tmp, ignore_errors=True)
    # the containers, networks and volumes carry the prefix: the prefix fixture removes them after this


def four_step_playbook(path, extra_vars, expect_changed=True):
    """tests.support.ansible_run.four_step for a playbook file (site.yml): check, real, check again,
    real again; check mode predicts the real run's changes, the last two change nothing."""
    runs = []
    for step, check in (('check', True), ('real', False), ('check again', True), ('real again', False)):
        run = run_playbook(path, check=check, extra_vars=extra_vars)
        assert run.rc == 0 and not run.failed, '%s run failed:\n%s' % (step, run.output[-6000:])
        runs.append(run)
    if expect_changed:
        assert runs[1].changed, 'the real run changed nothing:\n' + runs[1].output[-4000:]
        assert runs[0].changed == runs[1].changed, (
            'check mode predicted changes in %s, the real run changed %s' % (runs[0].changed, runs[1].changed))
    assert not runs[2].changed, 'check mode after the real run still predicts changes in %s:\n%s' % (
        runs[2].changed, runs[2].output[-4000:])
    assert not runs[3].changed, 'second real run not idempotent, changed: %s\n%s' % (
        runs[3].changed, runs[3].output[-4000:])
    return runs


def _stats_summary(lb):
    return {key: (row['status'], row.get('check_status'), row.get('last_chk')) for key, row in lb.stats_csv().items()}


def round_robin(stack, count=6):
    """The first line of ``count`` answers through HAProxy, once both replicas are UP."""
    lb = stack.lb
    lb.password = stack.stats_password()
    wait_until(lambda: all(lb.server_status('app', r['name']) == 'UP' for r in stack.replicas), timeout=30, what='both UP')
    # HAProxy starts with its servers UP before the first check: wait for a first answer too
    wait_until(lambda: lb.get('/')[0] == 200, timeout=30, what='a first answer through HAProxy')
    answers = []
    for _n in range(count):
        status, body = lb.get('/')
        assert status == 200, '%s %s\nstats: %s' % (status, body, _stats_summary(lb))
        answers.append(body.splitlines()[0])
    return answers


def assert_alternates(answers, version):
    assert set(answers) == {'web1 %s' % version, 'web2 %s' % version}, answers
    assert all(a != b for a, b in zip(answers, answers[1:])), 'not round robin: %s' % answers


def teardown_leaves_nothing(stack, extra_vars):
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
