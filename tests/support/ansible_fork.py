"""A fork server for the test suite's ansible-playbook runs (the suite's CPU, not what is tested).

Every integration test runs real ``ansible-playbook`` processes, several per scenario (check, real,
check, real). On the 2-core build machine each one spent about 1.5 s of CPU importing Ansible before
doing anything; over the suite's thousands of runs that was a large part of its wall time. This server
imports ``ansible.cli.playbook`` and the executor once and forks one child per run. The child is a
fresh process in which ansible-playbook's own ``main()`` runs with the run's argv, environment,
working directory and output file, exactly as the installed ``ansible-playbook`` script calls it;
modules still run in their own interpreters on the hosts.

What stays with a separate ``ansible-playbook`` process (``ansible_run.run_playbook`` decides):
- a run whose ``ANSIBLE_*`` environment differs from the server's (Ansible reads its configuration
  when it is imported, so such a run must import it afresh);
- a run while another thread of the same test process already uses the server;
- everything when ``BERTH_ANSIBLE_FORK=0``. Benchmarks never use it (they time real runs).

Protocol, one JSON object per line: the client writes {"argv", "env", "cwd", "out"}; the server forks,
answers {"pid": PID} at once and {"rc": RC} when the child has exited.
"""

import atexit
import json
import os
import random
import signal
import subprocess
import sys
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _ansible_env_of(env):
    return {k: v for k, v in env.items() if k.startswith('ANSIBLE_')}


# ---- server (runs as `python -m tests.support.ansible_fork`, with the suite's ansible environment) ----

def _child(request):
    os.setsid()  # its own process group: a timeout kills the run and everything it started
    os.chdir(request['cwd'])
    os.environ.clear()
    os.environ.update(request['env'])
    random.seed()
    null = os.open(os.devnull, os.O_RDONLY)
    out = os.open(request['out'], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(null, 0)
    os.dup2(out, 1)
    os.dup2(out, 2)
    sys.argv = list(request['argv'])
    code = 1
    try:
        from ansible.cli import playbook  # imported by the server already
        playbook.main(sys.argv)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - reported in the run's output, like a crashing ansible-playbook
        import traceback
        traceback.print_exc()
    finally:
        try:
            # what the interpreter does on exit: Ansible's atexit handlers remove its local temp directory
            atexit._run_exitfuncs()  # pylint: disable=protected-access
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def serve():
    # what every run needs: imported once here, before any fork
    import ansible.cli.playbook  # noqa: F401
    import ansible.executor.playbook_executor  # noqa: F401
    import ansible.executor.process.worker  # noqa: F401
    import ansible.executor.task_executor  # noqa: F401
    import ansible.executor.module_common  # noqa: F401
    import ansible.plugins.strategy.linear  # noqa: F401
    import ansible.plugins.connection.local  # noqa: F401
    import ansible.plugins.connection.ssh  # noqa: F401
    import ansible.plugins.action.normal  # noqa: F401
    import ansible.template  # noqa: F401
    import ansible.vars.manager  # noqa: F401
    import ansible.inventory.manager  # noqa: F401
    channel_in = os.fdopen(os.dup(0), 'r')
    channel_out = os.fdopen(os.dup(1), 'w')
    # the server's own fds 0-2 must not be the client's pipe in the children
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):
        os.dup2(null, fd)
    channel_out.write(json.dumps({'ready': True, 'ansible_env': _ansible_env_of(os.environ)}) + '\n')
    channel_out.flush()
    for line in channel_in:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            channel_in.close()
            channel_out.close()
            _child(request)
        channel_out.write(json.dumps({'pid': pid}) + '\n')
        channel_out.flush()
        _pid, status = os.waitpid(pid, 0)
        channel_out.write(json.dumps({'rc': os.waitstatus_to_exitcode(status)}) + '\n')
        channel_out.flush()


# ---- client -----------------------------------------------------------------------------------------

class ForkServer:
    """One server per test process, started on first use with ``env`` (the suite's ansible environment)."""

    def __init__(self, python, env):
        self._lock = threading.Lock()
        self._env = env
        self._python = python
        self._proc = None
        self._ansible_env = None

    def _start(self):
        self._proc = subprocess.Popen([self._python, '-m', 'tests.support.ansible_fork'], cwd=ROOT, env=self._env,
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        hello = json.loads(self._proc.stdout.readline() or 'null') or {}
        if not hello.get('ready'):
            raise RuntimeError('the ansible fork server did not start')
        self._ansible_env = hello['ansible_env']

    def usable_for(self, env):
        """Whether a run with ``env`` may use the server (its ANSIBLE_* settings are the server's)."""
        return _ansible_env_of(env) == _ansible_env_of(self._env)

    def run(self, argv, env, cwd, out, timeout):
        """Run ansible-playbook ``argv`` in a forked child; its output goes to the file ``out``. Returns
        the exit code, or None when the server is busy (the caller then runs a process of its own).
        Raises subprocess.TimeoutExpired (after killing the run) like subprocess.run."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            if self._proc is None or self._proc.poll() is not None:
                self._start()
            self._proc.stdin.write(json.dumps({'argv': argv, 'env': env, 'cwd': cwd, 'out': out}) + '\n')
            self._proc.stdin.flush()
            pid = json.loads(self._proc.stdout.readline())['pid']
            answer = {}
            reader = threading.Thread(target=lambda: answer.update(json.loads(self._proc.stdout.readline() or '{}')))
            reader.start()
            reader.join(timeout)
            if reader.is_alive():
                try:
                    os.killpg(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                reader.join(30)
                raise subprocess.TimeoutExpired(argv, timeout)
            if 'rc' not in answer:
                raise RuntimeError('the ansible fork server stopped during a run')
            return answer['rc']
        finally:
            self._lock.release()


if __name__ == '__main__':
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C of a test run goes to pytest, which stops us
    serve()
