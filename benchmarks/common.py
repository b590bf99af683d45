"""Shared helpers for the benchmarks: timing whole ansible-playbook runs, and a peer
virtualenv with the PyPI ``ansible`` package (which bundles community.docker and
community.general) to measure against the peers side by side.

Benchmarks print figures and ratios; they never assert absolute times.

    from benchmarks.common import Playbook, ensure_peer_venv, time_playbook, median_times, per_item
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import venv

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from tests.support.ansible_run import BIN, ansible_env  # noqa: E402

PEER_VENV = os.path.join(ROOT, '.berth', 'peer-venv')
# community.docker talks to the engine through the Docker SDK for Python and requests: they must be
# importable by the interpreter that runs its modules (ansible_python_interpreter)
PEER_PACKAGES = ('ansible', 'requests', 'docker')
INVENTORY = os.path.join(ROOT, 'inventory', 'local.yml')


def peer_python():
    return os.path.join(PEER_VENV, 'bin', 'python')


def peer_bin(name='ansible-playbook'):
    return os.path.join(PEER_VENV, 'bin', name)


def ensure_peer_venv(quiet=True):
    """Create .berth/peer-venv with the PyPI ansible package (community.docker inside) plus
    requests and docker, unless it is already there. Returns its python."""
    marker = os.path.join(PEER_VENV, '.berth-peer-ok')
    if os.path.exists(marker):
        return peer_python()
    if not os.path.exists(peer_python()):
        venv.EnvBuilder(with_pip=True).create(PEER_VENV)
    cmd = [peer_python(), '-m', 'pip', 'install'] + (['-q'] if quiet else []) + list(PEER_PACKAGES)
    subprocess.run(cmd, check=True)
    check = subprocess.run([peer_python(), '-c', 'import docker, requests'], check=False)
    if check.returncode != 0:
        raise SystemExit('the peer virtualenv %s cannot import docker and requests' % PEER_VENV)
    with open(marker, 'w') as handle:
        handle.write('ok\n')
    return peer_python()


def peer_collection_version(name='community.docker'):
    """The version of a collection bundled in the peer virtualenv, or None."""
    proc = subprocess.run([peer_bin('ansible-galaxy'), 'collection', 'list', name, '--format', 'json'],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=False)
    try:
        data = json.loads(proc.stdout)
    except ValueError:
        return None
    for collections in data.values():
        if name in collections:
            return collections[name].get('version')
    return None


class Playbook:
    """A playbook file written to a temporary directory: ``Playbook(plays).path``."""

    def __init__(self, plays, directory=None):
        self.dir = directory or tempfile.mkdtemp(prefix='berth-bench-')
        # a unique file: ``Playbook(...).path`` drops the object at once, so its id() (the name this
        # used before) came back for the next playbook, which then overwrote this one
        fd, self.path = tempfile.mkstemp(prefix='play-', suffix='.json', dir=self.dir)
        with os.fdopen(fd, 'w') as handle:
            json.dump(plays, handle)


def play(tasks, vars=None):
    """One play on localhost, no fact gathering."""
    p = {'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}
    if vars:
        p['vars'] = vars
    return [p]


def loop_task(module, args, count, name='item'):
    """A task that runs ``module`` ``count`` times through a loop."""
    return {'name': name, module: args, 'loop': list(range(count))}


def bench_env(peer=False, extra=None):
    """The environment of a timed run: the project's ansible.cfg without the test recorder
    callback; with ``peer``, the peer virtualenv first on PATH."""
    env = ansible_env()
    env.pop('ANSIBLE_CALLBACKS_ENABLED', None)
    if peer:
        env['PATH'] = os.path.join(PEER_VENV, 'bin') + os.pathsep + env['PATH']
        # the peer's own collections (community.docker) plus ours from the checkout
        env.pop('ANSIBLE_COLLECTIONS_PATH', None)
        env['ANSIBLE_COLLECTIONS_PATH'] = os.path.join(ROOT, 'collections')
    env.update(extra or {})
    return env


def time_playbook(path, peer=False, expect_unchanged=False, extra_args=None):
    """Run a playbook once and return the wall time in seconds. Fails (SystemExit) when the
    run fails or, with ``expect_unchanged``, when it reports a change."""
    binary = peer_bin() if peer else os.path.join(BIN, 'ansible-playbook')
    cmd = [binary, path, '-i', INVENTORY] + list(extra_args or [])
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=bench_env(peer), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit('playbook %s failed:\n%s' % (path, proc.stdout[-4000:]))
    if expect_unchanged and 'changed=0' not in proc.stdout:
        raise SystemExit('a run that should change nothing changed something:\n%s' % proc.stdout[-4000:])
    return elapsed


def median_times(cases, rounds):
    """Run every case ``rounds`` times, interleaved (so drift hits them alike), and return
    {name: median seconds}. ``cases`` maps a name to a callable returning seconds."""
    samples = dict((name, []) for name in cases)
    for _round in range(rounds):
        for name, fn in cases.items():
            samples[name].append(fn())
    return dict((name, statistics.median(values)) for name, values in samples.items())


def per_item(time_n, time_1, n):
    """Marginal cost of one loop item: (T(n) - T(1)) / (n - 1)."""
    return (time_n - time_1) / float(n - 1)


def print_table(rows, headers):
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    line = '  '.join('%-*s' % (w, h) for w, h in zip(widths, headers))
    print(line)
    print('  '.join('-' * w for w in widths))
    for row in rows:
        print('  '.join('%-*s' % (w, c) for w, c in zip(widths, row)))
