# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The config hash docker compose v2 writes on a service's containers, so that berth and
``docker compose up`` recognise each other's containers as up to date.

Compose v2 labels a container ``com.docker.compose.config-hash`` = the sha256 (hex) of Go's
``encoding/json`` rendering of the service as compose-go models it after loading (its
``ServiceConfig`` struct: fields in struct order, ``omitempty`` rules, map keys sorted, custom
encodings for sizes, durations, ulimits, extra hosts), with ``build``, ``pull_policy``,
``scale`` and ``deploy.replicas`` cleared. On ``up`` the env files are folded into
``environment`` and dropped, bare variables left unset stay (as null), and a ``service:NAME``
reference in ``network_mode`` / ``ipc`` / ``pid`` / ``volumes_from`` is replaced by the ID of
that service's first container before hashing.

This module rebuilds that document from the merged, interpolated service mapping
(``Project.config['services'][name]``) and hashes it. Reference: docker compose 2.26.1 as
Debian trixie ships it (built with compose-go 2.4.8); the unit tests hold hashes recorded from
it. Standard library only, pure functions.

Keys this emulation does not model make ``service_hash`` return None (the caller then keeps
its own hash): see UNSUPPORTED.
"""

import hashlib
import math
import os
import posixpath
import re
import struct
from decimal import Decimal
from fractions import Fraction

from ansible_collections.berth.docker.plugins.module_utils.errors import BerthError

# service keys whose compose-go rendering is not emulated: a service using one gets no hash
UNSUPPORTED = ('develop', 'blkio_config', 'credential_spec', 'gpus', 'post_start', 'pre_stop', 'label_file',
               'extends', 'device_cgroup_rules', 'storage_opt', 'attach', 'models', 'provider', 'use_api_socket')
_NS = {'ns': 1, 'us': 1000, '\u00b5s': 1000, '\u03bcs': 1000, 'ms': 10 ** 6, 's': 10 ** 9, 'm': 60 * 10 ** 9,
       'h': 3600 * 10 ** 9}


class Unsupported(BerthError):
    """A value this module cannot render as compose-go does (caught here: service_hash gives None)."""


class F32(float):
    """A float32 value (Go encodes it with float32's shortest representation)."""


class Struct(list):
    """A Go struct: ordered (json name, value, omitempty) fields."""


# --------------------------------------------------------------------------- Go's encoding/json

_ESCAPES = {'"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f',
            '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029'}


def _go_string(text):
    out = ['"']
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20:
            out.append('\\u%04x' % ord(char))
        else:
            out.append(char)
    out.append('"')
    return ''.join(out)


def _shortest(value, bits):
    """The shortest decimal that reads back as the same float32 / float64 (a Decimal)."""
    if math.isnan(value) or math.isinf(value):
        raise Unsupported('non-finite float')
    if bits == 32:
        target = struct.unpack('f', struct.pack('f', value))[0]
        for prec in range(1, 10):
            text = '%.*e' % (prec - 1, target)
            if struct.unpack('f', struct.pack('f', float(text)))[0] == target:
                return Decimal(text).normalize()
    return Decimal(repr(float(value))).normalize()


def _go_float(dec, e_from, exp_width):
    """Go's shortest float text: plain, or d.ddde+XX when the exponent is >= e_from or < -4 (json:
    < -6, whose negative exponents lose their leading zero)."""
    if dec.is_zero():
        return '0'
    exp = dec.adjusted()
    if -e_from[1] <= exp < e_from[0]:
        return format(dec, 'f')
    sign, digits = dec.as_tuple()[:2]
    mantissa = str(digits[0]) + ('.' + ''.join(str(d) for d in digits[1:]) if len(digits) > 1 else '')
    width = 1 if exp < 0 and exp_width == 'json' else 2
    return '%s%se%s%0*d' % ('-' if sign else '', mantissa, '-' if exp < 0 else '+', width, abs(exp))


def _is_empty(value):
    if value is None or value is False or value == '' or (isinstance(value, (int, float)) and not isinstance(value, bool)
                                                          and value == 0):
        return True
    return isinstance(value, (list, dict)) and not isinstance(value, Struct) and len(value) == 0


def go_json(value):
    """``value`` as Go's json.Marshal writes it: Struct -> object in field order (omitempty
    fields left out when empty), dict -> object with sorted keys, F32 -> float32."""
    if isinstance(value, Struct):
        parts = []
        for key, val, omitempty in value:
            if omitempty and _is_empty(val):
                continue
            parts.append('%s:%s' % (_go_string(key), go_json(val)))
        return '{%s}' % ','.join(parts)
    if isinstance(value, dict):
        return '{%s}' % ','.join('%s:%s' % (_go_string(k), go_json(value[k])) for k in sorted(value))
    if isinstance(value, (list, tuple)):
        return '[%s]' % ','.join(go_json(v) for v in value)
    if value is None:
        return 'null'
    if value is True:
        return 'true'
    if value is False:
        return 'false'
    if isinstance(value, float):
        return _go_float(_shortest(value, 32 if isinstance(value, F32) else 64), (21, 6), 'json')
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _go_string(value)
    raise Unsupported('cannot render %r' % (value,))


# --------------------------------------------------------------------------- Go value syntaxes

def go_sprint(value):
    """fmt.Sprint of a YAML scalar."""
    if value is True:
        return 'true'
    if value is False:
        return 'false'
    if isinstance(value, float):
        return _go_float(_shortest(value, 64), (6, 4), 'fmt')
    return str(value)


def parse_go_duration(value):
    """time.ParseDuration(fmt.Sprint(value)) -> nanoseconds."""
    text = go_sprint(value)
    orig = text
    sign = 1
    if text[:1] in ('-', '+'):
        sign = -1 if text[0] == '-' else 1
        text = text[1:]
    if text == '0':
        return 0
    if not text:
        raise Unsupported('invalid duration %r' % orig)
    total = Fraction(0)
    pattern = re.compile(r'(\d*(?:\.\d*)?)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)')
    pos = 0
    while pos < len(text):
        match = pattern.match(text, pos)
        if not match or match.group(1) in ('', '.'):
            raise Unsupported('invalid duration %r' % orig)
        total += Fraction(match.group(1)) * _NS[match.group(2)]
        pos = match.end()
    return sign * int(total)


def _fmt_frac(value, digits):
    """value / 10**digits with trailing zeros of the fraction removed (Go's fmtFrac+fmtInt)."""
    whole, frac = divmod(value, 10 ** digits)
    frac_text = ('%0*d' % (digits, frac)).rstrip('0') if digits else ''
    return '%d%s' % (whole, '.' + frac_text if frac_text else '')


def go_duration(nanos):
    """time.Duration(nanos).String()."""
    if nanos == 0:
        return '0s'
    neg = nanos < 0
    nanos = abs(nanos)
    if nanos < 10 ** 9:
        if nanos < 1000:
            text = '%dns' % nanos
        elif nanos < 10 ** 6:
            text = _fmt_frac(nanos, 3) + '\u00b5s'
        else:
            text = _fmt_frac(nanos, 6) + 'ms'
    else:
        secs = _fmt_frac(nanos % (60 * 10 ** 9), 9) + 's'
        minutes = nanos // (60 * 10 ** 9)
        if minutes:
            hours, minutes = divmod(minutes, 60)
            secs = '%dm%s' % (minutes, secs)
            if hours:
                secs = '%dh%s' % (hours, secs)
        text = secs
    return '-' + text if neg else text


_RAM_UNITS = {'k': 1024, 'm': 1024 ** 2, 'g': 1024 ** 3, 't': 1024 ** 4, 'p': 1024 ** 5}


def ram_in_bytes(value):
    """UnitBytes: a YAML int as is, a string through go-units' RAMInBytes."""
    if isinstance(value, bool):
        raise Unsupported('size %r' % value)
    if isinstance(value, int):
        return value
    match = re.match(r'^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$', str(value))
    if not match:
        raise Unsupported('size %r' % value)
    size = float(match.group(1))
    if match.group(2):
        size *= _RAM_UNITS[match.group(2).lower()]
    return int(size)


def unit_bytes(value):
    """UnitBytes renders as a JSON string of its decimal value."""
    return str(ram_in_bytes(value))


def shell_words(text):
    """go-shellwords' Parse (no env, no backticks): what compose-go makes of a string command.
    It stops at an unquoted ; & | < > (the rest of the line is dropped)."""
    args, buf = [], ''
    escaped = single = double = False
    got = False
    for char in text:
        if escaped:
            buf += char
            escaped, got = False, True
            continue
        if char == '\\':
            if single:
                buf += char
            else:
                escaped = True
            continue
        if char in ' \t\r\n':
            if single or double:
                buf += char
            elif got:
                args.append(buf)
                buf, got = '', False
            continue
        if char == '"' and not single:
            if double:
                got = True
            double = not double
            continue
        if char == "'" and not double:
            if single:
                got = True
            single = not single
            continue
        if char in ';&|<>' and not (single or double):
            if char == '>' and buf and buf[0].isdigit():
                got = False
            break
        got = True
        buf += char
    if got:
        args.append(buf)
    if escaped or single or double:
        raise Unsupported('invalid command line %r' % text)
    return args


def _str_list(value):
    """StringList / StringOrNumberList / []string: a string is a one-item list."""
    if value is None:
        return None
    if isinstance(value, list):
        return [go_sprint(v) for v in value]
    return [go_sprint(value)]


def _mapping(value, sep='='):
    """Mapping / Labels / Options: {str: str} from a map or a KEY=VALUE list (None -> '')."""
    if value is None:
        return None
    if isinstance(value, dict):
        return dict((str(k), '' if v is None else go_sprint(v)) for k, v in value.items())
    result = {}
    for item in value:
        key, _sep, val = go_sprint(item).partition(sep)
        result[key] = val
    return result


def _int(value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            return int(str(value), 10)
        except ValueError:
            raise Unsupported('integer %r' % value)
    return value


def _bool(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    text = str(value).lower()
    if text in ('1', 't', 'true'):
        return True
    if text in ('0', 'f', 'false'):
        return False
    raise Unsupported('boolean %r' % value)


def _str(value):
    return None if value is None else go_sprint(value)


def _f32(value):
    if value is None:
        return None
    try:
        return F32(float(value))
    except (TypeError, ValueError):
        raise Unsupported('number %r' % value)


def _duration(value):
    return None if value is None else go_duration(parse_go_duration(value))


# --------------------------------------------------------------------------- service pieces

def _bytes(value):
    return None if value is None else unit_bytes(value)


def _struct(value, spec, where):
    """A mapping -> Struct of ``spec``'s (json name, converter) fields, all omitempty, in spec
    order; a converter that is a tuple is a nested spec, None a key allowed but not rendered.
    Other keys raise Unsupported (extension keys x-* are ignored)."""
    if value is None:
        return None
    names = [name for name, _conv in spec]
    for key in value:
        if key not in names and not str(key).startswith('x-'):
            raise Unsupported('%s.%s' % (where, key))
    return Struct((name, _struct(value.get(name), conv, '%s.%s' % (where, name)) if isinstance(conv, tuple)
                   else conv(value.get(name)), True) for name, conv in spec if conv is not None)


def _health_test(value):
    if isinstance(value, str):
        return ['CMD-SHELL', value]
    return None if value is None else [go_sprint(t) for t in value]


PORT = (('name', _str), ('mode', _str), ('host_ip', _str), ('target', _int), ('published', _str), ('protocol', _str),
        ('app_protocol', _str))
VOLUME = (('type', _str), ('source', _str), ('target', _str), ('read_only', _bool), ('consistency', _str),
          ('bind', (('selinux', _str), ('propagation', _str), ('create_host_path', _bool), ('recursive', _str))),
          ('volume', (('nocopy', _bool), ('subpath', _str))), ('tmpfs', (('size', _bytes), ('mode', _int))))
HEALTHCHECK = (('test', _health_test), ('timeout', _duration), ('interval', _duration), ('retries', _int),
               ('start_period', _duration), ('start_interval', _duration), ('disable', _bool))
RESOURCE = (('cpus', _f32), ('memory', _bytes), ('pids', _int))
NETWORK = (('priority', _int), ('gw_priority', _int), ('aliases', _str_list), ('ipv4_address', _str),
           ('ipv6_address', _str), ('link_local_ips', _str_list), ('mac_address', _str), ('driver_opts', _mapping))
FILE_REF = (('source', _str), ('target', _str), ('uid', _str), ('gid', _str), ('mode', _int))
DEVICE = (('source', _str), ('target', _str), ('permissions', _str))
LOGGING = (('driver', _str), ('options', _mapping))
RESTART_POLICY = (('condition', _str), ('delay', _duration), ('max_attempts', _int), ('window', _duration))


def _split_port_parts(raw):
    parts = raw.split(':')
    if len(parts) <= 3:
        return tuple([''] * (3 - len(parts)) + parts)
    return ':'.join(parts[:-2]), parts[-2], parts[-1]


def _port_range(text):
    start, sep, end = text.partition('-')
    try:
        first, last = int(start, 10), int(end if sep else start, 10)
    except ValueError:
        raise Unsupported('port %r' % text)
    if last < first:
        raise Unsupported('port range %r' % text)
    return first, last


def _short_ports(spec):
    """nat.ParsePortSpecs + compose-go's conversion: short syntax -> port dicts, sorted by
    "PORT/PROTO" as strings."""
    ip, host, container = _split_port_parts(spec)
    container, _slash, proto = container.partition('/')
    proto = (proto or 'tcp').lower()
    if ip.startswith('[') and ip.endswith(']'):
        ip = ip[1:-1]
    start, end = _port_range(container)
    hstart, hend = _port_range(host) if host else (0, 0)
    if host and (end - start) != (hend - hstart) and end != start:
        raise Unsupported('port %r' % spec)
    found = {}
    for i in range(end - start + 1):
        published = str(hstart + i) if host else ''
        if start == end and hstart != hend:
            published = '%s-%d' % (published, hend)
        found.setdefault('%d/%s' % (start + i, proto), []).append(
            {'mode': 'ingress', 'host_ip': ip, 'target': start + i, 'published': published, 'protocol': proto})
    return [port for key in sorted(found) for port in found[key]]


def _ports(value):
    result = []
    for item in value or []:
        if isinstance(item, dict):
            result.append(dict(item, protocol=item.get('protocol', 'tcp'), mode=item.get('mode', 'ingress')))
        else:
            result.extend(_short_ports(go_sprint(item)))
    return [_struct(port, PORT, 'ports') for port in result] or None


def _abs_path(path, working_dir):
    if path == '~' or path.startswith('~/'):
        path = os.path.expanduser('~') + path[1:]
    if posixpath.isabs(path) or not path:
        return path
    return posixpath.normpath(posixpath.join(working_dir, path))


def _short_volume(spec):
    """compose-go's format.ParseVolume for a POSIX spec -> long-syntax dict."""
    if len(spec) <= 2:
        return {'type': 'volume', 'target': spec}
    fields = spec.split(':')
    if any(not f for f in fields) or len(fields) > 3:
        raise Unsupported('volume %r' % spec)
    vol = {'target': fields[0]} if len(fields) == 1 else {'source': fields[0], 'target': fields[1]}
    for option in (fields[2].split(',') if len(fields) == 3 else []):
        if option in ('ro', 'rw'):
            vol['read_only'] = option == 'ro'
        elif option == 'nocopy':
            vol['volume'] = {'nocopy': True}
        elif option in ('z', 'Z'):
            vol.setdefault('bind', {})['selinux'] = option
        elif option in ('rprivate', 'private', 'rshared', 'shared', 'rslave', 'slave'):
            vol.setdefault('bind', {})['propagation'] = option
    if (vol.get('source') or '')[:1] in ('.', '/', '~'):
        vol.update(type='bind', bind=dict(vol.get('bind') or {}, create_host_path=True))
    else:
        vol.update(type='volume', volume=vol.get('volume') or {})
    return vol


def _volumes(value, working_dir):
    out = []
    for item in value or []:
        vol = dict(item) if isinstance(item, dict) else _short_volume(str(item))
        if vol.get('type') == 'bind' and vol.get('source') is not None:
            vol['source'] = _abs_path(str(vol['source']), working_dir)
        if vol.get('target'):
            vol['target'] = posixpath.normpath(str(vol['target']))
            if vol['target'].startswith('//'):
                vol['target'] = '/' + vol['target'].lstrip('/')
        out.append(_struct(vol, VOLUME, 'volumes'))
    return out or None


def _environment(raw, resolved, environ):
    """The service's environment as compose up sees it: ``resolved`` (env files folded in, bare
    variables resolved: what berth's model computed) plus null for bare variables unset."""
    env = dict(resolved or {})
    given = raw.get('environment')
    if isinstance(given, dict):
        bare = [str(k) for k, v in given.items() if v is None]
    else:
        bare = [go_sprint(v) for v in given or [] if '=' not in go_sprint(v)]
    for key in bare:
        if key not in environ:
            env[key] = None
    return env or None


def _depends_on(raw):
    """depends_on with compose-go's defaults, plus the dependencies it implies (links, service:
    namespaces, volumes_from)."""
    deps = {}
    given = raw.get('depends_on') or {}
    if isinstance(given, list):
        given = dict((d, None) for d in given)
    for name, spec in given.items():
        spec = spec or {}
        deps[name] = (spec.get('condition', 'service_started'), _bool(spec.get('restart', False)),
                      _bool(spec.get('required', True)))
    implied = [(str(link).split(':', 1)[0] if str(link).count(':') == 1 else str(link), True)
               for link in raw.get('links') or []]
    for key in ('network_mode', 'ipc', 'pid', 'uts', 'cgroup'):
        ref = raw.get(key)
        if isinstance(ref, str) and ref.startswith('service:'):
            implied.append((ref[len('service:'):], True))
    implied += [(str(vol).split(':', 1)[0], False) for vol in raw.get('volumes_from') or []
                if not str(vol).startswith('container:')]
    for name, restart in implied:
        deps.setdefault(name, ('service_started', restart, True))
    return dict((name, Struct([('condition', cond, True), ('restart', restart, True), ('required', required, False)]))
                for name, (cond, restart, required) in deps.items()) or None


def _deploy(value):
    if value is None:
        return None
    value = dict(value, resources=value.get('resources') or {}, placement=value.get('placement') or {})
    return _struct(value, (
        ('mode', _str), ('replicas', None), ('labels', _mapping),
        ('resources', (('limits', RESOURCE), ('reservations', RESOURCE))), ('restart_policy', RESTART_POLICY),
        ('placement', (('constraints', _str_list), ('max_replicas_per_node', _int))), ('endpoint_mode', _str)), 'deploy')


def _devices(value):
    out = []
    for item in value or []:
        if not isinstance(item, dict):
            arr = str(item).split(':')
            if len(arr) > 3:
                raise Unsupported('device %r' % item)
            item = {'source': arr[0], 'target': arr[1] if len(arr) > 1 and arr[1] else arr[0],
                    'permissions': arr[2] if len(arr) > 2 else 'rwm'}
        out.append(_struct(item, DEVICE, 'devices'))
    return out or None


def _extra_hosts(value):
    """HostsList: rendered as a sorted list of HOST=IP."""
    if value is None:
        return None
    hosts = {}
    if isinstance(value, dict):
        for host, ips in value.items():
            hosts[str(host)] = [go_sprint(i) for i in (ips if isinstance(ips, list) else ['' if ips is None else ips])]
    else:
        for item in value:
            text = go_sprint(item)
            sep = '=' if '=' in text else ':'
            host, found, ips = text.partition(sep)
            if not found:
                raise Unsupported('extra_hosts %r' % text)
            hosts.setdefault(host, []).extend(ips.split(','))
    return sorted('%s=%s' % (host, ip[1:-1] if len(ip) > 2 and ip[0] == '[' and ip[-1] == ']' else ip)
                  for host, ips in hosts.items() for ip in ips)


def _file_refs(value, secret):
    out = []
    for item in value or []:
        ref = {'source': item} if isinstance(item, str) else dict(item)
        if secret and 'target' not in ref:
            ref['target'] = '/run/secrets/%s' % ref.get('source')
        out.append(_struct(ref, FILE_REF, 'secrets' if secret else 'configs'))
    return out or None


def _ulimits(value):
    out = {}
    for name, spec in (value or {}).items():
        if isinstance(spec, dict):
            out[str(name)] = _struct(spec, (('soft', _int), ('hard', _int)), 'ulimits')
        else:  # Single renders as a number, but 0 as the struct, soft and hard omitted
            out[str(name)] = _int(spec) or Struct([])
    return out or None


def _networks(raw):
    nets = raw.get('networks')
    if raw.get('network_mode') is None and not nets:
        nets = {'default': None}
    if isinstance(nets, list):
        nets = dict((n, None) for n in nets)
    if nets is None:
        return None
    return dict((name, _struct(spec, NETWORK, 'networks.%s' % name)) for name, spec in nets.items())


def _command(value):
    if isinstance(value, str):
        return shell_words(value)
    return None if value is None else [go_sprint(v) for v in value]


def _reference(value, containers):
    """A service:NAME namespace reference as compose resolves it before hashing."""
    if isinstance(value, str) and value.startswith('service:'):
        target = value[len('service:'):]
        if not (containers or {}).get(target):
            raise Unsupported('%s needs the container ID of service %s' % (value, target))
        return 'container:' + containers[target]
    return _str(value)


def _volumes_from(value, containers):
    out = []
    for item in value or []:
        spec = str(item).split(':')
        if spec[0] == 'container':
            out.append(spec[1])
        elif (containers or {}).get(spec[0]):
            out.append(containers[spec[0]])
        else:
            raise Unsupported('volumes_from %s needs the container ID of that service' % item)
    return out or None


# --------------------------------------------------------------------------- the service

# ServiceConfig's fields in struct order (json name, converter of the service's value of that key;
# None: computed from the whole service). command and entrypoint are never omitted; build,
# pull_policy, scale and the env files are not hashed on up.
SERVICE_FIELDS = (
    ('profiles', _str_list), ('annotations', _mapping), ('cap_add', _str_list), ('cap_drop', _str_list),
    ('cgroup_parent', _str), ('cgroup', _str), ('cpu_count', _int), ('cpu_percent', _f32), ('cpu_period', _int),
    ('cpu_quota', _int), ('cpu_rt_period', _int), ('cpu_rt_runtime', _int), ('cpus', _f32), ('cpuset', _str),
    ('cpu_shares', _int), ('command', _command), ('configs', None), ('container_name', _str), ('depends_on', None),
    ('deploy', _deploy), ('devices', _devices), ('dns', None), ('dns_opt', _str_list), ('dns_search', _str_list),
    ('domainname', _str), ('entrypoint', _command), ('environment', None), ('expose', _str_list),
    ('external_links', _str_list), ('extra_hosts', _extra_hosts), ('group_add', _str_list), ('hostname', _str),
    ('healthcheck', None), ('image', _str), ('init', _bool), ('ipc', None), ('labels', _mapping),
    ('links', _str_list), ('logging', None), ('mem_limit', _bytes), ('mem_reservation', _bytes),
    ('memswap_limit', _bytes), ('mem_swappiness', _bytes), ('mac_address', _str), ('network_mode', None),
    ('networks', None), ('oom_kill_disable', _bool), ('oom_score_adj', _int), ('pid', None), ('pids_limit', _int),
    ('platform', _str), ('ports', _ports), ('privileged', _bool), ('read_only', _bool), ('restart', None),
    ('runtime', _str), ('secrets', None), ('security_opt', _str_list), ('shm_size', _bytes), ('stdin_open', _bool),
    ('stop_grace_period', _duration), ('stop_signal', _str), ('sysctls', _mapping), ('tmpfs', _str_list),
    ('tty', _bool), ('ulimits', _ulimits), ('user', _str), ('userns_mode', _str), ('uts', None), ('volumes', None),
    ('volumes_from', None), ('working_dir', _str),
)
LEGACY = ('log_driver', 'log_opt', 'net', 'dockerfile', 'volume_driver', 'isolation')


def service_document(raw, working_dir, environ, resolved_environment, containers=None):
    """The compose-go ServiceConfig of one service, as a Struct ready for go_json, with what
    ServiceHash clears left out. ``raw`` is the merged, interpolated service mapping,
    ``working_dir`` the project directory (relative bind sources), ``environ`` the project's
    interpolation environment, ``resolved_environment`` the service's environment with env files
    folded in and bare variables resolved (unset ones left out), ``containers`` {service: ID of its
    first container} for service: references. Raises Unsupported."""
    raw = raw or {}
    for key in UNSUPPORTED + LEGACY:
        if key in raw:
            raise Unsupported(key)
    computed = {
        'configs': _file_refs(raw.get('configs'), False), 'secrets': _file_refs(raw.get('secrets'), True),
        'depends_on': _depends_on(raw), 'logging': _struct(raw.get('logging'), LOGGING, 'logging'),
        'healthcheck': _struct(raw.get('healthcheck'), HEALTHCHECK, 'healthcheck'), 'dns': [d for d in _str_list(raw.get('dns')) or [] if d] or None,
        'environment': _environment(raw, resolved_environment, environ), 'networks': _networks(raw),
        'restart': 'no' if raw.get('restart') is False else _str(raw.get('restart')),  # YAML 1.1's no
        'volumes': _volumes(raw.get('volumes'), working_dir), 'volumes_from': _volumes_from(raw.get('volumes_from'), containers),
    }
    for key in ('ipc', 'network_mode', 'pid', 'uts'):
        computed[key] = _reference(raw.get(key), containers)
    return Struct((key, computed[key] if convert is None else convert(raw.get(key)), key not in ('command', 'entrypoint'))
                  for key, convert in SERVICE_FIELDS)


def hash_document(doc):
    """sha256 (hex) of the Go JSON rendering of a service document."""
    return hashlib.sha256(go_json(doc).encode('utf-8')).hexdigest()


def service_hash(project, name, containers=None):
    """The ``com.docker.compose.config-hash`` compose v2 writes for service ``name`` of a loaded
    project (model.load_project), or None when the service uses something this module does not
    emulate (UNSUPPORTED, or a service: reference without ``containers``).

    ``containers``: {service name: ID of that service's first container (lowest number)}; only
    needed for ``network_mode`` / ``ipc`` / ``pid`` / ``uts`` ``service:NAME`` and
    ``volumes_from`` a service, which compose resolves to container IDs before hashing."""
    raw = (project.config.get('services') or {}).get(name)
    svc = project.services.get(name) or {}
    working_dir = project.base_dir or project.working_dir
    try:
        doc = service_document(raw, working_dir, project.environment, svc.get('environment'), containers)
        return hash_document(doc)
    except (Unsupported, AttributeError, TypeError, ValueError, KeyError):
        return None


def image_label(image_inspect):
    """The ``com.docker.compose.image`` label compose v2 writes: the ID (``sha256:...``) of the
    local image the container was created from (GET /images/{name}/json, ``Id``). Compose
    recreates a container whose label differs from the current image's ID."""
    return (image_inspect or {}).get('Id')
