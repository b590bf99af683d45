"""The berth.docker.haproxy role on a lab node (Debian with systemd, reached over SSH): haproxy
installed from the Debian packages, /etc/haproxy/haproxy.cfg written, the unit enabled and
running under systemd, a config change applied with `systemctl reload` (the master's PID stays),
four-step idempotence, and a reload whose new workers cannot bind detected, rolled back and
reported. Backends: two python http.servers inside the node on 127.0.0.1.
Witnesses: systemctl and files inside the node (docker exec), HTTP from here to the node's IP."""

import pytest

from tests.support.ansible_run import four_step, run_tasks
from tests.support.haproxy import http_get, wait_until
from tests.support.lab import lab, lab_image, lab_key  # pylint: disable=unused-import  # noqa: F401

pytestmark = pytest.mark.slow


def _role(password_file, servers):
    return [{'name': 'haproxy role', 'ansible.builtin.include_role': {'name': 'berth.docker.haproxy'}, 'vars': {
        'haproxy_backend_servers': servers,
        'haproxy_server_options': {'inter': '500ms', 'fall': 2, 'rise': 1},
        'haproxy_stats_password_file': password_file,
    }}]


def test_role_under_systemd_on_a_fresh_node(lab, tmp_path):  # noqa: F811
    node = lab.node('lb1')
    inventory = lab.inventory()
    kw = {'hosts': node.name, 'inventory': inventory}
    for name, port in (('web1', 8001), ('web2', 8002)):
        node.sh('mkdir -p /srv/%s && echo %s > /srv/%s/index.html && systemd-run --unit %s '
                'python3 -m http.server %d --bind 127.0.0.1 --directory /srv/%s' % (name, name, name, name, port, name))
    servers = [{'name': 'web1', 'address': '127.0.0.1', 'port': 8001},
               {'name': 'web2', 'address': '127.0.0.1', 'port': 8002}]
    password_file = str(tmp_path / 'creds' / 'pw')

    runs = four_step(_role(password_file, servers), **kw)
    config = runs[1].task('berth.docker.haproxy : HAProxy configuration', host=node.name)
    assert config['service_mgr'] == 'systemd'
    assert node.sh("dpkg-query -W -f '${Status}' haproxy").stdout == 'install ok installed'
    assert node.sh('systemctl is-active haproxy').stdout.strip() == 'active'
    assert node.sh('systemctl is-enabled haproxy').stdout.strip() == 'enabled'
    assert node.sh('stat -c %a /etc/haproxy/haproxy.cfg').stdout.strip() == '600'

    wait_until(lambda: _answer(node.ip) == {'web1', 'web2'},
               timeout=20, what='both backends answering through HAProxy')
    bodies = [http_get(80, '/', host=node.ip)[1].strip() for _n in range(6)]
    assert all(a != b for a, b in zip(bodies, bodies[1:])) and set(bodies) == {'web1', 'web2'}, bodies
    with open(password_file) as handle:
        password = handle.read().split()[0]
    assert http_get(9001, '/haproxy_stats', host=node.ip)[0] == 401
    assert http_get(9001, '/haproxy_stats', host=node.ip, auth=('admin', password))[0] == 200

    # a change is applied with systemctl reload: same master PID, the new backend list in force
    pid = node.sh('systemctl show -p MainPID --value haproxy').stdout.strip()
    run = run_tasks(_role(password_file, servers[:1]), **kw).assert_ok()
    assert run.task('berth.docker.haproxy : HAProxy configuration', host=node.name)['reloaded'] is True
    assert node.sh('systemctl show -p MainPID --value haproxy').stdout.strip() == pid
    wait_until(lambda: _answer(node.ip) == {'web1'}, timeout=10, what='only web1 after the reload')
    assert node.sh('ls /etc/haproxy/').stdout.count('haproxy.cfg.') >= 1  # the backup of the previous file

    # a reload whose new workers cannot start: a frontend on 127.0.0.1:8001, which web1's python holds. `haproxy -c`
    # (and so the unit's ExecReload check) accepts it and `systemctl reload` exits 0; the port preflight is turned
    # off to reach the reload. Detected on the master CLI, rolled back, reloaded, reported with HAProxy's words.
    before = node.sh('sha256sum /etc/haproxy/haproxy.cfg').stdout
    clash = _role(password_file, servers[:1])
    clash[0]['vars'].update(haproxy_check_bind_addresses=False, haproxy_extra_frontends=[
        {'name': 'clash', 'binds': [{'address': '127.0.0.1', 'port': 8001}], 'default_backend': 'app'}])
    run = run_tasks(clash, **kw)
    assert run.status('berth.docker.haproxy : HAProxy configuration', host=node.name) == 'failed', run.output[-3000:]
    msg = run.task('berth.docker.haproxy : HAProxy configuration', host=node.name)['msg']
    assert 'refused the new configuration' in msg and 'was restored' in msg, msg
    assert 'cannot bind socket' in msg and '8001' in msg, msg  # HAProxy's own line, from the journal
    assert node.sh('sha256sum /etc/haproxy/haproxy.cfg').stdout == before
    assert node.sh('systemctl is-active haproxy').stdout.strip() == 'active'
    assert node.sh('systemctl show -p MainPID --value haproxy').stdout.strip() == pid
    wait_until(lambda: _answer(node.ip) == {'web1'}, timeout=10, what='web1 still served after the rollback')


def _answer(ip):
    try:
        return {http_get(80, '/', host=ip, timeout=2)[1].strip() for _n in range(4)}
    except OSError:
        return set()
