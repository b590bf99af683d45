"""playbooks/rolling_update.yml under a steady load of HTTP requests through HAProxy on
127.0.0.1: every replica is drained, redeployed with the new version, waited for and put back,
one at a time, with ZERO failed requests; afterwards both replicas serve the new version and a
site.yml run with that version changes nothing; playbooks/teardown.yml leaves nothing.

The test rolls the Debian-built nginx image to a new tag (nginx stops gracefully on SIGQUIT); the light
web tier's roll (the new version is new configuration) is test_rolling_fleet.py's scenario (d)."""

import json
import os
import time

import pytest

from tests.support import docker_cli
from tests.support.ansible_run import run_playbook
from tests.support.haproxy import Load
from tests.support.web_stack import ROLLING_UPDATE, SITE, assert_alternates, round_robin, teardown_leaves_nothing
from tests.support.web_stack import stack_fixture  # noqa: F401 (pytest fixture stack)

FIXTURES = (stack_fixture,)
WORKERS = 2  # paced (PAUSE between requests): steady, without starving the 2-core CI machine
PAUSE = 0.01
MAX_ROLL_SECONDS = 420  # measured 109-208 s on a 2-core machine shared with other suites
RECORD = os.environ.get('BERTH_ROLLING_RECORD')  # optional: append the figures (JSON lines) to this file


def _roll_under_load(stack, extra_vars, version, label):
    """Run rolling_update.yml while WORKERS threads send GET / through HAProxy; returns the figures."""
    master = stack.lb.master_pid()
    with Load(stack.lb.port, workers=WORKERS, pause=PAUSE) as load:
        time.sleep(1.0)
        before = load.ok
        started = time.time()
        run = run_playbook(ROLLING_UPDATE, extra_vars=dict(extra_vars, web_stack_version=version))
        seconds = time.time() - started
        time.sleep(1.0)
    run.assert_ok()
    figures = {'test': label, 'workers': WORKERS, 'ok': load.ok, 'ok_during_roll': load.ok - before,
               'failed': len(load.failed), 'roll_seconds': round(seconds, 1)}
    print('rolling update %s: %s' % (label, json.dumps(figures)))
    if RECORD:
        with open(RECORD, 'a') as handle:
            handle.write(json.dumps(figures) + '\n')
    assert load.failed == [], 'failed requests during the rolling update: %s (%s)' % (load.failed[:10], figures)
    assert load.ok - before > 20, figures
    assert seconds < MAX_ROLL_SECONDS, figures
    # one replica at a time: drained, redeployed, back
    order = [r['task'] for r in run.records if r['task'].startswith(('Drain', 'Enable'))]
    assert order == ['Drain in HAProxy, wait until its sessions end, then maintenance: web1',
                     'Enable in HAProxy and wait until it is UP: web1',
                     'Drain in HAProxy, wait until its sessions end, then maintenance: web2',
                     'Enable in HAProxy and wait until it is UP: web2'], order
    # HAProxy itself was not reloaded (the same master), both replicas recreated with the new version
    assert stack.lb.master_pid() == master
    for replica in stack.replicas:
        env = docker_cli.docker('inspect', '-f', '{{json .Config.Env}}', '%s-%s-1' % (stack.project, replica['name'])).stdout
        assert 'WEB_VERSION=%s' % version in json.loads(env)
    return figures


def _after_the_roll(stack, extra_vars, version):
    assert_alternates(round_robin(stack), version)
    # the inventory now says the new version: site.yml finds nothing to do
    for check in (True, False):
        run = run_playbook(SITE, check=check, extra_vars=dict(extra_vars, web_stack_version=version)).assert_ok()
        assert run.changed == [], 'site.yml after the roll changed %s:\n%s' % (run.changed, run.output[-3000:])


# the light web tier's roll (new configuration) under load is tests/integration/test_rolling_fleet.py's (d)


@pytest.mark.slow
def test_rolling_update_real_nginx_zero_failed_requests(stack, debian_image):
    extra_vars = stack.vars(light=False, base_image=debian_image)
    run_playbook(SITE, extra_vars=extra_vars).assert_ok()
    assert_alternates(round_robin(stack), 1)

    _roll_under_load(stack, extra_vars, '2', 'real')
    assert docker_cli.exists('image', 'berth-test/web-stack-nginx:2')
    for replica in stack.replicas:
        image = docker_cli.docker('inspect', '-f', '{{.Config.Image}}', '%s-%s-1' % (stack.project, replica['name'])).stdout.strip()
        assert image == 'berth-test/web-stack-nginx:2'
    _after_the_roll(stack, extra_vars, '2')
    teardown_leaves_nothing(stack, extra_vars)
