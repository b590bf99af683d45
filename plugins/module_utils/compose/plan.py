# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compose plan: what to create / recreate / start / stop / remove, which networks and
volumes to create, which images to pull or build, and the ports the plan would publish, all
as pure functions of the project model and the engine's current lists. compose.run only
carries a plan out."""

from ansible_collections.berth.docker.plugins.module_utils.compose.convert import is_up_to_date
from ansible_collections.berth.docker.plugins.module_utils.compose.labels import (
    LABEL_CONFIG_HASH,
    LABEL_ONEOFF,
    LABEL_PROJECT,
    LABEL_SERVICE,
    container_display_name,
    container_name,
    container_number,
    is_running,
    labels_of,
)
from ansible_collections.berth.docker.plugins.module_utils.compose.graph import hard_dependencies, with_dependencies
from ansible_collections.berth.docker.plugins.module_utils.errors import ComposeError

RECREATE_CHOICES = ('auto', 'always', 'never')
STATES = ('present', 'stopped', 'restarted', 'absent')


def exited_ok(container):
    """Whether a listed container has exited with code 0 (its Status reads "Exited (0) ...")."""
    return container.get('State') == 'exited' and (container.get('Status') or '').startswith('Exited (0)')


def containers_by_service(containers, project_name):
    """{service: [containers sorted by number]} of the project's non-one-off containers,
    and the list of one-off containers."""
    result = {}
    oneoff = []
    for container in containers:
        labels = labels_of(container)
        if labels.get(LABEL_PROJECT) != project_name:
            continue
        if labels.get(LABEL_ONEOFF, 'False') == 'True':
            oneoff.append(container)
            continue
        result.setdefault(labels.get(LABEL_SERVICE), []).append(container)
    for items in result.values():
        items.sort(key=lambda c: (container_number(c), c.get('Created') or 0))
    return result, oneoff


# --------------------------------------------------------------------------- images

class ImageNotOnEngine(ComposeError):
    """A service's image is absent and the policies forbid getting it (build or pull never)."""


def image_action(svc, present, pull='policy', build='policy'):
    """What to do about a service's image: None, 'pull' or 'build' (or raise when it cannot be had).

    ``present``: whether the image reference exists on the engine now."""
    policy = svc.get('pull_policy') or 'missing'
    has_build = bool(svc.get('build'))
    if has_build:
        if build == 'always' or (build == 'policy' and policy == 'build'):
            return 'build'
        if pull == 'always' or (pull == 'policy' and policy == 'always'):
            return 'pull'
        if present:
            return None
        if build == 'never':
            raise ImageNotOnEngine('service %s: image %s is not on the engine and build is never; build it first '
                                   'or set build to policy' % (svc['name'], svc['image']))
        return 'build'
    if policy == 'build':
        raise ComposeError('service %s has pull_policy build but no build section' % svc['name'])
    if pull == 'always' or (pull == 'policy' and policy == 'always'):
        return 'pull'
    if present:
        return None
    if pull == 'never' or (pull == 'policy' and policy == 'never'):
        raise ImageNotOnEngine('service %s: image %s is not on the engine and pulling is disabled (pull: never / '
                               'pull_policy: never); load or build it first' % (svc['name'], svc['image']))
    return 'pull'


# --------------------------------------------------------------------------- the plan

class Plan:
    """The actions, in execution order, and what the result reports."""

    def __init__(self):
        self.networks = []      # {'action': 'create'|'remove', 'network': key, 'name': full}
        self.volumes = []       # {'action': 'create'|'remove', 'volume': key, 'name': full}
        self.images = []        # {'action': 'pull'|'build'|'remove', 'service', 'image'}
        self.containers = []    # {'action', 'service', 'number', 'name', 'id', 'reason'}
        self.warnings = []
        self.services = []      # the services acted on, in dependency order

    @property
    def changed(self):
        return bool(self.networks or self.volumes or self.images or self.containers)

    def actions(self):
        result = []
        for item in self.networks:
            result.append(dict(item, what='network'))
        for item in self.volumes:
            result.append(dict(item, what='volume'))
        for item in self.images:
            result.append(dict(item, what='image'))
        for item in self.containers:
            result.append(dict(item, what='container'))
        return result


def select_services(project, services=None, dependencies=True):
    """The services to act on, in dependency order; unknown names fail clearly."""
    if not services:
        return list(project.order)
    for name in services:
        if name not in project.services:
            if name in project.disabled_services:
                raise ComposeError('service %s is disabled by its profiles; activate one of them (profiles option)' % name)
            raise ComposeError('no service %s in project %s; its services are: %s' % (
                name, project.name, ', '.join(sorted(project.order))))
    wanted = with_dependencies(project.services, services) if dependencies else list(services)
    return [name for name in project.order if name in wanted]


def desired_scale(svc, scale=None):
    if scale and svc['name'] in scale:
        try:
            value = int(scale[svc['name']])
        except (TypeError, ValueError):
            raise ComposeError('scale for %s must be a whole number, not %r' % (svc['name'], scale[svc['name']]))
        if value < 0:
            raise ComposeError('scale for %s must not be negative' % svc['name'])
        if value > 1 and svc.get('container_name'):
            raise ComposeError('service %s has container_name %s, so it cannot be scaled to %d' % (
                svc['name'], svc['container_name'], value))
        return value
    return svc['scale']


def _network_drift(net, current):
    """Differences between a declared network and the existing one (for a warning)."""
    diffs = []
    driver = net.get('driver') or 'bridge'
    if current.get('Driver') and current.get('Driver') != driver:
        diffs.append('driver %s, declared %s' % (current.get('Driver'), driver))
    if bool(current.get('Internal')) != bool(net.get('internal')):
        diffs.append('internal %s, declared %s' % (bool(current.get('Internal')), bool(net.get('internal'))))
    if net.get('ipam') and net['ipam'].get('config'):
        have = [dict((k, v) for k, v in c.items() if k in ('Subnet', 'Gateway', 'IPRange') and v)
                for c in ((current.get('IPAM') or {}).get('Config') or [])]
        want = [dict((k, v) for k, v in c.items() if k in ('Subnet', 'Gateway', 'IPRange')) for c in net['ipam']['config']]
        if want != have:
            diffs.append('ipam %s, declared %s' % (have, want))
    return diffs


class _Current:
    """The engine's current lists, as the planner looks them up."""

    def __init__(self, project, containers, networks, volumes):
        self.by_service, self.oneoff = containers_by_service(containers, project.name)
        self.networks = dict((n.get('Name'), n) for n in networks)
        self.volumes = dict((v.get('Name'), v) for v in volumes)
        known = set(project.all_services)
        self.orphans = [c for svc, items in self.by_service.items() if svc not in known for c in items]


def plan_project(project, containers, networks, volumes, image_ids, state='present', services=None,
                 dependencies=True, scale=None, recreate='auto', remove_orphans=False, remove_volumes=False,
                 image_actions=None, run_once=()):
    """Decide everything for one run.

    containers: the engine's container list (all states) filtered by the project label;
    networks / volumes: the engine's lists (by name); image_ids: {service: image ID the
    container should run, or None when unknown until a pull/build}; image_actions: the
    {service: 'pull'|'build'} already decided with image_action(); run_once: services others
    wait for with service_completed_successfully (their exited-with-0 containers stay as they are).
    """
    if state not in STATES:
        raise ComposeError('state %r must be one of %s' % (state, ', '.join(STATES)))
    if recreate not in RECREATE_CHOICES:
        raise ComposeError('recreate %r must be one of %s' % (recreate, ', '.join(RECREATE_CHOICES)))
    plan = Plan()
    # stopping a service never stops what it depends on (like docker-compose stop SERVICE)
    selected = select_services(project, services, dependencies and state != 'stopped')
    plan.services = selected
    current = _Current(project, containers, networks, volumes)

    if state == 'absent':
        _plan_absent(plan, project, current, selected, services, remove_orphans, remove_volumes)
        return plan

    _plan_networks(plan, project, current, selected)
    _plan_volumes(plan, project, current)
    for name in selected:
        action = (image_actions or {}).get(name)
        if action:
            plan.images.append({'action': action, 'service': name, 'image': project.services[name]['image']})

    recreated = set()
    for name in selected:
        _plan_service(plan, project, current, name, image_ids.get(name), state=state, services=services, scale=scale,
                      recreate=recreate, image_actions=image_actions, run_once=run_once, recreated=recreated)

    if state == 'stopped':
        # stop dependants before their dependencies
        stops = [c for c in plan.containers if c['action'] == 'stop']
        others = [c for c in plan.containers if c['action'] != 'stop']
        order = dict((n, i) for i, n in enumerate(selected))
        stops.sort(key=lambda c: -order.get(c['service'], 0))
        plan.containers = others + stops

    if current.orphans:
        if remove_orphans:
            for container in current.orphans:
                plan.containers.insert(0, _container_action('remove', labels_of(container).get(LABEL_SERVICE), container,
                                                            'orphan: its service is not in the project'))
        else:
            plan.warnings.append('found containers of services no longer in project %s: %s; set remove_orphans: true '
                                 'to remove them' % (project.name, ', '.join(sorted(container_display_name(c)
                                                                                    for c in current.orphans))))
    if remove_orphans:
        # as compose v2's up --remove-orphans: one-off containers (compose run) that have exited go too
        for container in current.oneoff:
            if container.get('State') in ('exited', 'dead'):
                plan.containers.insert(0, _container_action('remove', labels_of(container).get(LABEL_SERVICE), container,
                                                            'one-off container that has exited'))
    return plan


def _owned(obj, project):
    """Whether a network or volume belongs to the project (or to no compose project)."""
    return labels_of(obj).get(LABEL_PROJECT) in (None, project.name)


def _plan_absent(plan, project, current, selected, services, remove_orphans, remove_volumes):
    if services:
        # only the services named: what they depend on stays (like docker-compose rm SERVICE)
        targets = [n for n in selected if n in services]
        plan.services = targets
    else:
        targets = list(project.order) + sorted(n for n in project.all_services if n not in project.order)
    for name in reversed(targets):
        for container in reversed(current.by_service.get(name, [])):
            plan.containers.append(_container_action('remove', name, container, 'state is absent'))
    if not services:
        for container in current.oneoff:
            plan.containers.append(_container_action('remove', labels_of(container).get(LABEL_SERVICE),
                                                     container, 'one-off container of the project'))
    if current.orphans and remove_orphans:
        for container in current.orphans:
            plan.containers.append(_container_action('remove', labels_of(container).get(LABEL_SERVICE), container,
                                                     'orphan: its service is not in the project'))
    elif current.orphans:
        plan.warnings.append('containers of services no longer in the project were left: %s (set remove_orphans: true)'
                             % ', '.join(sorted(container_display_name(c) for c in current.orphans)))
    if services:
        return
    for key, net in sorted(project.networks.items()):
        existing = current.networks.get(net['name'])
        if not net['external'] and existing is not None and _owned(existing, project):
            plan.networks.append({'action': 'remove', 'network': key, 'name': net['name']})
    if remove_volumes:
        for key, vol in sorted(project.volumes.items()):
            existing = current.volumes.get(vol['name'])
            if not vol['external'] and existing is not None and _owned(existing, project):
                plan.volumes.append({'action': 'remove', 'volume': key, 'name': vol['name']})


def _plan_networks(plan, project, current, selected):
    """The networks the selected services use: create the missing ones, warn about drift."""
    used_nets = []
    for name in selected:
        for key in (project.services[name].get('networks') or {}):
            if key not in used_nets:
                used_nets.append(key)
    for key in sorted(used_nets):
        net = project.networks[key]
        existing = current.networks.get(net['name'])
        if net['external']:
            if existing is None:
                raise ComposeError('external network %s (networks.%s) does not exist; create it first '
                                   '(berth.docker.network) or drop external' % (net['name'], key))
            continue
        if existing is None:
            plan.networks.append({'action': 'create', 'network': key, 'name': net['name']})
            continue
        owner = labels_of(existing).get(LABEL_PROJECT)
        if owner is not None and owner != project.name:
            plan.warnings.append('network %s belongs to compose project %s; it is used as it is' % (net['name'], owner))
        drift = _network_drift(net, existing)
        if drift:
            plan.warnings.append('network %s differs from its declaration (%s); it is used as it is: remove the project '
                                 '(state: absent) to recreate it' % (net['name'], '; '.join(drift)))


def _plan_volumes(plan, project, current):
    """Every declared volume: create the missing ones, warn about another driver."""
    for key, vol in sorted(project.volumes.items()):
        existing = current.volumes.get(vol['name'])
        if vol['external']:
            if existing is None:
                raise ComposeError('external volume %s (volumes.%s) does not exist; create it first '
                                   '(berth.docker.volume) or drop external' % (vol['name'], key))
            continue
        if existing is None:
            plan.volumes.append({'action': 'create', 'volume': key, 'name': vol['name']})
        elif vol.get('driver') and existing.get('Driver') and existing['Driver'] != vol['driver']:
            plan.warnings.append('volume %s uses driver %s, declared %s; it is kept (remove it to change the driver)' % (
                vol['name'], existing['Driver'], vol['driver']))


def first_containers(by_service):
    """{service: ID of its first container}, as compose v2 picks it for a ``service:`` reference
    before hashing (the first by name)."""
    return dict((service, sorted(items, key=lambda c: (c.get('Names') or [''])[0])[0]['Id'])
                for service, items in by_service.items() if items)


def _recreate_reason(recreate, up_to_date, have_hash, building, dependency_recreated):
    """Why a container is recreated, or None. ``up_to_date``: None while the image is not known
    yet (it will be built or pulled), else convert.is_up_to_date."""
    if recreate == 'always':
        return 'recreate is always'
    if recreate != 'auto':
        return None
    if up_to_date is None:
        return 'its image will be %s' % ('built' if building else 'pulled')
    if not up_to_date:
        return 'its configuration or image changed' if have_hash else 'it was not created with a config hash'
    if dependency_recreated:
        return 'a service it shares a namespace or volumes with is recreated'
    return None


def _plan_service(plan, project, current, name, image_id, state, services, scale, recreate, image_actions, run_once,
                  recreated):
    """The container actions of one service: scale down, recreate, start / restart / stop, create."""
    svc = project.services[name]
    wanted = desired_scale(svc, scale)
    existing = list(current.by_service.get(name, []))
    first = first_containers(current.by_service)
    keep, extra = existing[:wanted], existing[wanted:]
    for container in reversed(extra):
        plan.containers.append(_container_action('remove', name, container, 'scale %d: more replicas than wanted' % wanted))
    dependency_recreated = any(dep in recreated for dep in hard_dependencies(svc))
    restart_for = [dep for dep, spec in sorted((svc.get('depends_on') or {}).items()) if spec.get('restart') and dep in recreated]
    building = bool(image_actions and image_actions.get(name) == 'build')
    used = set()
    for container in keep:
        number = container_number(container) or 1
        if number in used:
            number = _next_number(used)
        used.add(number)
        labels = labels_of(container)
        up_to_date = is_up_to_date(labels, project, svc, image_id, first) if image_id else None
        reason = _recreate_reason(recreate, up_to_date, labels.get(LABEL_CONFIG_HASH), building, dependency_recreated)
        if reason:
            recreated.add(name)
            item = _container_action('recreate', name, container, reason)
            item['number'] = number
            item['new_name'] = container_name(project.name, svc, number)
            item['start'] = state != 'stopped'
            plan.containers.append(item)
        elif state in ('present', 'restarted') and not is_running(container) and name in run_once and exited_ok(container):
            pass
        elif state in ('present', 'restarted') and not is_running(container):
            plan.containers.append(_container_action('start', name, container, 'it is %s' % (container.get('State') or 'stopped')))
        elif state == 'restarted' and (not services or name in services):
            plan.containers.append(_container_action('restart', name, container, 'state is restarted'))
        elif state == 'present' and restart_for:
            plan.containers.append(_container_action('restart', name, container, 'depends_on %s with restart: true, '
                                                     'which is recreated' % ', '.join(restart_for)))
        elif state == 'stopped' and is_running(container):
            plan.containers.append(_container_action('stop', name, container, 'state is stopped'))
    for _index in range(wanted - len(keep)):
        number = _next_number(used)
        used.add(number)
        plan.containers.append({'action': 'create', 'service': name, 'number': number,
                                'name': container_name(project.name, svc, number), 'id': None,
                                'start': state != 'stopped', 'reason': 'replica %d is missing' % number})


def _next_number(used):
    number = 1
    while number in used:
        number += 1
    return number


def _container_action(action, service, container, reason):
    return {'action': action, 'service': service, 'number': container_number(container),
            'name': container_display_name(container), 'id': container.get('Id'), 'reason': reason,
            'running': is_running(container)}


def published_ports(body):
    """(host_ip, host_port, proto) triples a create body publishes (fixed host ports only)."""
    result = []
    for key, binds in ((body.get('HostConfig') or {}).get('PortBindings') or {}).items():
        proto = key.split('/', 1)[1] if '/' in key else 'tcp'
        for bind in binds or []:
            if bind.get('HostPort'):
                result.append((bind.get('HostIp') or '', int(bind['HostPort']), proto))
    return result


def port_conflicts(wanted, running, ignore_ids=()):
    """Clashes between the ports we are about to publish and those running containers publish.

    wanted: [(container name, host_ip, port, proto)]; running: the engine's container list;
    ignore_ids: containers that go away first (recreated / removed ones). Returns messages."""
    taken = {}
    for container in running:
        if container.get('Id') in ignore_ids or not is_running(container):
            continue
        for port in container.get('Ports') or []:
            if port.get('PublicPort'):
                key = (int(port['PublicPort']), port.get('Type') or 'tcp')
                taken.setdefault(key, []).append((port.get('IP') or '', container_display_name(container)))
    messages = []
    seen = {}
    for name, host_ip, port, proto in wanted:
        for ip, other in taken.get((port, proto), []):
            if _ips_overlap(ip, host_ip):
                messages.append('%s wants host port %s/%d/%s, which container %s already publishes' % (
                    name, host_ip or '0.0.0.0', port, proto, other))
                break
        key = (port, proto)
        for ip, other in seen.get(key, []):
            if _ips_overlap(ip, host_ip) and other != name:
                messages.append('%s and %s both want host port %d/%s' % (other, name, port, proto))
        seen.setdefault(key, []).append((host_ip, name))
    return messages


def _ips_overlap(one, two):
    wild = ('', '0.0.0.0', '::')
    return one in wild or two in wild or one == two
