# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Container options -> Engine API request bodies. Pure functions, no engine I/O.

``create_body(options, image_info=None, api_version='1.41') -> dict``
    The ``POST /containers/create`` body for ``options`` (raw or normalised; a
    ``NormalizedOptions`` is used as it is). ``image_info`` is the image's
    ``GET /images/{name}/json`` answer (may be None). The body attaches the first network of
    ``networks`` (or ``network_mode``); connect the others with :func:`endpoint_config` before
    starting (Engine API < 1.44 accepts one network at create).

``update_body(differences, options, container) -> dict``
    The ``POST /containers/{id}/update`` body for in-place differences.
"""

from ansible_collections.berth.docker.plugins.module_utils.container_options import normalize_options
from ansible_collections.berth.docker.plugins.module_utils.container_values import format_bind
from ansible_collections.berth.docker.plugins.module_utils.errors import SpecError


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
