# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compose's value syntaxes, each parsed to one structured value: KEY=VALUE lists and maps,
strings or lists, commands, env_file entries, extra hosts, durations and sizes (through
units.py), ports, volumes, a service's secrets and configs, ipam, ulimits and healthchecks.
Short and long syntaxes give the same result.

Every error is a ComposeError naming the key (``what``) and the value.
"""

import shlex

from ansible_collections.berth.docker.plugins.module_utils import units
from ansible_collections.berth.docker.plugins.module_utils.compose.source import abs_host_path
from ansible_collections.berth.docker.plugins.module_utils.errors import ComposeError, SpecError

VOLUME_MODES = ('ro', 'rw', 'z', 'Z', 'nocopy', 'shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate',
                'consistent', 'cached', 'delegated')
PROPAGATIONS = ('shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate')
PORT_KEYS = ('target', 'published', 'host_ip', 'protocol', 'mode', 'name', 'app_protocol')


# --------------------------------------------------------------------------- maps, lists, commands

def to_map(value, what):
    """environment / labels / args / sysctls: list of K=V (or K) or a map -> dict of str or None."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return dict((str(k), None if v is None else _scalar_str(v)) for k, v in value.items())
    if isinstance(value, list):
        result = {}
        for item in value:
            key, sep, val = str(item).partition('=')
            result[key] = val if sep else None
        return result
    raise ComposeError('%s must be a list of KEY=VALUE or a mapping, not %r' % (what, value))


TRUE_WORDS = ('true', 'y', 'yes', 'on')
FALSE_WORDS = ('false', 'n', 'no', 'off')


def to_bool(value, what, default=None):
    """A boolean key as compose reads it: YAML true/false, or a string (quoted, or from
    interpolation) true/false, y/yes/on or n/no/off in any case, as compose-go casts them;
    anything else is an error naming the key. None gives ``default``."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ComposeError('%s: %r is not a boolean (use true or false)' % (what, value))


def _scalar_str(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return str(value)


def to_list(value, what):
    """A string (or number) or a list of them -> a list of strings; None -> []."""
    if value is None:
        return []
    if isinstance(value, (str, int, float)):
        return [str(value)]
    if isinstance(value, list):
        return [str(v) for v in value]
    raise ComposeError('%s must be a string or a list of strings, not %r' % (what, value))


def parse_command(value, what):
    """command / entrypoint: a string (split like a shell does) or a list -> list of words; None stays None."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return shlex.split(value)
        except ValueError as exc:
            raise ComposeError('%s: cannot split %r into words: %s' % (what, value, exc))
    if isinstance(value, list):
        return [str(v) for v in value]
    raise ComposeError('%s must be a string or a list, not %r' % (what, value))


def to_list_env_file(value, where):
    """A service's ``env_file`` (a path, or a list of paths and {path, required}) -> [{path, required}]."""
    entries = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, dict):
            if not item.get('path'):
                raise ComposeError('%s.env_file entries need path' % where)
            entries.append({'path': str(item['path']), 'required': to_bool(item.get('required'), '%s.env_file.required' % where, True)})
        else:
            entries.append({'path': str(item), 'required': True})
    return entries


def extra_hosts_map(value):
    """``extra_hosts`` as a list (``HOST:IP`` or ``HOST=IP``) -> {host: ip or None}, so that files
    merge it by host; a mapping is returned as it is."""
    if not isinstance(value, list):
        return value
    hosts = {}
    for item in value:
        host, sep, addr = str(item).partition(':') if '=' not in str(item) else str(item).partition('=')
        hosts[host] = addr if sep else None
    return hosts


def parse_extra_hosts(value, what):
    """``extra_hosts`` (a list of ``HOST:IP`` / ``HOST=IP`` or a mapping) -> ['HOST:IP', ...] sorted
    by host, the shape the docker CLI and the Engine API use."""
    hosts = extra_hosts_map(value or {})
    if not isinstance(hosts, dict):
        raise ComposeError('%s must be a list of HOST:IP or a mapping, not %r' % (what, value))
    result = []
    for host, addr in sorted(hosts.items()):
        if addr is None:
            raise ComposeError('%s: %r needs an address (HOST:IP)' % (what, host))
        result.append('%s:%s' % (host, addr))
    return result


# --------------------------------------------------------------------------- durations and sizes

def parse_duration(value, what):
    """'1m30s' / '10s' / '500ms' / 10 (seconds) -> seconds (float); None stays None. The text
    grammar is units.parse_duration's."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    try:
        nanos = units.parse_duration(value, what)
    except SpecError:
        raise ComposeError('%s: %r is not a duration like 10s or 1m30s' % (what, value))
    return None if nanos is None else nanos / 1e9


def parse_size(value, what):
    """'512m' / '1g' / '1.5GB' / 1048576 -> bytes; None stays None. The text grammar is
    units.parse_size's."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return units.parse_size(value, what)
    except SpecError:
        raise ComposeError('%s: %r is not a size like 512m or 1g' % (what, value))


# --------------------------------------------------------------------------- ports

def port_range(text, what):
    """'80' / '8000-8010' -> the list of port numbers (1-65535)."""
    text = str(text)
    if '-' in text:
        low, high = text.split('-', 1)
        try:
            low, high = int(low), int(high)
        except ValueError:
            raise ComposeError('%s: %r is not a port or a port range' % (what, text))
        if high < low:
            raise ComposeError('%s: port range %r ends before it starts' % (what, text))
        return list(range(low, high + 1))
    try:
        port = int(text)
    except ValueError:
        raise ComposeError('%s: %r is not a port number' % (what, text))
    if not 0 < port < 65536:
        raise ComposeError('%s: port %d is outside 1-65535' % (what, port))
    return [port]


def parse_port(item, what):
    """One ``ports`` entry (short or long syntax) -> list of dicts
    {target, published (int or None), host_ip, protocol}."""
    if isinstance(item, dict):
        unknown = set(item) - set(PORT_KEYS)
        if unknown:
            raise ComposeError('%s: unknown keys %s in a long-syntax port' % (what, ', '.join(sorted(unknown))))
        if item.get('target') is None:
            raise ComposeError('%s: a long-syntax port needs target' % what)
        targets = port_range(item['target'], what)
        published = item.get('published')
        pubs = port_range(published, what) if published not in (None, '') else [None] * len(targets)
        if len(pubs) > 1 and len(targets) == 1:
            pubs = pubs[:1]
        if len(pubs) != len(targets):
            raise ComposeError('%s: published range %r and target range %r differ in length' % (what, published, item['target']))
        proto = str(item.get('protocol') or 'tcp').lower()
        host_ip = item.get('host_ip') or ''
        return [{'target': t, 'published': p, 'host_ip': host_ip, 'protocol': proto} for t, p in zip(targets, pubs)]
    text = str(item).strip()
    proto = 'tcp'
    if '/' in text:
        text, proto = text.rsplit('/', 1)
        proto = proto.lower()
    if proto not in ('tcp', 'udp', 'sctp'):
        raise ComposeError('%s: protocol %r must be tcp, udp or sctp' % (what, proto))
    host_ip = ''
    if text.startswith('['):  # [::1]:8080:80
        end = text.index(']')
        host_ip = text[1:end]
        text = text[end + 2:]
        parts = text.split(':')
        parts = ['_'] + parts if len(parts) == 2 else parts
    else:
        parts = text.split(':')
        if len(parts) == 3:
            host_ip = parts[0]
    if len(parts) > 3:
        raise ComposeError('%s: %r is not HOST_IP:PUBLISHED:TARGET[/PROTOCOL]' % (what, item))
    target = parts[-1]
    published = parts[-2] if len(parts) >= 2 else ''
    targets = port_range(target, what)
    if published:
        pubs = port_range(published, what)
        if len(pubs) != len(targets):
            if len(targets) == 1:
                # a published range for one target: the engine picks one of them; keep the first
                pubs = pubs[:1]
            else:
                raise ComposeError('%s: %r maps ranges of different lengths' % (what, item))
    else:
        pubs = [None] * len(targets)
    return [{'target': t, 'published': p, 'host_ip': host_ip, 'protocol': proto} for t, p in zip(targets, pubs)]


def parse_expose(value, what):
    """``expose`` (ports or ranges, with an optional /protocol) -> ['80/tcp', ...], without repeats."""
    expose = []
    for item in value or []:
        port, _sep, proto = str(item).partition('/')
        for number in port_range(port, what):
            entry = '%d/%s' % (number, proto or 'tcp')
            if entry not in expose:
                expose.append(entry)
    return expose


# --------------------------------------------------------------------------- volumes

def is_host_path(source):
    """Whether a volume source is a host path (./x, /x, ~/x, a/b) rather than a volume name."""
    return source.startswith(('.', '/', '~')) or '/' in source


def parse_volume(item, project_dir, what):
    """One service ``volumes`` entry -> dict {type, source, target, read_only, ...}.

    Relative host paths (``./data``, ``../x``, ``~/x``) are resolved against the project
    directory; a source without a slash is a named volume; no source is anonymous."""
    if isinstance(item, dict):
        vtype = item.get('type') or ('bind' if item.get('source') and is_host_path(str(item['source'])) else 'volume')
        if vtype not in ('bind', 'volume', 'tmpfs', 'npipe'):
            raise ComposeError('%s: volume type %r must be bind, volume or tmpfs' % (what, vtype))
        if not item.get('target'):
            raise ComposeError('%s: a long-syntax volume needs target' % what)
        result = {'type': vtype, 'source': item.get('source') or None, 'target': str(item['target']),
                  'read_only': to_bool(item.get('read_only'), '%s.read_only' % what, False)}
        if vtype == 'bind':
            if not result['source']:
                raise ComposeError('%s: a bind mount needs source' % what)
            result['source'] = abs_host_path(str(result['source']), project_dir)
            bind = item.get('bind') or {}
            result['create_host_path'] = to_bool(bind.get('create_host_path'), '%s.bind.create_host_path' % what, True)
            if bind.get('propagation'):
                result['propagation'] = bind['propagation']
            if bind.get('selinux'):
                result['selinux'] = bind['selinux']
        elif vtype == 'volume':
            vol = item.get('volume') or {}
            if to_bool(vol.get('nocopy'), '%s.volume.nocopy' % what, False):
                result['nocopy'] = True
        elif vtype == 'tmpfs':
            tmp = item.get('tmpfs') or {}
            if tmp.get('size') is not None:
                result['size'] = parse_size(tmp['size'], what)
            if tmp.get('mode') is not None:
                result['mode'] = int(str(tmp['mode']), 8) if isinstance(tmp['mode'], str) else tmp['mode']
        return result
    text = str(item)
    parts = text.split(':')
    if len(parts) == 1:
        return {'type': 'volume', 'source': None, 'target': parts[0], 'read_only': False}
    if len(parts) > 3:
        raise ComposeError('%s: %r is not SOURCE:TARGET[:MODE]' % (what, text))
    source, target = parts[0], parts[1]
    mode = parts[2] if len(parts) == 3 else ''
    flags = [m for m in mode.split(',') if m]
    for flag in flags:
        if flag not in VOLUME_MODES:
            raise ComposeError('%s: unknown volume mode %r in %r' % (what, flag, text))
    if not target.startswith('/'):
        raise ComposeError('%s: the container path %r in %r must be absolute' % (what, target, text))
    result = {'source': source, 'target': target, 'read_only': 'ro' in flags}
    if is_host_path(source):
        result['type'] = 'bind'
        result['source'] = abs_host_path(source, project_dir)
        result['create_host_path'] = True
        for flag in flags:
            if flag in ('z', 'Z'):
                result['selinux'] = flag
            elif flag in PROPAGATIONS:
                result['propagation'] = flag
    else:
        result['type'] = 'volume'
        if 'nocopy' in flags:
            result['nocopy'] = True
    return result


def parse_service_file_objects(kind, raw, declared, where):
    """A service's ``secrets`` / ``configs`` (short or long syntax) -> [{source, target, uid, gid,
    mode, file | digest}]. Secrets default to /run/secrets/SOURCE, configs to /SOURCE."""
    items = []
    if not isinstance(raw, list):
        raise ComposeError('%s.%s must be a list of names or of mappings with source (and target)' % (where, kind))
    for entry in raw:
        spec = {'source': entry} if isinstance(entry, str) else dict(entry or {})
        source = spec.get('source')
        if source not in declared:
            raise ComposeError('%s.%s: %s is not declared under the top-level %s' % (where, kind, source, kind))
        target = str(spec.get('target') or source)
        if kind == 'secrets' and not target.startswith('/'):
            target = '/run/secrets/' + target
        elif not target.startswith('/'):
            target = '/' + target
        mode = spec.get('mode', 0o444)
        if isinstance(mode, str):
            try:
                mode = int(mode, 8)
            except ValueError:
                raise ComposeError('%s.%s: mode %r is not an octal number such as 0440' % (where, kind, mode))
        item = {'source': source, 'target': target, 'uid': str(spec.get('uid', '0')), 'gid': str(spec.get('gid', '0')),
                'mode': int(mode)}
        item.update(declared[source])
        items.append(item)
    return items


# --------------------------------------------------------------------------- networks, ulimits, healthcheck

def parse_ipam(value):
    """A network's ipam -> {driver, config: [{Subnet, IPRange, Gateway, AuxiliaryAddresses}]} (the
    Engine API's names, each only when given), or None when there is no ipam."""
    ipam = value or {}
    if not ipam:
        return None
    pools = []
    for pool in ipam.get('config') or []:
        entry = {}
        for key, api in (('subnet', 'Subnet'), ('ip_range', 'IPRange'), ('gateway', 'Gateway')):
            if pool.get(key):
                entry[api] = str(pool[key])
        if pool.get('aux_addresses'):
            entry['AuxiliaryAddresses'] = dict(pool['aux_addresses'])
        pools.append(entry)
    return {'driver': ipam.get('driver') or None, 'config': pools}


def parse_ulimits(value, what):
    """{name: N | {soft, hard}} -> {name: {soft, hard}} (integers)."""
    result = {}
    for name, spec in (value or {}).items():
        if isinstance(spec, dict):
            try:
                result[name] = {'soft': int(spec['soft']), 'hard': int(spec['hard'])}
            except (KeyError, ValueError, TypeError):
                raise ComposeError('%s.%s needs integer soft and hard' % (what, name))
        else:
            try:
                result[name] = {'soft': int(spec), 'hard': int(spec)}
            except (ValueError, TypeError):
                raise ComposeError('%s.%s must be a number or {soft, hard}' % (what, name))
    return result


def parse_healthcheck(value, what):
    """A healthcheck mapping -> {test: [CMD|CMD-SHELL|NONE, ...], interval, timeout, start_period,
    start_interval (seconds), retries}, each only when given; disable: true -> {test: [NONE]}."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ComposeError('%s must be a mapping' % what)
    if to_bool(value.get('disable'), '%s.disable' % what, False):
        return {'test': ['NONE']}
    result = {}
    test = value.get('test')
    if isinstance(test, str):
        result['test'] = ['CMD-SHELL', test]
    elif isinstance(test, list):
        if test and test[0] not in ('CMD', 'CMD-SHELL', 'NONE'):
            raise ComposeError('%s.test as a list must start with CMD, CMD-SHELL or NONE' % what)
        result['test'] = [str(t) for t in test]
    elif test is not None:
        raise ComposeError('%s.test must be a string or a list' % what)
    for key in ('interval', 'timeout', 'start_period', 'start_interval'):
        if value.get(key) is not None:
            result[key] = parse_duration(value[key], '%s.%s' % (what, key))
    if value.get('retries') is not None:
        try:
            result['retries'] = int(value['retries'])
        except (TypeError, ValueError):
            raise ComposeError('%s.retries must be a number' % what)
    return result
