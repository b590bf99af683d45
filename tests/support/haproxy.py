"""Fixtures for the HAProxy tests: real web containers published on 127.0.0.1, a private
HAProxy (temp directory, free ports, master-worker daemon, never /etc/haproxy), HTTP helpers
and a steady load generator. Traffic goes to 127.0.0.1 only."""

import base64
import http.client
import os
import shutil
import signal
import tempfile
import threading
import time

import pytest

from tests.conftest import free_port
from tests.support import docker_cli

STATS_USER = 'ops'


def wait_until(predicate, timeout=20.0, interval=0.2, what='condition'):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError('timed out after %ss waiting for %s (last: %r)' % (timeout, what, last))


def http_get(port, path='/', auth=None, timeout=5.0, host='127.0.0.1', with_headers=False):
    """(status, body) of one GET on a fresh connection; (status, body, headers) with ``with_headers`` (names in lower case, as HAProxy passes them on)."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    headers = {'Connection': 'close'}
    if auth:
        headers['Authorization'] = 'Basic ' + base64.b64encode(('%s:%s' % auth).encode()).decode()
    try:
        conn.request('GET', path, headers=headers)
        resp = conn.getresponse()
        body = resp.read().decode('utf-8', 'replace')
        return (resp.status, body, {k.lower(): v for k, v in resp.getheaders()}) if with_headers else (resp.status, body)
    finally:
        conn.close()


# a CGI that answers after SLOW_SECONDS, for the drain test (busybox httpd runs /www/cgi-bin/*)
SLOW_SECONDS = 10
SLOW_CMD = ('sh', '-c', 'mkdir -p /www/cgi-bin && printf "#!/bin/sh\\nsleep %d\\nprintf \\"Content-Type: text/plain\\\\r\\\\n'
            '\\\\r\\\\nslow $WEB_NAME\\\\n\\"\\n" > /www/cgi-bin/slow && chmod +x /www/cgi-bin/slow && exec /web.sh' % SLOW_SECONDS)


def start_web(prefix, image, name, port=None, extra=(), cmd=()):
    """A berth-test/web container answering ``name``, published on 127.0.0.1:port."""
    port = port or free_port()
    container = prefix + name
    # a network of our own (removed with the prefix): independent of the default bridge docker0
    network = prefix + 'haproxy'
    if not docker_cli.exists('network', network):
        docker_cli.docker('network', 'create', network, check=False)
    docker_cli.docker('run', '-d', '--name', container, '--network', network, '-e', 'WEB_NAME=%s' % name,
                      '-p', '127.0.0.1:%d:80' % port, *extra, image, *cmd)
    wait_until(lambda: _answers(port), timeout=15, what='%s on port %d' % (container, port))
    return {'name': name, 'container': container, 'port': port}


def _answers(port):
    try:
        return http_get(port, '/', timeout=1)[0] == 200
    except OSError:
        return False


class Lb:
    """Paths and ports of one private HAProxy instance."""

    def __init__(self, tmp):
        self.dir = tmp
        self.cfg = os.path.join(tmp, 'haproxy.cfg')
        self.pid_file = os.path.join(tmp, 'haproxy.pid')
        self.socket = os.path.join(tmp, 'admin.sock')
        self.port = free_port()
        self.stats_port = free_port()
        self.password = base64.b32encode(os.urandom(10)).decode().lower()

    def base_args(self):
        """The module options every test instance shares (temp paths, master-worker, no syslog)."""
        return {
            'path': self.cfg,
            'pid_file': self.pid_file,
            'service_mgr': 'master_worker',
            'global_settings': {'log': []},
            'defaults': {'log': '', 'options': ['redispatch'],
                         'timeouts': {'connect': '2s', 'client': '30s', 'server': '30s', 'check': '1s'}},
            'stats_socket': {'path': self.socket},
        }

    def args(self, servers, static=None, stats=True, inter='500ms', fall=2, rise=1, **extra):
        """A reference-like setup: ACL routing to `static`, round robin over ``servers``."""
        args = self.base_args()
        args['frontends'] = [{
            'name': 'main',
            'binds': [{'address': '127.0.0.1', 'port': self.port}],
            'acls': [{'name': 'url_static', 'condition': 'path_beg -i /static /images /javascript /stylesheets'},
                     {'name': 'url_static', 'condition': 'path_end -i .jpg .gif .png .css .js'}],
            'use_backends': [{'backend': 'static', 'condition': 'url_static'}] if static else [],
            'default_backend': 'app',
        }]
        args['backends'] = [{
            'name': 'app',
            'httpchk': {'uri': '/health', 'expect': 'status 200'},
            'servers': [{'name': s['name'], 'address': '127.0.0.1', 'port': s['port'],
                         'inter': inter, 'fall': fall, 'rise': rise} for s in servers],
        }]
        if static:
            args['backends'].append({'name': 'static', 'servers': [
                {'name': static['name'], 'address': '127.0.0.1', 'port': static['port'], 'inter': inter}]})
        if stats:
            args['stats'] = {'enabled': True, 'binds': [{'address': '127.0.0.1', 'port': self.stats_port}],
                             'realm': 'Haproxy Statistics', 'uri': '/haproxy_stats',
                             'users': [{'username': STATS_USER, 'password': self.password}]}
        args.update(extra)
        return args

    def master_pid(self):
        try:
            with open(self.pid_file) as handle:
                return int(handle.read().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def workers(self):
        pid = self.master_pid()
        kids = []
        for entry in os.listdir('/proc'):
            if entry.isdigit():
                try:
                    with open('/proc/%s/stat' % entry) as handle:
                        fields = handle.read().rsplit(')', 1)[1].split()
                except OSError:
                    continue
                if pid and int(fields[1]) == pid and fields[0] != 'Z':
                    kids.append(int(entry))
        return kids

    def stop(self):
        pid = self.master_pid()
        if pid:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            for _n in range(50):
                if not os.path.exists('/proc/%d' % pid):
                    break
                try:
                    os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    pass
                time.sleep(0.1)

    def get(self, path='/', **kwargs):
        return http_get(self.port, path, **kwargs)

    def stats_csv(self):
        status, body = http_get(self.stats_port, '/haproxy_stats;csv', auth=(STATS_USER, self.password))
        assert status == 200, body
        rows = {}
        header = None
        for line in body.splitlines():
            if line.startswith('# '):
                header = line[2:].split(',')
            elif header and line:
                row = dict(zip(header, line.split(',')))
                rows[(row['pxname'], row['svname'])] = row
        return rows

    def server_status(self, backend, server):
        return self.stats_csv()[(backend, server)]['status']


@pytest.fixture(name='lb')
def lb_fixture():
    tmp = tempfile.mkdtemp(prefix='berth-haproxy-')
    instance = Lb(tmp)
    yield instance
    instance.stop()
    shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(name='two_webs')
def two_webs_fixture(prefix, web_image):
    return [start_web(prefix, web_image, 'web1'), start_web(prefix, web_image, 'web2')]


class Load:
    """A steady load of sequential GETs from ``workers`` threads; counts failures."""

    def __init__(self, port, workers=4, path='/', host='127.0.0.1', pause=0.0):
        self.port = port
        self.path = path
        self.host = host
        self.pause = pause  # seconds each thread waits between two requests (0: none)
        self.ok = 0
        self.failed = []
        self.answers = {}  # the first line of each 200 answer: how often it came
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._loop, daemon=True) for _n in range(workers)]

    def _loop(self):
        while not self._stop.is_set():
            try:
                status, body = http_get(self.port, self.path, timeout=5, host=self.host)
                with self._lock:
                    if status == 200:
                        self.ok += 1
                        first = body.split('\n', 1)[0]
                        self.answers[first] = self.answers.get(first, 0) + 1
                    else:
                        self.failed.append(status)
            except OSError as exc:
                with self._lock:
                    self.failed.append(repr(exc))
            if self.pause:
                self._stop.wait(self.pause)

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for thread in self._threads:
            thread.join(10)
