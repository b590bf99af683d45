"""Benchmark: N berth.docker.container tasks with nothing to change, against N
ansible.builtin.ping tasks and N community.docker.docker_container tasks (in its own
virtualenv, .berth/peer-venv), all in the same run. Target: our per-item cost within 1.3x
of ping's. Prints figures and ratios; asserts nothing about absolute times.

Per-item cost is the marginal cost of one loop item, (T(N) - T(1)) / (N - 1), so the fixed
cost of starting ansible-playbook is left out. Each case runs ROUNDS times, interleaved, and
the median is used. The containers are created once (by berth.docker.container) and removed
at the end; community.docker must find them unchanged too (the same option names).

    .venv/bin/python benchmarks/bench_container_noop.py [--items 20] [--rounds 5] [--no-peer]
"""

import argparse
import os
import sys
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from benchmarks.common import (  # noqa: E402
    Playbook,
    ensure_peer_venv,
    loop_task,
    median_times,
    peer_collection_version,
    peer_python,
    per_item,
    play,
    print_table,
    time_playbook,
)
from tests.support.docker_cli import cleanup  # noqa: E402
from tests.support.images import ensure_web  # noqa: E402


def container_args(prefix, image):
    # option names shared by berth.docker.container and community.docker.docker_container
    return {
        'name': '%s{{ item }}' % prefix, 'image': image, 'state': 'started',
        'env': {'APP_MODE': 'bench'}, 'labels': {'org.berth.bench': 'noop'},
        'restart_policy': 'unless-stopped', 'memory': '64m',
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--items', type=int, default=20)
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--no-peer', action='store_true', help='skip community.docker (no peer virtualenv)')
    opts = parser.parse_args()
    n = opts.items
    image = ensure_web()
    prefix = 'berthbench%s-' % uuid.uuid4().hex[:6]
    args = container_args(prefix, image)
    peer_vars = None
    if not opts.no_peer:
        ensure_peer_venv()
        peer_vars = {'ansible_python_interpreter': peer_python()}

    books = {
        'ping': (Playbook(play([loop_task('ansible.builtin.ping', {}, 1)])), Playbook(play([loop_task('ansible.builtin.ping', {}, n)]))),
        'berth': (Playbook(play([loop_task('berth.docker.container', args, 1)])), Playbook(play([loop_task('berth.docker.container', args, n)]))),
    }
    if peer_vars:
        books['peer ping'] = (Playbook(play([loop_task('ansible.builtin.ping', {}, 1)], peer_vars)),
                              Playbook(play([loop_task('ansible.builtin.ping', {}, n)], peer_vars)))
        books['community.docker'] = (Playbook(play([loop_task('community.docker.docker_container', args, 1)], peer_vars)),
                                     Playbook(play([loop_task('community.docker.docker_container', args, n)], peer_vars)))
    try:
        # create the N containers once; then every timed run must change nothing
        time_playbook(books['berth'][1].path)
        time_playbook(books['berth'][1].path, expect_unchanged=True)
        if peer_vars:
            time_playbook(books['community.docker'][1].path, peer=True, expect_unchanged=True)
        cases = {}
        for name, (one, many) in books.items():
            peer = name in ('peer ping', 'community.docker')
            cases[name + ' x1'] = (lambda path=one.path, peer=peer: time_playbook(path, peer=peer, expect_unchanged=True))
            cases[name + ' xN'] = (lambda path=many.path, peer=peer: time_playbook(path, peer=peer, expect_unchanged=True))
        medians = median_times(cases, opts.rounds)
    finally:
        cleanup(prefix)

    costs = dict((name, per_item(medians[name + ' xN'], medians[name + ' x1'], n)) for name in books)
    print('berth.docker.container no-op benchmark: N=%d items, %d rounds (medians)' % (n, opts.rounds))
    if peer_vars:
        print('peer: ansible %s with community.docker %s in %s' % (
            'from PyPI', peer_collection_version() or '?', os.path.dirname(os.path.dirname(peer_python()))))
    rows = []
    for name in books:
        rows.append((name, '%.2f s' % medians[name + ' x1'], '%.2f s' % medians[name + ' xN'], '%.1f ms' % (costs[name] * 1000)))
    print_table(rows, ('case', 'T(1)', 'T(N)', 'per item'))
    print()
    print('ratio berth.docker.container / ping per item: %.2fx (target <= 1.3x)' % (costs['berth'] / costs['ping']))
    if peer_vars:
        print('ratio community.docker.docker_container / ping (same peer ansible) per item: %.2fx'
              % (costs['community.docker'] / costs['peer ping']))
        print('ratio community.docker.docker_container / berth.docker.container per item: %.2fx'
              % (costs['community.docker'] / costs['berth']))


if __name__ == '__main__':
    main()
