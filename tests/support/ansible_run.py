"""Run real ansible-playbook processes against the checkout and read back every task result.

Every integration test goes through here: it writes a playbook to a temporary file, runs
``ansible-playbook`` with the repository's ansible.cfg (so ``berth.docker.*`` resolves from
the checkout), and returns a :class:`Run` with the recorded results.
"""

import json
import os
import subprocess
import sys
import tempfile

import yaml

from tests.support.ansible_fork import ForkServer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CALLBACK_DIR = os.path.join(ROOT, 'tests', 'support', 'callback')
BIN = os.path.dirname(sys.executable)


def ansible_env(extra=None):
    env = dict(os.environ)
    env.update({
        'ANSIBLE_CONFIG': os.path.join(ROOT, 'ansible.cfg'),
        'ANSIBLE_COLLECTIONS_PATH': os.path.join(ROOT, 'collections'),
        'ANSIBLE_CALLBACK_PLUGINS': CALLBACK_DIR,
        'ANSIBLE_CALLBACKS_ENABLED': 'berth_record',
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_FORCE_COLOR': '0',
        'ANSIBLE_DEPRECATION_WARNINGS': '0',
        'ANSIBLE_LOCALHOST_WARNING': '0',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': '0',
        'PATH': BIN + os.pathsep + env.get('PATH', ''),
    })
    env.update(extra or {})
    return env


class Run:
    """One ansible-playbook run: rc, output, and the recorded task results."""

    def __init__(self, rc, output, records):
        self.rc = rc
        self.output = output
        self.records = records

    def __repr__(self):
        return '<Run rc=%s tasks=%d>' % (self.rc, len(self.records))

    @property
    def changed(self):
        """Names of the tasks that reported changed."""
        return [r['task'] for r in self.records if r['result'].get('changed')]

    @property
    def failed(self):
        return [r for r in self.records if r['status'] in ('failed', 'unreachable')]

    def task(self, name, host=None):
        """The result dict of the (last) task called ``name``."""
        found = [r for r in self.records if r['task'] == name and (host is None or r['host'] == host)]
        if not found:
            raise AssertionError('no task %r in run; tasks: %s\n%s' % (
                name, [r['task'] for r in self.records], self.output[-3000:]))
        return found[-1]['result']

    def status(self, name, host=None):
        found = [r for r in self.records if r['task'] == name and (host is None or r['host'] == host)]
        return found[-1]['status'] if found else None

    def assert_ok(self):
        assert self.rc == 0 and not self.failed, 'playbook failed (rc=%s):\n%s' % (self.rc, self.output[-6000:])
        return self


_FORK = None


def _fork_server():
    """The fork server of this test process (tests/support/ansible_fork.py), or None: tests/conftest.py turns
    it on (BERTH_ANSIBLE_FORK=1) unless BERTH_ANSIBLE_FORK=0 is set; elsewhere (benchmarks, tools) every
    run is a process of its own."""
    global _FORK
    if os.environ.get('BERTH_ANSIBLE_FORK') != '1':
        return None
    if _FORK is None:
        _FORK = ForkServer(sys.executable, ansible_env())
    return _FORK


def _run(cmd, env, timeout, tmp):
    """(rc, output) of ansible-playbook ``cmd``: forked from the fork server when it can take the run,
    else a process of its own."""
    server = _fork_server()
    if server is not None and server.usable_for(env):
        out = os.path.join(tmp, 'output.txt')
        rc = server.run(cmd, env, ROOT, out, timeout)
        if rc is not None:
            with open(out, 'rb') as handle:
                return rc, handle.read()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=timeout, check=False)
    return proc.returncode, proc.stdout


def run_playbook(plays, check=False, diff=False, extra_vars=None, inventory=None, limit=None,
                 env=None, timeout=900, args=None):
    """Run ``plays`` (a list of plays, or a path to a playbook) and return a Run."""
    with tempfile.TemporaryDirectory(prefix='berth-run-') as tmp:
        if isinstance(plays, str):
            path = plays
        else:
            path = os.path.join(tmp, 'play.yml')
            with open(path, 'w') as handle:
                yaml.safe_dump(plays, handle, sort_keys=False)
        record = os.path.join(tmp, 'record.json')
        cmd = [os.path.join(BIN, 'ansible-playbook'), path,
               '-i', inventory or os.path.join(ROOT, 'inventory', 'local.yml')]
        if check:
            cmd.append('--check')
        if diff:
            cmd.append('--diff')
        if limit:
            cmd += ['--limit', limit]
        if extra_vars:
            cmd += ['-e', json.dumps(extra_vars)]
        cmd += list(args or [])
        rc, output = _run(cmd, ansible_env(dict(env or {}, BERTH_RECORD=record)), timeout, tmp)
        records = []
        if os.path.exists(record):
            with open(record) as handle:
                records = json.load(handle)
        return Run(rc, output.decode('utf-8', 'replace'), records)


def play(tasks, hosts='localhost', vars=None, gather_facts=False, **extra):
    """A one-play playbook around ``tasks``."""
    p = {'name': 'berth test', 'hosts': hosts, 'gather_facts': gather_facts, 'tasks': tasks}
    if vars:
        p['vars'] = vars
    p.update(extra)
    return [p]


def run_tasks(tasks, **kwargs):
    """Run ``tasks`` on localhost (see run_playbook for kwargs)."""
    play_kwargs = {k: kwargs.pop(k) for k in ('hosts', 'vars', 'gather_facts', 'module_defaults') if k in kwargs}
    return run_playbook(play(tasks, **play_kwargs), **kwargs)


def four_step(tasks, diff=False, expect_changed=True, **kwargs):
    """The idempotence pattern every scenario runs: check mode, real run, check mode
    again, real run again. The first two must report a change (unless ``expect_changed``
    is false), the last two none; nothing may fail. Returns the four runs."""
    runs = []
    for step, check in (('check', True), ('real', False), ('check again', True), ('real again', False)):
        run = run_tasks(tasks, check=check, diff=diff, **kwargs)
        assert run.rc == 0 and not run.failed, '%s run failed:\n%s' % (step, run.output[-6000:])
        runs.append(run)
    if expect_changed:
        assert runs[0].changed, 'check mode predicted no change:\n' + runs[0].output[-4000:]
        assert runs[1].changed, 'the real run changed nothing:\n' + runs[1].output[-4000:]
        assert runs[0].changed == runs[1].changed, (
            'check mode predicted changes in %s, the real run changed %s' % (runs[0].changed, runs[1].changed))
    assert not runs[2].changed, 'check mode after the real run still predicts changes in %s:\n%s' % (
        runs[2].changed, runs[2].output[-4000:])
    assert not runs[3].changed, 'second real run not idempotent, changed: %s\n%s' % (
        runs[3].changed, runs[3].output[-4000:])
    return runs
