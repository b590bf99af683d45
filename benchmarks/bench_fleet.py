"""Benchmark: the main job on lab fleets of 2, 4 and 6 web hosts (docs/fleet.md), each measured in the
same run, the 2-host fleet being the baseline.

For each size it starts a lab fleet on this machine's engine (N web nodes and one node that is the load
balancer, the database host and the registry host; Debian with systemd and sshd, no engine), installs the
engine (the engine role), gives the registry host the light tier's images (as test_fleet_site.py does),
then times, with ``ansible-playbook -f FORKS`` (10 by default):

1. site.yml from the bare nodes (converge);
2. site.yml again: must change nothing (the no-change run the ratio is about);
3. rolling_update.yml to version 2 (a new image only the registry host has), under ``--workers``
   client threads sending GET / through the lb node's address: requests, failures, seconds per web host;
4. the naive redeploy, for contrast: site.yml with version 3 (every replica recreated at once, nothing
   drained), under the same load: its failed requests.

Then it prints the table and the no-change ratio of every size against the 2-host fleet (the issue's
target: 6 hosts within 1.5x of 2). Where the engine's containers have cgroup v1 CPU accounting
(/sys/fs/cgroup/cpuacct/docker), the no-change run's CPU-seconds are split into the controller's (everything
outside the engine's containers: ansible-playbook, ssh) and the lab nodes' (sshd, the modules, the nodes'
engines and containers), and the nodes' idle background (the light tier's 1 s healthchecks) is measured for
10 s before it: on this machine every node shares the same cores, so those figures say where a no-change
run's time goes. Traffic goes only to the lab nodes' addresses. Every node, network and
file it made is removed. It asserts nothing beyond each run succeeding.

    .venv/bin/python benchmarks/bench_fleet.py [--hosts 2,4,6] [--forks 10] [--workers 2]
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.lab.test_fleet_registry import REGISTRY_IMAGE, _base_image, _load, _registry_image  # noqa: E402
from tests.lab.test_fleet_site import _derive, _light_vars  # noqa: E402
from tests.support import docker_cli  # noqa: E402
from tests.support.ansible_run import run_playbook, run_tasks  # noqa: E402
from tests.support.haproxy import Load, http_get, wait_until  # noqa: E402
from tests.support.images import ensure_busybox, ensure_debian, ensure_web  # noqa: E402
from tests.support.lab import Lab, make_key, node_image  # noqa: E402

SITE = os.path.join(ROOT, 'playbooks', 'site.yml')
ROLLING_UPDATE = os.path.join(ROOT, 'playbooks', 'rolling_update.yml')


class _Path(str):
    """What the registry image helper expects of pytest's tmp_path (``/``)."""

    def __truediv__(self, other):
        return _Path(os.path.join(self, other))


CPUACCT = '/sys/fs/cgroup/cpuacct'


def cpu_seconds():
    """(everything, the engine's containers) in CPU-seconds since boot, or None without cgroup v1 cpuacct."""
    try:
        with open(os.path.join(CPUACCT, 'cpuacct.usage')) as total, open(os.path.join(CPUACCT, 'docker', 'cpuacct.usage')) as docker:
            return int(total.read()) / 1e9, int(docker.read()) / 1e9
    except OSError:
        return None


def cpu_split(before, after):
    """{controller, nodes} CPU-seconds between two cpu_seconds() readings (None when unknown)."""
    if before is None or after is None:
        return {'controller': None, 'nodes': None}
    nodes = after[1] - before[1]
    return {'controller': round(after[0] - before[0] - nodes, 1), 'nodes': round(nodes, 1)}


def timed(playbook, inventory, extra, forks, load=None):
    started = time.time()
    run = run_playbook(playbook, inventory=inventory, extra_vars=extra, timeout=3600, args=['-f', str(forks)])
    seconds = time.time() - started
    if run.rc != 0 or run.failed:
        raise SystemExit('%s failed (rc %s):\n%s' % (os.path.basename(playbook), run.rc, run.output[-6000:]))
    return run, round(seconds, 1)


def under_load(lb_ip, workers, playbook, inventory, extra, forks):
    with Load(80, workers=workers, host=lb_ip, pause=0.01) as load:
        time.sleep(1.0)
        before_ok, before_failed = load.ok, len(load.failed)
        run, seconds = timed(playbook, inventory, extra, forks)
        time.sleep(2.0)
    failed = load.failed[before_failed:]
    return run, seconds, load.ok - before_ok + len(failed), len(failed)


def one_size(web, forks, workers, registry_image):
    prefix = 'berthbench%s-' % uuid.uuid4().hex[:6]
    tmp = tempfile.mkdtemp(prefix='berth-bench-fleet-')
    lab = Lab(prefix, node_image(), make_key(tmp), tmp)
    try:
        started = time.time()
        fleet = lab.fleet(web=web)
        engine = [{'name': 'engine', 'ansible.builtin.include_role': {'name': 'berth.docker.engine'}}]
        run_tasks(engine, hosts='all', inventory=fleet.inventory, timeout=3600, args=['-f', str(forks)]).assert_ok()
        busybox, web_image = ensure_busybox(), ensure_web()
        _load(fleet.lb, registry_image, busybox, web_image)
        fleet.lb.sh('docker tag %s %snginx:1' % (web_image, prefix))
        for version in ('2', '3'):  # the rollout's and the naive redeploy's versions, only on the registry host
            _derive(fleet.lb, '%snginx:1' % prefix, '%snginx:%s' % (prefix, version), 'LABEL v=%s' % version)
        setup = round(time.time() - started, 1)
        extra = _light_vars(web_image, busybox, prefix)
        _run, converge = timed(SITE, fleet.inventory, extra, forks)
        idle_before = cpu_seconds()
        time.sleep(10)
        idle = cpu_split(idle_before, cpu_seconds())
        cpu_before = cpu_seconds()
        again, no_change = timed(SITE, fleet.inventory, extra, forks)
        cpu = cpu_split(cpu_before, cpu_seconds())
        wait_until(lambda: http_get(80, '/', host=fleet.lb.ip)[0] == 200, timeout=60, what='an answer through HAProxy')
        _run, roll, roll_requests, roll_failed = under_load(fleet.lb.ip, workers, ROLLING_UPDATE, fleet.inventory,
                                                            dict(extra, web_stack_version='2'), forks)
        _run, naive, naive_requests, naive_failed = under_load(fleet.lb.ip, workers, SITE, fleet.inventory,
                                                               dict(extra, web_stack_version='3'), forks)
        return {'web_hosts': web, 'setup_s': setup, 'converge_s': converge, 'no_change_s': no_change,
                'no_change_changed': len(again.changed),
                'no_change_cpu_controller_s': cpu['controller'], 'no_change_cpu_nodes_s': cpu['nodes'],
                'idle_nodes_cores': None if idle['nodes'] is None else round(idle['nodes'] / 10, 2),
                'rollout_s': roll, 'rollout_s_per_host': round(roll / web, 1),
                'rollout_requests': roll_requests, 'rollout_failed': roll_failed,
                'naive_s': naive, 'naive_requests': naive_requests, 'naive_failed': naive_failed}
    finally:
        docker_cli.cleanup(prefix)  # the nodes (and their engines' contents), the network
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--hosts', default='2,4,6', help='web host counts, the first one is the baseline (default 2,4,6)')
    parser.add_argument('--forks', type=int, default=10)
    parser.add_argument('--workers', type=int, default=2, help='load threads, 10 ms pause each (default 2)')
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix='berth-bench-registry-')
    try:
        _registry_image(_base_image(ensure_debian()), _Path(tmp))  # REGISTRY_IMAGE, as the lab tests build it
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    results = []
    for web in [int(n) for n in args.hosts.split(',')]:
        figures = one_size(web, args.forks, args.workers, REGISTRY_IMAGE)
        results.append(figures)
        print(json.dumps(figures), flush=True)
    base = results[0]['no_change_s']
    print()
    header = ('hosts', 'converge s', 'no-change s', 'ratio', 'rollout s', 's / host', 'roll failed', 'naive failed')
    print('%5s %10s %11s %7s %10s %9s %12s %12s' % header)
    for f in results:
        print('%5d %10.1f %11.1f %6.2fx %10.1f %9.1f %5d/%-6d %5d/%-6d' % (
            f['web_hosts'], f['converge_s'], f['no_change_s'], f['no_change_s'] / base, f['rollout_s'],
            f['rollout_s_per_host'], f['rollout_failed'], f['rollout_requests'], f['naive_failed'], f['naive_requests']))
    print('no-change site.yml: %d hosts %.2fx the %d-host run (target: within 1.5x)' % (
        results[-1]['web_hosts'], results[-1]['no_change_s'] / base, results[0]['web_hosts']))
    if results[0]['no_change_cpu_nodes_s'] is not None:
        print()
        print('the no-change run\'s CPU-seconds (this machine: %d cores shared by the controller and every node)' % os.cpu_count())
        print('%5s %11s %14s %9s %11s %12s' % ('hosts', 'controller', 'vs first', 'nodes', 'vs first', 'idle nodes'))
        first = results[0]
        for f in results:
            print('%5d %11.1f %13.2fx %9.1f %10.2fx %8.2f cores' % (
                f['web_hosts'], f['no_change_cpu_controller_s'],
                f['no_change_cpu_controller_s'] / first['no_change_cpu_controller_s'], f['no_change_cpu_nodes_s'],
                f['no_change_cpu_nodes_s'] / first['no_change_cpu_nodes_s'], f['idle_nodes_cores']))


if __name__ == '__main__':
    main()
