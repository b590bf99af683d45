"""Benchmark: berth.docker.compose on a 10-service project with nothing to change, against a
one-task ansible.builtin.ping playbook, measured in the same run (target: within 1.3x).

It brings a 10-service project up once on the real engine, then runs each playbook ROUNDS
times, interleaved (benchmarks.common), and prints the medians, the minimums and their
ratios. Everything it creates is removed. (community.docker.docker_compose_v2 cannot be
measured beside it here: it needs the docker compose CLI plugin, which this machine lacks.)

    .venv/bin/python benchmarks/bench_compose_noop.py [--rounds 7] [--services 10]
"""

import argparse
import os
import statistics
import sys
import tempfile
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from benchmarks.common import Playbook, play, time_playbook  # noqa: E402
from tests.support.images import ensure_busybox  # noqa: E402


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
        options = {'project_name': project, 'project_src': tmp, 'definition': definition}
        up = Playbook(play([{'name': 'compose', 'berth.docker.compose': options}]), tmp).path
        down = Playbook(play([{'name': 'compose', 'berth.docker.compose': dict(options, state='absent')}]), tmp).path
        ping = Playbook(play([{'name': 'ping', 'ansible.builtin.ping': {}}]), tmp).path
        try:
            time_playbook(up)
            compose_times, ping_times = [], []
            for _round in range(args.rounds):
                ping_times.append(time_playbook(ping))
                compose_times.append(time_playbook(up, expect_unchanged=True))
        finally:
            time_playbook(down)
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
