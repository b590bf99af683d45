"""playbooks/rolling_update.yml as a fleet needs it, and playbooks/rollback.yml, on this host (the light
web tier of test_rolling_update.py, HAProxy on 127.0.0.1), every run under a steady load of GET / through
HAProxy with ZERO failed requests. One stack, one scenario after the other:

(c) a release phase that fails (exit 1): the play stops before anything is drained (every server UP, the
    same HAProxy master, no container recreated);
(b) version 3, whose web replicas never become healthy, with rolling_update_auto_rollback=false: the play
    fails naming the host and web1, web1 stays drained in maintenance, web2 serves version 1;
(a) version 3 again with the automatic rollback: the play fails naming the host, web1 and its last health
    answer, web1 is back on version 1 (not on the failed 3) and UP, web2 was never touched;
(d) a roll to version 2 with a release phase (run once, in the new version's environment), then
    rollback.yml: both replicas back on version 1, .berth-release says so, and site.yml with version 1
    changes nothing."""

import json
import os
import time

import pytest

from tests.support import docker_cli
from tests.support.ansible_run import ROOT, run_playbook
from tests.support.haproxy import Load
from tests.support.web_stack import ROLLING_UPDATE, SITE, assert_alternates, round_robin
from tests.support.web_stack import stack_fixture  # noqa: F401 (pytest fixture stack)

FIXTURES = (stack_fixture,)
ROLLBACK = os.path.join(ROOT, 'playbooks', 'rollback.yml')
WORKERS = 2
PAUSE = 0.01  # seconds between two requests of a thread: a steady load that leaves the 2-core CI machine some CPU
HEALTH_RETRIES = 8  # x 1 s: how long a version that never becomes healthy is waited for
RECORD = os.environ.get('BERTH_ROLLING_RECORD')  # optional: append the figures (JSON lines) to this file

# The web replicas' command: version 3 exits at once (a version that never becomes healthy); any other
# version runs the image's web server. Keyed on the container's WEB_VERSION (``$$``: not interpolated by
# compose), so the version a replica is rolled back to starts as it did before.
BROKEN_AT_3 = ['sh', '-c', 'if [ "$$WEB_VERSION" = 3 ]; then echo "version 3 cannot start" >&2; exit 3; fi; exec /web.sh']

STOPPED = 'Stop the rollout, a replica failed'
RELEASE_STOPPED = 'Stop the rollout: the release phase failed, no replica was drained'
RELEASE = 'Release phase: run it in a one-off container of the new version'
ROLLED = ['Drain in HAProxy, wait until its sessions end, then maintenance: web1',
          'Enable in HAProxy and wait until it is UP: web1',
          'Drain in HAProxy, wait until its sessions end, then maintenance: web2',
          'Enable in HAProxy and wait until it is UP: web2']


def _under_load(stack, playbook, extra_vars, label, figures):
    """Run ``playbook`` while WORKERS threads send GET / through HAProxy; 0 failed requests."""
    with Load(stack.lb.port, workers=WORKERS, pause=PAUSE) as load:
        time.sleep(1.0)
        before = load.ok
        started = time.time()
        run = run_playbook(playbook, extra_vars=extra_vars)
        seconds = time.time() - started
        time.sleep(1.0)
    entry = {'test': label, 'workers': WORKERS, 'rc': run.rc, 'ok': load.ok, 'ok_during_run': load.ok - before,
             'failed': len(load.failed), 'run_seconds': round(seconds, 1)}
    figures.append(entry)
    print('rolling fleet %s: %s' % (label, json.dumps(entry)))
    if RECORD:
        with open(RECORD, 'a') as handle:
            handle.write(json.dumps(entry) + '\n')
    assert load.failed == [], 'failed requests during %s: %s (%s)\n%s' % (label, load.failed[:10], entry, run.output[-3000:])
    assert load.ok - before > 10, entry
    return run


def _service_containers(stack):
    """{container name: ID} of the project's service containers (not one-off runs)."""
    out = docker_cli.docker('ps', '-a', '--filter', 'label=com.docker.compose.project=%s' % stack.project,
                            '--filter', 'label=com.docker.compose.oneoff=False', '--format', '{{.Names}} {{.ID}}').stdout
    return dict(line.split() for line in out.splitlines() if line.strip())


def _version(stack, replica):
    env = json.loads(docker_cli.docker('inspect', '-f', '{{json .Config.Env}}', '%s-%s-1' % (stack.project, replica)).stdout)
    return [e.split('=', 1)[1] for e in env if e.startswith('WEB_VERSION=')][0]


def _statuses(stack):
    return {r['name']: stack.lb.server_status('app', r['name']) for r in stack.replicas}


def _release_record(stack):
    with open(os.path.join(stack.project_dir, '.berth-release')) as handle:
        return json.load(handle)


def _drained_and_enabled(run):
    return [r['task'] for r in run.records if r['task'].startswith(('Drain', 'Enable')) and r['status'] != 'skipped']


@pytest.mark.slow
def test_rolling_fleet_release_failures_rollback(stack, web_image, busybox_image):
    extra = stack.vars(light=True, web_image=web_image, busybox_image=busybox_image,
                       web_stack_web_command=BROKEN_AT_3, rolling_update_health_retries=HEALTH_RETRIES)
    figures = []
    run_playbook(SITE, extra_vars=extra).assert_ok()
    assert_alternates(round_robin(stack), 1)
    lb = stack.lb
    master = lb.master_pid()

    # (c) the release phase fails: nothing is drained, nothing recreated
    before = _service_containers(stack)
    assert len(before) == 4, before
    run = _under_load(stack, ROLLING_UPDATE, dict(extra, web_stack_version='2', rolling_update_release={
        'service': 'php', 'argv': ['sh', '-c', 'echo "migration failed" >&2; exit 1']}), 'release phase fails', figures)
    assert run.rc != 0
    msg = run.task(RELEASE_STOPPED)['msg']
    assert 'release phase failed on localhost' in msg and 'service php' in msg and 'rc 1' in msg, msg
    assert 'migration failed' in msg and 'No replica was drained' in msg, msg
    assert _drained_and_enabled(run) == []
    assert _statuses(stack) == {'web1': 'UP', 'web2': 'UP'}
    assert lb.master_pid() == master
    assert _service_containers(stack) == before
    assert [_version(stack, r) for r in ('web1', 'web2')] == ['1', '1']
    assert not os.path.exists(os.path.join(stack.project_dir, '.berth-release'))

    # (b) version 3 never becomes healthy, no automatic rollback: web1 is kept drained, web2 serves
    run = _under_load(stack, ROLLING_UPDATE, dict(extra, web_stack_version='3', rolling_update_auto_rollback=False),
                      'broken version kept drained', figures)
    assert run.rc != 0
    msg = run.task(STOPPED)['msg']
    assert msg.startswith('localhost: replica web1 failed to become healthy as version 3'), msg
    assert 'last health answer: none' in msg and 'web1 is left drained (maintenance) on version 3' in msg, msg
    assert _drained_and_enabled(run) == [ROLLED[0]]
    assert _statuses(stack) == {'web1': 'MAINT', 'web2': 'UP'}
    stats = lb.stats_csv()[('app', 'web1')]
    assert stats['scur'] == '0', stats
    assert _version(stack, 'web1') == '3' and _version(stack, 'web2') == '1'
    assert _service_containers(stack)[stack.project + '-web2-1'] == before[stack.project + '-web2-1']
    assert {lb.get('/')[1].splitlines()[0] for _n in range(4)} == {'web2 1'}
    record = _release_record(stack)
    assert record['replicas']['web1'] == {'current': '3', 'failed': True, 'previous': '1', 'previous_image': web_image}, record
    assert lb.master_pid() == master

    # (a) version 3 again, with the automatic rollback: web1 goes back to 1 (the version before the failed one)
    web2_id = _service_containers(stack)[stack.project + '-web2-1']
    run = _under_load(stack, ROLLING_UPDATE, dict(extra, web_stack_version='3'), 'broken version rolled back', figures)
    assert run.rc != 0
    msg = run.task(STOPPED)['msg']
    assert msg.startswith('localhost: replica web1 failed to become healthy as version 3'), msg
    assert 'last health answer: none' in msg and 'Rolled back: web1' in msg and '(1)' in msg, msg
    assert 'later hosts were not touched' in msg, msg
    assert run.status('Rollback, enable in HAProxy and wait until it is UP: web1') == 'ok'
    assert _statuses(stack) == {'web1': 'UP', 'web2': 'UP'}
    assert _version(stack, 'web1') == '1' and _version(stack, 'web2') == '1'
    assert _service_containers(stack)[stack.project + '-web2-1'] == web2_id
    assert _release_record(stack)['replicas']['web1'] == {'current': '1', 'image': web_image}
    assert_alternates(round_robin(stack), 1)

    # (d) a roll to 2 with a release phase that succeeds, then rollback.yml back to 1
    run = _under_load(stack, ROLLING_UPDATE, dict(extra, web_stack_version='2', rolling_update_release={
        'service': 'web1', 'argv': ['sh', '-c', 'echo "release $WEB_VERSION"']}), 'roll 1 to 2', figures)
    run.assert_ok()
    assert run.task(RELEASE)['stdout'] == 'release 2'
    assert _drained_and_enabled(run) == ROLLED
    assert [_version(stack, r) for r in ('web1', 'web2')] == ['2', '2']
    record = _release_record(stack)
    assert (record['current'], record['previous']) == ('2', '1'), record
    assert_alternates(round_robin(stack), 2)

    run = _under_load(stack, ROLLBACK, extra, 'rollback.yml 2 to 1', figures)
    run.assert_ok()
    assert _drained_and_enabled(run) == ROLLED
    assert [_version(stack, r) for r in ('web1', 'web2')] == ['1', '1']
    record = _release_record(stack)
    assert (record['current'], record['previous']) == ('1', '2'), record
    assert lb.master_pid() == master
    assert_alternates(round_robin(stack), 1)
    # the inventory's version 1 is what runs: site.yml finds nothing to do, nor predicts anything
    for check in (True, False):
        run = run_playbook(SITE, check=check, extra_vars=dict(extra, web_stack_version='1')).assert_ok()
        assert run.changed == [], 'site.yml after the rollback changed %s:\n%s' % (run.changed, run.output[-3000:])
    print('rolling fleet figures: %s' % json.dumps(figures))
