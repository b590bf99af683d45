"""config.json reading and writing, credential lookup, auth headers (pure functions)."""

import base64
import json
import os
import stat

import pytest

from ansible_collections.berth.docker.plugins.module_utils import registry
from ansible_collections.berth.docker.plugins.module_utils.api import DockerError


def b64(text):
    return base64.b64encode(text.encode()).decode()


def test_missing_and_empty_config_is_empty(tmp_path):
    assert registry.load_config(str(tmp_path / 'none.json')) == {}
    (tmp_path / 'empty.json').write_text('  ')
    assert registry.load_config(str(tmp_path / 'empty.json')) == {}


def test_invalid_config_is_an_error_not_overwritten(tmp_path):
    path = tmp_path / 'config.json'
    path.write_text('{not json')
    with pytest.raises(DockerError, match='not valid JSON'):
        registry.load_config(str(path))
    path.write_text('[1]')
    with pytest.raises(DockerError, match='JSON object'):
        registry.load_config(str(path))


def test_set_get_remove_credentials_keep_other_keys():
    config = {'auths': {'other:5000': {'auth': b64('a:b')}}, 'psFormat': 'table {{.ID}}'}
    new = registry.set_credentials(config, 'http://127.0.0.1:5000/v2/', 'user', 'p:ss')
    assert config == {'auths': {'other:5000': {'auth': b64('a:b')}}, 'psFormat': 'table {{.ID}}'}, 'input unchanged'
    assert new['auths']['127.0.0.1:5000'] == {'auth': b64('user:p:ss')}
    assert new['psFormat'] == 'table {{.ID}}' and 'other:5000' in new['auths']
    creds = registry.get_credentials(new, '127.0.0.1:5000')
    assert creds == {'serveraddress': '127.0.0.1:5000', 'username': 'user', 'password': 'p:ss'}
    gone, existed = registry.remove_credentials(new, '127.0.0.1:5000')
    assert existed and '127.0.0.1:5000' not in gone['auths']
    again, existed = registry.remove_credentials(gone, '127.0.0.1:5000')
    assert not existed and again == gone


def test_hub_keys_and_plain_fields():
    config = {'auths': {'https://index.docker.io/v1/': {'username': 'u', 'password': 'p'}}}
    assert registry.get_credentials(config, 'docker.io')['username'] == 'u'
    assert registry.get_credentials(config, 'https://index.docker.io/v1/')['password'] == 'p'
    assert registry.get_credentials(config, 'quay.io') is None
    # a key written with a scheme by older CLIs is still found
    config = {'auths': {'https://reg.example.com': {'auth': b64('x:y')}}}
    assert registry.get_credentials(config, 'reg.example.com')['username'] == 'x'


def test_broken_auth_field_is_a_clear_error():
    with pytest.raises(DockerError, match='not valid base64'):
        registry.get_credentials({'auths': {'r:1': {'auth': '%%%'}}}, 'r:1')


def test_credential_helpers_are_noticed():
    assert registry.credential_helper({'credsStore': 'desktop'}, 'r:1') == 'desktop'
    assert registry.credential_helper({'credHelpers': {'r:1': 'pass'}}, 'r:1') == 'pass'
    assert registry.credential_helper({'credHelpers': {'r:1': 'pass'}}, 'r:2') is None


def test_write_config_is_0600_atomic_and_cli_formatted(tmp_path):
    path = str(tmp_path / 'new' / 'config.json')
    registry.write_config(path, {'auths': {'r:1': {'auth': b64('a:b')}}})
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
    text = open(path).read()
    assert text.startswith('{\n\t"auths"')
    assert json.loads(text) == {'auths': {'r:1': {'auth': b64('a:b')}}}
    os.chmod(path, 0o644)
    registry.write_config(path, {})
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert os.listdir(os.path.dirname(path)) == ['config.json'], 'no temporary file left behind'


def test_default_config_path_follows_docker_config(monkeypatch, tmp_path):
    monkeypatch.setenv('DOCKER_CONFIG', str(tmp_path))
    assert registry.default_config_path() == str(tmp_path / 'config.json')
    monkeypatch.delenv('DOCKER_CONFIG')
    monkeypatch.setenv('HOME', str(tmp_path))
    assert registry.default_config_path() == str(tmp_path / '.docker' / 'config.json')


def test_auth_header_from_config(monkeypatch, tmp_path):
    monkeypatch.setenv('DOCKER_CONFIG', str(tmp_path))
    registry.write_config(str(tmp_path / 'config.json'), {'auths': {'127.0.0.1:5000': {'auth': b64('u:p')}}})
    header = registry.auth_header('127.0.0.1:5000')['X-Registry-Auth']
    decoded = json.loads(base64.urlsafe_b64decode(header))
    assert decoded == {'serveraddress': '127.0.0.1:5000', 'username': 'u', 'password': 'p'}
    empty = registry.auth_header('other:1')['X-Registry-Auth']
    assert json.loads(base64.urlsafe_b64decode(empty)) == {}
    build = json.loads(base64.urlsafe_b64decode(registry.build_config_header()['X-Registry-Config']))
    assert build['127.0.0.1:5000']['username'] == 'u'


@pytest.mark.parametrize('message,words', [
    ('Head "http://127.0.0.1:5000/v2/a/manifests/1": no basic auth credentials', 'needs a login'),
    ('login attempt to http://127.0.0.1:5000/v2/ failed with status: 401 Unauthorized', 'needs a login'),
    ('Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused', 'cannot be reached'),
    ('http: server gave HTTP response to HTTPS client', 'insecure-registries'),
])
def test_registry_errors_say_what_to_do(message, words):
    assert words in registry.registry_error('r:1', DockerError(message)).msg
