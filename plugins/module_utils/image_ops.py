# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Image operations on the engine, shared by the image, container and compose code: pull, build,
a registry's digest, references and platforms. No module parameters: callers pass plain values.

Public names (``client`` is an api.EngineClient; ``ref`` a parsed reference, see reference()):

- ``PENDING``: the placeholder image a check-mode pull or build predicts.
- ``reference(value, tag=None, option='name')`` -> the parsed reference (``tag`` when it has
  none); DockerError naming ``option`` when it does not parse.
- ``full_name(reference)`` -> its canonical form, or the text itself when it does not parse.
- ``IdRef(image_id)``: an image named by its ID, shaped like a reference (no registry, no tag).
- ``platform_matches(image, platform)`` -> whether inspect data is for ``os[/arch[/variant]]``
  (True when no platform is asked for).
- ``check_platform(ref, image, platform, offered=None)``: DockerError when the registry does not
  offer ``platform`` or the engine pulled another one.
- ``summary(image)`` -> what a diff shows of an image: id, tags, digests.
- ``stream(client, method, path, params=None, body=None, headers=None, what=None)`` -> the
  messages of a JSON progress stream (pull, push, load, import), with the long STREAM_TIMEOUT.
- ``registry_digest(client, ref)`` -> (manifest digest or None, platforms offered).
- ``pull(client, ref, before=None, platform=None, force=False, check_mode=False)`` ->
  (image, message or None).
- ``pull_image(client, image, what='image')`` -> the pulled image's inspect data; SpecError
  naming ``what`` when the pull fails.
- ``resolve_image(client, image, pull_policy, check_mode)`` -> (inspect data or None, pulled): the pull
  policy ``never`` / ``missing`` / ``always`` of the container module.
- ``build_options(build_spec)`` -> the options that go into the build hash.
- ``extra_hosts(build_spec)`` -> the build's extra hosts as a list of 'host:ip'.
- ``build(client, ref, build_spec, before=None, force=False, check_mode=False)`` -> {'image',
  'message', 'build_hash', 'build_output'}; BuildFailed when the build fails. ``build_spec``
  holds the image module's build keys, and compose's ``extra_hosts`` (a list of 'host:ip') and
  ``shm_size`` in bytes.
- ``parse_size(value)`` -> bytes of a build's shm_size: units.parse_size, failing as a
  DockerError as the image module always did.
"""

import json
import os
from urllib.parse import quote

from ansible_collections.berth.docker.plugins.module_utils import build_context, units
from ansible_collections.berth.docker.plugins.module_utils.errors import APIError, BuildFailed, DockerError, NotFound, SpecError, StreamError
from ansible_collections.berth.docker.plugins.module_utils.image_ref import parse, repo_digests_for, resolve
from ansible_collections.berth.docker.plugins.module_utils.registry import (
    auth_header, build_config_header, default_config_path, load_config, registry_error)

# pulls, pushes and builds may take long: the stream gets its own, longer timeout
STREAM_TIMEOUT = 3600

# a placeholder for an image that check mode predicts but that does not exist yet
PENDING = {'Id': '(pending)', 'RepoTags': [], 'RepoDigests': [], 'Config': {}}


def parse_size(value):
    """A build's shm_size ('64m', '1GiB', 1048576) -> bytes, larger than 0 (units.parse_size);
    a DockerError, as the image module always raised, when it is not a size."""
    try:
        return units.parse_size(value, 'shm_size', positive=True)
    except SpecError as exc:
        raise DockerError(exc.msg)


ARCH_ALIASES = {'x86_64': 'amd64', 'x86-64': 'amd64', 'aarch64': 'arm64', 'armhf': 'arm', 'armel': 'arm', 'i386': '386'}


KNOWN_ARCHES = {'amd64', 'arm64', 'arm', '386', 'ppc64le', 's390x', 'riscv64', 'mips64le', 'loong64'}


def platform_parts(platform):
    """``os[/arch[/variant]]`` as a list; one word that is an architecture (V(amd64)) means linux/that, as
    the engine reads it."""
    parts = platform.lower().split('/')
    if len(parts) == 1 and ARCH_ALIASES.get(parts[0], parts[0]) in KNOWN_ARCHES:
        parts = ['linux', parts[0]]
    return parts


def platform_matches(image, platform):
    """Whether an image (inspect data) is for ``platform`` (``os[/arch[/variant]]``); True
    when no platform is asked for."""
    if not platform or not image:
        return True
    parts = platform_parts(platform)
    if parts[0] and parts[0] != (image.get('Os') or '').lower():
        return False
    if len(parts) > 1:
        wanted = ARCH_ALIASES.get(parts[1], parts[1])
        have = (image.get('Architecture') or '').lower()
        if wanted != ARCH_ALIASES.get(have, have):
            return False
    if len(parts) > 2 and image.get('Variant') and parts[2] != image['Variant'].lower():
        return False
    return True


def summary(image):
    """What the diff shows of an image."""
    if not image:
        return {}
    return {'id': image.get('Id'), 'tags': sorted(image.get('RepoTags') or []),
            'digests': sorted(image.get('RepoDigests') or [])}


def full_name(reference):
    """The canonical form of a reference, or the text itself when it does not parse."""
    try:
        return parse(reference).full
    except ValueError:
        return reference


class IdRef:
    """An image named by its ID (state=absent, source=local): no registry, no tag."""

    def __init__(self, image_id):
        self.name = image_id if image_id.startswith('sha256:') else 'sha256:' + image_id
        self.full = self.name
        self.repository = self.name
        self.tag = None
        self.digest = None
        self.registry = None


# -- pull and build: plain functions (ImageManager, the container module and compose use them) --

def reference(value, tag=None, option='name'):
    """The parsed reference ``value`` (``tag`` when it has none); DockerError naming ``option``."""
    try:
        return resolve(value, tag)
    except ValueError as exc:
        raise DockerError('%s: %s' % (option, exc))


def stream(client, method, path, params=None, body=None, headers=None, what=None):
    """The messages of a JSON progress stream, with the long timeout pulls and builds need."""
    return client.stream_json(method, path, params=params, body=body, headers=headers,
                              timeout=max(client.config.timeout, STREAM_TIMEOUT), what=what)


def registry_digest(client, ref):
    """(digest, platforms): the manifest digest the registry has for ``ref`` (GET /distribution),
    or None when the registry does not have it, and the platforms it offers. Registry errors fail clearly."""
    try:
        info = client.get('/distribution/%s/json' % quote(ref.name, safe=':/@'),
                          headers=auth_header(ref.registry), what='registry lookup of %s' % ref.name)
    except DockerError as exc:
        low = exc.msg.lower()
        if isinstance(exc, NotFound) or 'manifest unknown' in low or 'not found' in low or \
                'name unknown' in low or 'does not exist' in low:
            return None, []
        raise registry_error(ref.registry, exc)
    platforms = [p for p in (info or {}).get('Platforms') or [] if isinstance(p, dict)]
    return ((info or {}).get('Descriptor') or {}).get('digest'), platforms


def check_platform(ref, image, platform, offered=None):
    """Fail clearly when the registry does not offer ``platform`` (``offered``: the
    Platforms of GET /distribution) or the engine pulled another one (``image``)."""
    if not platform:
        return
    if offered:
        fake = [{'Os': p.get('os'), 'Architecture': p.get('architecture'), 'Variant': p.get('variant')} for p in offered]
        if any(platform_matches(f, platform) for f in fake):
            return
        have = ', '.join('/'.join(x for x in (f['Os'], f['Architecture'], f['Variant']) if x) for f in fake)
    elif image is not None and not platform_matches(image, platform):
        have = '%s/%s' % (image.get('Os'), image.get('Architecture'))
    else:
        return
    raise DockerError('pull %s: the registry %s offers it for %s, not for platform %s; set pull.platform to one of '
                      'those or leave it out' % (ref.name, ref.registry, have, platform))


def pull(client, ref, before=None, platform=None, force=False, check_mode=False):
    """Pull ``ref`` (parsed, see reference()) with the credentials config.json holds for its registry.

    ``before``: the image the engine has under that name now (or None); unless ``force`` it is
    kept when it matches ``platform``. Check mode asks the registry for the digest instead.
    Returns (image, message): the image (PENDING for a predicted pull) and what was done (None
    when nothing changed)."""
    if before is not None and not force and platform_matches(before, platform):
        return before, None
    if check_mode:
        if not client.supports('1.30'):
            # GET /distribution came with Engine API 1.30: an older engine cannot ask the registry,
            # so check mode predicts the pull instead of claiming the image is missing there
            return PENDING, 'Would pull %s (Engine API %s cannot ask the registry for its digest)' % (
                ref.name, client.negotiate())
        digest, offered = registry_digest(client, ref)
        if digest is None:
            raise DockerError('image %s is not in registry %s (or needs a login); check name and tag' % (ref.name, ref.registry))
        check_platform(ref, None, platform, offered)
        if before is not None and platform_matches(before, platform) and \
                digest in repo_digests_for(before.get('RepoDigests'), ref.repository):
            return before, None
        return PENDING, 'Would pull %s (registry digest %s)' % (ref.name, digest)
    try:
        stream(client, 'POST', '/images/create', headers=auth_header(ref.registry), what='pull %s' % ref.name,
               params={'fromImage': ref.repository, 'tag': ref.digest or ref.tag, 'platform': platform})
    except DockerError as exc:
        low = exc.msg.lower()
        if 'manifest unknown' in low or 'not found' in low or 'name unknown' in low:
            raise DockerError('pull %s: the registry %s does not have it (%s); check name and tag'
                              % (ref.name, ref.registry, exc.msg))
        raise registry_error(ref.registry, exc)
    after = client.inspect('image', ref.name)
    if after is None:
        raise DockerError('pulled %s but the engine does not show it (platform mismatch?)' % ref.name)
    check_platform(ref, after, platform)
    if before is None or before.get('Id') != after.get('Id'):
        return after, 'Pulled %s (%s)' % (ref.name, after.get('Id'))
    return after, None


def build_options(build_spec):
    args = dict((k, '' if v is None else str(v)) for k, v in (build_spec.get('args') or {}).items())
    labels = dict((k, '' if v is None else str(v)) for k, v in (build_spec.get('labels') or {}).items())
    return {'args': args, 'labels': labels, 'target': build_spec.get('target'), 'platform': build_spec.get('platform'),
            'dockerfile': build_spec.get('dockerfile') or 'Dockerfile'}


def pull_image(client, image, what='image'):
    """Pull ``image`` (pull(): the credentials config.json holds for its registry, see
    berth.docker.login); raise SpecError naming ``what`` on failure."""
    try:
        ref = resolve(image)
    except ValueError as exc:
        raise SpecError(what, str(exc))
    try:
        return pull(client, ref, force=True)[0]
    except DockerError as exc:
        raise SpecError(what, 'cannot pull %s: %s. Check the name and tag; for a private registry log in first '
                        '(berth.docker.login); for an image made here build it first (berth.docker.image) and '
                        'use pull: never or missing' % (image, exc.msg))


def resolve_image(client, image, pull_policy, check_mode):
    """(image_info or None, pulled: bool) for the pull policy never / missing / always. In check
    mode a pull is predicted, not done."""
    info = client.inspect('image', image)
    if pull_policy == 'never':
        if info is None:
            raise SpecError('image', '%s is not present on the engine and pull is never; build or pull it first '
                            '(berth.docker.image), or set pull: missing' % image)
        return info, False
    if pull_policy == 'missing' and info is not None:
        return info, False
    if check_mode:
        return info, info is None
    new = pull_image(client, image)
    return new, info is None or new.get('Id') != info.get('Id')


def extra_hosts(build_spec):
    """The build's extra /etc/hosts entries as 'host:ip': the image module's ``etc_hosts`` (a
    dict), then compose's ``extra_hosts`` (already a list of 'host:ip')."""
    hosts = ['%s:%s' % (k, v) for k, v in (build_spec.get('etc_hosts') or {}).items()]
    return hosts + [str(h) for h in build_spec.get('extra_hosts') or []]


def limit_params(limits):
    """The /build query parameters of the image module's ``build.container_limits`` (the RUN steps' limits)."""
    limits = limits or {}
    params = {}
    for key, name in (('memory', 'memory'), ('memswap', 'memswap')):
        if limits.get(key) not in (None, ''):
            value = str(limits[key])
            params[name] = -1 if value == '-1' else parse_size(value)
    if limits.get('cpushares') is not None:
        params['cpushares'] = limits['cpushares']
    if limits.get('cpusetcpus'):
        params['cpusetcpus'] = limits['cpusetcpus']
    return params


def config_proxy_args():
    """Build args from the ``proxies.default`` of the docker CLI's config.json (HTTP_PROXY, ...), as
    ``docker build`` adds them."""
    proxies = (load_config(default_config_path()).get('proxies') or {}).get('default') or {}
    names = (('httpProxy', 'HTTP_PROXY'), ('httpsProxy', 'HTTPS_PROXY'), ('noProxy', 'NO_PROXY'), ('ftpProxy', 'FTP_PROXY'),
             ('allProxy', 'ALL_PROXY'))
    args = {}
    for key, env in names:
        if proxies.get(key):
            args[env] = args[env.lower()] = str(proxies[key])
    return args


def build(client, ref, build_spec, before=None, force=False, check_mode=False):
    """Build ``ref`` from ``build_spec`` (the image module's ``build`` option: path, dockerfile, args,
    target, labels, pull, nocache, rm, network, platform, etc_hosts, shm_size, cache_from, rebuild;
    compose also gives extra_hosts as a list of 'host:ip' and shm_size in bytes).

    ``before``: the image the engine has under that name now; it is kept when its build-hash
    label matches the context (rebuild auto) or rebuild is never, unless ``force``.
    Returns {'image' (PENDING for a predicted build), 'message' (None when nothing changed),
    'build_hash', 'build_output' (None when nothing was built)}. A failed build raises BuildFailed."""
    path = build_spec.get('path')
    if check_mode and path and '://' not in str(path) and not os.path.exists(str(path)):
        # An earlier task of the play writes the context, so it cannot be hashed yet: a missing image
        # is predicted as a build, a present one as unchanged (its hash is compared by the real run).
        # A real run still needs the context.
        if before is not None and not force and (build_spec.get('rebuild') or 'auto') != 'always':
            return {'image': before, 'build_hash': None, 'build_output': None, 'message': None}
        return {'image': PENDING, 'build_hash': None, 'build_output': None,
                'message': 'Would build %s from %s (the context does not exist yet; an earlier task is expected '
                           'to create it)' % (ref.name, path)}
    try:
        context = build_context.scan(path, build_spec.get('dockerfile'))
    except ValueError as exc:
        raise DockerError(str(exc))
    options = build_options(build_spec)
    digest = build_context.content_hash(context, options)
    outcome = {'image': before, 'message': None, 'build_hash': digest, 'build_output': None}
    rebuild = build_spec.get('rebuild') or 'auto'
    if force:
        rebuild = 'always'
    if before is not None and rebuild == 'never':
        return outcome
    stamped = ((before or {}).get('Config') or {}).get('Labels') or {}
    if before is not None and rebuild == 'auto' and stamped.get(build_context.BUILD_HASH_LABEL) == digest:
        return outcome
    if check_mode:
        outcome.update(image=PENDING, message='Would build %s from %s' % (ref.name, context.path))
        return outcome
    labels = dict(options['labels'])
    labels[build_context.BUILD_HASH_LABEL] = digest
    params = {
        't': ref.name,
        'dockerfile': context.dockerfile_name,
        'buildargs': json.dumps(options['args']) if options['args'] else None,
        'target': options['target'],
        'labels': json.dumps(labels),
        'pull': bool(build_spec.get('pull')),
        'nocache': bool(build_spec.get('nocache')),
        'rm': bool(build_spec.get('rm', True)),
        'forcerm': bool(build_spec.get('rm', True)),
        'networkmode': build_spec.get('network'),
        'platform': options['platform'],
        'extrahosts': ','.join(extra_hosts(build_spec)) or None,
        'shmsize': parse_size(build_spec['shm_size']) if build_spec.get('shm_size') else None,
        'cachefrom': json.dumps(build_spec['cache_from']) if build_spec.get('cache_from') else None,
    }
    params.update(limit_params(build_spec.get('container_limits')))
    proxy_args = config_proxy_args() if build_spec.get('use_config_proxy') else {}
    if proxy_args:
        # the proxies of the docker CLI's config.json, under the build args given (which win)
        params['buildargs'] = json.dumps(dict(proxy_args, **options['args']))
    headers = {'Content-Type': 'application/x-tar'}
    headers.update(build_config_header())
    messages = []
    build_timeout = max(client.config.timeout, STREAM_TIMEOUT, build_spec.get('http_timeout') or 0)
    with build_context.write_tar(context) as body:
        try:
            client.stream_json('POST', '/build', params=params, body=body, headers=headers,
                               timeout=build_timeout, on_message=messages.append)
        except StreamError as exc:
            raise BuildFailed(build_context.build_failure_message(ref.name, exc.msg, messages),
                              build_context.bounded(build_context.output_lines(messages)))
        except APIError as exc:
            hint = build_context.virtualisation_hint(exc.msg)
            raise DockerError('building %s failed: %s%s' % (ref.name, exc.msg, ('\n' + hint) if hint else ''))
    outcome['build_output'] = build_context.bounded(build_context.output_lines(messages))
    after = client.inspect('image', ref.name)
    if after is None:
        raise DockerError('the build of %s finished but the engine does not show the image; build output:\n%s'
                          % (ref.name, '\n'.join(outcome['build_output'][-20:])))
    if before is not None and before.get('Id') == after.get('Id'):
        # rebuilt (forced or rebuild=always) from the cache into the same image: nothing changed
        outcome.update(image=after)
        return outcome
    outcome.update(image=after, message='Built %s (%s)' % (ref.name, after.get('Id')))
    return outcome
