# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Container orchestration for berth.docker.container: look the container up (one
``GET /containers/{name}/json``), plan with the pure helpers of container_compare, then act
(create / recreate / update / connect / start / stop / restart / remove), unless in check
mode. The engine operations themselves are container_ops and image_ops."""

import contextlib
import shlex
import time
from urllib.parse import quote

from ansible_collections.berth.docker.plugins.module_utils import container_compare as compare
from ansible_collections.berth.docker.plugins.module_utils import container_ops as ops
from ansible_collections.berth.docker.plugins.module_utils.api_features import check_options
from ansible_collections.berth.docker.plugins.module_utils.compose.labels import LABEL_PROJECT
from ansible_collections.berth.docker.plugins.module_utils.container_body import create_body, create_params, update_body
from ansible_collections.berth.docker.plugins.module_utils.container_ops import Replacement, exit_explanation, health_log, health_status
from ansible_collections.berth.docker.plugins.module_utils.container_options import (
    OPTIONS, REMOVED_IN_API, api_requirements, normalize_options)
from ansible_collections.berth.docker.plugins.module_utils.errors import APIError, BerthError, Conflict, DockerError, NotFound, SpecError
from ansible_collections.berth.docker.plugins.module_utils.image_ops import resolve_image

# the module options that describe the container (container_options)
CONTAINER_OPTIONS = tuple(sorted(set(OPTIONS) | set(['env_file'])))
START_GRACE = 0.5  # seconds to watch a freshly started container for an immediate exit
# container_default_behavior=compatibility: the defaults community.docker's options had before 3.0
COMPATIBILITY_DEFAULTS = dict(auto_remove=False, detach=True, init=False, interactive=False, memory='0', paused=False,
                              privileged=False, read_only=False, tty=False)
# options an engine may accept at create and then drop (a create warning, the field comes back
# unset): checked on the new container, so that such an option fails instead of being ignored
DISCARDABLE = ('blkio_weight', 'cpu_period', 'cpu_quota', 'cpuset_mems', 'kernel_memory', 'memory_swappiness',
               'oom_killer', 'device_read_bps', 'device_write_bps', 'device_read_iops', 'device_write_iops',
               'storage_opts', 'mac_address', 'memory_reservation', 'memory_swap')


def _q(name):
    return quote(name, safe='')


class ContainerManager:
    """One run of berth.docker.container."""

    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.p = dict(module.params)
        if self.p.get('container_default_behavior') == 'compatibility':
            for key, value in COMPATIBILITY_DEFAULTS.items():
                if self.p.get(key) is None:
                    self.p[key] = value
        self.name = self.p['name']
        self.check = module.check_mode
        self.actions = []
        self.replacement = None  # the old container while a recreate is under way
        self.create_warnings = []
        self.diff = {'before': {}, 'after': {}}
        self.result = {'changed': False}

    # -- engine steps -----------------------------------------------------------------

    def stop_timeout(self, container):
        return ops.stop_timeout(container, self.p.get('stop_timeout'))

    def do_stop(self, container):
        if self.p.get('force_kill'):
            ops.kill(self.client, container['Id'], self.p.get('kill_signal'), what='container %s' % self.name)
            return
        ops.stop(self.client, container['Id'], self.stop_timeout(container), what='container %s' % self.name)

    def do_remove(self, container):
        ops.remove(self.client, container['Id'], volumes=not self.p.get('keep_volumes', True),
                   what='container %s' % self.name, wait=True, wait_timeout=self.p.get('removal_wait_timeout'))

    def do_create(self, options, image_info):
        body = create_body(options, image_info, self.client.api_version)
        params = dict(create_params(options), name=self.name)
        try:
            created = self.client.post('/containers/create', params=params, body=body,
                                       what='container %s' % self.name)
        except Conflict as exc:
            raise DockerError('name: a container called %s already exists (%s); it was created by someone else meanwhile. '
                              'Pick another name, or remove that container first' % (self.name, exc.msg))
        except APIError as exc:
            hint = 'Check the options named in that message'
            if 'storage-opt' in exc.msg or 'storage opt' in exc.msg.lower():
                hint = ('storage_opts needs a storage driver that supports it (overlay2 on xfs with pquota, '
                        'devicemapper, btrfs, zfs); remove storage_opts or change the engine\'s storage')
            raise DockerError('creating container %s failed: %s. %s' % (self.name, exc.msg, hint))
        self.create_warnings = list((created or {}).get('Warnings') or [])
        for warning in self.create_warnings:
            self.module.warn('Docker warning: %s' % warning)
        return created['Id']

    def check_honoured(self, cid, options, image_info):
        """Fail when the engine dropped an option it accepted at create (for example a cgroup
        limit the host's kernel does not support): such an option would never be in place."""
        wanted = dict((k, v) for k, v in options.items() if k in DISCARDABLE or k == 'image')
        if len(wanted) < 2:
            return
        created = self.client.inspect('container', cid) or {}
        dropped = [d['option'] for d in compare.compare(wanted, created, image_info, comparisons={'image': 'ignore'})]
        if dropped:
            warnings = '; '.join(self.create_warnings) or 'no warning given'
            raise DockerError('the engine accepted container %s but did not apply %s (engine warnings: %s). The host '
                              '(kernel, cgroup setup or storage driver) cannot honour %s; remove %s or run on a host '
                              'that supports it' % (self.name, ', '.join(dropped), warnings,
                                                    'it' if len(dropped) == 1 else 'them',
                                                    'it' if len(dropped) == 1 else 'them'))

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
        ops.start(self.client, container_id, what='container %s' % self.name)

    # -- the run ----------------------------------------------------------------------

    def options(self):
        p = self.p
        raw = dict((k, p.get(k)) for k in CONTAINER_OPTIONS if k in p)
        if p.get('command_handling') == 'compatibility':
            # community.docker before 3.0: list items joined and split again like a shell; empty means unset
            for key in ('command', 'entrypoint'):
                value = raw.get(key)
                if isinstance(value, list):
                    value = ' '.join(str(v) for v in value)
                if value is not None and not str(value).strip():
                    raw[key] = None
                elif value is not None:
                    raw[key] = shlex.split(str(value))
        if raw.get('networks') and raw.get('network_mode') is None and p.get('networks_cli_compatible') is False:
            raw['network_mode'] = 'default'  # created on the default bridge, the networks connected after
        options = normalize_options(raw)
        host_ip = p.get('default_host_ip')
        if host_ip and 'published_ports' in options:
            host_ip = host_ip.strip('[]')
            options['published_ports'] = sorted(set((cport, ip or host_ip, hport)
                                                    for cport, ip, hport in options['published_ports']))
        return options

    def check_api(self, options):
        """Fail clearly when an option needs a newer Engine API than the one in use, or one the
        engine's API no longer has."""
        for version, what in api_requirements(options):
            self.client.require(version, what)
        for name, version in REMOVED_IN_API:
            if name in options and self.client.supports(version):
                raise SpecError(name, 'Engine API %s and newer have no %s (the engine dropped it; Docker 23 removed '
                                'kernel memory limits); remove %s from the task' % (version, name, name))

    def image_checks(self, options, container, image_info, modes):
        """image_name_mismatch, image_label_mismatch and image_comparison: extra differences,
        a failure, and the image whose defaults the other options are compared against."""
        p = self.p
        extra = []
        if (p.get('image_name_mismatch') == 'recreate' and p.get('image') and modes['image'] == 'strict'
                and (container.get('Config') or {}).get('Image') != p['image']):
            extra.append({'option': 'image_name', 'before': (container.get('Config') or {}).get('Image'),
                          'after': p['image'], 'update': False})
        compared_image = image_info
        if p.get('image_comparison') == 'current-image':
            compared_image = self.client.inspect('image', container.get('Image')) if container.get('Image') else None
        if p.get('image_label_mismatch') == 'fail' and modes['labels'] == 'strict' and 'labels' in options:
            image_labels = ((compared_image or {}).get('Config') or {}).get('Labels') or {}
            missing = sorted(k for k in image_labels if k not in options['labels'])
            if missing:
                raise SpecError('labels', 'the image has labels that the task does not list, and labels are compared '
                                'strictly: %s. List them in labels, or set image_label_mismatch to ignore'
                                % ', '.join(missing))
        return extra, compared_image

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
        container = ops.inspect_container(self.client, self.name)
        if state == 'absent':
            return self.run_absent(container)

        pull = p.get('pull')
        pull = {True: 'always', False: 'missing', None: 'missing'}.get(pull, pull)
        if pull not in ('never', 'missing', 'always'):
            raise SpecError('pull', '%r is not one of never, missing, always' % (pull,))
        options = self.options()
        modes = compare.resolve_comparisons(p.get('comparisons'), p.get('purge_networks'))
        self.check_api(options)
        self.resolve_network_mode(options)
        image = options.get('image')
        if image is None:
            if container is None:
                raise SpecError('image', 'is required to create container %s; name an image such as nginx:1.25' % self.name)
            image = (container.get('Config') or {}).get('Image')
            options['image'] = image
            modes['image'] = 'ignore'
        image_info, pulled = resolve_image(self.client, image, pull, self.check)
        if pulled or (self.check and pull == 'always' and p.get('pull_check_mode_behavior') == 'always'):
            self.actions.append('pull')
        comparisons = dict((k, v) for k, v in modes.items())

        differences = []
        net_steps = []
        if container is not None:
            extra, compared_image = self.image_checks(options, container, image_info, modes)
            differences = compare.compare(options, container, compared_image, comparisons=comparisons) + extra
            if compared_image is not image_info and image_info is not None and modes['image'] != 'ignore' \
                    and image_info.get('Id') != container.get('Image'):
                differences.append({'option': 'image', 'before': container.get('Image'), 'after': image_info.get('Id'),
                                    'update': False})
            if image_info is None and self.check and modes['image'] != 'ignore':
                differences.append({'option': 'image', 'before': container.get('Image'), 'after': image + ' (to be pulled)',
                                    'update': False})
            net_steps = compare.network_actions(options, container, comparisons=comparisons)
        actions = compare.plan(state, container, differences, net_steps, recreate=p.get('recreate'),
                               restart=p.get('restart'), options=options)
        detach = p.get('detach', True)
        if not detach and state in ('started', 'healthy') and 'start' not in actions and 'restart' not in actions:
            # run to completion: the command runs again on every run, like docker run
            if container is not None and (container.get('State') or {}).get('Running'):
                actions.append('wait')
            else:
                actions.append('start')
        paused = p.get('paused')
        if paused is not None and state in ('started', 'healthy'):
            was_paused = bool(((container or {}).get('State') or {}).get('Paused')) and 'recreate' not in actions
            if paused != was_paused:
                actions.append('pause' if paused else 'unpause')
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
            self.check_honoured(cid, options, image_info)
            for step in compare.initial_network_actions(options):
                self.do_network(cid, step)
        except BerthError:
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
            body = update_body(differences, options, current)
            try:
                client.post('/containers/%s/update' % current['Id'], body=body, what='container %s' % self.name)
            except APIError as exc:
                raise DockerError('updating container %s in place failed: %s; it keeps its old limits. Adjust the limits '
                                  '(memory_swap must stay above memory) or set recreate: true' % (self.name, exc.msg))
            return client.inspect('container', current['Id'])
        if action.startswith('connect:') or action.startswith('disconnect:'):
            kind, net = action.split(':', 1)
            step = [s for s in net_steps + compare.initial_network_actions(options) if s['action'] == kind and s['network'] == net]
            if kind == 'connect' and step:
                self.do_network(current['Id'], step[0])
            elif kind == 'disconnect':
                self.do_network(current['Id'], {'action': 'disconnect', 'network': net, 'config': None})
            return client.inspect('container', current['Id']) or current  # the result shows the networks now
        if action == 'start':
            self.do_start(current['Id'])
            return self.after_start(current)
        if action == 'stop':
            self.do_stop(current)
            return client.inspect('container', current['Id'])
        if action == 'restart':
            ops.restart(client, current['Id'], self.stop_timeout(current))
            return self.after_start(current)
        if action == 'wait':
            return self.run_to_completion(current)
        if action in ('pause', 'unpause'):
            client.post('/containers/%s/%s' % (current['Id'], action), what='container %s' % self.name)
            return client.inspect('container', current['Id'])
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
        # watch it briefly: a container that exits at once is reported, not taken for a success
        outcome, data = ops.wait_for(self.client, cid, 'exited', time.time() + START_GRACE, poll=0.1)
        if outcome == 'gone':
            return current
        if outcome == 'exited':
            why = exit_explanation(self.client, data)
            self.module.warn(why)
            self.result['exited'] = {'exit_code': (data.get('State') or {}).get('ExitCode'), 'message': why}
        return data

    def wait_healthy(self, cid):
        timeout = self.p.get('healthy_wait_timeout') or 300
        outcome, data = ops.wait_for(self.client, cid, 'healthy', time.time() + timeout)
        if outcome == 'healthy':
            return data
        if outcome == 'running':
            self.module.warn('container %s has no healthcheck, so state healthy only waits for it to run; '
                             'add a healthcheck' % self.name)
            return data
        if outcome == 'gone':
            raise DockerError('container %s disappeared while waiting for it to become healthy' % self.name)
        if outcome == 'exited':
            raise DockerError('container %s stopped before it became healthy: %s; health checks: %s'
                              % (self.name, exit_explanation(self.client, data), health_log(data) or 'none ran'),
                              details={'container': data})
        raise DockerError('container %s is not healthy after %s s (status %s); last health checks: %s. '
                          'Fix the service or the healthcheck, or raise healthy_wait_timeout'
                          % (self.name, timeout, health_status(data), health_log(data) or 'none ran yet'),
                          details={'container': data})

    def run_to_completion(self, current):
        cid = current['Id']
        status = ops.wait_exit(self.client, cid, what='container %s' % self.name)
        tty = bool((current.get('Config') or {}).get('Tty'))
        self.result['status'] = status
        self.result['stdout'], self.result['stderr'] = ops.logs(self.client, cid, tty=tty)
        if self.p.get('output_logs'):
            self.module.log(msg=self.result['stdout'] + self.result['stderr'])
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


def failure_details(exc):
    """run_module's on_error: a failed health wait returns the container's inspect data too."""
    details = getattr(exc, 'details', None)
    if isinstance(details, dict) and details.get('container'):
        return {'container': details['container']}
    return {}


def run_container(module, client):
    """berth.docker.container's handler for common.run_module."""
    if module.params['state'] != 'absent':
        check_options(client, 'container', module.params)  # an option the negotiated Engine API lacks fails first
    result = ContainerManager(module, client).run()
    if result.pop('failed', False):
        msg = result.pop('msg')
        module.fail_json(msg=msg, **result)
    return result
