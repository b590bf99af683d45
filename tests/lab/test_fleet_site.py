"""playbooks/site.yml in fleet mode on a lab fleet: two web nodes and one node that is the load balancer,
the database host and the registry host (the groups webservers, loadbalancers, dbservers of lab.fleet()).

The light web tier (berth-test/web replicas and static service, busybox stand-ins for php and the database,
the database stand-in answering on 3306): the images are given to the registry host (docker load, with the
prebuilt registry image of test_fleet_registry.py) and site.yml pushes them to the fleet registry once; the
web hosts pull them. The engines are installed first (the engine role), then site.yml runs four times (check,
real, check, real: check mode predicts exactly the real run's changes per host, the last two change
nothing). Then: the database runs on the db node only; requests through the lb node's HAProxy reach all
four replicas of both web hosts in round robin, and each of them reaches the database itself (GET /cgi-bin/db);
/static/app.css goes to the static backend; the stats
listener answers only with the credentials; the database port refuses this machine and answers the web
hosts. Witnesses: docker inside the nodes (docker exec), HTTP and TCP from here to the lb node's address."""

import os
import socket
import stat
import threading
import time

import pytest

from tests.lab.test_fleet_registry import REGISTRY_IMAGE, _base_image, _load, _registry_image
from tests.support.ansible_run import ROOT, run_playbook, run_tasks
from tests.support.haproxy import Load, http_get, wait_until
from tests.support import docker_cli
from tests.support.lab import in_parallel, lab, lab_image, lab_key  # pylint: disable=unused-import  # noqa: F401
from tests.support.lab import wait_node, write_fleet_inventory

pytestmark = pytest.mark.slow

SITE = os.path.join(ROOT, 'playbooks', 'site.yml')
ROLLING_UPDATE = os.path.join(ROOT, 'playbooks', 'rolling_update.yml')
TEARDOWN = os.path.join(ROOT, 'playbooks', 'teardown.yml')
IDLE = ['sh', '-c', "trap 'exit 0' TERM; while :; do sleep 1; done"]
DB_PORT = 3306
PROJECT = 'berth-web'


def _light_vars(web_image, busybox_image, image_prefix):
    health = {'interval': '1s', 'timeout': '1s', 'retries': 3}
    return {
        'berth_site_base_image': False,
        'berth_registry_image': REGISTRY_IMAGE,
        'berth_registry_build_image': False,
        'web_stack_build_images': False,
        # the replicas' image: the role's default name, PREFIXnginx:VERSION (each version its own image,
        # put on the registry host as if it had built it); the static service keeps web_image
        'web_stack_image_prefix': image_prefix,
        'web_stack_php_image': busybox_image,
        'web_stack_db_image': busybox_image,
        'web_stack_php_command': IDLE,
        # the database stand-in: something that answers on MariaDB's port
        'web_stack_db_command': ['httpd', '-f', '-p', str(DB_PORT), '-h', '/etc'],
        'web_stack_db_healthcheck': {},
        'web_stack_db_port': DB_PORT,
        'web_stack_web_volumes': [],
        'web_stack_php_volumes': [],
        'web_stack_web_healthcheck': dict(health, test=['CMD', 'wget', '-q', '-O-', 'http://127.0.0.1/health']),
        # GET /cgi-bin/db of the light replica: it connects to the database itself (the role's fleet settings say where)
        'web_stack_web_environment': {'DB_ADDRESS': '{{ web_stack_db_address }}', 'DB_PORT': '{{ web_stack_db_address_port }}'},
        'web_stack_static_image': web_image,
        'web_stack_static_volumes': [],
        'web_stack_static_command': ['httpd', '-f', '-p', '80', '-h', '/srv/static'],
        'web_stack_static_healthcheck': dict(health, test=['CMD', 'wget', '-q', '-O-', 'http://127.0.0.1/static/app.css']),
        'haproxy_server_options': {'inter': '500ms', 'fall': 2, 'rise': 1},
    }


def _changed(run):
    """{host: [changed task names in order]}: check mode must predict each host's changes."""
    found = {}
    for record in run.records:
        if record['result'].get('changed'):
            found.setdefault(record['host'], []).append(record['task'])
    return found


def _services(node):
    out = node.sh("docker ps --format '{{.Label \"com.docker.compose.service\"}}'").stdout
    return sorted(line for line in out.splitlines() if line)


def _connect(host, port):
    """'open' or the error of a TCP connection from this machine."""
    try:
        with socket.create_connection((host, port), timeout=5):
            return 'open'
    except OSError as exc:
        return type(exc).__name__


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_site_gives_each_group_its_part(lab, tmp_path, busybox_image, web_image, debian_image):  # noqa: F811
    started = time.time()
    _registry_image(_base_image(debian_image), tmp_path)
    fleet = lab.fleet(web=2)
    lb, web = fleet.lb, fleet.web
    print('fleet up after %.0f s' % (time.time() - started))

    engine = [{'name': 'engine', 'ansible.builtin.include_role': {'name': 'berth.docker.engine'}}]
    run_tasks(engine, hosts='all', inventory=fleet.inventory, timeout=1200).assert_ok()
    # the registry host has the images (as if it had built them); the web hosts get them from the registry
    _load(lb, REGISTRY_IMAGE, busybox_image, web_image)
    image_prefix = lab.prefix
    version_image = {v: '%snginx:%s' % (image_prefix, v) for v in ('1', '2', '3', '4')}
    lb.sh('docker tag %s %s' % (web_image, version_image['1']))
    print('engines and images ready after %.0f s' % (time.time() - started))

    extra = _light_vars(web_image, busybox_image, image_prefix)
    runs = []
    for check in (True, False, True, False):
        run = run_playbook(SITE, check=check, inventory=fleet.inventory, extra_vars=extra, timeout=1800)
        assert run.rc == 0 and not run.failed, run.output[-8000:]
        runs.append(run)
        print('site.yml %s done after %.0f s' % ('--check' if check else 'run', time.time() - started))
    check, real, check2, real2 = runs
    assert set(_changed(real)) == {n.name for n in fleet.nodes}, _changed(real)
    assert _changed(check) == _changed(real), (_changed(check), _changed(real))
    assert not check2.changed, check2.output[-6000:]
    assert not real2.changed, real2.output[-6000:]

    # one database, on the db node, published on its address; the web nodes run the web tier and no db
    assert _services(lb) == ['db'], _services(lb)
    for node in web:
        assert _services(node) == ['php', 'static', 'web1', 'web2'], (node.name, _services(node))
    ports = lb.sh("docker port %s-db-1 3306/tcp" % PROJECT).stdout.split()
    assert ports == ['%s:%d' % (lb.ip, DB_PORT)], ports
    # its root password: generated once on the controller for the db host only, 0600, never shown
    creds = tmp_path / '.credentials'
    password_file = creds / lb.name / 'mariadb_root_password'
    assert _mode(str(password_file)) == 0o600
    assert not any((creds / n.name / 'mariadb_root_password').exists() for n in web)
    password = password_file.read_text().split()[0]
    assert all(password not in run.output for run in runs)

    # images: pulled from the registry on the web nodes, not built there and not given to them
    endpoint = '%s:5443' % lb.ip
    for node in web:
        assert node.sh('docker image inspect %s/%s' % (endpoint, web_image), check=False).returncode == 0
        assert node.sh('docker image inspect %s' % web_image, check=False).returncode != 0
        image = node.sh("docker inspect -f '{{.Config.Image}}' %s-web1-1" % PROJECT).stdout.strip()
        assert image == '%s/%s' % (endpoint, version_image['1']), image

    # HAProxy on the lb node: every replica of both web hosts, by address, in round robin
    stats_password = (creds / lb.name / 'haproxy_stats_password').read_text().split()[0]
    assert http_get(9001, '/haproxy_stats', host=lb.ip)[0] == 401
    assert http_get(9001, '/haproxy_stats', host=lb.ip, auth=('admin', 'wrong'))[0] == 401
    assert http_get(9001, '/haproxy_stats', host=lb.ip, auth=('admin', stats_password))[0] == 200
    replicas = ['%s-web%d' % (n.name, i) for n in web for i in (1, 2)]
    statics = ['%s-static' % n.name for n in web]

    def stats():
        status, body = http_get(9001, '/haproxy_stats;csv', host=lb.ip, auth=('admin', stats_password))
        assert status == 200, body
        lines = body.splitlines()
        header = lines[0][2:].split(',')
        return {(r['pxname'], r['svname']): r for r in (dict(zip(header, line.split(','))) for line in lines[1:] if line)}

    wait_until(lambda: all(stats()[('app', s)]['status'] == 'UP' for s in replicas)
               and all(stats()[('static', s)]['status'] == 'UP' for s in statics),
               timeout=60, what='every replica and static service UP')
    rows = stats()
    config = lb.sh('cat /etc/haproxy/haproxy.cfg').stdout
    servers = {words[1]: words[2] for words in (line.split() for line in config.splitlines()) if words[:1] == ['server']}
    for node in web:
        for port, name in ((8001, '-web1'), (8002, '-web2'), (4331, '-static')):
            assert servers[node.name + name] == '%s:%d' % (node.ip, port), servers
    for name in replicas:
        assert rows[('app', name)]['check_status'] == 'L7OK', rows[('app', name)]
    assert 'balance roundrobin' in config.split('backend app', 1)[1], config
    wait_until(lambda: http_get(80, '/', host=lb.ip)[0] == 200, timeout=30, what='a first answer through HAProxy')
    answers = []
    for _n in range(12):
        status, body = http_get(80, '/', host=lb.ip)
        assert status == 200, (status, body)
        answers.append(body.splitlines()[0])
    assert set(answers) == {'%s 1' % r for r in replicas}, answers
    assert all(answers[i] == answers[i + 4] for i in range(8)), 'not round robin: %s' % answers
    assert all(answers[i] != answers[i + 1] for i in range(11)), 'not round robin: %s' % answers
    # every replica on every host reaches the one database itself: GET /cgi-bin/db connects from inside the
    # replica to the db host's published port (through its firewall, which lets the web hosts in)
    answers = []
    for _n in range(8):
        status, body = http_get(80, '/cgi-bin/db', host=lb.ip)
        assert status == 200, (status, body)
        answers.append(body.strip())
    assert set(answers) == {'%s 1 db reachable' % r for r in replicas}, answers
    # and the same probe says so when it gets no connection (a port nothing listens on)
    probe = web[0].sh('docker exec -e DB_PORT=1 %s-web1-1 /www/cgi-bin/db' % PROJECT).stdout
    assert probe.strip().endswith('db unreachable (%s:1)' % lb.ip), probe

    # a static path goes to the static backend (the replicas would answer `static HOST-web1 1`)
    before = sum(int(stats()[('static', s)]['stot'] or 0) for s in statics)
    for _n in range(2):
        status, body = http_get(80, '/static/app.css', host=lb.ip)
        assert status == 200 and body.startswith('/*') and 'body {' in body, (status, body)
    assert sum(int(stats()[('static', s)]['stot'] or 0) for s in statics) == before + 2

    # the database port: refused from this machine (not a web host), open from each web host
    assert _connect(lb.ip, DB_PORT) == 'ConnectionRefusedError'
    probe = ("python3 -c \"import socket; s = socket.create_connection(('%s', %d), 5); "
             "s.sendall(b'GET /hostname HTTP/1.0\\r\\n\\r\\n'); print(s.recv(64).decode())\"" % (lb.ip, DB_PORT))
    for node in web:
        assert node.sh(probe).stdout.startswith('HTTP/1.'), node.name
    rules = lb.sh('iptables -S DOCKER-USER').stdout
    assert rules.count('berth-db-%s' % PROJECT) == 3, rules
    print('site.yml checks done after %.0f s' % (time.time() - started))

    # rolling_update.yml on the fleet (it reads the same fleet settings, playbooks/vars/fleet_web.yml) under a
    # steady load through the lb node's address: version 2 is a new image that only the registry host has
    # (playbooks/fleet_images.yml pushes it there and every web host pulls it before the first drain); host by
    # host, replica by replica, drained on the load balancer; not one failed request, every answer during it
    # from version 1 or 2, every answer after it from 2
    _derive(lb, version_image['1'], version_image['2'], 'LABEL org.berth.test.version=2')
    # paced (2 threads, 10 ms between requests each): enough requests, without starving the CI machine's 2 cores
    with Load(80, workers=2, host=lb.ip, pause=0.01) as load:
        time.sleep(1.0)
        before = load.ok
        roll_started = time.time()
        roll = run_playbook(ROLLING_UPDATE, inventory=fleet.inventory, extra_vars=dict(extra, web_stack_version='2'),
                            timeout=1200)
        roll_seconds = time.time() - roll_started
        time.sleep(1.0)
    figures = {'ok_during_roll': load.ok - before, 'failed': len(load.failed), 'roll_seconds': round(roll_seconds, 1),
               'answers': load.answers}
    print('rolling update on the fleet: %s' % figures)
    assert roll.rc == 0 and not roll.failed, roll.output[-8000:]
    assert load.failed == [], 'failed requests during the rollout: %s (%s)' % (load.failed[:10], figures)
    assert load.ok - before >= 5000, figures
    assert set(load.answers) <= {'%s %s' % (r, v) for r in replicas for v in ('1', '2')}, figures
    assert _drains(roll) == [(n.name, w) for n in web for w in ('web1', 'web1', 'web2', 'web2')], _drains(roll)
    answers = [http_get(80, '/', host=lb.ip)[1].splitlines()[0] for _n in range(8)]
    assert set(answers) == {'%s 2' % r for r in replicas}, answers
    for node in web:
        for replica in ('web1', 'web2'):
            image = node.sh("docker inspect -f '{{.Config.Image}} {{index .Config.Labels \"org.berth.test.version\"}}' "
                            "%s-%s-1" % (PROJECT, replica)).stdout.split()
            assert image == ['%s/%s' % (endpoint, version_image['2']), '2'], (node.name, replica, image)
    # with version 2 in the inventory, site.yml finds nothing to do on any host; this run over paramiko (set in the
    # inventory, as users do: an ansible_connection extra var would also take the controller's own tasks to paramiko)
    paramiko = _paramiko_inventory(fleet, lab.key)
    after = run_playbook(SITE, check=True, inventory=paramiko, timeout=1800,
                         extra_vars=dict(extra, web_stack_version='2'))
    assert after.rc == 0 and not after.changed, (after.changed, [r for r in after.records if r['status'] == 'unreachable'],
                                                 after.output[-6000:])
    print('rollout checks done after %.0f s' % (time.time() - started))

    # version 3 never becomes healthy (its server exits at once). First with a release phase that fails: nothing
    # is drained. Then without: the rollout stops at the first web host, which goes back to version 2 by
    # itself; the second web host is never touched. Not one failed request through it all.
    _derive(lb, version_image['2'], version_image['3'], 'CMD ["sh", "-c", "exit 1"]')
    untouched = {n.name: _started(n) for n in web}
    v3 = dict(extra, web_stack_version='3', rolling_update_health_retries=10)
    with Load(80, workers=2, host=lb.ip, pause=0.01) as load:
        release = run_playbook(ROLLING_UPDATE, inventory=fleet.inventory, timeout=1200,
                               extra_vars=dict(v3, rolling_update_release="sh -c 'exit 3'"))
        assert {n.name: _started(n) for n in web} == untouched
        broken = run_playbook(ROLLING_UPDATE, inventory=fleet.inventory, extra_vars=v3, timeout=1200)
        time.sleep(1.0)
    print('failed release phase and broken release: %d requests, failed %s, answers %s' % (
        load.ok, load.failed[:10], load.answers))
    assert release.rc != 0, release.output[-4000:]
    assert 'The release phase failed on %s' % web[0].name in release.output, release.output[-4000:]
    assert 'rc 3' in release.output, release.output[-4000:]
    assert _drains(release) == [], _drains(release)
    assert broken.rc != 0, broken.output[-4000:]
    assert '%s: replica web1 failed to become healthy as version 3' % web[0].name in broken.output, broken.output[-6000:]
    assert {host for host, _replica in _drains(broken)} == {web[0].name}, _drains(broken)
    assert _started(web[1]) == untouched[web[1].name]
    assert load.failed == [], load.failed[:10]
    assert set(load.answers) <= {'%s 2' % r for r in replicas}, load.answers
    assert load.ok > 0
    try:
        wait_until(lambda: all(stats()[('app', s)]['status'] == 'UP' for s in replicas), timeout=60,
                   what='every replica UP again after the broken release')
    except AssertionError as exc:
        status = {s: (stats()[('app', s)]['status'], stats()[('app', s)]['check_status']) for s in replicas}
        raise AssertionError('%s: %s\n%s' % (exc, status, broken.output[-10000:])) from None
    answers = [http_get(80, '/', host=lb.ip)[1].splitlines()[0] for _n in range(8)]
    assert set(answers) == {'%s 2' % r for r in replicas}, answers
    print('broken release checks done after %.0f s' % (time.time() - started))

    # a web host dies mid-rollout: the second web node is killed (docker kill) while the first one rolls to
    # version 4. HAProxy marks its servers DOWN and serves from the first host: no failed request after that
    # (the ones before it are counted); the first host finishes on version 4; the play reports the dead host
    # unreachable and, with rolling_update_max_fail_percentage 0, fails
    _derive(lb, version_image['2'], version_image['4'], 'LABEL org.berth.test.version=4')
    dead = web[1]
    down = ['%s-%s' % (dead.name, r) for r in ('web1', 'web2')]
    roll4 = {}
    with Load(80, workers=2, host=lb.ip, pause=0.01) as load:
        thread = threading.Thread(target=lambda: roll4.update(run=run_playbook(
            ROLLING_UPDATE, inventory=fleet.inventory, extra_vars=dict(extra, web_stack_version='4'), timeout=1200)))
        thread.start()
        wait_until(lambda: stats()[('app', '%s-web1' % web[0].name)]['status'] in ('MAINT', 'DRAIN'), timeout=300,
                   what='the first web host drained')
        failed_at_kill, ok_at_kill = len(load.failed), load.ok  # before the kill: its in-flight requests count after
        docker_cli.docker('kill', dead.name)
        wait_until(lambda: all(stats()[('app', s)]['status'].startswith('DOWN') for s in down), timeout=60,
                   what="HAProxy marking the dead host's servers DOWN")
        time.sleep(6.0)  # requests sent before that end within their 5 s timeout: they count as before
        failed_at_down = len(load.failed)
        thread.join(1200)
        time.sleep(1.0)
    kill_run = roll4['run']
    before_down = load.failed[failed_at_kill:failed_at_down]
    after_down = load.failed[failed_at_down:]
    print('web host killed mid-rollout: %d requests after the kill, %d failed before HAProxy marked it down %s, '
          '%d failed after; answers %s' % (load.ok - ok_at_kill + len(load.failed) - failed_at_kill,
                                           len(before_down), before_down[:5], len(after_down), load.answers))
    assert after_down == [], after_down[:10]
    assert load.failed[:failed_at_kill] == [], load.failed[:10]
    assert set(load.answers) <= {'%s %s' % (r, v) for r in replicas for v in ('2', '4')}, load.answers
    assert kill_run.rc != 0, kill_run.output[-6000:]
    assert [r['host'] for r in kill_run.records if r['status'] == 'unreachable'][:1] == [dead.name], kill_run.output[-6000:]
    assert {h for h, _r in _drains(kill_run)} == {web[0].name}, _drains(kill_run)
    answers = {http_get(80, '/', host=lb.ip)[1].splitlines()[0] for _n in range(8)}
    assert answers == {'%s-%s 4' % (web[0].name, r) for r in ('web1', 'web2')}, answers
    # the dead host boots again (its address may change: the inventories follow it) for the teardown below
    docker_cli.docker('start', dead.name)
    web[1] = wait_node(dead.name, lab.key, timeout=120)
    write_fleet_inventory(fleet.inventory, web, lb, lab.key)
    paramiko = _paramiko_inventory(fleet, lab.key)
    wait_until(lambda: web[1].sh('docker info', check=False).returncode == 0, timeout=120, what='the engine back')
    print('host killed mid-rollout checks done after %.0f s' % (time.time() - started))

    # teardown.yml in fleet mode, over paramiko, four steps: the stack, the database's firewall rules, the fleet
    # registry with its CA and login, and HAProxy's configuration are gone; the images stay
    runs = [run_playbook(TEARDOWN, check=check, inventory=paramiko, extra_vars=dict(extra, web_stack_version='2'),
                         timeout=1200)
            for check in (True, False, True, False)]
    for run in runs:
        assert run.rc == 0 and not run.failed, run.output[-8000:]
    assert _changed(runs[0]) == _changed(runs[1]), (_changed(runs[0]), _changed(runs[1]))
    assert set(_changed(runs[1])) == {n.name for n in fleet.nodes}, _changed(runs[1])
    assert not runs[2].changed and not runs[3].changed, (runs[2].changed, runs[3].changed)
    for node in fleet.nodes:
        assert node.sh("docker ps -aq --filter label=com.docker.compose.project=%s" % PROJECT).stdout.strip() == '', node.name
        assert node.sh('test -e /etc/docker/certs.d/%s' % endpoint, check=False).returncode != 0, node.name
    assert 'berth-db-' not in lb.sh('iptables -S DOCKER-USER').stdout
    assert lb.sh('docker ps -aq --filter name=berth-fleet-registry').stdout.strip() == ''
    assert lb.sh('test -e /etc/haproxy/haproxy.cfg', check=False).returncode != 0
    assert web[0].sh('docker image inspect %s/%s' % (endpoint, version_image['2']), check=False).returncode == 0
    print('done after %.0f s' % (time.time() - started))


def _paramiko_inventory(fleet, key):
    """The fleet's inventory with ansible_connection paramiko, next to the ssh one (the credentials directory
    is next to the inventory: both find the same passwords and CA)."""
    path = os.path.join(os.path.dirname(fleet.inventory), 'fleet-paramiko.yml')
    return write_fleet_inventory(path, fleet.web, fleet.lb, key, connection='paramiko')


def _derive(node, base, tag, instruction):
    """Build ``tag`` FROM ``base`` plus one Dockerfile line in ``node``'s engine (what a registry host's build
    of a new version would leave there)."""
    node.sh("printf 'FROM %s\\n%s\\n' | DOCKER_BUILDKIT=0 docker build -q -t %s -" % (base, instruction.replace("'", "'\\''"), tag))


def _drains(run):
    """(host, replica) of every drain and enable of a rollout, in order."""
    return [(r['host'], r['task'].rsplit(': ', 1)[-1]) for r in run.records if r['task'].startswith(('Drain', 'Enable'))]


def _started(node):
    """{replica: its container's start time} of a web node: a redeploy changes it."""
    return {replica: node.sh("docker inspect -f '{{.State.StartedAt}}' %s-%s-1" % (PROJECT, replica)).stdout.strip()
            for replica in ('web1', 'web2')}
