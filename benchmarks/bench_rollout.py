"""Benchmark: a new version rolled out under load on this host, playbooks/rolling_update.yml against a
naive redeploy (site.yml with the new version: the compose project recreates every replica, nothing is
drained in HAProxy first), measured in the same run on the same stack.

It brings up the light web stack of the tests (two busybox-httpd replicas, HAProxy in master-worker mode,
private ports on 127.0.0.1, a random name prefix), then, while ``--workers`` threads send GET / through
HAProxy and record every answer:

1. rolling_update.yml 1 -> 2 (drain, redeploy, wait healthy, enable; one replica at a time);
2. site.yml with version 3 (the naive redeploy).

It prints, per step, the requests answered, the failed ones (an error or a non-200 answer) and the
seconds the playbook took, then the failures of the naive redeploy against the rolling update's. Traffic
goes only to 127.0.0.1. Everything it creates is removed (teardown.yml, then anything with its prefix).
It asserts nothing: the zero-failure promise is tested in tests/integration/test_rolling_update.py.

    .venv/bin/python benchmarks/bench_rollout.py [--workers 4] [--rounds 1]
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.support import docker_cli  # noqa: E402
from tests.support.ansible_run import run_playbook  # noqa: E402
from tests.support.haproxy import Lb, Load  # noqa: E402
from tests.support.images import ensure_busybox, ensure_web  # noqa: E402
from tests.support.web_stack import ROLLING_UPDATE, SITE, TEARDOWN, Stack  # noqa: E402


def under_load(label, port, workers, playbook, extra_vars):
    """Run ``playbook`` while ``workers`` threads load ``port``; the figures of that run."""
    with Load(port, workers=workers) as load:
        time.sleep(1.0)
        before_ok, before_failed = load.ok, len(load.failed)
        started = time.time()
        run = run_playbook(playbook, extra_vars=extra_vars)
        seconds = time.time() - started
        time.sleep(2.0)  # what the last recreated replica answers right after the play
    run.assert_ok()
    failed = load.failed[before_failed:]
    kinds = {}
    for failure in failed:
        key = str(failure).split('(', maxsplit=1)[0]
        kinds[key] = kinds.get(key, 0) + 1
    return {'step': label, 'workers': workers, 'answered': load.ok - before_ok + len(failed),
            'failed': len(failed), 'failures': kinds, 'seconds': round(seconds, 1)}


def one_round(workers):
    prefix = 'berthbench%s-' % uuid.uuid4().hex[:6]
    tmp = tempfile.mkdtemp(prefix='berth-bench-rollout-')
    lb = Lb(os.path.join(tmp, 'lb'))
    os.makedirs(lb.dir)
    stack = Stack(prefix, tmp, lb)
    extra_vars = stack.vars(light=True, web_image=ensure_web(), busybox_image=ensure_busybox())
    try:
        run_playbook(SITE, extra_vars=extra_vars).assert_ok()
        rolling = under_load('rolling_update.yml 1 -> 2', lb.port, workers, ROLLING_UPDATE,
                             dict(extra_vars, web_stack_version='2'))
        naive = under_load('naive: site.yml 2 -> 3', lb.port, workers, SITE, dict(extra_vars, web_stack_version='3'))
        return [rolling, naive]
    finally:
        run_playbook(TEARDOWN, extra_vars=extra_vars)
        lb.stop()
        docker_cli.cleanup(prefix)
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--workers', type=int, default=4, help='load threads (default 4)')
    parser.add_argument('--rounds', type=int, default=1)
    args = parser.parse_args()
    results = []
    for number in range(args.rounds):
        for figures in one_round(args.workers):
            figures['round'] = number + 1
            results.append(figures)
            print(json.dumps(figures))
    print()
    print('%-28s %6s %10s %8s %9s' % ('step', 'round', 'answered', 'failed', 'seconds'))
    for figures in results:
        print('%-28s %6d %10d %8d %9.1f' % (figures['step'], figures['round'], figures['answered'],
                                            figures['failed'], figures['seconds']))
    rolling = sum(f['failed'] for f in results if f['step'].startswith('rolling'))
    naive = sum(f['failed'] for f in results if f['step'].startswith('naive'))
    print('failed requests: rolling update %d, naive redeploy %d%s' % (
        rolling, naive, '' if not rolling else ' (%.1fx)' % (naive / rolling)))


if __name__ == '__main__':
    main()
