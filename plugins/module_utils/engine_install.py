# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Install strategies for the Docker engine, per OS family.

Planning is pure: ``plan_install()`` takes the OS facts, the wanted source/version and what the
package manager reported (installed packages, available versions) and returns an
:class:`InstallPlan` (repository files, keyring, packages to install and remove, commands).
Everything that touches the host goes through a *runner*: a callable
``runner(argv, data=None) -> (rc, stdout, stderr)`` (``module.run_command`` in the module, a
recorded runner in the EL simulation tests), so the EL logic is tested without an EL host.
"""

import re

from ansible_collections.berth.docker.plugins.module_utils.errors import BerthError

SUPPORTED = (
    'CentOS 7-10 / RHEL 7-10 / Rocky / AlmaLinux (dnf on 8+, yum on 7)',
    'Fedora',
    'Debian',
    'Ubuntu',
)
EL_IDS = ('centos', 'rhel', 'rocky', 'almalinux', 'ol', 'redhat')

DOCKER_CE_PACKAGES = ['docker-ce', 'docker-ce-cli', 'containerd.io', 'docker-buildx-plugin', 'docker-compose-plugin']
# old or foreign docker packages that docker-ce replaces: always removed on EL when installing docker-ce
EL_DOCKER_CONFLICTS = ['podman-docker', 'docker', 'docker-client', 'docker-client-latest', 'docker-common',
                       'docker-latest', 'docker-latest-logrotate', 'docker-logrotate', 'docker-engine',
                       'docker-selinux', 'docker-engine-selinux']
# tools of other container stacks: removed only with remove_conflicts (EL8+)
EL8_TOOL_CONFLICTS = ['runc', 'buildah', 'podman']
DEBIAN_CONFLICTS = ['docker.io', 'docker-cli', 'docker-doc', 'docker-compose', 'docker-compose-v2', 'podman-docker',
                    'containerd', 'runc']

DEFAULT_REPO_URL = 'https://download.docker.com'


class InstallError(BerthError):
    """Bad input or an impossible plan: the message says what is wrong and what to do."""


class OSInfo:
    """What /etc/os-release says, reduced to what the strategies need."""

    def __init__(self, os_id, version_id='', codename='', like=(), arch='x86_64', name=None):
        self.id = (os_id or '').lower()
        self.version_id = version_id or ''
        self.codename = codename or ''
        self.like = tuple(like or ())
        self.arch = arch
        self.name = name or os_id
        self.cli_split = None  # whether the docker CLI is its own package (docker-cli); None: by release

    @property
    def major(self):
        match = re.match(r'(\d+)', self.version_id)
        return int(match.group(1)) if match else 0

    @property
    def family(self):
        if self.id in ('debian', 'ubuntu'):
            return 'debian'
        if self.id == 'fedora':
            return 'fedora'
        if self.id in EL_IDS:
            return 'el'
        return None

    def __repr__(self):
        return '<OSInfo %s %s (%s)>' % (self.id, self.version_id, self.family)


def parse_os_release(text, arch='x86_64'):
    values = {}
    for line in text.splitlines():
        if '=' not in line or line.startswith('#'):
            continue
        key, value = line.split('=', 1)
        values[key.strip()] = value.strip().strip('"').strip("'")
    return OSInfo(values.get('ID'), values.get('VERSION_ID'), values.get('VERSION_CODENAME'),
                  values.get('ID_LIKE', '').split(), arch, values.get('PRETTY_NAME'))


def check_supported(osinfo):
    if osinfo.family is None:
        raise InstallError('unsupported operating system %r (ID=%s, VERSION_ID=%s); berth.docker.engine supports: %s' % (
            osinfo.name, osinfo.id, osinfo.version_id, '; '.join(SUPPORTED)))
    if osinfo.family == 'el' and not 7 <= osinfo.major <= 10:
        raise InstallError('unsupported %s %s: the EL family is supported from 7 to 10; berth.docker.engine supports: %s' % (
            osinfo.id, osinfo.version_id, '; '.join(SUPPORTED)))


def default_source(osinfo):
    """docker-ce on the Red Hat family (their own docker packages are old or absent), the
    distribution's docker.io on Debian and Ubuntu."""
    return 'distro' if osinfo.family == 'debian' else 'docker-ce'


def package_manager(osinfo):
    if osinfo.family == 'debian':
        return 'apt'
    if osinfo.family == 'el' and osinfo.major <= 7:
        return 'yum'
    return 'dnf'


def engine_packages(osinfo, source):
    """The packages that make the engine for (OS, source)."""
    if source == 'docker-ce':
        pkgs = list(DOCKER_CE_PACKAGES)
        if osinfo.family == 'el':
            pkgs.append('container-selinux')
        return pkgs
    if osinfo.family == 'debian':
        # Debian 13 and Ubuntu 25.04 moved the docker CLI out of docker.io into docker-cli (only
        # recommended, and we install without recommends): ask for it by name there
        return ['docker.io', 'docker-cli'] if splits_docker_cli(osinfo) else ['docker.io']
    if osinfo.family == 'fedora':
        return ['moby-engine']
    if osinfo.major == 7:
        return ['docker']
    raise InstallError('source=distro: %s %s has no Docker engine package of its own (only podman); '
                       'use source: docker-ce' % (osinfo.id, osinfo.version_id))


def splits_docker_cli(osinfo):
    """Whether the distribution ships the docker CLI as its own package, docker-cli: what the
    package lists said (``osinfo.cli_split``, probed on Ubuntu), else known releases."""
    if osinfo.cli_split is not None:
        return osinfo.cli_split
    if osinfo.id == 'debian':
        return osinfo.major >= 13 or osinfo.codename in ('trixie', 'forky', 'sid')
    if osinfo.id == 'ubuntu':
        match = re.match(r'(\d+)\.(\d+)', osinfo.version_id)
        return bool(match) and (int(match.group(1)), int(match.group(2))) >= (25, 4)
    return False


def version_package(osinfo, source):
    """The package whose version the pin applies to."""
    return engine_packages(osinfo, source)[0]


# -- repository files -----------------------------------------------------------------------

def rpm_repo_dir(osinfo):
    return {'el': 'centos', 'fedora': 'fedora'}[osinfo.family] if osinfo.id != 'rhel' or osinfo.major < 8 else 'rhel'


def repo_file(osinfo, channel='stable', repo_url=DEFAULT_REPO_URL):
    """(path, content) of Docker's repository definition for this OS, or None for the distro source."""
    repo_url = repo_url.rstrip('/')
    if osinfo.family == 'debian':
        path = '/etc/apt/sources.list.d/docker.list'
        content = 'deb [arch=%s signed-by=%s] %s/linux/%s %s %s\n' % (
            debian_arch(osinfo.arch), APT_KEYRING, repo_url, osinfo.id, osinfo.codename, channel)
        return path, content
    distro = rpm_repo_dir(osinfo)
    sections = []
    for chan in ('stable', 'test'):
        sections.append('\n'.join([
            '[docker-ce-%s]' % chan,
            'name=Docker CE %s - $basearch' % chan.capitalize(),
            'baseurl=%s/linux/%s/$releasever/$basearch/%s' % (repo_url, distro, chan),
            'enabled=%d' % (1 if chan == channel else 0),
            'gpgcheck=1',
            'gpgkey=%s/linux/%s/gpg' % (repo_url, distro),
        ]))
    return '/etc/yum.repos.d/docker-ce.repo', '\n\n'.join(sections) + '\n'


APT_KEYRING = '/etc/apt/keyrings/docker.asc'


def debian_arch(arch):
    return {'x86_64': 'amd64', 'aarch64': 'arm64', 'armv7l': 'armhf', 'ppc64le': 'ppc64el', 's390x': 's390x'}.get(arch, arch)


def keyring(osinfo, repo_url=DEFAULT_REPO_URL):
    """(path, url) of the signing key apt needs for Docker's repository (dnf fetches gpgkey itself)."""
    if osinfo.family != 'debian':
        return None
    return APT_KEYRING, '%s/linux/%s/gpg' % (repo_url.rstrip('/'), osinfo.id)


# -- versions -------------------------------------------------------------------------------

def strip_epoch(version):
    return version.split(':', 1)[1] if ':' in version else version


def version_matches(version, pin):
    """Whether a package version (``3:24.0.7-1.el9``, ``5:24.0.7-1~debian.12~bookworm``,
    ``20.10.24+dfsg1-1+b3``) matches a user pin (``24.0.7``, ``24.0``, ``20.10.24+dfsg1-1+b3``)."""
    bare = strip_epoch(version)
    if pin in (version, bare):
        return True
    return bare.startswith(pin) and not bare[len(pin):len(pin) + 1].isdigit()


def pick_version(available, pin, package):
    """The newest available version matching ``pin`` (``available`` newest first)."""
    for version in available:
        if version_matches(version, pin):
            return version
    raise InstallError('version %r of %s is not available from the configured repositories; available: %s. '
                       'Set version to one of these (or leave it out for the newest)' % (
                           pin, package, ', '.join(available[:15]) or 'none (is the repository reachable?)'))


def parse_dnf_list(text, package):
    """Versions of ``package`` in ``dnf/yum list --showduplicates PACKAGE`` output, newest first."""
    versions = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 2 and fields[0].rsplit('.', 1)[0] == package:
            if fields[1] not in versions:
                versions.append(fields[1])
    return sorted(versions, key=_rpm_sort_key, reverse=True)


def _rpm_sort_key(version):
    epoch = 0
    if ':' in version:
        head, version = version.split(':', 1)
        epoch = int(head) if head.isdigit() else 0
    return [epoch] + [int(p) if p.isdigit() else 0 for p in re.split(r'[.\-_~+]', version)]


def parse_apt_madison(text, package):
    """Versions in ``apt-cache madison PACKAGE`` output, in apt's order (newest first)."""
    versions = []
    for line in text.splitlines():
        fields = [f.strip() for f in line.split('|')]
        if len(fields) >= 2 and fields[0] == package and fields[1] not in versions:
            versions.append(fields[1])
    return versions


def parse_dpkg_query(text):
    """{package: version} of installed packages from ``dpkg-query -W -f '${Package}\\t${Status}\\t${Version}\\n'``."""
    installed = {}
    for line in text.splitlines():
        fields = line.split('\t')
        if len(fields) == 3 and fields[1].endswith(' installed'):
            installed[fields[0]] = fields[2]
    return installed


def parse_rpm_query(text):
    """{package: version} from ``rpm -q --qf '%{NAME}\\t%{EPOCH}:%{VERSION}-%{RELEASE}\\n' ...``."""
    installed = {}
    for line in text.splitlines():
        fields = line.split('\t')
        if len(fields) == 2:
            version = fields[1]
            if version.startswith('(none):'):
                version = version[len('(none):'):]
            installed[fields[0]] = version
    return installed


# -- the plan -------------------------------------------------------------------------------

class InstallPlan:
    def __init__(self, manager):
        self.manager = manager
        self.install = []       # package specs to install (with version where pinned)
        self.remove = []        # installed packages to remove
        self.repo = None        # (path, content) to write
        self.keyring = None     # (path, url) to fetch
        self.commands = []      # argv lists, in order
        self.notes = []

    @property
    def changes(self):
        return bool(self.install or self.remove or self.repo or self.keyring)

    def as_dict(self):
        return {
            'manager': self.manager,
            'install': list(self.install),
            'remove': list(self.remove),
            'repo_file': {'path': self.repo[0], 'content': self.repo[1]} if self.repo else None,
            'keyring': {'path': self.keyring[0], 'url': self.keyring[1]} if self.keyring else None,
            'commands': [' '.join(c) for c in self.commands],
            'notes': list(self.notes),
        }


def conflicts_for(osinfo, source, installed, remove_conflicts):
    """(to_remove, blocking): installed packages the wanted engine conflicts with, and the ones
    that may only go with remove_conflicts (returned as ``blocking`` when it is false)."""
    always, optional = [], []
    if osinfo.family in ('el', 'fedora'):
        if source == 'docker-ce':
            always = [p for p in EL_DOCKER_CONFLICTS if p in installed]
            if osinfo.family == 'fedora' or osinfo.major >= 8:
                optional = [p for p in EL8_TOOL_CONFLICTS if p in installed]
            optional += [p for p in ('moby-engine',) if p in installed]
        else:
            optional = [p for p in DOCKER_CE_PACKAGES + ['podman-docker'] if p in installed]
    elif source == 'docker-ce':
        optional = [p for p in DEBIAN_CONFLICTS if p in installed]
    else:
        optional = [p for p in ('docker-ce', 'docker-ce-cli', 'containerd.io') if p in installed]
    if remove_conflicts:
        return always + optional, []
    return always, optional


def plan_install(osinfo, source, installed, available=None, version=None, channel='stable',
                 repo_url=DEFAULT_REPO_URL, remove_conflicts=False, allowerasing=False,
                 current_repo=None, have_keyring=False, update_cache=True):
    """What to do so the engine of ``source`` is installed.

    ``installed``: {package: version} of the relevant installed packages;
    ``available``: versions of the engine package, newest first (needed for a pin);
    ``current_repo``: content of the repo file now (None when absent)."""
    check_supported(osinfo)
    manager = package_manager(osinfo)
    plan = InstallPlan(manager)
    pkgs = engine_packages(osinfo, source)
    main = pkgs[0]

    to_remove, blocking = conflicts_for(osinfo, source, installed, remove_conflicts)
    if blocking:
        raise InstallError('installed packages conflict with %s: %s. Remove them first or set remove_conflicts: true '
                           '(they are removed then; containers of other tools may stop working)' % (
                               source, ', '.join(blocking)))
    plan.remove = to_remove

    if source == 'docker-ce':
        repo = repo_file(osinfo, channel, repo_url)
        if current_repo != repo[1]:
            plan.repo = repo
        key = keyring(osinfo, repo_url)
        if key and not have_keyring:
            plan.keyring = key

    pinned = None
    if version:
        if available is None:
            plan.notes.append('version %s of %s: available versions unknown until the repository is configured' % (version, main))
            pinned = version
        else:
            pinned = pick_version(available, version, main)

    wanted = []
    for pkg in pkgs:
        have = installed.get(pkg)
        pin_this = pinned and pkg in (main, 'docker-ce-cli', 'docker-cli')
        if have is None:
            wanted.append((pkg, pinned if pin_this else None))
        elif pin_this and not version_matches(have, version):
            wanted.append((pkg, pinned))
    plan.install = [spec(manager, pkg, ver) for pkg, ver in wanted]

    if plan.remove:
        if manager == 'apt':
            plan.commands.append(['apt-get', 'remove', '-y'] + plan.remove)
        else:
            plan.commands.append([manager, 'remove', '-y'] + plan.remove)
    if plan.install:
        if manager == 'apt':
            if update_cache or plan.repo:
                plan.commands.append(['apt-get', 'update'])
            cmd = ['apt-get', 'install', '-y', '--no-install-recommends']
            if pinned:
                cmd.append('--allow-downgrades')
            plan.commands.append(cmd + plan.install)
        else:
            cmd = [manager, 'install', '-y']
            if allowerasing and manager == 'dnf':
                cmd.append('--allowerasing')
            plan.commands.append(cmd + plan.install)
    return plan


def spec(manager, package, version):
    if not version:
        return package
    if manager == 'apt':
        return '%s=%s' % (package, version)
    # rpm: the epoch differs between docker-ce (3:) and docker-ce-cli (1:); name-version-release is unique
    return '%s-%s' % (package, strip_epoch(version))


def plan_remove(osinfo, source, installed):
    """The commands that remove the engine's packages (only the installed ones)."""
    check_supported(osinfo)
    manager = package_manager(osinfo)
    plan = InstallPlan(manager)
    names = engine_packages(osinfo, source) if source else []
    # whatever engine is installed goes, whichever source put it there
    for pkg in names + DOCKER_CE_PACKAGES + ['docker.io', 'docker-cli', 'moby-engine', 'docker']:
        if pkg in installed and pkg not in plan.remove and pkg != 'container-selinux':
            plan.remove.append(pkg)
    if plan.remove:
        if manager == 'apt':
            plan.commands.append(['apt-get', 'remove', '-y'] + plan.remove)
        else:
            plan.commands.append([manager, 'remove', '-y'] + plan.remove)
    return plan


# -- talking to the package manager through a runner ------------------------------------------

ALL_KNOWN = sorted(set(DOCKER_CE_PACKAGES + EL_DOCKER_CONFLICTS + EL8_TOOL_CONFLICTS + DEBIAN_CONFLICTS
                       + ['container-selinux', 'moby-engine', 'docker.io', 'python3-yaml']))


def query_installed(runner, manager, packages=None):
    packages = list(packages or ALL_KNOWN)
    if manager == 'apt':
        rc, out, err = runner(['dpkg-query', '-W', '-f', '${Package}\t${Status}\t${Version}\n'] + packages)
        return parse_dpkg_query(out)
    rc, out, err = runner(['rpm', '-q', '--qf', '%{NAME}\t%{EPOCH}:%{VERSION}-%{RELEASE}\n'] + packages)
    return parse_rpm_query(out)


def query_available(runner, manager, package):
    """Available versions of ``package``, newest first."""
    if manager == 'apt':
        rc, out, err = runner(['apt-cache', 'madison', package])
        return parse_apt_madison(out, package)
    rc, out, err = runner([manager, '-q', 'list', '--showduplicates', package])
    if rc != 0 and 'No matching Packages' not in (out + err):
        raise InstallError('%s list %s failed: %s' % (manager, package, (err or out).strip()))
    return parse_dnf_list(out, package)


def run_commands(runner, commands, env_debian=True):
    """Run the plan's commands in order; fail with the package manager's own message."""
    for cmd in commands:
        rc, out, err = runner(cmd)
        if rc != 0:
            raise InstallError('%s failed (rc=%s): %s' % (' '.join(cmd), rc, (err or out).strip()[-2000:]))
