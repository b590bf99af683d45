"""berth.docker.haproxy against a real HAProxy 2.6 and real web containers.

Each test runs its own HAProxy (master-worker daemon, temp directory, free ports on
127.0.0.1) in front of berth-test/web containers published on 127.0.0.1; the witnesses are
HTTP answers, the stats page, `docker logs` and /proc, never the module code."""

import hashlib
import os
import socket
import time

import pytest

from tests.support import docker_cli
from tests.support.ansible_run import four_step, run_tasks
from tests.support.haproxy import STATS_USER, Load, http_get, start_web, wait_until
from tests.support.haproxy import lb_fixture, two_webs_fixture  # noqa: F401 (pytest fixtures lb, two_webs)

FIXTURES = (lb_fixture, two_webs_fixture)


def _task(args, name='haproxy'):
    return [{'name': name, 'berth.docker.haproxy': args}]


def _sha(path):
    with open(path, 'rb') as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def _log(container):
    out = docker_cli.docker('logs', container)
    return out.stdout + out.stderr


def _both_up(lb, names=('web1', 'web2')):
    return wait_until(lambda: all(lb.server_status('app', n).startswith('UP') for n in names),
                      timeout=15, what='%s UP' % (names,))


def test_round_robin_stats_acl_four_step(lb, prefix, web_image, two_webs):
    static = start_web(prefix, web_image, 'static')
    runs = four_step(_task(lb.args(two_webs, static=static)), diff=True)
    # the check-mode run predicted the file and the start; the diff is a unified diff of haproxy.cfg
    first = runs[0].task('haproxy')
    assert first['started'] is True and 'unified_diff' in first
    assert '+backend app' in first['unified_diff']
    assert runs[1].task('haproxy')['started'] is True
    assert oct(os.stat(lb.cfg).st_mode & 0o777) == '0o600'  # it holds the stats password
    assert lb.password not in runs[1].output  # no_log: the password never shows in the output

    _both_up(lb)
    bodies = [lb.get('/')[1].strip() for _n in range(6)]
    assert sorted(set(bodies)) == ['web1', 'web2']
    assert all(a != b for a, b in zip(bodies, bodies[1:])), 'not strictly alternating: %s' % bodies

    # stats: 401 without credentials, 200 with them, both servers UP
    status, _body = http_get(lb.stats_port, '/haproxy_stats')
    assert status == 401
    status, _body = http_get(lb.stats_port, '/haproxy_stats', auth=(STATS_USER, 'wrong'))
    assert status == 401
    status, body = http_get(lb.stats_port, '/haproxy_stats', auth=(STATS_USER, lb.password))
    assert status == 200 and 'web1' in body and 'web2' in body
    rows = lb.stats_csv()
    # 'UP 1/2' is still UP (one check of the fall count failed under load)
    assert rows[('app', 'web1')]['status'].startswith('UP') and rows[('app', 'web2')]['status'].startswith('UP')

    # ACL routing: /static/... and *.css go to the static backend, the rest to app
    assert lb.get('/static/app.css') == (200, 'static static\n')
    # path_end .css: the file exists nowhere, so the answer is a 404; busybox httpd logs no path, so the
    # witness is which container's log got the 404 line
    assert lb.get('/theme/site.css')[0] == 404
    assert _log(static['container']).count('response:404') == 1
    for web in two_webs:
        assert 'response:404' not in _log(web['container'])
    assert lb.get('/index.html')[1].strip() in ('web1', 'web2')


def test_health_down_and_back(lb, two_webs):
    inter, fall = 0.5, 2
    run_tasks(_task(lb.args(two_webs, inter='500ms', fall=fall, rise=1))).assert_ok()
    _both_up(lb)
    docker_cli.docker('stop', two_webs[1]['container'])
    stopped = time.time()
    wait_until(lambda: lb.server_status('app', 'web2').startswith('DOWN'), timeout=10, interval=0.05, what='web2 DOWN')
    took = time.time() - stopped
    # fall x inter, plus one check timeout (1 s) for the check that was in flight, plus scheduling slack
    assert took <= fall * inter + 1.0 + 1.0, 'DOWN after %.2fs' % took
    print('health: web2 DOWN %.2fs after docker stop (fall %d x inter %.1fs)' % (took, fall, inter))
    answers = [lb.get('/') for _n in range(10)]
    assert answers == [(200, 'web1\n')] * 10
    docker_cli.docker('start', two_webs[1]['container'])
    wait_until(lambda: lb.server_status('app', 'web2').startswith('UP'), timeout=15, what='web2 UP again')
    bodies = {lb.get('/')[1].strip() for _n in range(4)}
    assert bodies == {'web1', 'web2'}


@pytest.mark.slow
def test_reload_under_load_zero_failures(lb, prefix, web_image, two_webs):
    run_tasks(_task(lb.args(two_webs))).assert_ok()
    _both_up(lb)
    master = lb.master_pid()
    workers_before = set(lb.workers())
    web3 = start_web(prefix, web_image, 'web3')
    with Load(lb.port, workers=4) as load:
        time.sleep(0.5)
        changed = run_tasks(_task(lb.args(two_webs + [web3]))).assert_ok()
        time.sleep(0.5)
        back = run_tasks(_task(lb.args(two_webs))).assert_ok()
        time.sleep(0.5)
    assert changed.task('haproxy')['reloaded'] is True and back.task('haproxy')['reloaded'] is True
    assert load.failed == [], 'failed requests across the reloads: %s (ok: %d)' % (load.failed[:10], load.ok)
    assert load.ok > 100, 'the load generator hardly ran: %d requests' % load.ok
    assert lb.master_pid() == master, 'the master was restarted instead of reloaded'
    assert not set(lb.workers()) & workers_before, 'the workers were not replaced'
    print('reload under load: %d requests, 0 failed, 2 reloads' % load.ok)


def test_invalid_acl_changes_nothing_and_keeps_serving(lb, two_webs):
    run_tasks(_task(lb.args(two_webs))).assert_ok()
    _both_up(lb)
    before = _sha(lb.cfg)
    workers = set(lb.workers())
    bad = lb.args(two_webs)
    bad['frontends'][0]['acls'].append({'name': 'broken', 'condition': 'path_bogus -i /x'})
    bad['frontends'][0]['use_backends'] = [{'backend': 'app', 'condition': 'broken'}]
    for check in (True, False):
        run = run_tasks(_task(bad), check=check)
        result = run.task('haproxy')
        assert run.status('haproxy') == 'failed'
        # haproxy's own message, passed through, pointing at our file (not a temp file)
        assert 'path_bogus' in result['msg'] and 'haproxy -c rejected' in result['msg']
        assert lb.cfg in result['msg']
    assert _sha(lb.cfg) == before
    assert set(lb.workers()) == workers
    assert {lb.get('/')[1].strip() for _n in range(4)} == {'web1', 'web2'}


def test_reload_failure_rolls_back(lb, two_webs):
    """A file `haproxy -c` accepts but the reload cannot apply (its new port is held by a socket
    without SO_REUSEPORT): the previous file is restored, HAProxy keeps serving, the task fails.
    The port preflight would refuse this before writing (see the test after it), so it is turned
    off here (check_bind_addresses: false) to reach the reload and prove the rollback."""
    run_tasks(_task(lb.args(two_webs))).assert_ok()
    _both_up(lb)
    before = _sha(lb.cfg)
    holder = socket.socket()
    holder.bind(('127.0.0.1', 0))
    holder.listen(1)
    try:
        bad = lb.args(two_webs)
        bad['frontends'][0]['binds'].append({'address': '127.0.0.1', 'port': holder.getsockname()[1]})
        bad['check_bind_addresses'] = False
        run = run_tasks(_task(bad))
        result = run.task('haproxy')
        assert run.status('haproxy') == 'failed', run.output[-3000:]
        assert 'refused the new configuration' in result['msg'] and 'restored' in result['msg']
    finally:
        holder.close()
    assert _sha(lb.cfg) == before
    assert {lb.get('/')[1].strip() for _n in range(4)} == {'web1', 'web2'}
    # and it still reloads fine afterwards: the next good change is applied
    run = run_tasks(_task(lb.args(two_webs[:1]))).assert_ok()
    assert run.task('haproxy')['reloaded'] is True
    wait_until(lambda: [lb.get('/')[1].strip() for _n in range(3)] == ['web1'] * 3, timeout=10, what='only web1')


def test_absent_removes_the_file(lb, two_webs):
    run_tasks(_task(lb.args(two_webs))).assert_ok()
    runs = four_step(_task({'path': lb.cfg, 'state': 'absent'}))
    assert runs[1].task('haproxy')['changed'] is True
    assert not os.path.exists(lb.cfg)


BAD_INPUTS = {
    'stats without credentials': (lambda a: a['stats'].pop('users'), 'no credentials'),
    'stats with an empty password': (lambda a: a['stats']['users'][0].update(password=''), 'no credentials'),
    'backend without servers': (lambda a: a['backends'][0].update(servers=[]), "backend 'app' has no servers"),
    'duplicate server name': (lambda a: a['backends'][0]['servers'].append(dict(a['backends'][0]['servers'][0])),
                              "server name 'web1' appears twice"),
    'bind address not on the host': (lambda a: a['frontends'][0]['binds'][0].update(address='192.0.2.77'),
                                     'bind address 192.0.2.77 of \'main\' is not an address of this host'),
    'undefined backend': (lambda a: a['frontends'][0].update(default_backend='nope'), "default_backend 'nope'"),
}


@pytest.mark.parametrize('case', sorted(BAD_INPUTS))
def test_bad_input_fails_and_changes_nothing(lb, two_webs, case):
    mutate, message = BAD_INPUTS[case]
    args = lb.args(two_webs)
    mutate(args)
    for check in (True, False):
        run = run_tasks(_task(args), check=check)
        assert run.status('haproxy') == 'failed', run.output[-2000:]
        assert message in run.task('haproxy')['msg']
    assert not os.path.exists(lb.cfg)
    assert lb.master_pid() is None  # nothing was started


def test_sf_mode_start_and_reload(lb, two_webs):
    """The last-resort strategy: a plain daemon replaced by a new one with -sf."""
    args = lb.args(two_webs[:1], service_mgr='sf')
    runs = four_step(_task(args))
    assert runs[1].task('haproxy')['service_mgr'] == 'sf' and runs[1].task('haproxy')['started'] is True
    old = lb.master_pid()
    wait_until(lambda: lb.get('/')[1].strip() == 'web1', timeout=10, what='web1 answering')
    run = run_tasks(_task(lb.args(two_webs, service_mgr='sf'))).assert_ok()
    assert run.task('haproxy')['reloaded'] is True
    assert lb.master_pid() != old  # a new process took over
    wait_until(lambda: not os.path.exists('/proc/%d' % old) or _zombie(old), timeout=10, what='old process gone')
    _both_up(lb)
    assert {lb.get('/')[1].strip() for _n in range(4)} == {'web1', 'web2'}


def _zombie(pid):
    try:
        with open('/proc/%d/stat' % pid) as handle:
            return handle.read().rsplit(')', 1)[1].split()[0] == 'Z'
    except OSError:
        return True


def test_port_taken_by_another_program_is_named_and_nothing_changes(lb, two_webs):
    """A bind on a port another program listens on: refused before writing, naming the program;
    the running HAProxy keeps serving with its configuration."""
    import subprocess
    import sys
    run_tasks(_task(lb.args(two_webs))).assert_ok()
    before = open(lb.cfg).read()
    pid = lb.master_pid()
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    squatter = subprocess.Popen([sys.executable, '-c', 'import socket,time; s=socket.socket(); '
                                 's.bind(("127.0.0.1", %d)); s.listen(); time.sleep(120)' % port])

    def listening():
        return subprocess.run(['ss', '-ltnH', 'sport = :%d' % port], capture_output=True, text=True, check=False).stdout.strip()

    try:
        wait_until(listening, timeout=10, what='the squatter listening')
        args = lb.args(two_webs)
        args['frontends'][0]['binds'].append({'address': '127.0.0.1', 'port': port})
        for check in (True, False):
            run = run_tasks(_task(args), check=check)
            assert run.status('haproxy') == 'failed', run.output[-2000:]
            msg = run.task('haproxy')['msg']
            assert 'port %d is already in use by python' % port in msg and 'pid %d' % squatter.pid in msg, msg
        assert open(lb.cfg).read() == before and lb.master_pid() == pid
        assert lb.get('/')[0] == 200
        # ports HAProxy itself holds are not in the way: an unchanged-port change reloads fine
        run_tasks(_task(lb.args(two_webs[:1]))).assert_ok()
    finally:
        squatter.kill()
        squatter.wait()


def test_server_template_spelling_and_resolvers(lb, two_webs):
    """``server_template`` (HAProxy's own word, as the issue names it) is accepted for
    ``server_templates``; the rendered file passes ``haproxy -c`` and the template is in it."""
    args = lb.args(two_webs)
    args['resolvers'] = [{'name': 'docker', 'nameservers': [{'name': 'dns', 'address': '127.0.0.11'}]}]
    args['backends'][0]['server_template'] = [{'prefix': 'replica', 'count': 3, 'fqdn': 'web', 'port': 80,
                                               'resolvers': 'docker', 'check': True}]
    runs = four_step(_task(args))
    text = open(lb.cfg).read()
    assert 'server-template replica 3 web:80 check resolvers docker' in text and 'resolvers docker' in text
    assert runs[1].task('haproxy')['changed']
