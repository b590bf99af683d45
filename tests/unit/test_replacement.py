"""container.Replacement against the fake engine (a real unix socket): the order of the engine calls
of a replacement, its undo after a late failure, and the message when the undo itself fails."""

import pytest

from ansible_collections.berth.docker.plugins.module_utils import api
from ansible_collections.berth.docker.plugins.module_utils.container_ops import Replacement
from tests.unit.fake_engine import FakeEngine

OLD = 'a' * 64
NEW = 'b' * 64


def engine_calls(engine):
    return [(r['method'], r['path'].split('/', 2)[2], r['query']) for r in engine.requests if r['path'] != '/version']


def replacement_engine(start_old=(204, b'')):
    engine = FakeEngine()
    engine.route('POST', '/containers/%s/rename' % OLD, lambda req: (204, b''))
    engine.route('POST', '/containers/%s/stop' % OLD, lambda req: (204, b''))
    engine.route('POST', '/containers/%s/start' % OLD, lambda req: start_old)
    engine.route('DELETE', '/containers/%s' % NEW, lambda req: (204, b''))
    engine.route('DELETE', '/containers/%s' % OLD, lambda req: (204, b''))
    engine.route('GET', '/containers/%s/json' % OLD, lambda req: (200, {'Id': OLD, 'State': {'Running': False}}))
    return engine


def run(engine, late_error):
    client = api.EngineClient(api.ConnectionConfig(docker_host=engine.url))
    try:
        with Replacement(client, {'Id': OLD, 'State': {'Running': True}}, 'web') as replacement:
            replacement.create(lambda adopt: NEW)
            replacement.stop_old(lambda: client.post('/containers/%s/stop' % OLD))
            if late_error:
                raise api.DockerError(late_error)
    finally:
        client.close()


def test_success_removes_the_old_container_last():
    with replacement_engine() as engine:
        run(engine, None)
        assert engine_calls(engine) == [
            ('POST', 'containers/%s/rename' % OLD, 'name=%s_web' % OLD[:12]),
            ('POST', 'containers/%s/stop' % OLD, ''),
            ('DELETE', 'containers/%s' % OLD, 'force=1&v=0'),
        ]


def test_late_failure_removes_the_new_one_and_puts_the_old_one_back():
    with replacement_engine() as engine:
        with pytest.raises(api.DockerError) as caught:
            run(engine, 'container web is not healthy after 6 s; last health checks: exit 1: no')
        msg = caught.value.msg
        assert msg.startswith('container web is not healthy after 6 s; last health checks: exit 1: no; ')
        assert 'the previous container web was put back and runs again (the same container, %s)' % OLD[:12] in msg
        assert engine_calls(engine)[2:] == [
            ('DELETE', 'containers/%s' % NEW, 'force=1'),
            ('POST', 'containers/%s/rename' % OLD, 'name=web'),
            ('GET', 'containers/%s/json' % OLD, ''),
            ('POST', 'containers/%s/start' % OLD, ''),
        ]


def test_failed_undo_keeps_the_cause_and_says_how_to_finish():
    with replacement_engine(start_old=(500, {'message': 'port is already allocated'})) as engine:
        with pytest.raises(api.DockerError) as caught:
            run(engine, 'container web stopped before it became healthy')
        msg = caught.value.msg
        assert msg.startswith('container web stopped before it became healthy. Putting the previous container web')
        assert 'port is already allocated' in msg and 'Finish by hand: docker start web' in msg


def test_a_failure_before_the_stop_leaves_the_old_one_as_it_was():
    with replacement_engine() as engine:
        engine.route('GET', '/containers/%s/json' % OLD, lambda req: (200, {'Id': OLD, 'State': {'Running': True}}))
        client = api.EngineClient(api.ConnectionConfig(docker_host=engine.url))

        def create(adopt):
            adopt(NEW)  # created, then its network connect is refused
            raise api.APIError('connecting web to network back: user specified IP address is supported only ...')

        with pytest.raises(api.DockerError) as caught:
            with Replacement(client, {'Id': OLD, 'State': {'Running': True}}, 'web') as replacement:
                replacement.create(create)
        client.close()
        msg = caught.value.msg
        assert msg.startswith('connecting web to network back: user specified IP address')
        assert 'The previous container web was left as it was (the new container %s was removed)' % NEW[:12] in msg
        calls = engine_calls(engine)
        assert ('DELETE', 'containers/%s' % NEW, 'force=1') in calls
        assert ('POST', 'containers/%s/start' % OLD, '') not in calls
