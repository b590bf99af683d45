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
    result = {}
    for item in env_list or []:
        key, _sep, value = item.partition('=')
        result[key] = value
    return result


def _norm_bind(text):
    parts = text.split(':')
    if len(parts) == 2:
        return (parts[0], parts[1].rstrip('/') or '/', 'rw')
    source, target, mode = parts[0], parts[1], ':'.join(parts[2:])
    modes = [m for m in mode.split(',') if m]
    if 'ro' not in modes and 'rw' not in modes:
        modes.append('rw')
    return (source, target.rstrip('/') or '/', ','.join(sorted(modes)))


def actual_options(container):
    """A container's inspect data as normalised option values (keys: option names)."""
    cfg = container.get('Config') or {}
    host = container.get('HostConfig') or {}
    out = {
        'image': container.get('Image'),
        'command': cfg.get('Cmd') or [],
        'entrypoint': cfg.get('Entrypoint') or [],
        'env': _env_dict(cfg.get('Env')),
        'labels': dict(cfg.get('Labels') or {}),
        'user': cfg.get('User') or '',
        'working_dir': cfg.get('WorkingDir') or '',
        'hostname': cfg.get('Hostname') or '',
        'domainname': cfg.get('Domainname') or '',
        'tty': bool(cfg.get('Tty')),
        'interactive': bool(cfg.get('OpenStdin')),
        'stop_signal': cfg.get('StopSignal') or 'SIGTERM',
        'stop_timeout': cfg.get('StopTimeout'),
        'healthcheck': cfg.get('Healthcheck') or None,
        'network_mode': normalize_network_mode(host.get('NetworkMode') or 'default'),
        'restart_policy': ((host.get('RestartPolicy') or {}).get('Name') or 'no'),
        'restart_retries': (host.get('RestartPolicy') or {}).get('MaximumRetryCount') or 0,
        'etc_hosts': sorted(host.get('ExtraHosts') or []),
        'dns_servers': list(host.get('Dns') or []),
        'memory': host.get('Memory') or 0,
        'memory_reservation': host.get('MemoryReservation') or 0,
        'memory_swap': host.get('MemorySwap') or 0,
        'cpus': (host.get('NanoCpus') or 0) / 1e9,
        'cpu_shares': host.get('CpuShares') or 0,
        'cpuset_cpus': host.get('CpusetCpus') or '',
        'pids_limit': host.get('PidsLimit') or 0,
        'shm_size': host.get('ShmSize') or 0,
        'init': bool(host.get('Init')),
        'read_only': bool(host.get('ReadonlyRootfs')),
        'auto_remove': bool(host.get('AutoRemove')),
        'sysctls': dict(host.get('Sysctls') or {}),
        'tmpfs': dict(host.get('Tmpfs') or {}),
        'devices': list(host.get('Devices') or []),
        'ulimits': list(host.get('Ulimits') or []),
        'security_opts': sorted(host.get('SecurityOpt') or []),
        'capabilities': sorted(normalize_capability(c) for c in host.get('CapAdd') or []),
        'cap_drop': sorted(normalize_capability(c) for c in host.get('CapDrop') or []),
        'log_driver': (host.get('LogConfig') or {}).get('Type') or '',
        'log_options': dict((host.get('LogConfig') or {}).get('Config') or {}),
        'mounts': list(host.get('Mounts') or []),
        'privileged': bool(host.get('Privileged')),
        'publish_all_ports': bool(host.get('PublishAllPorts')),
        'ipc_mode': host.get('IpcMode') or '',
        'pid_mode': host.get('PidMode') or '',
        'userns_mode': host.get('UsernsMode') or '',
        'cgroupns_mode': host.get('CgroupnsMode') or '',
        'runtime': host.get('Runtime') or 'runc',
        'groups': sorted(host.get('GroupAdd') or []),
        'oom_score_adj': host.get('OomScoreAdj') or 0,
        'dns_search_domains': list(host.get('DnsSearch') or []),
        'dns_opts': sorted(host.get('DnsOptions') or []),
        'volumes_from': sorted(host.get('VolumesFrom') or []),
        'uts': host.get('UTSMode') or '',
        'cgroup_parent': host.get('CgroupParent') or '',
        'device_requests': [dict(Driver=r.get('Driver') or '', Count=r.get('Count') or 0, DeviceIDs=r.get('DeviceIDs') or None,
                                 Capabilities=r.get('Capabilities') or None, Options=r.get('Options') or None)
                            for r in host.get('DeviceRequests') or []],
    }
    out['pids_limit'] = max(out['pids_limit'], 0)
    ports = set()
    for cport, binds in (host.get('PortBindings') or {}).items():
        for bind in binds or []:
            ip = (bind.get('HostIp') or '').strip('[]')
            ports.add((cport, '' if ip == '0.0.0.0' else ip, bind.get('HostPort') or ''))
    out['published_ports'] = sorted(ports)
    out['exposed_ports'] = sorted((cfg.get('ExposedPorts') or {}).keys())
    binds = [_norm_bind(b) for b in host.get('Binds') or []]
    mount_targets = set(m.get('Target') for m in out['mounts'])
    bind_targets = set(b[1] for b in binds)
    anon = [('', t.rstrip('/') or '/', '') for t in (cfg.get('Volumes') or {})
            if (t.rstrip('/') or '/') not in bind_targets and t not in mount_targets]
    out['volumes'] = sorted(set(binds + anon))
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
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


def _as_set(value):
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
    modes = dict((name, spec[1]) for name, spec in OPTIONS.items())
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
        if mode == 'allow_more_present' and OPTIONS[name][0] in ('value', 'list'):
            raise SpecError('comparisons', 'allow_more_present works only for lists of items and dictionaries, not %s; '
                            'use strict or ignore' % name)
        modes[name] = mode
    return modes


def _display(name, value):
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
        kind, _default, updatable = OPTIONS[name]
        mode = modes[name]
        want, have = desired[name], actual.get(name)
        if name == 'image':
            if image_info is None or mode == 'ignore':
                continue
            want = image_info.get('Id')
        elif name == 'restart_retries' and desired.get('restart_policy', actual['restart_policy']) != 'on-failure':
            continue
        if values_differ(kind, mode, want, have):
            diffs.append({'option': name, 'before': _display(name, have), 'after': _display(name, want), 'update': updatable})
    return diffs


def needs_recreate(differences):
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
