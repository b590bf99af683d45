# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Image references: ``[registry/]repo[:tag|@digest]``, parsed and normalised the way the
docker CLI does it (``ubuntu:14.04`` is ``docker.io/library/ubuntu:14.04``).

Plain functions, no engine and no AnsibleModule: unit-tested directly.
"""


import re

DEFAULT_DOMAIN = 'docker.io'
LEGACY_DEFAULT_DOMAIN = 'index.docker.io'
OFFICIAL_REPO_PREFIX = 'library/'
# the key the docker CLI uses for Docker Hub in config.json
HUB_AUTH_KEY = 'https://index.docker.io/v1/'
HUB_ALIASES = ('docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com')

_COMPONENT = r'[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*'
COMPONENT_RE = re.compile(r'^%s$' % _COMPONENT)
DOMAIN_RE = re.compile(
    r'^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*'
    r'(?::[0-9]+)?$|^\[[0-9a-fA-F:]+\](?::[0-9]+)?$')
TAG_RE = re.compile(r'^[\w][\w.-]{0,127}$')
DIGEST_RE = re.compile(r'^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$')
IMAGE_ID_RE = re.compile(r'^(?:sha256:)?[a-f0-9]{64}$')


class ImageRef:
    """A parsed reference. ``domain`` and ``path`` are normalised (docker.io, library/)."""

    def __init__(self, domain, path, tag=None, digest=None):
        self.domain = domain
        self.path = path
        self.tag = tag
        self.digest = digest

    def __eq__(self, other):
        return isinstance(other, ImageRef) and self.full == other.full

    def __hash__(self):
        return hash(self.full)

    def __repr__(self):
        return 'ImageRef(%r)' % self.full

    @property
    def repository(self):
        """The familiar repository name: ``ubuntu``, ``user/app``, ``127.0.0.1:5000/app``."""
        if self.domain == DEFAULT_DOMAIN:
            if self.path.startswith(OFFICIAL_REPO_PREFIX) and self.path.count('/') == 1:
                return self.path[len(OFFICIAL_REPO_PREFIX):]
            return self.path
        return '%s/%s' % (self.domain, self.path)

    @property
    def canonical_repository(self):
        """``docker.io/library/ubuntu``."""
        return '%s/%s' % (self.domain, self.path)

    @property
    def name(self):
        """Familiar repository plus tag or digest (digest wins): what the engine understands."""
        if self.digest:
            return '%s@%s' % (self.repository, self.digest)
        if self.tag:
            return '%s:%s' % (self.repository, self.tag)
        return self.repository

    @property
    def full(self):
        """Canonical form: ``docker.io/library/ubuntu:14.04``."""
        text = self.canonical_repository
        if self.tag:
            text += ':' + self.tag
        if self.digest:
            text += '@' + self.digest
        return text

    @property
    def registry(self):
        """The registry host[:port] the image lives in (``docker.io`` for Docker Hub)."""
        return self.domain

    def with_tag(self, tag):
        return ImageRef(self.domain, self.path, tag=tag, digest=None)


def _split_domain(name):
    """docker's splitDockerDomain: the first component is a registry when it contains a
    dot or a colon or is ``localhost`` (or has upper-case letters, which a repository
    name cannot have)."""
    first, sep, rest = name.partition('/')
    if not sep or ('.' not in first and ':' not in first and first != 'localhost' and first.lower() == first):
        domain, remainder = DEFAULT_DOMAIN, name
    else:
        domain, remainder = first, rest
    if domain in (LEGACY_DEFAULT_DOMAIN, DEFAULT_DOMAIN):
        domain = DEFAULT_DOMAIN
        if '/' not in remainder:
            remainder = OFFICIAL_REPO_PREFIX + remainder
    return domain, remainder


def parse(reference, default_tag=None):
    """Parse ``[registry/]repo[:tag][@digest]``. Raises ValueError with a message saying what
    is wrong. ``default_tag`` is used when the reference has neither tag nor digest."""
    if not isinstance(reference, str) or not reference.strip():
        raise ValueError('an image reference must be a non-empty string like nginx, nginx:1.25 or registry:5000/app:v1')
    text = reference.strip()
    if text != reference:
        raise ValueError('image reference %r has leading or trailing white space' % reference)
    digest = None
    if '@' in text:
        text, digest = text.split('@', 1)
        if not DIGEST_RE.match(digest):
            raise ValueError('image reference %r: %r is not a digest like sha256:<64 hex digits>' % (reference, digest))
    tag = None
    last_slash = text.rfind('/')
    colon = text.rfind(':')
    if colon > last_slash:
        text, tag = text[:colon], text[colon + 1:]
        if not TAG_RE.match(tag):
            raise ValueError(
                'image reference %r: tag %r is invalid; a tag has up to 128 letters, digits, "_", "." and "-" '
                'and does not start with "." or "-"' % (reference, tag))
    if not text:
        raise ValueError('image reference %r has no repository name' % reference)
    domain, path = _split_domain(text)
    if domain != DEFAULT_DOMAIN and not DOMAIN_RE.match(domain):
        raise ValueError('image reference %r: %r is not a valid registry host[:port]' % (reference, domain))
    for component in path.split('/'):
        if not COMPONENT_RE.match(component):
            if component.lower() != component and COMPONENT_RE.match(component.lower()):
                raise ValueError('image reference %r: repository names must be lower case (%r)' % (reference, component))
            raise ValueError(
                'image reference %r: %r is not a valid repository name component; use lower-case letters, digits '
                'and single separators (".", "_", "__", "-") between them' % (reference, component or '(empty)'))
    if len(domain) + 1 + len(path) > 255:
        raise ValueError('image reference %r: the repository name is longer than 255 characters' % reference)
    if tag is None and digest is None:
        tag = default_tag
    return ImageRef(domain, path, tag=tag, digest=digest)


def resolve(name, tag=None):
    """The module's ``name`` and ``tag`` options into one ImageRef: a tag or digest inside
    ``name`` wins over ``tag`` (as docker_image does), ``tag`` defaults to ``latest``."""
    return parse(name, default_tag=tag or 'latest')


def is_image_id(value):
    """A full image ID (``sha256:<64 hex>`` or the bare 64 hex digits)."""
    return bool(isinstance(value, str) and IMAGE_ID_RE.match(value))


def registry_auth_key(registry):
    """The key under ``auths`` in config.json for a registry, as the docker CLI writes it:
    ``https://index.docker.io/v1/`` for Docker Hub, else ``host[:port]``.

    Accepts a bare host, host:port, or a URL (``https://reg.example.com/v2/``)."""
    value = (registry or '').strip()
    if not value:
        return HUB_AUTH_KEY
    host = value
    if '://' in host:
        host = host.split('://', 1)[1]
    host = host.split('/', 1)[0]
    if host.lower() in HUB_ALIASES:
        return HUB_AUTH_KEY
    if not host or not DOMAIN_RE.match(host):
        raise ValueError('registry %r is not a registry host[:port] or URL like https://registry.example.com' % registry)
    return host


def repo_digests_for(repo_digests, repository):
    """The digests in an image's RepoDigests that belong to ``repository`` (familiar name)."""
    found = []
    for entry in repo_digests or []:
        repo, sep, digest = entry.partition('@')
        if not sep:
            continue
        try:
            same = parse(repo).repository == parse(repository).repository
        except ValueError:
            same = repo == repository
        if same:
            found.append(digest)
    return found
