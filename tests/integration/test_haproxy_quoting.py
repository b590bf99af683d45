"""What reaches haproxy.cfg, against the real HAProxy 2.6: every string is refused or read back
exactly (random and awkward values, batched into one file per field, checked with `haproxy -c`
and read back by HAProxy itself: HTTP answers and logins), hostile stats passwords log in while
their prefixes do not, the newline injection is refused with nothing written, and no password
(old or new) shows in a diff. Each random test prints its seed."""

import os
import random
import socket
import subprocess
import tempfile
import time

import pytest

from ansible_collections.berth.docker.plugins.module_utils import crypt_sha512
from ansible_collections.berth.docker.plugins.module_utils import haproxy_config as cfg
from tests.conftest import free_port
from tests.support.ansible_run import four_step, run_tasks
from tests.support.haproxy import STATS_USER, http_get, wait_until
from tests.support.haproxy import lb_fixture, two_webs_fixture  # noqa: F401 (pytest fixtures lb, two_webs)

pytestmark = pytest.mark.slow

FIXTURES = (lb_fixture, two_webs_fixture)
AWKWARD = ['a b', '#', 'a#b', "it's", '"q"', 'back\\slash', '\\', '$HOME', '"${HOME}"', "'", "''", 'ü ñ 日本',
           ' lead', 'trail ', '\\ ', '\\#', 'x\\', "a'b\"c\\d#e f$g", '${PATH}', '%[src]']
HOSTILE_PASSWORDS = ["pa ss#word'\"\\$HOME", 'a b', '#start', 'end\\', "'", '"', 'ü ñ 日本 €', '  two  spaces  ',
                     'x:y:z', '%[src] ${HOME}']


def _seeded():
    seed = int(os.environ.get('BERTH_SEED') or random.randrange(1 << 30))
    print('random seed (set BERTH_SEED to replay):', seed)
    return random.Random(seed)


def _random_values(rng, count, alphabet=None):
    alphabet = alphabet or [chr(c) for c in range(32, 127)] + ['ü', '日', '€']
    return [''.join(rng.choice(alphabet) for _n in range(rng.randrange(1, 24))) for _m in range(count)]


def _haproxy_c(text):
    fd, path = tempfile.mkstemp(suffix='.cfg')
    with os.fdopen(fd, 'w', encoding='utf-8') as handle:
        handle.write(text)
    try:
        proc = subprocess.run(['haproxy', '-c', '-f', path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
        return proc.returncode, proc.stdout.decode('utf-8', 'replace')
    finally:
        os.unlink(path)


class Haproxy:
    """A throwaway foreground HAProxy on ``text``, stopped on exit."""

    def __init__(self, text):
        self.text = text

    def __enter__(self):
        fd, self.path = tempfile.mkstemp(suffix='.cfg')
        with os.fdopen(fd, 'w', encoding='utf-8') as handle:
            handle.write(self.text)
        self.proc = subprocess.Popen(['haproxy', '-db', '-f', self.path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(10)
        os.unlink(self.path)


def _wait_port(port):
    def up():
        try:
            socket.create_connection(('127.0.0.1', port), timeout=0.5).close()
            return True
        except OSError:
            return False
    wait_until(up, timeout=10, what='HAProxy on port %d' % port)


def _base(port):
    return {'global_settings': {}, 'defaults': {'mode': 'http', 'timeouts': {'connect': '2s', 'client': '5s', 'server': '5s'}},
            'stats_socket': {'enabled': False}}


# --------------------------------------------------------------------------- read back by HAProxy itself

def test_word_values_read_back_by_haproxy():
    """cfg.word(), which every free-text field goes through, against HAProxy's own parser: each value
    is the body of an `http-request return ... string VALUE`, and a GET returns exactly that value."""
    rng = _seeded()
    values = AWKWARD + _random_values(rng, 300)
    port = free_port()
    lines = ['global', '    tune.bufsize 16384', 'defaults', '    mode http', '    timeout connect 2s',
             '    timeout client 5s', '    timeout server 5s', 'frontend echo', '    bind 127.0.0.1:%d' % port]
    for index, value in enumerate(values):
        lines.append('    http-request return status 200 content-type text/plain string %s if { path /%d }' % (
            cfg.word('value', value), index))
    text = '\n'.join(lines) + '\n'
    rc, out = _haproxy_c(text)
    assert rc == 0, out
    with Haproxy(text):
        _wait_port(port)
        for index, value in enumerate(values):
            status, body = http_get(port, '/%d' % index)
            assert (status, body) == (200, value), (index, value)


def _users_model(port, users, realm='R', uri='/st'):
    model = _base(port)
    model['stats'] = {'enabled': True, 'binds': [{'address': '127.0.0.1', 'port': port}], 'uri': uri, 'realm': realm,
                      'users': users}
    return model


def test_stats_fields_through_haproxy_c_and_real_logins():
    """Random and hostile user names and passwords (one userlist, many users, one file): `haproxy -c`
    passes, each user logs in with exactly its password (200) and not with its prefix (401); the realm
    and the stats uri are read back from HAProxy's answers."""
    rng = _seeded()
    port = free_port()
    passwords = HOSTILE_PASSWORDS + _random_values(rng, 25)
    users = [{'username': 'u%d %s' % (i, v.replace(':', '')), 'password': p}
             for i, (v, p) in enumerate(zip(_random_values(rng, len(passwords)), passwords))]
    realm = "Stats # 'realm' \"x\" \\ $HOME"
    uri = "/st'a$t\\s\"x"  # a request URI cannot carry a space or '#' raw, HAProxy compares it undecoded
    model = _users_model(port, users, realm=realm, uri=uri)
    cfg.validate(model)
    text = cfg.render(model)
    for user in users:
        assert user['password'] not in text or len(user['password']) < 3
    rc, out = _haproxy_c(text)
    assert rc == 0, out
    with Haproxy(text):
        _wait_port(port)
        path = uri
        status, _body = http_get(port, path)
        assert status == 401
        for user in users:
            assert http_get(port, path, auth=(user['username'], user['password']))[0] == 200, user
            assert http_get(port, path, auth=(user['username'], user['password'][:-1]))[0] == 401, user
            assert http_get(port, path, auth=(user['username'], user['password'] + ' '))[0] == 401, user
        conn = socket.create_connection(('127.0.0.1', port))
        conn.sendall(('GET %s HTTP/1.0\r\n\r\n' % uri).encode())
        answer = conn.recv(65536).decode('utf-8', 'replace')
        conn.close()
        assert 'realm="%s"' % realm in answer


@pytest.mark.parametrize('field', ['cookie', 'inter', 'init_addr', 'httpchk.uri', 'httpchk.host', 'name', 'address'])
def test_server_fields_batched_through_haproxy_c(field):
    """Many random values of one field in one file: each is refused by our validation or, after
    `haproxy -c` accepted the file, found verbatim where it belongs by HAProxy's tokenizing rules."""
    rng = _seeded()
    values = AWKWARD + _random_values(rng, 200)
    backends, expected, refused = [], [], 0
    for index, value in enumerate(values):
        server = {'name': 's%d' % index, 'address': '127.0.0.1', 'port': 8000, 'check': False, 'init_addr': 'none'}
        backend = {'name': 'b%d' % index, 'servers': [server]}
        if field.startswith('httpchk.'):
            backend['httpchk'] = {'method': 'GET', 'uri': '/'}
            backend['httpchk'][field.split('.')[1]] = value
        else:
            server[field] = value
        try:
            cfg.validate(dict(_base(0), backends=[backend]))
        except cfg.HAProxyConfigError:
            refused += 1
            continue
        backends.append(backend)
        expected.append((index, value))
    listener = [{'name': 'f', 'binds': [{'address': '127.0.0.1', 'port': 1}]}]  # `haproxy -c` wants a listener
    model = dict(_base(0), backends=backends, frontends=listener)
    text = cfg.render(model)
    rc, out = _haproxy_c(text)
    # HAProxy's semantic checks (a time that is no time, an unknown init-addr method) are not ours to pass:
    # then each value alone must either pass or fail for that semantic reason, never a parse error
    if rc != 0:
        for index, value in expected:
            one = cfg.render(dict(_base(0), frontends=listener, backends=[b for b in backends if b['name'] == 'b%d' % index]))
            rc1, out1 = _haproxy_c(one)
            assert rc1 == 0 or field in ('inter', 'init_addr', 'cookie', 'httpchk.host'), (value, out1)
            assert 'unmatched' not in out1 and 'unknown keyword' not in out1, (value, out1)
    words = {}
    section = None
    for line in text.splitlines():
        tokens, comment = cfg.tokenize(line)
        assert comment is None or line.startswith('# Managed'), line
        if tokens[:1] in (['backend'], ['frontend']):
            section = tokens[1]
        elif section and tokens:
            words.setdefault(section, []).append(tokens)
    for index, value in expected:
        lines = words['b%d' % index]
        if field == 'address':
            assert ['server', 's%d' % index, '%s:8000' % value] == lines[-1][:3], value
        elif field == 'httpchk.uri':
            assert value in next(t for t in lines if t[:2] == ['http-check', 'send']), value
        elif field == 'httpchk.host':
            assert ['hdr', 'Host', value] == next(t for t in lines if t[:2] == ['http-check', 'send'])[-3:], value
        elif field == 'name':
            assert lines[-1][1] == value
        else:
            keyword = {'init_addr': 'init-addr'}.get(field, field)
            server = lines[-1]
            assert server[server.index(keyword) + 1] == value, value
    print('%s: %d values read back, %d refused' % (field, len(expected), refused))
    if field in ('name', 'address'):
        assert refused > 0  # the random ones are mostly not names or hosts


# --------------------------------------------------------------------------- through the module

def _task(args, name='haproxy'):
    return [{'name': name, 'berth.docker.haproxy': args}]


def _stats_ok(lb, password, user=STATS_USER):
    return http_get(lb.stats_port, '/haproxy_stats', auth=(user, password))[0]


def test_hostile_password_logs_in_its_prefix_does_not_four_step(lb, two_webs):
    """A stats password with a space, '#', quotes, a backslash and '$': four-step idempotence (the
    salted hash is kept while the password matches), the exact password gets 200, its prefix 401,
    and neither the password nor its hash appears in the output (--diff included)."""
    password = "s3 cr#t'\"\\$HOME end"
    args = lb.args(two_webs)
    args['stats']['users'][0]['password'] = password
    runs = four_step(_task(args), diff=True)
    with open(lb.cfg, encoding='utf-8') as handle:
        text = handle.read()
    hashed = cfg.existing_hashes(text)[STATS_USER]
    assert crypt_sha512.verify(password, hashed) and 'insecure-password' not in text and password not in text
    for run in runs:
        assert password not in run.output and hashed not in run.output and 's3 cr' not in run.output
    wait_until(lambda: _stats_ok(lb, password) == 200, timeout=10, what='the stats login')
    assert _stats_ok(lb, password[:-1]) == 401
    assert _stats_ok(lb, 's3') == 401  # what `stats auth` used to cut it to
    assert _stats_ok(lb, password + 'x') == 401


def test_rotation_and_absent_diffs_show_no_password(lb, two_webs):
    """Today's diff showed the old password of a rotation in clear and `state: absent --diff` the
    whole file: now both sides are masked."""
    old, new = 'old pass#1', 'new pass#2'
    args = lb.args(two_webs)
    args['stats']['users'][0]['password'] = old
    run_tasks(_task(args)).assert_ok()
    old_hash = cfg.existing_hashes(open(lb.cfg, encoding='utf-8').read())[STATS_USER]
    # a file written by an older release, with the password in clear: the diff must not show it either
    with open(lb.cfg, encoding='utf-8') as handle:
        legacy = handle.read().replace('userlist stats_users', '# was userlist').replace(
            '    user ops password', '    # user ops password') + '    stats auth ops:%s\n' % old
    with open(lb.cfg, 'w', encoding='utf-8') as handle:
        handle.write(legacy)
    args['stats']['users'][0]['password'] = new
    args['reload'] = False
    run = run_tasks(_task(args), diff=True).assert_ok()
    result = run.task('haproxy')
    assert result['changed'] is True
    new_hash = cfg.existing_hashes(open(lb.cfg, encoding='utf-8').read())[STATS_USER]
    for secret in (old, new, old_hash, new_hash, old_hash[3:20], new_hash[3:20], 'pass#'):
        assert secret not in run.output, secret
        assert secret not in str(result.get('diff')) and secret not in result.get('unified_diff', '')
    assert 'stats auth ops:********' in result['unified_diff'] and '-    stats auth ops:********' in run.output
    run = run_tasks(_task({'path': lb.cfg, 'state': 'absent'}), diff=True).assert_ok()
    result = run.task('haproxy')
    assert result['changed'] is True and not os.path.exists(lb.cfg)
    assert '-userlist stats_users' in run.output  # the --diff shows the removed file, not its secrets
    for secret in (old, new, new_hash, new_hash[3:20], 'pass#'):
        assert secret not in run.output and secret not in str(result.get('diff'))


def test_newline_injection_refused_nothing_written(lb, two_webs):
    """The reproduced attack: a server address carrying a newline and a whole `listen` section (an
    admin stats page without login). Refused, in check mode and for real; the running HAProxy and
    its file are untouched and nothing listens on the injected port."""
    run_tasks(_task(lb.args(two_webs))).assert_ok()
    with open(lb.cfg, 'rb') as handle:
        before = handle.read()
    evil_port = free_port()
    args = lb.args(two_webs)
    args['backends'][0]['servers'][0]['address'] = (
        '127.0.0.1\nlisten evil\n    bind 127.0.0.1:%d\n    mode http\n    stats enable\n    stats uri /\n'
        '    stats admin if TRUE' % evil_port)
    for check in (True, False):
        run = run_tasks(_task(args), check=check)
        assert run.status('haproxy') == 'failed', run.output[-2000:]
        assert 'backends[app].servers[web1].address contains a line feed (LF)' in run.task('haproxy')['msg']
    with open(lb.cfg, 'rb') as handle:
        assert handle.read() == before
    time.sleep(0.5)
    with pytest.raises(OSError):
        socket.create_connection(('127.0.0.1', evil_port), timeout=1).close()
    assert {lb.get('/')[1].strip() for _n in range(4)} <= {'web1', 'web2'}
