"""Benchmark: berth.docker.compose on a 10-service project with nothing to change, against a
one-task ansible.builtin.ping playbook, measured in the same run (target: within 1.3x).

Self-contained (benchmarks/common.py did not exist when this was written): it brings a
10-service project up once on the real engine, then runs each playbook ROUNDS times,
interleaved, and prints the medians and their ratio. Everything it creates is removed.

    .venv/bin/python benchmarks/bench_compose_noop.py [--rounds 7] [--services 10]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.support.ansible_run import BIN, ansible_env  # noqa: E402
from tests.support.images import ensure_busybox  # noqa: E402


def playbook(path, tasks):
    with open(path, 'w') as handle:
        json.dump([{'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}], handle)


def run(path, check_unchanged=False):
    env = ansible_env()
    env.pop('ANSIBLE_CALLBACKS_ENABLED', None)
    start = time.perf_counter()
    proc = subprocess.run([os.path.join(BIN, 'ansible-playbook'), path, '-i', os.path.join(ROOT, 'inventory', 'local.yml')],
                          cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit('playbook %s failed:\n%s' % (path, proc.stdout[-3000:]))
    if check_unchanged and 'changed=0' not in proc.stdout:
        raise SystemExit('the no-op compose run changed something:\n%s' % proc.stdout[-3000:])
    return elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--rounds', type=int, default=7)
    parser.add_argument('--services', type=int, default=10)
    args = parser.parse_args()
    busybox = ensure_busybox()
    project = 'berthbench%s' % uuid.uuid4().hex[:6]
    services = dict(('svc%02d' % i, {'image': busybox, 'command': ['sleep', '86400'], 'init': True,
                                     'environment': {'INDEX': str(i)}, 'labels': {'bench': 'yes'}})
                    for i in range(args.services))
    definition = {'services': services}
    with tempfile.TemporaryDirectory(prefix='berth-bench-') as tmp:
        up = os.path.join(tmp, 'up.json')
        down = os.path.join(tmp, 'down.json')
        ping = os.path.join(tmp, 'ping.json')
        options = {'project_name': project, 'project_src': tmp, 'definition': definition}
        playbook(up, [{'name': 'compose', 'berth.docker.compose': options}])
        playbook(down, [{'name': 'compose', 'berth.docker.compose': dict(options, state='absent')}])
        playbook(ping, [{'name': 'ping', 'ansible.builtin.ping': {}}])
        try:
            run(up)
            compose_times, ping_times = [], []
            for _round in range(args.rounds):
                ping_times.append(run(ping))
                compose_times.append(run(up, check_unchanged=True))
        finally:
            run(down)
    compose_median = statistics.median(compose_times)
    ping_median = statistics.median(ping_times)
    ratio = compose_median / ping_median
    print('compose no-op, %d services: median %.2f s (min %.2f, max %.2f) over %d runs'
          % (args.services, compose_median, min(compose_times), max(compose_times), args.rounds))
    print('ansible.builtin.ping:        median %.2f s (min %.2f, max %.2f) over %d runs'
          % (ping_median, min(ping_times), max(ping_times), args.rounds))
    print('ratio compose/ping: %.2fx of the medians (target <= 1.3x): %s; %.2fx of the minimums (less sensitive to '
          'load from other processes)' % (ratio, 'OK' if ratio <= 1.3 else 'ABOVE TARGET', min(compose_times) / min(ping_times)))
    return 0 if ratio <= 1.3 else 1


if __name__ == '__main__':
    sys.exit(main())
