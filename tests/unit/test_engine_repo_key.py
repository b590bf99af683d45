"""engine_repo_key: the OpenPGP v4 fingerprint computed in pure Python equals what gpg says for
keys gpg generates here (ASCII-armored and binary, old- and new-format packet headers, primary
key and subkey), and a key file is accepted only when every primary key in it is expected."""

import os
import subprocess

import pytest

from ansible_collections.berth.docker.plugins.module_utils import engine_repo_key as rk

# gpg (package gnupg) is installed by tools/ensure-deps.sh; without it these tests fail, never skip


def gpg(home, *args, data=None):
    proc = subprocess.run(['gpg', '--homedir', home, '--batch', '--quiet', '--pinentry-mode', 'loopback',
                           '--passphrase', ''] + list(args), input=data, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, check=True, timeout=120)
    return proc.stdout


def generated(home, uid, algo):
    gpg(home, '--quick-gen-key', uid, algo, 'sign', 'never')
    listing = gpg(home, '--with-colons', '--fingerprint', uid).decode()
    primary = [line.split(':')[9] for line in listing.splitlines() if line.startswith('fpr:')][0]
    gpg(home, '--quick-add-key', primary, 'cv25519' if algo == 'ed25519' else algo, 'encr', 'never')
    listing = gpg(home, '--with-colons', '--fingerprint', '--fingerprint', uid).decode()
    fprs = [line.split(':')[9] for line in listing.splitlines() if line.startswith('fpr:')]
    return fprs[0], fprs[1:]


@pytest.fixture(scope='module')
def keys(tmp_path_factory):
    home = str(tmp_path_factory.mktemp('gnupg'))
    os.chmod(home, 0o700)
    made = {}
    for name, algo in (('ed', 'ed25519'), ('rsa', 'rsa2048')):
        uid = 'Berth %s <berth-%s@example.invalid>' % (name, name)
        primary, subkeys = generated(home, uid, algo)
        made[name] = {
            'primary': primary,
            'subkeys': subkeys,
            'armored': gpg(home, '--armor', '--export', uid),
            'binary': gpg(home, '--export', uid),
        }
    return made


def to_new_format(binary):
    """The same packets with new-format headers (gpg writes old-format ones for keys)."""
    out = b''
    for tag, body in rk.packets(binary):
        length = len(body)
        if length < 192:
            head = bytes([length])
        elif length < 8384:
            length -= 192
            head = bytes([(length >> 8) + 192, length & 0xFF])
        else:
            head = b'\xff' + len(body).to_bytes(4, 'big')
        out += bytes([0xC0 | tag]) + head + body
    return out


@pytest.mark.parametrize('name', ['ed', 'rsa'])
def test_fingerprint_equals_gpg(keys, name):
    key = keys[name]
    assert key['binary'][0] & 0x40 == 0, 'gpg wrote a new-format header: the old-format case is not covered'
    assert rk.fingerprints(key['armored']) == [key['primary']]
    assert rk.fingerprints(key['binary']) == [key['primary']]
    new = to_new_format(key['binary'])
    assert new[0] & 0x40 and rk.fingerprints(new) == [key['primary']]
    subkeys = [rk.v4_fingerprint(body) for tag, body in rk.packets(key['binary']) if tag == rk.PUBLIC_SUBKEY]
    assert subkeys == key['subkeys'] and subkeys
    # the expected fingerprint in gpg's spaced layout, lower case, 0x prefix: all the same
    spaced = rk.pretty(key['primary'])
    assert rk.check(key['armored'], [spaced.lower()]) == [key['primary']]
    assert rk.check(key['binary'], ['0x' + key['primary']]) == [key['primary']]


def test_wrong_or_extra_key_is_refused(keys):
    ed, rsa = keys['ed'], keys['rsa']
    with pytest.raises(rk.RepoKeyError) as err:
        rk.check(ed['armored'], [rk.DOCKER_KEY_FINGERPRINT], 'the key from https://mirror.example/gpg')
    msg = str(err.value)
    assert rk.pretty(ed['primary']) in msg and '9DC8 5822 9FC7 DD38 854A  E2D8 8D81 803C 0EBF CD88' in msg
    assert 'repo_key_fingerprint' in msg and 'Nothing was written' in msg
    # apt trusts every key of a signed-by file: an extra primary key is refused too
    both = ed['binary'] + rsa['binary']
    assert rk.fingerprints(both) == [ed['primary'], rsa['primary']]
    with pytest.raises(rk.RepoKeyError) as err:
        rk.check(both, [ed['primary']])
    assert rk.pretty(rsa['primary']) in str(err.value)
    assert rk.check(both, [ed['primary'], rsa['primary']])


def test_damaged_or_foreign_data_is_refused(keys):
    armored = keys['ed']['armored'].decode()
    lines = armored.splitlines()
    # flip one base64 character of the body: the armor checksum catches it
    index = next(i for i, line in enumerate(lines) if len(line) > 40 and not line.startswith('-'))
    line = lines[index]
    lines[index] = ('B' if line[10] != 'B' else 'C').join([line[:10], line[11:]])
    with pytest.raises(rk.RepoKeyError, match='checksum|not valid|truncated|version'):
        rk.check('\n'.join(lines).encode(), [keys['ed']['primary']])
    for junk in (b'<html>not a key</html>', b'', b'-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n'):
        with pytest.raises(rk.RepoKeyError):
            rk.check(junk, [keys['ed']['primary']])
    with pytest.raises(rk.RepoKeyError, match='truncated'):
        rk.fingerprints(keys['ed']['binary'][:40])


def test_normalize():
    assert rk.normalize('9DC8 5822 9FC7 DD38 854A  E2D8 8D81 803C 0EBF CD88') == rk.DOCKER_KEY_FINGERPRINT
    for bad in ('0EBFCD88', 'zz' * 20, ''):
        with pytest.raises(ValueError):
            rk.normalize(bad)
