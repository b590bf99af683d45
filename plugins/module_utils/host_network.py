# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host's routes and addresses, and whether a Docker address setting would collide with them.

A ``bip``, ``fixed-cidr`` or ``default-address-pools`` entry that overlaps a route the host
already uses makes Docker's bridge shadow that route: the host loses its way to that network
(often the one it is managed over). ``collisions()`` names each such route before anything is
written. Routes come from pyroute2 when it is importable, else from /proc/net/route (IPv4) and
/proc/net/if_inet6 plus /proc/net/ipv6_route (IPv6). ``host_addresses()`` lists the host's own IP
addresses from the same sources (/proc/net/fib_trie for IPv4 local addresses).
"""

import ipaddress
import os
import re

# interfaces that belong to Docker itself: a setting overlapping their routes is Docker's own
# business (for example the current docker0 keeping its bip), not a host route being shadowed
DOCKER_IFACE = re.compile(r'^(docker\d+|br-[0-9a-f]{12})$')


class Route:
    """One route or one local address: a network, the interface it goes through, where it came from."""

    def __init__(self, network, dev, source):
        self.network = ipaddress.ip_network(network, strict=False)
        self.dev = dev
        self.source = source

    def __repr__(self):
        return '<Route %s dev %s (%s)>' % (self.network, self.dev, self.source)

    def describe(self):
        return '%s dev %s (%s)' % (self.network, self.dev or '?', self.source)


def _hex_ipv4(value):
    # /proc/net/route stores addresses as little-endian hex
    raw = bytes.fromhex(value)
    return ipaddress.IPv4Address(raw[::-1])


def parse_proc_route(text):
    """Routes from the text of /proc/net/route (the default route included, prefix 0)."""
    routes = []
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 8:
            continue
        dest = _hex_ipv4(fields[1])
        mask = _hex_ipv4(fields[7])
        prefix = bin(int(mask)).count('1')
        routes.append(Route('%s/%d' % (dest, prefix), fields[0], 'route'))
    return routes


def _if_inet6_entries(text):
    """(address, prefix length, interface) from the text of /proc/net/if_inet6."""
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 6:
            continue
        yield ipaddress.IPv6Address(int(fields[0], 16)), int(fields[2], 16), fields[5]


def parse_proc_if_inet6(text):
    """Local IPv6 networks from the text of /proc/net/if_inet6 (address, index, prefix length, ...)."""
    return [Route('%s/%d' % (addr, prefix), dev, 'address') for addr, prefix, dev in _if_inet6_entries(text)]


def parse_proc_fib_trie(text):
    """The host's local IPv4 addresses from the text of /proc/net/fib_trie ("/32 host LOCAL" entries)."""
    found = set()
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if '/32 host LOCAL' in line and index > 0:
            candidate = lines[index - 1].strip().split()[-1]
            try:
                found.add(ipaddress.IPv4Address(candidate))
            except ValueError:
                pass
    return found


def parse_proc_addresses(fib_trie_text, if_inet6_text):
    """The host's IP addresses from /proc/net/fib_trie (IPv4) and /proc/net/if_inet6 (IPv6), as strings."""
    found = {str(addr) for addr in parse_proc_fib_trie(fib_trie_text)}
    found.update(str(addr) for addr, _prefix, _dev in _if_inet6_entries(if_inet6_text))
    return found


def parse_proc_ipv6_route(text):
    routes = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 10:
            continue
        dest = ipaddress.IPv6Address(int(fields[0], 16))
        prefix = int(fields[1], 16)
        routes.append(Route('%s/%d' % (dest, prefix), fields[9], 'route'))
    return routes


def _read(path):
    try:
        with open(path) as handle:
            return handle.read()
    except OSError:
        return ''


def _pyroute2_routes():
    from pyroute2 import IPRoute  # noqa: PLC0415 - optional, imported only when present
    routes = []
    with IPRoute() as ipr:
        names = {link['index']: link.get_attr('IFLA_IFNAME') for link in ipr.get_links()}
        for family in (2, 10):  # AF_INET, AF_INET6
            for msg in ipr.get_routes(family=family, table=254):
                dst = msg.get_attr('RTA_DST') or ('0.0.0.0' if family == 2 else '::')
                routes.append(Route('%s/%d' % (dst, msg['dst_len']), names.get(msg.get_attr('RTA_OIF')), 'route'))
            for msg in ipr.get_addr(family=family):
                routes.append(Route('%s/%d' % (msg.get_attr('IFA_ADDRESS'), msg['prefixlen']),
                                    names.get(msg['index']), 'address'))
    return routes


def _pyroute2_addresses():
    from pyroute2 import IPRoute  # noqa: PLC0415 - optional, imported only when present
    with IPRoute() as ipr:
        return {a.get_attr('IFA_ADDRESS') for a in ipr.get_addr() if a.get_attr('IFA_ADDRESS')}


def _with_fallback(from_netlink, from_proc, use_pyroute2):
    """(result, backend): ``from_netlink()`` through pyroute2 when importable and allowed, else ``from_proc()``."""
    if use_pyroute2:
        try:
            return from_netlink(), 'pyroute2'
        except ImportError:
            pass
        except Exception:  # pylint: disable=broad-except
            # netlink refused (some containers): fall back to /proc
            pass
    return from_proc(), 'proc'


def _proc_routes():
    routes = parse_proc_route(_read('/proc/net/route'))
    routes += parse_proc_ipv6_route(_read('/proc/net/ipv6_route'))
    routes += parse_proc_if_inet6(_read('/proc/net/if_inet6'))
    return routes


def host_routes(use_pyroute2=True):
    """(routes, backend): the host's routes and local address networks."""
    return _with_fallback(_pyroute2_routes, _proc_routes, use_pyroute2)


def host_addresses(use_pyroute2=True):
    """This host's own IP addresses (strings): pyroute2 when importable, else /proc."""
    return _with_fallback(_pyroute2_addresses,
                          lambda: parse_proc_addresses(_read('/proc/net/fib_trie'), _read('/proc/net/if_inet6')),
                          use_pyroute2)[0]


def address_settings(config):
    """(setting name, network) for every address setting of a daemon.json dict.
    Raises ValueError naming the setting when a value is not a network."""
    found = []

    def add(name, value):
        try:
            found.append((name, ipaddress.ip_network(value, strict=False)))
        except (ValueError, TypeError) as exc:
            raise ValueError('daemon_config %s: %r is not an address/prefix (%s)' % (name, value, exc))

    for key in ('bip', 'fixed-cidr', 'fixed-cidr-v6'):
        if config.get(key):
            add(key, config[key])
    for index, pool in enumerate(config.get('default-address-pools') or []):
        base = pool.get('base') if isinstance(pool, dict) else None
        if not base:
            raise ValueError('daemon_config default-address-pools[%d] needs a base, for example '
                             '{"base": "10.200.0.0/16", "size": 24}' % index)
        add('default-address-pools[%d].base' % index, base)
    return found


def collisions(config, routes, ignore_ifaces=None):
    """Messages naming every host route/address a Docker address setting of ``config`` would shadow.
    Default routes (prefix 0) and routes through Docker's own bridges are not collisions."""
    ignore = set(ignore_ifaces or ())
    if config.get('bridge') and config.get('bridge') != 'none':
        ignore.add(config['bridge'])
    problems = []
    for name, net in address_settings(config):
        for route in routes:
            other = route.network
            if other.version != net.version or other.prefixlen == 0:
                continue
            if route.dev and (route.dev in ignore or DOCKER_IFACE.match(route.dev)):
                continue
            if other.is_link_local or (other.version == 4 and other.is_loopback) or (other.version == 6 and other.is_loopback):
                continue
            if net.overlaps(other):
                problems.append('%s %s overlaps the host %s %s: Docker\'s bridge would shadow it and cut the host '
                                'off that network' % (name, net, route.source, route.describe()))
    # one message per (setting, network)
    seen = []
    for p in problems:
        if p not in seen:
            seen.append(p)
    return seen


# -- overlaps with the engine's own networks ------------------------------------------------

def _is_default_bridge(network):
    options = network.get('Options') or {}
    return options.get('com.docker.network.bridge.default_bridge') == 'true' or (
        network.get('Name') == 'bridge' and network.get('Driver') == 'bridge' and not options)


def _pool_bases(config):
    return [pool.get('base') for pool in (config or {}).get('default-address-pools') or [] if isinstance(pool, dict)]


def network_overlaps(new, old, networks):
    """Messages naming every existing Docker network whose subnet a CHANGED address setting of the
    daemon.json dict ``new`` overlaps (``old``: the current dict; ``networks``: GET /networks).

    Checked: ``bip``, ``fixed-cidr`` and ``fixed-cidr-v6`` when their value changes, and each
    ``default-address-pools`` base that is not in the current pools (a pool the engine already
    allocated networks from is not a collision with them). The default ``bridge`` network is left
    out: its subnet is what bip/fixed-cidr (or, without bip, the pools) define, so changing them
    changes it. dockerd refuses to start when bip overlaps another network ("Pool overlaps with
    other one on this address space") and when every subnet of a pool is taken ("no available
    network"); a pool that overlaps a network only in part would start (dockerd skips the taken
    subnets) but is refused too, so that one address range never means two networks."""
    old = old or {}
    changed = []
    for key in ('bip', 'fixed-cidr', 'fixed-cidr-v6'):
        if new.get(key) and new.get(key) != old.get(key):
            changed.append(key)
    old_bases = set(str(b) for b in _pool_bases(old))
    settings = []
    for name, net in address_settings(new):
        if name in changed:
            settings.append((name, new[name], net))
        elif name.startswith('default-address-pools['):
            base = _pool_bases(new)[int(name[len('default-address-pools['):].split(']')[0])]
            if str(base) not in old_bases:
                settings.append((name, base, net))
    problems = []
    for name, given, net in settings:
        for network in networks or []:
            if _is_default_bridge(network):
                continue
            for entry in ((network.get('IPAM') or {}).get('Config') or []):
                subnet = entry.get('Subnet')
                if not subnet:
                    continue
                try:
                    other = ipaddress.ip_network(subnet, strict=False)
                except ValueError:
                    continue
                if other.version == net.version and net.overlaps(other):
                    problems.append(
                        '%s %s overlaps the subnet %s of the Docker network "%s" (id %s, driver %s)' % (
                            name, given, other, network.get('Name'), (network.get('Id') or '')[:12],
                            network.get('Driver')))
    return problems


# -- listening TCP sockets and who holds them ------------------------------------------------

def parse_proc_listeners(text, version=4):
    """(ip, port, inode) of the LISTEN sockets in /proc/net/tcp (``version`` 4) or tcp6 (6)."""
    found = []
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 10 or fields[3] != '0A':  # 0A: TCP_LISTEN
            continue
        hex_ip, hex_port = fields[1].split(':')
        raw = bytes.fromhex(hex_ip)
        # the kernel prints each 32-bit word in host (little-endian) order
        raw = b''.join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
        ip = str(ipaddress.ip_address(raw)) if version == 6 else str(ipaddress.IPv4Address(raw))
        found.append((ip, int(hex_port, 16), fields[9]))
    return found


def listeners():
    """Every listening TCP socket of this network namespace: [(ip, port, inode)]."""
    return parse_proc_listeners(_read('/proc/net/tcp'), 4) + parse_proc_listeners(_read('/proc/net/tcp6'), 6)


def socket_owners(inodes, proc='/proc'):
    """{inode: (pid, program name)} for the sockets in ``inodes`` whose owner this user can see."""
    wanted = dict(('socket:[%s]' % inode, inode) for inode in inodes)
    owners = {}
    if not wanted:
        return owners
    for pid in os.listdir(proc):
        if not pid.isdigit():
            continue
        fd_dir = os.path.join(proc, pid, 'fd')
        try:
            fds = os.listdir(fd_dir)
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(os.path.join(fd_dir, fd))
            except OSError:
                continue
            if target in wanted and wanted[target] not in owners:
                owners[wanted[target]] = (int(pid), _read(os.path.join(proc, pid, 'comm')).strip() or '?')
        if len(owners) == len(wanted):
            break
    return owners


def port_holders(address, port, sockets=None):
    """The listening sockets a bind on ``address``:``port`` would collide with (same port, and the
    same address or a wildcard on either side), as [(ip, port, pid or None, program or None)]."""
    sockets = listeners() if sockets is None else sockets
    wild = ('', '*', '0.0.0.0', '::')
    hits = [(ip, p, inode) for ip, p, inode in sockets
            if p == port and (address in wild or ip in wild or ip == address)]
    owners = socket_owners(set(inode for _ip, _p, inode in hits))
    return [(ip, p) + owners.get(inode, (None, None)) for ip, p, inode in hits]
