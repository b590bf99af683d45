# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Desired container options against an existing container: differences and the plan.

Pure functions, no engine I/O.

``compare(options, container, image_info=None, comparisons=None) -> list of dict``
    Differences between the desired ``options`` and a container's ``GET /containers/{id}/json``
    answer, after merging the image's defaults (ENV, LABEL, EXPOSE, VOLUME, CMD, ENTRYPOINT,
    HEALTHCHECK, STOPSIGNAL). Only options present in ``options`` are compared. Each difference is
    ``{'option', 'before', 'after', 'update'}``; ``update`` is true when the engine can change it in
    place (``POST /containers/{id}/update``). ``comparisons`` uses the module's ``comparisons``
    option format. Networks are not in this list: see :func:`network_actions`.

``network_actions(options, container, comparisons=None) -> list of dict``
    ``{'action': 'connect'|'disconnect', 'network': name, 'config': endpoint config}`` steps that
    bring a container's networks to ``options['networks']`` without recreating it.

``plan(state, container, differences, net_actions, ...) -> list of str``
    The ordered actions (create / recreate / update / connect / start / stop / restart / remove).
"""

from ansible_collections.berth.docker.plugins.module_utils.container_body import effective_network_mode, endpoint_config
from ansible_collections.berth.docker.plugins.module_utils.container_options import (
    COMPARISON_MODES, OPTIONS, normalize_options)
from ansible_collections.berth.docker.plugins.module_utils.container_values import (
    format_bind, normalize_capability, normalize_network_mode)
from ansible_collections.berth.docker.plugins.module_utils.errors import SpecError


def _env_dict(env_list):
    """['KEY=VALUE', ...] (the engine's Env) -> {KEY: VALUE}."""
    result = {}
    for item in env_list or []:
        key, _sep, value = item.partition('=')
        result[key] = value
    return result


def _norm_bind(text):
    """A Binds entry from inspect -> the (source, target, mode) tuple parse_volume makes."""
    parts = text.split(':')
    if len(parts) == 2:
        return (parts[0], parts[1].rstrip('/') or '/', 'rw')
    source, target, mode = parts[0], parts[1], ':'.join(parts[2:])
    modes = [m for m in mode.split(',') if m]
    if 'ro' not in modes and 'rw' not in modes:
        modes.append('rw')
    return (source, target.rstrip('/') or '/', ','.join(sorted(modes)))


def _read_image(container, option):
    return container.get('Image')


def _read_env(container, option):
    return _env_dict((container.get('Config') or {}).get('Env'))


def _read_stop_timeout(container, option):
    return (container.get('Config') or {}).get('StopTimeout')


def _read_network_mode(container, option):
    return normalize_network_mode((container.get('HostConfig') or {}).get('NetworkMode') or 'default')


def _restart(container):
    return (container.get('HostConfig') or {}).get('RestartPolicy') or {}


def _read_restart_policy(container, option):
    return _restart(container).get('Name') or 'no'


def _read_restart_retries(container, option):
    return _restart(container).get('MaximumRetryCount') or 0


def _read_cpus(container, option):
    return ((container.get('HostConfig') or {}).get('NanoCpus') or 0) / 1e9


def _read_pids_limit(container, option):
    return max((container.get('HostConfig') or {}).get('PidsLimit') or 0, 0)


def _read_capabilities(container, option):
    """capabilities and cap_drop: CAP_ names, sorted."""
    return sorted(normalize_capability(c) for c in (container.get('HostConfig') or {}).get(option.field[1]) or [])


def _log_config(container):
    return (container.get('HostConfig') or {}).get('LogConfig') or {}


def _read_log_driver(container, option):
    return _log_config(container).get('Type') or ''


def _read_log_options(container, option):
    return dict(_log_config(container).get('Config') or {})


def _read_device_requests(container, option):
    return [dict(Driver=r.get('Driver') or '', Count=r.get('Count') or 0, DeviceIDs=r.get('DeviceIDs') or None,
                 Capabilities=r.get('Capabilities') or None, Options=r.get('Options') or None)
            for r in (container.get('HostConfig') or {}).get('DeviceRequests') or []]


def _read_as_is(container, option):
    """A field whose unset value (null) differs from 0 (memory_swappiness)."""
    section, api = option.field
    return (container.get(section) or {}).get(api)


def _read_links(container, option):
    """HostConfig.Links ('/other:/this/alias') -> 'other:alias', sorted."""
    links = []
    for link in (container.get('HostConfig') or {}).get('Links') or []:
        other, _sep, path = link.partition(':')
        links.append('%s:%s' % (other.lstrip('/'), path.rsplit('/', 1)[-1]))
    return sorted(links)


def _read_platform(container, option):
    return container.get('Platform') or ''


def _read_published_ports(container, option):
    ports = set()
    for cport, binds in ((container.get('HostConfig') or {}).get('PortBindings') or {}).items():
        for bind in binds or []:
            ip = (bind.get('HostIp') or '').strip('[]')
            ports.add((cport, '' if ip == '0.0.0.0' else ip, bind.get('HostPort') or ''))
    return sorted(ports)


def _read_exposed_ports(container, option):
    return sorted(((container.get('Config') or {}).get('ExposedPorts') or {}).keys())


def _read_volumes(container, option):
    """Binds and anonymous volumes (Config.Volumes not covered by a bind or a mount)."""
    cfg = container.get('Config') or {}
    host = container.get('HostConfig') or {}
    binds = [_norm_bind(b) for b in host.get('Binds') or []]
    mount_targets = set(m.get('Target') for m in host.get('Mounts') or [])
    bind_targets = set(b[1] for b in binds)
    anon = [('', t.rstrip('/') or '/', '') for t in (cfg.get('Volumes') or {})
            if (t.rstrip('/') or '/') not in bind_targets and t not in mount_targets]
    return sorted(set(binds + anon))


# the readers the option table names (ContainerOption.read), for options that do not come back
# from one inspect field as they are
READERS = {
    'image': _read_image,
    'env': _read_env,
    'stop_timeout': _read_stop_timeout,
    'network_mode': _read_network_mode,
    'restart_policy': _read_restart_policy,
    'restart_retries': _read_restart_retries,
    'cpus': _read_cpus,
    'pids_limit': _read_pids_limit,
    'capabilities': _read_capabilities,
    'log_driver': _read_log_driver,
    'log_options': _read_log_options,
    'device_requests': _read_device_requests,
    'published_ports': _read_published_ports,
    'exposed_ports': _read_exposed_ports,
    'volumes': _read_volumes,
    'as_is': _read_as_is,
    'links': _read_links,
    'platform': _read_platform,
}

_ARCH_ALIASES = {'x86_64': 'amd64', 'x86-64': 'amd64', 'aarch64': 'arm64', 'armhf': 'arm', 'armel': 'arm',
                 'i386': '386', 'i686': '386'}


def platform_parts(platform):
    """'linux/x86_64' -> ['linux', 'amd64']: OS, architecture and variant in the engine's names."""
    parts = [p for p in str(platform or '').lower().split('/') if p]
    if len(parts) > 1:
        parts[1] = _ARCH_ALIASES.get(parts[1], parts[1])
    if parts[1:2] == ['amd64'] and parts[2:] == ['v1']:
        parts = parts[:2]
    return parts


def image_platform(image_info, container=None):
    """The platform of an image ('linux/arm64/v8'), from its Os, Architecture and Variant;
    the container's own Platform (its OS only) when the image is unknown."""
    img = image_info or {}
    if img.get('Os') or img.get('Architecture'):
        return '/'.join(p for p in (img.get('Os'), img.get('Architecture'), img.get('Variant')) if p)
    return (container or {}).get('Platform') or ''


def platforms_differ(desired, actual):
    """Whether the desired platform is not the actual one; a shorter desired platform
    (linux, linux/arm64) matches any actual one it is the beginning of."""
    want, have = platform_parts(desired), platform_parts(actual)
    return have[:len(want)] != want


def _read_field(container, option):
    """An option that comes back from one inspect field; ``option.empty`` says what unset means."""
    section, api = option.field
    value = (container.get(section) or {}).get(api)
    if option.empty is False:
        return bool(value)
    if isinstance(option.empty, list):
        return sorted(value or []) if option.kind == 'set' else list(value or [])
    if isinstance(option.empty, dict):
        return dict(value or {})
    return value or option.empty


def actual_options(container):
    """A container's inspect data as normalised option values (keys: option names)."""
    out = {}
    for name, option in OPTIONS.items():
        if option.read:
            out[name] = READERS[option.read](container, option)
        elif option.field:
            out[name] = _read_field(container, option)
    return out


def desired_with_image_defaults(options, image_info):
    """Desired values for comparison: the user's options merged over the image's defaults
    where the engine merges them too (so image defaults never cause false changes)."""
    o = normalize_options(options)
    img = (image_info or {}).get('Config') or {}
    d = dict(o)
    if 'env' in o:
        env = _env_dict(img.get('Env'))
        env.update(o['env'])
        d['env'] = env
    if 'labels' in o:
        labels = dict(img.get('Labels') or {})
        labels.update(o['labels'])
        d['labels'] = labels
    if 'exposed_ports' in o or 'published_ports' in o:
        exposed = set(o.get('exposed_ports') or []) | set((img.get('ExposedPorts') or {}).keys())
        exposed |= set(p[0] for p in o.get('published_ports') or [])
        d['exposed_ports'] = sorted(exposed)
    if 'volumes' in o:
        vols = set(o['volumes'])
        targets = set(v[1] for v in vols)
        for target in img.get('Volumes') or {}:
            t = target.rstrip('/') or '/'
            if t not in targets:
                vols.add(('', t, ''))
        d['volumes'] = sorted(vols)
    if 'healthcheck' in o:
        merged = dict(img.get('Healthcheck') or {}) if o['healthcheck'].get('Test') != ['NONE'] else {}
        merged.update(o['healthcheck'])
        d['healthcheck'] = dict((k, v) for k, v in merged.items() if v not in (0, None, []))
    return d


def _freeze(value):
    """A hashable form of a list / dict value, for set comparisons."""
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


def _as_set(value):
    """A list (or a dict, as KEY=VALUE items) as a set of hashable items."""
    if isinstance(value, dict):
        return set('%s=%s' % (k, v) for k, v in value.items())
    return set(_freeze(v) for v in value or [])


def values_differ(kind, mode, desired, actual):
    """True when ``desired`` and ``actual`` differ under comparison ``mode``."""
    if mode == 'ignore':
        return False
    if kind == 'dict':
        desired = desired or {}
        actual = actual or {}
        if mode == 'allow_more_present':
            return any(actual.get(k) != v for k, v in desired.items())
        return desired != actual
    if kind in ('set', 'set(dict)'):
        dset, aset = _as_set(desired), _as_set(actual)
        if mode == 'allow_more_present':
            return not dset <= aset
        return dset != aset
    if kind == 'list':
        return list(desired or []) != list(actual or [])
    return desired != actual


def resolve_comparisons(comparisons=None, purge_networks=False):
    """The comparison mode of every option: defaults (like community.docker), then '*', then
    the user's per-option modes. Raises SpecError on an unknown option or mode."""
    modes = dict((name, option.comparison) for name, option in OPTIONS.items())
    if purge_networks:
        modes['networks'] = 'strict'
    comparisons = comparisons or {}
    star = comparisons.get('*')
    if star is not None:
        if star not in ('strict', 'ignore'):
            raise SpecError('comparisons', "'*' may be strict or ignore, not %r" % (star,))
        for name in modes:
            modes[name] = star
    for name, mode in comparisons.items():
        if name == '*':
            continue
        if name not in OPTIONS:
            raise SpecError('comparisons', 'unknown option %r; comparable options are: %s' % (name, ', '.join(sorted(OPTIONS))))
        if mode not in COMPARISON_MODES:
            raise SpecError('comparisons', 'mode %r for %s is not one of %s' % (mode, name, ', '.join(COMPARISON_MODES)))
        if mode == 'allow_more_present' and OPTIONS[name].kind in ('value', 'list'):
            raise SpecError('comparisons', 'allow_more_present works only for lists of items and dictionaries, not %s; '
                            'use strict or ignore' % name)
        modes[name] = mode
    return modes


def _display(name, value):
    """A value as the difference report shows it (ports and volumes in the docker CLI's syntax)."""
    if name == 'published_ports':
        return ['%s%s:%s' % ('[%s]:' % ip if ':' in ip else (ip + ':' if ip else ''), hp, cp) for cp, ip, hp in value or []]
    if name == 'volumes':
        return [format_bind(v) if v[0] else v[1] for v in value or []]
    if name == 'env' and isinstance(value, dict):
        return sorted('%s=%s' % (k, v) for k, v in value.items())
    return value


def compare(options, container, image_info=None, comparisons=None, purge_networks=False):
    """Differences between desired options and a container (see the module docstring)."""
    o = normalize_options(options)
    desired = desired_with_image_defaults(o, image_info)
    actual = actual_options(container)
    modes = resolve_comparisons(comparisons, purge_networks)
    diffs = []
    for name in sorted(desired):
        if name not in OPTIONS or name == 'networks':
            continue
        option = OPTIONS[name]
        mode = modes[name]
        want, have = desired[name], actual.get(name)
        if name == 'image':
            if image_info is None or mode == 'ignore':
                continue
            want = image_info.get('Id')
        elif name == 'restart_retries' and desired.get('restart_policy', actual['restart_policy']) != 'on-failure':
            continue
        elif name == 'platform':
            have = image_platform(image_info, container)
            if mode != 'ignore' and platforms_differ(want, have):
                diffs.append({'option': name, 'before': have, 'after': want, 'update': False})
            continue
        if values_differ(option.kind, mode, want, have):
            diffs.append({'option': name, 'before': _display(name, have), 'after': _display(name, want),
                          'update': option.updatable})
    return diffs


def needs_recreate(differences):
    """Whether any of ``differences`` can only be applied by recreating the container."""
    return any(not d['update'] for d in differences)


# -- networks -------------------------------------------------------------------------------

def network_actions(options, container, comparisons=None, purge_networks=False):
    """Connect / disconnect steps for ``options['networks']`` (see the module docstring)."""
    o = normalize_options(options)
    if 'networks' not in o:
        return []
    modes = resolve_comparisons(comparisons, purge_networks)
    mode = modes['networks']
    if mode == 'ignore':
        return []
    net_mode = actual_options(container)['network_mode']
    if net_mode in ('host', 'none') or net_mode.startswith('container:'):
        return []
    attached = (container.get('NetworkSettings') or {}).get('Networks') or {}
    short_id = (container.get('Id') or '')[:12]
    actions = []
    for net in o['networks']:
        have = attached.get(net['name'])
        if have is None:
            actions.append({'action': 'connect', 'network': net['name'], 'config': endpoint_config(net)})
            continue
        ipam = have.get('IPAMConfig') or {}
        aliases = set(have.get('Aliases') or []) - set([short_id])
        links = set(have.get('Links') or [])
        differs = (
            (net.get('ipv4_address') and ipam.get('IPv4Address') != net['ipv4_address'])
            or (net.get('ipv6_address') and ipam.get('IPv6Address') != net['ipv6_address'])
            or not set(net.get('aliases') or []) <= aliases
            or not set(net.get('links') or []) <= links)
        if differs:
            actions.append({'action': 'disconnect', 'network': net['name'], 'config': None})
            actions.append({'action': 'connect', 'network': net['name'], 'config': endpoint_config(net)})
    if mode == 'strict':
        wanted = set(n['name'] for n in o['networks'])
        for name in sorted(attached):
            if name not in wanted:
                actions.append({'action': 'disconnect', 'network': name, 'config': None})
    return actions


def initial_network_actions(options):
    """The connect steps a freshly created container needs: every network of ``networks``
    except the one :func:`create_body` attached at create."""
    o = normalize_options(options)
    mode = effective_network_mode(o)
    if mode in ('host', 'none') or (mode or '').startswith('container:'):
        return []
    return [{'action': 'connect', 'network': n['name'], 'config': endpoint_config(n)}
            for n in o.get('networks') or [] if n['name'] != mode]


# -- plan -----------------------------------------------------------------------------------

def plan(state, container, differences=(), net_actions=(), recreate=False, restart=False, image_changed=False, options=None):
    """The ordered list of actions for ``state`` given the current ``container`` (inspect data
    or None) and the results of :func:`compare` / :func:`network_actions`.

    Actions: create, remove, recreate (remove + create, keeping the running state), update,
    connect:NET, disconnect:NET, start, stop, restart. With ``options``, a create or recreate
    lists the connects of :func:`initial_network_actions` instead of ``net_actions``.
    """
    fresh = initial_network_actions(options) if options is not None else net_actions
    actions = []
    if state == 'absent':
        return ['remove'] if container else []
    running = bool(container and (container.get('State') or {}).get('Running'))
    if container is None:
        actions.append('create')
        actions.extend('%s:%s' % (a['action'], a['network']) for a in fresh)
        if state in ('started', 'healthy'):
            actions.append('start')
        return actions
    if recreate or image_changed or needs_recreate(differences):
        actions.append('recreate')
        actions.extend('%s:%s' % (a['action'], a['network']) for a in fresh)
        if state in ('started', 'healthy') or (state == 'present' and running):
            actions.append('start')
        return actions
    if any(d['update'] for d in differences):
        actions.append('update')
    actions.extend('%s:%s' % (a['action'], a['network']) for a in net_actions)
    if state in ('started', 'healthy'):
        if not running:
            actions.append('start')
        elif restart:
            actions.append('restart')
    elif state == 'stopped' and running:
        actions.append('stop')
    return actions
