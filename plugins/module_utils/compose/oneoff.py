# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""berth.docker.compose_run: a one-off container of a compose service, like ``docker compose run``.

The project is loaded as berth.docker.compose loads it (options.project_from_params). What the
service depends on is brought up first by a compose run of those services alone (run.ComposeRunner
with ``services`` = the dependencies), unless ``no_deps``; their depends_on conditions are waited
for (apply.PlanExecutor). The service's image is pulled or built as the policies say
(images.ServiceImages). The one-off container gets the service's configuration with the run's
overrides, as compose applies them: no restart policy, no published ports unless
``service_ports``, no network aliases unless ``use_aliases``, the labels compose sets with
``com.docker.compose.oneoff=True`` and a slug, and the name ``<project>-<service>-run-<12 hex>``.
Attached runs read the output through an attach opened before the start, so nothing is lost
and no log driver is needed; the exit code comes from a wait, and the container is removed
afterwards unless ``rm`` is false."""

import binascii
import copy
import os
import shlex

from ansible_collections.berth.docker.plugins.module_utils import container_ops
from ansible_collections.berth.docker.plugins.module_utils.api import close_write
from ansible_collections.berth.docker.plugins.module_utils.compose.apply import PlanExecutor, quoted
from ansible_collections.berth.docker.plugins.module_utils.compose.convert import config_hash, create_body, service_networks
from ansible_collections.berth.docker.plugins.module_utils.compose.images import ServiceImages
from ansible_collections.berth.docker.plugins.module_utils.compose.labels import LABEL_ONEOFF, list_project
from ansible_collections.berth.docker.plugins.module_utils.compose.options import COMPOSE_SPEC, PROJECT_SPEC, project_from_params
from ansible_collections.berth.docker.plugins.module_utils.compose.plan import Plan, plan_project, select_services
from ansible_collections.berth.docker.plugins.module_utils.compose.run import ComposeRunner
from ansible_collections.berth.docker.plugins.module_utils.compose.values import parse_port, parse_volume
from ansible_collections.berth.docker.plugins.module_utils.container_body import endpoint_config
from ansible_collections.berth.docker.plugins.module_utils.errors import BerthError, ComposeError, Conflict, DockerError, SpecError

# the label compose v2 puts the full random ID of a one-off container in (its name has the first 12)
LABEL_SLUG = 'com.docker.compose.slug'

RUN_SPEC = dict(
    service=dict(type='str', required=True),
    argv=dict(type='list', elements='str'),
    command=dict(type='str'),
    entrypoint=dict(type='str'),
    env=dict(type='dict'),
    user=dict(type='str'),
    chdir=dict(type='str', aliases=['workdir']),
    labels=dict(type='dict'),
    name=dict(type='str'),
    no_deps=dict(type='bool', default=False),
    service_ports=dict(type='bool', default=False),
    publish=dict(type='list', elements='str'),
    volumes=dict(type='list', elements='str'),
    use_aliases=dict(type='bool', default=False),
    cap_add=dict(type='list', elements='str'),
    cap_drop=dict(type='list', elements='str'),
    rm=dict(type='bool', default=True),
    detach=dict(type='bool', default=False),
    tty=dict(type='bool', default=False),
    stdin=dict(type='str'),
    stdin_add_newline=dict(type='bool', default=True),
    strip_empty_ends=dict(type='bool', default=True),
    pull=dict(type='str', default='policy', choices=['always', 'missing', 'never', 'policy']),
    build=dict(type='str', default='policy', choices=['always', 'never', 'policy']),
    wait_timeout=dict(type='int', default=300),
)

# a one-off command runs as long as it runs; the module's timeout bounds each Engine API call
COMMAND_TIMEOUT = container_ops.UNBOUNDED
# lines of output quoted in the message of a failed command
MESSAGE_LINES = 20


def _split(text, field):
    try:
        return shlex.split(text)
    except ValueError as exc:
        raise SpecError(field, 'cannot split %r (%s)' % (text, exc))


def run_argv(params):
    """The command override as a list (None: the service's own command)."""
    if params.get('argv') is not None and params.get('command') is not None:
        raise SpecError('command', 'give command or argv, not both')
    if params.get('argv'):
        return [str(a) for a in params['argv']]
    if params.get('command') is not None and params['command'].strip():
        return _split(params['command'], 'command')
    return None


def oneoff_name(project_name, service, slug):
    """``<project>-<service>-run-<first 12 hex of the slug>``, as compose v2 names them."""
    return '%s-%s-run-%s' % (project_name, service, slug[:12])


def _env_overrides(env, project):
    """The env option as {KEY: value}; a value left empty (None) takes the project's environment
    (shell and env files), and the variable is dropped when that has none, as compose does."""
    result, dropped = {}, []
    for key, value in sorted((env or {}).items()):
        if isinstance(value, bool):
            raise SpecError('env', 'value of %s is the boolean %s; quote it' % (key, value))
        if value is None:
            value = project.environment.get(key)
            if value is None:
                dropped.append(key)
                continue
        result[str(key)] = str(value)
    return result, dropped


def oneoff_service(project, svc, params, argv):
    """A copy of the normalised service with the run's overrides applied, as compose run does."""
    out = copy.deepcopy(svc)
    out['container_name'] = None
    out['restart'] = None
    out['scale'] = 1
    if argv:
        out['command'] = argv
    if params.get('entrypoint') is not None:
        out['entrypoint'] = _split(params['entrypoint'], 'entrypoint')
        if not argv:
            out['command'] = []
    if params.get('user'):
        out['user'] = params['user']
    if params.get('chdir'):
        out['working_dir'] = params['chdir']
    add, drop = params.get('cap_add') or [], params.get('cap_drop') or []
    if add:
        out['cap_add'] = list(out.get('cap_add') or []) + [c for c in add if c not in (out.get('cap_add') or [])]
        out['cap_drop'] = [c for c in out.get('cap_drop') or [] if c not in add]
    if drop:
        out['cap_drop'] = list(out.get('cap_drop') or []) + [c for c in drop if c not in (out.get('cap_drop') or [])]
        out['cap_add'] = [c for c in out.get('cap_add') or [] if c not in drop]
    env, dropped = _env_overrides(params.get('env'), project)
    out['environment'] = dict(out.get('environment') or {}, **env)
    for key in dropped:
        out['environment'].pop(key, None)
    if params.get('labels'):
        out['labels'] = dict(out.get('labels') or {}, **dict((str(k), str(v)) for k, v in params['labels'].items()))
    out['tty'] = bool(params.get('tty'))
    out['stdin_open'] = params.get('stdin') is not None and not params.get('detach')
    ports = list(out.get('ports') or []) if params.get('service_ports') else []
    for item in params.get('publish') or []:
        for port in parse_port(item, 'publish'):
            if port not in ports:
                ports.append(port)
    out['ports'] = ports
    extra = [parse_volume(item, project.base_dir, 'volumes') for item in params.get('volumes') or []]
    if extra:
        targets = set(v['target'] for v in extra)
        out['volumes'] = [v for v in out.get('volumes') or [] if v['target'] not in targets] + extra
    return out


def project_with_volumes(project, svc):
    """The project, or a copy that also knows the named volumes the run's ``volumes`` name
    without declaring them (used by that name, as compose run does)."""
    missing = [v['source'] for v in svc.get('volumes') or []
               if v['type'] == 'volume' and v.get('source') and v['source'] not in project.volumes]
    if not missing:
        return project
    other = copy.copy(project)
    other.volumes = dict(project.volumes)
    for name in missing:
        other.volumes[name] = {'name': name, 'external': True, 'driver': None, 'driver_opts': {}, 'labels': {}}
    return other


class _DependencyModule:
    """What run.ComposeRunner reads of its module, for a compose run of the dependencies alone."""

    def __init__(self, module, services, warn):
        p = module.params
        params = dict((key, spec.get('default')) for key, spec in COMPOSE_SPEC.items())
        params.update((key, p.get(key)) for key in PROJECT_SPEC)
        params.update(services=services, dependencies=True, pull=p['pull'], build=p['build'],
                      wait_timeout=p['wait_timeout'], state='present')
        self.params = params
        self.check_mode = module.check_mode
        self.warn = warn
        self._diff = False


class OneOffRun:
    """One run of berth.docker.compose_run."""

    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.p = module.params
        self.check_mode = module.check_mode
        self.project = None
        self.actions = []
        self.warned = set()
        self.images = ServiceImages(client, self.check_mode, self.warn_once)

    def warn_once(self, message):
        """A warning, once (the compose run of the dependencies loads the same project again)."""
        if message not in self.warned:
            self.warned.add(message)
            self.module.warn(message)

    def run(self):
        p = self.p
        if p.get('detach') and p.get('stdin') is not None:
            raise SpecError('stdin', 'stdin needs an attached run; it cannot be given with detach: true')
        argv = run_argv(p)
        service = p['service']
        project = project_from_params(p, services=[service])
        if project is None:
            raise ComposeError('compose_run needs the project: give project_src, files or definition')
        self.project = project
        for message in project.warnings:
            self.warn_once(message)
        deps = [] if p['no_deps'] else [n for n in select_services(project, [service], True) if n != service]
        # the service's image first: a missing one fails before anything of the project is touched
        self.images.resolve(project, [service], p['pull'], p['build'])
        if deps:
            self.start_dependencies(deps)
        resources = self.plan_resources(service)
        self.actions += [dict(what='image', **i) for i in self.images.entries]
        svc = oneoff_service(project, project.services[service], p, argv)
        slug = binascii.hexlify(os.urandom(32)).decode('ascii')
        name = p.get('name') or oneoff_name(project.name, service, slug)
        action = {'what': 'container', 'action': 'run', 'service': service, 'name': name,
                  'command': svc['command'], 'entrypoint': svc['entrypoint'], 'remove': bool(p['rm']),
                  'detach': bool(p['detach'])}
        self.actions.append(action)
        result = {'changed': True, 'project_name': project.name, 'service': service, 'container_name': name,
                  'actions': self.actions, 'images': self.images.entries}
        if self.check_mode:
            shown = ' '.join(shlex.quote(a) for a in (svc['entrypoint'] or []) + (svc['command'] or [])) or "the image's command"
            result['msg'] = 'check mode: would run %s in a one-off container %s of service %s' % (shown, name, service)
            return result
        executor = PlanExecutor(self.client, project, wait_timeout=p['wait_timeout'], images=self.images)
        executor.create_resources(resources)
        executor.refresh_ids()
        if not p['no_deps']:
            executor.wait_dependencies(service)
        cid = self.create(executor, svc, name, slug)
        result['container_id'] = cid
        if p['detach']:
            self.start(cid, name, remove=True)
            return result
        result.update(self.attached(cid, name, svc))
        return result

    # -- dependencies --------------------------------------------------------------------

    def start_dependencies(self, deps):
        """Bring up what the service depends on, like ``docker compose up`` of those services
        (created, recreated when their configuration changed, started), predicted in check mode."""
        runner = ComposeRunner(_DependencyModule(self.module, deps, self.warn_once), self.client)
        outcome = runner.run()
        for item in outcome.get('actions') or []:
            self.actions.append(dict(item, dependency=True))

    def plan_resources(self, service):
        """The networks the service uses and the project's volumes that are missing (created
        even with no_deps, as compose run creates them): a Plan with only those."""
        _containers, networks, volumes = list_project(self.client, self.project.name)
        full = plan_project(self.project, [], networks, volumes, {}, state='present', services=[service], dependencies=False)
        reported = set((a['what'], a.get('name')) for a in self.actions)
        plan = Plan()
        plan.networks = [i for i in full.networks if ('network', i['name']) not in reported]
        plan.volumes = [i for i in full.volumes if ('volume', i['name']) not in reported]
        self.actions += plan.actions()
        return plan

    # -- the container -------------------------------------------------------------------

    def create(self, executor, svc, name, slug):
        p = self.p
        image_id = self.images.ids.get(svc['name'])
        project = project_with_volumes(self.project, svc)
        body = create_body(project, svc, 1, config_hash(svc, image_id), image_id, executor.resolve_container,
                           self.client.negotiate())
        labels = body.setdefault('Labels', {})
        labels[LABEL_ONEOFF] = 'True'
        labels[LABEL_SLUG] = slug
        networks = [] if svc.get('network_mode') else service_networks(project, svc)
        if not p['use_aliases']:
            networks = [dict(net, aliases=[]) for net in networks]
            for endpoint in ((body.get('NetworkingConfig') or {}).get('EndpointsConfig') or {}).values():
                endpoint.pop('Aliases', None)
        if svc['stdin_open']:
            body.update(OpenStdin=True, StdinOnce=True, AttachStdin=True)
        if not p['detach']:
            body.update(AttachStdout=True, AttachStderr=True)
        if p['detach'] and p['rm']:
            body.setdefault('HostConfig', {})['AutoRemove'] = True
        params = {'name': name}
        if svc.get('platform'):
            params['platform'] = svc['platform']
        try:
            cid = self.client.post('/containers/create', params, body=body, what='creating container %s' % name)['Id']
        except Conflict as exc:
            raise DockerError('%s. A container called %s exists already; choose another name, or remove it' % (exc.msg, name))
        try:
            executor.copy_file_objects(cid, name, svc)
            for net in networks[1:]:
                self.client.post('/networks/%s/connect' % quoted(net['name']),
                                 body={'Container': cid, 'EndpointConfig': endpoint_config(net)},
                                 what='connecting %s to network %s' % (name, net['name']))
        except BerthError:
            self.remove(cid)
            raise
        return cid

    def start(self, cid, name, remove):
        try:
            container_ops.start(self.client, cid, what='starting container %s' % name)
        except DockerError as exc:
            if remove:
                self.remove(cid)
            raise DockerError('%s. The one-off container %s did not start%s' % (
                exc.msg, name, ' and was removed' if remove else ' and was kept (rm is false)'))

    def remove(self, cid):
        try:
            container_ops.remove(self.client, cid, volumes=True, what='removing one-off container %s' % cid[:12])
        except DockerError as exc:
            self.warn_once('could not remove the one-off container %s: %s' % (cid[:12], exc.msg))

    def attached(self, cid, name, svc):
        """Attach, start, feed stdin, read the output to its end, wait for the exit code; then
        remove the container unless rm is false (also when anything failed on the way)."""
        p = self.p
        stdin = p.get('stdin')
        if stdin is not None and p['stdin_add_newline'] and not stdin.endswith('\n'):
            stdin += '\n'
        done = False
        try:
            sock, reader = self.client.hijack('/containers/%s/attach' % cid, params={
                'stream': 1, 'stdout': 1, 'stderr': 1, 'stdin': 1 if stdin is not None else 0}, timeout=COMMAND_TIMEOUT)
            try:
                self.start(cid, name, remove=p['rm'])
                if stdin is not None:
                    sock.sendall(stdin.encode('utf-8'))
                    close_write(sock)
                raw = container_ops.read_all(reader)
            finally:
                sock.close()
            rc = container_ops.wait_exit(self.client, cid, what='waiting for container %s' % name)
            done = True
        finally:
            if p['rm'] and not done:
                self.remove(cid)
        if p['rm']:
            self.remove(cid)
        stdout, stderr = container_ops.decode_output(raw, bool(svc.get('tty')))
        if p['strip_empty_ends']:
            stdout, stderr = stdout.rstrip('\r\n'), stderr.rstrip('\r\n')
        # Ansible fails a task whose result has a non-zero rc (as with command, exec and
        # community.docker.docker_compose_v2_run); failed_when overrides that
        result = {'rc': rc, 'stdout': stdout, 'stderr': stderr}
        if rc != 0:
            tail = '\n'.join((stdout + '\n' + stderr).strip('\n').splitlines()[-MESSAGE_LINES:])
            result['msg'] = 'command exited with rc %s in one-off container %s of service %s (%s); %s' % (
                rc, name, svc['name'], 'removed' if p['rm'] else 'kept, rm is false',
                'last output lines:\n%s' % tail if tail.strip() else 'it wrote no output')
        return result


def run_oneoff(module, client):
    """berth.docker.compose_run: run a one-off container of a compose service."""
    return OneOffRun(module, client).run()
