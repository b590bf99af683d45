# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every key of the compose specification, per section, and what berth.docker.compose does with
it (KEY_TABLE):

``applied``
    as compose applies it on a single engine (without a swarm);
``ignored``
    compose itself ignores it without a swarm, or it does not change what runs: a warning names
    the key and says why;
``refused``
    it would change what runs and berth.docker cannot apply it: a ComposeError names the key,
    says why and what to do.

A key of no table warns to check its spelling; ``x-`` extension keys are silent. A new compose
key is added to its section here and read in model.py (or resources.py). docs/compose.md lists
the same table (a unit test keeps them in step)."""

import re

from ansible_collections.berth.docker.plugins.module_utils.errors import ComposeError

APPLIED, IGNORED, REFUSED = 'applied', 'ignored', 'refused'

_SWARM = 'a swarm setting: compose ignores it without a swarm'
_WINDOWS = 'Windows containers only: a Linux engine does not use it'
_BUILDKIT = 'needs BuildKit, and berth.docker builds through the Engine API\'s classic builder'


def _applied(*keys):
    return tuple((key, APPLIED, '') for key in keys)


# (section, ((key, status, why), ...)); a section's name is how a message shows where it is
KEY_TABLE = (
    ('top level', _applied('name', 'include', 'services', 'networks', 'volumes', 'secrets', 'configs') + (
        ('version', IGNORED, 'obsolete: compose ignores it'),
        ('models', REFUSED, 'AI models run by Docker Model Runner are not managed by berth.docker; remove models '
                            'and run the model with docker model (or as a service of its own)'),
    )),
    ('service', _applied(
        'image', 'build', 'command', 'entrypoint', 'environment', 'env_file', 'label_file', 'ports', 'expose',
        'volumes', 'networks', 'network_mode', 'depends_on', 'healthcheck', 'restart', 'container_name', 'hostname',
        'domainname', 'user', 'working_dir', 'labels', 'extra_hosts', 'dns', 'dns_opt', 'dns_search', 'logging',
        'init', 'stop_signal', 'stop_grace_period', 'tmpfs', 'ulimits', 'cap_add', 'cap_drop', 'read_only', 'deploy',
        'scale', 'profiles', 'pull_policy', 'privileged', 'security_opt', 'sysctls', 'shm_size', 'tty', 'stdin_open',
        'devices', 'gpus', 'group_add', 'mem_limit', 'mem_reservation', 'memswap_limit', 'cpus', 'cpu_shares',
        'cpuset', 'pid', 'ipc', 'uts', 'mac_address', 'links', 'external_links', 'volumes_from', 'secrets',
        'configs', 'platform', 'runtime', 'userns_mode', 'cgroup', 'cgroup_parent', 'oom_score_adj', 'pids_limit',
        'extends') + (
        ('attach', IGNORED, 'it only chooses whose logs docker compose up prints: it does not change what runs'),
        ('develop', IGNORED, 'used by docker compose watch only: it does not change what up runs'),
        ('cpu_count', IGNORED, _WINDOWS),
        ('cpu_percent', IGNORED, _WINDOWS),
        ('credential_spec', IGNORED, _WINDOWS),
        ('isolation', IGNORED, _WINDOWS),
        ('annotations', REFUSED, 'OCI annotations of the container are not supported yet; remove annotations (use '
                                 'labels for metadata)'),
        ('blkio_config', REFUSED, 'block IO weights and limits are not supported yet; remove blkio_config'),
        ('cpu_period', REFUSED, 'the CFS period is not supported yet; use cpus (or deploy.resources.limits.cpus)'),
        ('cpu_quota', REFUSED, 'the CFS quota is not supported yet; use cpus (or deploy.resources.limits.cpus)'),
        ('cpu_rt_period', REFUSED, 'real-time CPU scheduling is not supported yet; remove cpu_rt_period'),
        ('cpu_rt_runtime', REFUSED, 'real-time CPU scheduling is not supported yet; remove cpu_rt_runtime'),
        ('device_cgroup_rules', REFUSED, 'device cgroup rules are not supported yet; list the devices under '
                                         'devices instead'),
        ('mem_swappiness', REFUSED, 'the memory swappiness is not supported yet; remove mem_swappiness (or use '
                                    'memswap_limit)'),
        ('oom_kill_disable', REFUSED, 'disabling the OOM killer is not supported yet; remove oom_kill_disable '
                                      '(oom_score_adj is)'),
        ('storage_opt', REFUSED, 'storage driver options of the container are not supported yet; remove '
                                 'storage_opt'),
        ('post_start', REFUSED, 'lifecycle hooks (commands run in the container after it starts) are not supported '
                                'yet; run the command with berth.docker.exec after the compose task'),
        ('pre_stop', REFUSED, 'lifecycle hooks (commands run in the container before it stops) are not supported '
                              'yet; run the command with berth.docker.exec before stopping'),
        ('use_api_socket', REFUSED, 'giving the container the engine\'s API socket and registry credentials is not '
                                    'supported; bind-mount /var/run/docker.sock under volumes if you mean it'),
        ('models', REFUSED, 'AI models run by Docker Model Runner are not managed by berth.docker; remove models'),
        ('provider', REFUSED, 'a service run by an external provider plugin is not managed by berth.docker; remove '
                              'the service or manage its resource separately'),
        ('pull_refresh_after', REFUSED, 'a custom refresh interval of pull_policy refresh is not supported; use '
                                        'pull_policy always, daily or weekly'),
    )),
    ('build', _applied('context', 'dockerfile', 'args', 'target', 'labels', 'network', 'extra_hosts', 'shm_size',
                       'cache_from', 'no_cache', 'pull') + (
        ('cache_to', IGNORED, 'exporting the build cache ' + _BUILDKIT + '; the image built is the same'),
        ('provenance', IGNORED, 'attestations ' + _BUILDKIT + '; the image that runs is the same'),
        ('sbom', IGNORED, 'attestations ' + _BUILDKIT + '; the image that runs is the same'),
        ('tags', IGNORED, 'extra names of the built image do not change what runs; tag it with berth.docker.image'),
        ('isolation', IGNORED, _WINDOWS),
        ('dockerfile_inline', REFUSED, 'an inline Dockerfile is not supported yet; write it to a file and name it '
                                       'with dockerfile'),
        ('additional_contexts', REFUSED, 'named build contexts ' + _BUILDKIT + '; copy the files into the context'),
        ('entitlements', REFUSED, 'build entitlements ' + _BUILDKIT + '; remove entitlements'),
        ('privileged', REFUSED, 'a privileged build ' + _BUILDKIT + '; remove privileged from build'),
        ('secrets', REFUSED, 'build secrets ' + _BUILDKIT + '; build the image beforehand (docker buildx build) '
                             'or pass the value another way'),
        ('ssh', REFUSED, 'SSH agent forwarding ' + _BUILDKIT + '; build the image beforehand (docker buildx build)'),
        ('ulimits', REFUSED, 'ulimits of the build are not supported yet; remove ulimits from build'),
        ('platforms', REFUSED, 'multi-platform builds ' + _BUILDKIT + '; set the service\'s platform instead'),
    )),
    ('deploy', _applied('replicas', 'resources', 'restart_policy') + (
        ('mode', IGNORED, _SWARM),
        ('endpoint_mode', IGNORED, _SWARM),
        ('labels', IGNORED, 'labels of the swarm service: compose ignores them without a swarm (service labels '
                            'go under labels)'),
        ('placement', IGNORED, _SWARM),
        ('update_config', IGNORED, _SWARM),
        ('rollback_config', IGNORED, _SWARM),
    )),
    ('deploy.resources', _applied('limits', 'reservations')),
    ('deploy.resources.limits', _applied('cpus', 'memory', 'pids')),
    ('deploy.resources.reservations', _applied('memory', 'devices') + (
        ('cpus', IGNORED, 'a CPU reservation is a swarm scheduling setting: compose does not apply it to a '
                          'container'),
        ('generic_resources', IGNORED, _SWARM),
    )),
    ('healthcheck', _applied('test', 'interval', 'timeout', 'retries', 'start_period', 'start_interval', 'disable')),
    ('service networks', _applied('aliases', 'ipv4_address', 'ipv6_address', 'priority') + (
        ('mac_address', REFUSED, 'a MAC address per network is not supported yet; use the service\'s mac_address'),
        ('link_local_ips', REFUSED, 'link-local addresses are not supported yet; remove link_local_ips'),
        ('interface_name', REFUSED, 'naming the interface is not supported yet; remove interface_name'),
        ('driver_opts', REFUSED, 'driver options of the endpoint are not supported yet; remove driver_opts'),
        ('gw_priority', REFUSED, 'choosing the default gateway is not supported yet; remove gw_priority (or give '
                                 'the network you want as gateway the highest priority)'),
    )),
    ('networks', _applied('name', 'external', 'driver', 'driver_opts', 'ipam', 'internal', 'attachable', 'labels',
                          'enable_ipv6') + (
        ('enable_ipv4', REFUSED, 'IPv6-only networks are not supported yet; remove enable_ipv4'),
    )),
    ('volumes', _applied('name', 'external', 'driver', 'driver_opts', 'labels')),
    ('secrets', _applied('name', 'file', 'environment') + (
        ('external', REFUSED, 'external secrets live in a swarm, which berth.docker.compose does not manage; '
                              'declare the secret with file or environment'),
        ('labels', IGNORED, _SWARM),
        ('driver', IGNORED, _SWARM),
        ('driver_opts', IGNORED, _SWARM),
        ('template_driver', IGNORED, _SWARM),
    )),
    ('configs', _applied('name', 'file', 'environment', 'content') + (
        ('external', REFUSED, 'external configs live in a swarm, which berth.docker.compose does not manage; '
                              'declare the config with file, environment or content'),
        ('labels', IGNORED, _SWARM),
        ('template_driver', IGNORED, _SWARM),
    )),
    ('include', _applied('path', 'project_directory', 'env_file')),
)
KEYS = dict((section, dict((key, (status, why)) for key, status, why in keys)) for section, keys in KEY_TABLE)

DEPENDS_CONDITIONS = ('service_started', 'service_healthy', 'service_completed_successfully')
PULL_POLICIES = ('always', 'never', 'missing', 'if_not_present', 'build', 'daily', 'weekly')
RESTART_RE = re.compile(r'^(no|always|unless-stopped|on-failure(:\d+)?)$')
# top-level secrets and configs: where the content comes from (content: configs only)
SECRET_SOURCES = ('file', 'environment')
CONFIG_SOURCES = ('file', 'environment', 'content')


def check_keys(mapping, section, where, warnings, skip=()):
    """Check the keys of one mapping of ``section`` (a KEY_TABLE section): a refused key raises a
    ComposeError (it would change what runs), an ignored one and an unknown one (most likely
    misspelt) append a warning to ``warnings``; ``x-`` keys and those in ``skip`` are silent.
    A refused key with a false value (``external: false``, ``oom_kill_disable: false``, an empty
    list) or its default (REFUSED_UNLESS) asks for nothing and passes."""
    table = KEYS[section]
    for key in mapping:
        if str(key).startswith('x-') or key in skip:
            continue
        status, why = table.get(key, (None, ''))
        if status == REFUSED and _asks_for_something(mapping[key], REFUSED_UNLESS.get((section, key))):
            raise ComposeError('%s: %s is not supported by berth.docker.compose: %s' % (where, key, why))
        if status == IGNORED:
            warnings.append('%s: %s is not supported by berth.docker.compose and is ignored: %s' % (where, key, why))
        elif status is None:
            warnings.append('%s: unknown key %s is ignored (check its spelling)' % (where, key))


# refused keys whose value is the default, which asks for nothing (other refused keys: a false value)
REFUSED_UNLESS = {('networks', 'enable_ipv4'): True}


def _asks_for_something(value, default=None):
    if default is not None:
        return value != default
    return value is not None and value is not False and value not in ([], {}, '')
