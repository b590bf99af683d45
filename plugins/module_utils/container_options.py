# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of ``berth.docker.container``: one table, each option once.

Each :class:`ContainerOption` says what the option is for Ansible (its argument spec), how it
is normalised, how it is compared with an existing container and whether the engine can change
it in place, where it goes in the ``POST /containers/create`` body and where it comes back in
``GET /containers/{id}/json``, and which compose key means the same. Derived from the table:

``argument_spec()``
    The module's own options (``modules/container.py`` passes them to ``docker_argument_spec``).
``OPTIONS`` / ``NOT_COMPARED``
    The options that are properties of the container (compared with it), by name; and the
    others, which say what to do (state, pull, recreate, ...).
``compose_key_map()``
    ``{compose key: option name}`` for the compose keys that map one to one onto an option.
``normalize_options(options, base_dir=None) -> NormalizedOptions``
    Parse and check a dict of container options (raw strings as a user writes them, e.g.
    ``memory: 512m``, ``published_ports: ['127.0.0.1:8080:80']``, ``healthcheck.interval: 30s``)
    into canonical values (bytes, nanoseconds, port tuples, ...). Only options that are set
    (not None) are kept. Raises :class:`SpecError` naming the field and the fix. Passing an
    already normalised dict returns it unchanged.

A new option is one entry in the table (plus its documentation in ``modules/container.py``);
an option that does not map onto one field of the create body names its writer in
``container_body.BODY_WRITERS``, one that does not come back from one inspect field names its
reader in ``container_compare.READERS``.
"""

import copy
import re

from ansible_collections.berth.docker.plugins.module_utils.container_values import (
    RESTART_POLICIES, argument_list, normalize_capability, normalize_network_mode, parse_device, parse_device_request,
    parse_env_file, parse_exposed, parse_healthcheck, parse_mount, parse_network, parse_port, parse_ulimit, parse_volume,
    string_dict)
from ansible_collections.berth.docker.plugins.module_utils.errors import SpecError
from ansible_collections.berth.docker.plugins.module_utils.units import parse_size

COMPARISON_MODES = ('strict', 'allow_more_present', 'ignore')


class NormalizedOptions(dict):
    """A dict of options already passed through :func:`normalize_options`."""


class ContainerOption:
    """One option of ``berth.docker.container``.

    ``spec``: its Ansible argument spec (type, elements, aliases, choices, default, options).
    ``kind``: how it is compared: value, list (ordered), set, set(dict) or dict; None for an
    option that is not a property of the container (never compared).
    ``comparison``: the default comparison mode (one of COMPARISON_MODES).
    ``updatable``: the engine changes it in place (``POST /containers/{id}/update``).
    ``parse(value, name)``: the raw value -> the normalised one.
    ``field``: ('Config' or 'HostConfig', the Engine API name) where it goes in the create body
    (Config fields at the body's top level) and comes back from inspect, where it maps one to one.
    ``empty``: what inspect's field means when unset (False: a flag; [] / {}: a list / dict;
    a set kind comes back sorted).
    ``write``: the name of its writer in container_body (instead of ``field``).
    ``read``: the name of its reader in container_compare (instead of ``field``).
    ``compose``: the compose key that means the same, where one maps one to one.
    ``api``: the oldest Engine API version that knows the option (None: every version berth speaks).
    """

    __slots__ = ('name', 'spec', 'kind', 'comparison', 'updatable', 'parse', 'field', 'empty', 'write', 'read',
                 'compose', 'api')

    def __init__(self, name, spec, kind=None, comparison='strict', updatable=False, parse=None, field=None,
                 empty=None, write=None, read=None, compose=None, api=None):
        self.name = name
        self.spec = spec
        self.kind = kind
        self.comparison = comparison
        self.updatable = updatable
        self.parse = parse
        self.field = field
        self.empty = empty
        self.write = write
        self.read = read
        self.compose = compose
        self.api = api


# -- how values are normalised --------------------------------------------------------------

def _text(value, name):
    return str(value)


def _flag(value, name):
    return bool(value)


def _whole_number(value, name):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise SpecError(name, 'expected a whole number, got %r' % (value,))


def _oom_score_adj(value, name):
    score = _whole_number(value, name)
    if not -1000 <= score <= 1000:
        raise SpecError(name, 'must be between -1000 and 1000, got %d' % score)
    return score


def _cpus(value, name):
    try:
        return float(value)
    except (TypeError, ValueError):
        raise SpecError(name, 'expected a number of CPUs such as 0.5 or 2, got %r' % (value,))


def _size(value, name):
    return parse_size(value, name)


def _size_or_unlimited(value, name):
    return parse_size(value, name, allow_unlimited=True)


def _text_list(value, name):
    return [str(item) for item in value]


def _text_set(value, name):
    return sorted(set(str(item) for item in value))


def _argument_set(value, name):
    return sorted(set(str(item) for item in argument_list(value, name)))


def _capabilities(value, name):
    return sorted(set(normalize_capability(cap) for cap in value))


def _cgroupns_mode(value, name):
    mode = str(value)
    if mode not in ('host', 'private'):
        raise SpecError(name, 'expected host or private, got %r' % (mode,))
    return mode


def _memory_swappiness(value, name):
    swappiness = _whole_number(value, name)
    if not 0 <= swappiness <= 100:
        raise SpecError(name, 'must be between 0 and 100, got %d' % swappiness)
    return swappiness


def _mac_address(value, name):
    mac = str(value).replace('-', ':').lower()
    if not re.match(r'^([0-9a-f]{2}:){5}[0-9a-f]{2}$', mac):
        raise SpecError(name, 'invalid MAC address %r; write six hex pairs such as 02:42:ac:11:00:02' % (value,))
    return mac


def _links(value, name):
    """'other' / 'other:alias' -> 'other:alias' (the alias defaults to the container's name), sorted."""
    links = set()
    for item in value:
        other, _sep, alias = str(item).partition(':')
        if not other:
            raise SpecError(name, 'invalid link %r; write CONTAINER or CONTAINER:ALIAS' % (item,))
        links.add('%s:%s' % (other, alias or other))
    return sorted(links)


def _device_rates(per_second):
    """device_read_bps and friends: {path, rate} -> the engine's {Path, Rate}; a bps rate is a
    size (10M), an iops rate a whole number."""
    def parse(value, name):
        rates = []
        for item in value:
            if isinstance(item, dict) and 'Path' in item:
                rates.append(item)
                continue
            if not isinstance(item, dict) or not item.get('path') or item.get('rate') is None:
                raise SpecError(name, 'each entry is a dictionary with path and rate, got %r' % (item,))
            if per_second == 'bytes':
                rate = parse_size(item['rate'], name + '.rate')
            else:
                rate = _whole_number(item['rate'], name + '.rate')
            rates.append({'Path': str(item['path']), 'Rate': rate})
        return rates
    return parse


def _platform(value, name):
    platform = str(value).strip().lower()
    if not platform or platform.count('/') > 2 or '' in platform.split('/'):
        raise SpecError(name, 'invalid platform %r; write OS[/ARCH[/VARIANT]], for example linux/amd64' % (value,))
    return platform


def _restart_policy(value, name):
    policy = str(value)
    if policy not in RESTART_POLICIES:
        raise SpecError(name, '%r is not one of %s' % (policy, ', '.join(RESTART_POLICIES)))
    return policy


def _network_mode(value, name):
    return normalize_network_mode(str(value))


def _each(parse_item):
    """A list option whose items ``parse_item(item, name)`` normalises, order kept."""
    def parse(value, name):
        return [parse_item(item, name) for item in value]
    return parse


def _published_ports(value, name):
    ports = []
    for spec in value:
        if isinstance(spec, tuple) and len(spec) == 3:
            ports.append(spec)  # already a (container port/proto, host IP, host port) tuple
        else:
            ports.extend(parse_port(spec, name))
    return sorted(set(ports))


def _exposed_ports(value, name):
    exposed = []
    for spec in value:
        exposed.extend(parse_exposed(spec, name))
    return sorted(set(exposed))


def _volumes(value, name):
    volumes = [parse_volume(v, name) if not isinstance(v, tuple) else v for v in value]
    targets = [v[1] for v in volumes]
    dup = sorted(set(t for t in targets if targets.count(t) > 1))
    if dup:
        raise SpecError(name, 'container path %s is mounted more than once; keep one entry per path' % ', '.join(dup))
    return sorted(set(volumes))


def _networks(value, name):
    networks = [parse_network(n, name) for n in value]
    names = [n['name'] for n in networks]
    if len(set(names)) != len(names):
        raise SpecError(name, 'a network is listed twice; list each network once')
    return networks


def _etc_hosts(value, name):
    if not isinstance(value, dict):
        raise SpecError(name, 'expected a dictionary of host name: IP address')
    return sorted('%s:%s' % (host, address) for host, address in value.items())


def _tmpfs(value, name):
    tmpfs = {}
    for item in value:
        path, _sep, mount_opts = str(item).partition(':')
        if not path.startswith('/'):
            raise SpecError(name, 'invalid tmpfs %r; write /PATH[:OPTIONS], for example /run:rw,size=64m' % (item,))
        tmpfs[path] = mount_opts
    return tmpfs


# -- the table ------------------------------------------------------------------------------

def _setting(name, **spec):
    """An option that says what to do rather than what the container is: never compared."""
    return ContainerOption(name, spec)


def _t(type_name, **more):
    """A suboption's argument spec."""
    return dict(type=type_name, **more)


TABLE = (
    _setting('name', type='str', required=True),
    _setting('state', type='str', default='started', choices=['absent', 'present', 'started', 'stopped', 'healthy']),
    ContainerOption('image', dict(type='str'), 'value', parse=_text, field=('Config', 'Image'), read='image',
                    compose='image'),
    _setting('pull', type='raw', default='missing', choices=['never', 'missing', 'always', True, False]),
    ContainerOption('command', dict(type='raw'), 'list', parse=argument_list, field=('Config', 'Cmd'), empty=[],
                    compose='command'),
    ContainerOption('entrypoint', dict(type='list', elements='str'), 'list', parse=argument_list,
                    field=('Config', 'Entrypoint'), empty=[], compose='entrypoint'),
    ContainerOption('env', dict(type='dict'), 'set', 'allow_more_present', parse=string_dict, write='env', read='env',
                    compose='environment'),
    _setting('env_file', type='path'),
    ContainerOption('labels', dict(type='dict'), 'dict', 'allow_more_present', parse=string_dict,
                    field=('Config', 'Labels'), empty={}),
    ContainerOption('published_ports', dict(type='list', elements='str', aliases=['ports']), 'set',
                    'allow_more_present', parse=_published_ports, write='ports', read='published_ports'),
    ContainerOption('exposed_ports', dict(type='list', elements='str', aliases=['exposed', 'expose']), 'set',
                    'allow_more_present', parse=_exposed_ports, write='ports', read='exposed_ports', compose='expose'),
    ContainerOption('volumes', dict(type='list', elements='str'), 'set', 'allow_more_present', parse=_volumes,
                    write='volumes', read='volumes'),
    ContainerOption('mounts', dict(type='list', elements='dict', options=dict(
        target=_t('str', required=True),
        source=_t('str'),
        type=_t('str', choices=['bind', 'volume', 'tmpfs', 'npipe', 'cluster', 'image'], default='volume'),
        read_only=_t('bool'),
        consistency=_t('str', choices=['cached', 'consistent', 'default', 'delegated']),
        propagation=_t('str', choices=['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave']),
        no_copy=_t('bool'),
        labels=_t('dict'),
        volume_driver=_t('str'),
        volume_options=_t('dict'),
        tmpfs_size=_t('str'),
        tmpfs_mode=_t('str'),
        non_recursive=_t('bool'),
        create_mountpoint=_t('bool'),
        read_only_non_recursive=_t('bool'),
        read_only_force_recursive=_t('bool'),
        subpath=_t('str'),
        tmpfs_options=_t('list', elements='dict'),
    )), 'set(dict)', 'allow_more_present', parse=_each(parse_mount), field=('HostConfig', 'Mounts'), empty=[]),
    # networks are connected and disconnected, not compared (container_compare.network_actions)
    ContainerOption('networks', dict(type='list', elements='dict', options=dict(
        name=_t('str', required=True),
        aliases=_t('list', elements='str'),
        ipv4_address=_t('str'),
        ipv6_address=_t('str'),
        links=_t('list', elements='str'),
        mac_address=_t('str'),
    )), 'set(dict)', 'allow_more_present', parse=_networks, write='network'),
    ContainerOption('network_mode', dict(type='str'), 'value', parse=_network_mode, write='network',
                    read='network_mode'),
    _setting('purge_networks', type='bool', default=False),
    ContainerOption('restart_policy', dict(type='str', choices=list(RESTART_POLICIES)), 'value', updatable=True,
                    parse=_restart_policy, write='restart_policy', read='restart_policy'),
    ContainerOption('restart_retries', dict(type='int'), 'value', updatable=True, parse=_whole_number,
                    write='restart_policy', read='restart_retries'),
    ContainerOption('healthcheck', dict(type='dict', options=dict(
        test=_t('raw'),
        test_cli_compatible=_t('bool', default=False),
        interval=_t('str'),
        timeout=_t('str'),
        retries=_t('int'),
        start_period=_t('str'),
        start_interval=_t('str'),
        disable=_t('bool'),
    )), 'dict', parse=parse_healthcheck, field=('Config', 'Healthcheck')),
    _setting('healthy_wait_timeout', type='float', default=300),
    ContainerOption('user', dict(type='str'), 'value', parse=_text, field=('Config', 'User'), empty='',
                    compose='user'),
    ContainerOption('working_dir', dict(type='str'), 'value', parse=_text, field=('Config', 'WorkingDir'), empty='',
                    compose='working_dir'),
    ContainerOption('hostname', dict(type='str'), 'value', parse=_text, field=('Config', 'Hostname'), empty='',
                    compose='hostname'),
    ContainerOption('domainname', dict(type='str'), 'value', parse=_text, field=('Config', 'Domainname'), empty='',
                    compose='domainname'),
    ContainerOption('etc_hosts', dict(type='dict'), 'set', 'allow_more_present', parse=_etc_hosts,
                    field=('HostConfig', 'ExtraHosts'), empty=[]),
    ContainerOption('dns_servers', dict(type='list', elements='str'), 'list', parse=_text_list,
                    field=('HostConfig', 'Dns'), empty=[], compose='dns'),
    ContainerOption('memory', dict(type='str'), 'value', updatable=True, parse=_size, field=('HostConfig', 'Memory'),
                    empty=0),
    ContainerOption('memory_reservation', dict(type='str'), 'value', updatable=True, parse=_size,
                    field=('HostConfig', 'MemoryReservation'), empty=0),
    ContainerOption('memory_swap', dict(type='str'), 'value', updatable=True, parse=_size_or_unlimited,
                    field=('HostConfig', 'MemorySwap'), empty=0),
    ContainerOption('cpus', dict(type='float'), 'value', updatable=True, parse=_cpus, write='nano_cpus', read='cpus'),
    ContainerOption('cpu_shares', dict(type='int'), 'value', updatable=True, parse=_whole_number,
                    field=('HostConfig', 'CpuShares'), empty=0, compose='cpu_shares'),
    ContainerOption('cpuset_cpus', dict(type='str'), 'value', updatable=True, parse=_text,
                    field=('HostConfig', 'CpusetCpus'), empty='', compose='cpuset'),
    ContainerOption('pids_limit', dict(type='int'), 'value', updatable=True, parse=_whole_number,
                    field=('HostConfig', 'PidsLimit'), read='pids_limit', compose='pids_limit'),
    ContainerOption('ulimits', dict(type='list', elements='str'), 'set(dict)', 'allow_more_present',
                    parse=_each(parse_ulimit), field=('HostConfig', 'Ulimits'), empty=[]),
    ContainerOption('log_driver', dict(type='str'), 'value', parse=_text, write='log_config', read='log_driver'),
    ContainerOption('log_options', dict(type='dict', aliases=['log_opt']), 'dict', 'allow_more_present',
                    parse=string_dict, write='log_config', read='log_options'),
    ContainerOption('init', dict(type='bool'), 'value', parse=_flag, field=('HostConfig', 'Init'), empty=False,
                    compose='init'),
    ContainerOption('tty', dict(type='bool'), 'value', parse=_flag, field=('Config', 'Tty'), empty=False,
                    compose='tty'),
    ContainerOption('interactive', dict(type='bool'), 'value', parse=_flag, field=('Config', 'OpenStdin'),
                    empty=False, write='interactive', compose='stdin_open'),
    ContainerOption('stop_signal', dict(type='str'), 'value', parse=_text, field=('Config', 'StopSignal'),
                    empty='SIGTERM', compose='stop_signal'),
    ContainerOption('stop_timeout', dict(type='int'), 'value', 'ignore', parse=_whole_number,
                    field=('Config', 'StopTimeout'), read='stop_timeout'),
    ContainerOption('capabilities', dict(type='list', elements='str'), 'set', 'allow_more_present',
                    parse=_capabilities, field=('HostConfig', 'CapAdd'), read='capabilities', compose='cap_add'),
    ContainerOption('cap_drop', dict(type='list', elements='str'), 'set', 'allow_more_present', parse=_capabilities,
                    field=('HostConfig', 'CapDrop'), read='capabilities', compose='cap_drop'),
    ContainerOption('security_opts', dict(type='list', elements='str'), 'set', 'allow_more_present',
                    parse=_text_set, field=('HostConfig', 'SecurityOpt'), empty=[], compose='security_opt'),
    ContainerOption('read_only', dict(type='bool'), 'value', parse=_flag, field=('HostConfig', 'ReadonlyRootfs'),
                    empty=False, compose='read_only'),
    ContainerOption('tmpfs', dict(type='list', elements='str'), 'dict', 'allow_more_present', parse=_tmpfs,
                    field=('HostConfig', 'Tmpfs'), empty={}, compose='tmpfs'),
    ContainerOption('devices', dict(type='list', elements='str'), 'set(dict)', 'allow_more_present',
                    parse=_each(parse_device), field=('HostConfig', 'Devices'), empty=[], compose='devices'),
    ContainerOption('sysctls', dict(type='dict'), 'dict', 'allow_more_present', parse=string_dict,
                    field=('HostConfig', 'Sysctls'), empty={}, compose='sysctls'),
    ContainerOption('shm_size', dict(type='str'), 'value', parse=_size, field=('HostConfig', 'ShmSize'), empty=0,
                    compose='shm_size'),
    ContainerOption('auto_remove', dict(type='bool'), 'value', parse=_flag, field=('HostConfig', 'AutoRemove'),
                    empty=False),
    ContainerOption('privileged', dict(type='bool'), 'value', parse=_flag, field=('HostConfig', 'Privileged'),
                    empty=False, compose='privileged'),
    ContainerOption('publish_all_ports', dict(type='bool'), 'value', parse=_flag,
                    field=('HostConfig', 'PublishAllPorts'), empty=False),
    ContainerOption('ipc_mode', dict(type='str'), 'value', parse=_text, field=('HostConfig', 'IpcMode'), empty='',
                    compose='ipc'),
    ContainerOption('pid_mode', dict(type='str'), 'value', parse=_text, field=('HostConfig', 'PidMode'), empty='',
                    compose='pid'),
    ContainerOption('userns_mode', dict(type='str'), 'value', parse=_text, field=('HostConfig', 'UsernsMode'),
                    empty='', compose='userns_mode'),
    ContainerOption('cgroupns_mode', dict(type='str', choices=['host', 'private']), 'value', parse=_cgroupns_mode,
                    field=('HostConfig', 'CgroupnsMode'), empty='', compose='cgroup', api='1.41'),
    ContainerOption('runtime', dict(type='str'), 'value', parse=_text, field=('HostConfig', 'Runtime'), empty='runc',
                    compose='runtime'),
    ContainerOption('groups', dict(type='list', elements='str'), 'set', 'allow_more_present', parse=_argument_set,
                    field=('HostConfig', 'GroupAdd'), empty=[], compose='group_add'),
    ContainerOption('oom_score_adj', dict(type='int'), 'value', parse=_oom_score_adj,
                    field=('HostConfig', 'OomScoreAdj'), empty=0, compose='oom_score_adj'),
    ContainerOption('dns_search_domains', dict(type='list', elements='str'), 'list', parse=_text_list,
                    field=('HostConfig', 'DnsSearch'), empty=[], compose='dns_search'),
    ContainerOption('dns_opts', dict(type='list', elements='str'), 'set', 'allow_more_present', parse=_text_set,
                    field=('HostConfig', 'DnsOptions'), empty=[]),
    ContainerOption('volumes_from', dict(type='list', elements='str'), 'set', 'allow_more_present', parse=_text_set,
                    field=('HostConfig', 'VolumesFrom'), empty=[]),
    ContainerOption('uts', dict(type='str'), 'value', parse=_text, field=('HostConfig', 'UTSMode'), empty=''),
    ContainerOption('cgroup_parent', dict(type='str'), 'value', parse=_text, field=('HostConfig', 'CgroupParent'),
                    empty=''),
    ContainerOption('device_requests', dict(type='list', elements='dict', options=dict(
        driver=_t('str'),
        count=_t('int'),
        device_ids=_t('list', elements='str'),
        capabilities=_t('list', elements='list'),
        options=_t('dict'),
    )), 'set(dict)', 'allow_more_present', parse=_each(parse_device_request),
        field=('HostConfig', 'DeviceRequests'), read='device_requests', api='1.40'),
    # resource limits (cgroups)
    ContainerOption('blkio_weight', dict(type='int'), 'value', updatable=True, parse=_whole_number,
                    field=('HostConfig', 'BlkioWeight'), empty=0),
    ContainerOption('cpu_period', dict(type='int'), 'value', updatable=True, parse=_whole_number,
                    field=('HostConfig', 'CpuPeriod'), empty=0),
    ContainerOption('cpu_quota', dict(type='int'), 'value', updatable=True, parse=_whole_number,
                    field=('HostConfig', 'CpuQuota'), empty=0),
    ContainerOption('cpuset_mems', dict(type='str'), 'value', updatable=True, parse=_text,
                    field=('HostConfig', 'CpusetMems'), empty=''),
    ContainerOption('kernel_memory', dict(type='str'), 'value', updatable=True, parse=_size,
                    field=('HostConfig', 'KernelMemory'), empty=0),
    ContainerOption('memory_swappiness', dict(type='int'), 'value', parse=_memory_swappiness,
                    field=('HostConfig', 'MemorySwappiness'), read='as_is'),
    ContainerOption('oom_killer', dict(type='bool'), 'value', parse=_flag, field=('HostConfig', 'OomKillDisable'),
                    empty=False),
    ContainerOption('device_cgroup_rules', dict(type='list', elements='str'), 'list', parse=_text_list,
                    field=('HostConfig', 'DeviceCgroupRules'), empty=[], api='1.28'),
    ContainerOption('device_read_bps', dict(type='list', elements='dict', options=dict(
        path=_t('str', required=True), rate=_t('str', required=True))), 'set(dict)', 'allow_more_present',
        parse=_device_rates('bytes'), field=('HostConfig', 'BlkioDeviceReadBps'), empty=[]),
    ContainerOption('device_write_bps', dict(type='list', elements='dict', options=dict(
        path=_t('str', required=True), rate=_t('str', required=True))), 'set(dict)', 'allow_more_present',
        parse=_device_rates('bytes'), field=('HostConfig', 'BlkioDeviceWriteBps'), empty=[]),
    ContainerOption('device_read_iops', dict(type='list', elements='dict', options=dict(
        path=_t('str', required=True), rate=_t('int', required=True))), 'set(dict)', 'allow_more_present',
        parse=_device_rates('ops'), field=('HostConfig', 'BlkioDeviceReadIOps'), empty=[]),
    ContainerOption('device_write_iops', dict(type='list', elements='dict', options=dict(
        path=_t('str', required=True), rate=_t('int', required=True))), 'set(dict)', 'allow_more_present',
        parse=_device_rates('ops'), field=('HostConfig', 'BlkioDeviceWriteIOps'), empty=[]),
    ContainerOption('storage_opts', dict(type='dict'), 'dict', 'allow_more_present', parse=string_dict,
                    field=('HostConfig', 'StorageOpt'), empty={}),
    ContainerOption('volume_driver', dict(type='str'), 'value', parse=_text, field=('HostConfig', 'VolumeDriver'),
                    empty=''),
    ContainerOption('links', dict(type='list', elements='str'), 'set', 'allow_more_present', parse=_links,
                    field=('HostConfig', 'Links'), read='links'),
    ContainerOption('mac_address', dict(type='str'), 'value', parse=_mac_address, field=('Config', 'MacAddress'),
                    empty=''),
    # a query parameter of the create call, compared with the platform of the container's image
    ContainerOption('platform', dict(type='str'), 'value', parse=_platform, write='platform', read='platform',
                    api='1.41'),
    _setting('detach', type='bool', default=True),
    _setting('cleanup', type='bool', default=False),
    _setting('keep_volumes', type='bool', default=True),
    _setting('removal_wait_timeout', type='float'),
    _setting('recreate', type='bool', default=False),
    _setting('restart', type='bool', default=False),
    _setting('comparisons', type='dict'),
    _setting('paused', type='bool'),
    _setting('force_kill', type='bool', default=False, aliases=['forcekill']),
    _setting('kill_signal', type='str'),
    _setting('output_logs', type='bool', default=False),
    _setting('default_host_ip', type='str'),
    _setting('debug', type='bool', default=False),
    _setting('use_ssh_client', type='bool', default=False),
    # the compatibility switches of community.docker.docker_container, with its current defaults
    _setting('command_handling', type='str', default='correct', choices=['compatibility', 'correct']),
    _setting('container_default_behavior', type='str', default='no_defaults', choices=['compatibility', 'no_defaults']),
    _setting('image_comparison', type='str', default='desired-image', choices=['desired-image', 'current-image']),
    _setting('image_label_mismatch', type='str', default='ignore', choices=['ignore', 'fail']),
    _setting('image_name_mismatch', type='str', default='recreate', choices=['ignore', 'recreate']),
    _setting('networks_cli_compatible', type='bool', default=True),
    _setting('pull_check_mode_behavior', type='str', default='image_not_present', choices=['image_not_present', 'always']),
)

# the options that are properties of the container (compared with it), by name
OPTIONS = dict((option.name, option) for option in TABLE if option.kind)
# the options that say what to do (never compared)
NOT_COMPARED = tuple(option.name for option in TABLE if not option.kind)


def argument_spec():
    """The module's own options (a fresh copy: AnsibleModule may change it)."""
    return dict((option.name, copy.deepcopy(option.spec)) for option in TABLE)


# (sub-option, the oldest Engine API version that knows it, whether a normalised value uses it)
_SUB_API = (
    ('mounts[].non_recursive', '1.40', lambda m: 'NonRecursive' in (m.get('BindOptions') or {})),
    ('mounts[].create_mountpoint', '1.42', lambda m: 'CreateMountpoint' in (m.get('BindOptions') or {})),
    ('mounts[].type=cluster', '1.42', lambda m: m.get('Type') == 'cluster'),
    ('mounts[].read_only_non_recursive', '1.44', lambda m: 'ReadOnlyNonRecursive' in (m.get('BindOptions') or {})),
    ('mounts[].read_only_force_recursive', '1.44', lambda m: 'ReadOnlyForceRecursive' in (m.get('BindOptions') or {})),
    ('mounts[].subpath', '1.45', lambda m: 'Subpath' in (m.get('VolumeOptions') or m.get('ImageOptions') or {})),
    ('mounts[].tmpfs_options', '1.46', lambda m: 'Options' in (m.get('TmpfsOptions') or {})),
    ('mounts[].type=image', '1.47', lambda m: m.get('Type') == 'image'),
)
# options the engine dropped: (option, the first Engine API version without it)
REMOVED_IN_API = (('kernel_memory', '1.42'),)


def api_requirements(options):
    """``[(version, what)]``: the Engine API version each option (or sub-option) set in the
    normalised ``options`` needs, for ``EngineClient.require(version, what)``."""
    needs = []
    for name, option in OPTIONS.items():
        if option.api and name in options:
            needs.append((option.api, name))
    for mount in options.get('mounts') or []:
        for what, version, used in _SUB_API:
            if used(mount) and (version, what) not in needs:
                needs.append((version, what))
    if 'StartInterval' in (options.get('healthcheck') or {}):
        needs.append(('1.44', 'healthcheck.start_interval'))
    if any(net.get('mac_address') for net in options.get('networks') or []):
        needs.append(('1.44', 'networks[].mac_address'))
    return needs


def compose_key_map():
    """``{compose key: option name}`` for the compose keys that map one to one onto an option.

    The other compose keys need more than a rename: ports, volumes, networks, network_mode
    (service:NAME), restart, healthcheck, extra_hosts, logging, stop_grace_period, ulimits,
    labels (compose adds its own), mem_limit and cpus (deploy limits win), volumes_from."""
    return dict((option.compose, option.name) for option in TABLE if option.compose)


# -- normalize ------------------------------------------------------------------------------

def normalize_options(options, base_dir=None):
    """Raw container options -> NormalizedOptions (see the module docstring)."""
    if isinstance(options, NormalizedOptions):
        return options
    opts = dict((k, v) for k, v in (options or {}).items() if v is not None)
    out = NormalizedOptions()
    for name, option in OPTIONS.items():
        if name in opts:
            out[name] = option.parse(opts[name], name)
    if opts.get('env_file'):
        # env_file's variables first, env's own win
        path = opts['env_file']
        if base_dir and not path.startswith('/'):
            path = base_dir.rstrip('/') + '/' + path
        env = parse_env_file(path)
        env.update(out.get('env') or {})
        out['env'] = env
    return out
