"""The peer tier: community.docker's own integration test files run against berth.docker (see
docs/peer-tests.md and tests/support/peer.py). One test per peer file: every task that is not listed
in tests/peer/known_failures.yml must pass, and the file must have run at least its minimum number of
tasks (so that a broken rewrite or setup cannot pass by running nothing).

The files of one target run in one playbook, as in the peer (its setup and cleanup around them): the
first test of a target runs them all, the others read their part of that run."""

import fcntl
import os
import uuid

import pytest

from tests.support import peer

_RUNS = {}
# pytest-xdist may hand the files of one target to both workers: the first to get there runs the target
# (one target at a time across workers, under a file lock: the targets share stand-in images, host
# ports and subnets), the other reads the saved results of this same session instead of running it again
_SESSION = os.environ.get('PYTEST_XDIST_TESTRUNUID') or uuid.uuid4().hex
_LOCK = os.path.join(peer.ROOT, '.berth', 'peer.lock')


def _run_once(target):
    os.makedirs(os.path.dirname(_LOCK), exist_ok=True)
    with open(_LOCK, 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            units = [peer.unit_id(target, p) for p in peer.target_units(target)]
            saved = dict((unit, peer.load_saved(unit)) for unit in units)
            if all(r is not None and r.get('session') == _SESSION for r in saved.values()):
                return saved
            results = peer.run_target(target)
            for result in results.values():
                result['session'] = _SESSION
                peer.save(result)
            return results
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.parametrize('target,path,minimum', peer.units(),
                         ids=[peer.unit_id(t, p) for t, p, _m in peer.units()])
def test_peer_file(engine, target, path, minimum):
    if target not in _RUNS:
        _RUNS[target] = _run_once(target)
    result = _RUNS[target][peer.unit_id(target, path)]
    known = peer.known_failures().get(result['unit']) or {}
    tasks = result['tasks']
    ran = sum(1 for t in tasks.values() if t['status'] in ('passed', 'failed'))
    regressions = {key: t['reason'] for key, t in tasks.items()
                   if t['status'] in ('failed', 'not-run') and key not in known}
    assert not regressions, '%s: tasks not in known_failures.yml that fail (or were not reached):\n%s\n%s' % (
        result['unit'], '\n'.join('  %s: %s' % item for item in regressions.items()), result['output_tail'])
    assert ran >= minimum, '%s ran only %d tasks (expected at least %d):\n%s' % (
        result['unit'], ran, minimum, result['output_tail'])


@pytest.mark.parametrize('cond,expected', [
    ("published_ports_1.msg == 'Cannot find closing \"]\" in input'", 'published_ports_1 is failed'),
    ("'The mount point \"/tmp\" appears twice' in volumes_6.msg", 'volumes_6 is failed'),
    ("('API version is ' ~ v ~ '.') in r.msg and 'Minimum version required is 1.41 ' in r.msg",
     'r is failed and r is failed'),
    ('healthy_2.msg.startswith("Timeout of 1.0 seconds")', 'healthy_2 is failed'),
    ('result.msg in [\n  "missing parameter(s) required by \'content\': mode",\n]\n', 'result is failed\n'),
    ("x is changed or (x is failed and 'error mounting' in x.msg)", 'x is changed or (x is failed and x is failed)'),
    # left alone: negative checks, and what is not about the message
    ("k is not failed or 'kernel memory' not in k.msg", "k is not failed or 'kernel memory' not in k.msg"),
    ("'foo' in (x.warnings | default([]))", "'foo' in (x.warnings | default([]))"),
    ('result.container.Name == "/x"', 'result.container.Name == "/x"'),
])
def test_message_wording_rewrite(cond, expected):
    assert peer.rewrite_condition(cond)[0] == expected


@pytest.mark.parametrize('key,expected', [
    ('docker_container', 'berth.docker.container'),
    ('community.docker.docker_container', 'berth.docker.container'),
    ('community.general.docker_container', 'berth.docker.container'),
    ('docker_image_info', 'berth.docker.image_info'),
    ('docker_container_exec', 'berth.docker.exec'),
    ('docker_container_copy_into', 'berth.docker.container_copy_into'),
    ('assert', None),
])
def test_module_names(key, expected):
    assert peer.berth_module(key) == expected
