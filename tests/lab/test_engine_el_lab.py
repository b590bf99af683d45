"""berth.docker.engine's EL path with the real dnf, on the EL stand-in lab node.

No EL package repository is reachable from the build machines, so the node (tests/support/lab.py,
EL_NODE) is Debian userland whose /etc/os-release says Rocky Linux 9.4, with Debian's builds of the
real dnf 4 and rpm (empty rpm database), and a GPG-signed repository laid out like Docker's at
file:///srv/docker-repo (tests/support/lab_el/build-repo.sh: rpmbuild, rpmsign, createrepo_c) whose
docker-ce, docker-ce-cli and containerd.io packages carry Debian's engine binaries.

Real here: the OS detection, `rpm -q`, the repository file the module writes, `dnf install / remove /
list --showduplicates` with the GPG check against the repository's key, the conflict rules, the
version pin, systemd enable/start and daemon.json. Not real: the package contents are repackaged
Debian binaries, not Docker's EL builds, and there is no SELinux. Marked lab + slow."""

import pytest

from tests.support.ansible_run import four_step, run_tasks
from tests.support.lab import EL_REPO_URL, el_image, lab, lab_image, lab_key  # pylint: disable=unused-import  # noqa: F401

pytestmark = pytest.mark.slow

PACKAGES = '/srv/docker-repo/linux/centos/9/x86_64/stable/Packages'


def engine(args, name='engine'):
    return [{'name': name, 'berth.docker.engine': dict({'repo_url': EL_REPO_URL}, **args)}]


def rpm_q(node, package):
    proc = node.sh("rpm -q --qf '%%{EPOCH}:%%{VERSION}-%%{RELEASE}' %s" % package, check=False)
    return proc.stdout.strip() if proc.returncode == 0 else None


def test_dnf_install_conflicts_pin_and_removal_on_the_el_stand_in(lab, el_image):  # noqa: F811
    node = lab.node('el1', image=el_image)
    kw = {'hosts': node.name, 'inventory': lab.inventory([node])}
    # what an EL host may already have: podman-docker (always in the way of docker-ce) and buildah
    # (an EL8+ tool removed only with remove_conflicts)
    node.sh('rpm -i --nosignature %s/podman-docker-*.rpm %s/buildah-*.rpm' % (PACKAGES, PACKAGES))

    run = run_tasks(engine({}), **kw)
    assert run.rc != 0
    msg = run.task('engine')['msg']
    assert 'buildah' in msg and 'remove_conflicts' in msg, msg
    assert rpm_q(node, 'docker-ce') is None and rpm_q(node, 'podman-docker') is not None
    assert node.sh('test -e /etc/yum.repos.d/docker-ce.repo', check=False).returncode != 0, 'written before failing'

    runs = four_step(engine({'remove_conflicts': True, 'daemon_config': {'labels': ['berth.el=one']}}), **kw)
    check = runs[0].task('engine')
    for action in ('remove package podman-docker', 'remove package buildah', 'install package docker-ce',
                   'install package container-selinux', 'write repository file /etc/yum.repos.d/docker-ce.repo',
                   'start dockerd'):
        assert action in check['actions'], check['actions']
    real = runs[1].task('engine')
    assert real['os'] == {'id': 'rocky', 'version': '9.4', 'family': 'el'} and real['source'] == 'docker-ce'
    assert real['service_manager'] == 'systemd' and real['enabled'] is True and real['active'] is True
    assert rpm_q(node, 'docker-ce') == '3:20.10.24-1.el9' and rpm_q(node, 'containerd.io') == '(none):1.6.20-1.el9'
    assert rpm_q(node, 'podman-docker') is None and rpm_q(node, 'buildah') is None
    repo = node.sh('cat /etc/yum.repos.d/docker-ce.repo').stdout
    assert 'baseurl=file:///srv/docker-repo/linux/centos/$releasever/$basearch/stable' in repo
    assert 'gpgcheck=1' in repo and 'gpgkey=file:///srv/docker-repo/linux/centos/gpg' in repo
    assert 'berth lab repository' in node.sh("rpm -q gpg-pubkey --qf '%{SUMMARY}\\n'").stdout  # dnf imported the key
    assert node.sh('systemctl is-enabled docker').stdout.strip() == 'enabled'
    assert node.sh("docker info --format '{{json .Labels}}'").stdout.strip() == '["berth.el=one"]'

    # the version pin is checked against `dnf list --showduplicates`
    assert not run_tasks(engine({'version': '20.10.24'}), **kw).assert_ok().changed
    run = run_tasks(engine({'version': '99.1'}), **kw)
    assert run.rc != 0
    msg = run.task('engine')['msg']
    assert "version '99.1' of docker-ce is not available" in msg and '3:20.10.24-1.el9' in msg, msg
    assert node.sh('systemctl is-active docker').stdout.strip() == 'active'

    # absent (forced): dnf removes every engine package, the service is gone, /var/lib/docker stays
    runs = four_step(engine({'state': 'absent', 'force': True}), **kw)
    assert 'remove package docker-ce' in runs[1].task('engine')['actions']
    assert rpm_q(node, 'docker-ce') is None and rpm_q(node, 'docker-ce-cli') is None
    assert node.sh('systemctl is-active docker', check=False).stdout.strip() != 'active'
    assert node.sh('test -d /var/lib/docker').returncode == 0
