# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Carrying out a compose plan through the Engine API (berth.docker.compose and compose_info).

The loader (compose_loader) builds the project model, the planner (compose_plan) decides;
this file reads the engine's current state, gets images through image.pull and image.build
(with exact check-mode predictions), and executes the plan: networks and volumes,
containers service by service in depends_on order, waiting for each condition, then the
optional wait for the whole project. Nothing is touched in check mode.
"""


import time
from urllib.parse import quote

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.berth.docker.plugins.module_utils import image as image_room
from ansible_collections.berth.docker.plugins.module_utils.api import Conflict, DockerError, NotFound, encode_filters, split_frames
from ansible_collections.berth.docker.plugins.module_utils.common import docker_argument_spec, run_module
from ansible_collections.berth.docker.plugins.module_utils.container import Replacement
from ansible_collections.berth.docker.plugins.module_utils.compose_loader import (
    ComposeError,
    Project,
    load_project,
    mask_service,
    parse_duration,
    project_config,
)
from ansible_collections.berth.docker.plugins.module_utils.compose_plan import (
    LABEL_CONFIG_HASH,
    LABEL_NUMBER,
    LABEL_ONEOFF,
    LABEL_PROJECT,
    LABEL_SERVICE,
    config_hash,
    container_display_name,
    create_body,
    file_objects_archive,
    image_action,
    inherit_anonymous_volumes,
    is_anonymous_volume,
    is_running,
    network_create_body,
    plan_project,
    port_conflicts,
    published_ports,
    service_networks,
    volume_create_body,
)

DEFAULT_STOP_TIMEOUT = 10
POLL = 0.25

# the module options that choose the project (shared by compose and compose_info)
PROJECT_SPEC = dict(
    project_src=dict(type='path'),
    files=dict(type='list', elements='path'),
    definition=dict(type='dict'),
    project_name=dict(type='str'),
    env_files=dict(type='list', elements='path'),
    profiles=dict(type='list', elements='str'),
)

COMPOSE_SPEC = dict(
    state=dict(type='str', default='present', choices=['present', 'stopped', 'restarted', 'absent']),
    services=dict(type='list', elements='str'),
    dependencies=dict(type='bool', default=True),
    scale=dict(type='dict'),
    recreate=dict(type='str', default='auto', choices=['auto', 'always', 'never']),
    pull=dict(type='str', default='policy', choices=['always', 'missing', 'never', 'policy']),
    build=dict(type='str', default='policy', choices=['always', 'never', 'policy']),
    remove_orphans=dict(type='bool', default=False),
    remove_volumes=dict(type='bool', default=False),
    remove_images=dict(type='str', choices=['all', 'local']),
    wait=dict(type='bool', default=False),
    wait_timeout=dict(type='int', default=300),
    stop_timeout=dict(type='int'),
)

INFO_SPEC = dict(
    mask_values=dict(type='bool', default=True),
    logs=dict(type='bool', default=False),
    tail=dict(type='int', default=100),
    since=dict(type='str'),
    services=dict(type='list', elements='str'),
)


def compose_main(spec, handler):
    """main() of compose and compose_info: the project options plus ``spec``, then ``handler``."""
    merged = dict(PROJECT_SPEC)
    merged.update(spec)
    module = AnsibleModule(
        argument_spec=docker_argument_spec(merged),
        mutually_exclusive=[('files', 'definition')],
        required_one_of=[('project_src', 'files', 'definition', 'project_name')],
        supports_check_mode=True,
    )
    run_module(module, handler)


def _q(name):
    return quote(name, safe='')


def project_from_params(params, services=None):
    """Load the project the options describe; None when only project_name is given."""
    if not (params.get('project_src') or params.get('files') or params.get('definition') is not None):
        if not params.get('project_name'):
            raise ComposeError('give project_src, files or definition (or project_name alone to act on an existing project)')
        return None
    return load_project(
        project_src=params.get('project_src'), files=params.get('files'), definition=params.get('definition'),
        project_name=params.get('project_name'), env_files=params.get('env_files'), profiles=params.get('profiles'),
        services=services)


def bare_project(name):
    """A project known only by name (from the labels of what exists)."""
    from ansible_collections.berth.docker.plugins.module_utils.compose.labels import normalise_project_name  # pylint: disable=import-outside-toplevel
    project = Project()
    project.name = normalise_project_name(name)
    if not project.name:
        raise ComposeError('project_name %r has no letters or digits' % name)
    return project


def list_project(client, project_name):
    """The project's containers (all states), and all networks and volumes."""
    containers = client.get('/containers/json', {'all': True, 'filters': encode_filters(
        {'label': ['%s=%s' % (LABEL_PROJECT, project_name)]})}) or []
    networks = client.get('/networks') or []
    volumes = (client.get('/volumes') or {}).get('Volumes') or []
    return containers, networks, volumes


def ps_entry(container):
    """One container as ``compose ps`` shows it (from the container list or an inspect)."""
    labels = container.get('Labels') or (container.get('Config') or {}).get('Labels') or {}
    state = container.get('State')
    status = container.get('Status')
    health = None
    if isinstance(state, dict):
        health = (state.get('Health') or {}).get('Status')
        status = state.get('Status')
        state = state.get('Status')
    elif status and '(' in status and status.endswith(')'):
        health = status.rsplit('(', 1)[1].rstrip(')')
        if health.startswith('health: '):
            health = health[len('health: '):]
        if health not in ('healthy', 'unhealthy', 'starting'):
            health = None
    ports = []
    for port in container.get('Ports') or []:
        if port.get('PublicPort'):
            ports.append('%s:%s->%s/%s' % (port.get('IP') or '0.0.0.0', port['PublicPort'], port['PrivatePort'], port.get('Type')))
        else:
            ports.append('%s/%s' % (port.get('PrivatePort'), port.get('Type')))
    return {
        'Name': container_display_name(container),
        'ID': container.get('Id'),
        'Service': labels.get(LABEL_SERVICE),
        'Number': int(labels.get(LABEL_NUMBER) or 0),
        'Project': labels.get(LABEL_PROJECT),
        'Image': container.get('Image') or (container.get('Config') or {}).get('Image'),
        'State': state,
        'Status': status,
        'Health': health,
        'Ports': sorted(set(ports)),
        'ConfigHash': labels.get(LABEL_CONFIG_HASH),
    }


def ps(client, project_name, services=None):
    containers, _n, _v = list_project(client, project_name)
    return ps_from(containers, services)


def ps_from(containers, services=None):
    result = [ps_entry(c) for c in containers if (c.get('Labels') or {}).get(LABEL_ONEOFF, 'False') != 'True']
    if services:
        result = [c for c in result if c['Service'] in services]
    return sorted(result, key=lambda c: (c['Service'] or '', c['Number'], c['Name']))


class ComposeRunner:
    """One run of berth.docker.compose."""

    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.p = module.params
        self.check_mode = module.check_mode
        self.project = None
        self.actions = []
        self.images = []
        self.changed = False
        self.ids = {}  # service -> id of its first replica (after changes)
        self.listed = None  # the container list, when nothing changed since it was read
        self.hashes = {}  # container id -> config hash it carries
        self.image_ids = {}
        self.image_volumes = {}  # image ID -> its VOLUME paths (for anonymous volumes on recreate)
        self.image_actions = {}
        self.plan = None

    # -- helpers -------------------------------------------------------------------------

    def warn(self, message):
        self.module.warn(message)

    def stop_timeout(self, container):
        if self.p.get('stop_timeout') is not None:
            return self.p['stop_timeout']
        svc = self.project.services.get((container.get('Labels') or {}).get(LABEL_SERVICE)) if self.project else None
        if svc and svc.get('stop_grace_period') is not None:
            return int(round(svc['stop_grace_period']))
        return DEFAULT_STOP_TIMEOUT

    def _stop(self, cid, timeout):
        self.client.post('/containers/%s/stop' % cid, {'t': timeout}, timeout=self.client.config.timeout + timeout,
                         what='stopping container %s' % cid[:12])

    def _retire(self, item, volumes=False):
        """Stop a container gracefully (its stop signal, then the stop timeout), then remove it,
        like docker-compose down / rm -s. With ``volumes`` its anonymous volumes go too, also
        those it inherited from a container it replaced (the engine counts those as named)."""
        anonymous = []
        if volumes:
            data = self.client.inspect('container', item['id']) or {}
            anonymous = [m['Name'] for m in data.get('Mounts') or []
                         if m.get('Type') == 'volume' and is_anonymous_volume(m.get('Name'))]
        if item.get('running'):
            try:
                self._stop(item['id'], self.stop_timeout({'Labels': {LABEL_SERVICE: item.get('service')}}))
            except NotFound:
                return
        self._remove(item['id'], volumes=volumes)
        for name in anonymous:
            try:
                self.client.delete('/volumes/%s' % name, what='removing anonymous volume %s' % name[:12])
            except (NotFound, Conflict):
                pass  # gone with the container, or still used by another one

    def _remove(self, cid, volumes=False):
        try:
            self.client.delete('/containers/%s' % cid, {'force': True, 'v': bool(volumes)}, what='removing container %s' % cid[:12])
        except NotFound:
            pass

    # -- images --------------------------------------------------------------------------

    def resolve_images(self, selected):
        """Pull / build what the policies ask for. Returns ({service: image ID or None},
        {service: 'pull'|'build'} for what changed or would change)."""
        ids, actions, done = {}, {}, {}
        for name in selected:
            svc = self.project.services[name]
            ref_name = svc['image']
            if ref_name in done:
                ids[name], act = done[ref_name]
                if act:
                    actions[name] = act
                continue
            info = self.client.inspect('image', ref_name)
            present = info is not None and image_room.platform_matches(info, svc.get('platform'))
            action = image_action(svc, present, self.p['pull'], self.p['build'])
            image_id = info.get('Id') if info else None
            act = None
            if action in ('build', 'pull'):
                ref = image_room.reference(ref_name, None, 'services.%s.image' % name)
                output = None
                if action == 'build':
                    build = svc['build']
                    outcome = image_room.build(self.client, ref, {
                        'path': build['context'], 'dockerfile': build['dockerfile'], 'args': build['args'],
                        'target': build['target'], 'labels': build['labels'], 'pull': build['pull'],
                        'nocache': build['no_cache'], 'rm': True, 'network': build['network'], 'rebuild': 'auto'},
                        before=info, check_mode=self.check_mode)
                    image, message = outcome['image'], outcome['message']
                    output = outcome['build_output']
                else:
                    try:
                        image, message = image_room.pull(self.client, ref, before=info, force=info is not None,
                                                         platform=svc.get('platform'), check_mode=self.check_mode)
                    except DockerError as exc:
                        if not self.check_mode:
                            raise
                        # check mode: an image an earlier task builds, or a registry out of reach
                        # from here, must not end the prediction; a real run fails if it persists
                        self.warn('check mode: could not confirm that %s can be pulled (%s); predicted as a pull'
                                  % (ref_name, exc.msg))
                        image, message = image_room.PENDING, 'Would pull %s' % ref_name
                if image is image_room.PENDING:
                    image_id, act = None, action
                else:
                    info = image
                    image_id = image.get('Id')
                    act = action if message else None
                if act:
                    entry = {'service': name, 'image': ref_name, 'action': action, 'id': image_id}
                    if output:
                        entry['build_output'] = output[-20:]
                    self.images.append(entry)
            if info and image_id:
                self.image_volumes[image_id] = list((info.get('Config') or {}).get('Volumes') or {})
            done[ref_name] = (image_id, act)
            ids[name] = image_id
            if act:
                actions[name] = act
        return ids, actions

    # -- run -----------------------------------------------------------------------------

    def run(self):
        p = self.p
        if p['state'] == 'absent' and not (p.get('project_src') or p.get('files') or p.get('definition') is not None):
            self.project = bare_project(p['project_name'] or '')
            return self.run_bare_absent()
        self.project = project = project_from_params(p, services=p.get('services'))
        for message in project.warnings:
            self.warn(message)
        containers, networks, volumes = list_project(self.client, project.name)
        image_ids, image_actions = {}, {}
        if p['state'] != 'absent':
            from ansible_collections.berth.docker.plugins.module_utils.compose_plan import select_services  # pylint: disable=import-outside-toplevel
            selected = select_services(project, p.get('services'), p['dependencies'])
            image_ids, image_actions = self.resolve_images(selected)
        self.image_ids, self.image_actions = image_ids, image_actions
        self.hashes = dict((c['Id'], (c.get('Labels') or {}).get(LABEL_CONFIG_HASH)) for c in containers)
        plan = plan_project(project, containers, networks, volumes, image_ids, state=p['state'], services=p.get('services'),
                            dependencies=p['dependencies'], scale=p.get('scale'), recreate=p['recreate'],
                            remove_orphans=p['remove_orphans'], remove_volumes=p['remove_volumes'],
                            image_actions=image_actions,
                            run_once=self.run_once_services())
        for message in plan.warnings:
            self.warn(message)
        self.plan = plan
        if p['state'] != 'absent':
            self.preflight_ports(plan, containers, image_ids)
        self.actions = [a for a in plan.actions() if a['what'] != 'image']
        self.actions = [dict(what='image', **i) for i in self.images] + self.actions
        self.changed = bool(self.actions)
        if p['state'] == 'absent':
            self.absent_extras(plan)
        if not self.check_mode:
            self.execute(plan, image_ids)
            if p['wait'] and p['state'] in ('present', 'restarted'):
                self.wait_project(plan.services)
        if not self.changed:
            self.listed = containers
        return self.finish(plan)

    def run_once_services(self):
        names = set()
        for svc in self.project.services.values():
            for dep, spec in (svc.get('depends_on') or {}).items():
                if spec['condition'] == 'service_completed_successfully':
                    names.add(dep)
        return names

    def preflight_ports(self, plan, containers, image_ids):
        """Fail before touching anything when a port we publish, or a container name we create, is
        taken by another container."""
        wanted = []
        going = set()
        for item in plan.containers:
            if item['action'] in ('recreate', 'remove'):
                going.add(item['id'])
        for item in plan.containers:
            if item['action'] not in ('create', 'recreate') or not item.get('start', True):
                continue
            svc = self.project.services[item['service']]
            body = create_body(self.project, svc, item['number'], 'x', resolve_container=lambda s: 'x')
            for host_ip, port, proto in published_ports(body):
                wanted.append((item.get('new_name') or item['name'], host_ip, port, proto))
        taken = []
        for item in plan.containers:
            name = item.get('new_name') or item['name']
            if item['action'] == 'create' or (item['action'] == 'recreate' and name != item['name']):
                other = self.client.inspect('container', name)
                if other is not None and other.get('Id') not in going:
                    labels = (other.get('Config') or {}).get('Labels') or {}
                    owner = labels.get(LABEL_PROJECT)
                    taken.append('the name %s (service %s) is taken by container %s%s' % (
                        name, item['service'], other.get('Id', '')[:12],
                        ' of compose project %s' % owner if owner else ', which belongs to no compose project'))
        if taken:
            raise ComposeError('cannot create the containers of project %s: %s. Nothing was changed; remove that '
                               'container or change container_name' % (self.project.name, '; '.join(taken)))
        if not wanted:
            return
        running = self.client.get('/containers/json') or []
        clashes = port_conflicts(wanted, running, going)
        if clashes:
            raise ComposeError('cannot start project %s: %s. Nothing was changed; free the port or change the '
                               'ports of the service' % (self.project.name, '; '.join(clashes)))

    def absent_extras(self, plan):
        """remove_images for state absent (planned here: it needs image inspects)."""
        mode = self.p.get('remove_images')
        if not mode:
            return
        seen = set()
        for name in self.project.all_services:
            raw = (self.project.config.get('services') or {}).get(name) or {}
            svc = self.project.services.get(name)
            image = svc['image'] if svc else (raw.get('image') or '%s-%s' % (self.project.name, name))
            custom = bool(raw.get('image'))
            if mode == 'local' and custom:
                continue
            if image in seen:
                continue
            seen.add(image)
            info = self.client.inspect('image', image)
            if info is None:
                continue
            plan.images.append({'action': 'remove', 'service': name, 'image': image, 'id': info.get('Id')})
            self.actions.append({'what': 'image', 'action': 'remove', 'service': name, 'image': image})
            self.images.append({'service': name, 'image': image, 'action': 'remove', 'id': info.get('Id')})
        self.changed = bool(self.actions)

    # -- execution -----------------------------------------------------------------------

    def execute(self, plan, image_ids):
        project = self.project
        for item in plan.networks:
            if item['action'] == 'create':
                key = item['network']
                try:
                    self.client.post('/networks/create', body=network_create_body(project, key, project.networks[key]),
                                     what='creating network %s' % item['name'])
                except DockerError as exc:
                    if 'overlap' in exc.msg.lower():
                        raise DockerError('%s. The subnet of networks.%s overlaps a network that exists already (docker '
                                          'network inspect shows their subnets); choose another ipam subnet' % (exc.msg, key))
                    raise
        for item in plan.volumes:
            if item['action'] == 'create':
                key = item['volume']
                self.client.post('/volumes/create', body=volume_create_body(project, key, project.volumes[key]),
                                 what='creating volume %s' % item['name'])
        if self.p['state'] == 'absent':
            return self.execute_absent(plan)
        if not plan.containers:
            return None
        by_service = {}
        for item in plan.containers:
            by_service.setdefault(item['service'], []).append(item)
        # orphans and scale-down first (frees names and ports)
        for item in plan.containers:
            if item['action'] == 'remove':
                self._retire(item, volumes=False)
        self.refresh_ids()
        stops = []
        for name in plan.services:
            items = [i for i in by_service.get(name, []) if i['action'] != 'remove']
            starting = [i for i in items if i['action'] in ('create', 'recreate', 'start', 'restart') and i.get('start', True)]
            if starting:
                self.wait_dependencies(name)
            acted = False
            for item in items:
                if item['action'] == 'stop':
                    stops.append(item)
                    continue
                self.execute_container(item, image_ids.get(name))
                acted = True
            if acted:
                self.refresh_ids()
        for item in stops:
            self._stop(item['id'], self.stop_timeout({'Labels': {LABEL_SERVICE: item['service']}}))
        return None

    def execute_absent(self, plan):
        for item in plan.containers:
            self._retire(item, volumes=self.p['remove_volumes'])
        for item in plan.networks:
            try:
                self.client.delete('/networks/%s' % _q(item['name']), what='removing network %s' % item['name'])
            except NotFound:
                pass
        for item in plan.volumes:
            try:
                self.client.delete('/volumes/%s' % _q(item['name']), what='removing volume %s' % item['name'])
            except NotFound:
                pass
        for item in plan.images:
            if item['action'] == 'remove':
                try:
                    self.client.delete('/images/%s' % _q(item['image']), {'force': False}, what='removing image %s' % item['image'])
                except NotFound:
                    pass

    def refresh_ids(self):
        containers, _n, _v = list_project(self.client, self.project.name)
        ids = {}
        for container in sorted(containers, key=lambda c: int((c.get('Labels') or {}).get(LABEL_NUMBER) or 0)):
            labels = container.get('Labels') or {}
            if labels.get(LABEL_ONEOFF, 'False') == 'True':
                continue
            ids.setdefault(labels.get(LABEL_SERVICE), container['Id'])
        self.ids = ids

    def resolve_container(self, service):
        return self.ids.get(service)

    def _create(self, item, image_id, old=None, on_created=None):
        """Create the container of ``item`` and connect its other networks; a failure after the
        create removes it again. ``on_created(id)`` is told the new ID first (Replacement.adopt)."""
        svc = self.project.services[item['service']]
        chash = config_hash(svc, image_id)
        body = create_body(self.project, svc, item['number'], chash, image_id, self.resolve_container,
                           self.client.negotiate())
        if old is not None:
            volumes = self.image_volumes.get(image_id)
            if volumes is None:  # not seen by resolve_images (no image ID known): ask the engine
                image = self.client.inspect('image', image_id or svc['image']) or {}
                volumes = list((image.get('Config') or {}).get('Volumes') or {})
            inherit_anonymous_volumes(body, old, volumes)
        name = item.get('new_name') or item['name']
        params = {'name': name}
        if svc.get('platform'):
            params['platform'] = svc['platform']
        created = self.client.post('/containers/create', params, body=body, what='creating container %s' % name)
        cid = created['Id']
        if on_created is not None:
            on_created(cid)
        archive = file_objects_archive(self.project, svc)
        if archive:
            try:
                self.client.put('/containers/%s/archive' % cid, {'path': '/'}, body=archive,
                                headers={'Content-Type': 'application/x-tar'},
                                what='copying the secrets and configs of service %s into %s' % (svc['name'], name))
            except DockerError:
                self._remove(cid)
                raise
        if not svc.get('network_mode'):
            for net in service_networks(self.project, svc)[1:]:
                from ansible_collections.berth.docker.plugins.module_utils.container_spec import (  # pylint: disable=import-outside-toplevel
                    endpoint_config,
                    parse_network,
                )
                spec = parse_network(net)
                try:
                    self.client.post('/networks/%s/connect' % _q(net['name']),
                                     body={'Container': cid, 'EndpointConfig': endpoint_config(spec)},
                                     what='connecting %s to network %s' % (name, net['name']))
                except DockerError:
                    self._remove(cid)
                    raise
        return cid

    def _start(self, cid, name):
        try:
            self.client.post('/containers/%s/start' % cid, what='starting container %s' % name)
        except DockerError as exc:
            raise DockerError('%s. The container was created but did not start; fix the cause and run again' % exc.msg)

    def recreate(self, item, image_id):
        """Replace a container without losing it on failure (container.Replacement): the old one
        keeps running while the new one is created and connected; when the create, a network
        connect or the start fails, the new one is removed and the old one gets its name back
        and runs again, and the error names the original cause."""
        old = self.client.inspect('container', item['id']) or {'Id': item['id']}
        with Replacement(self.client, old, item['name']) as replacement:
            cid = replacement.create(lambda adopt: self._create(item, image_id, old=old, on_created=adopt))
            replacement.stop_old(lambda: self._stop(old['Id'], self.stop_timeout(old.get('Config') or {})))
            if item.get('start', True):
                self._start(cid, item.get('new_name') or item['name'])

    def execute_container(self, item, image_id):
        action = item['action']
        if action == 'create':
            cid = self._create(item, image_id)
            if item.get('start', True):
                self._start(cid, item['name'])
        elif action == 'recreate':
            self.recreate(item, image_id)
        elif action == 'start':
            self._start(item['id'], item['name'])
        elif action == 'restart':
            timeout = self.stop_timeout({'Labels': {LABEL_SERVICE: item['service']}})
            self.client.post('/containers/%s/restart' % item['id'], {'t': timeout},
                             timeout=self.client.config.timeout + timeout, what='restarting container %s' % item['name'])

    # -- waiting -------------------------------------------------------------------------

    def deadline(self):
        return time.time() + (self.p.get('wait_timeout') or 300)

    def service_containers(self, service):
        containers = self.client.get('/containers/json', {'all': True, 'filters': encode_filters(
            {'label': ['%s=%s' % (LABEL_PROJECT, self.project.name), '%s=%s' % (LABEL_SERVICE, service)]})}) or []
        return [c for c in containers if (c.get('Labels') or {}).get(LABEL_ONEOFF, 'False') != 'True']

    def wait_dependencies(self, name):
        svc = self.project.services[name]
        for dep, spec in sorted((svc.get('depends_on') or {}).items()):
            if dep not in self.project.services:
                continue
            condition = spec['condition']
            if condition == 'service_started':
                continue
            deadline = self.deadline()
            for container in self.service_containers(dep):
                self.wait_container(container['Id'], dep, condition, deadline, 'service %s depends on it' % name)

    def wait_container(self, cid, service, condition, deadline, why):
        from ansible_collections.berth.docker.plugins.module_utils.container import (  # pylint: disable=import-outside-toplevel
            exit_explanation,
            health_log,
            health_status,
        )
        while True:
            data = self.client.inspect('container', cid)
            if data is None:
                raise DockerError('container %s of service %s disappeared while waiting (%s)' % (cid[:12], service, why))
            state = data.get('State') or {}
            name = data.get('Name', '').lstrip('/')
            if condition == 'service_completed_successfully':
                if not state.get('Running') and state.get('Status') in ('exited', 'dead'):
                    if state.get('ExitCode') == 0:
                        return data
                    raise DockerError('service %s did not complete successfully (%s): %s' % (
                        service, why, exit_explanation(self.client, data)))
            else:  # service_healthy / running+healthy for wait
                status = health_status(data)
                running = state.get('Running') and not state.get('Restarting')
                if not state.get('Running') and not state.get('Restarting') and state.get('Status') != 'created':
                    raise DockerError('service %s is not running (%s): %s' % (service, why, exit_explanation(self.client, data)))
                if condition == 'service_healthy' and status is None and running:
                    raise DockerError('service %s has no healthcheck, so it can never become healthy (%s); add a '
                                      'healthcheck to it or use condition service_started' % (service, why))
                if running and (status in (None, 'healthy')):
                    return data
            if time.time() > deadline:
                status = health_status(data)
                raise DockerError('service %s is not %s after %s s (%s): container %s is %s%s; last health checks: %s. '
                                  'Fix the service or its healthcheck, or raise wait_timeout. The other services were '
                                  'left as they are' % (
                                      service, 'complete' if condition == 'service_completed_successfully' else 'healthy',
                                      self.p.get('wait_timeout'), why, name, state.get('Status'),
                                      (' (%s)' % status) if status else '', health_log(data) or 'none ran'))
            time.sleep(POLL)

    def wait_project(self, services):
        deadline = self.deadline()
        run_once = self.run_once_services()
        for name in services:
            for container in self.service_containers(name):
                condition = 'service_completed_successfully' if name in run_once else 'running'
                self.wait_container(container['Id'], name, condition, deadline, 'wait is true')

    # -- state absent with only a project name ------------------------------------------

    def run_bare_absent(self):
        project = self.project
        containers, networks, volumes = list_project(self.client, project.name)
        actions = []
        for container in containers:
            actions.append({'what': 'container', 'action': 'remove', 'name': container_display_name(container),
                            'id': container['Id'], 'service': (container.get('Labels') or {}).get(LABEL_SERVICE),
                            'reason': 'state is absent', 'running': is_running(container)})
        for net in networks:
            if (net.get('Labels') or {}).get(LABEL_PROJECT) == project.name:
                actions.append({'what': 'network', 'action': 'remove', 'name': net['Name']})
        if self.p['remove_volumes']:
            for vol in volumes:
                if (vol.get('Labels') or {}).get(LABEL_PROJECT) == project.name:
                    actions.append({'what': 'volume', 'action': 'remove', 'name': vol['Name']})
        self.actions = actions
        self.changed = bool(actions)
        if not self.check_mode:
            for item in actions:
                if item['what'] == 'container':
                    self._retire(item, volumes=self.p['remove_volumes'])
            for item in actions:
                try:
                    if item['what'] == 'network':
                        self.client.delete('/networks/%s' % _q(item['name']))
                    elif item['what'] == 'volume':
                        self.client.delete('/volumes/%s' % _q(item['name']))
                except NotFound:
                    pass
        return self.finish(None)

    # -- result --------------------------------------------------------------------------

    def finish(self, plan):
        result = {
            'changed': self.changed,
            'project_name': self.project.name,
            'actions': self.actions,
            'images': self.images,
            'containers': self.containers_now(plan),
        }
        if self.module._diff:
            lines = []
            for item in self.actions:
                target = item.get('new_name') or item.get('name') or item.get('image')
                lines.append('%s %s %s%s' % (item['action'], item['what'], target,
                                             (' (%s)' % item['reason']) if item.get('reason') else ''))
            result['diff'] = {'prepared': '\n'.join(lines) + ('\n' if lines else '')}
            before, after = self.service_diff(plan)
            if before or after:
                result['diff'].update(before=before, after=after)
        return result

    def service_diff(self, plan):
        """The configuration of every service whose containers are created or recreated: before
        the config hash the containers carry, after the new hash and the normalised configuration
        (environment values and build args masked: they may come from env files and hold secrets)."""
        before, after = {}, {}
        if plan is None or not self.project.services:
            return before, after
        for item in plan.containers:
            if item['action'] not in ('create', 'recreate'):
                continue
            name = item['service']
            svc = self.project.services[name]
            image_id = self.image_ids.get(name)
            old = self.hashes.get(item.get('id')) if item.get('id') else None
            before.setdefault(name, {'config_hash': old})
            new = dict((k, v) for k, v in mask_service(svc).items() if k != 'name' and v not in (None, [], {}))
            new['config_hash'] = config_hash(svc, image_id) if image_id else '(after the image is %s)' % (
                self.image_actions.get(name) or 'resolved')
            after[name] = new
        return before, after

    def containers_now(self, plan):
        if self.listed is not None:
            return ps_from(self.listed)
        if self.check_mode and self.changed:
            return self.predicted_ps(plan)
        return ps(self.client, self.project.name)

    def predicted_ps(self, plan):
        """In check mode: today's containers with what the plan would do to each."""
        current = ps(self.client, self.project.name)
        if plan is None:
            return current
        planned = dict((i.get('id'), i) for i in plan.containers if i.get('id'))
        for entry in current:
            if entry['ID'] in planned:
                entry['Planned'] = planned[entry['ID']]['action']
        for item in plan.containers:
            if item['action'] == 'create':
                current.append({'Name': item['name'], 'ID': None, 'Service': item['service'], 'Number': item['number'],
                                'Project': self.project.name, 'State': None, 'Planned': 'create'})
        return current


def run_compose(module, client):
    try:
        return ComposeRunner(module, client).run()
    except ComposeError as exc:
        raise DockerError(exc.msg)


# --------------------------------------------------------------------------- compose_info

def container_logs(client, cid, tail=100, since=None):
    params = {'stdout': 1, 'stderr': 1, 'timestamps': 0}
    if tail is not None and tail >= 0:
        params['tail'] = tail
    if since:
        params['since'] = since
    raw = client.get('/containers/%s/logs' % cid, params)
    if not raw:
        return []
    if isinstance(raw, str):
        raw = raw.encode()
    out, err = split_frames(raw)
    text = out.decode('utf-8', 'replace') + err.decode('utf-8', 'replace')
    return text.splitlines()


def since_timestamp(value, now=None):
    """A since option (unix time, or a duration like 10m meaning that long ago) -> unix time."""
    if value is None:
        return None
    text = str(value).strip()
    try:
        return int(float(text))
    except ValueError:
        pass
    try:
        seconds = parse_duration(text, 'since')
    except ComposeError:
        raise ComposeError('since %r is neither a unix time nor a duration like 10m or 1h' % value)
    return int((now or time.time()) - seconds)


def run_compose_info(module, client):
    p = module.params
    try:
        project = project_from_params(p)
        if project is None:
            project = bare_project(p['project_name'])
        for message in project.warnings:
            module.warn(message)
        services = p.get('services')
        if services and project.services:
            for name in services:
                if name not in project.all_services:
                    raise ComposeError('no service %s in project %s; its services are: %s' % (
                        name, project.name, ', '.join(project.all_services)))
        containers = ps(client, project.name, services)
        result = {'changed': False, 'project_name': project.name, 'containers': containers}
        if project.services:
            result['config'] = project_config(project, mask=p.get('mask_values', True))
        status = {}
        for name in (project.order or sorted(set(c['Service'] for c in containers if c['Service']))):
            if services and name not in services:
                continue
            mine = [c for c in containers if c['Service'] == name]
            status[name] = {
                'containers': len(mine),
                'running': len([c for c in mine if c['State'] == 'running']),
                'healthy': len([c for c in mine if c['Health'] == 'healthy']),
                'states': sorted(set(c['State'] for c in mine)),
            }
            if project.services.get(name):
                status[name]['scale'] = project.services[name]['scale']
        result['services'] = status
        if p.get('logs'):
            since = since_timestamp(p.get('since'))
            logs = {}
            for entry in containers:
                logs.setdefault(entry['Service'], {})[entry['Name']] = container_logs(client, entry['ID'], p.get('tail'), since)
            result['logs'] = logs
        return result
    except ComposeError as exc:
        raise DockerError(exc.msg)


__all__ = ['COMPOSE_SPEC', 'INFO_SPEC', 'PROJECT_SPEC', 'ComposeRunner', 'is_running', 'run_compose', 'run_compose_info']


def service_container(client, project_name, service, index=1):
    """The name of replica ``index`` of ``service`` in a compose project (for berth.docker.exec
    project/service/index, like ``docker-compose exec --index N SERVICE``)."""
    from ansible_collections.berth.docker.plugins.module_utils.compose.labels import normalise_project_name  # pylint: disable=import-outside-toplevel
    project = normalise_project_name(project_name)
    containers = client.get('/containers/json', {'all': True, 'filters': encode_filters(
        {'label': ['%s=%s' % (LABEL_PROJECT, project), '%s=%s' % (LABEL_SERVICE, service)]})}) or []
    containers = [c for c in containers if (c.get('Labels') or {}).get(LABEL_ONEOFF, 'False') != 'True']
    for container in containers:
        if (container.get('Labels') or {}).get(LABEL_NUMBER) == str(index):
            return container_display_name(container)
    if not containers:
        raise DockerError('compose project %s has no container of service %s; bring it up first (berth.docker.compose)'
                          % (project, service))
    raise DockerError('service %s of compose project %s has no container number %d; it has %s' % (
        service, project, index, ', '.join(sorted(container_display_name(c) for c in containers))))
