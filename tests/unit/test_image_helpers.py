"""Pure helpers of the image module: archive manifests, sizes, import hashes."""

import hashlib
import io
import json
import tarfile

import pytest

from ansible_collections.berth.docker.plugins.module_utils import image, image_ops
from ansible_collections.berth.docker.plugins.module_utils.api import DockerError


def add(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def make_archive(path, entries):
    with tarfile.open(path, 'w') as tar:
        manifest = []
        for config, tags in entries:
            name = hashlib.sha256(config).hexdigest() + '.json'
            add(tar, name, config)
            manifest.append({'Config': name, 'RepoTags': tags, 'Layers': []})
        add(tar, 'manifest.json', json.dumps(manifest).encode())


def test_archive_manifest_maps_ids_to_tags(tmp_path):
    path = str(tmp_path / 'a.tar')
    make_archive(path, [(b'{"a":1}', ['x:1', 'y:2']), (b'{"b":2}', None)])
    got = image.archive_manifest(path)
    assert got == {'sha256:' + hashlib.sha256(b'{"a":1}').hexdigest(): ['x:1', 'y:2'],
                   'sha256:' + hashlib.sha256(b'{"b":2}').hexdigest(): []}


def test_archive_manifest_rejects_corrupt_and_foreign_files(tmp_path):
    corrupt = tmp_path / 'corrupt.tar'
    corrupt.write_bytes(b'this is not a tar file at all' * 50)
    with pytest.raises(ValueError, match='not a readable docker save archive'):
        image.archive_manifest(str(corrupt))
    rootfs = str(tmp_path / 'rootfs.tar')
    with tarfile.open(rootfs, 'w') as tar:
        add(tar, 'etc/hostname', b'x\n')
    with pytest.raises(ValueError, match='no manifest.json'):
        image.archive_manifest(rootfs)
    cut = tmp_path / 'cut.tar'
    make_archive(str(tmp_path / 'whole.tar'), [(b'{"a":1}' * 300, ['x:1'])])
    cut.write_bytes((tmp_path / 'whole.tar').read_bytes()[:1500])
    with pytest.raises(ValueError, match='truncated|unexpected end of data'):
        image.archive_manifest(str(cut))
    truncated = str(tmp_path / 'truncated.tar')
    with tarfile.open(truncated, 'w') as tar:
        add(tar, 'manifest.json', json.dumps([{'Config': 'gone.json', 'RepoTags': ['a:1']}]).encode())
    with pytest.raises(ValueError, match='does not hold'):
        image.archive_manifest(truncated)


def test_check_rootfs_tarball(tmp_path):
    good = str(tmp_path / 'good.tar')
    with tarfile.open(good, 'w') as tar:
        add(tar, 'bin/sh', b'#!' * 1000)
    image.check_rootfs_tarball(good)
    bad = tmp_path / 'bad.tar'
    bad.write_bytes(open(good, 'rb').read()[:700])
    with pytest.raises(ValueError, match='not a readable tar'):
        image.check_rootfs_tarball(str(bad))
    empty = str(tmp_path / 'empty.tar')
    tarfile.open(empty, 'w').close()
    with pytest.raises(ValueError, match='empty'):
        image.check_rootfs_tarball(empty)


def test_import_hash_covers_tarball_and_changes(tmp_path):
    path = tmp_path / 'r.tar'
    path.write_bytes(b'abc')
    first = image.import_hash(str(path), ['CMD ["/bin/sh"]'])
    assert first == image.import_hash(str(path), ['CMD ["/bin/sh"]'])
    assert first != image.import_hash(str(path), ['CMD ["/bin/ls"]'])
    path.write_bytes(b'abd')
    assert first != image.import_hash(str(path), ['CMD ["/bin/sh"]'])


@pytest.mark.parametrize('value,size', [('64m', 64 * 1024 ** 2), ('1g', 1024 ** 3), ('1024', 1024), ('2kb', 2048), ('1.5k', 1536)])
def test_parse_size(value, size):
    assert image_ops.parse_size(value) == size


@pytest.mark.parametrize('value', ['lots', '-1m', '0'])
def test_parse_size_rejects(value):
    with pytest.raises(DockerError):
        image_ops.parse_size(value)


def test_query_repeats_keys():
    assert image.query('/images/get', [('names', 'a:1'), ('names', 'b:2')]) == '/images/get?names=a%3A1&names=b%3A2'
    assert image.query('/x', [('a', None)]) == '/x'


def test_platform_matches():
    amd64 = {'Os': 'linux', 'Architecture': 'amd64'}
    assert image_ops.platform_matches(amd64, None)
    assert image_ops.platform_matches(amd64, 'linux/amd64')
    assert image_ops.platform_matches(amd64, 'linux/x86_64')
    assert image_ops.platform_matches(amd64, 'linux')
    assert not image_ops.platform_matches(amd64, 'linux/arm64')
    assert not image_ops.platform_matches(amd64, 'windows/amd64')
    assert image_ops.platform_matches({'Os': 'linux', 'Architecture': 'arm64', 'Variant': 'v8'}, 'linux/aarch64/v8')
    assert not image_ops.platform_matches({'Os': 'linux', 'Architecture': 'arm', 'Variant': 'v6'}, 'linux/arm/v7')


def test_build_decides_without_the_engine(tmp_path):
    """image.build (shared by the image module and compose): what it decides before talking to the
    engine. No client is passed: any engine call would fail the test."""
    (tmp_path / 'Dockerfile').write_text('FROM scratch\n')
    ref = image_ops.reference('berth-test/unit:1')
    planned = image_ops.build(None, ref, {'path': str(tmp_path)}, check_mode=True)
    assert planned['image'] is image_ops.PENDING and planned['message'].startswith('Would build berth-test/unit:1')
    assert planned['build_hash'].startswith('sha256:') and planned['build_output'] is None
    stamped = {'Id': 'sha256:abc', 'Config': {'Labels': {image_ops.build_context.BUILD_HASH_LABEL: planned['build_hash']}}}
    kept = image_ops.build(None, ref, {'path': str(tmp_path)}, before=stamped, check_mode=True)
    assert kept['image'] is stamped and kept['message'] is None
    forced = image_ops.build(None, ref, {'path': str(tmp_path)}, before=stamped, force=True, check_mode=True)
    assert forced['image'] is image_ops.PENDING
    never = image_ops.build(None, ref, {'path': str(tmp_path), 'rebuild': 'never'}, before={'Id': 'sha256:old'})
    assert never['image'] == {'Id': 'sha256:old'} and never['message'] is None


def test_pull_keeps_a_present_image_unless_forced():
    present = {'Id': 'sha256:abc', 'Os': 'linux', 'Architecture': 'amd64'}
    assert image_ops.pull(None, image_ops.reference('busybox'), before=present) == (present, None)
    with pytest.raises(DockerError, match='name: '):
        image_ops.reference('not a reference!')


def test_platform_as_an_architecture_alone_means_linux():
    from ansible_collections.berth.docker.plugins.module_utils.image_ops import platform_matches, platform_parts
    assert platform_parts('amd64') == ['linux', 'amd64']
    assert platform_parts('x86_64') == ['linux', 'x86_64']
    assert platform_parts('linux') == ['linux']
    image = {'Os': 'linux', 'Architecture': 'amd64'}
    assert platform_matches(image, 'amd64') and platform_matches(image, 'linux/x86_64')
    assert not platform_matches(image, 'arm64') and not platform_matches(image, 'windows')


def test_build_container_limits_and_config_proxies(tmp_path, monkeypatch):
    from ansible_collections.berth.docker.plugins.module_utils.image_ops import config_proxy_args, limit_params
    assert limit_params({'memory': '7MB', 'memswap': '-1', 'cpushares': 512, 'cpusetcpus': '0,1'}) == {
        'memory': 7 * 1024 * 1024, 'memswap': -1, 'cpushares': 512, 'cpusetcpus': '0,1'}
    assert limit_params(None) == {}
    (tmp_path / 'config.json').write_text('{"proxies": {"default": {"httpProxy": "http://127.0.0.1:3128", "noProxy": "localhost"}}}')
    monkeypatch.setenv('DOCKER_CONFIG', str(tmp_path))
    assert config_proxy_args() == {'HTTP_PROXY': 'http://127.0.0.1:3128', 'http_proxy': 'http://127.0.0.1:3128',
                                   'NO_PROXY': 'localhost', 'no_proxy': 'localhost'}
