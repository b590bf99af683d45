"""The Docker repository signing key (berth.docker.engine, source docker-ce) fetched from a REAL
HTTPS server on 127.0.0.1: a self-signed certificate is refused (certificate verification is
always on, whatever validate_certs says), and with a CA this test trusts (through OpenSSL's
SSL_CERT_FILE, which ssl.create_default_context honours) a key with the wrong fingerprint is
refused with nothing written, the same key with its fingerprint given in repo_key_fingerprint is
written byte for byte. The key is generated here with gpg; the certificates with openssl."""

import http.server
import os
import ssl
import subprocess
import threading

import pytest

from ansible_collections.berth.docker.plugins.module_utils import engine as engine_mod
from ansible_collections.berth.docker.plugins.module_utils import engine_repo_key as rk

# gpg and openssl are installed by tools/ensure-deps.sh; without them these tests fail, never skip
pytestmark = pytest.mark.slow


def sh(*argv, cwd=None, env=None):
    return subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True,
                          timeout=120).stdout


@pytest.fixture(scope='module')
def material(tmp_path_factory):
    """A gpg key (armored, and its fingerprint), a CA, a server certificate for 127.0.0.1 signed by
    it, and a self-signed one."""
    d = str(tmp_path_factory.mktemp('repo-key'))
    home = os.path.join(d, 'gnupg')
    os.mkdir(home, 0o700)
    gpg = ['gpg', '--homedir', home, '--batch', '--quiet', '--pinentry-mode', 'loopback', '--passphrase', '']
    sh(*(gpg + ['--quick-gen-key', 'Berth Mirror <mirror@example.invalid>', 'ed25519', 'sign', 'never']))
    key = sh(*(gpg + ['--armor', '--export', 'mirror@example.invalid']))
    listing = sh(*(gpg + ['--with-colons', '--fingerprint', 'mirror@example.invalid'])).decode()
    fpr = [line.split(':')[9] for line in listing.splitlines() if line.startswith('fpr:')][0]
    with open(os.path.join(d, 'ext.cnf'), 'w') as handle:
        handle.write('subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n')
    sh('openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=berth test CA',
       '-keyout', 'ca.key', '-out', 'ca.pem', cwd=d)
    sh('openssl', 'req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'server.key',
       '-out', 'server.csr', cwd=d)
    sh('openssl', 'x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
       '-days', '2', '-extfile', 'ext.cnf', '-out', 'server.pem', cwd=d)
    sh('openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
       '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', 'self.key', '-out', 'self.pem', cwd=d)
    return {'dir': d, 'key': key, 'fpr': fpr}


class Server:
    """An HTTPS server on 127.0.0.1 (free port) serving ``key`` at /linux/debian/gpg."""

    def __init__(self, cert, keyfile, key):
        body = key

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                if self.path != '/linux/debian/gpg':
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.HTTPServer(('127.0.0.1', 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, keyfile)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.url = 'https://127.0.0.1:%d' % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def serve(material):
    servers = []

    def start(kind):
        d = material['dir']
        server = Server(os.path.join(d, kind + '.pem'), os.path.join(d, kind + '.key'), material['key'])
        servers.append(server)
        return server
    yield start
    for server in servers:
        server.close()


class Params:
    """What Engine.fetch_key reads: module params and check mode (no Ansible run needed)."""

    def __init__(self, fingerprints):
        self.params = {'repo_key_fingerprint': fingerprints, 'timeout': 20, 'validate_certs': False}
        self.check_mode = False


def fetch_key(fingerprints, path, url):
    engine = engine_mod.Engine(Params(fingerprints))
    engine.fetch_key(path, url)
    return engine.result


def test_self_signed_certificate_is_refused(serve, material, tmp_path, monkeypatch):
    """validate_certs false (the Engine API's default) does not turn verification off for the key."""
    monkeypatch.delenv('SSL_CERT_FILE', raising=False)
    server = serve('self')
    path = str(tmp_path / 'keyrings' / 'docker.asc')
    with pytest.raises(engine_mod.EngineFailure) as err:
        fetch_key([material['fpr']], path, server.url + '/linux/debian/gpg')
    assert 'certificate verification failed' in err.value.msg and server.url in err.value.msg
    assert not os.path.exists(path) and not os.path.exists(os.path.dirname(path))


def test_trusted_ca_wrong_fingerprint_refused_override_written(serve, material, tmp_path, monkeypatch):
    monkeypatch.setenv('SSL_CERT_FILE', os.path.join(material['dir'], 'ca.pem'))
    server = serve('server')
    url = server.url + '/linux/debian/gpg'
    path = str(tmp_path / 'keyrings' / 'docker.asc')
    # the default: Docker's published fingerprint; this key is not Docker's
    with pytest.raises(engine_mod.EngineFailure) as err:
        fetch_key([rk.DOCKER_KEY_FINGERPRINT], path, url)
    msg = err.value.msg
    assert rk.pretty(material['fpr']) in msg and '9DC8 5822 9FC7 DD38 854A  E2D8 8D81 803C 0EBF CD88' in msg
    assert 'repo_key_fingerprint' in msg and 'Nothing was written' in msg
    assert not os.path.exists(path)
    # the mirror's fingerprint given (gpg's spaced layout): written, byte for byte, 0644
    result = fetch_key([rk.pretty(material['fpr'])], path, url)
    with open(path, 'rb') as handle:
        assert handle.read() == material['key']
    assert os.stat(path).st_mode & 0o777 == 0o644
    assert result['repo_key_fingerprints'] == [material['fpr']]
    assert rk.file_matches(path, [material['fpr']]) and not rk.file_matches(path, [rk.DOCKER_KEY_FINGERPRINT])
