# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""From the normalised project to the Engine API: the config hash, the labels compose sets, the
create bodies of networks, volumes and containers, the archive of a service's secrets and
configs, and the anonymous volumes a recreated container keeps.

A service becomes container options in the shape ``container_options.normalize_options``
produces (port tuples, volume tuples, Engine API mounts, ulimits and devices), handed to
``container_body.create_body`` as a NormalizedOptions: the structured values of the model are
never written out as docker CLI strings to be parsed again."""

import hashlib
import io
import json
import tarfile

from ansible_collections.berth.docker.plugins.module_utils.compose import v2hash
from ansible_collections.berth.docker.plugins.module_utils.compose.labels import (
    LABEL_CONFIG_FILES,
    LABEL_CONFIG_HASH,
    LABEL_DEPENDS_ON,
    LABEL_ENV_FILE,
    LABEL_FILE_OBJECTS,
    LABEL_IMAGE,
    LABEL_NETWORK,
    LABEL_NUMBER,
    LABEL_ONEOFF,
    LABEL_PROJECT,
    LABEL_SERVICE,
    LABEL_VERSION,
    LABEL_VOLUME,
    LABEL_WORKING_DIR,
)
from ansible_collections.berth.docker.plugins.module_utils.compose.resources import external_links, resource_options
from ansible_collections.berth.docker.plugins.module_utils.container_body import create_body as container_create_body
from ansible_collections.berth.docker.plugins.module_utils.container_options import OPTIONS, NormalizedOptions, compose_key_map
from ansible_collections.berth.docker.plugins.module_utils.container_values import RESTART_POLICIES, parse_network
from ansible_collections.berth.docker.plugins.module_utils.errors import ComposeError, SpecError

# the compose version the labels name (docker compose v2 and docker-compose v1 read them)
COMPOSE_VERSION = '2.24.0'

# keys of the normalised service that do not change the container (scale is a count; build,
# pull policy and profiles decide how to get there; depends_on only orders the start)
HASH_EXCLUDED = ('scale', 'build', 'pull_policy', 'profiles', 'depends_on')

# 1:1 keys that count even when empty (an empty command replaces the image's; env is always set)
KEPT_WHEN_EMPTY = ('command', 'entrypoint', 'environment')


def config_hash(svc, image_id):
    """A stable hash of the normalised service configuration and the image ID (hex sha256).
    Anything that changes the container changes it; key order never does."""
    data = dict((k, v) for k, v in svc.items() if k not in HASH_EXCLUDED)
    data['image_id'] = image_id
    text = json.dumps(data, sort_keys=True, separators=(',', ':'), default=str)
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


def service_config_hash(project, svc, image_id, containers=None):
    """The config hash a new container of ``svc`` carries: docker compose v2's (v2hash), so that
    ``docker compose up`` takes berth's containers as up to date and berth takes compose's; for a
    service using something v2hash does not emulate, berth's own (config_hash).
    ``containers``: {service: ID of its first container}, for ``service:`` references."""
    chash = v2hash.service_hash(project, svc['name'], containers)
    return chash if chash is not None else config_hash(svc, image_id)


def is_up_to_date(labels, project, svc, image_id, containers=None):
    """Whether a container with ``labels`` runs the service as declared on image ``image_id``:
    compose v2's hash and image label (compose's own test), or berth's own earlier hash, which
    covers the image too (containers berth made before it wrote compose v2's hash are kept)."""
    have = labels.get(LABEL_CONFIG_HASH)
    if have == config_hash(svc, image_id):
        return True
    want = v2hash.service_hash(project, svc['name'], containers)
    return (want is not None and have == want and labels.get(LABEL_IMAGE) == image_id
            and labels.get(LABEL_FILE_OBJECTS) == file_objects_digest(svc))


def file_objects_digest(svc):
    """A sha256 over the content digests of the service's environment and content secrets and
    configs (None when it has none). compose v2's hash covers only their names and targets, so a
    rotated secret would not recreate the container that holds the old one; this label does."""
    items = sorted([kind, item['source'], item['digest']] for kind in ('secrets', 'configs')
                   for item in svc.get(kind) or [] if item.get('digest'))
    if not items:
        return None
    return hashlib.sha256(json.dumps(items).encode('utf-8')).hexdigest()


def container_labels(project, svc, number, chash, image_id=None):
    """The service's own labels plus those compose sets on its containers."""
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
    if file_objects_digest(svc):
        labels[LABEL_FILE_OBJECTS] = file_objects_digest(svc)
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
    """The ``POST /networks/create`` body of a declared network."""
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
    """The ``POST /volumes/create`` body of a declared volume."""
    return {
        'Name': vol['name'],
        'Driver': vol.get('driver') or 'local',
        'DriverOpts': dict(vol.get('driver_opts') or {}),
        'Labels': volume_labels(project, key, vol),
    }


def sorted_networks(svc):
    """The service's networks in attach order: highest priority first, then by name."""
    return sorted((svc.get('networks') or {}).items(), key=lambda kv: (-kv[1].get('priority', 0), kv[0]))


def service_networks(project, svc):
    """The service's networks as normalised container ``networks`` entries (full names, the
    service name among the aliases, as compose does), in attach order."""
    result = []
    for key, spec in sorted_networks(svc):
        net = {'name': project.networks[key]['name'],
               'aliases': [svc['name']] + [a for a in spec.get('aliases') or [] if a != svc['name']]}
        for addr in ('ipv4_address', 'ipv6_address'):
            if spec.get(addr):
                net[addr] = spec[addr]
        result.append(parse_network(net))
    return result


def _published_ports(svc):
    """The service's ports as (container port/proto, host IP, host port) tuples."""
    ports = set()
    for port in svc.get('ports') or []:
        host_ip = port.get('host_ip') or ''
        if host_ip == '0.0.0.0':
            host_ip = ''
        elif host_ip and ':' not in host_ip and not all(c in '0123456789.' for c in host_ip):
            raise SpecError('published_ports', 'invalid IP address %r in %r; IPv6 addresses go in brackets: [::1]:8080:80'
                            % (host_ip, '%s:%s:%d/%s' % (host_ip, port.get('published') or '', port['target'],
                                                         port['protocol'])))
        published = str(port['published']) if port.get('published') else ''
        ports.add(('%d/%s' % (port['target'], port['protocol']), host_ip, published))
    return sorted(ports)


def _bind(source, target, modes):
    return (source, target.rstrip('/') or '/', ','.join(sorted(modes)))


def _volumes_and_mounts(project, svc):
    """The service's volumes as (source, target, mode) tuples (binds, named and anonymous volumes,
    secret and config files) and Engine API mounts (binds whose host path is not created, tmpfs)."""
    volumes, mounts = [], []
    for vol in svc.get('volumes') or []:
        access = 'ro' if vol.get('read_only') else 'rw'
        if vol['type'] == 'bind' and vol.get('create_host_path', True):
            volumes.append(_bind(vol['source'], vol['target'], [access] + [vol[k] for k in ('selinux', 'propagation')
                                                                           if vol.get(k)]))
        elif vol['type'] == 'bind':
            mount = {'Type': 'bind', 'Target': vol['target'], 'Source': vol['source']}
            if vol.get('read_only'):
                mount['ReadOnly'] = True
            if vol.get('propagation'):
                mount['BindOptions'] = {'Propagation': vol['propagation']}
            mounts.append(mount)
        elif vol['type'] == 'volume' and vol.get('source'):
            volumes.append(_bind(project.volumes[vol['source']]['name'], vol['target'],
                                 [access] + (['nocopy'] if vol.get('nocopy') else [])))
        elif vol['type'] == 'volume':
            volumes.append(('', vol['target'].rstrip('/') or '/', ''))
        elif vol['type'] == 'tmpfs':
            mount = {'Type': 'tmpfs', 'Target': vol['target']}
            if vol.get('read_only'):
                mount['ReadOnly'] = True
            tmpfs = dict((api, vol[key]) for key, api in (('size', 'SizeBytes'), ('mode', 'Mode'))
                         if vol.get(key) is not None)
            if tmpfs:
                mount['TmpfsOptions'] = tmpfs
            mounts.append(mount)
    for kind in ('secrets', 'configs'):
        for item in svc.get(kind) or []:
            if 'file' in item:  # without swarm, compose bind-mounts file secrets and configs read-only
                volumes.append(_bind(item['file'], item['target'], ['ro']))
    targets = [v[1] for v in volumes]
    twice = sorted(set(t for t in targets if targets.count(t) > 1))
    if twice:
        raise SpecError('volumes', 'container path %s is mounted more than once; keep one entry per path' % ', '.join(twice))
    return sorted(set(volumes)), mounts


def _network_options(project, svc, resolve_container):
    mode = svc.get('network_mode')
    if mode and mode.startswith('service:'):
        target = mode.split(':', 1)[1]
        ref = resolve_container(target) if resolve_container else None
        if not ref:
            raise ComposeError('service %s uses network_mode service:%s, but %s has no container' % (svc['name'], target, target))
        return {'network_mode': 'container:%s' % ref}
    if mode:
        return {'network_mode': 'bridge' if mode == 'default' else mode}
    return {'networks': service_networks(project, svc)}


def _one_to_one_options(svc):
    """The compose keys that map one to one onto a container option (container_options'
    compose_key_map), each value normalised by that option's own parser."""
    opts = {}
    for key, name in compose_key_map().items():
        value = svc.get(key)
        if value is None or (value in ([], {}) and key not in KEPT_WHEN_EMPTY):
            continue
        opts[name] = OPTIONS[name].parse(value, name)
    return opts


def _host_options(svc):
    """Restart policy, resources, /etc/hosts entries, logging and ulimits."""
    opts = {}
    if svc.get('restart'):
        name, _sep, count = svc['restart'].partition(':')
        if name not in RESTART_POLICIES:
            raise SpecError('restart_policy', '%r is not one of %s' % (name, ', '.join(RESTART_POLICIES)))
        opts['restart_policy'] = name
        if count:
            opts['restart_retries'] = int(count)
    if svc.get('memory') is not None:
        opts['memory'] = int(svc['memory'])
    if svc.get('cpus') is not None:
        opts['cpus'] = float(svc['cpus'])
    if svc.get('stop_grace_period') is not None:
        opts['stop_timeout'] = int(round(svc['stop_grace_period']))
    if svc.get('extra_hosts'):
        opts['etc_hosts'] = sorted(svc['extra_hosts'])
    if svc.get('logging'):
        opts['log_driver'] = str(svc['logging']['driver'])
        opts['log_options'] = dict((str(k), str(v)) for k, v in svc['logging']['options'].items())
    if svc.get('ulimits'):
        opts['ulimits'] = [{'Name': n, 'Soft': v['soft'], 'Hard': v['hard']} for n, v in sorted(svc['ulimits'].items())]
    opts.update(resource_options(svc, lambda name, value: OPTIONS[name].parse(value, name)))
    return opts


def container_options(project, svc, number, chash, image_id=None, resolve_container=None):
    """The service as normalised container options (what ``container_options.normalize_options``
    would make of the same settings), names and paths fully resolved."""
    opts = NormalizedOptions(_one_to_one_options(svc))
    opts['labels'] = dict((str(k), str(v)) for k, v in container_labels(project, svc, number, chash, image_id).items())
    if svc.get('ports'):
        opts['published_ports'] = _published_ports(svc)
    volumes, mounts = _volumes_and_mounts(project, svc)
    if volumes:
        opts['volumes'] = volumes
    if mounts:
        opts['mounts'] = mounts
    opts.update(_network_options(project, svc, resolve_container))
    opts.update(_host_options(svc))
    return opts


def _ns(seconds):
    return int(round(seconds * 1e9)) if seconds is not None else None


def healthcheck_body(health):
    """The Engine API Healthcheck of a normalised compose healthcheck (durations in seconds)."""
    hc = {}
    if health.get('test'):
        hc['Test'] = health['test']
    for key, api in (('interval', 'Interval'), ('timeout', 'Timeout'), ('start_period', 'StartPeriod'),
                     ('start_interval', 'StartInterval')):
        if health.get(key) is not None:
            hc[api] = _ns(health[key])
    if health.get('retries') is not None:
        hc['Retries'] = health['retries']
    return hc


def _volumes_from(svc, resolve_container):
    refs = []
    for entry in svc['volumes_from']:
        if entry.startswith('container:'):
            refs.append(entry.split(':', 1)[1])
            continue
        name, _sep, mode = entry.partition(':')
        ref = resolve_container(name) if resolve_container else None
        if not ref:
            raise ComposeError('service %s uses volumes_from %s, which has no container' % (svc['name'], name))
        refs.append('%s:%s' % (ref, mode) if mode else ref)
    return refs


def _links(svc, resolve_container):
    links = []
    for entry in svc['links']:
        name, _sep, alias = entry.partition(':')
        ref = resolve_container(name) if resolve_container else None
        if ref:
            links.append('%s:%s' % (ref, alias or name))
    return links


def create_body(project, svc, number, chash, image_id=None, resolve_container=None, api_version='1.41'):
    """The Engine API ``POST /containers/create`` body for replica ``number`` of ``svc``:
    container_body.create_body() of container_options(), plus the compose-only fields.

    ``resolve_container(service)`` returns the container ID/name of another service's first
    replica (for ``network_mode: service:X``, ``volumes_from`` and ``links``). Networks after
    the first are connected by the caller (Engine API < 1.44 takes one at create)."""
    try:
        options = container_options(project, svc, number, chash, image_id, resolve_container)
        body = container_create_body(options, None, api_version)
    except ComposeError:
        raise
    except SpecError as exc:
        raise ComposeError('service %s: %s' % (svc['name'], exc.msg))
    host = body.setdefault('HostConfig', {})
    if svc.get('healthcheck'):
        body['Healthcheck'] = healthcheck_body(svc['healthcheck'])
    if svc.get('mac_address'):
        body['MacAddress'] = svc['mac_address']
    if svc.get('volumes_from'):
        host['VolumesFrom'] = _volumes_from(svc, resolve_container)
    if svc.get('links') or svc.get('external_links'):
        links = _links(svc, resolve_container) + external_links(svc)
        if links:
            host['Links'] = links
    return body


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
