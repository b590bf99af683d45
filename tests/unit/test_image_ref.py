"""Image reference parsing and normalisation (pure functions)."""

import pytest

from ansible_collections.berth.docker.plugins.module_utils import image_ref


@pytest.mark.parametrize('text,full,name', [
    ('ubuntu', 'docker.io/library/ubuntu', 'ubuntu'),
    ('ubuntu:14.04', 'docker.io/library/ubuntu:14.04', 'ubuntu:14.04'),
    ('docker.io/library/ubuntu:14.04', 'docker.io/library/ubuntu:14.04', 'ubuntu:14.04'),
    ('index.docker.io/library/ubuntu:14.04', 'docker.io/library/ubuntu:14.04', 'ubuntu:14.04'),
    ('docker.io/ubuntu', 'docker.io/library/ubuntu', 'ubuntu'),
    ('user/nginx:song', 'docker.io/user/nginx:song', 'user/nginx:song'),
    ('127.0.0.1:5000/app:v1', '127.0.0.1:5000/app:v1', '127.0.0.1:5000/app:v1'),
    ('localhost/app', 'localhost/app', 'localhost/app'),
    ('registry.example.com/team/app/web:1.2-rc_3', 'registry.example.com/team/app/web:1.2-rc_3',
     'registry.example.com/team/app/web:1.2-rc_3'),
    ('registry:5000/app', 'registry:5000/app', 'registry:5000/app'),
    ('app@sha256:' + 'a' * 64, 'docker.io/library/app@sha256:' + 'a' * 64, 'app@sha256:' + 'a' * 64),
    ('a.b/c:t@sha256:' + 'b' * 64, 'a.b/c:t@sha256:' + 'b' * 64, 'a.b/c@sha256:' + 'b' * 64),
])
def test_parse_normalises_like_docker(text, full, name):
    ref = image_ref.parse(text)
    assert ref.full == full
    assert ref.name == name


def test_registry_and_repository():
    ref = image_ref.parse('127.0.0.1:5000/team/app:1')
    assert ref.registry == '127.0.0.1:5000'
    assert ref.repository == '127.0.0.1:5000/team/app'
    assert ref.tag == '1'
    assert image_ref.parse('nginx').registry == 'docker.io'
    assert image_ref.parse('nginx').canonical_repository == 'docker.io/library/nginx'


def test_resolve_tag_option_and_name_tag():
    assert image_ref.resolve('nginx').name == 'nginx:latest'
    assert image_ref.resolve('nginx', '1.25').name == 'nginx:1.25'
    # a tag inside name wins over the tag option (as docker_image)
    assert image_ref.resolve('nginx:1.24', '1.25').name == 'nginx:1.24'
    # a port is not a tag
    assert image_ref.resolve('reg:5000/app', 'v2').name == 'reg:5000/app:v2'
    digest = 'sha256:' + 'c' * 64
    assert image_ref.resolve('app@' + digest, 'v2').name == 'app@' + digest


def test_same_reference_in_two_spellings_is_equal():
    assert image_ref.parse('ubuntu:14.04') == image_ref.parse('docker.io/library/ubuntu:14.04')
    assert image_ref.parse('ubuntu:14.04') != image_ref.parse('ubuntu:16.04')
    assert len({image_ref.parse('ubuntu'), image_ref.parse('docker.io/library/ubuntu')}) == 1


@pytest.mark.parametrize('text,words', [
    ('', 'non-empty'),
    ('Ubuntu', 'lower case'),
    ('ubuntu:', 'tag'),
    ('ubuntu:-bad', 'tag'),
    ('ubuntu:' + 'x' * 129, 'tag'),
    ('app@sha256:xyz', 'digest'),
    ('app@', 'digest'),
    ('a//b', 'repository name component'),
    ('my app', 'repository name component'),
    ('-app', 'repository name component'),
    ('app_', 'repository name component'),
    (' app', 'white space'),
    ('bad_host:5000:x/app', 'registry host'),
])
def test_invalid_references_say_what_is_wrong(text, words):
    with pytest.raises(ValueError) as info:
        image_ref.parse(text)
    assert words in str(info.value)


def test_image_ids():
    assert image_ref.is_image_id('sha256:' + 'a' * 64)
    assert image_ref.is_image_id('a' * 64)
    assert not image_ref.is_image_id('abc')
    assert not image_ref.is_image_id('nginx:latest')


@pytest.mark.parametrize('value,key', [
    (None, image_ref.HUB_AUTH_KEY),
    ('', image_ref.HUB_AUTH_KEY),
    ('docker.io', image_ref.HUB_AUTH_KEY),
    ('https://index.docker.io/v1/', image_ref.HUB_AUTH_KEY),
    ('registry-1.docker.io', image_ref.HUB_AUTH_KEY),
    ('127.0.0.1:5000', '127.0.0.1:5000'),
    ('http://127.0.0.1:5000/v2/', '127.0.0.1:5000'),
    ('https://registry.example.com', 'registry.example.com'),
])
def test_registry_auth_key(value, key):
    assert image_ref.registry_auth_key(value) == key


def test_registry_auth_key_rejects_garbage():
    with pytest.raises(ValueError):
        image_ref.registry_auth_key('not a host!')


def test_repo_digests_for_matches_repository_spellings():
    digests = ['127.0.0.1:5000/app@sha256:' + 'a' * 64, 'ubuntu@sha256:' + 'b' * 64, 'garbage']
    assert image_ref.repo_digests_for(digests, '127.0.0.1:5000/app') == ['sha256:' + 'a' * 64]
    assert image_ref.repo_digests_for(digests, 'docker.io/library/ubuntu') == ['sha256:' + 'b' * 64]
    assert image_ref.repo_digests_for(digests, 'other') == []
