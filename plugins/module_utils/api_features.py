# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which Engine API version each option needs, and the check every module runs first.

berth.docker speaks Engine API 1.25 (Docker 1.13) and newer (``api.MIN_API_VERSION``). An
option the negotiated version lacks is never sent and never silently dropped: the task fails
before anything changes, naming the option, the version it needs and what to do.

``FEATURES``
    ``{module: (Feature, ...)}``: each option (or option value) above the oldest version, with
    the version that brought it (from the Engine API version history). Options every supported
    version has are not listed.
``check_options(client, module, params)``
    Raises DockerError for the first feature of ``module`` that ``params`` use and the client's
    negotiated version lacks. ``params`` are the module's parameters as the user wrote them.
``unsupported(api_version, module, params)``
    The same, pure: the list of Features used but missing at ``api_version``.
``returns_field(api_version, kind, field)``
    Whether an engine speaking ``api_version`` returns an inspect field (``RESPONSE_FIELDS``), so
    comparisons can take a field an older version never returns as absent, not as a difference.
"""

from ansible_collections.berth.docker.plugins.module_utils.api import MIN_API_VERSION, version_tuple


class Feature:
    """One option (or one value of it) that needs Engine API ``version``.

    ``option``: where it is in the parameters: ``name``, ``name.sub`` (a dict option's key),
    ``name[].sub`` (a key of any element of a list option). ``value``: optional predicate on
    the value found there (the feature is only the values it accepts). ``label``: how the
    message names it (default: ``option``)."""

    __slots__ = ('option', 'version', 'value', 'label')

    def __init__(self, option, version, value=None, label=None):
        self.option = option
        self.version = version
        self.value = value
        self.label = label or option

    def used(self, params):
        """Whether ``params`` use this feature (a value that is None, [] or {} is not a use)."""
        return any(self.value is None or self.value(v) for v in _values(params, self.option))


def _set(value):
    return value is not None and value not in ([], {})


def _values(params, path):
    """The values at ``path`` in ``params`` that are set (see Feature.option)."""
    found = [params]
    for part in path.split('.'):
        many = part.endswith('[]')
        key = part[:-2] if many else part
        step = []
        for item in found:
            value = item.get(key) if isinstance(item, dict) else None
            if not _set(value):
                continue
            if many:
                step.extend(v for v in (value if isinstance(value, list) else [value]) if _set(v))
            else:
                step.append(value)
        found = step
    return found


def _sctp(value):
    return any('/sctp' in str(port).lower() for port in (value if isinstance(value, list) else [value]))


def _ipc_mode_since_1_32(value):
    return str(value) in ('private', 'shareable', 'none')


def _has_filter(*names):
    def predicate(value):
        return isinstance(value, dict) and any(_set(value.get(n)) for n in names)
    return predicate


FEATURES = {
    'container': (
        Feature('mounts[].consistency', '1.28'),
        Feature('healthcheck.start_period', '1.29'),
        Feature('ipc_mode', '1.32', _ipc_mode_since_1_32, 'ipc_mode private, shareable or none'),
        Feature('published_ports', '1.37', _sctp, 'published_ports with sctp'),
        Feature('exposed_ports', '1.37', _sctp, 'exposed_ports with sctp'),
        Feature('device_requests', '1.40'),
        Feature('cgroupns_mode', '1.41'),
    ),
    'image': (
        Feature('build.etc_hosts', '1.28'),
        Feature('build.target', '1.29'),
        Feature('build.platform', '1.32'),
        Feature('pull.platform', '1.32'),
    ),
    'network': (
        Feature('ingress', '1.29'),
        Feature('scope', '1.30'),
        Feature('config_only', '1.30'),
        Feature('config_from', '1.30'),
        Feature('enable_ipv4', '1.47'),
    ),
    'volume': (),
    'login': (),
    'host_info': (
        Feature('containers_filters', '1.28', _has_filter('publish', 'expose'),
                'containers_filters publish or expose'),
        Feature('networks_filters', '1.29', _has_filter('scope'), 'networks_filters scope'),
        Feature('networks_filters', '1.40', _has_filter('dangling'), 'networks_filters dangling'),
        Feature('images_filters', '1.44', _has_filter('until'), 'images_filters until'),
    ),
}

# What every supported version (1.25 and newer) already has, for the record (never checked):
# container init, auto_remove, stop_timeout, cpus (NanoCpus), mounts (HostConfig.Mounts), sysctls,
# pids_limit, runtime; one network at create with the others connected after it (several
# networks in NetworkingConfig need 1.44, which is why the container code connects them one by
# one); image build cache_from and network; network attachable, internal, enable_ipv6 and labels;
# volume labels and driver options; host_info disk_usage (GET /system/df) and the containers
# filter health.
BASELINE = MIN_API_VERSION

# Inspect fields that appeared after the oldest supported version: {(kind, field path): version}.
# An engine speaking an older version leaves them out of its answer.
RESPONSE_FIELDS = {
    ('container', 'HostConfig.DeviceRequests'): '1.40',
    ('container', 'HostConfig.CgroupnsMode'): '1.41',
    ('container', 'Config.Healthcheck.StartPeriod'): '1.29',
    ('network', 'Ingress'): '1.29',
    ('network', 'ConfigOnly'): '1.30',
    ('network', 'ConfigFrom'): '1.30',
    ('network', 'EnableIPv4'): '1.47',
    ('volume', 'CreatedAt'): '1.31',
    ('image', 'SharedSize'): '1.42',
}


def unsupported(api_version, module, params):
    """The Features of ``module`` that ``params`` use and ``api_version`` lacks, in table order."""
    have = version_tuple(api_version)
    return [f for f in FEATURES.get(module, ()) if version_tuple(f.version) > have and f.used(params or {})]


def check_options(client, module, params):
    """Fail (DockerError from client.require) on the first option ``params`` use that the
    negotiated Engine API version lacks. Nothing is sent to the engine but GET /version."""
    for feature in unsupported(client.negotiate(), module, params):
        client.require(feature.version, feature.label)


def returns_field(api_version, kind, field):
    """Whether an engine speaking ``api_version`` returns ``field`` (a dotted path of the
    inspect answer of ``kind``). Fields not in RESPONSE_FIELDS are returned by every version."""
    needed = RESPONSE_FIELDS.get((kind, field))
    return needed is None or version_tuple(api_version) >= version_tuple(needed)
