"""Unit tests of what reaches haproxy.cfg: the quoting layer of haproxy_config (every field either
refused with a named error or written so HAProxy's tokenizer reads back exactly that value), the
pure-Python SHA-512 crypt (spec vectors and `openssl passwd -6`), password hash reuse, the
masking of passwords in diffs, and the runtime module's name checks."""

import random
import subprocess

import pytest

from ansible_collections.berth.docker.plugins.module_utils import crypt_sha512
from ansible_collections.berth.docker.plugins.module_utils import haproxy_config as cfg
from ansible_collections.berth.docker.plugins.module_utils import haproxy_runtime as rt
from ansible_collections.berth.docker.plugins.module_utils import haproxy_syntax as syntax
from ansible_collections.berth.docker.plugins.module_utils.haproxy_service import unified_diff

from tests.unit.test_haproxy_config import model

AWKWARD = ['a b', '#', 'a#b', "it's", '"q"', 'back\\slash', '\\', '$HOME', '"${HOME}"', "'", "''", 'ü ñ 日本',
           ' lead', 'trail ', '\\ ', '\\#', 'x\\', "a'b\"c\\d#e f$g"]
CONTROL = ['a\nb', 'a\rb', 'a\x00b', 'a\tb', '\n', 'x\x7f']


# --------------------------------------------------------------------------- SHA-512 crypt

# the test vectors of Ulrich Drepper's specification (SHA-crypt.txt, SHA-512 part)
SPEC_VECTORS = [
    ('$6$saltstring', 'Hello world!',
     '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1'),
    ('$6$rounds=10000$saltstringsaltstring', 'Hello world!',
     '$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/'
     'y3RnOaw5v.'),
    ('$6$rounds=5000$toolongsaltstring', 'This is just a test',
     '$6$rounds=5000$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8au'
     'dkUEm0'),
    ('$6$rounds=1400$anotherlongsaltstring', 'a very much longer text to encrypt.  This one even stretches over more'
     'than one line.',
     '$6$rounds=1400$anotherlongsalts$POfYwTEok97VWcjxIiSOjiykti.o/pQs.wPvMxQ6Fm7I6IoYN3CmLs66x9t0oSwbtEW7o7UmJEiDwGq'
     'd8p4ur1'),
    ('$6$rounds=77777$short', 'we have a short salt string but not a short password',
     '$6$rounds=77777$short$WuQyW2YR.hBNpjjRhpYD/ifIw05xdfeEyQoMxIXbkvr0gge1a1x3yRULJ5CCaUeOxFmtlcGZelFl5CxtgfiAc0'),
    ('$6$rounds=123456$asaltof16chars..', 'a short string',
     '$6$rounds=123456$asaltof16chars..$BtCwjqMJGx5hrJhZywWvt0RLE8uZ4oPwcelCjmw2kSYu.Ec6ycULevoBK25fs2xXgMNrCzIMVcgEJAs'
     'tJeonj1'),
    ('$6$rounds=10$roundstoolow', 'the minimum number is still observed',
     '$6$rounds=1000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58jaTfF4ZEQpyUNGc0dqbpBYYBaHH'
     'rsX.'),
]


def _split(setting):
    rest = setting[3:]
    rounds = None
    if rest.startswith('rounds='):
        field, rest = rest.split('$', 1)
        rounds = int(field[7:])
    return rest, rounds


@pytest.mark.parametrize('setting, password, expected', SPEC_VECTORS)
def test_sha512_crypt_spec_vectors(setting, password, expected):
    salt, rounds = _split(setting)
    assert crypt_sha512.sha512_crypt(password, salt, rounds) == expected
    assert crypt_sha512.verify(password, expected)
    assert not crypt_sha512.verify(password + 'x', expected)
    assert not crypt_sha512.verify(password[:-1], expected)


def test_sha512_crypt_matches_openssl_passwd():
    seed = random.randrange(1 << 30)
    print('seed', seed)
    rng = random.Random(seed)
    passwords = [' lead and trail ', 'a', 'x' * 64, 'y' * 65, 'z' * 200, 'ü ñ 日本', "a b#c'd\"e\\f$g"] + [
        ''.join(chr(rng.randrange(32, 127)) for _n in range(rng.randrange(1, 40))) for _m in range(12)]
    for password in passwords:
        salt = crypt_sha512.random_salt(rng.randrange(1, 17))
        out = subprocess.run(['openssl', 'passwd', '-6', '-salt', salt, '-stdin'], input=(password + '\n').encode('utf-8'),
                             stdout=subprocess.PIPE, check=True).stdout.decode().strip()
        assert crypt_sha512.sha512_crypt(password, salt) == out, (password, salt)
        assert crypt_sha512.verify(password, out)


def test_sha512_crypt_random_salt_and_garbage():
    one, two = crypt_sha512.sha512_crypt('pw'), crypt_sha512.sha512_crypt('pw')
    assert one != two and one.startswith('$6$') and len(crypt_sha512.parse(one)[0]) == 16
    assert crypt_sha512.verify('pw', one) and crypt_sha512.verify('pw', two)
    for garbage in ('', 'pw', '$1$abc$def', '$6$salt$short', None):
        assert crypt_sha512.verify('pw', garbage) is False


# --------------------------------------------------------------------------- the tokenizer and quote()

def test_tokenizer_follows_haproxy_rules():
    assert cfg.tokenize("log-format \"%{+Q}o %t\"' %s'\\ %{-Q}r") == (['log-format', '%{+Q}o %t %s %{-Q}r'], None)
    assert cfg.tokenize("a\\ b 'c d' \"e#f\" g#h") == (['a b', 'c d', 'e#f', 'g'], '#h')
    assert cfg.tokenize("x '' y") == (['x', '', 'y'], None)
    for bad in ("a 'b", 'a "b', 'a\\'):
        with pytest.raises(ValueError):
            cfg.tokenize(bad)


def test_quote_reads_back_exactly_property():
    seed = random.randrange(1 << 30)
    print('seed', seed)
    rng = random.Random(seed)
    alphabet = [chr(c) for c in range(32, 127)] + ['ü', '日', '€']
    values = AWKWARD + [''.join(rng.choice(alphabet) for _n in range(rng.randrange(1, 30))) for _m in range(2000)]
    for value in values:
        quoted = cfg.quote(value)
        assert cfg.tokenize('keyword %s tail' % quoted) == (['keyword', value, 'tail'], None), (value, quoted)
    assert cfg.quote('127.0.0.1:8080') == '127.0.0.1:8080'  # plain values stay as they were
    assert cfg.quote('/haproxy_stats') == '/haproxy_stats'


# --------------------------------------------------------------------------- every field

def _server(m):
    return m['backends'][0]['servers'][0]


# (description, setter, kind): kind 'word' = read back exactly, 'refuse' = always refused unless it is
# plain, 'raw' = HAProxy syntax kept as written (refused when it would comment out or leave its line)
FIELDS = [
    ('server address', lambda m, v: _server(m).update(address=v), 'host'),
    ('server cookie', lambda m, v: _server(m).update(cookie=v), 'word'),
    ('server inter', lambda m, v: _server(m).update(inter=v), 'word'),
    ('server init_addr', lambda m, v: _server(m).update(init_addr=v), 'word'),
    ('server resolvers', lambda m, v: _server(m).update(resolvers=v), 'name'),
    ('server name', lambda m, v: _server(m).update(name=v), 'name'),
    ('server extra', lambda m, v: _server(m).update(extra=[v]), 'raw'),
    ('bind address', lambda m, v: m['frontends'][0]['binds'][0].update(address=v), 'bind'),
    ('bind crt', lambda m, v: m['frontends'][0]['binds'][0].update(ssl=True, crt=v), 'word'),
    ('bind alpn', lambda m, v: m['frontends'][0]['binds'][0].update(alpn=v), 'word'),
    ('bind extra', lambda m, v: m['frontends'][0]['binds'][0].update(extra=[v]), 'raw'),
    ('acl name', lambda m, v: m['frontends'][0]['acls'][0].update(name=v), 'name'),
    ('acl condition', lambda m, v: m['frontends'][0]['acls'][0].update(condition=v), 'raw'),
    ('use_backend condition', lambda m, v: m['frontends'][0]['use_backends'][0].update(condition=v), 'raw'),
    ('http_request', lambda m, v: m['frontends'][0].update(http_request=[v]), 'raw'),
    ('frontend options', lambda m, v: m['frontends'][0].update(options=[v]), 'raw'),
    ('frontend extra', lambda m, v: m['frontends'][0].update(extra=[v]), 'raw'),
    ('backend balance', lambda m, v: m['backends'][0].update(balance=v), 'raw'),
    ('backend cookie', lambda m, v: m['backends'][0].update(cookie=v), 'raw'),
    ('httpchk uri', lambda m, v: m['backends'][0].update(httpchk={'uri': v}), 'word'),
    ('httpchk host', lambda m, v: m['backends'][0].update(httpchk={'uri': '/', 'host': v}), 'word'),
    ('httpchk expect', lambda m, v: m['backends'][0].update(httpchk={'uri': '/', 'expect': v}), 'raw'),
    ('template prefix', lambda m, v: m['backends'][0].update(server_templates=[{'prefix': v, 'count': 2, 'fqdn': 'a.b'}]),
     'name'),
    ('template fqdn', lambda m, v: m['backends'][0].update(server_templates=[{'prefix': 't', 'count': 2, 'fqdn': v}]),
     'host'),
    ('resolvers name', lambda m, v: m.update(resolvers=[{'name': v, 'nameservers': []}]), 'name'),
    ('nameserver address', lambda m, v: m.update(resolvers=[{'name': 'r', 'nameservers': [{'name': 'n', 'address': v}]}]),
     'host'),
    ('nameserver name', lambda m, v: m.update(resolvers=[{'name': 'r', 'nameservers': [{'name': v, 'address': '1.1.1.1'}]}]),
     'name'),
    ('resolvers hold_valid', lambda m, v: m.update(resolvers=[{'name': 'r', 'hold_valid': v}]), 'word'),
    ('stats uri', lambda m, v: m['stats'].update(uri=v), 'word'),
    ('stats realm', lambda m, v: m['stats'].update(realm=v), 'word'),
    ('stats refresh', lambda m, v: m['stats'].update(refresh=v), 'word'),
    ('stats username', lambda m, v: m['stats']['users'][0].update(username=v), 'user'),
    ('stats password', lambda m, v: m['stats']['users'][0].update(password=v), 'password'),
    ('stats extra', lambda m, v: m['stats'].update(extra=[v]), 'raw'),
    ('global log', lambda m, v: m['global_settings'].update(log=[v]), 'raw'),
    ('global user', lambda m, v: m['global_settings'].update(user=v), 'word'),
    ('global chroot', lambda m, v: m['global_settings'].update(chroot=v), 'word'),
    ('global extra', lambda m, v: m['global_settings'].update(extra=[v]), 'raw'),
    ('socket path', lambda m, v: m['stats_socket'].update(path=v), 'word'),
    ('socket timeout', lambda m, v: m['stats_socket'].update(timeout=v), 'word'),
    ('defaults log', lambda m, v: m['defaults'].update(log=v), 'raw'),
    ('defaults options', lambda m, v: m['defaults'].update(options=[v]), 'raw'),
    ('defaults timeout', lambda m, v: m['defaults'].update(timeouts={'client': v}), 'word'),
    ('defaults extra', lambda m, v: m['defaults'].update(extra=[v]), 'raw'),
]


@pytest.mark.parametrize('field, setter, kind', FIELDS, ids=[f[0] for f in FIELDS])
def test_every_field_refuses_control_characters(field, setter, kind):
    for value in CONTROL + ['ok\n    listen evil\n    bind :1\n    stats enable']:
        m = model()
        setter(m, value)
        with pytest.raises(cfg.HAProxyConfigError, match='contains (a line feed|a carriage return|a NUL|a TAB|the control)'):
            cfg.validate(m)
        with pytest.raises(cfg.HAProxyConfigError):
            cfg.render(m)


@pytest.mark.parametrize('field, setter, kind', FIELDS, ids=[f[0] for f in FIELDS])
def test_every_field_is_refused_or_read_back_exactly(field, setter, kind):
    seed = random.randrange(1 << 30)
    print('seed', seed)
    rng = random.Random(seed)
    values = AWKWARD + [''.join(chr(rng.randrange(32, 127)) for _n in range(rng.randrange(1, 20))) for _m in range(100)]
    base = model()
    setter(base, 'plain1')
    plain_lines = len(cfg.render(base, hash_password=cfg._fake_hash).splitlines())
    for value in values:
        m = model()
        setter(m, value)
        try:
            cfg.validate(m)
            text = cfg.render(m, hash_password=None if kind == 'password' else cfg._fake_hash)
        except cfg.HAProxyConfigError as exc:
            if kind == 'password':
                assert value not in str(exc) or len(value) < 3
            continue
        lines = text.splitlines()
        words = [cfg.tokenize(line)[0] for line in lines]  # every line still tokenizes (no open quote)
        assert all(comment is None for _w, comment in (cfg.tokenize(line) for line in lines)) or '#' in cfg.HEADER
        if kind in ('word', 'user'):
            assert any(value in line_words for line_words in words), (field, value, text)
        elif kind == 'bind':  # an IP, a host name, or a socket path: "ADDRESS:PORT" read back whole
            assert value == '*' or ['bind', '%s:80' % value] in words, (value, text)
        elif kind in ('name', 'host'):
            assert cfg.quote(value) == value  # only plain values pass
        elif kind == 'password':
            assert value not in text or len(value) < 3
            users = cfg.existing_hashes(text)
            assert crypt_sha512.verify(value, users['admin'])
        elif kind == 'raw':
            assert '#' not in value or cfg.tokenize(value)[1] is None
        # nothing outside the field moved: exactly the lines of the same model with a plain value
        assert len(lines) == plain_lines, (field, value)


def test_the_newline_listen_injection_is_refused_naming_the_option():
    m = model()
    m['backends'][0]['servers'][0]['address'] = '10.0.0.1\nlisten evil\n    bind :9999\n    mode http\n    stats enable'
    with pytest.raises(cfg.HAProxyConfigError) as info:
        cfg.validate(m)
    assert 'backends[app].servers[app1].address contains a line feed (LF)' in str(info.value)


@pytest.mark.parametrize('value, message', [
    ('path_beg /a#b', 'contains "#" outside quotes'),
    ("path_beg 'open", 'single quote is not closed'),
    ('path_beg x\\', 'lone backslash'),
])
def test_raw_fragments_refused(value, message):
    m = model()
    m['frontends'][0]['acls'][0]['condition'] = value
    with pytest.raises(cfg.HAProxyConfigError, match=message):
        cfg.validate(m)


@pytest.mark.parametrize('line, message', [
    ('listen evil', 'would open a new "listen" section'),
    ('  backend x', 'would open a new "backend" section'),
    ('.if defined(X)', 'conditional|directive'),
])
def test_extra_lines_cannot_leave_their_section(line, message):
    m = model()
    m['global_settings']['extra'] = [line]
    with pytest.raises(cfg.HAProxyConfigError, match=message):
        cfg.validate(m)


@pytest.mark.parametrize('address', ['not an ip', '10.0.0.1 backup', '10.0.0.1:80', 'a;b', '[10.0.0.1]', '$HOST', ''])
def test_server_address_must_be_ip_or_hostname(address):
    m = model()
    m['backends'][0]['servers'][0]['address'] = address
    with pytest.raises(cfg.HAProxyConfigError, match='not an IP address or a host name|has no address|only an IPv6'):
        cfg.validate(m)


def test_valid_addresses_pass():
    for address in ('10.0.0.1', '::1', '[::1]', 'db', 'web-1.example.com', 'tasks.web'):
        m = model()
        m['backends'][0]['servers'][0]['address'] = address
        cfg.validate(m)


def test_stats_user_with_colon_refused():
    m = model()
    m['stats']['users'][0]['username'] = 'a:b'
    with pytest.raises(cfg.HAProxyConfigError, match='without ":"'):
        cfg.validate(m)


def test_password_errors_never_echo_the_password():
    m = model()
    m['stats']['users'][0]['password'] = 'top\nsecret'
    with pytest.raises(cfg.HAProxyConfigError) as info:
        cfg.validate(m)
    assert 'secret' not in str(info.value) and 'stats.users[0].password' in str(info.value)


# --------------------------------------------------------------------------- hashes, masking

def test_hash_reused_while_the_password_matches_and_rotated_otherwise():
    m = model()
    m['stats']['users'][0]['password'] = "p a#s'\"\\"
    first = cfg.render(m)
    assert cfg.render(m, previous_text=first) == first
    m['stats']['users'][0]['password'] = 'rotated'
    second = cfg.render(m, previous_text=first)
    assert second != first
    assert crypt_sha512.verify('rotated', cfg.existing_hashes(second)['admin'])


def test_mask_hides_every_password_form():
    old = 'listen stats\n    stats auth admin:old pass#wOrD9\n    stats auth b:x\n'
    new = cfg.render(model())
    hashed = cfg.existing_hashes(new)['admin']
    text = syntax.mask(old + new + "userlist u\n    user x insecure-password 'clear'\n    # user y password 'commented'\n")
    for secret in ('old pass', 'wOrD9', 'b:x', hashed, 'clear', 'commented', hashed[3:19]):
        assert secret not in text
    assert 'stats auth admin:********' in text and 'user admin password ********' in text
    diff = unified_diff(old, new, '/etc/haproxy/haproxy.cfg')
    assert 'old pass' not in diff and hashed not in diff and '-    stats auth admin:********' in diff


# --------------------------------------------------------------------------- haproxy_server

@pytest.mark.parametrize('key, value', [('host', 'web1;shutdown sessions server app/web2'), ('backend', 'app\nx'),
                                        ('weight', '50;disable server app/web2')])
def test_runtime_commands_take_names_only(key, value):
    params = {'host': 'web1', 'backend': 'app', 'state': 'enabled', 'socket': '/nonexistent', 'weight': None}
    params[key] = value

    class Sock:
        def command(self, line):  # pragma: no cover - must not be reached
            raise AssertionError('a command was sent: %r' % line)

    with pytest.raises(ValueError):
        rt.run_server(params, False, sock=Sock())
