# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The normalised compose project: files / directory / inline definition -> one Project.

load_project reads the sources (source.py), merges them (merge.py), applies profiles and
normalises every supported service key, short and long syntaxes alike (values.py), with one
function per group of keys; relative host paths are resolved against the project directory,
unknown keys warned about (schema.py) and dependency cycles refused (graph.py). Pure
functions: no Engine API and no AnsibleModule. The planner hashes the normalised services and
turns them into Engine API bodies.

Every error is a ComposeError whose message says what is wrong and where.
"""

import copy
import hashlib
import os
import re

from ansible_collections.berth.docker.plugins.module_utils.compose.graph import dependency_order
from ansible_collections.berth.docker.plugins.module_utils.compose.labels import LABEL_PREFIX, normalise_project_name
from ansible_collections.berth.docker.plugins.module_utils.compose.merge import (
    INCLUDED_KEYS,
    load_includes,
    merge_documents,
    pre_normalise_service,
    resolve_extends,
)
from ansible_collections.berth.docker.plugins.module_utils.compose.resources import more_resources
from ansible_collections.berth.docker.plugins.module_utils.compose.schema import (
    CONFIG_SOURCES,
    DEPENDS_CONDITIONS,
    PULL_POLICIES,
    RESTART_RE,
    SECRET_SOURCES,
    check_keys,
)
from ansible_collections.berth.docker.plugins.module_utils.compose.source import (
    EnvValues,
    abs_host_path,
    find_compose_files,
    interpolate,
    interpolate_env_value,
    parse_yaml,
    read_env_file,
    read_file,
    strip_tags,
)
from ansible_collections.berth.docker.plugins.module_utils.compose.values import (
    parse_command,
    parse_duration,
    parse_expose,
    parse_extra_hosts,
    parse_healthcheck,
    parse_ipam,
    parse_port,
    parse_service_file_objects,
    parse_size,
    parse_ulimits,
    parse_volume,
    to_bool,
    to_list,
    to_list_env_file,
    to_map,
)
from ansible_collections.berth.docker.plugins.module_utils.errors import ComposeError

MASK_DIGEST_CHARS = 12


# --------------------------------------------------------------------------- masking

def value_digest(text):
    """The sha256 (hex) of a value's UTF-8 text: what results, diffs and the config show in place of
    the content of secrets and configs (in full, so that a change is seen) and, shortened by
    mask_value, of environment values and build args."""
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


def mask_value(value):
    """An environment value or build arg as results, diffs and compose_info's config show it: a short
    digest of the value (same value, same digest: a change still shows), never the value. None
    (a variable set without a value) stays None."""
    if value is None:
        return None
    return '<masked sha256:%s>' % value_digest(value if isinstance(value, str) else str(value))[:MASK_DIGEST_CHARS]


def mask_service(svc):
    """A copy of a normalised service with its environment values and build args masked (the keys
    stay). The config hash is computed from the real values, never from this copy."""
    out = dict(svc)
    if svc.get('environment'):
        out['environment'] = dict((key, mask_value(val)) for key, val in svc['environment'].items())
    if svc.get('build') and svc['build'].get('args'):
        out['build'] = dict(svc['build'], args=dict((key, mask_value(val)) for key, val in svc['build']['args'].items()))
    return out


# --------------------------------------------------------------------------- project

class Project:
    """The loaded project: name, directory, files, services (normalised, in dependency
    order), networks, volumes, enabled/disabled services, warnings and the environment."""

    def __init__(self):
        self.name = None
        self.working_dir = None
        self.base_dir = None  # what relative paths resolve against (None: a definition without project_src)
        self.config_files = []
        self.services = {}
        self.all_services = []
        self.disabled_services = []
        self.order = []
        self.networks = {}
        self.volumes = {}
        self.warnings = []
        self.environment = {}
        self.env_files = []
        self.config = {}
        self.secrets = {}  # name -> {'file': path} or {'digest': sha256 of the content}
        self.configs = {}
        self.contents = {}  # ('secrets'|'configs', name) -> the content of an environment/content one


def _normalise_file_objects(kind, raw, project, environment):
    """Top-level ``secrets`` / ``configs``: {name: {file: PATH} | {environment: VAR} | {content: TEXT}
    (configs only)}. Files are resolved against the project directory and bind-mounted read-only,
    as compose does without swarm; environment and content ones are copied into the container.
    Their content never enters the result or the diff: only its sha256 does (so a change recreates)."""
    result = {}
    sources = CONFIG_SOURCES if kind == 'configs' else SECRET_SOURCES
    for name, spec in sorted((raw or {}).items()):
        where = '%s.%s' % (kind, name)
        if not isinstance(spec, dict):
            raise ComposeError('%s must be a mapping with one of %s' % (where, ', '.join(sources)))
        check_keys(spec, kind, where, project.warnings)  # external (swarm) ones are refused
        given = [key for key in sources if spec.get(key) is not None]
        if len(given) != 1:
            raise ComposeError('%s needs exactly one of %s' % (where, ', '.join(sources)))
        key = given[0]
        if key == 'file':
            result[name] = {'file': abs_host_path(str(spec['file']), project.base_dir)}
            continue
        if key == 'environment':
            var = str(spec['environment'])
            if var not in environment:
                raise ComposeError('%s: the environment variable %s is not set (put it in .env or the environment)'
                                   % (where, var))
            content = environment[var]
        else:
            content = str(spec['content'])
        project.contents[(kind, name)] = content
        result[name] = {'digest': value_digest(content)}
    return result


def _normalise_networks_decl(raw, project_name, warnings):
    """Top-level ``networks`` -> {name: {name (<project>_<name> unless external or named), external,
    driver, driver_opts, ipam, internal, attachable, enable_ipv6, labels}}."""
    result = {}
    declared = dict(raw or {})
    for name, spec in declared.items():
        spec = spec or {}
        if not isinstance(spec, dict):
            raise ComposeError('networks.%s must be a mapping' % name)
        check_keys(spec, 'networks', 'networks.%s' % name, warnings)
        external = spec.get('external', False)
        if isinstance(external, dict):  # old syntax external: {name: x}
            spec = dict(spec, name=external.get('name') or spec.get('name'))
            external = True
        full = spec.get('name') or (name if external else '%s_%s' % (project_name, name))
        result[name] = {
            'name': full,
            'external': to_bool(external, 'networks.%s.external' % name, False),
            'driver': spec.get('driver') or None,
            'driver_opts': dict((str(k), str(v)) for k, v in (spec.get('driver_opts') or {}).items()),
            'ipam': parse_ipam(spec.get('ipam')),
            'internal': to_bool(spec.get('internal'), 'networks.%s.internal' % name, False),
            'attachable': to_bool(spec.get('attachable'), 'networks.%s.attachable' % name, False),
            'enable_ipv6': to_bool(spec.get('enable_ipv6'), 'networks.%s.enable_ipv6' % name, False),
            'labels': to_map(spec.get('labels'), 'networks.%s.labels' % name),
        }
    return result


def _normalise_volumes_decl(raw, project_name, warnings):
    """Top-level ``volumes`` -> {name: {name (<project>_<name> unless external or named), external,
    driver, driver_opts, labels}}."""
    result = {}
    for name, spec in dict(raw or {}).items():
        spec = spec or {}
        if not isinstance(spec, dict):
            raise ComposeError('volumes.%s must be a mapping' % name)
        check_keys(spec, 'volumes', 'volumes.%s' % name, warnings)
        external = spec.get('external', False)
        if isinstance(external, dict):
            spec = dict(spec, name=external.get('name') or spec.get('name'))
            external = True
        result[name] = {
            'name': spec.get('name') or (name if external else '%s_%s' % (project_name, name)),
            'external': to_bool(external, 'volumes.%s.external' % name, False),
            'driver': spec.get('driver') or None,
            'driver_opts': dict((str(k), str(v)) for k, v in (spec.get('driver_opts') or {}).items()),
            'labels': to_map(spec.get('labels'), 'volumes.%s.labels' % name),
        }
    return result


# --------------------------------------------------------------------------- services

def normalise_service(name, raw, project, environment):
    """One merged, interpolated service -> the normalised dict the planner hashes and the
    executor turns into an Engine API create body. Each group of keys has its function below,
    run in this order (later groups read what earlier ones set: restart, container_name)."""
    where = 'services.%s' % name
    if not isinstance(raw, dict):
        raise ComposeError('%s must be a mapping' % where)
    raw = pre_normalise_service(raw)
    check_keys(raw, 'service', where, project.warnings)
    svc = {'name': name}
    for group in SERVICE_KEY_GROUPS:
        group(svc, raw, where, project, environment)
    return svc


def _image_and_build(svc, raw, where, project, environment):
    """image, build: a service without image is named <project>-<service> and built."""
    image = raw.get('image')
    if raw.get('build') is not None:
        svc['build'] = _build(raw['build'], '%s.build' % where, project, environment)
    elif not image:
        raise ComposeError('%s has neither image nor build: give it one of them' % where)
    svc['image'] = str(image) if image else '%s-%s' % (project.name, svc['name'])


def _build(build, where, project, environment):
    """The build section -> {context (absolute unless a URL), dockerfile, args (a bare KEY takes its
    value from the environment), target, labels, network, no_cache, pull}, plus shm_size (bytes),
    extra_hosts (['HOST:IP']) and cache_from (a list) when given."""
    if not isinstance(build, dict):
        raise ComposeError('%s must be a path or a mapping' % where)
    check_keys(build, 'build', where, project.warnings)
    context = str(build.get('context') or '.')
    if '://' not in context and not context.startswith('git@'):
        context = abs_host_path(context, project.base_dir)
    args = {}
    for key, val in to_map(build.get('args'), '%s.args' % where).items():
        if val is None:
            val = environment.get(key)
        if val is not None:
            args[key] = val
    result = {
        'context': context,
        'dockerfile': str(build.get('dockerfile') or 'Dockerfile'),
        'args': args,
        'target': build.get('target') or None,
        'labels': to_map(build.get('labels'), '%s.labels' % where),
        'network': build.get('network') or None,
        'no_cache': to_bool(build.get('no_cache'), '%s.no_cache' % where, False),
        'pull': to_bool(build.get('pull'), '%s.pull' % where, False),
    }
    # only when given, so that the build of every other service stays what it was
    if build.get('shm_size') is not None:
        result['shm_size'] = parse_size(build['shm_size'], '%s.shm_size' % where)
    if build.get('extra_hosts') is not None:
        result['extra_hosts'] = parse_extra_hosts(build['extra_hosts'], '%s.extra_hosts' % where)
    if build.get('cache_from') is not None:
        result['cache_from'] = to_list(build['cache_from'], '%s.cache_from' % where)
    return result


def _command_and_entrypoint(svc, raw, where, project, environment):
    """command, entrypoint: lists of words (None: the image's)."""
    svc['command'] = parse_command(raw.get('command'), '%s.command' % where)
    svc['entrypoint'] = parse_command(raw.get('entrypoint'), '%s.entrypoint' % where)


def _environment(svc, raw, where, project, environment):
    """env_file entries in order, then environment over them; a bare KEY takes its value from the
    project's environment (and is left out when that has none)."""
    env = {}
    for entry in raw.get('env_file') and to_list_env_file(raw['env_file'], where) or []:
        path = abs_host_path(entry['path'], project.base_dir)
        values = read_env_file(path, entry['required'])
        for key, val in values.items():
            if val is None:
                val = environment.get(key)
            if val is not None and key not in values.literal and isinstance(val, str):
                val = interpolate_env_value(val, environment, '%s (%s)' % (values.origin.get(key, path), key))
            if val is not None:
                env[key] = val
    for key, val in to_map(raw.get('environment'), '%s.environment' % where).items():
        if val is None:
            val = environment.get(key)
            if val is None:
                env.pop(key, None)
                continue
        env[key] = val
    svc['environment'] = env


def _ports_and_expose(svc, raw, where, project, environment):
    """ports: [{target, published, host_ip, protocol}] one per port; expose: ['80/tcp', ...]."""
    ports = []
    for item in raw.get('ports') or []:
        for port in parse_port(item, '%s.ports' % where):
            if port not in ports:
                ports.append(port)
    svc['ports'] = ports
    svc['expose'] = parse_expose(raw.get('expose'), '%s.expose' % where)


def _volumes_and_tmpfs(svc, raw, where, project, environment):
    """volumes: [{type, source, target, read_only, ...}], a named volume declared at the top level;
    tmpfs: a list of paths (with options)."""
    volumes = []
    for item in raw.get('volumes') or []:
        vol = parse_volume(item, project.base_dir, '%s.volumes' % where)
        if vol['type'] == 'volume' and vol['source']:
            if vol['source'] not in project.volumes:
                raise ComposeError(
                    '%s.volumes: named volume %r is not declared in the top-level volumes section; '
                    'declare it there (or write ./%s for a directory next to the compose file)' % (where, vol['source'], vol['source']))
        volumes.append(vol)
    svc['volumes'] = volumes
    svc['tmpfs'] = to_list(raw.get('tmpfs'), '%s.tmpfs' % where)


def _networks(svc, raw, where, project, environment):
    """network_mode, or networks: {name: {aliases, ipv4_address, ipv6_address, priority}} (the
    project's default network when neither is given); extra_hosts, dns, dns_search."""
    network_mode = raw.get('network_mode')
    svc['network_mode'] = str(network_mode) if network_mode else None
    nets = raw.get('networks')
    networks = {}
    if nets is not None and network_mode:
        raise ComposeError('%s: network_mode and networks cannot both be set' % where)
    if nets is None and not network_mode:
        nets = {'default': None}
    for net, spec in (nets or {}).items():
        if net not in project.networks:
            raise ComposeError('%s.networks: network %r is not declared in the top-level networks section' % (where, net))
        spec = spec or {}
        if not isinstance(spec, dict):
            raise ComposeError('%s.networks.%s must be a mapping' % (where, net))
        check_keys(spec, 'service networks', '%s.networks.%s' % (where, net), project.warnings)
        networks[net] = {
            'aliases': to_list(spec.get('aliases'), '%s.networks.%s.aliases' % (where, net)),
            'ipv4_address': spec.get('ipv4_address') or None,
            'ipv6_address': spec.get('ipv6_address') or None,
            'priority': int(spec.get('priority') or 0),
        }
    svc['networks'] = networks
    svc['extra_hosts'] = parse_extra_hosts(raw.get('extra_hosts'), '%s.extra_hosts' % where)
    svc['dns'] = to_list(raw.get('dns'), '%s.dns' % where)
    svc['dns_search'] = to_list(raw.get('dns_search'), '%s.dns_search' % where)


def _dependencies(svc, raw, where, project, environment):
    """depends_on: {service: {condition, required, restart}}; links and volumes_from: lists."""
    depends = {}
    for dep, spec in (raw.get('depends_on') or {}).items():
        spec = spec or {}
        condition = spec.get('condition') or 'service_started'
        if condition not in DEPENDS_CONDITIONS:
            raise ComposeError('%s.depends_on.%s: condition %r must be one of %s' % (where, dep, condition, ', '.join(DEPENDS_CONDITIONS)))
        depends[dep] = {'condition': condition, 'required': to_bool(spec.get('required'), '%s.depends_on.%s.required' % (where, dep), True),
                        'restart': to_bool(spec.get('restart'), '%s.depends_on.%s.restart' % (where, dep), False)}
    svc['depends_on'] = depends
    for key in ('links', 'volumes_from'):
        svc[key] = to_list(raw.get(key), '%s.%s' % (where, key))


def _healthcheck(svc, raw, where, project, environment):
    """healthcheck: see values.parse_healthcheck (None: the image's)."""
    svc['healthcheck'] = parse_healthcheck(raw.get('healthcheck'), '%s.healthcheck' % where)


def _restart_and_stop(svc, raw, where, project, environment):
    """restart (no, always, unless-stopped, on-failure[:N]), stop_signal, stop_grace_period
    (seconds), init."""
    restart = raw.get('restart')
    if restart is not None:
        restart = 'no' if restart is False else str(restart)
        if not RESTART_RE.match(restart):
            raise ComposeError('%s.restart: %r must be no, always, unless-stopped or on-failure[:N]' % (where, restart))
    svc['restart'] = restart
    svc['stop_signal'] = _optional_str(raw.get('stop_signal'))
    grace = raw.get('stop_grace_period')
    svc['stop_grace_period'] = parse_duration(grace, '%s.stop_grace_period' % where) if grace is not None else None
    svc['init'] = to_bool(raw.get('init'), '%s.init' % where)


def _identity_and_labels(svc, raw, where, project, environment):
    """The container's names, user, directories, namespaces, terminal and labels (none may use
    compose's own label prefix)."""
    for key in ('container_name', 'hostname', 'domainname', 'user', 'working_dir', 'pid', 'ipc', 'mac_address',
                'platform'):
        svc[key] = _optional_str(raw.get(key))
    for key in ('tty', 'stdin_open'):
        svc[key] = to_bool(raw.get(key), '%s.%s' % (where, key))
    svc['labels'] = dict((k, '' if v is None else v) for k, v in to_map(raw.get('labels'), '%s.labels' % where).items())
    for key in svc['labels']:
        if key.startswith(LABEL_PREFIX):
            raise ComposeError('%s.labels: %s is reserved for compose itself' % (where, key))


def _logging(svc, raw, where, project, environment):
    """logging: {driver (json-file by default), options} or None (the engine's default)."""
    logging = raw.get('logging')
    svc['logging'] = None
    if logging:
        svc['logging'] = {'driver': logging.get('driver') or 'json-file',
                          'options': dict((str(k), str(v)) for k, v in (logging.get('options') or {}).items())}


def _security(svc, raw, where, project, environment):
    """privileged, read_only, capabilities, security_opt, devices, group_add, sysctls; runtime,
    userns_mode and cgroup only when given, so that the config hash of services without them
    stays what it was."""
    for key in ('read_only', 'privileged'):
        svc[key] = to_bool(raw.get(key), '%s.%s' % (where, key))
    for key in ('cap_add', 'cap_drop', 'security_opt', 'devices', 'group_add'):
        svc[key] = to_list(raw.get(key), '%s.%s' % (where, key))
    svc['sysctls'] = to_map(raw.get('sysctls'), '%s.sysctls' % where)
    for key in ('runtime', 'userns_mode', 'cgroup'):
        if raw.get(key) is not None:
            svc[key] = str(raw[key])
    if svc.get('cgroup') not in (None, 'host', 'private'):
        raise ComposeError('%s.cgroup: %r must be host or private' % (where, svc['cgroup']))


def _secrets_and_configs(svc, raw, where, project, environment):
    """secrets, configs: only when used, so that other services keep their config hash."""
    for kind in ('secrets', 'configs'):
        if raw.get(kind):
            svc[kind] = parse_service_file_objects(kind, raw[kind], getattr(project, kind), where)


def _resources(svc, raw, where, project, environment):
    """ulimits, shm_size (bytes), memory (bytes) and cpus from deploy.resources.limits or mem_limit /
    cpus; cpuset, oom_score_adj, cpu_shares, pids_limit only when given (config hash)."""
    svc['ulimits'] = parse_ulimits(raw.get('ulimits'), '%s.ulimits' % where)
    if raw.get('cpuset') is not None:
        svc['cpuset'] = str(raw['cpuset'])
    for key in ('oom_score_adj', 'cpu_shares', 'pids_limit'):
        if raw.get(key) is not None:
            try:
                svc[key] = int(raw[key])
            except (TypeError, ValueError):
                raise ComposeError('%s.%s: expected a whole number, got %r' % (where, key, raw[key]))
    svc['shm_size'] = parse_size(raw.get('shm_size'), '%s.shm_size' % where)
    limits = ((_deploy_section(raw, where).get('resources') or {}).get('limits') or {})
    memory = limits.get('memory', raw.get('mem_limit'))
    svc['memory'] = parse_size(memory, '%s.deploy.resources.limits.memory' % where) if memory is not None else None
    cpus = limits.get('cpus', raw.get('cpus'))
    try:
        svc['cpus'] = float(cpus) if cpus is not None else None
    except (TypeError, ValueError):
        raise ComposeError('%s.deploy.resources.limits.cpus: %r is not a number' % (where, cpus))


def _deploy_and_scale(svc, raw, where, project, environment):
    """deploy's restart_policy (when restart is not set) and scale / deploy.replicas (1 by
    default; more than one refuses a container_name); the swarm keys of deploy warn."""
    deploy = _deploy_section(raw, where)
    check_keys(deploy, 'deploy', '%s.deploy' % where, project.warnings)
    if svc['restart'] is None and deploy.get('restart_policy'):
        cond = (deploy['restart_policy'] or {}).get('condition') or 'any'
        svc['restart'] = {'none': 'no', 'any': 'always', 'on-failure': 'on-failure'}.get(cond, 'always')
    scale = raw.get('scale', deploy.get('replicas'))
    if scale is None:
        scale = 1
    try:
        scale = int(scale)
    except (TypeError, ValueError):
        raise ComposeError('%s: scale / deploy.replicas %r is not a whole number' % (where, scale))
    if scale < 0:
        raise ComposeError('%s: scale %d is negative' % (where, scale))
    svc['scale'] = scale
    if svc['container_name'] and scale > 1:
        raise ComposeError('%s: container_name %s is set, so the service cannot have %d replicas; remove '
                           'container_name or set scale to 1' % (where, svc['container_name'], scale))


def _profiles_and_pull(svc, raw, where, project, environment):
    """profiles (a list) and pull_policy (one of PULL_POLICIES, or None)."""
    svc['profiles'] = to_list(raw.get('profiles'), '%s.profiles' % where)
    pull_policy = raw.get('pull_policy')
    if pull_policy is not None and str(pull_policy) not in PULL_POLICIES:
        raise ComposeError('%s.pull_policy %r must be one of %s' % (where, pull_policy, ', '.join(PULL_POLICIES)))
    svc['pull_policy'] = str(pull_policy) if pull_policy else None


SERVICE_KEY_GROUPS = (
    _image_and_build, _command_and_entrypoint, _environment, _ports_and_expose, _volumes_and_tmpfs, _networks,
    _dependencies, _healthcheck, _restart_and_stop, _identity_and_labels, _logging, _security, _secrets_and_configs,
    _resources, _deploy_and_scale, _profiles_and_pull, more_resources,
)


def _deploy_section(raw, where):
    deploy = raw.get('deploy') or {}
    if not isinstance(deploy, dict):
        raise ComposeError('%s.deploy must be a mapping' % where)
    return deploy


def _optional_str(value):
    return str(value) if value is not None else None


# --------------------------------------------------------------------------- the project

def load_project(project_src=None, files=None, definition=None, project_name=None, env_files=None,
                 profiles=None, environ=None, services=None):
    """Load, merge, interpolate and normalise a compose project.

    ``environ`` is the process environment (os.environ by default); it wins over the .env file
    like the shell does for compose. ``services`` (names asked for explicitly) enables their
    profiles like ``compose up SERVICE`` does.
    """
    environ = dict(os.environ if environ is None else environ)
    project = Project()
    working_dir, sources = _sources(project_src, files, definition)
    project.working_dir = working_dir or os.getcwd()
    project.base_dir = working_dir
    project.config_files = [s[0] for s in sources if s[0] != 'definition']
    env = project.environment = _interpolation_environment(project, env_files, environ)
    merged = _merged_document(project, sources, env)

    name = project_name or merged.get('name') or env.get('COMPOSE_PROJECT_NAME')
    if not name and not working_dir:
        raise ComposeError('a definition without project_src has no directory to name the project after; set '
                           'project_name (or a top-level name key in the definition)')
    name = name or os.path.basename(working_dir.rstrip('/'))
    project.name = normalise_project_name(name)
    if not project.name:
        raise ComposeError('project name %r has no letters or digits left after normalisation; set project_name' % name)

    project.networks = _normalise_networks_decl(merged.get('networks'), project.name, project.warnings)
    if 'default' not in project.networks:
        project.networks['default'] = _normalise_networks_decl({'default': {}}, project.name, [])['default']
    project.volumes = _normalise_volumes_decl(merged.get('volumes'), project.name, project.warnings)
    project.secrets = _normalise_file_objects('secrets', merged.get('secrets'), project, env)
    project.configs = _normalise_file_objects('configs', merged.get('configs'), project, env)
    _normalise_services(project, merged['services'], env, profiles, services)
    project.order = dependency_order(project.services)
    project.config = merged
    return project


def _sources(project_src, files, definition):
    """The working directory (None: a definition without project_src) and the sources to read:
    [(path or 'definition', the definition or None, the file's text or None)]."""
    if definition is not None:
        if not isinstance(definition, dict):
            raise ComposeError('definition must be a mapping (the content of a compose file), not %s' % type(definition).__name__)
        working_dir = os.path.abspath(project_src) if project_src else None
        return working_dir, [('definition', copy.deepcopy(definition), None)]
    if files:
        base_dir = os.path.abspath(project_src) if project_src else os.getcwd()
        paths = [f if os.path.isabs(f) else os.path.join(base_dir, f) for f in files]
        working_dir = base_dir if project_src else os.path.dirname(os.path.abspath(paths[0]))
    elif project_src:
        working_dir = os.path.abspath(project_src)
        paths = find_compose_files(working_dir)
    else:
        raise ComposeError('give project_src, files or definition')
    return working_dir, [(path, None, read_file(path)) for path in paths]


def _interpolation_environment(project, env_files, environ):
    """The env files (or the project's .env), interpolated in order, then the process environment,
    which wins. Sets project.env_files."""
    file_env = EnvValues()
    paths = []
    if env_files:
        paths = [p if os.path.isabs(p) else abs_host_path(p, project.base_dir) for p in env_files]
        project.env_files = paths
    elif project.base_dir and os.path.isfile(os.path.join(project.base_dir, '.env')):
        paths = [os.path.join(project.base_dir, '.env')]
        project.env_files = paths
    for path in paths:
        values = read_env_file(path, required=bool(env_files))
        file_env.update(values)
        file_env.origin.update(values.origin)
        file_env.literal = (file_env.literal - set(values)) | values.literal
    env = {}
    for key, value in file_env.items():
        if value is not None and '$' in value and key not in file_env.literal:
            value = interpolate_env_value(value, dict(env, **environ), '%s (%s)' % (file_env.origin.get(key, 'env file'), key))
        if value is not None:
            env[key] = value
    env.update(environ)
    return env


def _merged_document(project, sources, env):
    """The sources parsed, checked at the top level, interpolated and merged in order; included
    files' resources added; extends resolved."""
    docs = []
    for path, data, text in sources:
        if data is None:
            data = parse_yaml(text, path)
        elif not isinstance(data, dict):
            raise ComposeError('definition must be a mapping')
        check_keys(data, 'top level', 'top level of %s' % os.path.basename(path), project.warnings, skip=('version',))
        if 'services' in data and data['services'] is not None and not isinstance(data['services'], dict):
            raise ComposeError('%s: services must be a mapping of service names' % path)
        docs.append(interpolate(data, env, os.path.basename(path) if path != 'definition' else 'definition'))
    merged = merge_documents(docs)
    if merged.get('include'):
        included, origin = load_includes(merged, project.base_dir, env, project.warnings)
        for key in INCLUDED_KEYS:
            for name, value in included[key].items():
                if name in (merged.get(key) or {}):
                    raise ComposeError('include: %s %s of %s is also defined in the project; rename one of them '
                                       '(compose refuses this conflict too)' % (key[:-1], name, origin[(key, name)]))
                merged.setdefault(key, {})
                merged[key] = dict(merged[key] or {}, **{name: value})
    if not merged.get('services'):
        raise ComposeError('the compose project has no services')
    if any(isinstance(svc, dict) and 'extends' in svc for svc in merged['services'].values()):
        merged['services'] = resolve_extends(merged['services'], project.base_dir, env)
    if 'version' in merged:
        project.warnings.append('the top-level version key is obsolete and ignored')
    return strip_tags(merged)


def _normalise_services(project, raw_services, env, profiles, services):
    """The services whose profiles are active (``profiles``, else COMPOSE_PROFILES; a service asked
    for by name always is) normalised into project.services, the others listed as disabled; a
    depends_on on a disabled service is dropped when not required, else refused."""
    active = set(profiles or [])
    if not profiles and env.get('COMPOSE_PROFILES'):
        active = set(p.strip() for p in env['COMPOSE_PROFILES'].split(',') if p.strip())
    explicit = set(services or [])
    project.all_services = sorted(raw_services)
    for svc_name in raw_services:  # in the order the files list them: it breaks ties in the start order
        if not re.match(r'^[A-Za-z0-9][A-Za-z0-9_.-]*$', svc_name):
            raise ComposeError('service name %r may contain only letters, digits, _ . and -' % svc_name)
        raw = raw_services[svc_name] or {}
        svc_profiles = to_list(raw.get('profiles') if isinstance(raw, dict) else None, 'services.%s.profiles' % svc_name)
        if svc_profiles and '*' not in active and not active.intersection(svc_profiles) and svc_name not in explicit:
            project.disabled_services.append(svc_name)
            continue
        project.services[svc_name] = normalise_service(svc_name, raw, project, env)
    for svc_name, svc in project.services.items():
        for dep, spec in list(svc['depends_on'].items()):
            if dep not in project.services:
                if dep in project.disabled_services and not spec['required']:
                    del svc['depends_on'][dep]
                    continue
                if dep in project.disabled_services:
                    raise ComposeError('service %s depends on %s, which is disabled by its profiles; activate '
                                       'one of its profiles (profiles option)' % (svc_name, dep))
                raise ComposeError('service %s depends on %s, which is not a service of this project' % (svc_name, dep))


def project_config(project, mask=True):
    """The fully merged and interpolated configuration, like ``compose config`` (normalised).
    Environment values and build args are masked (mask_value) unless ``mask`` is false."""
    shown = mask_service if mask else dict
    return {
        'name': project.name,
        'services': dict((n, dict((k, v) for k, v in shown(project.services[n]).items() if k != 'name')) for n in project.order),
        'networks': project.networks,
        'volumes': project.volumes,
        'secrets': project.secrets,  # files and content digests, never the content
        'configs': project.configs,
    }
