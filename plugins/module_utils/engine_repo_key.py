# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The signing key of Docker's apt repository: fetched over HTTPS with certificate verification
always on, and accepted only when every primary key in it has an expected OpenPGP fingerprint.

apt trusts every key in a ``signed-by`` file, so a key file is refused when it holds any primary
key that is not expected (not only when the expected one is missing). Fingerprints are v4
(RFC 4880 12.2): SHA-1 over 0x99, the two-byte length of the public-key packet body and the body;
computed here in pure Python from ASCII-armored or binary keys, old- and new-format packets.

Certificates are checked against the system's CA store (``ssl.create_default_context``, which
also honours OpenSSL's ``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` environment variables).
"""

import base64
import binascii
import hashlib
import ssl
import urllib.error
import urllib.request

from ansible_collections.berth.docker.plugins.module_utils.errors import BerthError

# Docker's published fingerprint of the key of download.docker.com (Debian and Ubuntu)
DOCKER_KEY_FINGERPRINT = '9DC858229FC7DD38854AE2D88D81803C0EBFCD88'

PUBLIC_KEY = 6
PUBLIC_SUBKEY = 14


class RepoKeyError(BerthError):
    """A key that cannot be fetched, read or trusted: the message says why and what to do."""


def normalize(fingerprint):
    """'9DC8 5822 ...' or '0x9dc85822...' -> '9DC85822...' (hex, upper case). ValueError if not 40 hex digits."""
    text = ''.join(str(fingerprint).split()).upper()
    if text.startswith('0X'):
        text = text[2:]
    if len(text) != 40 or any(c not in '0123456789ABCDEF' for c in text):
        raise ValueError('%r is not an OpenPGP v4 fingerprint (40 hexadecimal digits, spaces allowed)' % fingerprint)
    return text


def pretty(fingerprint):
    """'9DC8 5822 9FC7 DD38 854A  E2D8 8D81 803C 0EBF CD88' (gpg's layout)."""
    groups = [fingerprint[i:i + 4] for i in range(0, 40, 4)]
    return ' '.join(groups[:5]) + '  ' + ' '.join(groups[5:])


def _crc24(data):
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _bit in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def dearmor(data):
    """The binary packets of ``data``: ASCII armor removed (checksum checked), binary passed through."""
    if not data.lstrip().startswith(b'-----BEGIN PGP'):
        return data
    lines = data.decode('ascii', 'replace').splitlines()
    body, checksum, state = [], None, 'begin'
    for line in lines:
        line = line.strip()
        if state == 'begin':
            if line.startswith('-----BEGIN PGP PUBLIC KEY BLOCK-----'):
                state = 'headers'
            elif line.startswith('-----BEGIN PGP'):
                raise RepoKeyError('the file is not a public key block (%s)' % line)
        elif state == 'headers':
            if not line:
                state = 'body'
            elif ':' not in line:  # no armor headers at all
                state = 'body'
                body.append(line)
        elif state == 'body':
            if line.startswith('-----END PGP PUBLIC KEY BLOCK-----'):
                state = 'end'
                break
            if line.startswith('=') and len(line) == 5:
                checksum = line[1:]
            elif line:
                body.append(line)
    if state != 'end':
        raise RepoKeyError('the ASCII-armored key is incomplete (no "-----END PGP PUBLIC KEY BLOCK-----")')
    try:
        packets = base64.b64decode(''.join(body), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise RepoKeyError('the ASCII-armored key is not valid base64 (%s)' % exc)
    if checksum is not None:
        try:
            expected = int.from_bytes(base64.b64decode(checksum), 'big')
        except (binascii.Error, ValueError):
            raise RepoKeyError('the ASCII armor checksum %r is not valid base64' % checksum)
        if _crc24(packets) != expected:
            raise RepoKeyError('the ASCII armor checksum does not match the key data (damaged in transit?)')
    return packets


def packets(data):
    """(tag, body) of every OpenPGP packet in binary ``data`` (RFC 4880 4.2, old and new format)."""
    found = []
    pos = 0
    size = len(data)
    while pos < size:
        head = data[pos]
        pos += 1
        if not head & 0x80:
            raise RepoKeyError('not OpenPGP data (byte %d is not a packet header)' % (pos - 1))
        if head & 0x40:  # new format
            tag = head & 0x3F
            if pos >= size:
                raise RepoKeyError('truncated packet header')
            first = data[pos]
            if first < 192:
                length, pos = first, pos + 1
            elif first < 224:
                if pos + 1 >= size:
                    raise RepoKeyError('truncated packet header')
                length, pos = ((first - 192) << 8) + data[pos + 1] + 192, pos + 2
            elif first == 255:
                if pos + 5 > size:
                    raise RepoKeyError('truncated packet header')
                length, pos = int.from_bytes(data[pos + 1:pos + 5], 'big'), pos + 5
            else:
                raise RepoKeyError('partial body lengths are not allowed in a key (packet tag %d)' % tag)
        else:  # old format
            tag = (head >> 2) & 0x0F
            kind = head & 0x03
            if kind == 3:
                length = size - pos
            else:
                width = (1, 2, 4)[kind]
                if pos + width > size:
                    raise RepoKeyError('truncated packet header')
                length, pos = int.from_bytes(data[pos:pos + width], 'big'), pos + width
        if pos + length > size:
            raise RepoKeyError('truncated packet (tag %d: %d bytes announced, %d left)' % (tag, length, size - pos))
        found.append((tag, data[pos:pos + length]))
        pos += length
    return found


def v4_fingerprint(body):
    """The v4 fingerprint (40 hex digits, upper case) of a public-key or public-subkey packet body."""
    if not body or body[0] != 4:
        raise RepoKeyError('a version %s key: only OpenPGP v4 keys are supported' % (body[0] if body else '?'))
    return hashlib.sha1(b'\x99' + len(body).to_bytes(2, 'big') + body).hexdigest().upper()  # nosec - OpenPGP v4


def fingerprints(data):
    """The fingerprints of the primary keys in ``data`` (armored or binary), in order."""
    found = [v4_fingerprint(body) for tag, body in packets(dearmor(data)) if tag == PUBLIC_KEY]
    if not found:
        raise RepoKeyError('no OpenPGP public key in it')
    return found


def check(data, expected, source='the key'):
    """Raise RepoKeyError unless every primary key of ``data`` has one of the ``expected`` fingerprints."""
    wanted = [normalize(f) for f in expected]
    try:
        found = fingerprints(data)
    except RepoKeyError as exc:
        raise RepoKeyError('%s is not a usable OpenPGP public key: %s' % (source, exc))
    unexpected = [f for f in found if f not in wanted]
    if unexpected:
        raise RepoKeyError(
            '%s has the fingerprint %s, expected %s. Nothing was written. If this is a mirror with its own '
            'key, set repo_key_fingerprint to that key\'s fingerprint (as published by the mirror); otherwise '
            'the download was tampered with or the URL is wrong' % (
                source, ', '.join(pretty(f) for f in unexpected), ' or '.join(pretty(f) for f in wanted)))
    return found


def fetch(url, timeout=30, context=None):
    """The bytes at ``url``; https with certificate and host name verification, always."""
    if context is None:
        context = ssl.create_default_context()
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context))
    try:
        with opener.open(url, timeout=timeout) as response:
            return response.read(1024 * 1024)
    except urllib.error.HTTPError as exc:
        raise RepoKeyError('cannot fetch the signing key of Docker\'s repository from %s: HTTP %s %s. Is the '
                           'repository reachable? (repo_url; or use source: distro)' % (url, exc.code, exc.reason))
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, ssl.SSLCertVerificationError) or 'CERTIFICATE_VERIFY_FAILED' in str(reason):
            raise RepoKeyError('cannot fetch the signing key from %s: certificate verification failed (%s). The key is '
                               'only fetched over verified TLS: install the CA that signs this server into the system '
                               'store (or point SSL_CERT_FILE at it)' % (url, getattr(reason, 'verify_message', None) or reason))
        raise RepoKeyError('cannot fetch the signing key of Docker\'s repository from %s: %s. Is the repository '
                           'reachable? (repo_url; or use source: distro)' % (url, reason))
    except (OSError, ValueError) as exc:
        raise RepoKeyError('cannot fetch the signing key from %s: %s' % (url, exc))


def fetch_verified(url, expected, timeout=30, context=None):
    """(bytes, fingerprints) of the key at ``url`` after ``check``."""
    data = fetch(url, timeout, context)
    found = check(data, expected, 'the key from %s' % url)
    return data, found


def file_matches(path, expected):
    """Whether the key file at ``path`` exists and every primary key in it is expected."""
    try:
        with open(path, 'rb') as handle:
            check(handle.read(), expected)
        return True
    except (OSError, RepoKeyError, ValueError):
        return False
