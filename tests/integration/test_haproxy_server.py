"""berth.docker.haproxy_server against a real HAProxy 2.6 (set up by berth.docker.haproxy)
and real web containers. Witnesses: the stats page (CSV) and HTTP answers."""

import threading
import time

from tests.support.ansible_run import four_step, run_tasks
from tests.support.haproxy import SLOW_CMD, SLOW_SECONDS, start_web, wait_until
from tests.support.haproxy import lb_fixture, two_webs_fixture  # noqa: F401 (pytest fixtures lb, two_webs)

FIXTURES = (lb_fixture, two_webs_fixture)


def _setup(lb, servers):
    run_tasks([{'name': 'haproxy', 'berth.docker.haproxy': lb.args(servers)}]).assert_ok()
    wait_until(lambda: all(lb.server_status('app', s['name']).startswith('UP') for s in servers), timeout=15,
               what='servers UP')


def _server(lb, **args):
    return [{'name': 'server', 'berth.docker.haproxy_server': dict({'socket': lb.socket}, **args)}]


def test_disable_enable_four_step(lb, two_webs):
    _setup(lb, two_webs)
    runs = four_step(_server(lb, backend='app', host='web2', state='disabled'), diff=True)
    assert runs[0].task('server')['commands'] == ['set server app/web2 state maint']
    assert runs[0].task('server')['before'][0]['state'] == 'enabled'
    assert runs[1].task('server')['after'][0]['state'] == 'disabled'
    assert lb.server_status('app', 'web2').startswith('MAINT')
    assert [lb.get('/')[1].strip() for _n in range(4)] == ['web1'] * 4

    runs = four_step(_server(lb, host='web2', state='enabled', wait=True, wait_interval=1, wait_retries=15))
    assert runs[1].task('server')['backends'] == ['app']  # backend auto-detected
    assert lb.server_status('app', 'web2').startswith('UP')
    assert {lb.get('/')[1].strip() for _n in range(4)} == {'web1', 'web2'}


def test_health_checks_disabled_with_maintenance_and_back(lb, two_webs):
    _setup(lb, two_webs)
    runs = four_step(_server(lb, backend='app', host='web2', state='disabled', health=True, agent=True))
    first = runs[0].task('server')
    assert first['commands'] == ['set server app/web2 state maint', 'disable health app/web2']
    assert runs[1].task('server')['after'][0]['health_check'] == 'disabled'
    # no agent-check on the server line: a warning, and no command for it
    assert 'no agent check' in runs[1].output
    runs = four_step(_server(lb, backend='app', host='web2', state='enabled', health=True, wait=True, wait_interval=1))
    assert runs[1].task('server')['after'][0]['health_check'] == 'enabled'
    assert lb.server_status('app', 'web2').startswith('UP')


def test_weight_absolute_and_percent(lb, two_webs):
    _setup(lb, two_webs)
    four_step(_server(lb, backend='app', host='web1', state='enabled', weight='3'))
    assert lb.stats_csv()[('app', 'web1')]['weight'] == '3'
    bodies = [lb.get('/')[1].strip() for _n in range(8)]
    assert bodies.count('web1') == 6 and bodies.count('web2') == 2, bodies
    # 100% of the initial weight (1) puts it back; idempotent too
    four_step(_server(lb, backend='app', host='web1', state='enabled', weight='100%'))
    assert lb.stats_csv()[('app', 'web1')]['weight'] == '1'


def test_drain_while_a_slow_request_runs(lb, prefix, web_image):
    webs = [start_web(prefix, web_image, name, cmd=SLOW_CMD) for name in ('web1', 'web2')]
    _setup(lb, webs)
    slow = {}

    def slow_request():
        slow['answer'] = lb.get('/cgi-bin/slow', timeout=30)

    started = time.time()
    thread = threading.Thread(target=slow_request)
    thread.start()
    busy = wait_until(lambda: [n for n in ('web1', 'web2') if lb.stats_csv()[('app', n)]['scur'] == '1'],
                      timeout=5, interval=0.05, what='the slow request on a server')[0]
    other = 'web2' if busy == 'web1' else 'web1'

    drain = {}

    def run_drain():
        drain['run'] = run_tasks(_server(lb, backend='app', host=busy, state='disabled', drain=True,
                                         wait_interval=1, wait_retries=30, fail_on_not_found=True))

    drainer = threading.Thread(target=run_drain)
    drainer.start()
    wait_until(lambda: lb.server_status('app', busy) == 'DRAIN', timeout=10, interval=0.1, what='%s in DRAIN' % busy)
    # new requests go to the other server while the slow one is still running
    assert [lb.get('/')[1].strip() for _n in range(6)] == [other] * 6
    assert thread.is_alive(), 'the slow request finished too early for the test to mean anything'
    thread.join(30)
    drainer.join(60)
    assert slow['answer'] == (200, 'slow %s\n' % busy)  # the request completed on the drained server
    assert time.time() - started >= SLOW_SECONDS
    result = drain['run'].assert_ok().task('server')
    assert result['changed'] is True
    assert result['commands'] == ['set server app/%s state drain' % busy, 'set server app/%s state maint' % busy]
    assert lb.server_status('app', busy).startswith('MAINT')

    run_tasks(_server(lb, backend='app', host=busy, state='enabled', wait=True, wait_interval=1,
                      wait_retries=15)).assert_ok()
    assert lb.server_status('app', busy).startswith('UP')
    assert {lb.get('/')[1].strip() for _n in range(4)} == {'web1', 'web2'}


def test_unknown_server_or_backend(lb, two_webs):
    _setup(lb, two_webs)
    run = run_tasks(_server(lb, host='nope', state='disabled', fail_on_not_found=True))
    assert run.status('server') == 'failed'
    assert "server 'nope' does not exist in any backend" in run.task('server')['msg']
    run = run_tasks(_server(lb, backend='nope', host='web1', state='disabled', fail_on_not_found=True))
    assert "backend 'nope' does not exist" in run.task('server')['msg']
    # like community.general.haproxy: without fail_on_not_found, a warning and no change
    run = run_tasks(_server(lb, host='nope', state='disabled')).assert_ok()
    assert run.task('server')['changed'] is False
    assert "server 'nope' does not exist" in run.task('server')['msg']
    assert all(lb.server_status('app', n).startswith('UP') for n in ('web1', 'web2'))


def test_socket_missing(lb):
    run = run_tasks([{'name': 'server', 'berth.docker.haproxy_server': {
        'socket': lb.dir + '/none.sock', 'host': 'web1', 'state': 'enabled'}}])
    assert run.status('server') == 'failed'
    assert 'cannot connect to the HAProxy socket' in run.task('server')['msg']


def test_refused_command_is_reported(lb, two_webs):
    """A weight HAProxy refuses (static-rr only takes 0% and 100%): its answer fails the task."""
    args = lb.args(two_webs)
    args['backends'][0]['balance'] = 'static-rr'
    run_tasks([{'name': 'haproxy', 'berth.docker.haproxy': args}]).assert_ok()
    run = run_tasks(_server(lb, backend='app', host='web1', state='enabled', weight='3'))
    assert run.status('server') == 'failed'
    msg = run.task('server')['msg']
    assert "HAProxy refused 'set weight app/web1 3'" in msg and 'static' in msg, msg
    assert lb.stats_csv()[('app', 'web1')]['weight'] == '1'
