# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compose planner: labels, config hash, container names, Engine API create bodies, and
the plan (what to create / recreate / start / stop / remove, which networks and volumes to
create, which images to pull or build), all as pure functions of the project model and the
engine's current lists. The executor (compose.py) only carries a plan out."""


import hashlib
import io
import json
import tarfile

from ansible_collections.berth.docker.plugins.module_utils.compose.labels import (  # noqa: F401 - names the tests and compose_runner read here
    LABEL_CONFIG_FILES,
    LABEL_CONFIG_HASH,
    LABEL_DEPENDS_ON,
    LABEL_ENV_FILE,
    LABEL_IMAGE,
    LABEL_NETWORK,
    LABEL_NUMBER,
    LABEL_ONEOFF,
    LABEL_PROJECT,
    LABEL_SERVICE,
    LABEL_VERSION,
    LABEL_VOLUME,
    LABEL_WORKING_DIR)
from ansible_collections.berth.docker.plugins.module_utils.compose_loader import ComposeError, hard_dependencies, with_dependencies

# the compose labels (the same keys docker compose v2 and docker-compose v1 read)
COMPOSE_VERSION = '2.24.0'

# keys of the normalised service that do not change the container (scale is a count; build,
# pull policy and profiles decide how to get there; depends_on only orders the start)
HASH_EXCLUDED = ('scale', 'build', 'pull_policy', 'profiles', 'depends_on')

RECREATE_CHOICES = ('auto', 'always', 'never')
STATES = ('present', 'stopped', 'restarted', 'absent')


def config_hash(svc, image_id):
    """A stable hash of the normalised service configuration and the image ID (hex sha256).
    Anything that changes the container changes it; key order never does."""
    data = dict((k, v) for k, v in svc.items() if k not in HASH_EXCLUDED)
    data['image_id'] = image_id
    text = json.dumps(data, sort_keys=True, separators=(',', ':'), default=str)
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


def container_name(project_name, svc, number):
    """``container_name`` or ``<project>-<service>-<n>`` (compose v2)."""
    if svc.get('container_name'):
        return svc['container_name']
    return '%s-%s-%d' % (project_name, svc['name'], number)


def legacy_container_name(project_name, service, number):
    """What docker-compose v1 names the same container: ``<project>_<service>_<n>``."""
    return '%s_%s_%d' % (project_name, service, number)


def container_labels(project, svc, number, chash, image_id=None):
    labels = dict(svc.get('labels') or {})
    labels.update({
        LABEL_PROJECT: project.name,
        LABEL_SERVICE: svc['name'],
        LABEL_NUMBER: str(number),
        LABEL_ONEOFF: 'False',
        LABEL_CONFIG_HASH: chash,
        LABEL_WORKING_DIR: project.working_dir,
        LABEL_CONFIG_FILES: ','.join(project.config_files),
        LABEL_VERSION: COMPOSE_VERSION,
        LABEL_DEPENDS_ON: ','.join('%s:%s:%s' % (d, s['condition'], 'true' if s.get('restart') else 'false')
                                   for d, s in sorted((svc.get('depends_on') or {}).items())),
    })
    if project.env_files:
        labels[LABEL_ENV_FILE] = ','.join(project.env_files)
    if image_id:
        labels[LABEL_IMAGE] = image_id
    return labels


def network_labels(project, key, net):
    labels = dict(net.get('labels') or {})
    labels.update({LABEL_PROJECT: project.name, LABEL_NETWORK: key, LABEL_VERSION: COMPOSE_VERSION})
    return labels


def volume_labels(project, key, vol):
    labels = dict(vol.get('labels') or {})
    labels.update({LABEL_PROJECT: project.name, LABEL_VOLUME: key, LABEL_VERSION: COMPOSE_VERSION})
    return labels


def network_create_body(project, key, net):
    body = {
        'Name': net['name'],
        'CheckDuplicate': True,
        'Driver': net.get('driver') or 'bridge',
        'Internal': bool(net.get('internal')),
        'Attachable': bool(net.get('attachable')),
        'EnableIPv6': bool(net.get('enable_ipv6')),
        'Options': dict(net.get('driver_opts') or {}),
        'Labels': network_labels(project, key, net),
    }
    if net.get('ipam'):
        body['IPAM'] = {'Driver': net['ipam'].get('driver') or 'default', 'Config': net['ipam'].get('config') or []}
    return body


def volume_create_body(project, key, vol):
    return {
        'Name': vol['name'],
        'Driver': vol.get('driver') or 'local',
        'DriverOpts': dict(vol.get('driver_opts') or {}),
        'Labels': volume_labels(project, key, vol),
    }


def _ns(seconds):
    return int(round(seconds * 1e9)) if seconds is not None else None


def sorted_networks(svc):
    """The service's networks in attach order: highest priority first, then by name."""
    return sorted((svc.get('networks') or {}).items(), key=lambda kv: (-kv[1].get('priority', 0), kv[0]))


def service_networks(project, svc):
    """The service's networks as berth.docker.container ``networks`` entries (full names,
    the service name as first alias, as compose does), in attach order."""
    result = []
    for key, spec in sorted_networks(svc):
        net = {'name': project.networks[key]['name'],
               'aliases': [svc['name']] + [a for a in spec.get('aliases') or [] if a != svc['name']]}
        for addr in ('ipv4_address', 'ipv6_address'):
            if spec.get(addr):
                net[addr] = spec[addr]
        result.append(net)
    return result


def _port_spec(port):
    ip = port.get('host_ip') or ''
    if ':' in ip:
        ip = '[%s]' % ip
    text = '%d/%s' % (port['target'], port['protocol'])
    if port.get('published'):
        text = '%s:%s' % (port['published'], text)
    elif ip:
        text = ':' + text
    return '%s:%s' % (ip, text) if ip else text


def container_options(project, svc, number, chash, image_id=None, resolve_container=None):
    """The compose service as ``berth.docker.container`` options (container_spec's input):
    compose keys mapped to the container module's names, paths and names fully resolved."""
    opts = {
        'image': svc['image'],
        'env': dict(svc.get('environment') or {}),
        'labels': container_labels(project, svc, number, chash, image_id),
        'command': svc.get('command'),
        'entrypoint': svc.get('entrypoint'),
        'user': svc.get('user'), 'working_dir': svc.get('working_dir'), 'hostname': svc.get('hostname'),
        'domainname': svc.get('domainname'), 'stop_signal': svc.get('stop_signal'),
        'init': svc.get('init'), 'read_only': svc.get('read_only'), 'tty': svc.get('tty'),
        'interactive': svc.get('stdin_open'),
        'memory': svc.get('memory'), 'cpus': svc.get('cpus'), 'shm_size': svc.get('shm_size'),
    }
    if svc.get('stop_grace_period') is not None:
        opts['stop_timeout'] = int(round(svc['stop_grace_period']))
    if svc.get('ports'):
        opts['published_ports'] = [_port_spec(p) for p in svc['ports']]
    if svc.get('expose'):
        opts['exposed_ports'] = list(svc['expose'])
    volumes, mounts = [], []
    for vol in svc.get('volumes') or []:
        if vol['type'] == 'bind' and vol.get('create_host_path', True):
            modes = ['ro' if vol.get('read_only') else 'rw'] + [vol[k] for k in ('selinux', 'propagation') if vol.get(k)]
            volumes.append('%s:%s:%s' % (vol['source'], vol['target'], ','.join(modes)))
        elif vol['type'] == 'bind':
            mounts.append({'type': 'bind', 'source': vol['source'], 'target': vol['target'],
                           'read_only': vol.get('read_only'), 'propagation': vol.get('propagation')})
        elif vol['type'] == 'volume' and vol.get('source'):
            modes = ['ro' if vol.get('read_only') else 'rw'] + (['nocopy'] if vol.get('nocopy') else [])
            volumes.append('%s:%s:%s' % (project.volumes[vol['source']]['name'], vol['target'], ','.join(modes)))
        elif vol['type'] == 'volume':
            volumes.append(vol['target'])
        elif vol['type'] == 'tmpfs':
            mounts.append({'type': 'tmpfs', 'target': vol['target'], 'read_only': vol.get('read_only'),
                           'tmpfs_size': vol.get('size'), 'tmpfs_mode': vol.get('mode')})
    for kind in ('secrets', 'configs'):
        for item in svc.get(kind) or []:
            if 'file' in item:  # without swarm, compose bind-mounts file secrets and configs read-only
                volumes.append('%s:%s:ro' % (item['file'], item['target']))
    if volumes:
        opts['volumes'] = volumes
    if mounts:
        opts['mounts'] = mounts
    restart = svc.get('restart')
    if restart:
        name, _sep, count = restart.partition(':')
        opts['restart_policy'] = name
        if count:
            opts['restart_retries'] = int(count)
    mode = svc.get('network_mode')
    if mode and mode.startswith('service:'):
        target = mode.split(':', 1)[1]
        ref = resolve_container(target) if resolve_container else None
        if not ref:
            raise ComposeError('service %s uses network_mode service:%s, but %s has no container' % (svc['name'], target, target))
        opts['network_mode'] = 'container:%s' % ref
    elif mode:
        opts['network_mode'] = mode
    else:
        opts['networks'] = service_networks(project, svc)
    if svc.get('extra_hosts'):
        opts['etc_hosts'] = dict(h.split(':', 1) for h in svc['extra_hosts'])
    if svc.get('dns'):
        opts['dns_servers'] = list(svc['dns'])
    if svc.get('logging'):
        opts['log_driver'] = svc['logging']['driver']
        opts['log_options'] = svc['logging']['options']
    for key, opt in (('cap_add', 'capabilities'), ('cap_drop', 'cap_drop'), ('security_opt', 'security_opts'),
                     ('tmpfs', 'tmpfs'), ('devices', 'devices')):
        if svc.get(key):
            opts[opt] = list(svc[key])
    if svc.get('sysctls'):
        opts['sysctls'] = dict(svc['sysctls'])
    for key, opt in (('runtime', 'runtime'), ('userns_mode', 'userns_mode'), ('cgroup', 'cgroupns_mode'),
                     ('oom_score_adj', 'oom_score_adj'), ('cpu_shares', 'cpu_shares'), ('cpuset', 'cpuset_cpus'),
                     ('pids_limit', 'pids_limit'), ('privileged', 'privileged'), ('pid', 'pid_mode'),
                     ('ipc', 'ipc_mode')):
        if svc.get(key) is not None:
            opts[opt] = svc[key]
    for key, opt in (('group_add', 'groups'), ('dns_search', 'dns_search_domains')):
        if svc.get(key):
            opts[opt] = list(svc[key])
    if svc.get('ulimits'):
        opts['ulimits'] = ['%s:%d:%d' % (n, v['soft'], v['hard']) for n, v in sorted(svc['ulimits'].items())]
    return dict((k, v) for k, v in opts.items() if v is not None)


def healthcheck_body(health):
    hc = {}
    if health.get('test'):
        hc['Test'] = health['test']
    for key, api in (('interval', 'Interval'), ('timeout', 'Timeout'), ('start_period', 'StartPeriod')):
        if health.get(key) is not None:
            hc[api] = _ns(health[key])
    if health.get('retries') is not None:
        hc['Retries'] = health['retries']
    return hc


def file_objects_archive(project, svc):
    """A tar archive (bytes) with the service's environment / content secrets and configs at their
    targets (mode, uid, gid as declared), for ``PUT /containers/{id}/archive?path=/`` before the
    container starts; None when it has none. Parent directories are created (0755, root)."""
    entries = []
    for kind in ('secrets', 'configs'):
        for item in svc.get(kind) or []:
            if 'file' not in item:
                entries.append((item, project.contents[(kind, item['source'])].encode('utf-8')))
    if not entries:
        return None
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w', format=tarfile.PAX_FORMAT) as tar:
        made = set()
        for item, data in entries:
            parts = item['target'].strip('/').split('/')
            for depth in range(1, len(parts)):
                directory = '/'.join(parts[:depth])
                if directory not in made:
                    made.add(directory)
                    info = tarfile.TarInfo(directory)
                    info.type, info.mode = tarfile.DIRTYPE, 0o755
                    tar.addfile(info)
            info = tarfile.TarInfo('/'.join(parts))
            info.size, info.mode = len(data), item['mode']
            info.uid = int(item['uid']) if item['uid'].isdigit() else 0
            info.gid = int(item['gid']) if item['gid'].isdigit() else 0
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def is_anonymous_volume(name):
    """Whether a volume name is one the engine generated (64 hex digits)."""
    return len(name or '') == 64 and all(c in '0123456789abcdef' for c in name)


def inherit_anonymous_volumes(body, old, image_volumes=()):
    """Like compose on a recreate: the new container gets the old one's anonymous volumes for the
    paths that are still anonymous volumes (in the service's ``volumes`` or the image's VOLUME)
    and not mapped to a bind, named volume or tmpfs, so their data survives. Changes ``body`` in
    place; returns the inherited [(volume name, path)]."""
    host = body.setdefault('HostConfig', {})
    explicit = set()
    for bind in host.get('Binds') or []:
        explicit.add(bind.split(':')[1].rstrip('/') or '/')
    for mount in host.get('Mounts') or []:
        explicit.add((mount.get('Target') or '').rstrip('/') or '/')
    for path in host.get('Tmpfs') or {}:
        explicit.add(path.rstrip('/') or '/')
    anonymous = set((p.rstrip('/') or '/') for p in (body.get('Volumes') or {}))
    anonymous |= set((p.rstrip('/') or '/') for p in image_volumes or ())
    inherited = []
    for mount in old.get('Mounts') or []:
        path = (mount.get('Destination') or '').rstrip('/') or '/'
        if mount.get('Type') != 'volume' or not is_anonymous_volume(mount.get('Name')):
            continue
        if path in explicit or path not in anonymous:
            continue
        host.setdefault('Mounts', []).append({'Type': 'volume', 'Source': mount['Name'], 'Target': path,
                                              'ReadOnly': not mount.get('RW', True)})
        explicit.add(path)
        inherited.append((mount['Name'], path))
    volumes = dict((p, v) for p, v in (body.get('Volumes') or {}).items() if (p.rstrip('/') or '/') not in explicit)
    if 'Volumes' in body:
        body['Volumes'] = volumes
    return inherited


def create_body(project, svc, number, chash, image_id=None, resolve_container=None, api_version='1.41'):
    """The Engine API ``POST /containers/create`` body for replica ``number`` of ``svc``:
    container_spec.create_body() of container_options(), plus the compose-only fields.

    ``resolve_container(service)`` returns the container ID/name of another service's first
    replica (for ``network_mode: service:X``, ``volumes_from`` and ``links``). Networks after
    the first are connected by the caller (Engine API < 1.44 takes one at create)."""
    from ansible_collections.berth.docker.plugins.module_utils import container_spec  # pylint: disable=import-outside-toplevel
    options = container_options(project, svc, number, chash, image_id, resolve_container)
    try:
        body = container_spec.create_body(options, None, api_version)
    except container_spec.SpecError as exc:
        raise ComposeError('service %s: %s' % (svc['name'], exc.msg))
    host = body.setdefault('HostConfig', {})
    if svc.get('healthcheck'):
        body['Healthcheck'] = healthcheck_body(svc['healthcheck'])
    if svc.get('mac_address'):
        body['MacAddress'] = svc['mac_address']
    if svc.get('volumes_from'):
        refs = []
        for entry in svc['volumes_from']:
            if entry.startswith('container:'):
                refs.append(entry.split(':', 1)[1])
                continue
            name, _sep, mode_ = entry.partition(':')
            ref = resolve_container(name) if resolve_container else None
            if not ref:
                raise ComposeError('service %s uses volumes_from %s, which has no container' % (svc['name'], name))
            refs.append('%s:%s' % (ref, mode_) if mode_ else ref)
        host['VolumesFrom'] = refs
    if svc.get('links'):
        links = []
        for entry in svc['links']:
            name, _sep, alias = entry.partition(':')
            ref = resolve_container(name) if resolve_container else None
            if ref:
                links.append('%s:%s' % (ref, alias or name))
        if links:
            host['Links'] = links
    return body


# --------------------------------------------------------------------------- current state

def _labels(obj):
    return obj.get('Labels') or {}


def container_number(container):
    try:
        return int(_labels(container).get(LABEL_NUMBER) or 0)
    except ValueError:
        return 0


def container_display_name(container):
    names = container.get('Names') or []
    if names:
        return names[0].lstrip('/')
    return (container.get('Name') or '').lstrip('/')


def is_running(container):
    return container.get('State') in ('running', 'restarting', 'paused')


def exited_ok(container):
    """Whether a listed container has exited with code 0 (its Status reads "Exited (0) ...")."""
    return container.get('State') == 'exited' and (container.get('Status') or '').startswith('Exited (0)')


def containers_by_service(containers, project_name):
    """{service: [containers sorted by number]} of the project's non-one-off containers,
    and the list of one-off containers."""
    result = {}
    oneoff = []
    for container in containers:
        labels = _labels(container)
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

PULL_CHOICES = ('always', 'missing', 'never', 'policy')
BUILD_CHOICES = ('always', 'never', 'policy')


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
            raise ComposeError('service %s: image %s is not on the engine and build is never; build it first '
                               'or set build to policy' % (svc['name'], svc['image']))
        return 'build'
    if policy == 'build':
        raise ComposeError('service %s has pull_policy build but no build section' % svc['name'])
    if pull == 'always' or (pull == 'policy' and policy == 'always'):
        return 'pull'
    if present:
        return None
    if pull == 'never' or (pull == 'policy' and policy == 'never'):
        raise ComposeError('service %s: image %s is not on the engine and pulling is disabled (pull: never / '
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
                name, project.name, ', '.join(project.order)))
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
    by_service, oneoff = containers_by_service(containers, project.name)
    nets_by_name = dict((n.get('Name'), n) for n in networks)
    vols_by_name = dict((v.get('Name'), v) for v in volumes)
    known = set(project.all_services)
    orphans = [c for svc, items in by_service.items() if svc not in known for c in items]

    if state == 'absent':
        if services:
            # only the services named: what they depend on stays (like docker-compose rm SERVICE)
            targets = [n for n in selected if n in services]
            plan.services = targets
        else:
            targets = list(project.order) + sorted(n for n in project.all_services if n not in project.order)
        for name in reversed(targets):
            for container in reversed(by_service.get(name, [])):
                plan.containers.append(_container_action('remove', name, container, 'state is absent'))
        if not services:
            for container in oneoff:
                plan.containers.append(_container_action('remove', _labels(container).get(LABEL_SERVICE),
                                                         container, 'one-off container of the project'))
        if orphans and remove_orphans:
            for container in orphans:
                plan.containers.append(_container_action('remove', _labels(container).get(LABEL_SERVICE), container,
                                                         'orphan: its service is not in the project'))
        elif orphans:
            plan.warnings.append('containers of services no longer in the project were left: %s (set remove_orphans: true)'
                                 % ', '.join(sorted(container_display_name(c) for c in orphans)))
        if not services:
            for key, net in sorted(project.networks.items()):
                current = nets_by_name.get(net['name'])
                if net['external'] or current is None:
                    continue
                if _labels(current).get(LABEL_PROJECT) not in (None, project.name):
                    continue
                plan.networks.append({'action': 'remove', 'network': key, 'name': net['name']})
            if remove_volumes:
                for key, vol in sorted(project.volumes.items()):
                    current = vols_by_name.get(vol['name'])
                    if vol['external'] or current is None:
                        continue
                    if _labels(current).get(LABEL_PROJECT) not in (None, project.name):
                        continue
                    plan.volumes.append({'action': 'remove', 'volume': key, 'name': vol['name']})
        return plan

    # networks used by the selected services, and every declared volume
    used_nets = []
    for name in selected:
        svc = project.services[name]
        for key in (svc.get('networks') or {}):
            if key not in used_nets:
                used_nets.append(key)
    for key in sorted(used_nets):
        net = project.networks[key]
        current = nets_by_name.get(net['name'])
        if net['external']:
            if current is None:
                raise ComposeError('external network %s (networks.%s) does not exist; create it first '
                                   '(berth.docker.network) or drop external' % (net['name'], key))
            continue
        if current is None:
            plan.networks.append({'action': 'create', 'network': key, 'name': net['name']})
            continue
        owner = _labels(current).get(LABEL_PROJECT)
        if owner is not None and owner != project.name:
            plan.warnings.append('network %s belongs to compose project %s; it is used as it is' % (net['name'], owner))
        drift = _network_drift(net, current)
        if drift:
            plan.warnings.append('network %s differs from its declaration (%s); it is used as it is: remove the project '
                                 '(state: absent) to recreate it' % (net['name'], '; '.join(drift)))
    for key, vol in sorted(project.volumes.items()):
        current = vols_by_name.get(vol['name'])
        if vol['external']:
            if current is None:
                raise ComposeError('external volume %s (volumes.%s) does not exist; create it first '
                                   '(berth.docker.volume) or drop external' % (vol['name'], key))
            continue
        if current is None:
            plan.volumes.append({'action': 'create', 'volume': key, 'name': vol['name']})
        elif vol.get('driver') and current.get('Driver') and current['Driver'] != vol['driver']:
            plan.warnings.append('volume %s uses driver %s, declared %s; it is kept (remove it to change the driver)' % (
                vol['name'], current['Driver'], vol['driver']))

    for name in selected:
        action = (image_actions or {}).get(name)
        if action:
            plan.images.append({'action': action, 'service': name, 'image': project.services[name]['image']})

    recreated = set()
    for name in selected:
        svc = project.services[name]
        wanted = desired_scale(svc, scale)
        existing = list(by_service.get(name, []))
        image_id = image_ids.get(name)
        want_hash = config_hash(svc, image_id) if image_id else None
        keep, extra = existing[:wanted], existing[wanted:]
        for container in reversed(extra):
            plan.containers.append(_container_action('remove', name, container, 'scale %d: more replicas than wanted' % wanted))
        dependency_recreated = any(dep in recreated for dep in hard_dependencies(svc))
        restart_for = [dep for dep, spec in sorted((svc.get('depends_on') or {}).items()) if spec.get('restart') and dep in recreated]
        used = set()
        for container in keep:
            number = container_number(container) or 1
            if number in used:
                number = _next_number(used)
            used.add(number)
            have_hash = _labels(container).get(LABEL_CONFIG_HASH)
            expected_name = container_name(project.name, svc, number)
            reason = None
            if recreate == 'always':
                reason = 'recreate is always'
            elif recreate == 'auto':
                if want_hash is None:
                    reason = 'its image will be %s' % ('built' if image_actions and image_actions.get(name) == 'build' else 'pulled')
                elif have_hash != want_hash:
                    reason = 'its configuration or image changed' if have_hash else 'it was not created with a config hash'
                elif dependency_recreated:
                    reason = 'a service it shares a namespace or volumes with is recreated'
            if reason:
                recreated.add(name)
                item = _container_action('recreate', name, container, reason)
                item['number'] = number
                item['new_name'] = expected_name
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

    if state == 'stopped':
        # stop dependants before their dependencies
        stops = [c for c in plan.containers if c['action'] == 'stop']
        others = [c for c in plan.containers if c['action'] != 'stop']
        order = dict((n, i) for i, n in enumerate(selected))
        stops.sort(key=lambda c: -order.get(c['service'], 0))
        plan.containers = others + stops

    if orphans:
        if remove_orphans:
            for container in orphans:
                plan.containers.insert(0, _container_action('remove', _labels(container).get(LABEL_SERVICE), container,
                                                            'orphan: its service is not in the project'))
        else:
            plan.warnings.append('found containers of services no longer in project %s: %s; set remove_orphans: true '
                                 'to remove them' % (project.name, ', '.join(sorted(container_display_name(c) for c in orphans))))
    return plan


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
