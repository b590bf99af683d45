# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Putting several compose documents together, per the compose spec: override files
(``-f a -f b``: later ones win, merged key by key), ``extends`` (a service built on another one,
in this project or in another file) and ``include`` (other compose files, each loaded with its
own directory and env file, whose resources join the project).

Every error is a ComposeError whose message says what is wrong and where.
"""

import copy
import os

from ansible_collections.berth.docker.plugins.module_utils.compose.schema import check_keys
from ansible_collections.berth.docker.plugins.module_utils.compose.source import (
    abs_host_path,
    interpolate,
    Override,
    Reset,
    parse_yaml,
    read_env_file,
    read_file,
    strip_tags,
)
from ansible_collections.berth.docker.plugins.module_utils.compose.values import extra_hosts_map, to_map
from ansible_collections.berth.docker.plugins.module_utils.errors import ComposeError

# keys whose later value replaces the earlier one
REPLACE_KEYS = ('command', 'entrypoint')
# keys that take a string or a list: merged by appending
LIST_KEYS = ('dns', 'dns_search', 'tmpfs', 'env_file', 'expose', 'cap_add', 'cap_drop', 'security_opt', 'profiles',
             'group_add', 'devices', 'links', 'volumes_from', 'dns_opt', 'external_links')
# what an included file adds to the project
INCLUDED_KEYS = ('services', 'networks', 'volumes', 'secrets', 'configs')


# --------------------------------------------------------------------------- override files

def pre_normalise_service(svc):
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
    if 'extra_hosts' in svc:
        svc['extra_hosts'] = extra_hosts_map(svc['extra_hosts'])
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
        if isinstance(value, Reset):
            result.pop(key, None)
        elif isinstance(value, Override):
            result[key] = strip_tags(value.value)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _merge_maps(result[key], value)
        else:
            result[key] = value
    return result


def merge_service(base, over):
    """Merge one service of a later file over the same service of an earlier one (compose spec).
    A ``!reset`` value removes the key, an ``!override`` one replaces it (no merge)."""
    base = pre_normalise_service(strip_tags(base))
    tagged = dict((k, v) for k, v in over.items() if isinstance(v, (Reset, Override)))
    over = pre_normalise_service(dict((k, v) for k, v in over.items() if k not in tagged))
    result = dict(base)
    for key, value in tagged.items():
        result.pop(key, None)
        if isinstance(value, Override):
            result.update(pre_normalise_service({key: strip_tags(value.value)}))
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
            if isinstance(value, Reset):
                result.pop(key, None)
            elif isinstance(value, Override):
                result[key] = strip_tags(value.value)
            elif key == 'services':
                services = dict(result.get('services') or {})
                for name, svc in (value or {}).items():
                    if isinstance(svc, (Reset, Override)):
                        services.pop(name, None)
                        if isinstance(svc, Override):
                            services[name] = strip_tags(svc.value)
                        continue
                    svc = svc or {}
                    if not isinstance(svc, dict):
                        raise ComposeError('service %s must be a mapping, not %r' % (name, svc))
                    services[name] = merge_service(services[name], svc) if name in services else svc
                result['services'] = services
            elif key in ('networks', 'volumes', 'secrets', 'configs') and isinstance(value, dict):
                merged = dict(result.get(key) or {})
                for name, spec in value.items():
                    if isinstance(spec, (Reset, Override)):
                        merged.pop(name, None)
                        if isinstance(spec, Override):
                            merged[name] = strip_tags(spec.value)
                    elif isinstance(spec, dict) and isinstance(merged.get(name), dict):
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
            full = abs_host_path(path, base_dir)
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


# --------------------------------------------------------------------------- include

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
        check_keys(spec, 'include', 'include', warnings)
        if not spec.get('path'):
            raise ComposeError('include: each entry is a path or a mapping with path, not %r' % (entry,))
        paths = [abs_host_path(str(p), base_dir) for p in (spec['path'] if isinstance(spec['path'], list) else [spec['path']])]
        directory = abs_host_path(str(spec['project_directory']), base_dir) if spec.get('project_directory') \
            else os.path.dirname(paths[0])
        inc_env = {}
        env_files = spec.get('env_file')
        if env_files:
            for path in env_files if isinstance(env_files, list) else [env_files]:
                inc_env.update(read_env_file(abs_host_path(str(path), base_dir), required=True))
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
            check_keys(data, 'top level', 'top level of %s' % path, warnings, skip=('version',))
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
