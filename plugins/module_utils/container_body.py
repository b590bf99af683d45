# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Container options -> Engine API request bodies. Pure functions, no engine I/O.

``create_body(options, image_info=None, api_version='1.41') -> dict``
    The ``POST /containers/create`` body for ``options`` (raw or normalised; a
    ``NormalizedOptions`` is used as it is). ``image_info`` is the image's
    ``GET /images/{name}/json`` answer (may be None). The body attaches the first network of
    ``networks`` (or ``network_mode``); connect the others with :func:`endpoint_config` before
    starting (Engine API < 1.44 accepts one network at create).

``create_params(options) -> dict``
    The query parameters of the create call that come from options (``platform``).

``update_body(differences, options, container) -> dict``
    The ``POST /containers/{id}/update`` body for in-place differences.
"""

from ansible_collections.berth.docker.plugins.module_utils.container_options import OPTIONS, normalize_options
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
    if net.get('mac_address'):
        cfg['MacAddress'] = net['mac_address']
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


def _write_env(o, body, host):
    body['Env'] = ['%s=%s' % (k, v) for k, v in sorted(o['env'].items())]


def _write_interactive(o, body, host):
    body['OpenStdin'] = o['interactive']
    body['AttachStdin'] = False


def _write_ports(o, body, host):
    """exposed_ports and published_ports: every published port is exposed too."""
    exposed = set(o.get('exposed_ports') or [])
    bindings = {}
    for cport, ip, hport in o.get('published_ports') or []:
        exposed.add(cport)
        bindings.setdefault(cport, []).append({'HostIp': ip, 'HostPort': hport})
    if exposed:
        body['ExposedPorts'] = dict((p, {}) for p in sorted(exposed))
    if 'published_ports' in o:
        host['PortBindings'] = bindings


def _write_volumes(o, body, host):
    """Binds for host paths and named volumes; anonymous volumes are the body's Volumes."""
    binds = [format_bind(v) for v in o['volumes'] if v[0]]
    anon = [v[1] for v in o['volumes'] if not v[0]]
    if binds:
        host['Binds'] = binds
    if anon:
        body['Volumes'] = dict((t, {}) for t in anon)


def _write_network(o, body, host):
    """network_mode and networks: the mode, and the first network's endpoint when it is the mode."""
    mode = effective_network_mode(o)
    if mode:
        host['NetworkMode'] = mode
    if o.get('networks'):
        first = o['networks'][0]
        if first['name'] == mode:
            body['NetworkingConfig'] = {'EndpointsConfig': {first['name']: endpoint_config(first)}}


def _write_restart_policy(o, body, host):
    if 'restart_policy' in o:
        policy = {'Name': o['restart_policy']}
        if o['restart_policy'] == 'on-failure' and 'restart_retries' in o:
            policy['MaximumRetryCount'] = o['restart_retries']
        host['RestartPolicy'] = policy


def _nano_cpus(cpus):
    return int(round(cpus * 1e9))


def _write_nano_cpus(o, body, host):
    host['NanoCpus'] = _nano_cpus(o['cpus'])


def _write_log_config(o, body, host):
    host['LogConfig'] = {'Type': o.get('log_driver') or '', 'Config': dict(o.get('log_options') or {})}


def _write_nothing(o, body, host):
    """platform is a query parameter of the create call (create_params), not part of the body."""


# the writers the option table names (ContainerOption.write): each writes its options into the
# create body (top level) or its HostConfig, called once when any of its options is set
BODY_WRITERS = {
    'env': _write_env,
    'interactive': _write_interactive,
    'ports': _write_ports,
    'volumes': _write_volumes,
    'network': _write_network,
    'restart_policy': _write_restart_policy,
    'nano_cpus': _write_nano_cpus,
    'log_config': _write_log_config,
    'platform': _write_nothing,
}


def create_params(options):
    """The query parameters of ``POST /containers/create`` beyond the name: the platform."""
    o = normalize_options(options)
    return {'platform': o['platform']} if o.get('platform') else {}


def _copy(value):
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    return value


def create_body(options, image_info=None, api_version='1.41'):
    """The POST /containers/create body (see the module docstring)."""
    o = normalize_options(options)
    if not o.get('image'):
        raise SpecError('image', 'is required to create a container; name an image such as nginx:1.25')
    image_cfg = (image_info or {}).get('Config') or {}
    if o.get('healthcheck') and 'Test' not in o['healthcheck'] and not (image_cfg.get('Healthcheck') or {}).get('Test'):
        raise SpecError('healthcheck', 'the image %s has no HEALTHCHECK, so healthcheck.test is required' % o['image'])
    body = {}
    host = {}
    written = set()
    for name, option in OPTIONS.items():
        if name not in o:
            continue
        if option.write:
            if option.write not in written:
                written.add(option.write)
                BODY_WRITERS[option.write](o, body, host)
        elif option.field:
            section, api = option.field
            (host if section == 'HostConfig' else body)[api] = _copy(o[name])
    body['HostConfig'] = host
    return body


def update_body(differences, options, container):
    """POST /containers/{id}/update body for the in-place ``differences``."""
    o = normalize_options(options)
    host = container.get('HostConfig') or {}
    body = {}
    names = set(d['option'] for d in differences if d['update'])
    for name in sorted(names):
        option = OPTIONS[name]
        if not option.write:  # the limits: the same HostConfig field as at create
            body[option.field[1]] = o[name]
    if 'cpus' in names:
        body['NanoCpus'] = _nano_cpus(o['cpus'])
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
