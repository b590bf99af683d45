"""Engine API client against a fake engine on a real unix socket, and its pure helpers."""

import json
import os
import socket
import ssl
import tempfile
import time

import pytest

from ansible_collections.berth.docker.plugins.module_utils import api
from tests.unit.fake_engine import FakeEngine


def client_for(engine, **kwargs):
    return api.EngineClient(api.ConnectionConfig(docker_host=engine.url, **kwargs))


def test_version_negotiated_from_engine_and_used_in_paths():
    with FakeEngine(api_version='1.41') as engine:
        engine.route('GET', '/info', lambda req: (200, {'Driver': 'overlay2'}))
        client = client_for(engine)
        assert client.get('/info') == {'Driver': 'overlay2'}
        assert client.api_version == '1.41'
        assert engine.requests[-1]['path'] == '/v1.41/info'
        client.close()


def test_newer_engine_is_capped_at_newest_known_version():
    assert api.negotiate_version('1.52', '1.44') == api.NEWEST_KNOWN_API_VERSION
    assert api.negotiate_version('1.43', '1.12') == '1.43'


def test_forced_version_checked_against_engine_range():
    assert api.negotiate_version('1.45', '1.24', '1.44') == '1.44'
    with pytest.raises(api.DockerError, match='newer than the engine supports'):
        api.negotiate_version('1.41', '1.12', '1.45')
    with pytest.raises(api.DockerError, match='older than the engine accepts'):
        api.negotiate_version('1.52', '1.44', '1.41')
    with pytest.raises(api.DockerError, match='not a version'):
        api.negotiate_version('1.41', '1.12', 'latest')


def test_engine_older_than_supported_fails_clearly():
    with pytest.raises(api.DockerError, match=r'older than 1\.25 \(Docker 1\.13\).*upgrade the engine'):
        api.negotiate_version('1.24', '1.12')


def test_engines_from_api_1_25_on_are_served():
    """Docker 1.13 (1.25) and CentOS 7's docker 1.13 (1.26) are spoken in their own version."""
    assert api.MIN_API_VERSION == '1.25'
    assert api.negotiate_version('1.25', '1.12') == '1.25'
    assert api.negotiate_version('1.26', '1.12') == '1.26'
    assert api.negotiate_version('1.39', '1.12') == '1.39'


def test_forced_version_below_the_oldest_supported_fails_clearly():
    assert api.negotiate_version('1.41', '1.12', '1.25') == '1.25'
    with pytest.raises(api.DockerError, match=r'api_version 1\.24 is older than 1\.25.*at least 1\.25'):
        api.negotiate_version('1.41', '1.12', '1.24')


def test_one_keep_alive_connection_for_many_requests():
    with FakeEngine() as engine:
        engine.route('GET', '/containers/web/json', lambda req: (200, {'Id': 'abc'}))
        client = client_for(engine)
        for _attempt in range(10):
            assert client.inspect('container', 'web')['Id'] == 'abc'
        client.close()
        assert engine.connections == 1


def test_reconnects_when_engine_closed_idle_connection():
    with FakeEngine() as engine:
        engine.route('GET', '/info', lambda req: (200, {'ok': 1}))
        engine.drop_after_answer = True
        client = client_for(engine)
        for _attempt in range(3):
            assert client.get('/info') == {'ok': 1}
        client.close()
        assert engine.connections == 4  # /version, then one per dropped connection


def test_404_maps_to_not_found_and_inspect_returns_none():
    with FakeEngine() as engine:
        engine.route('GET', '/containers/nope/json', lambda req: (404, {'message': 'No such container: nope'}))
        client = client_for(engine)
        assert client.inspect('container', 'nope') is None
        with pytest.raises(api.NotFound, match='container nope: No such container'):
            client.get('/containers/nope/json', what='container nope')


def test_409_maps_to_conflict():
    with FakeEngine() as engine:
        engine.route('POST', '/containers/create', lambda req: (409, {'message': 'name in use'}))
        with pytest.raises(api.Conflict, match='name in use'):
            client_for(engine).post('/containers/create', body={})


def test_500_message_names_request_and_status():
    with FakeEngine() as engine:
        engine.route('DELETE', '/images/x', lambda req: (500, {'message': 'driver failed'}))
        with pytest.raises(api.APIError, match=r'DELETE /images/x with HTTP 500: driver failed'):
            client_for(engine).delete('/images/x')


def test_client_version_too_old_explained():
    with FakeEngine() as engine:
        engine.route('GET', '/info', lambda req: (400, {
            'message': 'client version 1.41 is too old. Minimum supported API version is 1.44'}))
        with pytest.raises(api.APIError, match='refuses Engine API 1.41.*api_version to auto'):
            client_for(engine).get('/info')


def test_json_body_sent_with_content_type():
    with FakeEngine() as engine:
        engine.route('POST', '/networks/create', lambda req: (201, {'Id': 'n1'}))
        client = client_for(engine)
        assert client.post('/networks/create', body={'Name': 'x'}) == {'Id': 'n1'}
        req = engine.requests[-1]
        assert json.loads(req['body']) == {'Name': 'x'}
        assert req['headers']['Content-Type'] == 'application/json'


def test_query_parameters_encoded():
    with FakeEngine() as engine:
        engine.route('GET', '/containers/json', lambda req: (200, []))
        client_for(engine).get('/containers/json', {'all': True, 'filters': '{"label": ["a=b"]}', 'skip': None})
        query = engine.requests[-1]['query']
        assert 'all=1' in query and 'filters=%7B%22label' in query and 'skip' not in query


def test_chunked_upload_of_file_body():
    with FakeEngine() as engine:
        engine.route('POST', '/images/load', lambda req: (200, [b'{"stream":"Loaded %d bytes"}\r\n' % len(req['body'])]))
        with tempfile.TemporaryFile() as handle:
            handle.write(b'x' * 200000)
            handle.seek(0)
            messages = client_for(engine).stream_json('POST', '/images/load', body=handle)
        assert messages == [{'stream': 'Loaded 200000 bytes'}]


def test_json_stream_split_across_chunks():
    chunks = [b'{"status":"Pulling', b' fs layer"}\r\n{"sta', b'tus":"Done"}\r\n', b'{"id":"\xc3', b'\xa9"}']
    with FakeEngine() as engine:
        engine.route('POST', '/images/create', lambda req: (200, chunks))
        client = client_for(engine)
        messages = client.stream_json('POST', '/images/create')
        assert messages == [{'status': 'Pulling fs layer'}, {'status': 'Done'}, {'id': '\u00e9'}]
        # the connection is reusable after a fully read stream
        assert client.ping() == b'OK'
        assert engine.connections == 1


def test_error_inside_stream_raises_with_messages():
    chunks = [b'{"status":"Step 1/2"}\n', b'{"errorDetail":{"message":"RUN failed"},"error":"RUN failed"}\n']
    with FakeEngine() as engine:
        engine.route('POST', '/build', lambda req: (200, chunks))
        with pytest.raises(api.StreamError) as err:
            client_for(engine).stream_json('POST', '/build', what='build web')
        assert 'build web: RUN failed' in str(err.value)
        assert err.value.messages[0] == {'status': 'Step 1/2'}


def test_truncated_stream_is_an_error():
    assert list(api.iter_json_objects([b'{"a":1}\n'])) == [{'a': 1}]
    with pytest.raises(api.DockerError, match='incomplete JSON'):
        list(api.iter_json_objects([b'{"a":1}\n{"b":']))


def test_missing_socket_says_install_and_start():
    client = api.EngineClient(api.ConnectionConfig(docker_host='unix:///nonexistent/docker.sock'))
    with pytest.raises(api.EngineUnreachable, match='is the engine installed and started|Is the engine installed and started'):
        client.ping()


def test_stale_socket_refused():
    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, 'docker.sock')
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(path)
    sock.close()  # the file exists, nobody listens
    client = api.EngineClient(api.ConnectionConfig(docker_host='unix://' + path))
    with pytest.raises(api.EngineUnreachable, match='nothing accepts connections'):
        client.ping()


def test_permission_denied_says_become_or_group(tmp_path):
    if os.geteuid() == 0:
        # root bypasses file permissions; check the message mapping directly
        client = api.EngineClient(api.ConnectionConfig(docker_host='unix:///x.sock'))
        err = client._unreachable(PermissionError(13, 'Permission denied'))
    else:  # pragma: no cover - depends on who runs the suite
        path = tmp_path / 'docker.sock'
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(path))
        os.chmod(str(path), 0)
        with pytest.raises(api.EngineUnreachable) as info:
            api.EngineClient(api.ConnectionConfig(docker_host='unix://%s' % path)).ping()
        err = info.value
    assert 'become' in err.msg and 'docker group' in err.msg


def test_tcp_refused_names_address():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    client = api.EngineClient(api.ConnectionConfig(docker_host='tcp://127.0.0.1:%d' % port))
    with pytest.raises(api.EngineUnreachable, match='tcp://127.0.0.1:%d: connection refused' % port):
        client.ping()


def test_tls_handshake_failure_explained():
    # a plain TCP server that closes on TLS: the client must say TLS and what to check
    import threading
    server = socket.socket()
    server.bind(('127.0.0.1', 0))
    server.listen(1)
    port = server.getsockname()[1]

    def serve():
        conn, _peer = server.accept()
        conn.recv(1024)
        conn.sendall(b'HTTP/1.1 400 Bad Request\r\n\r\nnot tls')
        conn.close()
    threading.Thread(target=serve, daemon=True).start()
    client = api.EngineClient(api.ConnectionConfig(docker_host='tcp://127.0.0.1:%d' % port, tls=True))
    with pytest.raises(api.EngineUnreachable, match='TLS with the engine'):
        client.ping()
    server.close()


@pytest.mark.parametrize('exc', [ConnectionResetError(104, 'Connection reset by peer'),
                                 ssl.SSLEOFError(8, 'EOF occurred in violation of protocol')])
def test_tls_refusal_without_client_cert_names_it(exc):
    # TLS 1.3 delivers "certificate required" after the handshake: timing decides whether the
    # client sees the alert, an EOF or a reset. Each must name the missing client certificate.
    client = api.EngineClient(api.ConnectionConfig(docker_host='tcp://127.0.0.1:2376', tls=True))
    err = client._unreachable(exc)
    assert 'TLS with the engine at tcp://127.0.0.1:2376 failed' in err.msg
    assert 'No client certificate was presented' in err.msg


def test_plain_tcp_reset_is_not_called_tls():
    client = api.EngineClient(api.ConnectionConfig(docker_host='tcp://127.0.0.1:2375'))
    assert 'TLS' not in client._unreachable(ConnectionResetError(104, 'reset')).msg


def test_ssh_without_paramiko_fails_clearly(monkeypatch):
    import builtins
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == 'paramiko':
            raise ImportError('no paramiko')
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, '__import__', fake_import)
    client = api.EngineClient(api.ConnectionConfig(docker_host='ssh://root@127.0.0.1'))
    with pytest.raises(api.EngineUnreachable, match='needs the Python package paramiko'):
        client.ping()


def test_unsupported_scheme_rejected():
    with pytest.raises(api.DockerError, match='unsupported scheme'):
        api.ConnectionConfig(docker_host='npipe:////./pipe/docker_engine')


def test_split_frames_demultiplexes():
    data = b'\x01\x00\x00\x00\x00\x00\x00\x03out' + b'\x02\x00\x00\x00\x00\x00\x00\x03err' + b'\x01\x00\x00\x00\x00\x00\x00\x01!'
    assert api.split_frames(data) == (b'out!', b'err')
    assert api.split_frames(b'plain tty output') == (b'plain tty output', b'')


def test_encode_filters():
    assert json.loads(api.encode_filters({'label': {'a': 'b', 'c': None}, 'status': ['running'], 'dangling': True})) == {
        'label': ['a=b', 'c'], 'status': ['running'], 'dangling': ['true']}


def test_encode_auth_header_is_urlsafe_base64_json():
    import base64
    value = api.encode_auth_header({'username': 'u', 'password': '?>?'})
    assert json.loads(base64.urlsafe_b64decode(value)) == {'username': 'u', 'password': '?>?'}


def test_require_names_option_versions_and_the_fix():
    with FakeEngine(api_version='1.41') as engine:
        client = client_for(engine)
        with pytest.raises(api.DockerError, match='mac_address per network needs Engine API 1.44 or newer, but the '
                           'engine at .* speaks Engine API 1.41; upgrade the engine'):
            client.require('1.44', 'mac_address per network')
        assert client.supports('1.40')
        assert client.supports('1.41')
        assert not client.supports('1.42')
        client.require('1.41', 'anything of 1.41')
        client.close()


def test_require_with_a_pinned_api_version_says_to_raise_it():
    with FakeEngine(api_version='1.41') as engine:
        client = client_for(engine, api_version='1.30')
        assert client.supports('1.30') and not client.supports('1.31')
        with pytest.raises(api.DockerError, match=r'device_requests needs Engine API 1\.40 or newer, but api_version '
                           r'is set to 1\.30; raise api_version to 1\.40 or more \(or set it to auto\), or leave '
                           r'device_requests out'):
            client.require('1.40', 'device_requests')
        client.close()


def _slow(seconds, answer):
    def handler(_req):
        time.sleep(seconds)
        return 200, answer
    return handler


def test_long_timeout_of_one_call_does_not_stay_on_the_connection():
    """A pull-like call with a long timeout, then a normal call on the same kept-alive
    connection: the normal call times out at the configured timeout, not at the long one."""
    with FakeEngine() as engine:
        engine.route('POST', '/images/create', lambda req: (200, {'status': 'pulled'}))
        engine.route('GET', '/slow', _slow(3, {'late': True}))
        client = client_for(engine, timeout=1)
        assert client.post('/images/create', timeout=3600) == {'status': 'pulled'}
        started = time.monotonic()
        with pytest.raises(api.EngineUnreachable, match='timed out after 1 s'):
            client.get('/slow')
        assert time.monotonic() - started < 2.5
        # the next call gets a fresh connection and its own (longer) timeout
        assert client.get('/slow', timeout=10) == {'late': True}
        # and a call after that is back at the configured timeout
        with pytest.raises(api.EngineUnreachable, match='timed out after 1 s'):
            client.get('/slow')
        client.close()


def test_long_timeout_on_a_new_connection_does_not_stay_either():
    """The long timeout of the call that opened the connection is not kept for the next call."""
    with FakeEngine() as engine:
        engine.route('GET', '/slow', _slow(3, {'late': True}))
        engine.route('POST', '/containers/c/stop', lambda req: (204, b''))
        client = client_for(engine, timeout=1)
        client.negotiate()
        client.close()  # the stop below opens the connection with its own long timeout
        client.post('/containers/c/stop', timeout=600)
        with pytest.raises(api.EngineUnreachable, match='timed out after 1 s'):
            client.get('/slow')
        assert engine.connections == 2
        client.close()
