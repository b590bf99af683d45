"""host_network: /proc parsing and collision analysis on recorded route tables, and the real
routes of this host through both backends (pyroute2 and /proc)."""

import pytest

from ansible_collections.berth.docker.plugins.module_utils import host_network as hn

PROC_ROUTE = """Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0
docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0
eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
wg0\t0000000A\t00000000\t0001\t0\t0\t0\t000000FF\t0\t0\t0
"""
IF_INET6 = """fd000000000000000000000000000002 02 40 00 80     eth0
fe800000000000000000000000000001 02 40 20 80     eth0
00000000000000000000000000000001 01 80 10 80       lo
"""


def test_parse_proc_route():
    routes = hn.parse_proc_route(PROC_ROUTE)
    assert [(str(r.network), r.dev) for r in routes] == [
        ('0.0.0.0/0', 'eth0'), ('172.17.0.0/16', 'docker0'), ('192.0.2.0/24', 'eth0'), ('10.0.0.0/8', 'wg0')]


def test_parse_if_inet6():
    routes = hn.parse_proc_if_inet6(IF_INET6)
    assert [(str(r.network), r.dev) for r in routes] == [('fd00::/64', 'eth0'), ('fe80::/64', 'eth0'), ('::1/128', 'lo')]


def test_collisions_name_the_route():
    routes = hn.parse_proc_route(PROC_ROUTE) + hn.parse_proc_if_inet6(IF_INET6)
    problems = hn.collisions({'bip': '192.0.2.129/25'}, routes)
    assert problems == ["bip 192.0.2.128/25 overlaps the host route 192.0.2.0/24 dev eth0 (route): Docker's bridge "
                        "would shadow it and cut the host off that network"]
    pools = hn.collisions({'default-address-pools': [{'base': '10.200.0.0/16', 'size': 24}]}, routes)
    assert len(pools) == 1 and 'default-address-pools[0].base 10.200.0.0/16' in pools[0] and 'dev wg0' in pools[0]
    assert 'fd00::/64 dev eth0' in hn.collisions({'fixed-cidr-v6': 'fd00::/80'}, routes)[0]


def test_no_collision_with_default_route_docker_bridges_or_link_local():
    routes = hn.parse_proc_route(PROC_ROUTE) + hn.parse_proc_if_inet6(IF_INET6)
    assert hn.collisions({'bip': '172.17.0.1/16'}, routes) == []  # docker0 keeps its own network
    assert hn.collisions({'bip': '198.51.100.1/24', 'fixed-cidr': '198.51.100.0/25'}, routes) == []
    assert hn.collisions({'fixed-cidr-v6': 'fe80::/64'}, routes) == []


def test_bad_values_are_named():
    with pytest.raises(ValueError) as err:
        hn.address_settings({'bip': 'not-a-net'})
    assert 'bip' in str(err.value)
    with pytest.raises(ValueError) as err:
        hn.address_settings({'default-address-pools': [{'size': 24}]})
    assert 'needs a base' in str(err.value)


def test_real_routes_both_backends_agree_on_ipv4():
    """This host's routes, read with pyroute2 and from /proc: the same IPv4 networks."""
    pytest.importorskip('pyroute2')
    with_netlink, backend = hn.host_routes()
    from_proc, proc_backend = hn.host_routes(use_pyroute2=False)
    assert backend == 'pyroute2' and proc_backend == 'proc'
    v4 = {(str(r.network), r.dev) for r in with_netlink if r.network.version == 4 and r.source == 'route'}
    v4_proc = {(str(r.network), r.dev) for r in from_proc if r.network.version == 4}
    assert v4 and v4 == v4_proc


def test_real_addresses_both_backends_agree():
    """This host's own addresses, read with pyroute2 and from /proc (fib_trie, if_inet6): the same set."""
    pytest.importorskip('pyroute2')
    from_proc = hn.host_addresses(use_pyroute2=False)
    assert '127.0.0.1' in from_proc
    assert hn.host_addresses() == from_proc


PROC_TCP = """  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0 100 0 0 10 0
   1: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4343 1 0 100 0 0 10 0
   2: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 4444 1 0 20 4 30 10 -1
"""
PROC_TCP6 = """  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4545 1 0 100 0 0 10 0
"""


def test_listeners_and_who_holds_a_port():
    assert hn.parse_proc_listeners(PROC_TCP) == [('127.0.0.1', 8080, '4242'), ('0.0.0.0', 80, '4343')]
    assert hn.parse_proc_listeners(PROC_TCP6, 6) == [('::1', 22, '4545')]
    sockets = hn.parse_proc_listeners(PROC_TCP)
    assert [h[:2] for h in hn.port_holders('127.0.0.1', 80, sockets)] == [('0.0.0.0', 80)]  # the wildcard covers it
    assert [h[:2] for h in hn.port_holders('*', 8080, sockets)] == [('127.0.0.1', 8080)]
    assert hn.port_holders('10.0.0.1', 8080, sockets) == []


def test_a_real_listener_is_found_with_its_program():
    import os
    import socket
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        sock.listen()
        port = sock.getsockname()[1]
        holders = hn.port_holders('127.0.0.1', port)
        assert [(h[1], h[2]) for h in holders] == [(port, os.getpid())]
        assert holders[0][3] in ('python', 'python3', 'pytest') or holders[0][3].startswith('python')


# -- overlaps with the engine's own networks (GET /networks) ---------------------------------------

NETWORKS = [
    {'Name': 'bridge', 'Id': 'a' * 64, 'Driver': 'bridge',
     'Options': {'com.docker.network.bridge.default_bridge': 'true'},
     'IPAM': {'Config': [{'Subnet': '172.17.0.0/16', 'Gateway': '172.17.0.1'}]}},
    {'Name': 'host', 'Id': 'b' * 64, 'Driver': 'host', 'IPAM': {'Config': []}},
    {'Name': 'backend', 'Id': 'c' * 64, 'Driver': 'bridge', 'Options': {},
     'IPAM': {'Config': [{'Subnet': '10.123.45.0/24'}, {'Subnet': 'fd00:123::/64'}]}},
]


def test_network_overlaps_names_the_network():
    problems = hn.network_overlaps({'bip': '10.123.45.1/24'}, {}, NETWORKS)
    assert problems == ['bip 10.123.45.1/24 overlaps the subnet 10.123.45.0/24 of the Docker network "backend" '
                        '(id cccccccccccc, driver bridge)']
    assert hn.network_overlaps({'bip': '10.123.0.1/16', 'fixed-cidr': '10.123.45.128/25'}, {}, NETWORKS)[1] \
        .startswith('fixed-cidr 10.123.45.128/25 overlaps the subnet 10.123.45.0/24')
    assert hn.network_overlaps({'fixed-cidr-v6': 'fd00:123::/80'}, {}, NETWORKS)[0].startswith(
        'fixed-cidr-v6 fd00:123::/80 overlaps the subnet fd00:123::/64')
    pools = {'default-address-pools': [{'base': '10.200.0.0/16', 'size': 24}, {'base': '10.123.0.0/16', 'size': 24}]}
    assert hn.network_overlaps(pools, {}, NETWORKS) == [
        'default-address-pools[1].base 10.123.0.0/16 overlaps the subnet 10.123.45.0/24 of the Docker network '
        '"backend" (id cccccccccccc, driver bridge)']


def test_network_overlaps_edge_cases():
    # the default bridge network is what bip defines: a new bip inside its subnet is not a collision
    assert hn.network_overlaps({'bip': '172.17.5.1/24', 'fixed-cidr': '172.17.5.0/25'}, {}, NETWORKS) == []
    # unchanged settings and pools already configured are not checked again (another key changes)
    old = {'bip': '10.123.45.1/24', 'default-address-pools': [{'base': '10.123.0.0/16', 'size': 24}]}
    assert hn.network_overlaps(dict(old, debug=True), old, NETWORKS) == []
    # a pool that is new although an old one is kept
    new = dict(old, **{'default-address-pools': old['default-address-pools'] + [{'base': '10.123.45.0/24', 'size': 28}]})
    assert len(hn.network_overlaps(new, old, NETWORKS)) == 1
    # IPv4 settings never collide with IPv6 subnets; no networks, nothing
    assert hn.network_overlaps({'bip': '10.9.0.1/24'}, {}, NETWORKS) == []
    assert hn.network_overlaps({'bip': '10.123.45.1/24'}, {}, []) == []
    with pytest.raises(ValueError, match='bip'):
        hn.network_overlaps({'bip': 'not-a-network'}, {}, NETWORKS)
