# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SHA-512 crypt (``$6$``), as specified by Ulrich Drepper ("Unix crypt using SHA-256 and
SHA-512", https://www.akkadia.org/drepper/SHA-crypt.txt), in pure Python: the ``crypt``
module is gone in Python 3.13 and hosts run 3.8 to 3.13. The hashes are the ones glibc's
crypt(3), ``openssl passwd -6`` and HAProxy's ``userlist ... password`` read.

``sha512_crypt(password, salt=None, rounds=None)`` hashes (a random 16-character salt when none
is given); ``verify(password, hashed)`` checks a password against a ``$6$`` hash."""

import hashlib
import hmac
import os

ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
ROUNDS_DEFAULT = 5000
ROUNDS_MIN = 1000
ROUNDS_MAX = 999999999
SALT_MAX = 16

# the byte order of the final base-64 encoding (the spec's step 22 for SHA-512)
_ORDER = ((0, 21, 42), (22, 43, 1), (44, 2, 23), (3, 24, 45), (25, 46, 4), (47, 5, 26), (6, 27, 48),
          (28, 49, 7), (50, 8, 29), (9, 30, 51), (31, 52, 10), (53, 11, 32), (12, 33, 54), (34, 55, 13),
          (56, 14, 35), (15, 36, 57), (37, 58, 16), (59, 17, 38), (18, 39, 60), (40, 61, 19), (62, 20, 41))


def _b64(b2, b1, b0, count):
    word = (b2 << 16) | (b1 << 8) | b0
    out = []
    for _n in range(count):
        out.append(ITOA64[word & 0x3f])
        word >>= 6
    return ''.join(out)


def _repeat(digest, length):
    return (digest * (length // len(digest) + 1))[:length]


def random_salt(length=SALT_MAX):
    return ''.join(ITOA64[b & 0x3f] for b in os.urandom(length))


def sha512_crypt(password, salt=None, rounds=None):
    """The ``$6$`` hash of ``password`` (str, UTF-8, or bytes). ``rounds`` None means the default
    5000 and no ``rounds=`` field, as in the spec."""
    if isinstance(password, str):
        password = password.encode('utf-8')
    if salt is None:
        salt = random_salt()
    if isinstance(salt, bytes):
        salt = salt.decode('ascii')
    salt = salt[:SALT_MAX]
    if '$' in salt or '\n' in salt or ':' in salt:
        raise ValueError('a SHA-512 crypt salt cannot contain "$", ":" or a line break')
    explicit = rounds is not None
    rounds = ROUNDS_DEFAULT if rounds is None else min(max(int(rounds), ROUNDS_MIN), ROUNDS_MAX)
    key, salt_b = password, salt.encode('ascii')

    digest_b = hashlib.sha512(key + salt_b + key).digest()
    ctx = hashlib.sha512(key + salt_b)
    ctx.update(_repeat(digest_b, len(key)))
    length = len(key)
    while length:
        ctx.update(digest_b if length & 1 else key)
        length >>= 1
    digest_a = ctx.digest()

    p_bytes = _repeat(hashlib.sha512(key * len(key)).digest(), len(key))
    s_bytes = _repeat(hashlib.sha512(salt_b * (16 + digest_a[0])).digest(), len(salt_b))

    current = digest_a
    for i in range(rounds):
        ctx = hashlib.sha512(p_bytes if i & 1 else current)
        if i % 3:
            ctx.update(s_bytes)
        if i % 7:
            ctx.update(p_bytes)
        ctx.update(current if i & 1 else p_bytes)
        current = ctx.digest()

    encoded = ''.join(_b64(current[a], current[b], current[c], 4) for a, b, c in _ORDER)
    encoded += _b64(0, 0, current[63], 2)
    head = '$6$rounds=%d$' % rounds if explicit else '$6$'
    return '%s%s$%s' % (head, salt, encoded)


def parse(hashed):
    """(salt, rounds or None) of a ``$6$`` hash; ValueError when it is not one."""
    if not isinstance(hashed, str) or not hashed.startswith('$6$'):
        raise ValueError('not a SHA-512 crypt hash')
    rest = hashed[3:]
    rounds = None
    if rest.startswith('rounds='):
        field, _sep, rest = rest.partition('$')
        if not field[7:].isdigit():
            raise ValueError('not a SHA-512 crypt hash')
        rounds = int(field[7:])
    salt, sep, encoded = rest.rpartition('$')
    if not sep or len(encoded) != 86:
        raise ValueError('not a SHA-512 crypt hash')
    return salt, rounds


def verify(password, hashed):
    """Whether ``password`` hashes to ``hashed`` (a ``$6$`` hash; anything else is False)."""
    try:
        salt, rounds = parse(hashed)
        again = sha512_crypt(password, salt, rounds)
    except ValueError:
        return False
    return hmac.compare_digest(again.encode('ascii'), hashed.encode('ascii', 'replace'))
