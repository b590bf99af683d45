# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Container spec: pure functions, no AnsibleModule, no engine I/O.

Options use the names of ``berth.docker.container`` (the community.docker docker_container
names for the common subset). Everything here is a plain function, unit-tested directly.

Stable public interface (used by the container module and by compose; keyword arguments may
be added, nothing removed):

``normalize_options(options, base_dir=None) -> NormalizedOptions``
    Parse and check a dict of container options (raw strings as a user writes them, e.g.
    ``memory: 512m``, ``published_ports: ['127.0.0.1:8080:80']``, ``healthcheck.interval: 30s``)
    into canonical values (bytes, nanoseconds, port tuples, ...). Only options that are set
    (not None) are kept. Raises :class:`SpecError` (a DockerError) naming the field and the fix.
    Passing an already normalised dict returns it unchanged.

``create_body(options, image_info=None, api_version='1.41') -> dict``
    The ``POST /containers/create`` body for ``options`` (raw or normalised). ``image_info`` is
    the image's ``GET /images/{name}/json`` answer (may be None). The body attaches the first
    network of ``networks`` (or ``network_mode``); connect the others with
    :func:`endpoint_config` before starting (Engine API < 1.44 accepts one network at create).

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

``update_body(differences, options, container) -> dict``
    The ``POST /containers/{id}/update`` body for in-place differences.

``plan(state, container, differences, net_actions, ...) -> list of str``
    The ordered actions (create / recreate / update / connect / start / stop / restart / remove).
"""

import re
import shlex

from ansible_collections.berth.docker.plugins.module_utils.api import DockerError


class SpecError(DockerError):
    """Bad container options: the message names the field and says how to fix it."""

    def __init__(self, field, msg):
        super(SpecError, self).__init__('%s: %s' % (field, msg))
        self.field = field


class NormalizedOptions(dict):
    """A dict of options already passed through :func:`normalize_options`."""


# -- option table ---------------------------------------------------------------------------
# name -> (kind, default comparison, can be updated in place)
# kinds: value, list (ordered), set, set(dict), dict
OPTIONS = {
    'image': ('value', 'strict', False),
    'command': ('list', 'strict', False),
    'entrypoint': ('list', 'strict', False),
    'env': ('set', 'allow_more_present', False),
    'labels': ('dict', 'allow_more_present', False),
    'published_ports': ('set', 'strict', False),
    'exposed_ports': ('set', 'allow_more_present', False),
    'volumes': ('set', 'allow_more_present', False),
    'mounts': ('set(dict)', 'allow_more_present', False),
    'network_mode': ('value', 'strict', False),
    'restart_policy': ('value', 'strict', True),
    'restart_retries': ('value', 'strict', True),
    'healthcheck': ('dict', 'strict', False),
    'user': ('value', 'strict', False),
    'working_dir': ('value', 'strict', False),
    'hostname': ('value', 'strict', False),
    'domainname': ('value', 'strict', False),
    'etc_hosts': ('set', 'allow_more_present', False),
    'dns_servers': ('list', 'strict', False),
    'memory': ('value', 'strict', True),
    'memory_reservation': ('value', 'strict', True),
    'memory_swap': ('value', 'strict', True),
    'cpus': ('value', 'strict', True),
    'cpu_shares': ('value', 'strict', True),
    'cpuset_cpus': ('value', 'strict', True),
    'pids_limit': ('value', 'strict', True),
    'ulimits': ('set(dict)', 'allow_more_present', False),
    'log_driver': ('value', 'strict', False),
    'log_options': ('dict', 'allow_more_present', False),
    'init': ('value', 'strict', False),
    'tty': ('value', 'strict', False),
    'interactive': ('value', 'strict', False),
    'stop_signal': ('value', 'strict', False),
    'stop_timeout': ('value', 'ignore', False),
    'capabilities': ('set', 'allow_more_present', False),
    'cap_drop': ('set', 'allow_more_present', False),
    'security_opts': ('set', 'allow_more_present', False),
    'read_only': ('value', 'strict', False),
    'tmpfs': ('dict', 'allow_more_present', False),
    'devices': ('set(dict)', 'allow_more_present', False),
    'sysctls': ('dict', 'allow_more_present', False),
    'shm_size': ('value', 'strict', False),
    'auto_remove': ('value', 'strict', False),
    'privileged': ('value', 'strict', False),
    'publish_all_ports': ('value', 'strict', False),
    'ipc_mode': ('value', 'strict', False),
    'pid_mode': ('value', 'strict', False),
    'userns_mode': ('value', 'strict', False),
    'cgroupns_mode': ('value', 'strict', False),
    'runtime': ('value', 'strict', False),
    'groups': ('set', 'strict', False),
    'oom_score_adj': ('value', 'strict', False),
    'dns_search_domains': ('list', 'strict', False),
    'dns_opts': ('set', 'strict', False),
    'volumes_from': ('set', 'strict', False),
    'uts': ('value', 'strict', False),
    'cgroup_parent': ('value', 'strict', False),
    'device_requests': ('set(dict)', 'strict', False),
    'networks': ('set(dict)', 'allow_more_present', False),
}
COMPARISON_MODES = ('strict', 'allow_more_present', 'ignore')
# options that are not properties of the container (never compared)
NOT_COMPARED = ('name', 'state', 'pull', 'recreate', 'restart', 'detach', 'cleanup', 'keep_volumes',
                'removal_wait_timeout', 'comparisons', 'env_file', 'purge_networks', 'healthy_wait_timeout')

UNITS = {'': 1, 'b': 1, 'k': 1024, 'm': 1024 ** 2, 'g': 1024 ** 3, 't': 1024 ** 4, 'p': 1024 ** 5}
DURATION_UNITS = {'ns': 1, 'us': 1000, 'µs': 1000, 'ms': 1000 ** 2, 's': 1000 ** 3, 'm': 60 * 1000 ** 3, 'h': 3600 * 1000 ** 3}
RESTART_POLICIES = ('no', 'on-failure', 'always', 'unless-stopped')


# -- scalar parsers -------------------------------------------------------------------------

def parse_memory(value, field='memory', allow_unlimited=False):
    """'512m' / '1.5G' / '1024' / 2048 / '1GiB' -> bytes (binary units, like the docker CLI; compose's
    sizes too).
    With ``allow_unlimited``, '-1' / 'unlimited' -> -1."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise SpecError(field, 'expected a size like 512m or 1g, got %r' % (value,))
    if isinstance(value, int):
        if value == -1 and allow_unlimited:
            return -1
        if value < 0:
            raise SpecError(field, 'a size cannot be negative: %r' % (value,))
        return value
    text = str(value).strip().lower()
    if allow_unlimited and text in ('-1', 'unlimited'):
        return -1
    match = re.match(r'^(\d+(?:\.\d+)?)\s*([bkmgtp]?)(?:i?b)?$', text)
    if not match:
        raise SpecError(field, 'cannot parse %r as a size; write a number with an optional unit b, k, m, g, t '
                        '(binary: 512m = 512 MiB), for example 512m or 1g%s'
                        % (value, ', or unlimited' if allow_unlimited else ''))
    return int(float(match.group(1)) * UNITS[match.group(2)])


def parse_duration(value, field):
    """'30s' / '1m30s' / '500ms' / 10 (seconds) -> nanoseconds. Also compose's durations (compose_loader)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise SpecError(field, 'expected a duration like 30s, got %r' % (value,))
    if isinstance(value, (int, float)):
        if value < 0:
            raise SpecError(field, 'a duration cannot be negative')
        return int(value * 1000 ** 3)
    text = str(value).strip().lower()
    if re.match(r'^\d+(\.\d+)?$', text):
        return int(float(text) * 1000 ** 3)
    parts = re.findall(r'(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)', text)
    if not parts or ''.join(n + u for n, u in parts) != text:
        raise SpecError(field, 'cannot parse %r as a duration; write for example 30s, 1m30s, 500ms or 2h '
                        '(units h, m, s, ms, us, ns; a plain number means seconds)' % (value,))
    return int(sum(float(n) * DURATION_UNITS[u] for n, u in parts))


def _as_list(value, field):
    """A command / entrypoint: a list of strings, or a string split like a shell would."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    try:
        return shlex.split(str(value))
    except ValueError as exc:
        raise SpecError(field, 'cannot split %r into arguments (%s); give a list instead' % (value, exc))


def _str_dict(value, field, allow_none=False):
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
    source, target, mode = volume
    return '%s:%s:%s' % (source, target, mode) if mode else '%s:%s' % (source, target)


MOUNT_TYPES = ('bind', 'volume', 'tmpfs')


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
    if not target or not str(target).startswith('/'):
        raise SpecError(field, 'target %r must be an absolute path in the container, like /data' % (target,))
    source = item.get('source')
    if kind == 'bind':
        if not source or not str(source).startswith('/'):
            raise SpecError(field, 'a bind mount needs an absolute host path as source, got %r' % (source,))
    elif kind == 'tmpfs' and source:
        raise SpecError(field, 'a tmpfs mount has no source; remove source %r' % (source,))
    mount = {'Type': kind, 'Target': str(target)}
    if source:
        mount['Source'] = str(source)
    if item.get('read_only'):
        mount['ReadOnly'] = True
    if item.get('consistency') and item['consistency'] != 'default':
        mount['Consistency'] = item['consistency']
    if kind == 'bind' and item.get('propagation'):
        mount['BindOptions'] = {'Propagation': item['propagation']}
    if kind == 'volume':
        opts = {}
        if item.get('no_copy'):
            opts['NoCopy'] = True
        if item.get('labels'):
            opts['Labels'] = _str_dict(item['labels'], field + '.labels')
        if item.get('volume_driver') or item.get('volume_options'):
            driver = {'Name': item.get('volume_driver') or 'local'}
            if item.get('volume_options'):
                driver['Options'] = _str_dict(item['volume_options'], field + '.volume_options')
            opts['DriverConfig'] = driver
        if opts:
            mount['VolumeOptions'] = opts
    if kind == 'tmpfs':
        opts = {}
        if item.get('tmpfs_size') is not None:
            opts['SizeBytes'] = parse_memory(item['tmpfs_size'], field + '.tmpfs_size')
        if item.get('tmpfs_mode') is not None:
            mode = item['tmpfs_mode']
            try:
                opts['Mode'] = int(str(mode), 8) if not isinstance(mode, int) else mode
            except ValueError:
                raise SpecError(field + '.tmpfs_mode', 'expected an octal mode like 1777, got %r' % (mode,))
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


def parse_device_request(spec):
    """A ``device_requests`` entry (driver, count, device_ids, capabilities, options), for
    example GPUs: {driver: nvidia, count: -1, capabilities: [[gpu]]} -> the engine's DeviceRequest."""
    if not isinstance(spec, dict):
        raise SpecError('device_requests', 'each entry is a dictionary such as {driver: nvidia, count: -1, '
                        'capabilities: [[gpu]]}, not %r' % (spec,))
    caps = spec.get('capabilities') or []
    if caps and not all(isinstance(c, list) for c in caps):
        raise SpecError('device_requests', 'capabilities is a list of lists (OR of ANDs), for example [[gpu]]')
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
    check = {}
    test = value.get('test')
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
    for key, api in (('interval', 'Interval'), ('timeout', 'Timeout'), ('start_period', 'StartPeriod')):
        if value.get(key) is not None:
            check[api] = parse_duration(value[key], '%s.%s' % (field, key))
    if value.get('retries') is not None:
        try:
            check['Retries'] = int(value['retries'])
        except (TypeError, ValueError):
            raise SpecError(field + '.retries', 'expected a number, got %r' % (value['retries'],))
    return check


def parse_network(item, field='networks'):
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
    if item.get('links'):
        links = []
        for link in item['links']:
            link = str(link)
            links.append(link if ':' in link else '%s:%s' % (link, link))
        net['links'] = sorted(links)
    return net


def normalize_capability(cap):
    cap = str(cap).strip().upper()
    if cap == 'ALL':
        return cap
    return cap if cap.startswith('CAP_') else 'CAP_' + cap


def normalize_network_mode(mode):
    if mode in (None, '', 'default'):
        return 'bridge' if mode is not None else None
    return mode


# -- normalize ------------------------------------------------------------------------------

def normalize_options(options, base_dir=None):
    """Raw container options -> NormalizedOptions (see the module docstring)."""
    if isinstance(options, NormalizedOptions):
        return options
    opts = dict((k, v) for k, v in (options or {}).items() if v is not None)
    out = NormalizedOptions()

    for key in ('image', 'user', 'working_dir', 'hostname', 'domainname', 'cpuset_cpus', 'log_driver', 'stop_signal',
                'ipc_mode', 'pid_mode', 'userns_mode', 'cgroupns_mode', 'runtime', 'uts', 'cgroup_parent'):
        if key in opts:
            out[key] = str(opts[key])
    for key in ('init', 'tty', 'interactive', 'read_only', 'auto_remove', 'privileged', 'publish_all_ports'):
        if key in opts:
            out[key] = bool(opts[key])
    if 'groups' in opts:
        out['groups'] = sorted(set(str(g) for g in _as_list(opts['groups'], 'groups')))
    if out.get('cgroupns_mode') not in (None, 'host', 'private'):
        raise SpecError('cgroupns_mode', 'expected host or private, got %r' % (out['cgroupns_mode'],))
    for key in ('cpu_shares', 'pids_limit', 'stop_timeout', 'restart_retries', 'oom_score_adj'):
        if key in opts:
            try:
                out[key] = int(opts[key])
            except (TypeError, ValueError):
                raise SpecError(key, 'expected a whole number, got %r' % (opts[key],))
    if not -1000 <= out.get('oom_score_adj', 0) <= 1000:
        raise SpecError('oom_score_adj', 'must be between -1000 and 1000, got %d' % out['oom_score_adj'])
    if 'cpus' in opts:
        try:
            out['cpus'] = float(opts['cpus'])
        except (TypeError, ValueError):
            raise SpecError('cpus', 'expected a number of CPUs such as 0.5 or 2, got %r' % (opts['cpus'],))
    if 'command' in opts:
        out['command'] = _as_list(opts['command'], 'command')
    if 'entrypoint' in opts:
        out['entrypoint'] = _as_list(opts['entrypoint'], 'entrypoint')

    env = {}
    if opts.get('env_file'):
        path = opts['env_file']
        if base_dir and not path.startswith('/'):
            path = base_dir.rstrip('/') + '/' + path
        env.update(parse_env_file(path))
    if 'env' in opts:
        env.update(_str_dict(opts['env'], 'env'))
    if 'env' in opts or opts.get('env_file'):
        out['env'] = env
    if 'labels' in opts:
        out['labels'] = _str_dict(opts['labels'], 'labels')
    for key in ('log_options', 'sysctls'):
        if key in opts:
            out[key] = _str_dict(opts[key], key)

    if 'published_ports' in opts:
        ports = []
        for spec in opts['published_ports']:
            if isinstance(spec, tuple) and len(spec) == 3:
                ports.append(spec)
            else:
                ports.extend(parse_port(spec))
        out['published_ports'] = sorted(set(ports))
    if 'exposed_ports' in opts:
        exposed = []
        for spec in opts['exposed_ports']:
            exposed.extend(parse_exposed(spec))
        out['exposed_ports'] = sorted(set(exposed))
    if 'volumes' in opts:
        vols = [parse_volume(v) if not isinstance(v, tuple) else v for v in opts['volumes']]
        targets = [v[1] for v in vols]
        dup = sorted(set(t for t in targets if targets.count(t) > 1))
        if dup:
            raise SpecError('volumes', 'container path %s is mounted more than once; keep one entry per path' % ', '.join(dup))
        out['volumes'] = sorted(set(vols))
    if 'mounts' in opts:
        out['mounts'] = [parse_mount(m) for m in opts['mounts']]
    if 'networks' in opts:
        nets = [parse_network(n) for n in opts['networks']]
        names = [n['name'] for n in nets]
        if len(set(names)) != len(names):
            raise SpecError('networks', 'a network is listed twice; list each network once')
        out['networks'] = nets
    if 'network_mode' in opts:
        out['network_mode'] = normalize_network_mode(str(opts['network_mode']))

    if 'restart_policy' in opts:
        policy = str(opts['restart_policy'])
        if policy not in RESTART_POLICIES:
            raise SpecError('restart_policy', '%r is not one of %s' % (policy, ', '.join(RESTART_POLICIES)))
        out['restart_policy'] = policy
    if 'healthcheck' in opts:
        out['healthcheck'] = parse_healthcheck(opts['healthcheck'])
    if 'etc_hosts' in opts:
        hosts = opts['etc_hosts']
        if not isinstance(hosts, dict):
            raise SpecError('etc_hosts', 'expected a dictionary of host name: IP address')
        out['etc_hosts'] = sorted('%s:%s' % (k, v) for k, v in hosts.items())
    if 'dns_servers' in opts:
        out['dns_servers'] = [str(s) for s in opts['dns_servers']]
    if 'dns_search_domains' in opts:
        out['dns_search_domains'] = [str(s) for s in opts['dns_search_domains']]
    for key in ('dns_opts', 'volumes_from'):
        if key in opts:
            out[key] = sorted(set(str(s) for s in opts[key]))
    if 'device_requests' in opts:
        out['device_requests'] = [parse_device_request(r) for r in opts['device_requests']]

    for key, unlimited in (('memory', False), ('memory_reservation', False), ('memory_swap', True), ('shm_size', False)):
        if key in opts:
            out[key] = parse_memory(opts[key], key, allow_unlimited=unlimited)
    if 'ulimits' in opts:
        out['ulimits'] = [parse_ulimit(u) for u in opts['ulimits']]
    if 'devices' in opts:
        out['devices'] = [parse_device(d) for d in opts['devices']]
    if 'capabilities' in opts:
        out['capabilities'] = sorted(set(normalize_capability(c) for c in opts['capabilities']))
    if 'cap_drop' in opts:
        out['cap_drop'] = sorted(set(normalize_capability(c) for c in opts['cap_drop']))
    if 'security_opts' in opts:
        out['security_opts'] = sorted(set(str(s) for s in opts['security_opts']))
    if 'tmpfs' in opts:
        tmpfs = {}
        for item in opts['tmpfs']:
            path, _sep, mount_opts = str(item).partition(':')
            if not path.startswith('/'):
                raise SpecError('tmpfs', 'invalid tmpfs %r; write /PATH[:OPTIONS], for example /run:rw,size=64m' % (item,))
            tmpfs[path] = mount_opts
        out['tmpfs'] = tmpfs
    return out


# -- create body ----------------------------------------------------------------------------

def endpoint_config(net):
    """The EndpointSettings for one normalised ``networks`` entry."""
    cfg = {}
    ipam = {}
    if net.get('ipv4_address'):
        ipam['IPv4Address'] = net['ipv4_address']
    if net.get('ipv6_address'):
        ipam['IPv6Address'] = net['ipv6_address']
    if ipam:
        cfg['IPAMConfig'] = ipam
    if net.get('aliases'):
        cfg['Aliases'] = list(net['aliases'])
    if net.get('links'):
        cfg['Links'] = list(net['links'])
    return cfg


def effective_network_mode(options):
    """network_mode, or the first network of ``networks`` when network_mode is unset
    (like community.docker), or None (the engine's default bridge)."""
    mode = options.get('network_mode')
    if mode:
        return mode
    if options.get('networks'):
        return options['networks'][0]['name']
    return None


def create_body(options, image_info=None, api_version='1.41'):
    """The POST /containers/create body (see the module docstring)."""
    o = normalize_options(options)
    if not o.get('image'):
        raise SpecError('image', 'is required to create a container; name an image such as nginx:1.25')
    image_cfg = (image_info or {}).get('Config') or {}
    if o.get('healthcheck') and 'Test' not in o['healthcheck'] and not (image_cfg.get('Healthcheck') or {}).get('Test'):
        raise SpecError('healthcheck', 'the image %s has no HEALTHCHECK, so healthcheck.test is required' % o['image'])
    body = {'Image': o['image']}
    host = {}
    if 'command' in o:
        body['Cmd'] = o['command']
    if 'entrypoint' in o:
        body['Entrypoint'] = o['entrypoint']
    if 'env' in o:
        body['Env'] = ['%s=%s' % (k, v) for k, v in sorted(o['env'].items())]
    if 'labels' in o:
        body['Labels'] = dict(o['labels'])
    for key, api in (('user', 'User'), ('working_dir', 'WorkingDir'), ('hostname', 'Hostname'),
                     ('domainname', 'Domainname'), ('stop_signal', 'StopSignal'), ('stop_timeout', 'StopTimeout')):
        if key in o:
            body[api] = o[key]
    if 'tty' in o:
        body['Tty'] = o['tty']
    if 'interactive' in o:
        body['OpenStdin'] = o['interactive']
        body['AttachStdin'] = False
    if 'healthcheck' in o:
        body['Healthcheck'] = o['healthcheck']
    exposed = set(o.get('exposed_ports') or [])
    bindings = {}
    for cport, ip, hport in o.get('published_ports') or []:
        exposed.add(cport)
        bindings.setdefault(cport, []).append({'HostIp': ip, 'HostPort': hport})
    if exposed:
        body['ExposedPorts'] = dict((p, {}) for p in sorted(exposed))
    if 'published_ports' in o:
        host['PortBindings'] = bindings
    if 'volumes' in o:
        binds = [format_bind(v) for v in o['volumes'] if v[0]]
        anon = [v[1] for v in o['volumes'] if not v[0]]
        if binds:
            host['Binds'] = binds
        if anon:
            body['Volumes'] = dict((t, {}) for t in anon)
    if 'mounts' in o:
        host['Mounts'] = o['mounts']
    mode = effective_network_mode(o)
    if mode:
        host['NetworkMode'] = mode
    if o.get('networks'):
        first = o['networks'][0]
        if first['name'] == mode:
            body['NetworkingConfig'] = {'EndpointsConfig': {first['name']: endpoint_config(first)}}
    if 'restart_policy' in o:
        policy = {'Name': o['restart_policy']}
        if o['restart_policy'] == 'on-failure' and 'restart_retries' in o:
            policy['MaximumRetryCount'] = o['restart_retries']
        host['RestartPolicy'] = policy
    if 'etc_hosts' in o:
        host['ExtraHosts'] = o['etc_hosts']
    if 'dns_servers' in o:
        host['Dns'] = o['dns_servers']
    for key, api in (('memory', 'Memory'), ('memory_reservation', 'MemoryReservation'), ('memory_swap', 'MemorySwap'),
                     ('cpu_shares', 'CpuShares'), ('cpuset_cpus', 'CpusetCpus'), ('pids_limit', 'PidsLimit'),
                     ('shm_size', 'ShmSize'), ('init', 'Init'), ('read_only', 'ReadonlyRootfs'),
                     ('auto_remove', 'AutoRemove'), ('sysctls', 'Sysctls'), ('tmpfs', 'Tmpfs'),
                     ('devices', 'Devices'), ('ulimits', 'Ulimits'), ('security_opts', 'SecurityOpt'),
                     ('capabilities', 'CapAdd'), ('cap_drop', 'CapDrop'), ('privileged', 'Privileged'),
                     ('publish_all_ports', 'PublishAllPorts'), ('ipc_mode', 'IpcMode'), ('pid_mode', 'PidMode'),
                     ('userns_mode', 'UsernsMode'), ('cgroupns_mode', 'CgroupnsMode'), ('runtime', 'Runtime'),
                     ('groups', 'GroupAdd'), ('oom_score_adj', 'OomScoreAdj'), ('dns_search_domains', 'DnsSearch'),
                     ('dns_opts', 'DnsOptions'), ('volumes_from', 'VolumesFrom'), ('uts', 'UTSMode'),
                     ('cgroup_parent', 'CgroupParent'), ('device_requests', 'DeviceRequests')):
        if key in o:
            host[api] = o[key]
    if 'cpus' in o:
        host['NanoCpus'] = int(round(o['cpus'] * 1e9))
    if 'log_driver' in o or 'log_options' in o:
        host['LogConfig'] = {'Type': o.get('log_driver') or '', 'Config': dict(o.get('log_options') or {})}
    body['HostConfig'] = host
    return body


# -- actual state of a container, in option form ---------------------------------------------

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


def update_body(differences, options, container):
    """POST /containers/{id}/update body for the in-place ``differences``."""
    o = normalize_options(options)
    host = container.get('HostConfig') or {}
    body = {}
    names = set(d['option'] for d in differences if d['update'])
    for key, api in (('memory', 'Memory'), ('memory_reservation', 'MemoryReservation'), ('memory_swap', 'MemorySwap'),
                     ('cpu_shares', 'CpuShares'), ('cpuset_cpus', 'CpusetCpus'), ('pids_limit', 'PidsLimit')):
        if key in names:
            body[api] = o[key]
    if 'cpus' in names:
        body['NanoCpus'] = int(round(o['cpus'] * 1e9))
    if 'Memory' in body and 'memory_swap' not in o:
        # the engine set MemorySwap to twice Memory at create (or the user set it): keep that relation,
        # otherwise a larger memory limit is refused as bigger than the old swap limit
        old_mem, old_swap = host.get('Memory') or 0, host.get('MemorySwap') or 0
        if old_swap > 0 and old_mem > 0 and old_swap == 2 * old_mem:
            body['MemorySwap'] = 2 * body['Memory']
        elif old_swap > 0 and body['Memory'] > old_swap:
            body['MemorySwap'] = -1
        elif old_swap == -1:
            body['MemorySwap'] = -1
    if 'restart_policy' in names or 'restart_retries' in names:
        policy = {'Name': o.get('restart_policy') or (host.get('RestartPolicy') or {}).get('Name') or 'no'}
        if policy['Name'] == 'on-failure':
            policy['MaximumRetryCount'] = o.get('restart_retries', 0)
        body['RestartPolicy'] = policy
    return body


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
