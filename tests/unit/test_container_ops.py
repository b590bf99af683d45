"""container_ops and image_ops against the fake engine: the one wait loop's outcomes, the one output
decoder, and the build query that compose's build keys reach."""

import struct
import time
from urllib.parse import parse_qs

import pytest

from ansible_collections.berth.docker.plugins.module_utils import api, container_ops, image_ops
from tests.unit.fake_engine import FakeEngine

CID = 'c' * 64


def frame(kind, text):
    data = text.encode()
    return struct.pack('>BxxxI', kind, len(data)) + data


def states(*answers):
    """A route handler that answers the inspects in turn (the last one for good)."""
    answers = list(answers)

    def handler(_req):
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        return (404, {'message': 'No such container'}) if answer is None else (200, {'Id': CID, 'State': answer})
    return handler


def wait(condition, *answers, deadline=5):
    with FakeEngine() as engine:
        engine.route('GET', '/containers/%s/json' % CID, states(*answers))
        client = api.EngineClient(api.ConnectionConfig(docker_host=engine.url))
        try:
            return container_ops.wait_for(client, CID, condition, time.time() + deadline, poll=0.01)
        finally:
            client.close()


RUNNING = {'Status': 'running', 'Running': True}
STARTING = dict(RUNNING, Health={'Status': 'starting'})
HEALTHY = dict(RUNNING, Health={'Status': 'healthy'})
EXITED = {'Status': 'exited', 'Running': False, 'ExitCode': 3}


@pytest.mark.parametrize('condition,answers,outcome', [
    ('healthy', [STARTING, STARTING, HEALTHY], 'healthy'),
    ('healthy', [RUNNING], 'running'),
    ('healthy', [STARTING, EXITED], 'exited'),
    ('healthy', [{'Status': 'created', 'Running': False}, HEALTHY], 'healthy'),
    ('healthy', [STARTING, None], 'gone'),
    ('exited', [RUNNING, RUNNING, EXITED], 'exited'),
])
def test_wait_for_outcomes(condition, answers, outcome):
    assert wait(condition, *answers)[0] == outcome


def test_wait_for_gives_up_at_the_deadline_with_the_last_state():
    outcome, data = wait('healthy', STARTING, deadline=0.05)
    assert outcome == 'timeout' and data['State']['Health']['Status'] == 'starting'


def test_decode_output_splits_frames_unless_tty():
    raw = frame(1, 'out\n') + frame(2, 'err\n') + frame(1, 'more\n')
    assert container_ops.decode_output(raw) == ('out\nmore\n', 'err\n')
    assert container_ops.decode_output(b'plain', tty=True) == ('plain', '')
    assert container_ops.decode_output(None) == ('', '')


def test_logs_asks_for_the_tail_and_decodes():
    with FakeEngine() as engine:
        engine.route('GET', '/containers/%s/logs' % CID,
                     lambda req: (200, frame(1, 'a\n') + frame(2, 'b\n'), 'application/vnd.docker.raw-stream'))
        client = api.EngineClient(api.ConnectionConfig(docker_host=engine.url))
        try:
            assert container_ops.logs(client, CID, tail=5) == ('a\n', 'b\n')
            assert container_ops.logs_tail(client, CID, 5) == 'a\nb\n'
        finally:
            client.close()
        asked = parse_qs([r for r in engine.requests if r['path'].endswith('/logs')][0]['query'])
        assert asked['tail'] == ['5']


def test_stop_timeout_prefers_the_option_then_the_container():
    assert container_ops.stop_timeout({'Config': {'StopTimeout': 3}}, 7) == 7
    assert container_ops.stop_timeout({'Config': {'StopTimeout': 3}}) == 3
    assert container_ops.stop_timeout(None) == container_ops.DEFAULT_STOP_TIMEOUT


def test_shm_size_takes_every_unit_units_knows():
    assert image_ops.parse_size('1GiB') == 1024 ** 3
    assert image_ops.parse_size(8 * 1024 ** 2) == 8 * 1024 ** 2


def test_build_sends_compose_build_keys(tmp_path):
    (tmp_path / 'Dockerfile').write_text('FROM scratch\n')
    with FakeEngine() as engine:
        engine.route('POST', '/build', lambda req: (200, [b'{"stream": "done\\n"}\n']))
        engine.route('GET', '/images/berth-test/unit:1/json', lambda req: (200, {'Id': 'sha256:new'}))
        client = api.EngineClient(api.ConnectionConfig(docker_host=engine.url))
        try:
            outcome = image_ops.build(client, image_ops.reference('berth-test/unit:1'), {
                'path': str(tmp_path), 'shm_size': 64 * 1024 ** 2, 'extra_hosts': ['db:10.0.0.2'],
                'etc_hosts': {'cache': '10.0.0.3'}, 'cache_from': ['berth-test/unit:0']})
        finally:
            client.close()
        assert outcome['image'] == {'Id': 'sha256:new'}
        asked = parse_qs([r for r in engine.requests if r['path'].endswith('/build')][0]['query'])
        assert asked['shmsize'] == [str(64 * 1024 ** 2)]
        assert asked['extrahosts'] == ['cache:10.0.0.3,db:10.0.0.2']
        assert asked['cachefrom'] == ['["berth-test/unit:0"]']


def test_failed_health_wait_returns_the_container():
    """state: healthy that times out fails with the container's inspect data, as community.docker does."""
    from ansible_collections.berth.docker.plugins.module_utils.container import failure_details
    from ansible_collections.berth.docker.plugins.module_utils.errors import DockerError
    data = {'Id': 'c' * 64, 'State': {'Health': {'Status': 'starting'}}}
    assert failure_details(DockerError('not healthy', details={'container': data})) == {'container': data}
    assert failure_details(DockerError('other')) == {}
