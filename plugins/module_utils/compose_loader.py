# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compose loader: files / directory / inline definition -> one normalised project model.

Pure functions, no Engine API and no AnsibleModule: read the YAML (PyYAML, imported lazily:
an inline ``definition`` works without it), merge several files in order per the compose
spec, interpolate ``${VAR}`` from the environment and ``.env`` / env files, apply profiles,
normalise every supported service key (short and long syntaxes), resolve relative host paths
against the project directory, collect warnings for unknown keys and detect dependency cycles.

Every error is a ComposeError whose message says what is wrong and where.
"""


import copy
import hashlib
import os
import re
import shlex

from ansible_collections.berth.docker.plugins.module_utils import container_spec
from ansible_collections.berth.docker.plugins.module_utils.compose.labels import LABEL_PREFIX, normalise_project_name  # noqa: F401

COMPOSE_FILE_NAMES = ('compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml')
OVERRIDE_FILE_NAMES = ('compose.override.yaml', 'compose.override.yml',
                       'docker-compose.override.yml', 'docker-compose.override.yaml')

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
HEALTHCHECK_KEYS = ('test', 'interval', 'timeout', 'retries', 'start_period', 'start_interval', 'disable')
DEPENDS_CONDITIONS = ('service_started', 'service_healthy', 'service_completed_successfully')
PULL_POLICIES = ('always', 'never', 'missing', 'if_not_present', 'build', 'daily', 'weekly')
RESTART_RE = re.compile(r'^(no|always|unless-stopped|on-failure(:\d+)?)$')


class ComposeError(Exception):
    """Bad compose input: the message says what is wrong, where, and what to do."""

    def __init__(self, msg):
        super(ComposeError, self).__init__(msg)
        self.msg = msg


# --------------------------------------------------------------------------- YAML

def _yaml():
    try:
        import yaml  # pylint: disable=import-outside-toplevel
    except ImportError:
        raise ComposeError(
            'reading compose files needs the Python package PyYAML on the managed host: install '
            'python3-yaml (apt/dnf) or run pip install pyyaml; or pass the project inline with the '
            'definition option, which needs no PyYAML')
    return yaml


def parse_yaml(text, source='<definition>'):
    """Parse one compose document; a syntax error names the file, line and column."""
    yaml = _yaml()
    loader = getattr(yaml, 'CSafeLoader', None) or yaml.SafeLoader
    try:
        data = yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = ''
        if mark is not None:
            where = ', line %d, column %d' % (mark.line + 1, mark.column + 1)
        raise ComposeError('invalid YAML in %s%s: %s%s' % (
            source, where, exc.problem or exc.context or 'syntax error',
            (' (%s)' % exc.context) if exc.context and exc.problem else ''))
    except yaml.YAMLError as exc:
        raise ComposeError('invalid YAML in %s: %s' % (source, exc))
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ComposeError('%s must be a mapping with a services key, not a %s' % (source, type(data).__name__))
    return data


def read_file(path, what='compose file'):
    try:
        with open(path, 'rb') as handle:
            raw = handle.read()
    except OSError as exc:
        raise ComposeError('cannot read %s %s: %s' % (what, path, exc.strerror or exc))
    try:
        return raw.decode('utf-8')
    except UnicodeDecodeError:
        raise ComposeError('%s %s is not UTF-8 text' % (what, path))


def find_compose_files(project_dir):
    """The compose file in a directory (and its override file, as compose reads it)."""
    if not os.path.isdir(project_dir):
        raise ComposeError('project_src %s is not a directory on the managed host' % project_dir)
    for name in COMPOSE_FILE_NAMES:
        path = os.path.join(project_dir, name)
        if os.path.isfile(path):
            files = [path]
            for override in OVERRIDE_FILE_NAMES:
                opath = os.path.join(project_dir, override)
                if os.path.isfile(opath):
                    files.append(opath)
                    break
            return files
    raise ComposeError('no compose file in %s: expected one of %s (or pass files or definition)' % (
        project_dir, ', '.join(COMPOSE_FILE_NAMES)))


# --------------------------------------------------------------------------- env files

_ENV_LINE = re.compile(r'^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.\-]*)\s*(=\s*(.*))?$')


class EnvValues(dict):
    """The values of an env file (KEY -> value or None), and where each came from:
    ``origin[KEY]`` is ``'PATH line N'``, for error messages that never show a value."""

    def __init__(self, *args, **kwargs):
        dict.__init__(self, *args, **kwargs)
        self.origin = {}


def parse_env_file_text(text, source='env file'):
    """KEY=VALUE lines (comments, blank lines, ``export``, single/double quotes) -> EnvValues.
    A bare KEY (no ``=``) maps to None: the value comes from the environment, if any.
    A line that does not parse is reported by file and line number only: its content may be a secret."""
    result = EnvValues()
    for lineno, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith('#'):
            continue
        match = _ENV_LINE.match(line)
        if not match:
            raise ComposeError('%s line %d is not KEY=VALUE (a name of letters, digits, _ . and -, then =, then the '
                               'value; comments start with #); the line is not shown here, it may hold a secret'
                               % (source, lineno))
        key = match.group(1)
        result.origin[key] = '%s line %d' % (source, lineno)
        if match.group(2) is None:
            result[key] = None
            continue
        value = match.group(3)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in '"\'':
            quote = value[0]
            value = value[1:-1]
            if quote == '"':
                value = value.replace('\\n', '\n').replace('\\"', '"').replace('\\\\', '\\')
        elif ' #' in value:
            value = value.split(' #', 1)[0].rstrip()
        else:
            value = value.rstrip()
        result[key] = value
    return result


def read_env_file(path, required=True):
    if not os.path.exists(path):
        if required:
            raise ComposeError('env file %s does not exist' % path)
        return EnvValues()
    return parse_env_file_text(read_file(path, 'env file'), 'env file %s' % path)


def value_digest(text):
    """The sha256 (hex) of a value's UTF-8 text: what results, diffs and the config show in place of
    the content of secrets and configs (in full, so that a change is seen) and, shortened by
    mask_value, of environment values and build args."""
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


MASK_DIGEST_CHARS = 12


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


# --------------------------------------------------------------------------- interpolation

_VAR_NAME = re.compile(r'[A-Za-z_][A-Za-z0-9_]*')


class _Interpolator:
    def __init__(self, env, where, conceal=False):
        self.env = env
        self.where = where
        self.conceal = conceal  # a value of an env file: errors name it, never show it

    def _shown(self, text):
        return 'the value (not shown: it may hold a secret)' if self.conceal else repr(text)

    def _find_close(self, text, start):
        depth = 1
        i = start
        while i < len(text):
            if text[i] == '$' and text[i + 1:i + 2] == '{':
                depth += 1
                i += 2
                continue
            if text[i] == '}':
                depth -= 1
                if depth == 0:
                    return i
            i += 1
        raise ComposeError('%s: unclosed ${ in %s' % (self.where, self._shown(text)))

    def expand(self, text):
        out = []
        i = 0
        n = len(text)
        while i < n:
            ch = text[i]
            if ch != '$':
                out.append(ch)
                i += 1
                continue
            nxt = text[i + 1:i + 2]
            if nxt == '$':
                out.append('$')
                i += 2
                continue
            if nxt == '{':
                end = self._find_close(text, i + 2)
                out.append(self._braced(text[i + 2:end], text))
                i = end + 1
                continue
            match = _VAR_NAME.match(text, i + 1)
            if match:
                out.append(self.env.get(match.group(0)) or '')
                i = match.end()
                continue
            raise ComposeError('%s: invalid interpolation format in %s: a lone $ must be written $$' % (
                self.where, self._shown(text)))
        return ''.join(out)

    def _braced(self, body, whole):
        match = _VAR_NAME.match(body)
        if not match:
            raise ComposeError('%s: invalid interpolation format in %s%s' % (
                self.where, self._shown(whole), '' if self.conceal else ': ${%s}' % body))
        name = match.group(0)
        rest = body[match.end():]
        value = self.env.get(name)
        if not rest:
            return value or ''
        for op in (':-', ':?', ':+', '-', '?', '+'):
            if rest.startswith(op):
                arg = rest[len(op):]
                break
        else:
            raise ComposeError('%s: invalid interpolation format in %s%s' % (
                self.where, self._shown(whole), '' if self.conceal else ': ${%s}' % body))
        unset_or_empty = value is None or value == ''
        missing = unset_or_empty if op[0] == ':' else value is None
        kind = op[-1]
        if kind == '-':
            return self.expand(arg) if missing else value
        if kind == '+':
            return '' if missing else self.expand(arg)
        # '?': required
        if missing:
            message = self.expand(arg) if arg and not self.conceal else (
                'variable %s is %s' % (name, 'unset or empty' if op[0] == ':' else 'unset'))
            raise ComposeError('%s: required variable %s is missing a value: %s' % (self.where, name, message))
        return value


def interpolate(data, env, where='compose file', path=''):
    """Interpolate every string value (not keys) of a parsed compose document."""
    if isinstance(data, dict):
        return dict((k, interpolate(v, env, where, '%s.%s' % (path, k) if path else str(k))) for k, v in data.items())
    if isinstance(data, list):
        return [interpolate(v, env, where, '%s[%d]' % (path, i)) for i, v in enumerate(data)]
    if isinstance(data, str):
        return _Interpolator(env, '%s, %s' % (where, path) if path else where).expand(data)
    return data


def interpolate_env_value(value, env, origin):
    """Interpolate one value of an env file; an error names ``origin`` (file, line, variable), never the value."""
    return _Interpolator(env, origin, conceal=True).expand(value)


# --------------------------------------------------------------------------- merge

def _service_pre_normalise(svc):
    """Turn the list forms of the merge-by-key fields into maps so files merge by key."""
    svc = dict(svc)
    for key in ('environment', 'labels'):
        if key in svc:
            svc[key] = to_map(svc[key], key)
    if 'build' in svc and isinstance(svc['build'], str):
        svc['build'] = {'context': svc['build']}
    if isinstance(svc.get('build'), dict) and 'args' in svc['build']:
        svc['build'] = dict(svc['build'], args=to_map(svc['build']['args'], 'build.args'))
    if 'depends_on' in svc and isinstance(svc['depends_on'], list):
        svc['depends_on'] = dict((d, {'condition': 'service_started'}) for d in svc['depends_on'])
    if 'networks' in svc and isinstance(svc['networks'], list):
        svc['networks'] = dict((n, None) for n in svc['networks'])
    if 'extra_hosts' in svc and isinstance(svc['extra_hosts'], list):
        hosts = {}
        for item in svc['extra_hosts']:
            host, sep, addr = str(item).partition(':') if '=' not in str(item) else str(item).partition('=')
            hosts[host] = addr if sep else None
        svc['extra_hosts'] = hosts
    return svc


def _volume_key(item):
    if isinstance(item, dict):
        return item.get('target')
    parts = str(item).split(':')
    if len(parts) == 1:
        return parts[0]
    return parts[1]


def _merge_unique(base, extra):
    result = list(base)
    for item in extra:
        if item not in result:
            result.append(item)
    return result


def _merge_maps(base, over):
    result = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _merge_maps(result[key], value)
        else:
            result[key] = value
    return result


REPLACE_KEYS = ('command', 'entrypoint')
# keys that take a string or a list: merged by appending
LIST_KEYS = ('dns', 'dns_search', 'tmpfs', 'env_file', 'expose', 'cap_add', 'cap_drop', 'security_opt', 'profiles',
             'group_add', 'devices', 'links', 'volumes_from')


def merge_service(base, over):
    """Merge one service of a later file over the same service of an earlier one (compose spec)."""
    base = _service_pre_normalise(base)
    over = _service_pre_normalise(over)
    result = dict(base)
    for key, value in over.items():
        old = result.get(key)
        if key in LIST_KEYS and old is not None and value is not None:
            old = old if isinstance(old, list) else [old]
            value = value if isinstance(value, list) else [value]
        if key in REPLACE_KEYS or old is None or value is None:
            result[key] = value
        elif key == 'healthcheck' and isinstance(old, dict) and isinstance(value, dict):
            result[key] = dict(old, **value)
        elif key in ('volumes', 'devices') and isinstance(old, list) and isinstance(value, list):
            merged = dict((_volume_key(v), v) for v in old)
            for item in value:
                merged[_volume_key(item)] = item
            result[key] = list(merged.values())
        elif isinstance(old, dict) and isinstance(value, dict):
            result[key] = _merge_maps(old, value)
        elif isinstance(old, list) and isinstance(value, list):
            result[key] = _merge_unique(old, value)
        else:
            result[key] = value
    return result


def merge_documents(docs):
    """Merge parsed compose documents in order (``-f a -f b``: later ones win)."""
    result = {}
    for doc in docs:
        for key, value in doc.items():
            if key == 'services':
                services = dict(result.get('services') or {})
                for name, svc in (value or {}).items():
                    svc = svc or {}
                    if not isinstance(svc, dict):
                        raise ComposeError('service %s must be a mapping, not %r' % (name, svc))
                    services[name] = merge_service(services[name], svc) if name in services else svc
                result['services'] = services
            elif key in ('networks', 'volumes', 'secrets', 'configs') and isinstance(value, dict):
                merged = dict(result.get(key) or {})
                for name, spec in value.items():
                    if isinstance(spec, dict) and isinstance(merged.get(name), dict):
                        merged[name] = _merge_maps(merged[name], spec)
                    else:
                        merged[name] = spec
                result[key] = merged
            else:
                result[key] = value
    return result


def resolve_extends(services, base_dir, env, what='services'):
    """Replace each service's ``extends`` (``NAME`` or ``{service: NAME, file: PATH}``) by the
    service it names, resolved in turn, with the local keys merged over it by the override
    rules (as ``-f a -f b``). ``depends_on`` and ``volumes_from`` are never inherited (compose's
    rule). ``file`` is read relative to the project directory and interpolated with the same
    environment; relative paths inside it are resolved against the project directory too."""
    files = {}

    def services_of(path):
        if path is None:
            return services
        if path not in files:
            full = _abs_host_path(path, base_dir)
            doc = parse_yaml(read_file(full), full)
            doc = interpolate(doc if isinstance(doc, dict) else {}, env, os.path.basename(full))
            files[path] = doc.get('services') or {}
        return files[path]

    def resolve(path, name, chain):
        pool = services_of(path)
        where = '%s.%s' % (what if path is None else path, name)
        if name not in pool:
            raise ComposeError('%s: extends names service %s, which %s does not define' % (
                chain[-1][2] if chain else where, name, 'the file ' + path if path else 'this project'))
        svc = pool[name] or {}
        if not isinstance(svc, dict):
            raise ComposeError('%s must be a mapping' % where)
        ext = svc.get('extends')
        if ext is None:
            return svc
        if isinstance(ext, str):
            ext = {'service': ext}
        if not isinstance(ext, dict) or not ext.get('service'):
            raise ComposeError('%s.extends must be a service name or a mapping with service (and file)' % where)
        target_path = ext.get('file', path)
        key = (target_path, ext['service'])
        if key in [(c[0], c[1]) for c in chain] or key == (path, name):
            raise ComposeError('%s.extends: a cycle (%s)' % (where, ' -> '.join(
                [c[1] for c in chain] + [name, ext['service']])))
        base = resolve(target_path, ext['service'], chain + [(path, name, where)])
        base = dict((k, v) for k, v in base.items() if k not in ('depends_on', 'volumes_from', 'extends'))
        local = dict((k, v) for k, v in svc.items() if k != 'extends')
        return merge_service(base, local)

    return dict((name, resolve(None, name, [])) for name in services)


INCLUDED_KEYS = ('services', 'networks', 'volumes', 'secrets', 'configs')


def _rebase(path, directory):
    """A relative host path of an included file, made absolute against its own directory."""
    if not isinstance(path, str) or '://' in path or path.startswith(('git@', '/', '~')) or '$' in path:
        return path
    return os.path.normpath(os.path.join(directory, path))


def rebase_paths(doc, directory):
    """Resolve the relative host paths of one included document against ``directory`` (its
    project directory), as compose does: build contexts, env_file, bind sources (short and long
    syntax), extends.file, and secret / config files. Returns a new document."""
    doc = copy.deepcopy(doc)
    for svc in (doc.get('services') or {}).values():
        if not isinstance(svc, dict):
            continue
        if isinstance(svc.get('build'), str):
            svc['build'] = _rebase(svc['build'], directory)
        elif isinstance(svc.get('build'), dict) and svc['build'].get('context', '.') is not None:
            svc['build']['context'] = _rebase(str(svc['build'].get('context', '.')), directory)
        env_file = svc.get('env_file')
        if isinstance(env_file, str):
            svc['env_file'] = _rebase(env_file, directory)
        elif isinstance(env_file, list):
            svc['env_file'] = [dict(e, path=_rebase(e.get('path'), directory)) if isinstance(e, dict)
                               else _rebase(e, directory) for e in env_file]
        volumes = []
        for vol in svc.get('volumes') or []:
            if isinstance(vol, str) and vol.startswith('.'):
                source, sep, rest = vol.partition(':')
                vol = _rebase(source, directory) + sep + rest
            elif isinstance(vol, dict) and vol.get('type') == 'bind' and isinstance(vol.get('source'), str):
                vol = dict(vol, source=_rebase(vol['source'], directory))
            volumes.append(vol)
        if 'volumes' in svc:
            svc['volumes'] = volumes
        if isinstance(svc.get('extends'), dict) and svc['extends'].get('file'):
            svc['extends']['file'] = _rebase(svc['extends']['file'], directory)
    for kind in ('secrets', 'configs'):
        for spec in (doc.get(kind) or {}).values():
            if isinstance(spec, dict) and spec.get('file'):
                spec['file'] = _rebase(spec['file'], directory)
    return doc


def load_includes(doc, base_dir, env, warnings, chain=()):
    """The resources of a document's top-level ``include`` entries (``PATH``, or ``{path: PATH or
    [PATHS], project_directory, env_file}``), each loaded as its own compose file: interpolated
    with its own env file (default: ``.env`` in its project directory) under the project's
    environment, its relative paths resolved against its own directory, its own includes
    followed. Returns {key: {name: definition}} for services, networks, volumes, secrets, configs
    and {(key, name): file} to name where each came from."""
    merged, origin = dict((key, {}) for key in INCLUDED_KEYS), {}
    for entry in doc.get('include') or []:
        spec = {'path': entry} if isinstance(entry, str) else dict(entry or {})
        if not spec.get('path'):
            raise ComposeError('include: each entry is a path or a mapping with path, not %r' % (entry,))
        paths = [_abs_host_path(str(p), base_dir) for p in (spec['path'] if isinstance(spec['path'], list) else [spec['path']])]
        directory = _abs_host_path(str(spec['project_directory']), base_dir) if spec.get('project_directory') \
            else os.path.dirname(paths[0])
        inc_env = {}
        env_files = spec.get('env_file')
        if env_files:
            for path in env_files if isinstance(env_files, list) else [env_files]:
                inc_env.update(read_env_file(_abs_host_path(str(path), base_dir), required=True))
        else:
            inc_env.update(read_env_file(os.path.join(directory, '.env'), required=False))
        inc_env = dict((k, v) for k, v in inc_env.items() if v is not None)
        inc_env.update(env)
        docs = []
        for path in paths:
            if path in chain:
                raise ComposeError('include: %s includes itself (%s)' % (path, ' -> '.join(chain + (path,))))
            if not os.path.isfile(path):
                raise ComposeError('include: %s does not exist' % path)
            data = parse_yaml(read_file(path), path)
            if not isinstance(data, dict):
                raise ComposeError('include: %s is not a compose file (not a mapping)' % path)
            _warn_unknown(list(data.keys()), TOP_LEVEL_KEYS, TOP_LEVEL_UNSUPPORTED, 'top level of %s' % path, warnings)
            data = rebase_paths(interpolate(data, inc_env, os.path.basename(path)), directory)
            nested, nested_origin = load_includes(data, directory, inc_env, warnings, chain + (path,))
            for key in INCLUDED_KEYS:
                for name, value in nested[key].items():
                    data.setdefault(key, {})
                    if name in (data.get(key) or {}):
                        raise ComposeError('include: %s %s of %s is also defined in %s' % (
                            key[:-1], name, nested_origin[(key, name)], path))
                    data[key][name] = value
            docs.append(data)
        included = merge_documents(docs)
        for key in INCLUDED_KEYS:
            for name, value in (included.get(key) or {}).items():
                if name in merged[key]:
                    raise ComposeError('include: %s %s is defined both in %s and in %s' % (
                        key[:-1], name, origin[(key, name)], ', '.join(paths)))
                merged[key][name] = value
                origin[(key, name)] = ', '.join(paths)
    return merged, origin


# --------------------------------------------------------------------------- small parsers
# --------------------------------------------------------------------------- small parsers

def to_map(value, what):
    """environment / labels / args / sysctls: list of K=V (or K) or a map -> dict of str or None."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return dict((str(k), None if v is None else _scalar_str(v)) for k, v in value.items())
    if isinstance(value, list):
        result = {}
        for item in value:
            key, sep, val = str(item).partition('=')
            result[key] = val if sep else None
        return result
    raise ComposeError('%s must be a list of KEY=VALUE or a mapping, not %r' % (what, value))


def _scalar_str(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return str(value)


def to_list(value, what):
    if value is None:
        return []
    if isinstance(value, (str, int, float)):
        return [str(value)]
    if isinstance(value, list):
        return [str(v) for v in value]
    raise ComposeError('%s must be a string or a list of strings, not %r' % (what, value))


def parse_duration(value, what):
    """'1m30s' / '10s' / '500ms' / 10 (seconds) -> seconds (float). The text grammar is
    container_spec.parse_duration's."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    try:
        nanos = container_spec.parse_duration(value, what)
    except container_spec.SpecError:
        raise ComposeError('%s: %r is not a duration like 10s or 1m30s' % (what, value))
    return None if nanos is None else nanos / 1e9


def parse_size(value, what):
    """'512m' / '1g' / '1.5GB' / 1048576 -> bytes. The text grammar is container_spec.parse_memory's."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return container_spec.parse_memory(value, what)
    except container_spec.SpecError:
        raise ComposeError('%s: %r is not a size like 512m or 1g' % (what, value))


def _command(value, what):
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return shlex.split(value)
        except ValueError as exc:
            raise ComposeError('%s: cannot split %r into words: %s' % (what, value, exc))
    if isinstance(value, list):
        return [str(v) for v in value]
    raise ComposeError('%s must be a string or a list, not %r' % (what, value))


def _port_range(text, what):
    text = str(text)
    if '-' in text:
        low, high = text.split('-', 1)
        try:
            low, high = int(low), int(high)
        except ValueError:
            raise ComposeError('%s: %r is not a port or a port range' % (what, text))
        if high < low:
            raise ComposeError('%s: port range %r ends before it starts' % (what, text))
        return list(range(low, high + 1))
    try:
        port = int(text)
    except ValueError:
        raise ComposeError('%s: %r is not a port number' % (what, text))
    if not 0 < port < 65536:
        raise ComposeError('%s: port %d is outside 1-65535' % (what, port))
    return [port]


def parse_port(item, what):
    """One ``ports`` entry (short or long syntax) -> list of dicts
    {target, published (int or None), host_ip, protocol}."""
    if isinstance(item, dict):
        unknown = set(item) - {'target', 'published', 'host_ip', 'protocol', 'mode', 'name', 'app_protocol'}
        if unknown:
            raise ComposeError('%s: unknown keys %s in a long-syntax port' % (what, ', '.join(sorted(unknown))))
        if item.get('target') is None:
            raise ComposeError('%s: a long-syntax port needs target' % what)
        targets = _port_range(item['target'], what)
        published = item.get('published')
        pubs = _port_range(published, what) if published not in (None, '') else [None] * len(targets)
        if len(pubs) > 1 and len(targets) == 1:
            pubs = pubs[:1]
        if len(pubs) != len(targets):
            raise ComposeError('%s: published range %r and target range %r differ in length' % (what, published, item['target']))
        proto = str(item.get('protocol') or 'tcp').lower()
        host_ip = item.get('host_ip') or ''
        return [{'target': t, 'published': p, 'host_ip': host_ip, 'protocol': proto} for t, p in zip(targets, pubs)]
    text = str(item).strip()
    proto = 'tcp'
    if '/' in text:
        text, proto = text.rsplit('/', 1)
        proto = proto.lower()
    if proto not in ('tcp', 'udp', 'sctp'):
        raise ComposeError('%s: protocol %r must be tcp, udp or sctp' % (what, proto))
    host_ip = ''
    if text.startswith('['):  # [::1]:8080:80
        end = text.index(']')
        host_ip = text[1:end]
        text = text[end + 2:]
        parts = text.split(':')
        parts = ['_'] + parts if len(parts) == 2 else parts
    else:
        parts = text.split(':')
        if len(parts) == 3:
            host_ip = parts[0]
    if len(parts) > 3:
        raise ComposeError('%s: %r is not HOST_IP:PUBLISHED:TARGET[/PROTOCOL]' % (what, item))
    target = parts[-1]
    published = parts[-2] if len(parts) >= 2 else ''
    targets = _port_range(target, what)
    if published:
        pubs = _port_range(published, what)
        if len(pubs) != len(targets):
            if len(targets) == 1:
                # a published range for one target: the engine picks one of them; keep the first
                pubs = pubs[:1]
            else:
                raise ComposeError('%s: %r maps ranges of different lengths' % (what, item))
    else:
        pubs = [None] * len(targets)
    return [{'target': t, 'published': p, 'host_ip': host_ip, 'protocol': proto} for t, p in zip(targets, pubs)]


def _abs_host_path(path, project_dir):
    if path.startswith('~'):
        path = os.path.expanduser(path)
    if not os.path.isabs(path) and project_dir is None:
        raise ComposeError('the relative path %s in definition needs a project directory to be resolved against; '
                           'set project_src (or write an absolute path)' % path)
    if not os.path.isabs(path):
        path = os.path.normpath(os.path.join(project_dir, path))
    return path


def _is_host_path(source):
    return source.startswith(('.', '/', '~')) or '/' in source


def parse_volume(item, project_dir, what):
    """One service ``volumes`` entry -> dict {type, source, target, read_only, ...}.

    Relative host paths (``./data``, ``../x``, ``~/x``) are resolved against the project
    directory; a source without a slash is a named volume; no source is anonymous."""
    if isinstance(item, dict):
        vtype = item.get('type') or ('bind' if item.get('source') and _is_host_path(str(item['source'])) else 'volume')
        if vtype not in ('bind', 'volume', 'tmpfs', 'npipe'):
            raise ComposeError('%s: volume type %r must be bind, volume or tmpfs' % (what, vtype))
        if not item.get('target'):
            raise ComposeError('%s: a long-syntax volume needs target' % what)
        result = {'type': vtype, 'source': item.get('source') or None, 'target': str(item['target']),
                  'read_only': bool(item.get('read_only', False))}
        if vtype == 'bind':
            if not result['source']:
                raise ComposeError('%s: a bind mount needs source' % what)
            result['source'] = _abs_host_path(str(result['source']), project_dir)
            bind = item.get('bind') or {}
            result['create_host_path'] = bool(bind.get('create_host_path', True))
            if bind.get('propagation'):
                result['propagation'] = bind['propagation']
            if bind.get('selinux'):
                result['selinux'] = bind['selinux']
        elif vtype == 'volume':
            vol = item.get('volume') or {}
            if vol.get('nocopy'):
                result['nocopy'] = True
        elif vtype == 'tmpfs':
            tmp = item.get('tmpfs') or {}
            if tmp.get('size') is not None:
                result['size'] = parse_size(tmp['size'], what)
            if tmp.get('mode') is not None:
                result['mode'] = int(str(tmp['mode']), 8) if isinstance(tmp['mode'], str) else tmp['mode']
        return result
    text = str(item)
    parts = text.split(':')
    if len(parts) == 1:
        return {'type': 'volume', 'source': None, 'target': parts[0], 'read_only': False}
    if len(parts) > 3:
        raise ComposeError('%s: %r is not SOURCE:TARGET[:MODE]' % (what, text))
    source, target = parts[0], parts[1]
    mode = parts[2] if len(parts) == 3 else ''
    flags = [m for m in mode.split(',') if m]
    for flag in flags:
        if flag not in ('ro', 'rw', 'z', 'Z', 'nocopy', 'shared', 'rshared', 'slave', 'rslave', 'private',
                        'rprivate', 'consistent', 'cached', 'delegated'):
            raise ComposeError('%s: unknown volume mode %r in %r' % (what, flag, text))
    if not target.startswith('/'):
        raise ComposeError('%s: the container path %r in %r must be absolute' % (what, target, text))
    result = {'source': source, 'target': target, 'read_only': 'ro' in flags}
    if _is_host_path(source):
        result['type'] = 'bind'
        result['source'] = _abs_host_path(source, project_dir)
        result['create_host_path'] = True
        for flag in flags:
            if flag in ('z', 'Z'):
                result['selinux'] = flag
            elif flag in ('shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate'):
                result['propagation'] = flag
    else:
        result['type'] = 'volume'
        if 'nocopy' in flags:
            result['nocopy'] = True
    return result


def parse_ulimits(value, what):
    result = {}
    for name, spec in (value or {}).items():
        if isinstance(spec, dict):
            try:
                result[name] = {'soft': int(spec['soft']), 'hard': int(spec['hard'])}
            except (KeyError, ValueError, TypeError):
                raise ComposeError('%s.%s needs integer soft and hard' % (what, name))
        else:
            try:
                result[name] = {'soft': int(spec), 'hard': int(spec)}
            except (ValueError, TypeError):
                raise ComposeError('%s.%s must be a number or {soft, hard}' % (what, name))
    return result


def parse_healthcheck(value, what):
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ComposeError('%s must be a mapping' % what)
    if value.get('disable'):
        return {'test': ['NONE']}
    result = {}
    test = value.get('test')
    if isinstance(test, str):
        result['test'] = ['CMD-SHELL', test]
    elif isinstance(test, list):
        if test and test[0] not in ('CMD', 'CMD-SHELL', 'NONE'):
            raise ComposeError('%s.test as a list must start with CMD, CMD-SHELL or NONE' % what)
        result['test'] = [str(t) for t in test]
    elif test is not None:
        raise ComposeError('%s.test must be a string or a list' % what)
    for key in ('interval', 'timeout', 'start_period', 'start_interval'):
        if value.get(key) is not None:
            result[key] = parse_duration(value[key], '%s.%s' % (what, key))
    if value.get('retries') is not None:
        try:
            result['retries'] = int(value['retries'])
        except (TypeError, ValueError):
            raise ComposeError('%s.retries must be a number' % what)
    return result


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

    def service(self, name):
        return self.services[name]


def _normalise_file_objects(kind, raw, project, environment):
    """Top-level ``secrets`` / ``configs``: {name: {file: PATH} | {environment: VAR} | {content: TEXT}
    (configs only)}. Files are resolved against the project directory and bind-mounted read-only,
    as compose does without swarm; environment and content ones are copied into the container.
    Their content never enters the result or the diff: only its sha256 does (so a change recreates)."""
    result = {}
    sources = ('file', 'environment', 'content') if kind == 'configs' else ('file', 'environment')
    for name, spec in sorted((raw or {}).items()):
        where = '%s.%s' % (kind, name)
        if not isinstance(spec, dict):
            raise ComposeError('%s must be a mapping with one of %s' % (where, ', '.join(sources)))
        if spec.get('external'):
            raise ComposeError('%s: external %s live in a swarm, which berth.docker.compose does not manage; '
                               'declare it with %s' % (where, kind, ' or '.join(sources)))
        _warn_unknown(spec.keys(), sources + ('name', 'external'), ('driver', 'driver_opts', 'labels', 'template_driver'),
                      where, project.warnings)
        given = [key for key in sources if spec.get(key) is not None]
        if len(given) != 1:
            raise ComposeError('%s needs exactly one of %s' % (where, ', '.join(sources)))
        key = given[0]
        if key == 'file':
            result[name] = {'file': _abs_host_path(str(spec['file']), project.base_dir)}
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


def _service_file_objects(kind, raw, declared, where):
    """A service's ``secrets`` / ``configs`` (short or long syntax) -> [{source, target, uid, gid,
    mode, file | digest}]. Secrets default to /run/secrets/SOURCE, configs to /SOURCE."""
    items = []
    if not isinstance(raw, list):
        raise ComposeError('%s.%s must be a list of names or of mappings with source (and target)' % (where, kind))
    for entry in raw:
        spec = {'source': entry} if isinstance(entry, str) else dict(entry or {})
        source = spec.get('source')
        if source not in declared:
            raise ComposeError('%s.%s: %s is not declared under the top-level %s' % (where, kind, source, kind))
        target = str(spec.get('target') or source)
        if kind == 'secrets' and not target.startswith('/'):
            target = '/run/secrets/' + target
        elif not target.startswith('/'):
            target = '/' + target
        mode = spec.get('mode', 0o444)
        if isinstance(mode, str):
            try:
                mode = int(mode, 8)
            except ValueError:
                raise ComposeError('%s.%s: mode %r is not an octal number such as 0440' % (where, kind, mode))
        item = {'source': source, 'target': target, 'uid': str(spec.get('uid', '0')), 'gid': str(spec.get('gid', '0')),
                'mode': int(mode)}
        item.update(declared[source])
        items.append(item)
    return items


def _warn_unknown(keys, known, ignored, where, warnings):
    for key in keys:
        if str(key).startswith('x-'):
            continue
        if key in ignored:
            warnings.append('%s: %s is not supported by berth.docker.compose and is ignored' % (where, key))
        elif key not in known:
            warnings.append('%s: unknown key %s is ignored (check its spelling)' % (where, key))


def _normalise_networks_decl(raw, project_name, warnings):
    result = {}
    declared = dict(raw or {})
    for name, spec in declared.items():
        spec = spec or {}
        if not isinstance(spec, dict):
            raise ComposeError('networks.%s must be a mapping' % name)
        _warn_unknown(spec.keys(), NETWORK_KEYS, (), 'networks.%s' % name, warnings)
        external = spec.get('external', False)
        if isinstance(external, dict):  # old syntax external: {name: x}
            spec = dict(spec, name=external.get('name') or spec.get('name'))
            external = True
        full = spec.get('name') or (name if external else '%s_%s' % (project_name, name))
        ipam = spec.get('ipam') or {}
        ipam_config = []
        for pool in ipam.get('config') or []:
            entry = {}
            for key, api in (('subnet', 'Subnet'), ('ip_range', 'IPRange'), ('gateway', 'Gateway')):
                if pool.get(key):
                    entry[api] = str(pool[key])
            if pool.get('aux_addresses'):
                entry['AuxiliaryAddresses'] = dict(pool['aux_addresses'])
            ipam_config.append(entry)
        result[name] = {
            'name': full,
            'external': bool(external),
            'driver': spec.get('driver') or None,
            'driver_opts': dict((str(k), str(v)) for k, v in (spec.get('driver_opts') or {}).items()),
            'ipam': {'driver': ipam.get('driver') or None, 'config': ipam_config} if ipam else None,
            'internal': bool(spec.get('internal', False)),
            'attachable': bool(spec.get('attachable', False)),
            'enable_ipv6': bool(spec.get('enable_ipv6', False)),
            'labels': to_map(spec.get('labels'), 'networks.%s.labels' % name),
        }
    return result


def _normalise_volumes_decl(raw, project_name, warnings):
    result = {}
    for name, spec in dict(raw or {}).items():
        spec = spec or {}
        if not isinstance(spec, dict):
            raise ComposeError('volumes.%s must be a mapping' % name)
        _warn_unknown(spec.keys(), VOLUME_KEYS, (), 'volumes.%s' % name, warnings)
        external = spec.get('external', False)
        if isinstance(external, dict):
            spec = dict(spec, name=external.get('name') or spec.get('name'))
            external = True
        result[name] = {
            'name': spec.get('name') or (name if external else '%s_%s' % (project_name, name)),
            'external': bool(external),
            'driver': spec.get('driver') or None,
            'driver_opts': dict((str(k), str(v)) for k, v in (spec.get('driver_opts') or {}).items()),
            'labels': to_map(spec.get('labels'), 'volumes.%s.labels' % name),
        }
    return result


def normalise_service(name, raw, project, environment):
    """One merged, interpolated service -> the normalised dict the planner hashes and the
    executor turns into an Engine API create body."""
    where = 'services.%s' % name
    if not isinstance(raw, dict):
        raise ComposeError('%s must be a mapping' % where)
    raw = _service_pre_normalise(raw)
    _warn_unknown(raw.keys(), SERVICE_KEYS, SERVICE_KEYS_IGNORED, where, project.warnings)
    svc = {'name': name}
    pdir = project.base_dir

    image = raw.get('image')
    build = raw.get('build')
    if build is not None:
        if not isinstance(build, dict):
            raise ComposeError('%s.build must be a path or a mapping' % where)
        _warn_unknown(build.keys(), BUILD_KEYS, (), '%s.build' % where, project.warnings)
        context = str(build.get('context') or '.')
        if '://' not in context and not context.startswith('git@'):
            context = _abs_host_path(context, pdir)
        args = {}
        for key, val in to_map(build.get('args'), '%s.build.args' % where).items():
            if val is None:
                val = environment.get(key)
            if val is not None:
                args[key] = val
        svc['build'] = {
            'context': context,
            'dockerfile': str(build.get('dockerfile') or 'Dockerfile'),
            'args': args,
            'target': build.get('target') or None,
            'labels': to_map(build.get('labels'), '%s.build.labels' % where),
            'network': build.get('network') or None,
            'no_cache': bool(build.get('no_cache', False)),
            'pull': bool(build.get('pull', False)),
        }
    elif not image:
        raise ComposeError('%s has neither image nor build: give it one of them' % where)
    svc['image'] = str(image) if image else '%s-%s' % (project.name, name)

    svc['command'] = _command(raw.get('command'), '%s.command' % where)
    svc['entrypoint'] = _command(raw.get('entrypoint'), '%s.entrypoint' % where)

    env = {}
    for entry in raw.get('env_file') and to_list_env_file(raw['env_file'], where) or []:
        path = _abs_host_path(entry['path'], pdir)
        values = read_env_file(path, entry['required'])
        for key, val in values.items():
            if val is None:
                val = environment.get(key)
            if val is not None:
                env[key] = interpolate_env_value(val, environment, '%s (%s)' % (
                    values.origin.get(key, path), key)) if isinstance(val, str) else val
    for key, val in to_map(raw.get('environment'), '%s.environment' % where).items():
        if val is None:
            val = environment.get(key)
            if val is None:
                env.pop(key, None)
                continue
        env[key] = val
    svc['environment'] = env

    ports = []
    for item in raw.get('ports') or []:
        for port in parse_port(item, '%s.ports' % where):
            if port not in ports:
                ports.append(port)
    svc['ports'] = ports
    expose = []
    for item in raw.get('expose') or []:
        text = str(item)
        port, _sep, proto = text.partition('/')
        for number in _port_range(port, '%s.expose' % where):
            entry = '%d/%s' % (number, proto or 'tcp')
            if entry not in expose:
                expose.append(entry)
    svc['expose'] = expose

    volumes = []
    for item in raw.get('volumes') or []:
        vol = parse_volume(item, pdir, '%s.volumes' % where)
        if vol['type'] == 'volume' and vol['source']:
            if vol['source'] not in project.volumes:
                raise ComposeError(
                    '%s.volumes: named volume %r is not declared in the top-level volumes section; '
                    'declare it there (or write ./%s for a directory next to the compose file)' % (where, vol['source'], vol['source']))
        volumes.append(vol)
    svc['volumes'] = volumes

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
        _warn_unknown(spec.keys(), ('aliases', 'ipv4_address', 'ipv6_address', 'priority', 'mac_address', 'link_local_ips'),
                      (), '%s.networks.%s' % (where, net), project.warnings)
        networks[net] = {
            'aliases': to_list(spec.get('aliases'), '%s.networks.%s.aliases' % (where, net)),
            'ipv4_address': spec.get('ipv4_address') or None,
            'ipv6_address': spec.get('ipv6_address') or None,
            'priority': int(spec.get('priority') or 0),
        }
    svc['networks'] = networks

    depends = {}
    for dep, spec in (raw.get('depends_on') or {}).items():
        spec = spec or {}
        condition = spec.get('condition') or 'service_started'
        if condition not in DEPENDS_CONDITIONS:
            raise ComposeError('%s.depends_on.%s: condition %r must be one of %s' % (where, dep, condition, ', '.join(DEPENDS_CONDITIONS)))
        depends[dep] = {'condition': condition, 'required': bool(spec.get('required', True)),
                        'restart': bool(spec.get('restart', False))}
    svc['depends_on'] = depends

    svc['healthcheck'] = parse_healthcheck(raw.get('healthcheck'), '%s.healthcheck' % where)
    restart = raw.get('restart')
    if restart is not None:
        restart = 'no' if restart is False else str(restart)
        if not RESTART_RE.match(restart):
            raise ComposeError('%s.restart: %r must be no, always, unless-stopped or on-failure[:N]' % (where, restart))
    svc['restart'] = restart
    for key in ('container_name', 'hostname', 'domainname', 'user', 'working_dir', 'stop_signal', 'pid', 'ipc',
                'mac_address', 'platform'):
        value = raw.get(key)
        svc[key] = str(value) if value is not None else None
    svc['labels'] = dict((k, '' if v is None else v) for k, v in to_map(raw.get('labels'), '%s.labels' % where).items())
    for key in svc['labels']:
        if key.startswith(LABEL_PREFIX):
            raise ComposeError('%s.labels: %s is reserved for compose itself' % (where, key))
    extra_hosts = []
    for host, addr in sorted((raw.get('extra_hosts') or {}).items()):
        if addr is None:
            raise ComposeError('%s.extra_hosts: %r needs an address (HOST:IP)' % (where, host))
        extra_hosts.append('%s:%s' % (host, addr))
    svc['extra_hosts'] = extra_hosts
    svc['dns'] = to_list(raw.get('dns'), '%s.dns' % where)
    svc['dns_search'] = to_list(raw.get('dns_search'), '%s.dns_search' % where)
    logging = raw.get('logging')
    svc['logging'] = None
    if logging:
        svc['logging'] = {'driver': logging.get('driver') or 'json-file',
                          'options': dict((str(k), str(v)) for k, v in (logging.get('options') or {}).items())}
    for key in ('init', 'read_only', 'privileged', 'tty', 'stdin_open'):
        svc[key] = bool(raw[key]) if raw.get(key) is not None else None
    grace = raw.get('stop_grace_period')
    svc['stop_grace_period'] = parse_duration(grace, '%s.stop_grace_period' % where) if grace is not None else None
    tmpfs = to_list(raw.get('tmpfs'), '%s.tmpfs' % where)
    svc['tmpfs'] = tmpfs
    svc['ulimits'] = parse_ulimits(raw.get('ulimits'), '%s.ulimits' % where)
    for key in ('cap_add', 'cap_drop', 'security_opt', 'devices', 'group_add', 'links', 'volumes_from'):
        svc[key] = to_list(raw.get(key), '%s.%s' % (where, key))
    svc['sysctls'] = to_map(raw.get('sysctls'), '%s.sysctls' % where)
    for kind in ('secrets', 'configs'):
        if raw.get(kind):  # only when used, so that other services keep their config hash
            svc[kind] = _service_file_objects(kind, raw[kind], getattr(project, kind), where)
    # set only when given, so that the config hash of services without them stays what it was
    for key in ('runtime', 'userns_mode', 'cgroup', 'cpuset'):
        if raw.get(key) is not None:
            svc[key] = str(raw[key])
    if svc.get('cgroup') not in (None, 'host', 'private'):
        raise ComposeError('%s.cgroup: %r must be host or private' % (where, svc['cgroup']))
    for key in ('oom_score_adj', 'cpu_shares', 'pids_limit'):
        if raw.get(key) is not None:
            try:
                svc[key] = int(raw[key])
            except (TypeError, ValueError):
                raise ComposeError('%s.%s: expected a whole number, got %r' % (where, key, raw[key]))
    svc['shm_size'] = parse_size(raw.get('shm_size'), '%s.shm_size' % where)

    deploy = raw.get('deploy') or {}
    if not isinstance(deploy, dict):
        raise ComposeError('%s.deploy must be a mapping' % where)
    ignored = ('mode', 'placement', 'update_config', 'rollback_config', 'labels', 'endpoint_mode')
    _warn_unknown(deploy.keys(), ('replicas', 'resources', 'restart_policy'), ignored, '%s.deploy' % where, project.warnings)
    limits = ((deploy.get('resources') or {}).get('limits') or {})
    memory = limits.get('memory', raw.get('mem_limit'))
    svc['memory'] = parse_size(memory, '%s.deploy.resources.limits.memory' % where) if memory is not None else None
    cpus = limits.get('cpus', raw.get('cpus'))
    try:
        svc['cpus'] = float(cpus) if cpus is not None else None
    except (TypeError, ValueError):
        raise ComposeError('%s.deploy.resources.limits.cpus: %r is not a number' % (where, cpus))
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
    svc['profiles'] = to_list(raw.get('profiles'), '%s.profiles' % where)
    pull_policy = raw.get('pull_policy')
    if pull_policy is not None and str(pull_policy) not in PULL_POLICIES:
        raise ComposeError('%s.pull_policy %r must be one of %s' % (where, pull_policy, ', '.join(PULL_POLICIES)))
    svc['pull_policy'] = str(pull_policy) if pull_policy else None
    if svc['container_name'] and scale > 1:
        raise ComposeError('%s: container_name %s is set, so the service cannot have %d replicas; remove '
                           'container_name or set scale to 1' % (where, svc['container_name'], scale))
    return svc


def to_list_env_file(value, where):
    entries = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, dict):
            if not item.get('path'):
                raise ComposeError('%s.env_file entries need path' % where)
            entries.append({'path': str(item['path']), 'required': bool(item.get('required', True))})
        else:
            entries.append({'path': str(item), 'required': True})
    return entries


def hard_dependencies(svc):
    """Services whose containers this one's container refers to: network_mode service:X, volumes_from X
    (recreating one of them means recreating this one)."""
    deps = []
    mode = svc.get('network_mode') or ''
    if mode.startswith('service:'):
        deps.append(mode.split(':', 1)[1])
    for item in svc.get('volumes_from') or []:
        if not item.startswith('container:'):
            deps.append(item.split(':', 1)[0])
    return deps


def service_dependencies(svc):
    """Services this one needs first: depends_on, network_mode service:X, volumes_from X, links."""
    deps = list(svc.get('depends_on') or {}) + hard_dependencies(svc)
    for link in svc.get('links') or []:
        deps.append(link.split(':', 1)[0])
    result = []
    for dep in deps:
        if dep not in result:
            result.append(dep)
    return result


def dependency_order(services):
    """Topological order of ``services`` (dict name -> normalised service), dependencies
    first, ties broken by name. A cycle raises ComposeError naming it."""
    graph = dict((name, list(service_dependencies(svc))) for name, svc in services.items())
    for name, deps in graph.items():
        for dep in deps:
            if dep not in graph:
                raise ComposeError('service %s depends on %s, which is not a service of this project' % (name, dep))
    order = []
    state = {}

    def visit(name, stack):
        if state.get(name) == 'done':
            return
        if state.get(name) == 'visiting':
            cycle = stack[stack.index(name):] + [name]
            raise ComposeError('dependency cycle between services: %s; remove one of these depends_on' % ' -> '.join(cycle))
        state[name] = 'visiting'
        for dep in sorted(graph[name]):
            visit(dep, stack + [name])
        state[name] = 'done'
        order.append(name)

    for name in sorted(graph):
        visit(name, [])
    return order


def with_dependencies(services, names):
    """``names`` plus everything they depend on (transitively)."""
    wanted = []
    todo = list(names)
    while todo:
        name = todo.pop(0)
        if name in wanted:
            continue
        wanted.append(name)
        todo.extend(service_dependencies(services[name]))
    return wanted


def load_project(project_src=None, files=None, definition=None, project_name=None, env_files=None,
                 profiles=None, environ=None, services=None):
    """Load, merge, interpolate and normalise a compose project.

    ``environ`` is the process environment (os.environ by default); it wins over the .env file
    like the shell does for compose. ``services`` (names asked for explicitly) enables their
    profiles like ``compose up SERVICE`` does.
    """
    environ = dict(os.environ if environ is None else environ)
    project = Project()
    sources = []
    if definition is not None:
        if not isinstance(definition, dict):
            raise ComposeError('definition must be a mapping (the content of a compose file), not %s' % type(definition).__name__)
        working_dir = os.path.abspath(project_src) if project_src else None
        sources.append(('definition', copy.deepcopy(definition), None))
    else:
        if files:
            base_dir = os.path.abspath(project_src) if project_src else os.getcwd()
            paths = [f if os.path.isabs(f) else os.path.join(base_dir, f) for f in files]
            working_dir = base_dir if project_src else os.path.dirname(os.path.abspath(paths[0]))
        elif project_src:
            working_dir = os.path.abspath(project_src)
            paths = find_compose_files(working_dir)
        else:
            raise ComposeError('give project_src, files or definition')
        for path in paths:
            sources.append((path, None, read_file(path)))
    project.working_dir = working_dir or os.getcwd()
    project.base_dir = working_dir
    project.config_files = [s[0] for s in sources if s[0] != 'definition']

    # the interpolation environment: env files (or .env), then the process environment wins
    file_env = EnvValues()
    if env_files:
        paths = [p if os.path.isabs(p) else _abs_host_path(p, working_dir) for p in env_files]
        for path in paths:
            values = read_env_file(path, required=True)
            file_env.update(values)
            file_env.origin.update(values.origin)
        project.env_files = paths
    elif working_dir:
        dot_env = os.path.join(working_dir, '.env')
        if os.path.isfile(dot_env):
            values = read_env_file(dot_env, required=False)
            file_env.update(values)
            file_env.origin.update(values.origin)
            project.env_files = [dot_env]
    env = {}
    for key, value in file_env.items():
        if value is not None:
            env[key] = interpolate_env_value(value, dict(env, **environ), '%s (%s)' % (
                file_env.origin.get(key, 'env file'), key)) if '$' in value else value
    env.update(environ)
    project.environment = env

    docs = []
    for path, data, text in sources:
        if data is None:
            data = parse_yaml(text, path)
        elif not isinstance(data, dict):
            raise ComposeError('definition must be a mapping')
        _warn_unknown(list(data.keys()), TOP_LEVEL_KEYS, TOP_LEVEL_UNSUPPORTED,
                      'top level of %s' % os.path.basename(path), project.warnings)
        if 'services' in data and data['services'] is not None and not isinstance(data['services'], dict):
            raise ComposeError('%s: services must be a mapping of service names' % path)
        docs.append(interpolate(data, env, os.path.basename(path) if path != 'definition' else 'definition'))
    merged = merge_documents(docs)
    if merged.get('include'):
        included, origin = load_includes(merged, working_dir, env, project.warnings)
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
        merged['services'] = resolve_extends(merged['services'], working_dir, env)
    if 'version' in merged:
        project.warnings.append('the top-level version key is obsolete and ignored')

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

    active = set(profiles or [])
    if not profiles and env.get('COMPOSE_PROFILES'):
        active = set(p.strip() for p in env['COMPOSE_PROFILES'].split(',') if p.strip())
    explicit = set(services or [])
    project.all_services = sorted(merged['services'])
    for svc_name in sorted(merged['services']):
        if not re.match(r'^[A-Za-z0-9][A-Za-z0-9_.-]*$', svc_name):
            raise ComposeError('service name %r may contain only letters, digits, _ . and -' % svc_name)
        raw = merged['services'][svc_name] or {}
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
    project.order = dependency_order(project.services)
    project.config = merged
    return project


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
