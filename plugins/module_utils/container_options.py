# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The container options: what each one is and how it is normalised.

``normalize_options(options, base_dir=None) -> NormalizedOptions``
    Parse and check a dict of container options (raw strings as a user writes them, e.g.
    ``memory: 512m``, ``published_ports: ['127.0.0.1:8080:80']``, ``healthcheck.interval: 30s``)
    into canonical values (bytes, nanoseconds, port tuples, ...). Only options that are set
    (not None) are kept. Raises :class:`SpecError` naming the field and the fix. Passing an
    already normalised dict returns it unchanged.
"""

from ansible_collections.berth.docker.plugins.module_utils.container_values import (
    RESTART_POLICIES, argument_list, normalize_capability, normalize_network_mode, parse_device, parse_device_request,
    parse_env_file, parse_exposed, parse_healthcheck, parse_mount, parse_network, parse_port, parse_ulimit, parse_volume,
    string_dict)
from ansible_collections.berth.docker.plugins.module_utils.errors import SpecError
from ansible_collections.berth.docker.plugins.module_utils.units import parse_size


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
        out['groups'] = sorted(set(str(g) for g in argument_list(opts['groups'], 'groups')))
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
        out['command'] = argument_list(opts['command'], 'command')
    if 'entrypoint' in opts:
        out['entrypoint'] = argument_list(opts['entrypoint'], 'entrypoint')

    env = {}
    if opts.get('env_file'):
        path = opts['env_file']
        if base_dir and not path.startswith('/'):
            path = base_dir.rstrip('/') + '/' + path
        env.update(parse_env_file(path))
    if 'env' in opts:
        env.update(string_dict(opts['env'], 'env'))
    if 'env' in opts or opts.get('env_file'):
        out['env'] = env
    if 'labels' in opts:
        out['labels'] = string_dict(opts['labels'], 'labels')
    for key in ('log_options', 'sysctls'):
        if key in opts:
            out[key] = string_dict(opts[key], key)

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
            out[key] = parse_size(opts[key], key, allow_unlimited=unlimited)
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
