# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Container orchestration for berth.docker.container: look the container up (one
``GET /containers/{name}/json``), plan with the pure helpers of container_spec, then act
(create / recreate / update / connect / start / stop / restart / remove), unless in check
mode. Also the engine operations other rooms reuse (pull_image, wait_removed, logs_tail,
exit_explanation)."""

import contextlib
import time
from urllib.parse import quote

from ansible_collections.berth.docker.plugins.module_utils import container_spec as cs
from ansible_collections.berth.docker.plugins.module_utils.api import APIError, Conflict, DockerError, NotFound, split_frames
from ansible_collections.berth.docker.plugins.module_utils.compose.labels import LABEL_PROJECT
from ansible_collections.berth.docker.plugins.module_utils.container_spec import SpecError

# the module options that describe the container (passed to container_spec)
CONTAINER_OPTIONS = tuple(sorted(set(cs.OPTIONS) | set(['env_file'])))
START_GRACE = 0.5  # seconds to watch a freshly started container for an immediate exit
DEFAULT_STOP_TIMEOUT = 10


def _q(name):
    return quote(name, safe='')


def inspect_container(client, name):
    """The container called exactly ``name`` (one GET), or None. The engine also matches ID
    prefixes; a container found that way under another name does not count."""
    data = client.inspect('container', name)
    if data is None:
        return None
    if data.get('Name') != '/' + name:
        return None  # another container whose ID starts with ``name``: never touch it
    return data


def pull_image(client, image, what='image'):
    """Pull ``image`` (image.pull: the credentials config.json holds for its registry, see
    berth.docker.login); raise SpecError naming ``what`` on failure."""
    # imported here: a run with nothing to pull (the common case) does not compile the image,
    # build-context and registry code, which is most of a no-op run's start-up time
    from ansible_collections.berth.docker.plugins.module_utils import image as image_room  # pylint: disable=import-outside-toplevel
    from ansible_collections.berth.docker.plugins.module_utils import image_ref  # pylint: disable=import-outside-toplevel
    try:
        ref = image_ref.resolve(image)
    except ValueError as exc:
        raise SpecError(what, str(exc))
    try:
        return image_room.pull(client, ref, force=True)[0]
    except DockerError as exc:
        raise SpecError(what, 'cannot pull %s: %s. Check the name and tag; for a private registry log in first '
                        '(berth.docker.login); for an image made here build it first (berth.docker.image) and '
                        'use pull: never or missing' % (image, exc.msg))


def resolve_image(client, image, pull, check_mode):
    """(image_info or None, pulled: bool). In check mode a pull is predicted, not done."""
    info = client.inspect('image', image)
    if pull == 'never':
        if info is None:
            raise SpecError('image', '%s is not present on the engine and pull is never; build or pull it first '
                            '(berth.docker.image), or set pull: missing' % image)
        return info, False
    if pull == 'missing' and info is not None:
        return info, False
    if check_mode:
        return info, info is None
    new = pull_image(client, image)
    return new, info is None or new.get('Id') != info.get('Id')


def logs_tail(client, container_id, lines=20, tty=False):
    """The last ``lines`` of a container's stdout and stderr (interleaved for a tty)."""
    try:
        raw = client.get('/containers/%s/logs' % container_id, params={'stdout': 1, 'stderr': 1, 'tail': lines})
    except DockerError:
        return ''
    if not raw:
        return ''
    if isinstance(raw, str):
        raw = raw.encode()
    if tty:
        return raw.decode('utf-8', 'replace')
    out, err = split_frames(raw)
    text = out.decode('utf-8', 'replace')
    if err:
        text += err.decode('utf-8', 'replace')
    return text


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


def wait_removed(client, name, timeout):
    deadline = time.time() + (timeout if timeout is not None else 60)
    while True:
        if client.inspect('container', name) is None:
            return
        if time.time() > deadline:
            raise DockerError('container %s is still being removed after %s s; raise removal_wait_timeout' % (name, timeout))
        time.sleep(0.2)


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
        if isinstance(exc, DockerError):
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

    def stop_old(self, stop):
        if self.was_running:
            self.stopped = True  # set first: a stop that fails half-way is undone as well
            stop()

    def rollback(self, exc):
        """Put things back as they were before the replacement; return the DockerError to
        raise: the original cause, then what was done."""
        cause = exc.msg if isinstance(exc, DockerError) else '%s: %s' % (type(exc).__name__, exc)
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


def health_status(container):
    health = (container.get('State') or {}).get('Health')
    return health.get('Status') if health else None


def health_log(container, lines=3):
    health = (container.get('State') or {}).get('Health') or {}
    entries = health.get('Log') or []
    return ' | '.join('exit %s: %s' % (e.get('ExitCode'), (e.get('Output') or '').strip()) for e in entries[-lines:])


class ContainerManager:
    """One run of berth.docker.container."""

    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.p = module.params
        self.name = self.p['name']
        self.check = module.check_mode
        self.actions = []
        self.replacement = None  # the old container while a recreate is under way
        self.diff = {'before': {}, 'after': {}}
        self.result = {'changed': False}

    # -- engine steps -----------------------------------------------------------------

    def stop_timeout(self, container):
        if self.p.get('stop_timeout') is not None:
            return self.p['stop_timeout']
        value = (container.get('Config') or {}).get('StopTimeout') if container else None
        return value if value is not None else DEFAULT_STOP_TIMEOUT

    def _long(self, seconds):
        return max(self.client.config.timeout, seconds + 30)

    def do_stop(self, container):
        t = self.stop_timeout(container)
        self.client.post('/containers/%s/stop' % container['Id'], params={'t': t}, timeout=self._long(t),
                         what='container %s' % self.name)

    def do_remove(self, container):
        try:
            self.client.delete('/containers/%s' % container['Id'],
                               params={'force': True, 'v': not self.p.get('keep_volumes', True)},
                               what='container %s' % self.name)
        except NotFound:
            return
        except Conflict as exc:
            if 'already in progress' not in exc.msg:
                raise
        wait_removed(self.client, container['Id'], self.p.get('removal_wait_timeout'))

    def do_create(self, options, image_info):
        body = cs.create_body(options, image_info, self.client.api_version)
        try:
            created = self.client.post('/containers/create', params={'name': self.name}, body=body,
                                       what='container %s' % self.name)
        except Conflict as exc:
            raise DockerError('name: a container called %s already exists (%s); it was created by someone else meanwhile. '
                              'Pick another name, or remove that container first' % (self.name, exc.msg))
        except APIError as exc:
            raise DockerError('creating container %s failed: %s. Check the options named in that message' % (self.name, exc.msg))
        for warning in (created or {}).get('Warnings') or []:
            self.module.warn('engine: %s' % warning)
        return created['Id']

    def do_network(self, container_id, step):
        path = '/networks/%s/%s' % (_q(step['network']), step['action'])
        body = {'Container': container_id}
        if step['action'] == 'connect':
            body['EndpointConfig'] = step['config'] or {}
        try:
            self.client.post(path, body=body, what='network %s' % step['network'])
        except NotFound as exc:
            raise DockerError('networks: network %s does not exist (%s); create it first with berth.docker.network'
                              % (step['network'], exc.msg))

    def do_start(self, container_id):
        self.client.post('/containers/%s/start' % container_id, what='container %s' % self.name)

    # -- the run ----------------------------------------------------------------------

    def options(self):
        raw = dict((k, self.p.get(k)) for k in CONTAINER_OPTIONS if k in self.p)
        return cs.normalize_options(raw)

    def resolve_network_mode(self, options):
        """``container:NAME`` in network_mode, ipc_mode and pid_mode -> ``container:ID``."""
        for key in ('network_mode', 'ipc_mode', 'pid_mode'):
            mode = options.get(key) or ''
            if mode.startswith('container:'):
                other = self.client.inspect('container', mode.split(':', 1)[1])
                if other is None:
                    raise SpecError(key, 'container %s does not exist; start it first' % mode.split(':', 1)[1])
                options[key] = 'container:' + other['Id']

    def run(self):
        p = self.p
        state = p['state']
        container = inspect_container(self.client, self.name)
        if state == 'absent':
            return self.run_absent(container)

        pull = p.get('pull')
        pull = {True: 'always', False: 'missing', None: 'missing'}.get(pull, pull)
        if pull not in ('never', 'missing', 'always'):
            raise SpecError('pull', '%r is not one of never, missing, always' % (pull,))
        options = self.options()
        modes = cs.resolve_comparisons(p.get('comparisons'), p.get('purge_networks'))
        self.resolve_network_mode(options)
        image = options.get('image')
        if image is None:
            if container is None:
                raise SpecError('image', 'is required to create container %s; name an image such as nginx:1.25' % self.name)
            image = (container.get('Config') or {}).get('Image')
            options['image'] = image
            modes['image'] = 'ignore'
        image_info, pulled = resolve_image(self.client, image, pull, self.check)
        if pulled:
            self.actions.append('pull')
        comparisons = dict((k, v) for k, v in modes.items())

        differences = []
        net_steps = []
        if container is not None:
            differences = cs.compare(options, container, image_info, comparisons=comparisons)
            if image_info is None and self.check and modes['image'] != 'ignore':
                differences.append({'option': 'image', 'before': container.get('Image'), 'after': image + ' (to be pulled)',
                                    'update': False})
            net_steps = cs.network_actions(options, container, comparisons=comparisons)
        actions = cs.plan(state, container, differences, net_steps, recreate=p.get('recreate'),
                          restart=p.get('restart'), options=options)
        detach = p.get('detach', True)
        if not detach and state in ('started', 'healthy') and 'start' not in actions and 'restart' not in actions:
            # run to completion: the command runs again on every run, like docker run
            if container is not None and (container.get('State') or {}).get('Running'):
                actions.append('wait')
            else:
                actions.append('start')
        if not detach and p.get('cleanup') and state in ('started', 'healthy'):
            actions.append('remove')
        if container is not None and 'recreate' in actions:
            labels = (container.get('Config') or {}).get('Labels') or {}
            if labels.get(LABEL_PROJECT) and not p.get('recreate'):
                raise DockerError(
                    'name: container %s belongs to the compose project %s (label %s) and its configuration differs (%s); '
                    'it was left untouched. Manage it with berth.docker.compose, choose another name, or set recreate: true '
                    'to take it over' % (self.name, labels[LABEL_PROJECT], LABEL_PROJECT,
                                         ', '.join(d['option'] for d in differences) or 'image'))

        self.actions.extend(actions)
        self.result['changed'] = bool(self.actions)
        self.record_diff(container, differences, actions)
        if self.check or not self.actions:
            if not self.check and state == 'healthy' and container is not None:
                # nothing to change, but the state asks for health: wait for it (no change)
                return self.finish(self.wait_healthy(container['Id']))
            self.result['container'] = container or {}
            return self.finish()

        current = container
        if 'recreate' in actions:
            # every step after the rename (create, connects, start, the health wait) runs inside
            # the replacement: a failure puts the old container back as it was
            self.replacement = Replacement(self.client, container, self.name,
                                           remove_volumes=not p.get('keep_volumes', True))
        with self.replacement or contextlib.nullcontext():
            for action in actions:
                current = self.apply(action, current, options, image_info, differences, net_steps)
        return self.finish(current)

    def create_with_networks(self, options, image_info, on_created=None):
        """Create the container and connect its extra networks; a failed connect removes it again.
        ``on_created(id)`` is told the new ID before the first connect (Replacement.adopt)."""
        cid = self.do_create(options, image_info)
        if on_created is not None:
            on_created(cid)
        try:
            for step in cs.initial_network_actions(options):
                self.do_network(cid, step)
        except DockerError:
            self.client.delete('/containers/%s' % cid, params={'force': True}, what='container %s' % self.name)
            raise
        return cid

    def apply(self, action, current, options, image_info, differences, net_steps):
        client = self.client
        if action == 'create':
            return client.inspect('container', self.create_with_networks(options, image_info))
        if action == 'recreate':
            old = current
            cid = self.replacement.create(lambda adopt: self.create_with_networks(options, image_info, adopt))
            self.replacement.stop_old(lambda: self.do_stop(old))
            return client.inspect('container', cid)
        if action == 'update':
            body = cs.update_body(differences, options, current)
            try:
                client.post('/containers/%s/update' % current['Id'], body=body, what='container %s' % self.name)
            except APIError as exc:
                raise DockerError('updating container %s in place failed: %s; it keeps its old limits. Adjust the limits '
                                  '(memory_swap must stay above memory) or set recreate: true' % (self.name, exc.msg))
            return client.inspect('container', current['Id'])
        if action.startswith('connect:') or action.startswith('disconnect:'):
            kind, net = action.split(':', 1)
            step = [s for s in net_steps + cs.initial_network_actions(options) if s['action'] == kind and s['network'] == net]
            if kind == 'connect' and step:
                self.do_network(current['Id'], step[0])
            elif kind == 'disconnect':
                self.do_network(current['Id'], {'action': 'disconnect', 'network': net, 'config': None})
            return current
        if action == 'start':
            self.do_start(current['Id'])
            return self.after_start(current)
        if action == 'stop':
            self.do_stop(current)
            return client.inspect('container', current['Id'])
        if action == 'restart':
            t = self.stop_timeout(current)
            client.post('/containers/%s/restart' % current['Id'], params={'t': t}, timeout=self._long(t))
            return self.after_start(current)
        if action == 'wait':
            return self.run_to_completion(current)
        if action == 'remove':
            self.do_remove(current)
            return current
        raise DockerError('internal: unknown action %s' % action)

    def after_start(self, current):
        cid = current['Id']
        if not self.p.get('detach', True):
            return self.run_to_completion(current)
        if self.p['state'] == 'healthy':
            return self.wait_healthy(cid)
        deadline = time.time() + START_GRACE
        while True:
            data = self.client.inspect('container', cid)
            if data is None:
                return current
            st = data.get('State') or {}
            if not st.get('Running') and not st.get('Restarting'):
                why = exit_explanation(self.client, data)
                self.module.warn(why)
                self.result['exited'] = {'exit_code': st.get('ExitCode'), 'message': why}
                return data
            if time.time() >= deadline:
                return data
            time.sleep(0.1)

    def wait_healthy(self, cid):
        timeout = self.p.get('healthy_wait_timeout') or 300
        deadline = time.time() + timeout
        while True:
            data = self.client.inspect('container', cid)
            st = (data or {}).get('State') or {}
            if data is None:
                raise DockerError('container %s disappeared while waiting for it to become healthy' % self.name)
            status = health_status(data)
            if status is None and st.get('Running'):
                self.module.warn('container %s has no healthcheck, so state healthy only waits for it to run; '
                                 'add a healthcheck' % self.name)
                return data
            if status == 'healthy':
                return data
            if not st.get('Running') and not st.get('Restarting'):
                raise DockerError('container %s stopped before it became healthy: %s; health checks: %s'
                                  % (self.name, exit_explanation(self.client, data), health_log(data) or 'none ran'))
            if time.time() > deadline:
                raise DockerError('container %s is not healthy after %s s (status %s); last health checks: %s. '
                                  'Fix the service or the healthcheck, or raise healthy_wait_timeout'
                                  % (self.name, timeout, status, health_log(data) or 'none ran yet'))
            time.sleep(0.5)

    def run_to_completion(self, current):
        cid = current['Id']
        answer = self.client.post('/containers/%s/wait' % cid, timeout=10 ** 6, what='container %s' % self.name) or {}
        status = answer.get('StatusCode')
        tty = bool((current.get('Config') or {}).get('Tty'))
        raw = self.client.get('/containers/%s/logs' % cid, params={'stdout': 1, 'stderr': 1}) or b''
        if isinstance(raw, str):
            raw = raw.encode()
        out, err = (raw, b'') if tty else split_frames(raw)
        self.result['status'] = status
        self.result['stdout'] = out.decode('utf-8', 'replace')
        self.result['stderr'] = err.decode('utf-8', 'replace')
        data = self.client.inspect('container', cid) or current
        data = dict(data, Output=self.result['stdout'])
        if status != 0:
            self.result['failed'] = True
            self.result['msg'] = 'container %s exited with status %s: %s' % (
                self.name, status, (self.result['stderr'] or self.result['stdout']).strip()[-2000:] or 'no output')
        return data

    def run_absent(self, container):
        if container is None:
            self.result['container'] = {}
            return self.finish()
        self.actions.append('remove')
        self.result['changed'] = True
        self.diff = {'before': {'state': state_name(container)}, 'after': {'state': 'absent'}}
        if not self.check:
            if (container.get('State') or {}).get('Running') and self.p.get('stop_timeout') is not None:
                self.do_stop(container)
            self.do_remove(container)
        self.result['container'] = {}
        return self.finish(None)

    def record_diff(self, container, differences, actions):
        before, after = {}, {}
        for d in differences:
            before[d['option']] = d['before']
            after[d['option']] = d['after']
        if container is None:
            before['state'] = 'absent'
        else:
            before['state'] = state_name(container)
        if 'start' in actions or 'restart' in actions or (container and before['state'] == 'running' and 'stop' not in actions):
            after['state'] = 'running'
        elif 'stop' in actions or container is None or 'recreate' in actions:
            after['state'] = 'created' if container is None or 'recreate' in actions else 'exited'
        else:
            after['state'] = before['state']
        for step in actions:
            if step.startswith('connect:') or step.startswith('disconnect:'):
                after.setdefault('networks', []).append(step)
        self.diff = {'before': before, 'after': after}

    def finish(self, current=None):
        if current is not None:
            self.result['container'] = current
        self.result['actions'] = self.actions
        if self.module._diff:
            self.result['diff'] = self.diff
        return self.result


def state_name(container):
    st = (container or {}).get('State') or {}
    return st.get('Status') or ('running' if st.get('Running') else 'exited')


def run_container(module, client):
    """berth.docker.container's handler for common.run_module."""
    result = ContainerManager(module, client).run()
    if result.pop('failed', False):
        msg = result.pop('msg')
        module.fail_json(msg=msg, **result)
    return result
