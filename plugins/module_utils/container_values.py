# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Container option values in the docker CLI's syntax, parsed into the Engine API's shapes.

Pure functions, no engine I/O: ports (``127.0.0.1:8080:80``), volumes (``/srv:/data:ro``), mounts,
ulimits (``nofile:1024:2048``), devices, device requests, env files, healthchecks, networks,
capabilities and network modes. Each raises :class:`SpecError` naming the field and the fix.
Sizes and durations are parsed by ``units``.
"""

import re
import shlex

from ansible_collections.berth.docker.plugins.module_utils.errors import SpecError
from ansible_collections.berth.docker.plugins.module_utils.units import parse_duration, parse_size

RESTART_POLICIES = ('no', 'on-failure', 'always', 'unless-stopped')


def argument_list(value, field):
    """A command / entrypoint: a list of strings, or a string split like a shell would."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    try:
        return shlex.split(str(value))
    except ValueError as exc:
        raise SpecError(field, 'cannot split %r into arguments (%s); give a list instead' % (value, exc))


def string_dict(value, field, allow_none=False):
    """A dictionary of strings (env, labels, options); a boolean value is refused (quote it)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise SpecError(field, 'expected a dictionary, got %r' % (value,))
    result = {}
    for key, item in value.items():
        if isinstance(item, bool):
            raise SpecError(field, 'value of %s is the boolean %s; quote it ("%s") so the exact string is used'
                            % (key, item, str(item).lower()))
        if item is None:
            if allow_none:
                result[str(key)] = None
                continue
            item = ''
        result[str(key)] = str(item)
    return result


# -- structured parsers ---------------------------------------------------------------------

def _port_range(text, field, spec):
    """'80' / '8000-8002' -> the list of ports; ``spec`` is the whole entry, for the message."""
    match = re.match(r'^(\d+)(?:-(\d+))?$', text)
    if not match:
        raise SpecError(field, 'invalid port %r in %r; write [IP:][HOST_PORT[-END]:]CONTAINER_PORT[-END][/tcp|udp|sctp], '
                        'for example 127.0.0.1:8080:80 or 53:53/udp' % (text, spec))
    start = int(match.group(1))
    end = int(match.group(2) or start)
    if not (1 <= start <= 65535 and 1 <= end <= 65535) or end < start:
        raise SpecError(field, 'port %r in %r is out of range (1-65535, start <= end)' % (text, spec))
    return list(range(start, end + 1))


def _split_protocol(spec, field):
    """'53/udp' -> ('53', 'udp'); no protocol means tcp."""
    text = str(spec).strip()
    proto = 'tcp'
    if '/' in text:
        text, proto = text.rsplit('/', 1)
        proto = proto.lower()
        if proto not in ('tcp', 'udp', 'sctp'):
            raise SpecError(field, 'invalid protocol %r in %r; use tcp, udp or sctp' % (proto, spec))
    return text, proto


def parse_port(spec, field='published_ports'):
    """One published port spec -> list of (container_port/proto, host_ip, host_port) tuples.

    Forms: ``80``, ``8080:80``, ``127.0.0.1:8080:80``, ``127.0.0.1::80`` (random host port),
    ``[::1]:8080:80``, ``8000-8001:80-81``, ``8000-8010:80`` (the engine picks one), ``53:53/udp``.
    """
    text, proto = _split_protocol(spec, field)
    host_ip = ''
    if text.startswith('['):
        end = text.find(']')
        if end < 0 or text[end + 1:end + 2] != ':':
            raise SpecError(field, 'invalid IPv6 binding in %r; write [ADDR]:HOST_PORT:CONTAINER_PORT' % (spec,))
        host_ip = text[1:end]
        rest = text[end + 2:]
        parts = rest.split(':')
        if len(parts) != 2:
            raise SpecError(field, 'invalid port spec %r; write [ADDR]:HOST_PORT:CONTAINER_PORT' % (spec,))
        host, container = parts
    else:
        parts = text.split(':')
        if len(parts) == 1:
            host, container = '', parts[0]
        elif len(parts) == 2:
            host, container = parts
        elif len(parts) == 3:
            host_ip, host, container = parts
        else:
            raise SpecError(field, 'invalid port spec %r; write [IP:][HOST_PORT:]CONTAINER_PORT[/PROTO] '
                            '(IPv6 addresses in brackets: [::1]:8080:80)' % (spec,))
        if host_ip and not re.match(r'^[0-9.]+$', host_ip):
            raise SpecError(field, 'invalid IP address %r in %r; IPv6 addresses go in brackets: [::1]:8080:80' % (host_ip, spec))
    if host_ip in ('0.0.0.0',):
        host_ip = ''
    if not container:
        raise SpecError(field, 'no container port in %r; write for example 8080:80' % (spec,))
    cports = _port_range(container, field, spec)
    if not host:
        return [('%d/%s' % (c, proto), host_ip, '') for c in cports]
    hports = _port_range(host, field, spec)
    if len(cports) == 1 and len(hports) > 1:
        return [('%d/%s' % (cports[0], proto), host_ip, '%d-%d' % (hports[0], hports[-1]))]
    if len(cports) != len(hports):
        raise SpecError(field, 'host and container port ranges of %r have different lengths' % (spec,))
    return [('%d/%s' % (c, proto), host_ip, str(h)) for c, h in zip(cports, hports)]


def parse_exposed(spec, field='exposed_ports'):
    """'8080' / '53/udp' / '8000-8002' -> ['8080/tcp'] / ['53/udp'] / one entry per port of the range."""
    text, proto = _split_protocol(spec, field)
    return ['%d/%s' % (p, proto) for p in _port_range(text, field, spec)]


VOLUME_MODES = ('ro', 'rw', 'z', 'Z', 'nocopy', 'rprivate', 'private', 'rshared', 'shared', 'rslave', 'slave',
                'consistent', 'cached', 'delegated')


def parse_volume(spec, field='volumes'):
    """'/host:/ctr[:ro]' (bind), 'name:/ctr' (named volume), '/ctr' (anonymous) ->
    (source or '', target, mode) with mode a sorted comma list that always has ro or rw."""
    text = str(spec).strip()
    parts = text.split(':')
    if len(parts) == 1:
        source, target, mode = '', parts[0], ''
    elif len(parts) == 2:
        if parts[1].startswith('/'):
            source, target, mode = parts[0], parts[1], ''
        else:
            source, target, mode = '', parts[0], parts[1]
    elif len(parts) == 3:
        source, target, mode = parts
    else:
        raise SpecError(field, 'invalid volume %r; write HOST_PATH:CONTAINER_PATH[:ro|rw], VOLUME_NAME:CONTAINER_PATH or '
                        'CONTAINER_PATH' % (spec,))
    if not target.startswith('/'):
        raise SpecError(field, 'container path %r in %r is not absolute; write it like /data' % (target, spec))
    if source and not source.startswith('/'):
        if source.startswith('.') or source.startswith('~') or '/' in source:
            raise SpecError(field, 'host path %r in %r is relative; bind mounts need an absolute host path, for example '
                            '/srv/app/data:%s (or "{{ playbook_dir }}/%s:%s")' % (source, spec, target, source.lstrip('./'), target))
        if not re.match(r'^[a-zA-Z0-9][a-zA-Z0-9_.-]*$', source):
            raise SpecError(field, 'invalid volume name %r in %r; names use letters, digits, _ . -' % (source, spec))
    modes = [m for m in mode.split(',') if m]
    for item in modes:
        if item not in VOLUME_MODES:
            raise SpecError(field, 'unknown volume mode %r in %r; use ro or rw (optionally with z, Z, nocopy or a '
                            'propagation such as rshared)' % (item, spec))
    if source and 'ro' not in modes and 'rw' not in modes:
        modes.append('rw')
    return (source, target.rstrip('/') or '/', ','.join(sorted(modes)))


def format_bind(volume):
    """A (source, target, mode) volume tuple -> the Binds entry 'source:target[:mode]'."""
    source, target, mode = volume
    return '%s:%s:%s' % (source, target, mode) if mode else '%s:%s' % (source, target)


MOUNT_TYPES = ('bind', 'volume', 'tmpfs', 'npipe', 'cluster', 'image')
# the mount types each type-specific mount sub-option belongs to
MOUNT_OPTION_TYPES = {
    'propagation': ('bind',), 'non_recursive': ('bind',), 'create_mountpoint': ('bind',),
    'read_only_non_recursive': ('bind',), 'read_only_force_recursive': ('bind',),
    'no_copy': ('volume',), 'labels': ('volume',), 'volume_driver': ('volume',), 'volume_options': ('volume',),
    'subpath': ('volume', 'image'),
    'tmpfs_size': ('tmpfs',), 'tmpfs_mode': ('tmpfs',), 'tmpfs_options': ('tmpfs',),
}
# bind sub-option -> the engine's BindOptions field
BIND_FLAGS = (('non_recursive', 'NonRecursive'), ('create_mountpoint', 'CreateMountpoint'),
              ('read_only_non_recursive', 'ReadOnlyNonRecursive'),
              ('read_only_force_recursive', 'ReadOnlyForceRecursive'))


def _tmpfs_options(value, field):
    """[{opt: value-or-null}, ...] -> the engine's [[opt, value] or [opt], ...]."""
    options = []
    for number, item in enumerate(value or [], 1):
        if not isinstance(item, dict) or len(item) != 1:
            raise SpecError(field, 'entry %d must be a dictionary with one key, such as {noexec: null} or '
                            '{nr_inodes: "1k"}, got %r' % (number, item))
        key, val = list(item.items())[0]
        options.append([str(key)] if val is None else [str(key), str(val)])
    return options


def parse_mount(item, field='mounts'):
    """A mount dict (target, source, type, read_only, consistency, propagation, no_copy, labels,
    volume_driver, volume_options, tmpfs_size, tmpfs_mode) -> the Engine API Mount object."""
    if not isinstance(item, dict):
        raise SpecError(field, 'each mount is a dictionary with target, source and type, got %r' % (item,))
    if 'Target' in item and 'Type' in item:
        return item  # already an Engine API mount
    kind = item.get('type') or 'volume'
    if kind not in MOUNT_TYPES:
        raise SpecError(field, 'type %r is not one of %s' % (kind, ', '.join(MOUNT_TYPES)))
    target = item.get('target')
    if not target or (kind != 'npipe' and not str(target).startswith('/')):
        raise SpecError(field, 'target %r must be an absolute path in the container, like /data' % (target,))
    source = item.get('source')
    for key, kinds in sorted(MOUNT_OPTION_TYPES.items()):
        if item.get(key) is not None and kind not in kinds:
            raise SpecError(field, '%s cannot be set for mount %s of type %s (it needs type %s)'
                            % (key, target, kind, ' or '.join(kinds)))
    if kind == 'bind':
        if not source or not str(source).startswith('/'):
            raise SpecError(field, 'a bind mount needs an absolute host path as source, got %r' % (source,))
    elif kind in ('npipe', 'image') and not source:
        raise SpecError(field, 'a mount of type %s needs a source (%s)'
                        % (kind, 'a named pipe' if kind == 'npipe' else 'an image name'))
    elif kind == 'tmpfs' and source:
        raise SpecError(field, 'a tmpfs mount has no source; remove source %r' % (source,))
    mount = {'Type': kind, 'Target': str(target)}
    if source:
        mount['Source'] = str(source)
    if item.get('read_only'):
        mount['ReadOnly'] = True
    if item.get('consistency') and item['consistency'] != 'default':
        mount['Consistency'] = item['consistency']
    if kind == 'bind':
        bind = {}
        if item.get('propagation'):
            bind['Propagation'] = item['propagation']
        for key, api in BIND_FLAGS:
            if item.get(key) is not None:
                bind[api] = bool(item[key])
        if bind:
            mount['BindOptions'] = bind
    if kind == 'image' and item.get('subpath'):
        mount['ImageOptions'] = {'Subpath': str(item['subpath'])}
    if kind == 'volume':
        opts = {}
        if item.get('subpath'):
            opts['Subpath'] = str(item['subpath'])
        if item.get('no_copy'):
            opts['NoCopy'] = True
        if item.get('labels'):
            opts['Labels'] = string_dict(item['labels'], field + '.labels')
        if item.get('volume_driver') or item.get('volume_options'):
            driver = {'Name': item.get('volume_driver') or 'local'}
            if item.get('volume_options'):
                driver['Options'] = string_dict(item['volume_options'], field + '.volume_options')
            opts['DriverConfig'] = driver
        if opts:
            mount['VolumeOptions'] = opts
    if kind == 'tmpfs':
        opts = {}
        if item.get('tmpfs_size') is not None:
            opts['SizeBytes'] = parse_size(item['tmpfs_size'], field + '.tmpfs_size')
        if item.get('tmpfs_mode') is not None:
            mode = item['tmpfs_mode']
            try:
                opts['Mode'] = int(str(mode), 8) if not isinstance(mode, int) else mode
            except ValueError:
                raise SpecError(field + '.tmpfs_mode', 'expected an octal mode like 1777, got %r' % (mode,))
        if item.get('tmpfs_options'):
            opts['Options'] = _tmpfs_options(item['tmpfs_options'], field + '.tmpfs_options')
        if opts:
            mount['TmpfsOptions'] = opts
    return mount


def parse_ulimit(spec, field='ulimits'):
    """'nofile:1024:2048' or 'nofile:1024' -> {'Name', 'Soft', 'Hard'}."""
    if isinstance(spec, dict) and 'Name' in spec:
        return spec
    parts = str(spec).split(':')
    try:
        if len(parts) == 2:
            return {'Name': parts[0], 'Soft': int(parts[1]), 'Hard': int(parts[1])}
        if len(parts) == 3:
            return {'Name': parts[0], 'Soft': int(parts[1]), 'Hard': int(parts[2])}
    except ValueError:
        pass
    raise SpecError(field, 'invalid ulimit %r; write NAME:SOFT[:HARD], for example nofile:1024:2048' % (spec,))


def parse_device_request(spec, field='device_requests'):
    """A ``device_requests`` entry (driver, count, device_ids, capabilities, options), for
    example GPUs: {driver: nvidia, count: -1, capabilities: [[gpu]]} -> the engine's DeviceRequest."""
    if not isinstance(spec, dict):
        raise SpecError(field, 'each entry is a dictionary such as {driver: nvidia, count: -1, '
                        'capabilities: [[gpu]]}, not %r' % (spec,))
    caps = spec.get('capabilities') or []
    if caps and not all(isinstance(c, list) for c in caps):
        raise SpecError(field, 'capabilities is a list of lists (OR of ANDs), for example [[gpu]]')
    count = spec.get('count')
    if count is None:
        count = 0 if spec.get('device_ids') else -1
    return {'Driver': str(spec.get('driver') or ''), 'Count': int(count),
            'DeviceIDs': [str(d) for d in spec.get('device_ids') or []] or None,
            'Capabilities': [[str(c) for c in group] for group in caps] or None,
            'Options': dict((str(k), str(v)) for k, v in (spec.get('options') or {}).items()) or None}


def parse_device(spec, field='devices'):
    """'/dev/sda[:/dev/xvda[:rwm]]' -> {'PathOnHost', 'PathInContainer', 'CgroupPermissions'}."""
    if isinstance(spec, dict) and 'PathOnHost' in spec:
        return spec
    parts = str(spec).split(':')
    if not parts[0].startswith('/') or len(parts) > 3:
        raise SpecError(field, 'invalid device %r; write HOST_PATH[:CONTAINER_PATH[:PERMISSIONS]], for example /dev/fuse:/dev/fuse:rwm' % (spec,))
    host = parts[0]
    ctr = parts[1] if len(parts) > 1 and parts[1] else host
    perms = parts[2] if len(parts) > 2 else 'rwm'
    if len(parts) == 2 and not parts[1].startswith('/'):
        ctr, perms = host, parts[1]
    if not re.match(r'^[rwm]+$', perms):
        raise SpecError(field, 'invalid permissions %r in %r; use a combination of r, w, m' % (perms, spec))
    return {'PathOnHost': host, 'PathInContainer': ctr, 'CgroupPermissions': perms}


def parse_env_file(path, field='env_file'):
    """KEY=VALUE lines (# comments, blank lines; a bare KEY is skipped like docker's --env-file
    does for unset variables)."""
    result = {}
    try:
        with open(path) as handle:
            lines = handle.read().splitlines()
    except OSError as exc:
        raise SpecError(field, 'cannot read %s: %s' % (path, exc))
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        if '=' not in line:
            continue
        key, value = line.split('=', 1)
        if not key.strip() or ' ' in key.strip():
            raise SpecError(field, '%s line %d: %r is not KEY=VALUE' % (path, number, line))
        result[key.strip()] = value
    return result


def parse_healthcheck(value, field='healthcheck'):
    """-> the Engine API Healthcheck object (durations in ns), or {'Test': ['NONE']} to disable."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise SpecError(field, 'expected a dictionary with test, interval, timeout, retries, start_period')
    if 'Test' in value or 'Interval' in value:
        return value
    if value.get('disable'):
        return {'Test': ['NONE']}
    test = value.get('test')
    if not value or (test is None and value.get('test_cli_compatible') is False):
        # community.docker's meaning: a healthcheck without test (unless test_cli_compatible) disables it
        return {'Test': ['NONE']}
    check = {}
    if test is not None:
        if isinstance(test, (list, tuple)):
            test = [str(t) for t in test]
            if not test:
                raise SpecError(field + '.test', 'an empty list; give a command')
            if test[0] not in ('CMD', 'CMD-SHELL', 'NONE'):
                test = ['CMD'] + test
        else:
            test = ['CMD-SHELL', str(test)]
        check['Test'] = test
    for key, api in (('interval', 'Interval'), ('timeout', 'Timeout'), ('start_period', 'StartPeriod'),
                     ('start_interval', 'StartInterval')):
        if value.get(key) is not None:
            check[api] = parse_duration(value[key], '%s.%s' % (field, key))
    if value.get('retries') is not None:
        try:
            check['Retries'] = int(value['retries'])
        except (TypeError, ValueError):
            raise SpecError(field + '.retries', 'expected a number, got %r' % (value['retries'],))
    return check


def parse_network(item, field='networks'):
    """A ``networks`` entry (a name, or a dict with name, aliases, ipv4_address, ipv6_address,
    links) -> {'name', ...} with sorted aliases and links written CONTAINER:ALIAS."""
    if isinstance(item, str):
        item = {'name': item}
    if not isinstance(item, dict) or not item.get('name'):
        raise SpecError(field, 'each network is a dictionary with at least a name, got %r' % (item,))
    net = {'name': str(item['name'])}
    if item.get('aliases'):
        net['aliases'] = sorted(str(a) for a in item['aliases'])
    for key in ('ipv4_address', 'ipv6_address'):
        if item.get(key):
            net[key] = str(item[key])
    if item.get('mac_address'):
        net['mac_address'] = str(item['mac_address']).replace('-', ':').lower()
    if item.get('links'):
        links = []
        for link in item['links']:
            link = str(link)
            links.append(link if ':' in link else '%s:%s' % (link, link))
        net['links'] = sorted(links)
    return net


def normalize_capability(cap):
    """'net_admin' / 'CAP_NET_ADMIN' -> 'CAP_NET_ADMIN' (ALL stays ALL)."""
    cap = str(cap).strip().upper()
    if cap == 'ALL':
        return cap
    return cap if cap.startswith('CAP_') else 'CAP_' + cap


def normalize_network_mode(mode):
    """'default' and '' -> 'bridge' (what the engine means by them); None stays None."""
    if mode in (None, '', 'default'):
        return 'bridge' if mode is not None else None
    return mode
