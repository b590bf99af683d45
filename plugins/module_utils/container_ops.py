# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Container operations on the engine, shared by the container, compose and exec code: one
engine call (or one short loop) each, no planning and no module parameters.

Public functions (``client`` is an api.EngineClient; ``what`` names the object in an engine
error's message, as the caller wants it worded):

- ``inspect_container(client, name)`` -> inspect data, or None when no container is called
  exactly ``name`` (a container found by an ID prefix does not count).
- ``stop_timeout(container, override=None)`` -> seconds: ``override``, else the container's own
  Config.StopTimeout, else DEFAULT_STOP_TIMEOUT.
- ``stop(client, container_id, timeout, what=None)``: stop (its stop signal, then SIGKILL after
  ``timeout`` seconds); the HTTP call waits long enough for that.
- ``restart(client, container_id, timeout, what=None)``: the same for a restart.
- ``start(client, container_id, what=None)``: start.
- ``kill(client, container_id, signal=None, what=None)``: send ``signal`` (default SIGKILL).
- ``remove(client, container_id, volumes=False, what=None, wait=False, wait_timeout=None)``:
  force-remove; a container already gone is fine, and so is a removal already in progress; with
  ``wait`` it returns only once the container is gone (wait_removed).
- ``wait_removed(client, name, timeout)``: poll until no container answers to ``name``;
  DockerError after ``timeout`` seconds (None: 60).
- ``wait_exit(client, container_id, what=None)`` -> exit code: block until the container exits.
- ``stopped(data)`` -> whether inspect data shows a container stopped for good (not running,
  not restarting, not merely created).
- ``wait_for(client, container_id, condition, deadline, poll=0.5)`` -> (outcome, data): the one
  loop that watches a container's state; see its docstring for the conditions and outcomes.
- ``logs(client, container_id, tail=None, since=None, tty=False)`` -> (stdout, stderr) text of
  the container's log (all, or the last ``tail`` lines, since a unix time). Engine errors propagate.
- ``decode_output(raw, tty=False)`` -> (stdout, stderr) text of a logs, attach or exec stream:
  the one decoder of the engine's output streams.
- ``logs_tail(client, container_id, lines=20, tty=False)`` -> the last lines of stdout and
  stderr as one text; '' when the engine cannot give them.
- ``exit_explanation(client, container)`` -> a sentence on why a container is not running.
- ``health_status(container)`` -> 'starting' / 'healthy' / 'unhealthy', or None without a
  healthcheck. ``health_log(container, lines=3)`` -> its last checks as one line.
- ``Replacement(client, old, name, remove_volumes=False)``: the context manager that replaces a
  container and puts the old one back on any failure inside the block.
"""

import time

from ansible_collections.berth.docker.plugins.module_utils.api import split_frames
from ansible_collections.berth.docker.plugins.module_utils.errors import BerthError, Conflict, DockerError, NotFound

DEFAULT_STOP_TIMEOUT = 10
# seconds the HTTP call of a stop or restart waits beyond the stop timeout
STOP_GRACE = 30
# a container's own run (wait, exec) takes as long as it takes
UNBOUNDED = 10 ** 6


def inspect_container(client, name):
    """The container called exactly ``name`` (one GET), or None. The engine also matches ID
    prefixes; a container found that way under another name does not count."""
    data = client.inspect('container', name)
    if data is None:
        return None
    if data.get('Name') != '/' + name:
        return None  # another container whose ID starts with ``name``: never touch it
    return data


def stop_timeout(container, override=None):
    """The seconds a stop waits before it kills: ``override``, else the container's own
    StopTimeout, else the engine's default of 10."""
    if override is not None:
        return override
    value = ((container or {}).get('Config') or {}).get('StopTimeout')
    return value if value is not None else DEFAULT_STOP_TIMEOUT


def _stop_call_timeout(client, timeout):
    return max(client.config.timeout, timeout + STOP_GRACE)


def stop(client, container_id, timeout, what=None):
    """Stop the container: its stop signal, then SIGKILL after ``timeout`` seconds."""
    client.post('/containers/%s/stop' % container_id, params={'t': timeout},
                timeout=_stop_call_timeout(client, timeout), what=what)


def restart(client, container_id, timeout, what=None):
    """Restart the container (a stop with ``timeout``, then a start)."""
    client.post('/containers/%s/restart' % container_id, params={'t': timeout},
                timeout=_stop_call_timeout(client, timeout), what=what)


def start(client, container_id, what=None):
    client.post('/containers/%s/start' % container_id, what=what)


def kill(client, container_id, signal=None, what=None):
    """Send ``signal`` (the engine's default: SIGKILL) to the container's main process; a
    container that is not running is fine."""
    try:
        client.post('/containers/%s/kill' % container_id, params={'signal': signal} if signal else None, what=what)
    except Conflict as exc:
        if 'is not running' not in exc.msg:
            raise


def remove(client, container_id, volumes=False, what=None, wait=False, wait_timeout=None):
    """Force-remove the container (with its anonymous volumes when ``volumes``). Gone already
    is fine, and so is a removal the engine has in progress; with ``wait``, return only once
    the engine no longer shows it (wait_removed with ``wait_timeout``)."""
    try:
        client.delete('/containers/%s' % container_id, params={'force': True, 'v': bool(volumes)}, what=what)
    except NotFound:
        return
    except Conflict as exc:
        if 'already in progress' not in exc.msg:
            raise
    if wait:
        wait_removed(client, container_id, wait_timeout)


def wait_removed(client, name, timeout):
    """Poll until no container answers to ``name``; DockerError after ``timeout`` s (None: 60)."""
    deadline = time.time() + (timeout if timeout is not None else 60)
    while True:
        if client.inspect('container', name) is None:
            return
        if time.time() > deadline:
            raise DockerError('container %s is still being removed after %s s; raise removal_wait_timeout' % (name, timeout))
        time.sleep(0.2)


def wait_exit(client, container_id, what=None):
    """Block until the container exits (POST /wait); its exit code."""
    answer = client.post('/containers/%s/wait' % container_id, timeout=UNBOUNDED, what=what) or {}
    return answer.get('StatusCode')


def stopped(data):
    """Whether the container has stopped for good: not running, not restarting, and not merely
    created (a created container has not been started yet)."""
    state = (data or {}).get('State') or {}
    return not state.get('Running') and not state.get('Restarting') and state.get('Status') != 'created'


def wait_for(client, container_id, condition, deadline, poll=0.5):
    """The one loop that watches a container: inspect it every ``poll`` seconds until
    ``condition`` is decided or ``deadline`` (a time.time() value) passes.

    ``condition``:

    - ``'healthy'``: ends when it is healthy, or running (not restarting) without a healthcheck,
      or stopped (see stopped()).
    - ``'exited'``: ends when it has stopped.

    Returns (outcome, data), data the last inspect (None when gone):

    - ``'healthy'``: its healthcheck passes;
    - ``'running'``: it runs and has no healthcheck (the caller decides whether that is enough);
    - ``'exited'``: it stopped (State.ExitCode says how);
    - ``'gone'``: the container no longer exists;
    - ``'timeout'``: the deadline passed first.

    Raises nothing of its own; the caller words the message for its outcome."""
    if condition not in ('healthy', 'exited'):
        raise ValueError('unknown condition %r' % (condition,))
    while True:
        data = client.inspect('container', container_id)
        if data is None:
            return 'gone', None
        if stopped(data):
            return 'exited', data
        if condition == 'healthy':
            state = data.get('State') or {}
            status = health_status(data)
            if state.get('Running') and not state.get('Restarting'):
                if status is None:
                    return 'running', data
                if status == 'healthy':
                    return 'healthy', data
        if time.time() > deadline:
            return 'timeout', data
        time.sleep(poll)


def logs(client, container_id, tail=None, since=None, tty=False):
    """(stdout, stderr) of the container's log as text: all of it, or the last ``tail`` lines,
    since the unix time ``since``. With ``tty`` the log is one stream (stderr is ''). Engine
    errors propagate."""
    params = {'stdout': 1, 'stderr': 1}
    if tail is not None and tail >= 0:
        params['tail'] = tail
    if since:
        params['since'] = since
    return decode_output(client.get('/containers/%s/logs' % container_id, params=params), tty)


def read_all(reader):
    """Everything an attached stream (exec, attach) sends until it closes, as bytes."""
    chunks = []
    while True:
        chunk = reader.read1(65536) if hasattr(reader, 'read1') else reader.read(65536)
        if not chunk:
            break
        chunks.append(chunk)
    return b''.join(chunks)


def decode_output(raw, tty=False):
    """(stdout, stderr) text of an attach, logs or exec stream: one stream as is with ``tty``,
    else the engine's multiplexed frames split apart."""
    if not raw or isinstance(raw, (dict, list)):
        return '', ''
    if isinstance(raw, str):
        raw = raw.encode()
    out, err = (raw, b'') if tty else split_frames(raw)
    return out.decode('utf-8', 'replace'), err.decode('utf-8', 'replace')


def logs_tail(client, container_id, lines=20, tty=False):
    """The last ``lines`` of a container's stdout and stderr (interleaved for a tty); '' when
    the engine cannot give them."""
    try:
        out, err = logs(client, container_id, tail=lines, tty=tty)
    except DockerError:
        return ''
    return out + err


def exit_explanation(client, container):
    """A sentence on why a container is not running: exit code, OOM, error, last log lines."""
    st = container.get('State') or {}
    parts = ['container %s exited with code %s' % (container.get('Name', '').lstrip('/'), st.get('ExitCode'))]
    if st.get('OOMKilled'):
        parts.append('it was killed for running out of memory (raise memory)')
    if st.get('Error'):
        parts.append('engine error: %s' % st['Error'])
    if st.get('ExitCode') == 0:
        parts.append('its command ended; a container runs only as long as its main process '
                     '(give a command that stays in the foreground, for example a server with daemon off)')
    tail = logs_tail(client, container['Id'], 10, bool((container.get('Config') or {}).get('Tty'))).strip()
    parts.append('last log lines:\n%s' % tail if tail else 'it logged nothing')
    return '; '.join(parts)


def health_status(container):
    """'starting' / 'healthy' / 'unhealthy', or None when the container has no healthcheck."""
    health = (container.get('State') or {}).get('Health')
    return health.get('Status') if health else None


def health_log(container, lines=3):
    """The last ``lines`` health checks, as 'exit CODE: output | ...'."""
    health = (container.get('State') or {}).get('Health') or {}
    entries = health.get('Log') or []
    return ' | '.join('exit %s: %s' % (e.get('ExitCode'), (e.get('Output') or '').strip()) for e in entries[-lines:])


class Replacement:
    """Replace container ``old`` (its inspect data) by a new one under the same ``name`` without
    losing it when any step fails, early or late. Use it as a context manager around the whole
    replacement::

        with Replacement(client, old, name) as replacement:
            new_id = replacement.create(lambda adopt: make(..., on_created=adopt))
            replacement.stop_old(lambda: stop(old))
            ...  # start, connect networks, wait for health: anything that raises is undone

    The old container is renamed aside (it keeps running) while the new one is created, stopped
    only once the new one exists, and removed only when the block ends without an error. Any
    error inside the block (create, network connect, start, health wait, an exit) removes the new
    container, gives the old one its name back and starts it again if it ran: the same container
    (same ID) as before. The error raised carries the original cause first, then what was put
    back (or what could not be, and how to finish by hand). The temporary name is the one
    docker-compose uses (``<short id>_<name>``)."""

    def __init__(self, client, old, name, remove_volumes=False):
        self.client = client
        self.old_id = old['Id']
        self.name = name
        self.temp = '%s_%s' % (self.old_id[:12], name)
        self.was_running = bool((old.get('State') or {}).get('Running'))
        self.remove_volumes = remove_volumes
        self.renamed = False
        self.stopped = False
        self.new_id = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, _tb):
        if exc_type is None:
            self.finish()
            return False
        if not issubclass(exc_type, Exception):
            return False  # interpreter exit: nothing sensible to do
        error = self.rollback(exc)
        if isinstance(exc, BerthError):
            raise error from exc
        return False  # a bug: the old container is back, the traceback shows where

    def adopt(self, new_id):
        """Note the new container as soon as the engine made it (before its networks are
        connected or it is started), so that any failure after that removes it."""
        self.new_id = new_id

    def create(self, create):
        """Rename the old container aside and call ``create(adopt)``, which returns the new ID
        (and calls ``adopt(id)`` as soon as the container exists)."""
        self.client.post('/containers/%s/rename' % self.old_id, {'name': self.temp}, what='renaming container %s' % self.name)
        self.renamed = True
        self.new_id = create(self.adopt)
        return self.new_id

    def stop_old(self, stop_it):
        """Call ``stop_it()`` to stop the old container, if it ran."""
        if self.was_running:
            self.stopped = True  # set first: a stop that fails half-way is undone as well
            stop_it()

    def rollback(self, exc):
        """Put things back as they were before the replacement; return the DockerError to
        raise: the original cause, then what was done."""
        cause = exc.msg if isinstance(exc, BerthError) else '%s: %s' % (type(exc).__name__, exc)
        problems = []
        removed = False
        if self.new_id is not None:
            try:
                self.client.delete('/containers/%s' % self.new_id, {'force': True},
                                   what='removing the new container %s' % self.new_id[:12])
                removed = True
            except NotFound:
                removed = True
            except DockerError as err:
                problems.append(err.msg)
        if self.renamed:
            try:
                self.client.post('/containers/%s/rename' % self.old_id, {'name': self.name},
                                 what='renaming container %s back to %s' % (self.temp, self.name))
                self.renamed = False
            except DockerError as err:
                problems.append(err.msg)
        restarted = False
        if self.was_running:
            data = self.client.inspect('container', self.old_id) if not problems else None
            if data is not None and not (data.get('State') or {}).get('Running'):
                try:
                    self.client.post('/containers/%s/start' % self.old_id,
                                     what='starting the previous container %s' % self.name)
                    restarted = True
                except DockerError as err:
                    problems.append(err.msg)
        new = ' (the new container %s was removed)' % self.new_id[:12] if removed else ''
        if problems:
            steps = []
            if self.new_id is not None and not removed:
                steps.append('docker rm -f %s' % self.new_id[:12])
            if self.renamed:
                steps.append('docker rename %s %s' % (self.temp, self.name))
            if self.was_running:
                steps.append('docker start %s' % self.name)
            return DockerError('%s. Putting the previous container %s (%s) back failed: %s. Finish by hand: %s'
                               % (cause, self.name, self.old_id[:12], '; '.join(problems), ', then '.join(steps)))
        if self.stopped or restarted:
            return DockerError('%s; the previous container %s was put back and runs again (the same container, %s)%s'
                               % (cause, self.name, self.old_id[:12], new))
        return DockerError('%s. The previous container %s was left as it was%s' % (cause, self.name, new))

    def finish(self):
        """Remove the old container (the new one is in place)."""
        try:
            self.client.delete('/containers/%s' % self.old_id, {'force': True, 'v': bool(self.remove_volumes)},
                               what='removing the previous container %s' % self.temp)
        except NotFound:
            pass
