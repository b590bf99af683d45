# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compose keys that map onto container options beyond model.py's groups, read as compose
applies them on a single engine: memory reservation and swap (``mem_reservation``,
``deploy.resources.reservations.memory``, ``memswap_limit``), ``deploy.resources.limits.pids``,
devices requested from a driver (``gpus``, ``deploy.resources.reservations.devices``), ``dns_opt``,
``uts``, ``cgroup_parent``, ``external_links`` and labels from ``label_file``; and the key checks
of ``deploy.resources`` and ``healthcheck`` (schema.KEY_TABLE).

Each value is set in the normalised service only when given, so that the config hash of a
service without it stays what it was. Every error is a ComposeError naming the key."""

from ansible_collections.berth.docker.plugins.module_utils.compose.labels import LABEL_PREFIX
from ansible_collections.berth.docker.plugins.module_utils.compose.schema import check_keys
from ansible_collections.berth.docker.plugins.module_utils.compose.source import abs_host_path, read_env_file
from ansible_collections.berth.docker.plugins.module_utils.compose.values import parse_size, to_list, to_map
from ansible_collections.berth.docker.plugins.module_utils.errors import ComposeError


def _mapping(value, what):
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ComposeError('%s must be a mapping' % what)
    return value


def _count(value, what):
    """A device count: a whole number or ``all`` (-1)."""
    if value is None or str(value) == 'all':
        return None if value is None else -1
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ComposeError('%s: %r must be a whole number or all' % (what, value))


def _device_request(spec, what, gpu=False):
    """One entry of ``gpus`` or ``deploy.resources.reservations.devices`` -> a device_requests
    entry (container_values.parse_device_request's input): its capabilities are one group (all
    required); a ``gpus`` entry always asks for the gpu capability, as compose does."""
    if not isinstance(spec, dict):
        raise ComposeError('%s: each entry is a mapping with driver, count, device_ids, capabilities or options, '
                           'not %r' % (what, spec))
    unknown = sorted(set(spec) - set(('driver', 'count', 'device_ids', 'capabilities', 'options')))
    if unknown:
        raise ComposeError('%s: unknown key %s (expected driver, count, device_ids, capabilities, options)'
                           % (what, ', '.join(str(k) for k in unknown)))
    caps = to_list(spec.get('capabilities'), '%s.capabilities' % what)
    if gpu and 'gpu' not in caps:
        caps.append('gpu')
    request = {'driver': str(spec.get('driver') or ''), 'count': _count(spec.get('count'), '%s.count' % what),
               'device_ids': to_list(spec.get('device_ids'), '%s.device_ids' % what),
               'capabilities': [caps] if caps else [],
               'options': to_map(spec.get('options'), '%s.options' % what)}
    if request['count'] is not None and request['device_ids']:
        raise ComposeError('%s: count and device_ids cannot both be set' % what)
    return request


def _device_requests(raw, reservations, where):
    requests = []
    gpus = raw.get('gpus')
    if gpus is not None:
        if str(gpus) == 'all':
            gpus = [{'count': 'all'}]
        if not isinstance(gpus, list):
            raise ComposeError('%s.gpus must be all or a list of mappings' % where)
        requests.extend(_device_request(g, '%s.gpus' % where, gpu=True) for g in gpus)
    devices = reservations.get('devices')
    if devices is not None and not isinstance(devices, list):
        raise ComposeError('%s.deploy.resources.reservations.devices must be a list' % where)
    requests.extend(_device_request(d, '%s.deploy.resources.reservations.devices' % where) for d in devices or [])
    return requests


def _label_file(svc, raw, where, project):
    """Labels read from each ``label_file`` (KEY=VALUE lines, as an env file), in order; the
    service's ``labels`` win."""
    labels = {}
    for path in to_list(raw.get('label_file'), '%s.label_file' % where):
        values = read_env_file(abs_host_path(path, project.base_dir), required=True)
        labels.update((key, '' if val is None else val) for key, val in values.items())
    for key in labels:
        if key.startswith(LABEL_PREFIX):
            raise ComposeError('%s.label_file: %s is reserved for compose itself' % (where, key))
    labels.update(svc.get('labels') or {})
    svc['labels'] = labels


def more_resources(svc, raw, where, project, environment):
    """The group of model.SERVICE_KEY_GROUPS for the keys of this file (after _resources and
    _identity_and_labels: limits.pids wins over pids_limit and labels over label_file, as in
    compose). Each key only when given (config hash)."""
    deploy = _mapping(raw.get('deploy'), '%s.deploy' % where)
    resources = _mapping(deploy.get('resources'), '%s.deploy.resources' % where)
    check_keys(resources, 'deploy.resources', '%s.deploy.resources' % where, project.warnings)
    limits = _mapping(resources.get('limits'), '%s.deploy.resources.limits' % where)
    reservations = _mapping(resources.get('reservations'), '%s.deploy.resources.reservations' % where)
    check_keys(limits, 'deploy.resources.limits', '%s.deploy.resources.limits' % where, project.warnings)
    check_keys(reservations, 'deploy.resources.reservations', '%s.deploy.resources.reservations' % where,
               project.warnings)
    if isinstance(raw.get('healthcheck'), dict):
        check_keys(raw['healthcheck'], 'healthcheck', '%s.healthcheck' % where, project.warnings)

    reservation = reservations.get('memory', raw.get('mem_reservation'))
    if reservation is not None:
        svc['mem_reservation'] = parse_size(reservation, '%s.mem_reservation' % where)
    swap = raw.get('memswap_limit')
    if swap is not None:
        svc['memswap_limit'] = -1 if str(swap) in ('-1', 'unlimited') else parse_size(swap, '%s.memswap_limit' % where)
    if limits.get('pids') is not None:
        try:
            svc['pids_limit'] = int(limits['pids'])
        except (TypeError, ValueError):
            raise ComposeError('%s.deploy.resources.limits.pids: expected a whole number, got %r' % (where, limits['pids']))
    requests = _device_requests(raw, reservations, where)
    if requests:
        svc['device_requests'] = requests
    for key in ('dns_opt', 'external_links'):
        if raw.get(key) is not None:
            svc[key] = to_list(raw[key], '%s.%s' % (where, key))
    for key in ('uts', 'cgroup_parent'):
        if raw.get(key) is not None:
            svc[key] = str(raw[key])
    if raw.get('label_file') is not None:
        _label_file(svc, raw, where, project)


def resource_options(svc, parse):
    """The container options of this file's keys, each normalised by ``parse(option, value)``
    (the option table's own parser)."""
    opts = {}
    for key, option in (('mem_reservation', 'memory_reservation'), ('memswap_limit', 'memory_swap'),
                        ('dns_opt', 'dns_opts'), ('uts', 'uts'), ('cgroup_parent', 'cgroup_parent'),
                        ('device_requests', 'device_requests')):
        if svc.get(key) not in (None, []):
            opts[option] = parse(option, svc[key])
    return opts


def external_links(svc):
    """``external_links`` (CONTAINER or CONTAINER:ALIAS) as Engine API links."""
    return [link if ':' in link else '%s:%s' % (link, link) for link in svc.get('external_links') or []]
