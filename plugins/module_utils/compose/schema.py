# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compose keys berth.docker knows, per section, and what happens to the others: a key known
but not implemented warns that it is ignored, an unknown key warns to check its spelling
(``x-`` extension keys are silent). A new compose key is added to its table here and read in
model.py."""

import re

TOP_LEVEL_KEYS = ('version', 'name', 'services', 'networks', 'volumes', 'secrets', 'configs', 'include')
TOP_LEVEL_UNSUPPORTED = ()

# service keys we implement
SERVICE_KEYS = (
    'image', 'build', 'command', 'entrypoint', 'environment', 'env_file', 'ports', 'expose', 'volumes',
    'networks', 'network_mode', 'depends_on', 'healthcheck', 'restart', 'container_name', 'hostname',
    'domainname', 'user', 'working_dir', 'labels', 'extra_hosts', 'dns', 'dns_search', 'logging', 'init',
    'stop_signal', 'stop_grace_period', 'tmpfs', 'ulimits', 'cap_add', 'cap_drop', 'read_only', 'deploy',
    'scale', 'profiles', 'pull_policy', 'privileged', 'security_opt', 'sysctls', 'shm_size', 'tty',
    'stdin_open', 'devices', 'group_add', 'mem_limit', 'cpus', 'pid', 'ipc', 'mac_address', 'links',
    'volumes_from', 'secrets', 'configs', 'platform', 'runtime', 'userns_mode', 'cgroup', 'oom_score_adj', 'cpu_shares', 'cpuset',
    'pids_limit',
)
# service keys we know but do not implement: a warning says they are ignored
SERVICE_KEYS_IGNORED = (
    'external_links', 'cgroup_parent',
    'isolation', 'storage_opt', 'oom_kill_disable',
    'develop', 'annotations', 'attach', 'credential_spec', 'device_cgroup_rules', 'blkio_config',
)
NETWORK_KEYS = ('name', 'external', 'driver', 'driver_opts', 'ipam', 'internal', 'attachable', 'labels',
                'enable_ipv6')
VOLUME_KEYS = ('name', 'external', 'driver', 'driver_opts', 'labels')
BUILD_KEYS = ('context', 'dockerfile', 'args', 'target', 'labels', 'network', 'extra_hosts', 'shm_size',
              'cache_from', 'no_cache', 'pull')
DEPENDS_CONDITIONS = ('service_started', 'service_healthy', 'service_completed_successfully')
PULL_POLICIES = ('always', 'never', 'missing', 'if_not_present', 'build', 'daily', 'weekly')
RESTART_RE = re.compile(r'^(no|always|unless-stopped|on-failure(:\d+)?)$')
# deploy: what a single engine can do; the swarm keys are ignored with a warning
DEPLOY_KEYS = ('replicas', 'resources', 'restart_policy')
DEPLOY_KEYS_IGNORED = ('mode', 'placement', 'update_config', 'rollback_config', 'labels', 'endpoint_mode')
# a service's entry under networks
SERVICE_NETWORK_KEYS = ('aliases', 'ipv4_address', 'ipv6_address', 'priority', 'mac_address', 'link_local_ips')
# top-level secrets and configs: where the content comes from (content: configs only)
SECRET_SOURCES = ('file', 'environment')
CONFIG_SOURCES = ('file', 'environment', 'content')
FILE_OBJECT_KEYS_IGNORED = ('driver', 'driver_opts', 'labels', 'template_driver')


def warn_unknown(keys, known, ignored, where, warnings):
    """Append to ``warnings`` one line per key of ``keys`` that is in ``ignored`` (supported by
    compose, not by berth.docker) or not in ``known`` (most likely misspelt)."""
    for key in keys:
        if str(key).startswith('x-'):
            continue
        if key in ignored:
            warnings.append('%s: %s is not supported by berth.docker.compose and is ignored' % (where, key))
        elif key not in known:
            warnings.append('%s: unknown key %s is ignored (check its spelling)' % (where, key))
