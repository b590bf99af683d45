# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HAProxy configuration room: the declarative model (the module's options) checked
and rendered into haproxy.cfg text. Pure functions only: no files, no processes, no
AnsibleModule, so everything here is unit-tested directly.

``render(model)`` is deterministic: the same model always gives the same bytes (sections
in the order given, settings in a fixed order), so ``changed`` can be decided by comparing
the rendered text with the file on the target.
"""

import ipaddress
import os
import re

HEADER = '# Managed by Ansible (berth.docker.haproxy): local changes are overwritten.\n'

NAME_RE = re.compile(r'^[A-Za-z0-9_.:-]+$')
WILDCARD_ADDRESSES = ('', '*', '0.0.0.0', '::', '[::]')


class ConfigError(Exception):
    """Bad input in the model: the message says what is wrong and what to do."""


def _lines(value):
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def _escape(text):
    """HAProxy words: a space (or backslash) inside one value needs a backslash."""
    return str(text).replace('\\', '\\\\').replace(' ', '\\ ')


# --------------------------------------------------------------------------- validation

def _check_name(kind, name):
    if not name or not NAME_RE.match(str(name)):
        raise ConfigError('%s name %r is not valid: use letters, digits, "_", ".", ":" and "-" only' % (kind, name))


def _servers_of(section):
    return section.get('servers') or []


def validate(model, host_addresses=None):
    """Raise ConfigError for input HAProxy would reject or that would be unsafe.

    ``host_addresses``: the set of the host's own IP addresses (strings); when given, every
    bind address must be one of them (or a wildcard)."""
    names = {}
    for kind in ('frontends', 'backends', 'listens'):
        for section in model.get(kind) or []:
            name = section.get('name')
            _check_name(kind[:-1], name)
            # HAProxy forbids a frontend and a backend (or two proxies of a kind) sharing a name
            if name in names:
                raise ConfigError('%s %r is defined twice (also as a %s): proxy names must be unique' % (
                    kind[:-1], name, names[name]))
            names[name] = kind[:-1]
    stats = model.get('stats') or {}
    if stats.get('enabled') and 'stats' in names:
        raise ConfigError('a proxy is called "stats", which is the name of the stats listener: rename it')
    backend_names = {b['name'] for b in model.get('backends') or []} | {b['name'] for b in model.get('listens') or []}

    for kind in ('backends', 'listens'):
        for section in model.get(kind) or []:
            servers = _servers_of(section)
            templates = section.get('server_templates') or []
            if kind == 'backends' and not servers and not templates and not section.get('allow_empty'):
                raise ConfigError(
                    'backend %r has no servers: give it at least one entry in servers (or a server_template), '
                    'or set allow_empty: true if an empty backend is really wanted' % section['name'])
            seen = set()
            for server in servers:
                sname = server.get('name')
                _check_name('server (in %s %r)' % (kind[:-1], section['name']), sname)
                if sname in seen:
                    raise ConfigError('server name %r appears twice in %s %r: server names must be unique within a backend' % (
                        sname, kind[:-1], section['name']))
                seen.add(sname)
                if not server.get('address'):
                    raise ConfigError('server %r in %s %r has no address' % (sname, kind[:-1], section['name']))
            for tpl in templates:
                if tpl.get('prefix') in seen:
                    raise ConfigError('server_template prefix %r in %r collides with a server name' % (tpl.get('prefix'), section['name']))

    for section in (model.get('frontends') or []) + (model.get('listens') or []):
        for rule in section.get('use_backends') or []:
            if rule.get('backend') not in backend_names:
                raise ConfigError('frontend %r uses backend %r, which is not defined: add it to backends' % (
                    section['name'], rule.get('backend')))
        default = section.get('default_backend')
        if default and default not in backend_names:
            raise ConfigError('frontend %r has default_backend %r, which is not defined: add it to backends' % (
                section['name'], default))
        if section in (model.get('frontends') or []) and not section.get('binds'):
            raise ConfigError('frontend %r has no binds: give it at least one {address, port}' % section['name'])

    if stats.get('enabled'):
        users = [u for u in stats.get('users') or [] if u.get('username')]
        if not users or any(not u.get('password') for u in users):
            raise ConfigError(
                'stats are enabled but no credentials are given: set stats.users to a list of '
                '{username, password} with a non-empty password (there is deliberately no default password), '
                'or set stats.enabled: false')
        if not stats.get('binds'):
            raise ConfigError('stats are enabled but stats.binds is empty: give it at least one {address, port}')

    if host_addresses is not None:
        for where, bind in all_binds(model):
            check_bind_address(where, bind.get('address'), host_addresses)


def all_binds(model):
    out = []
    for section in (model.get('frontends') or []) + (model.get('listens') or []):
        for bind in section.get('binds') or []:
            out.append((section['name'], bind))
    stats = model.get('stats') or {}
    if stats.get('enabled'):
        for bind in stats.get('binds') or []:
            out.append(('stats', bind))
    return out


def check_bind_ports(model, holders):
    """Fail when a bind's port is already taken by a program other than HAProxy: HAProxy would
    refuse to start or reload with "cannot bind socket". ``holders(address, port)`` returns the
    listening sockets in the way, as (ip, port, pid, program). Sockets HAProxy itself holds are
    fine (a reload takes them over); sockets whose owner cannot be seen are not counted."""
    for where, bind in all_binds(model):
        address = _normalise_address(bind.get('address'))
        if address.startswith(('unix@', 'abns@', 'fd@', 'sockpair@', '/')) or not bind.get('port'):
            continue
        for ip, port, pid, program in holders(address.split('@')[-1] or '*', int(bind['port'])):
            if program is None or program == 'haproxy':
                continue
            raise ConfigError(
                'bind %s:%s of %r: port %s is already in use by %s (pid %s, listening on %s); HAProxy could not '
                'bind it ("cannot bind socket"). Stop that program or choose another port; nothing was written' % (
                    address or '*', bind['port'], where, port, program, pid, ip))


def _normalise_address(address):
    address = (address or '').strip()
    if address.startswith('[') and address.endswith(']'):
        address = address[1:-1]
    return address


def check_bind_address(where, address, host_addresses):
    """Fail when ``address`` is an IP that is not one of ``host_addresses``: HAProxy would
    start (it binds with IP_FREEBIND) but never receive a connection on it."""
    addr = _normalise_address(address)
    if addr in WILDCARD_ADDRESSES:
        return
    if addr.startswith(('unix@', 'abns@', 'fd@', 'sockpair@', 'ipv4@', 'ipv6@', '/')):
        return
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        raise ConfigError('bind address %r of %r is not an IP address: use an address of this host, "*" for all, '
                          'or leave address empty' % (address, where))
    if ip.is_unspecified:
        return
    known = set()
    for item in host_addresses:
        try:
            known.add(ipaddress.ip_address(_normalise_address(item)))
        except ValueError:
            continue
    if ip not in known:
        raise ConfigError(
            'bind address %s of %r is not an address of this host (its addresses: %s): use one of them, '
            'or "*" for all, or set check_bind_addresses: false if the address is added later (e.g. a VIP)' % (
                address, where, ', '.join(sorted(str(a) for a in known)) or 'none found'))


# --------------------------------------------------------------------------- rendering

def _bind_line(bind):
    address = _normalise_address(bind.get('address'))
    if address == '*':
        address = ''
    words = ['bind', '%s:%s' % (address, bind['port'])]
    if bind.get('ssl'):
        words.append('ssl')
        if bind.get('crt'):
            words += ['crt', bind['crt']]
    if bind.get('alpn'):
        words += ['alpn', bind['alpn']]
    words += _lines(bind.get('extra'))
    return ' '.join(str(w) for w in words)


def _server_line(server, defaults=None):
    words = ['server', server['name'], '%s:%s' % (server['address'], server['port']) if server.get('port') else server['address']]
    if server.get('check', True):
        words.append('check')
    for key in ('inter', 'fastinter', 'downinter', 'rise', 'fall', 'weight', 'maxconn'):
        if server.get(key) is not None:
            words += [key, str(server[key])]
    if server.get('backup'):
        words.append('backup')
    if server.get('cookie'):
        words += ['cookie', server['cookie']]
    if server.get('resolvers'):
        words += ['resolvers', server['resolvers']]
    if server.get('init_addr'):
        words += ['init-addr', server['init_addr']]
    words += _lines(server.get('extra'))
    return ' '.join(words)


def _template_line(tpl):
    words = ['server-template', tpl['prefix'], str(tpl['count']),
             '%s:%s' % (tpl['fqdn'], tpl['port']) if tpl.get('port') else tpl['fqdn']]
    if tpl.get('check', True):
        words.append('check')
    for key in ('inter', 'rise', 'fall', 'weight', 'maxconn'):
        if tpl.get(key) is not None:
            words += [key, str(tpl[key])]
    if tpl.get('resolvers'):
        words += ['resolvers', tpl['resolvers']]
    words += ['init-addr', tpl.get('init_addr') or 'last,libc,none']
    words += _lines(tpl.get('extra'))
    return ' '.join(words)


def _frontend_body(section):
    out = []
    for bind in section.get('binds') or []:
        out.append(_bind_line(bind))
    if section.get('mode'):
        out.append('mode %s' % section['mode'])
    for opt in _lines(section.get('options')):
        out.append('option %s' % opt)
    for acl in section.get('acls') or []:
        out.append('acl %s %s' % (acl['name'], acl['condition']))
    for rule in _lines(section.get('http_request')):
        out.append('http-request %s' % rule)
    for rule in section.get('use_backends') or []:
        out.append('use_backend %s if %s' % (rule['backend'], rule['condition']))
    if section.get('default_backend'):
        out.append('default_backend %s' % section['default_backend'])
    return out


def _backend_body(section, standalone=True):
    """``standalone=False`` for a listen section, whose frontend part already has mode, options and rules."""
    out = []
    if standalone and section.get('mode'):
        out.append('mode %s' % section['mode'])
    if section.get('balance'):
        out.append('balance %s' % section['balance'])
    chk = section.get('httpchk')
    if chk:
        out.append('option httpchk')
        send = ['http-check', 'send', 'meth', chk.get('method') or 'GET', 'uri', chk.get('uri') or '/']
        if chk.get('host'):
            send += ['hdr', 'Host', chk['host']]
        out.append(' '.join(send))
        if chk.get('expect'):
            out.append('http-check expect %s' % chk['expect'])
    if standalone:
        for opt in _lines(section.get('options')):
            out.append('option %s' % opt)
    if section.get('cookie'):
        out.append('cookie %s' % section['cookie'])
    if standalone:
        for rule in _lines(section.get('http_request')):
            out.append('http-request %s' % rule)
    for server in _servers_of(section):
        out.append(_server_line(server))
    for tpl in section.get('server_templates') or []:
        out.append(_template_line(tpl))
    return out


def _section(header, body, extra=None):
    lines = [header]
    lines += ['    ' + line for line in body + _lines(extra)]
    return '\n'.join(lines) + '\n'


def _global_body(glob, socket_spec):
    out = []
    for log in _lines(glob.get('log')):
        out.append('log %s' % log)
    for key, word in (('maxconn', 'maxconn'), ('user', 'user'), ('group', 'group'), ('chroot', 'chroot'),
                      ('nbthread', 'nbthread')):
        if glob.get(key) not in (None, ''):
            out.append('%s %s' % (word, glob[key]))
    if socket_spec and socket_spec.get('enabled', True) and socket_spec.get('path'):
        out.append('stats socket %s mode %s level %s expose-fd listeners' % (
            socket_spec['path'], socket_spec.get('mode') or '660', socket_spec.get('level') or 'admin'))
        out.append('stats timeout %s' % (socket_spec.get('timeout') or '30s'))
    return out


def _defaults_body(defs):
    out = []
    if defs.get('mode'):
        out.append('mode %s' % defs['mode'])
    if defs.get('log'):
        out.append('log %s' % defs['log'])
    for opt in _lines(defs.get('options')):
        out.append('option %s' % opt)
    if defs.get('retries') is not None:
        out.append('retries %s' % defs['retries'])
    timeouts = defs.get('timeouts') or {}
    for key in sorted(timeouts):
        if timeouts[key] not in (None, ''):
            out.append('timeout %s %s' % (key.replace('_', '-'), timeouts[key]))
    if defs.get('maxconn') is not None:
        out.append('maxconn %s' % defs['maxconn'])
    return out


def _stats_body(stats):
    out = [_bind_line(b) for b in stats.get('binds') or []]
    out.append('mode http')
    out.append('stats enable')
    out.append('stats uri %s' % (stats.get('uri') or '/haproxy_stats'))
    if stats.get('realm'):
        out.append('stats realm %s' % _escape(stats['realm']))
    for user in stats.get('users') or []:
        out.append('stats auth %s:%s' % (user['username'], user['password']))
    if stats.get('refresh'):
        out.append('stats refresh %s' % stats['refresh'])
    if stats.get('admin'):
        out.append('stats admin if TRUE')
    if stats.get('hide_version', True):
        out.append('stats hide-version')
    return out


def _resolvers_body(res):
    out = []
    for ns in res.get('nameservers') or []:
        out.append('nameserver %s %s:%s' % (ns['name'], ns['address'], ns.get('port') or 53))
    if res.get('parse_resolv_conf'):
        out.append('parse-resolv-conf')
    for key in ('hold_valid', 'resolve_retries', 'timeout_retry'):
        if res.get(key) is not None:
            word = {'hold_valid': 'hold valid', 'resolve_retries': 'resolve_retries', 'timeout_retry': 'timeout retry'}[key]
            out.append('%s %s' % (word, res[key]))
    return out


def render(model):
    """haproxy.cfg text for ``model`` (already validated)."""
    glob = model.get('global_settings') or {}
    defs = model.get('defaults') or {}
    parts = [HEADER]
    parts.append(_section('global', _global_body(glob, model.get('stats_socket')), glob.get('extra')))
    parts.append(_section('defaults', _defaults_body(defs), defs.get('extra')))
    for res in model.get('resolvers') or []:
        parts.append(_section('resolvers %s' % res['name'], _resolvers_body(res), res.get('extra')))
    for section in model.get('frontends') or []:
        parts.append(_section('frontend %s' % section['name'], _frontend_body(section), section.get('extra')))
    for section in model.get('backends') or []:
        parts.append(_section('backend %s' % section['name'], _backend_body(section), section.get('extra')))
    for section in model.get('listens') or []:
        parts.append(_section('listen %s' % section['name'], _frontend_body(section) + _backend_body(section, standalone=False),
                              section.get('extra')))
    stats = model.get('stats') or {}
    if stats.get('enabled'):
        parts.append(_section('listen stats', _stats_body(stats), stats.get('extra')))
    return '\n'.join(parts)


def socket_path(model):
    spec = model.get('stats_socket') or {}
    if spec.get('enabled', True) and spec.get('path'):
        return spec['path']
    return None


def socket_dir(model):
    path = socket_path(model)
    return os.path.dirname(path) if path else None
