# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Docker Engine API client, standard library only.

It runs on the managed host inside AnsiballZ, so it needs nothing but Python:
HTTP/1.1 over the unix socket, tcp, tcp+TLS, and ssh:// (through paramiko, imported
lazily, running ``docker system dial-stdio`` on the remote host).

One keep-alive connection is kept per client (so per module run). The API version is
negotiated from ``GET /version``: the engine's own version, capped at the newest one
this client knows, never a fixed pin.
"""


import base64
import http.client
import json
import os
import socket
import ssl
import struct
from urllib.parse import quote, urlencode, urlparse

from ansible_collections.berth.docker.plugins.module_utils.errors import (  # noqa: F401 - the errors callers catch
    APIError, Conflict, DockerError, EngineUnreachable, NotFound, StreamError)

DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock'
DEFAULT_TIMEOUT = 60
# The oldest Engine API we support (Docker 1.13) and the newest whose semantics we know. What
# each feature needs beyond the oldest one is api_features' table.
MIN_API_VERSION = '1.25'
NEWEST_KNOWN_API_VERSION = '1.47'

STREAM_STDERR = 2  # the stream type of stderr frames in a multiplexed stream (1: stdout)


def version_tuple(version):
    """'1.41' -> (1, 41). Raises ValueError on anything else."""
    parts = str(version).strip().split('.')
    if len(parts) < 2:
        raise ValueError('not an API version: %r' % (version,))
    return tuple(int(p) for p in parts)


def negotiate_version(engine_version, engine_min_version, forced=None):
    """Pick the API version to speak.

    ``forced`` (the ``api_version`` option, unless ``auto``) wins; otherwise the engine's
    own version capped at NEWEST_KNOWN_API_VERSION. Raises DockerError when the engine is
    older than MIN_API_VERSION or the forced version is outside what the engine accepts.
    """
    if forced and forced != 'auto':
        try:
            version_tuple(forced)
        except ValueError:
            raise DockerError('api_version %r is not a version like 1.41 (or use auto)' % (forced,))
        if version_tuple(forced) < version_tuple(MIN_API_VERSION):
            raise DockerError(
                'api_version %s is older than %s, the oldest Engine API berth.docker speaks; set api_version '
                'to at least %s, or to auto' % (forced, MIN_API_VERSION, MIN_API_VERSION))
        if engine_version and version_tuple(forced) > version_tuple(engine_version):
            raise DockerError(
                'api_version %s is newer than the engine supports (its newest is %s); '
                'set api_version to at most %s, or to auto' % (forced, engine_version, engine_version))
        if engine_min_version and version_tuple(forced) < version_tuple(engine_min_version):
            raise DockerError(
                'api_version %s is older than the engine accepts (its oldest is %s); '
                'set api_version to at least %s, or to auto' % (forced, engine_min_version, engine_min_version))
        return forced
    if not engine_version:
        raise DockerError('the engine did not report its API version in GET /version')
    if version_tuple(engine_version) < version_tuple(MIN_API_VERSION):
        raise DockerError(
            'the engine speaks Engine API %s, older than %s (Docker 1.13) which berth.docker needs; '
            'upgrade the engine (berth.docker.engine can do it)' % (engine_version, MIN_API_VERSION))
    if version_tuple(engine_version) > version_tuple(NEWEST_KNOWN_API_VERSION):
        candidate = NEWEST_KNOWN_API_VERSION
        if engine_min_version and version_tuple(candidate) < version_tuple(engine_min_version):
            candidate = engine_min_version
        return candidate
    return engine_version


def split_frames(data):
    """Demultiplex a non-TTY attach/logs stream: returns (stdout_bytes, stderr_bytes).

    Each frame is an 8-byte header (stream type, 3 zero bytes, big-endian length) and a
    payload. Data that does not start with a valid header is returned as stdout (TTY mode).
    """
    if len(data) < 8 or data[0] not in (0, 1, 2) or data[1:4] != b'\x00\x00\x00':
        return data, b''
    out, err = [], []
    pos = 0
    while pos + 8 <= len(data):
        kind = data[pos]
        size = struct.unpack('>I', data[pos + 4:pos + 8])[0]
        payload = data[pos + 8:pos + 8 + size]
        (err if kind == STREAM_STDERR else out).append(payload)
        pos += 8 + size
    return b''.join(out), b''.join(err)


def iter_json_objects(chunks):
    """Decode concatenated JSON objects from an iterable of byte chunks.

    The engine separates them with newlines but a chunk boundary may fall anywhere, so
    this buffers and uses raw_decode rather than splitting on lines.
    """
    decoder = json.JSONDecoder()
    buf = ''
    pending = b''
    for chunk in chunks:
        if not chunk:
            continue
        pending += chunk
        try:
            text = pending.decode('utf-8')
            pending = b''
        except UnicodeDecodeError:
            # a multi-byte character split across chunks: wait for the rest
            continue
        buf += text
        while True:
            stripped = buf.lstrip()
            if not stripped:
                buf = ''
                break
            try:
                obj, end = decoder.raw_decode(stripped)
            except ValueError:
                buf = stripped
                break
            yield obj
            buf = stripped[end:]
    rest = (buf + pending.decode('utf-8', 'replace')).strip()
    if rest:
        raise DockerError('the engine sent an incomplete JSON progress stream: %r' % rest[:200])


def stream_error(obj):
    """The error message carried by one progress-stream object, or None."""
    if not isinstance(obj, dict):
        return None
    if obj.get('error'):
        return obj['error']
    detail = obj.get('errorDetail')
    if isinstance(detail, dict) and detail.get('message'):
        return detail['message']
    return None


def encode_auth_header(auth):
    """X-Registry-Auth / X-Registry-Config header value: base64url of the JSON."""
    return base64.urlsafe_b64encode(json.dumps(auth).encode('utf-8')).decode('ascii')


def encode_filters(filters):
    """{'label': 'a=b', 'status': ['running']} -> the JSON the engine's filters want.

    Values may be a string, a list of strings, a bool or a dict (for label: {key: value}
    or {key: None} for presence only).
    """
    result = {}
    for key, value in (filters or {}).items():
        if value is None:
            continue
        if isinstance(value, dict):
            items = []
            for k, v in value.items():
                items.append(k if v is None else '%s=%s' % (k, v))
        elif isinstance(value, (list, tuple)):
            items = [str(v) for v in value]
        elif isinstance(value, bool):
            items = ['true' if value else 'false']
        else:
            items = [str(value)]
        result[key] = items
    return json.dumps(result, sort_keys=True)


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, socket_path, timeout):
        super(UnixHTTPConnection, self).__init__('localhost', timeout=timeout)
        self.socket_path = socket_path

    def connect(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.socket_path)
        except Exception:
            sock.close()
            raise
        self.sock = sock


class TLSHTTPConnection(http.client.HTTPSConnection):
    """HTTPS that may check the certificate against tls_hostname instead of the address."""

    def __init__(self, host, port, timeout, context, server_hostname=None):
        super(TLSHTTPConnection, self).__init__(host, port, timeout=timeout, context=context)
        self.server_hostname = server_hostname or host

    def connect(self):
        sock = socket.create_connection((self.host, self.port), self.timeout)
        try:
            self.sock = self._context.wrap_socket(sock, server_hostname=self.server_hostname)
        except Exception:
            sock.close()
            raise


class SSHHTTPConnection(http.client.HTTPConnection):
    """HTTP over an ssh channel running ``docker system dial-stdio`` on the remote host."""

    def __init__(self, url, timeout):
        super(SSHHTTPConnection, self).__init__('localhost', timeout=timeout)
        self.url = url
        self.ssh = None

    def connect(self):
        try:
            import paramiko  # pylint: disable=import-outside-toplevel
        except ImportError:
            raise EngineUnreachable(
                'docker_host %s uses ssh://, which needs the Python package paramiko on the host '
                'running the module (pip install paramiko, or python3-paramiko); or use a unix/tcp '
                'docker_host, or run the task on the engine host itself' % self.url.geturl())
        host, port, user, key_files = self.url.hostname, self.url.port, self.url.username, None
        config_path = os.path.expanduser('~/.ssh/config')
        if os.path.exists(config_path):
            ssh_config = paramiko.SSHConfig.from_path(config_path).lookup(host)
            host = ssh_config.get('hostname', host)
            port = port or (int(ssh_config['port']) if 'port' in ssh_config else None)
            user = user or ssh_config.get('user')
            key_files = ssh_config.get('identityfile')
        client = paramiko.SSHClient()
        client.load_system_host_keys()
        # an unknown host key is refused, as the ssh CLI refuses it in batch mode
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        try:
            client.connect(host, port=port or 22, username=user or None, password=self.url.password or None,
                           key_filename=key_files, timeout=self.timeout)
        except paramiko.SSHException as exc:
            if 'not found in known_hosts' in str(exc):
                raise EngineUnreachable(
                    'the ssh host key of %s is not known: add it to ~/.ssh/known_hosts of the user running the '
                    'module (for example with ssh-keyscan, after checking it), then retry' % host)
            raise
        channel = client.get_transport().open_session()
        channel.settimeout(self.timeout)
        channel.exec_command('docker system dial-stdio')
        self.ssh = client
        self.sock = channel

    def close(self):
        super(SSHHTTPConnection, self).close()
        if self.ssh is not None:
            self.ssh.close()
            self.ssh = None


class ConnectionConfig:
    """Where the engine is and how to talk to it (the shared connection options)."""

    def __init__(self, docker_host=None, tls=False, validate_certs=False, ca_path=None,
                 client_cert=None, client_key=None, tls_hostname=None, api_version='auto',
                 timeout=DEFAULT_TIMEOUT):
        self.docker_host = docker_host or DEFAULT_DOCKER_HOST
        self.tls = bool(tls) or bool(validate_certs)
        self.validate_certs = bool(validate_certs)
        self.ca_path = ca_path
        self.client_cert = client_cert
        self.client_key = client_key
        self.tls_hostname = tls_hostname
        self.api_version = api_version or 'auto'
        self.timeout = timeout or DEFAULT_TIMEOUT
        url = self.docker_host
        if url.startswith('/'):
            url = 'unix://' + url
        self.url = urlparse(url)
        if self.url.scheme not in ('unix', 'tcp', 'http', 'https', 'ssh'):
            raise DockerError(
                'docker_host %r: unsupported scheme %r; use unix:///path/docker.sock, '
                'tcp://host:port or ssh://user@host' % (self.docker_host, self.url.scheme))
        if self.url.scheme == 'https':
            self.tls = True
        if self.url.scheme in ('tcp', 'http', 'https') and not self.url.hostname:
            raise DockerError('docker_host %r has no host name; write it as tcp://HOST:PORT' % self.docker_host)

    @property
    def socket_path(self):
        return self.url.path if self.url.scheme == 'unix' else None

    def ssl_context(self):
        if self.validate_certs:
            ctx = ssl.create_default_context(cafile=self.ca_path) if self.ca_path else ssl.create_default_context()
            ctx.check_hostname = True
        else:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        if self.client_cert:
            ctx.load_cert_chain(self.client_cert, self.client_key)
        return ctx


class EngineClient:
    """A Docker Engine API client holding one keep-alive connection."""

    def __init__(self, config):
        self.config = config
        self._conn = None
        self._call_timeout = None  # the timeout of the call under way (for error messages)
        self._version = None
        self.api_version = None

    # -- connection -----------------------------------------------------------------

    def _new_connection(self, timeout=None):
        cfg = self.config
        timeout = timeout or cfg.timeout
        scheme = cfg.url.scheme
        if scheme == 'unix':
            return UnixHTTPConnection(cfg.socket_path, timeout)
        if scheme == 'ssh':
            return SSHHTTPConnection(cfg.url, timeout)
        port = cfg.url.port or (2376 if cfg.tls else 2375)
        if cfg.tls:
            try:
                ctx = cfg.ssl_context()
            except (OSError, ssl.SSLError) as exc:
                raise EngineUnreachable(
                    'cannot load the TLS files for %s: %s; check ca_path, client_cert and client_key '
                    '(or DOCKER_CERT_PATH)' % (cfg.docker_host, exc))
            return TLSHTTPConnection(cfg.url.hostname, port, timeout, ctx, cfg.tls_hostname)
        return http.client.HTTPConnection(cfg.url.hostname, port, timeout=timeout)

    def _unreachable(self, exc):
        cfg = self.config
        host = cfg.docker_host
        if isinstance(exc, DockerError):
            return exc
        if cfg.url.scheme == 'unix':
            path = cfg.socket_path
            if isinstance(exc, FileNotFoundError):
                return EngineUnreachable(
                    'cannot reach the Docker engine: the socket %s does not exist. Is the engine '
                    'installed and started? (berth.docker.engine installs and starts it; set '
                    'docker_host or DOCKER_HOST for another engine)' % path)
            if isinstance(exc, ConnectionRefusedError):
                return EngineUnreachable(
                    'cannot reach the Docker engine: nothing accepts connections on %s. Is the engine '
                    'installed and started? (a stale socket of a stopped dockerd looks like this)' % path)
            if isinstance(exc, PermissionError):
                return EngineUnreachable(
                    'permission denied on %s: run the task with become: true, or add the user to the '
                    'docker group (berth.docker.engine users option) and reset the connection' % path)
        if isinstance(exc, ssl.SSLError) or (cfg.tls and isinstance(exc, (ConnectionResetError, BrokenPipeError))):
            hint = ''
            if not cfg.client_cert:
                # With TLS 1.3 the engine's "certificate required" alert arrives after the handshake and,
                # depending on timing, surfaces as that alert, an EOF or a reset: name the likely cause.
                hint = (' No client certificate was presented; an engine started with --tlsverify refuses '
                        'clients without one: set client_cert and client_key.')
            return EngineUnreachable(
                'TLS with the engine at %s failed: %s.%s Check ca_path, client_cert and client_key '
                '(DOCKER_CERT_PATH), tls_hostname, or set validate_certs: false only for a test '
                'engine with a self-signed certificate' % (host, exc, hint))
        if isinstance(exc, socket.gaierror):
            return EngineUnreachable('cannot resolve the host name in docker_host %s: %s' % (host, exc))
        if isinstance(exc, ConnectionRefusedError):
            return EngineUnreachable(
                'cannot connect to the Docker engine at %s: connection refused. Is dockerd listening '
                'on that address and port? Check docker_host (DOCKER_HOST)' % host)
        if isinstance(exc, socket.timeout):
            return EngineUnreachable(
                'timed out after %s s talking to the Docker engine at %s; raise api_timeout (DOCKER_TIMEOUT) '
                'or check that the engine is healthy' % (self._call_timeout or self.config.timeout, host))
        if type(exc).__module__.startswith('paramiko'):
            return EngineUnreachable('ssh connection to %s failed: %s' % (host, exc))
        return EngineUnreachable('cannot talk to the Docker engine at %s: %s' % (host, exc))

    def close(self):
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    # -- version --------------------------------------------------------------------

    def version(self):
        """GET /version (unversioned), cached for the run."""
        if self._version is None:
            self._version = self.request('GET', '/version', versioned=False)
        return self._version

    def negotiate(self):
        if self.api_version is None:
            info = self.version()
            self.api_version = negotiate_version(
                info.get('ApiVersion'), info.get('MinAPIVersion'), self.config.api_version)
        return self.api_version

    def supports(self, version):
        """Whether the negotiated Engine API version is ``version`` or newer."""
        return version_tuple(self.negotiate()) >= version_tuple(version)

    def require(self, version, what):
        """Fail clearly when ``what`` (an option, as the user writes it) needs Engine API
        ``version`` but an older one is in use: the message names both versions and what to do."""
        if self.supports(version):
            return
        in_use = self.negotiate()
        if self.config.api_version and self.config.api_version != 'auto':
            why = 'api_version is set to %s' % in_use
            fix = 'raise api_version to %s or more (or set it to auto), or leave %s out' % (version, what)
        else:
            why = 'the engine at %s speaks Engine API %s' % (self.config.docker_host, in_use)
            fix = 'upgrade the engine to one that speaks API %s or newer, or leave %s out' % (version, what)
        raise DockerError('%s needs Engine API %s or newer, but %s; %s' % (what, version, why, fix))

    # -- requests -------------------------------------------------------------------

    def url(self, path, params=None, versioned=True):
        if versioned:
            path = '/v%s%s' % (self.negotiate(), path)
        if params:
            clean = []
            for key, value in params.items():
                if value is None:
                    continue
                if isinstance(value, bool):
                    value = '1' if value else '0'
                elif isinstance(value, (dict, list)):
                    value = json.dumps(value)
                clean.append((key, value))
            if clean:
                path += '?' + urlencode(clean)
        return path

    def _send(self, method, url, body, headers, timeout=None):
        """Send one request and return the response, reconnecting once when a kept-alive
        connection turns out to have been closed by the engine.

        Every call sets its own timeout on the connection (``timeout``, else the configured
        one): a long timeout one call asked for (a pull, a stop) never stays on the kept-alive
        socket for the calls after it."""
        timeout = timeout or self.config.timeout
        self._call_timeout = timeout
        for attempt in (0, 1):
            reused = self._conn is not None
            if self._conn is None:
                self._conn = self._new_connection(timeout)
            else:
                self._conn.timeout = timeout  # used if http.client reconnects by itself
                if self._conn.sock is not None:
                    self._conn.sock.settimeout(timeout)
            try:
                if callable(getattr(body, 'read', None)) or (hasattr(body, '__iter__') and not isinstance(body, (bytes, str))):
                    self._conn.putrequest(method, url, skip_accept_encoding=True)
                    for key, value in headers.items():
                        self._conn.putheader(key, value)
                    self._conn.putheader('Transfer-Encoding', 'chunked')
                    self._conn.endheaders()
                    chunks = iter(lambda: body.read(65536), b'') if hasattr(body, 'read') else body
                    for chunk in chunks:
                        if chunk:
                            self._conn.send(b'%x\r\n%s\r\n' % (len(chunk), chunk))
                    self._conn.send(b'0\r\n\r\n')
                else:
                    self._conn.request(method, url, body=body, headers=headers)
                return self._conn.getresponse()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                self.close()
                if attempt == 0 and reused and (body is None or isinstance(body, bytes)):
                    continue
                raise self._unreachable(exc)
            except DockerError:
                self.close()
                raise
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                raise self._unreachable(exc)
            except Exception as exc:  # paramiko raises its own exception types
                self.close()
                if type(exc).__module__.startswith('paramiko'):
                    raise self._unreachable(exc)
                raise
        raise EngineUnreachable('cannot talk to the Docker engine at %s' % self.config.docker_host)

    def _raise_for_status(self, method, path, response, what=None):
        if response.status < 400:
            return
        raw = response.read()
        try:
            message = json.loads(raw.decode('utf-8')).get('message') or ''
        except (ValueError, AttributeError, UnicodeDecodeError):
            message = raw.decode('utf-8', 'replace').strip()
        status = response.status
        if status == 400 and 'client version' in message and 'too old' in message:
            raise APIError(
                'the engine at %s refuses Engine API %s: %s. Set api_version to auto (the default) '
                'or to a version the engine supports' % (self.config.docker_host, self.api_version, message),
                status=status)
        if status == 400 and 'client version' in message and 'too new' in message:
            raise APIError(
                'the engine at %s is older than Engine API %s: %s. Set api_version to auto or lower'
                % (self.config.docker_host, self.api_version, message), status=status)
        prefix = '%s: ' % what if what else ''
        if status == 404:
            raise NotFound('%s%s' % (prefix, message or 'not found'), status=status)
        if status == 409:
            raise Conflict('%s%s' % (prefix, message or 'conflict'), status=status)
        raise APIError('%sthe engine answered %s %s with HTTP %s: %s' % (prefix, method, path, status, message),
                       status=status)

    def request(self, method, path, params=None, body=None, headers=None, versioned=True,
                stream=False, timeout=None, what=None):
        """Send a request; return decoded JSON (or bytes, or None), or the open response
        when ``stream`` is true (read it to the end, then the connection is reused).

        ``body`` may be a dict/list (sent as JSON), bytes, or a file-like/iterable (sent chunked).
        ``what`` prefixes error messages (e.g. "container web-1").
        """
        headers = dict(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode('utf-8')
            headers.setdefault('Content-Type', 'application/json')
        url = self.url(path, params, versioned)
        response = self._send(method, url, body, headers, timeout)
        self._raise_for_status(method, path, response, what)
        if stream:
            return response
        try:
            raw = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise self._unreachable(exc)
        if response.will_close:
            self.close()
        if not raw:
            return None
        ctype = response.getheader('Content-Type', '')
        if 'json' in ctype:
            try:
                return json.loads(raw.decode('utf-8'))
            except ValueError:
                raise DockerError('the engine sent invalid JSON for %s %s: %r' % (method, path, raw[:200]))
        return raw

    def get(self, path, params=None, **kwargs):
        return self.request('GET', path, params=params, **kwargs)

    def post(self, path, params=None, body=None, **kwargs):
        return self.request('POST', path, params=params, body=body, **kwargs)

    def put(self, path, params=None, body=None, **kwargs):
        return self.request('PUT', path, params=params, body=body, **kwargs)

    def delete(self, path, params=None, **kwargs):
        return self.request('DELETE', path, params=params, **kwargs)

    def ping(self):
        return self.request('GET', '/_ping', versioned=False)

    def inspect(self, kind, name):
        """GET /{kind}s/{name}/json, or None when it does not exist. kind: container,
        image, network, volume (volumes and networks have no /json suffix)."""
        if kind in ('volume', 'network'):
            path = '/%ss/%s' % (kind, quote(name, safe=''))
        else:
            path = '/%ss/%s/json' % (kind, quote(name, safe=':/@'))
        try:
            return self.get(path, what='%s %s' % (kind, name))
        except NotFound:
            return None

    # -- streams --------------------------------------------------------------------

    def iter_response(self, response, size=65536):
        """Yield the body of a streamed response in chunks, then release the connection."""
        try:
            while True:
                chunk = response.read1(size) if hasattr(response, 'read1') else response.read(size)
                if not chunk:
                    break
                yield chunk
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise self._unreachable(exc)
        if response.will_close:
            self.close()

    def stream_json(self, method, path, params=None, body=None, headers=None, timeout=None,
                    what=None, on_message=None):
        """Run a request whose answer is a JSON-lines progress stream (pull, push, build,
        load, import). Returns the list of messages; an error message inside the stream
        raises StreamError carrying every message seen so far."""
        response = self.request(method, path, params=params, body=body, headers=headers,
                                stream=True, timeout=timeout, what=what)
        messages = []
        for obj in iter_json_objects(self.iter_response(response)):
            messages.append(obj)
            if on_message is not None:
                on_message(obj)
            err = stream_error(obj)
            if err:
                # drain the rest so the connection stays usable
                for _dummy in self.iter_response(response):
                    pass
                raise StreamError('%s%s' % ('%s: ' % what if what else '', err), messages)
        return messages

    def hijack(self, path, params=None, body=None, timeout=None):
        """POST with Connection: Upgrade (attach / exec start with stdin).

        Returns (sock, reader): write stdin with sock.sendall(), read the multiplexed
        output from reader until EOF (the socket keeps ``timeout``, else the configured
        one). The client's connection is handed over and a new one is opened for the next
        request.
        """
        headers = {'Connection': 'Upgrade', 'Upgrade': 'tcp'}
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode('utf-8')
            headers['Content-Type'] = 'application/json'
        url = self.url(path, params)
        response = self._send('POST', url, body, headers, timeout)
        self._raise_for_status('POST', path, response)
        conn = self._conn
        self._conn = None
        sock = conn.sock
        conn.sock = None  # the response and socket now belong to the caller
        # take the reader away from the response: when the response object is garbage
        # collected, HTTPResponse.close() would otherwise close it under the caller
        reader = response.fp
        response.fp = None
        return sock, reader


def close_write(sock):
    """Half-close a hijacked connection so the process in the container sees EOF on stdin."""
    if hasattr(sock, 'shutdown_write'):  # paramiko channel
        sock.shutdown_write()
        return
    try:
        sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass
