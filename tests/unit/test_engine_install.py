"""engine_install planning. The EL family cannot run here (no EL repository is reachable): those
tests are SIMULATIONS that feed recorded rpm/dnf/yum output through a recorded command runner
and check the plan (package sets, conflicts, repo file, dnf vs yum, version pins). Debian plans are
checked the same way; the real Debian install runs in the lab suite."""

import pytest

from ansible_collections.berth.docker.plugins.module_utils import engine_install as inst


class RecordedRunner:
    """A command runner that answers from recorded output (first matching argv prefix) and keeps
    every call. Used only because no EL host or repository is reachable here."""

    def __init__(self, answers):
        self.answers = answers
        self.calls = []

    def __call__(self, argv, data=None):
        self.calls.append(list(argv))
        for prefix, answer in self.answers:
            if list(argv[:len(prefix)]) == list(prefix):
                return answer
        raise AssertionError('unexpected command in simulation: %s' % argv)


EL9 = inst.OSInfo('rocky', '9.3', like=['rhel', 'centos', 'fedora'], name='Rocky Linux 9.3')
EL8 = inst.OSInfo('almalinux', '8.9', name='AlmaLinux 8.9')
EL7 = inst.OSInfo('centos', '7', name='CentOS Linux 7')
RHEL9 = inst.OSInfo('rhel', '9.4', name='Red Hat Enterprise Linux 9.4')
FEDORA = inst.OSInfo('fedora', '40', name='Fedora Linux 40')
DEBIAN = inst.OSInfo('debian', '12', 'bookworm', name='Debian GNU/Linux 12 (bookworm)')
UBUNTU = inst.OSInfo('ubuntu', '24.04', 'noble', name='Ubuntu 24.04')

# recorded `rpm -q --qf '%{NAME}\t%{EPOCH}:%{VERSION}-%{RELEASE}\n' ...` of an EL9 host with podman
RPM_EL9_PODMAN = ('runc\t4:1.1.12-1.el9\npodman\t4:4.9.4-1.el9\npodman-docker\t(none):4.9.4-1.el9\n'
                  'package docker-ce is not installed\npackage buildah is not installed\n')
# recorded `dnf -q list --showduplicates docker-ce` from Docker's EL9 repository
DNF_LIST = """Available Packages
docker-ce.x86_64                3:24.0.7-1.el9                 docker-ce-stable
docker-ce.x86_64                3:25.0.5-1.el9                 docker-ce-stable
docker-ce.x86_64                3:24.0.9-1.el9                 docker-ce-stable
docker-ce.x86_64                3:26.1.3-1.el9                 docker-ce-stable
"""


def test_simulation_el9_docker_ce_conflicts_fail_without_remove_conflicts():
    """Simulation (recorded rpm output): on EL9, installed runc and podman block docker-ce unless
    remove_conflicts; the message names them. podman-docker is removed anyway."""
    runner = RecordedRunner([(['rpm', '-q'], (0, RPM_EL9_PODMAN, ''))])
    installed = inst.query_installed(runner, 'dnf')
    assert installed['podman-docker'] == '4.9.4-1.el9' and installed['runc'] == '4:1.1.12-1.el9'
    with pytest.raises(inst.InstallError) as err:
        inst.plan_install(EL9, 'docker-ce', installed)
    assert 'runc' in str(err.value) and 'podman' in str(err.value) and 'remove_conflicts: true' in str(err.value)

    plan = inst.plan_install(EL9, 'docker-ce', installed, remove_conflicts=True, allowerasing=True)
    assert plan.manager == 'dnf'
    assert plan.remove == ['podman-docker', 'runc', 'podman']
    assert plan.install == inst.DOCKER_CE_PACKAGES + ['container-selinux']
    assert plan.commands == [['dnf', 'remove', '-y', 'podman-docker', 'runc', 'podman'],
                             ['dnf', 'install', '-y', '--allowerasing'] + plan.install]


def test_simulation_el9_repo_file_contents_and_channel():
    """Simulation: the docker-ce.repo for Rocky 9 points at the centos tree, stable enabled, gpgcheck on;
    the test channel flips which section is enabled; RHEL 8+ uses the rhel tree."""
    plan = inst.plan_install(EL9, 'docker-ce', {})
    path, content = plan.repo
    assert path == '/etc/yum.repos.d/docker-ce.repo'
    assert '[docker-ce-stable]\nname=Docker CE Stable - $basearch\n' \
           'baseurl=https://download.docker.com/linux/centos/$releasever/$basearch/stable\nenabled=1\ngpgcheck=1\n' \
           'gpgkey=https://download.docker.com/linux/centos/gpg' in content
    assert '[docker-ce-test]' in content and 'test\nenabled=0' in content
    test_content = inst.repo_file(EL9, 'test')[1]
    assert 'stable\nenabled=0' in test_content and 'test\nenabled=1' in test_content
    assert '/linux/rhel/$releasever' in inst.repo_file(RHEL9)[1]
    assert '/linux/fedora/$releasever' in inst.repo_file(FEDORA)[1]
    # unchanged repo file: no action
    assert inst.plan_install(EL9, 'docker-ce', {}, current_repo=content).repo is None
    assert plan.keyring is None  # dnf fetches gpgkey itself


def test_simulation_el7_uses_yum_and_distro_docker():
    """Simulation: CentOS 7 uses yum (no --allowerasing), its distro package is `docker`, and old docker
    packages are removed when installing docker-ce without asking (runc/podman rule is EL8+ only)."""
    runner = RecordedRunner([(['rpm', '-q'], (1, 'docker-common\t2:1.13.1-209.git7d71120.el7.centos\nrunc\t(none):1.0.0\n', ''))])
    installed = inst.query_installed(runner, inst.package_manager(EL7))
    assert runner.calls[0][0] == 'rpm'
    plan = inst.plan_install(EL7, 'docker-ce', installed, allowerasing=True)
    assert plan.manager == 'yum'
    assert plan.remove == ['docker-common']
    assert plan.commands[-1][:3] == ['yum', 'install', '-y'] and '--allowerasing' not in plan.commands[-1]
    assert inst.plan_install(EL7, 'distro', {}).install == ['docker']


def test_simulation_el8_distro_has_no_engine():
    """Simulation: EL8+ has no docker package of its own; source=distro says to use docker-ce."""
    with pytest.raises(inst.InstallError) as err:
        inst.plan_install(EL8, 'distro', {})
    assert 'use source: docker-ce' in str(err.value)


def test_simulation_el9_version_pin_picks_newest_match():
    """Simulation (recorded `dnf list --showduplicates`): pin 24.0 picks 24.0.9, strips the epoch for the
    rpm spec (docker-ce-cli has another epoch), pins engine and CLI only."""
    runner = RecordedRunner([(['dnf', '-q', 'list'], (0, DNF_LIST, ''))])
    available = inst.query_available(runner, 'dnf', 'docker-ce')
    assert available == ['3:26.1.3-1.el9', '3:25.0.5-1.el9', '3:24.0.9-1.el9', '3:24.0.7-1.el9']
    plan = inst.plan_install(EL9, 'docker-ce', {}, available=available, version='24.0')
    assert plan.install[:2] == ['docker-ce-24.0.9-1.el9', 'docker-ce-cli-24.0.9-1.el9']
    assert plan.install[2:] == ['containerd.io', 'docker-buildx-plugin', 'docker-compose-plugin', 'container-selinux']
    # installed at the pinned version: nothing to do; at another: reinstall pinned
    ok = {p: '3:24.0.9-1.el9' for p in inst.DOCKER_CE_PACKAGES + ['container-selinux']}
    assert not inst.plan_install(EL9, 'docker-ce', ok, available=available, version='24.0',
                                 current_repo=inst.repo_file(EL9)[1]).changes
    other = dict(ok, **{'docker-ce': '3:26.1.3-1.el9'})
    assert inst.plan_install(EL9, 'docker-ce', other, available=available, version='24.0.9').install == ['docker-ce-24.0.9-1.el9']


def test_simulation_el9_version_pin_that_does_not_exist():
    """Simulation: a pin no repository offers fails listing what is available."""
    available = inst.parse_dnf_list(DNF_LIST, 'docker-ce')
    with pytest.raises(inst.InstallError) as err:
        inst.plan_install(EL9, 'docker-ce', {}, available=available, version='23.0')
    assert "version '23.0' of docker-ce is not available" in str(err.value) and '3:26.1.3-1.el9' in str(err.value)


def test_simulation_fedora_packages():
    """Simulation: Fedora's distro engine is moby-engine; docker-ce adds container-selinux only on EL."""
    assert inst.plan_install(FEDORA, 'distro', {}).install == ['moby-engine']
    assert inst.plan_install(FEDORA, 'docker-ce', {}).install == inst.DOCKER_CE_PACKAGES
    assert inst.package_manager(FEDORA) == 'dnf'


def test_debian_docker_ce_apt_repository_with_signed_by_keyring():
    plan = inst.plan_install(DEBIAN, 'docker-ce', {})
    assert plan.repo == ('/etc/apt/sources.list.d/docker.list',
                         'deb [arch=amd64 signed-by=/etc/apt/keyrings/docker.asc] '
                         'https://download.docker.com/linux/debian bookworm stable\n')
    assert plan.keyring == ('/etc/apt/keyrings/docker.asc', 'https://download.docker.com/linux/debian/gpg')
    assert plan.commands[0] == ['apt-get', 'update']
    assert plan.commands[1][:4] == ['apt-get', 'install', '-y', '--no-install-recommends']
    ubuntu = inst.plan_install(UBUNTU, 'docker-ce', {}, have_keyring=True)
    assert ubuntu.keyring is None and 'linux/ubuntu noble stable' in ubuntu.repo[1]


def test_debian_conflicts_and_distro_pin():
    with pytest.raises(inst.InstallError) as err:
        inst.plan_install(DEBIAN, 'docker-ce', {'docker.io': '20.10.24+dfsg1-1+b3'})
    assert 'docker.io' in str(err.value)
    madison = ' docker.io | 20.10.24+dfsg1-1+b3 | http://deb.debian.org/debian bookworm/main amd64 Packages\n'
    available = inst.parse_apt_madison(madison, 'docker.io')
    plan = inst.plan_install(DEBIAN, 'distro', {}, available=available, version='20.10.24')
    assert plan.install == ['docker.io=20.10.24+dfsg1-1+b3'] and '--allow-downgrades' in plan.commands[-1]
    assert not inst.plan_install(DEBIAN, 'distro', {'docker.io': '20.10.24+dfsg1-1+b3'}).changes


def test_debian_13_and_ubuntu_25_04_install_the_split_docker_cli():
    trixie = inst.OSInfo('debian', '13', 'trixie')
    plan = inst.plan_install(trixie, 'distro', {})
    assert plan.install == ['docker.io', 'docker-cli']
    # an engine installed without its CLI (recommends skipped) gets the CLI added
    assert inst.plan_install(trixie, 'distro', {'docker.io': '26.1.5+dfsg1-9+b9'}).install == ['docker-cli']
    assert inst.engine_packages(inst.OSInfo('ubuntu', '25.04', 'plucky'), 'distro') == ['docker.io', 'docker-cli']
    assert inst.engine_packages(inst.OSInfo('ubuntu', '24.04', 'noble'), 'distro') == ['docker.io']
    assert inst.engine_packages(DEBIAN, 'distro') == ['docker.io']
    probed = inst.OSInfo('ubuntu', '24.10', 'oracular')
    probed.cli_split = True  # what apt-cache said on the host wins over the release rule
    assert inst.engine_packages(probed, 'distro') == ['docker.io', 'docker-cli']
    removal = inst.plan_remove(trixie, 'distro', {'docker.io': '26.1.5', 'docker-cli': '26.1.5'})
    assert removal.remove == ['docker.io', 'docker-cli']


def test_version_matching():
    assert inst.version_matches('3:24.0.7-1.el9', '24.0.7')
    assert inst.version_matches('3:24.0.7-1.el9', '24.0')
    assert not inst.version_matches('3:24.0.7-1.el9', '24.0.1')
    assert not inst.version_matches('3:24.10.1-1.el9', '24.1')
    assert inst.version_matches('5:24.0.7-1~debian.12~bookworm', '24.0.7')


def test_unsupported_os_lists_the_supported_ones():
    alpine = inst.parse_os_release('NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="Alpine Linux v3.19"\n')
    with pytest.raises(inst.InstallError) as err:
        inst.plan_install(alpine, 'distro', {})
    msg = str(err.value)
    assert "unsupported operating system 'Alpine Linux v3.19'" in msg
    for name in ('CentOS 7-10', 'Rocky', 'AlmaLinux', 'Fedora', 'Debian', 'Ubuntu'):
        assert name in msg
    with pytest.raises(inst.InstallError) as err:
        inst.check_supported(inst.OSInfo('centos', '6.10'))
    assert 'from 7 to 10' in str(err.value)


def test_parse_os_release_and_defaults():
    osinfo = inst.parse_os_release('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n'
                                   'VERSION_CODENAME=bookworm\n')
    assert (osinfo.family, osinfo.major, osinfo.codename) == ('debian', 12, 'bookworm')
    assert inst.default_source(osinfo) == 'distro' and inst.default_source(EL9) == 'docker-ce'


def test_plan_remove_only_installed():
    plan = inst.plan_remove(DEBIAN, 'distro', {'docker.io': '20.10', 'python3-yaml': '6'})
    assert plan.remove == ['docker.io'] and plan.commands == [['apt-get', 'remove', '-y', 'docker.io']]
    plan = inst.plan_remove(EL9, 'docker-ce', {'docker-ce': '3:24', 'containerd.io': '1.6', 'container-selinux': '2'})
    assert plan.remove == ['docker-ce', 'containerd.io']
