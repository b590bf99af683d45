"""The peer tier: community.docker's own integration test files run against berth.docker (see
docs/peer-tests.md and tests/support/peer.py). One test per peer file: every task that is not listed
in tests/peer/known_failures.yml must pass, and the file must have run at least its minimum number of
tasks (so that a broken rewrite or setup cannot pass by running nothing)."""

import pytest

from tests.support import peer

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.mark.parametrize('target,path,minimum', peer.units(),
                         ids=[peer.unit_id(t, p) for t, p, _m in peer.units()])
def test_peer_file(engine, target, path, minimum):
    result = peer.run_unit(target, path)
    known = peer.known_failures().get(result['unit']) or {}
    tasks = result['tasks']
    ran = sum(1 for t in tasks.values() if t['status'] in ('passed', 'failed'))
    regressions = {key: t['reason'] for key, t in tasks.items()
                   if t['status'] in ('failed', 'not-run') and key not in known}
    assert not regressions, '%s: tasks not in known_failures.yml that fail (or were not reached):\n%s\n%s' % (
        result['unit'], '\n'.join('  %s: %s' % item for item in regressions.items()), result['output_tail'])
    assert ran >= minimum, '%s ran only %d tasks (expected at least %d):\n%s' % (
        result['unit'], ran, minimum, result['output_tail'])
