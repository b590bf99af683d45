"""A tiny fake Docker engine served over a real unix socket, for client unit tests.

It speaks real HTTP/1.1 (keep-alive, chunked bodies) so the client's framing, streaming,
error mapping and version negotiation are exercised over a socket, not mocked.
"""

import json
import os
import socketserver
import tempfile
import threading
from http.server import BaseHTTPRequestHandler


class FakeEngine:
    def __init__(self, api_version='1.41', min_api_version='1.12'):
        self.routes = {}
        self.requests = []
        self.connections = 0
        # close every connection after one answer without saying so (an engine dropping
        # idle keep-alive connections): the client must reconnect transparently
        self.drop_after_answer = False
        self.api_version = api_version
        self.min_api_version = min_api_version
        self.dir = tempfile.mkdtemp(prefix='berth-fake-')
        self.path = os.path.join(self.dir, 'docker.sock')
        self.route('GET', '/version', lambda req: (200, {
            'Version': 'fake', 'ApiVersion': self.api_version, 'MinAPIVersion': self.min_api_version}))
        self.route('GET', '/_ping', lambda req: (200, b'OK', 'text/plain'))

    def route(self, method, path, handler):
        """handler(request) -> (status, body[, content_type]); body may be a dict/list (JSON),
        bytes, or a list of byte chunks (sent with Transfer-Encoding: chunked)."""
        self.routes[(method, path)] = handler

    def __enter__(self):
        engine = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def log_message(self, *args):
                pass

            def setup(self):
                engine.connections += 1
                BaseHTTPRequestHandler.setup(self)

            def _body(self):
                if self.headers.get('Transfer-Encoding') == 'chunked':
                    data = b''
                    while True:
                        size = int(self.rfile.readline().strip(), 16)
                        if size == 0:
                            self.rfile.readline()
                            return data
                        data += self.rfile.read(size)
                        self.rfile.readline()
                length = int(self.headers.get('Content-Length') or 0)
                return self.rfile.read(length) if length else b''

            def _handle(self):
                path, _sep, query = self.path.partition('?')
                body = self._body()
                req = {'method': self.command, 'path': path, 'query': query, 'body': body,
                       'headers': dict(self.headers)}
                engine.requests.append(req)
                bare = path
                if path.startswith('/v1.'):
                    bare = '/' + path.split('/', 2)[2]
                handler = engine.routes.get((self.command, bare))
                if handler is None:
                    result = (404, {'message': 'page not found'})
                else:
                    result = handler(req)
                status, payload = result[0], result[1]
                ctype = result[2] if len(result) > 2 else 'application/json'
                if isinstance(payload, list) and payload and isinstance(payload[0], bytes):
                    self.send_response(status)
                    self.send_header('Content-Type', ctype)
                    self.send_header('Transfer-Encoding', 'chunked')
                    self.end_headers()
                    for chunk in payload:
                        self.wfile.write(b'%x\r\n%s\r\n' % (len(chunk), chunk))
                    self.wfile.write(b'0\r\n\r\n')
                    return
                if isinstance(payload, (dict, list)):
                    payload = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header('Content-Type', ctype)
                self.send_header('Content-Length', str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def handle_one_request(self):
                BaseHTTPRequestHandler.handle_one_request(self)
                if engine.drop_after_answer:
                    self.close_connection = True

            do_GET = do_POST = do_DELETE = do_PUT = do_HEAD = _handle

        class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
            daemon_threads = True

        self.server = Server(self.path, Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        try:
            os.unlink(self.path)
            os.rmdir(self.dir)
        except OSError:
            pass

    @property
    def url(self):
        return 'unix://' + self.path
