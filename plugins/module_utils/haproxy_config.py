# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HAProxy configuration: the declarative model (the module's options) checked
and rendered into haproxy.cfg text. Pure functions only: no files, no processes, no
AnsibleModule, so everything here is unit-tested directly.

``render(model)`` is deterministic: the same model always gives the same bytes (sections
in the order given, settings in a fixed order), so ``changed`` can be decided by comparing
the rendered text with the file on the target.
"""

import ipaddress
import os
import re

from ansible_collections.berth.docker.plugins.module_utils import crypt_sha512
from ansible_collections.berth.docker.plugins.module_utils.haproxy_syntax import (
    HTTP_TOKEN_RE,
    NAME_RE,
    SECTION_KEYWORDS,
    HAProxyConfigError,
    check_model_text,
    check_text,
    host,
    name,
    password_text,
    quote,
    raw,
    stats_user,
    tokenize,
    word,
)

HEADER = '# Managed by Ansible (berth.docker.haproxy): local changes are overwritten.\n'

WILDCARD_ADDRESSES = ('', '*', '0.0.0.0', '::', '[::]')
# the userlist that holds the stats users (userlists have their own name space, apart from proxies)
STATS_USERLIST = 'stats_users'


def _lines(value):
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


# --------------------------------------------------------------------------- validation

def _check_name(kind, value):
    if not value or not NAME_RE.match(str(value)):
        raise HAProxyConfigError('%s name %r is not valid: use letters, digits, "_", ".", ":" and "-" only' % (kind, value))


def _servers_of(section):
    return section.get('servers') or []


def validate(model, host_addresses=None):
    """Raise HAProxyConfigError for input HAProxy would reject or that would be unsafe.

    ``host_addresses``: the set of the host's own IP addresses (strings); when given, every
    bind address must be one of them (or a wildcard). Every string field is checked too (control
    characters anywhere, then each field as render() quotes it), so nothing bad reaches a file."""
    check_model_text(model)
    names = {}
    for kind in ('frontends', 'backends', 'listens'):
        for section in model.get(kind) or []:
            proxy = section.get('name')
            _check_name(kind[:-1], proxy)
            # HAProxy forbids a frontend and a backend (or two proxies of a kind) sharing a name
            if proxy in names:
                raise HAProxyConfigError('%s %r is defined twice (also as a %s): proxy names must be unique' % (
                    kind[:-1], proxy, names[proxy]))
            names[proxy] = kind[:-1]
    stats = model.get('stats') or {}
    if stats.get('enabled') and 'stats' in names:
        raise HAProxyConfigError('a proxy is called "stats", which is the name of the stats listener: rename it')
    backend_names = {b['name'] for b in model.get('backends') or []} | {b['name'] for b in model.get('listens') or []}

    for kind in ('backends', 'listens'):
        for section in model.get(kind) or []:
            servers = _servers_of(section)
            templates = section.get('server_templates') or []
            if kind == 'backends' and not servers and not templates and not section.get('allow_empty'):
                raise HAProxyConfigError(
                    'backend %r has no servers: give it at least one entry in servers (or a server_template), '
                    'or set allow_empty: true if an empty backend is really wanted' % section['name'])
            seen = set()
            for server in servers:
                sname = server.get('name')
                _check_name('server (in %s %r)' % (kind[:-1], section['name']), sname)
                if sname in seen:
                    raise HAProxyConfigError('server name %r appears twice in %s %r: server names must be unique within a backend' % (
                        sname, kind[:-1], section['name']))
                seen.add(sname)
                if not server.get('address'):
                    raise HAProxyConfigError('server %r in %s %r has no address' % (sname, kind[:-1], section['name']))
            for tpl in templates:
                if tpl.get('prefix') in seen:
                    raise HAProxyConfigError('server_template prefix %r in %r collides with a server name' % (tpl.get('prefix'), section['name']))

    for section in (model.get('frontends') or []) + (model.get('listens') or []):
        for rule in section.get('use_backends') or []:
            if rule.get('backend') not in backend_names:
                raise HAProxyConfigError('frontend %r uses backend %r, which is not defined: add it to backends' % (
                    section['name'], rule.get('backend')))
        default = section.get('default_backend')
        if default and default not in backend_names:
            raise HAProxyConfigError('frontend %r has default_backend %r, which is not defined: add it to backends' % (
                section['name'], default))
        if section in (model.get('frontends') or []) and not section.get('binds'):
            raise HAProxyConfigError('frontend %r has no binds: give it at least one {address, port}' % section['name'])

    if stats.get('enabled'):
        users = [u for u in stats.get('users') or [] if u.get('username')]
        if not users or any(not u.get('password') for u in users):
            raise HAProxyConfigError(
                'stats are enabled but no credentials are given: set stats.users to a list of '
                '{username, password} with a non-empty password (there is deliberately no default password), '
                'or set stats.enabled: false')
        if not stats.get('binds'):
            raise HAProxyConfigError('stats are enabled but stats.binds is empty: give it at least one {address, port}')

    render(model, hash_password=_fake_hash)  # every field through the quoting layer (no hashing)

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
            raise HAProxyConfigError(
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
        raise HAProxyConfigError('bind address %r of %r is not an IP address: use an address of this host, "*" for all, '
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
        raise HAProxyConfigError(
            'bind address %s of %r is not an address of this host (its addresses: %s): use one of them, '
            'or "*" for all, or set check_bind_addresses: false if the address is added later (e.g. a VIP)' % (
                address, where, ', '.join(sorted(str(a) for a in known)) or 'none found'))


# --------------------------------------------------------------------------- rendering
#
# Each renderer takes ``where`` (the option path, for the error messages) and passes every
# string of the model through word() / name() / host() / raw() above; keywords are constants.

def _port(where, value):
    try:
        port = int(value)
    except (TypeError, ValueError):
        raise HAProxyConfigError('%s %r is not a port number' % (where, value))
    if not 0 < port < 65536:
        raise HAProxyConfigError('%s %s is not a port number (1-65535)' % (where, port))
    return str(port)


def _int(where, value):
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value))
        except ValueError:
            raise HAProxyConfigError('%s %r is not an integer' % (where, value))
    return str(value)


BIND_PREFIXES = ('unix@', 'abns@', 'fd@', 'sockpair@', 'ipv4@', 'ipv6@', 'udp@', 'udp4@', 'udp6@')


def _bind_address(where, address):
    address = check_text(where, '' if address is None else address)
    if address in ('', '*'):
        return ''
    if address.startswith(BIND_PREFIXES):
        rest = address.split('@', 1)[1]
        if address.startswith(('ipv4@', 'ipv6@', 'udp')):
            host(where, rest)
        elif not rest:
            raise HAProxyConfigError('%s %r has nothing after "@"' % (where, address))
        return address
    if address.startswith('/'):
        return address
    return host(where, address)


def _bind_line(where, bind):
    address = _bind_address('%s.address' % where, bind.get('address'))
    words = ['bind', word('%s.address' % where, '%s:%s' % (address, _port('%s.port' % where, bind.get('port'))))]
    if bind.get('ssl'):
        words.append('ssl')
        if bind.get('crt'):
            words += ['crt', word('%s.crt' % where, bind['crt'])]
    if bind.get('alpn'):
        words += ['alpn', word('%s.alpn' % where, bind['alpn'])]
    words += [raw('%s.extra[%d]' % (where, i), e) for i, e in enumerate(_lines(bind.get('extra')))]
    return ' '.join(words)


def _tuning(where, spec, keys):
    words = []
    for key in keys:
        if spec.get(key) is not None:
            value = spec[key]
            words += [key, word('%s.%s' % (where, key), value) if key in ('inter', 'fastinter', 'downinter')
                      else _int('%s.%s' % (where, key), value)]
    return words


def _server_line(where, server):
    address = host('%s.address' % where, server.get('address'))
    if server.get('port'):
        address = '%s:%s' % (address, _port('%s.port' % where, server['port']))
    words = ['server', name('%s.name' % where, server.get('name')), word('%s.address' % where, address)]
    if server.get('check', True):
        words.append('check')
    words += _tuning(where, server, ('inter', 'fastinter', 'downinter', 'rise', 'fall', 'weight', 'maxconn'))
    if server.get('backup'):
        words.append('backup')
    if server.get('cookie'):
        words += ['cookie', word('%s.cookie' % where, server['cookie'])]
    if server.get('resolvers'):
        words += ['resolvers', name('%s.resolvers' % where, server['resolvers'])]
    if server.get('init_addr'):
        words += ['init-addr', word('%s.init_addr' % where, server['init_addr'])]
    words += [raw('%s.extra[%d]' % (where, i), e) for i, e in enumerate(_lines(server.get('extra')))]
    return ' '.join(words)


def _template_line(where, tpl):
    fqdn = host('%s.fqdn' % where, tpl.get('fqdn'))
    if tpl.get('port'):
        fqdn = '%s:%s' % (fqdn, _port('%s.port' % where, tpl['port']))
    words = ['server-template', name('%s.prefix' % where, tpl.get('prefix')), _int('%s.count' % where, tpl.get('count')),
             word('%s.fqdn' % where, fqdn)]
    if tpl.get('check', True):
        words.append('check')
    words += _tuning(where, tpl, ('inter', 'rise', 'fall', 'weight', 'maxconn'))
    if tpl.get('resolvers'):
        words += ['resolvers', name('%s.resolvers' % where, tpl['resolvers'])]
    words += ['init-addr', word('%s.init_addr' % where, tpl.get('init_addr') or 'last,libc,none')]
    words += [raw('%s.extra[%d]' % (where, i), e) for i, e in enumerate(_lines(tpl.get('extra')))]
    return ' '.join(words)


def _mode(where, value):
    if value not in ('http', 'tcp'):
        raise HAProxyConfigError('%s %r is not a mode: use http or tcp' % (where, value))
    return value


def _frontend_body(where, section):
    out = []
    for i, bind in enumerate(section.get('binds') or []):
        out.append(_bind_line('%s.binds[%d]' % (where, i), bind))
    if section.get('mode'):
        out.append('mode %s' % _mode('%s.mode' % where, section['mode']))
    for i, opt in enumerate(_lines(section.get('options'))):
        out.append('option %s' % raw('%s.options[%d]' % (where, i), opt))
    for i, acl in enumerate(section.get('acls') or []):
        out.append('acl %s %s' % (name('%s.acls[%d].name' % (where, i), acl.get('name')),
                                  raw('%s.acls[%d].condition' % (where, i), acl.get('condition'))))
    for i, rule in enumerate(_lines(section.get('http_request'))):
        out.append('http-request %s' % raw('%s.http_request[%d]' % (where, i), rule))
    for i, rule in enumerate(section.get('use_backends') or []):
        out.append('use_backend %s if %s' % (name('%s.use_backends[%d].backend' % (where, i), rule.get('backend')),
                                             raw('%s.use_backends[%d].condition' % (where, i), rule.get('condition'))))
    if section.get('default_backend'):
        out.append('default_backend %s' % name('%s.default_backend' % where, section['default_backend']))
    return out


def _backend_body(where, section, standalone=True):
    """``standalone=False`` for a listen section, whose frontend part already has mode, options and rules."""
    out = []
    if standalone and section.get('mode'):
        out.append('mode %s' % _mode('%s.mode' % where, section['mode']))
    if section.get('balance'):
        out.append('balance %s' % raw('%s.balance' % where, section['balance']))
    chk = section.get('httpchk')
    if chk:
        out.append('option httpchk')
        method = chk.get('method') or 'GET'
        if not HTTP_TOKEN_RE.match(check_text('%s.httpchk.method' % where, method)):
            raise HAProxyConfigError('%s.httpchk.method %r is not an HTTP method (a token such as GET, HEAD, OPTIONS)' % (where, method))
        send = ['http-check', 'send', 'meth', word('%s.httpchk.method' % where, method),
                'uri', word('%s.httpchk.uri' % where, chk.get('uri') or '/')]
        if chk.get('host'):
            send += ['hdr', 'Host', word('%s.httpchk.host' % where, chk['host'])]
        out.append(' '.join(send))
        if chk.get('expect'):
            out.append('http-check expect %s' % raw('%s.httpchk.expect' % where, chk['expect']))
    if standalone:
        for i, opt in enumerate(_lines(section.get('options'))):
            out.append('option %s' % raw('%s.options[%d]' % (where, i), opt))
    if section.get('cookie'):
        out.append('cookie %s' % raw('%s.cookie' % where, section['cookie']))
    if standalone:
        for i, rule in enumerate(_lines(section.get('http_request'))):
            out.append('http-request %s' % raw('%s.http_request[%d]' % (where, i), rule))
    for server in _servers_of(section):
        out.append(_server_line('%s.servers[%s]' % (where, server.get('name')), server))
    for i, tpl in enumerate(section.get('server_templates') or []):
        out.append(_template_line('%s.server_templates[%d]' % (where, i), tpl))
    return out


def _section(where, header, body, extra=None):
    lines = [header]
    lines += ['    ' + line for line in body]
    lines += ['    ' + raw('%s.extra[%d]' % (where, i), e, line=True) for i, e in enumerate(_lines(extra))]
    return '\n'.join(lines) + '\n'


SOCKET_MODE_RE = re.compile(r'^[0-7]{3,4}$')


def _global_body(glob, socket_spec):
    out = []
    for i, log in enumerate(_lines(glob.get('log'))):
        out.append('log %s' % raw('global_settings.log[%d]' % i, log))
    for key in ('maxconn', 'user', 'group', 'chroot', 'nbthread'):
        if glob.get(key) not in (None, ''):
            where = 'global_settings.%s' % key
            out.append('%s %s' % (key, _int(where, glob[key]) if key in ('maxconn', 'nbthread') else word(where, glob[key])))
    if socket_spec and socket_spec.get('enabled', True) and socket_spec.get('path'):
        mode = str(socket_spec.get('mode') or '660')
        if not SOCKET_MODE_RE.match(mode):
            raise HAProxyConfigError('stats_socket.mode %r is not an octal file mode such as 660' % mode)
        level = socket_spec.get('level') or 'admin'
        if level not in ('user', 'operator', 'admin'):
            raise HAProxyConfigError('stats_socket.level %r is not user, operator or admin' % level)
        out.append('stats socket %s mode %s level %s expose-fd listeners' % (
            word('stats_socket.path', socket_spec['path']), mode, level))
        out.append('stats timeout %s' % word('stats_socket.timeout', socket_spec.get('timeout') or '30s'))
    return out


TIMEOUT_KEY_RE = re.compile(r'^[a-z][a-z_-]*$')


def _defaults_body(defs):
    out = []
    if defs.get('mode'):
        out.append('mode %s' % _mode('defaults.mode', defs['mode']))
    if defs.get('log'):
        out.append('log %s' % raw('defaults.log', defs['log']))
    for i, opt in enumerate(_lines(defs.get('options'))):
        out.append('option %s' % raw('defaults.options[%d]' % i, opt))
    if defs.get('retries') is not None:
        out.append('retries %s' % _int('defaults.retries', defs['retries']))
    timeouts = defs.get('timeouts') or {}
    for key in sorted(timeouts):
        if not TIMEOUT_KEY_RE.match(str(key)):
            raise HAProxyConfigError('defaults.timeouts key %r is not a timeout name (such as connect, client, http_request)' % key)
        if timeouts[key] not in (None, ''):
            out.append('timeout %s %s' % (key.replace('_', '-'), word('defaults.timeouts.%s' % key, timeouts[key])))
    if defs.get('maxconn') is not None:
        out.append('maxconn %s' % _int('defaults.maxconn', defs['maxconn']))
    return out


def stats_users(stats):
    """[(username, password)] of the stats users (checked)."""
    out = []
    for i, user in enumerate(stats.get('users') or []):
        where = 'stats.users[%d]' % i
        stats_user('%s.username' % where, user.get('username'))
        out.append((user['username'], password_text('%s.password' % where, user.get('password'))))
    return out


def _userlist(stats, hash_password):
    body = []
    for username, password in stats_users(stats):
        body.append('user %s password %s' % (stats_user('stats.users.username', username), quote(hash_password(username, password))))
    return _section('stats.userlist', 'userlist %s' % STATS_USERLIST, body)


def _stats_body(stats):
    out = [_bind_line('stats.binds[%d]' % i, b) for i, b in enumerate(stats.get('binds') or [])]
    out.append('mode http')
    out.append('stats enable')
    out.append('stats uri %s' % word('stats.uri', stats.get('uri') or '/haproxy_stats'))
    realm = word('stats.realm', stats.get('realm') or 'HAProxy Statistics')
    # the users are in a userlist with SHA-512 crypt hashes: `stats auth` cannot carry a password with a space,
    # '#' or a quote exactly, and would keep it in clear text in the file (and `stats realm` cannot be
    # combined with `stats http-request`: the realm is the rule's)
    out.append('stats http-request auth realm %s unless { http_auth(%s) }' % (realm, STATS_USERLIST))
    if stats.get('refresh'):
        out.append('stats refresh %s' % word('stats.refresh', stats['refresh']))
    if stats.get('admin'):
        out.append('stats admin if TRUE')
    if stats.get('hide_version', True):
        out.append('stats hide-version')
    return out


def _resolvers_body(where, res):
    out = []
    for i, ns in enumerate(res.get('nameservers') or []):
        nwhere = '%s.nameservers[%d]' % (where, i)
        address = host('%s.address' % nwhere, ns.get('address'))
        out.append('nameserver %s %s' % (name('%s.name' % nwhere, ns.get('name')), word(
            '%s.address' % nwhere, '%s:%s' % (address, _port('%s.port' % nwhere, ns.get('port') or 53)))))
    if res.get('parse_resolv_conf'):
        out.append('parse-resolv-conf')
    if res.get('hold_valid') is not None:
        out.append('hold valid %s' % word('%s.hold_valid' % where, res['hold_valid']))
    if res.get('resolve_retries') is not None:
        out.append('resolve_retries %s' % _int('%s.resolve_retries' % where, res['resolve_retries']))
    if res.get('timeout_retry') is not None:
        out.append('timeout retry %s' % word('%s.timeout_retry' % where, res['timeout_retry']))
    return out


def existing_hashes(text):
    """{username: hash} of the stats userlist in an existing haproxy.cfg (as this module writes it)."""
    hashes = {}
    inside = False
    for line in (text or '').splitlines():
        try:
            words, _comment = tokenize(line)
        except ValueError:
            continue
        if not words:
            continue
        if words[0] in SECTION_KEYWORDS:
            inside = words[0] == 'userlist' and words[1:2] == [STATS_USERLIST]
            continue
        if inside and len(words) >= 4 and words[0] == 'user' and words[2] == 'password':
            hashes[words[1]] = words[3]
    return hashes


def hasher(previous_text=None):
    """A hash_password(username, password) that reuses the hash of ``previous_text`` while the password
    still verifies against it (a random salt would change the file on every run), else hashes anew."""
    known = existing_hashes(previous_text)

    def hash_password(username, password):
        old = known.get(username)
        if old and crypt_sha512.verify(password, old):
            return old
        return crypt_sha512.sha512_crypt(password)
    return hash_password


def render(model, previous_text=None, hash_password=None):
    """haproxy.cfg text for ``model``. Every string goes through the quoting layer above, so a bad
    value raises HAProxyConfigError here, before anything is written. ``previous_text``: the current file,
    whose password hashes are kept while they still match."""
    hash_password = hash_password or hasher(previous_text)
    check_model_text(model)
    glob = model.get('global_settings') or {}
    defs = model.get('defaults') or {}
    parts = [HEADER]
    parts.append(_section('global_settings', 'global', _global_body(glob, model.get('stats_socket')), glob.get('extra')))
    parts.append(_section('defaults', 'defaults', _defaults_body(defs), defs.get('extra')))
    for res in model.get('resolvers') or []:
        where = 'resolvers[%s]' % res.get('name')
        parts.append(_section(where, 'resolvers %s' % name(where + '.name', res.get('name')),
                              _resolvers_body(where, res), res.get('extra')))
    for section in model.get('frontends') or []:
        where = 'frontends[%s]' % section.get('name')
        parts.append(_section(where, 'frontend %s' % name(where + '.name', section.get('name')),
                              _frontend_body(where, section), section.get('extra')))
    for section in model.get('backends') or []:
        where = 'backends[%s]' % section.get('name')
        parts.append(_section(where, 'backend %s' % name(where + '.name', section.get('name')),
                              _backend_body(where, section), section.get('extra')))
    for section in model.get('listens') or []:
        where = 'listens[%s]' % section.get('name')
        parts.append(_section(where, 'listen %s' % name(where + '.name', section.get('name')),
                              _frontend_body(where, section) + _backend_body(where, section, standalone=False),
                              section.get('extra')))
    stats = model.get('stats') or {}
    if stats.get('enabled'):
        parts.append(_userlist(stats, hash_password))
        parts.append(_section('stats', 'listen stats', _stats_body(stats), stats.get('extra')))
    return '\n'.join(parts)


def _fake_hash(_username, _password):
    return '$6$checkonly$' + 'x' * 86


def socket_path(model):
    spec = model.get('stats_socket') or {}
    if spec.get('enabled', True) and spec.get('path'):
        return spec['path']
    return None


def socket_dir(model):
    path = socket_path(model)
    return os.path.dirname(path) if path else None
