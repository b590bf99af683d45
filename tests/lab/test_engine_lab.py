"""berth.docker.engine (module and role) on a lab node: a fresh Debian host with systemd and sshd,
reached over SSH, gets docker.io installed, enabled and started, daemon.json applied (reload vs
restart proved by the dockerd PID), a daemon.json the engine cannot start with rolled back (an
unknown storage driver; a bip overlapping a user-defined network, with a restart-policy container
that runs again afterwards), and a second run reports no change. The docker CLI and systemctl inside the node are the witnesses.
Marked lab + slow (tests/conftest.py): installing docker.io on the node takes a while."""

import subprocess

import pytest

from tests.support.ansible_run import four_step, run_tasks
from tests.support.lab import lab, lab_image, lab_key  # pylint: disable=unused-import  # noqa: F401

pytestmark = pytest.mark.slow


ROLE_TASK = 'berth.docker.engine : Install, configure and run the Docker engine'
PYYAML_TASK = 'berth.docker.engine : Install PyYAML for berth.docker.compose'


def engine(args, name='engine'):
    return [{'name': name, 'berth.docker.engine': args}]


def main_pid(node):
    return int(node.sh('systemctl show -p MainPID --value docker').stdout.strip())


def test_engine_lifecycle_on_a_fresh_node(lab, busybox_image):  # noqa: F811
    node = lab.node('n1')
    inventory = lab.inventory()
    kw = {'hosts': node.name, 'inventory': inventory}

    # unsupported OS: the message lists the supported ones (os-release changed only on this node)
    node.sh('cp /etc/os-release /root/os-release && sed -i "s/^ID=.*/ID=alpine/" /etc/os-release')
    run = run_tasks(engine({}), **kw)
    assert run.rc != 0
    msg = run.task('engine')['msg']
    assert "unsupported operating system" in msg and 'ID=alpine' in msg
    for name in ('CentOS 7-10', 'Fedora', 'Debian', 'Ubuntu'):
        assert name in msg
    node.sh('cp /root/os-release /etc/os-release')
    assert node.sh('command -v dockerd', check=False).returncode != 0, 'the node is not fresh'

    # 1. install + configure + enable + start through the role, four steps
    node.sh('useradd -m deploy')
    had_yaml = node.sh("python3 -c 'import yaml'", check=False).returncode == 0
    role = [{'name': 'engine role', 'ansible.builtin.include_role': {'name': 'berth.docker.engine'},
             'vars': {'engine_daemon_config': {'labels': ['berth.lab=one']}, 'engine_users': ['deploy']}}]
    runs = four_step(role, **kw)
    check = runs[0].task(ROLE_TASK)
    assert 'install package docker.io' in check['actions'] and check['service_manager'] == 'systemd'
    real = runs[1].task(ROLE_TASK)
    assert real['enabled'] is True and real['active'] is True and real['engine']['version'].startswith('20.10')
    assert node.sh("dpkg-query -W -f '${Status}' docker.io").stdout == 'install ok installed'
    assert node.sh('systemctl is-enabled docker').stdout.strip() == 'enabled'
    assert node.sh('systemctl is-active docker').stdout.strip() == 'active'
    assert node.sh("docker info --format '{{json .Labels}}'").stdout.strip() == '["berth.lab=one"]'
    assert node.sh("python3 -c 'import yaml'").returncode == 0  # compose support
    # the module says whether the host's Python imports PyYAML; the role's package task runs only when not
    assert check['python_yaml'] is had_yaml and runs[3].task(ROLE_TASK)['python_yaml'] is True
    assert runs[1].status(PYYAML_TASK) == ('skipped' if had_yaml else 'ok')
    assert runs[3].status(PYYAML_TASK) == 'skipped'
    assert 'docker' in node.sh('id -nG deploy').stdout.split() and real['users_added'] == ['deploy']
    assert runs[3].task(ROLE_TASK)['users_added'] == []
    pid = main_pid(node)
    assert real['pid'] == pid

    # 2. a reloadable change: SIGHUP, same PID
    runs = four_step(engine({'daemon_config': {'labels': ['berth.lab=two'], 'live-restore': True}}), **kw)
    real = runs[1].task('engine')
    assert real['actions'] == ['write /etc/docker/daemon.json (changed: labels, live-restore)', 'reload dockerd (SIGHUP)']
    assert main_pid(node) == pid
    assert node.sh("docker info --format '{{json .Labels}} {{.LiveRestoreEnabled}}'").stdout.strip() == '["berth.lab=two"] true'

    # 3. a non-reloadable change: restart, new PID
    runs = four_step(engine({'daemon_config': {'log-driver': 'local'}}), **kw)
    real = runs[1].task('engine')
    assert real['restart_keys'] == ['log-driver']
    new_pid = main_pid(node)
    assert new_pid != pid and real['pid'] == new_pid
    assert node.sh("docker info --format '{{.LoggingDriver}}'").stdout.strip() == 'local'

    # 4. a daemon.json the engine cannot start with: rolled back, engine running again
    before = node.sh('cat /etc/docker/daemon.json').stdout
    run = run_tasks(engine({'daemon_config': {'storage-driver': 'berth-no-such-driver'}}), **kw)
    assert run.rc != 0
    result = run.task('engine')
    assert result['rolled_back'] is True and 'berth-no-such-driver' in result['msg']
    assert node.sh('cat /etc/docker/daemon.json').stdout == before
    assert node.sh('systemctl is-active docker').stdout.strip() == 'active'
    assert node.sh("docker info --format '{{.LoggingDriver}}'").stdout.strip() == 'local'

    # 4c. a bip overlapping a user-defined network, with a container (restart policy) on it: refused
    # before writing, naming the network; with that check off, dockerd refuses it at start ("Pool
    # overlaps"): the file comes back byte for byte, the unit runs again with the same command line
    # on the old configuration, and the container runs again
    save = subprocess.Popen(['docker', 'save', busybox_image], stdout=subprocess.PIPE)
    subprocess.run(['docker', 'exec', '-i', node.name, 'docker', 'load', '-q'], stdin=save.stdout, check=True,
                   stdout=subprocess.DEVNULL)
    save.wait()
    node.sh('docker network create --subnet 10.123.45.0/24 berth-usernet')
    node.sh('docker run -d --name berth-keeper --restart unless-stopped --network berth-usernet --init %s sleep 3600'
            % busybox_image)
    pid = main_pid(node)
    cmdline = node.sh('cat /proc/%d/cmdline' % pid).stdout
    run = run_tasks(engine({'daemon_config': {'bip': '10.123.45.1/24'}}), **kw)
    msg = run.task('engine')['msg']
    assert run.rc != 0 and 'nothing was written' in msg and 'Docker network "berth-usernet"' in msg, msg
    assert main_pid(node) == pid and node.sh('cat /etc/docker/daemon.json').stdout == before
    # (live-restore off in the new file: with live-restore and running containers dockerd 20.10 keeps the
    # old network settings and ignores a new bip, "the network config will not take affect")
    run = run_tasks(engine({'daemon_config': {'bip': '10.123.45.1/24', 'live-restore': False},
                            'check_address_collisions': False}), **kw)
    result = run.task('engine')
    assert run.rc != 0 and result['rolled_back'] is True and result['engine_running'] is True, result['msg']
    assert result['msg'].startswith('the new daemon.json (changed: bip="10.123.45.1/24", live-restore=false) was '
                                    'refused: ')
    assert 'Pool overlaps with other one on this address space' in result['msg']
    assert 'the engine is running again on the old configuration' in result['msg']
    assert node.sh('cat /etc/docker/daemon.json').stdout == before
    assert node.sh('systemctl is-active docker').stdout.strip() == 'active'
    new_pid = main_pid(node)
    assert new_pid != pid and result['pid'] == new_pid
    assert node.sh('cat /proc/%d/cmdline' % new_pid).stdout == cmdline
    # dockerd itself does not bring it back here: the refused start (live-restore off) killed it and
    # marked it stopped by hand; the module starts again what ran before with a restart policy
    assert result['containers_revived'] in ([], ['berth-keeper'])
    keeper = node.sh('for i in $(seq 150); do [ "$(docker inspect -f {{.State.Running}} berth-keeper)" = true ] && '
                     'exit 0; sleep 0.2; done; exit 1', check=False)
    assert keeper.returncode == 0, node.sh('docker ps -a; docker inspect -f "{{json .State}} {{.RestartCount}}" '
                                           'berth-keeper; journalctl -u docker -n 40 --no-pager -o cat',
                                           check=False).stdout

    # 4b. "hosts" in daemon.json against the unit's -H fd://: explained, nothing written
    run = run_tasks(engine({'daemon_config': {'hosts': ['tcp://127.0.0.1:2375']}}), **kw)
    assert run.rc != 0 and '-H fd://' in run.task('engine')['msg'] and 'drop-in' in run.task('engine')['msg']
    assert node.sh('cat /etc/docker/daemon.json').stdout == before

    # 5. the whole desired state once more: nothing to do
    final = {'labels': ['berth.lab=two'], 'live-restore': True, 'log-driver': 'local'}
    run = run_tasks([dict(role[0], vars={'engine_daemon_config': final, 'engine_users': ['deploy']})], **kw).assert_ok()
    assert not run.changed, run.changed

    # 6. absent: refused while a container runs (named), then forced: engine stopped, packages removed
    node.sh('docker run -d --name berth-sleeper --init %s sleep 600' % busybox_image)
    run = run_tasks(engine({'state': 'absent'}), **kw)
    assert run.rc != 0 and 'berth-sleeper' in run.task('engine')['msg']
    assert node.sh('systemctl is-active docker').stdout.strip() == 'active'
    runs = four_step(engine({'state': 'absent', 'force': True}), **kw)
    assert 'remove package docker.io' in runs[1].task('engine')['actions']
    assert node.sh("dpkg-query -W -f '${Status}' docker.io", check=False).stdout != 'install ok installed'
    assert node.sh('systemctl is-active docker', check=False).stdout.strip() != 'active'
    assert node.sh('test -d /var/lib/docker').returncode == 0  # data kept without purge_data
