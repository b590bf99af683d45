"""Build context: .dockerignore matching, the tar stream, the content hash, build output."""

import io
import os
import tarfile
import time

import pytest

from ansible_collections.berth.docker.plugins.module_utils import build_context as bc


def write(root, rel, data='x', mode=None):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as handle:
        handle.write(data)
    if mode is not None:
        os.chmod(path, mode)
    return path


def matcher(text):
    return bc.PatternMatcher(bc.parse_dockerignore(text))


def test_parse_dockerignore_skips_comments_and_cleans_paths():
    patterns = bc.parse_dockerignore('# comment\n\n  *.log  \n/build/\n!keep.log\n./a/../b\n')
    assert patterns == [('*.log', False), ('build', False), ('keep.log', True), ('b', False)]


def test_parse_dockerignore_rejects_bare_exclamation():
    with pytest.raises(ValueError):
        bc.parse_dockerignore('!\n')


@pytest.mark.parametrize('patterns,path,excluded', [
    ('*.log', 'a.log', True),
    ('*.log', 'sub/a.log', False),          # * does not cross /
    ('**/*.log', 'sub/deep/a.log', True),
    ('**/*.log', 'a.log', True),            # ** matches zero directories
    ('build', 'build/out/x.o', True),       # a directory pattern covers what is below
    ('sub/*', 'sub/a/b', True),             # the parent sub/a matches
    ('a?c', 'abc', True),
    ('a?c', 'a/c', False),
    ('[ab].txt', 'b.txt', True),
    ('[!ab].txt', 'b.txt', False),
    ('[!ab].txt', 'c.txt', True),
    ('*.log\n!keep.log', 'keep.log', False),
    ('*.log\n!keep.log', 'other.log', True),
    ('!keep.log\n*.log', 'keep.log', True),  # the last matching pattern wins
    ('docs\n!docs/README.md', 'docs/README.md', False),
    ('docs\n!docs/README.md', 'docs/other.md', True),
    ('\\*.txt', '*.txt', True),
    ('\\*.txt', 'a.txt', False),
    ('**', 'anything/at/all', True),
    ('', 'a', False),
])
def test_pattern_matching_like_docker(patterns, path, excluded):
    assert matcher(patterns).excluded(path) is excluded


def test_scan_lists_context_honouring_dockerignore(tmp_path):
    root = str(tmp_path)
    write(root, 'Dockerfile', 'FROM scratch\n')
    write(root, '.dockerignore', 'Dockerfile\n.dockerignore\n*.log\nnode_modules\ndocs\n!docs/keep.md\n')
    write(root, 'app.py')
    write(root, 'debug.log')
    write(root, 'node_modules/x/index.js')
    write(root, 'docs/keep.md')
    write(root, 'docs/drop.md')
    write(root, 'src/main.c')
    os.symlink('app.py', os.path.join(root, 'link'))
    ctx = bc.scan(root)
    # the Dockerfile and .dockerignore are always sent, as the docker CLI does
    assert ctx.paths == ['.dockerignore', 'Dockerfile', 'app.py', 'docs/keep.md', 'link', 'src', 'src/main.c']
    assert ctx.dockerfile_name == 'Dockerfile'
    kinds = {rel: kind for rel, kind, _full in ctx.entries}
    assert kinds['link'] == 'symlink' and kinds['src'] == 'dir'


def test_scan_bad_inputs_say_what_to_do(tmp_path):
    with pytest.raises(ValueError, match='does not exist'):
        bc.scan(str(tmp_path / 'missing'))
    with pytest.raises(ValueError, match='is required'):
        bc.scan(None)
    write(str(tmp_path), 'file')
    with pytest.raises(ValueError, match='not a directory'):
        bc.scan(str(tmp_path / 'file'))
    with pytest.raises(ValueError, match='Dockerfile .* does not exist'):
        bc.scan(str(tmp_path))


def test_tar_stream_holds_the_context(tmp_path):
    root = str(tmp_path / 'ctx')
    write(root, 'Dockerfile', 'FROM scratch\nCOPY . /\n')
    write(root, 'bin/run.sh', '#!/bin/sh\n', mode=0o755)
    write(root, 'secret.key', 'no')
    write(root, '.dockerignore', '*.key\n')
    ctx = bc.scan(root)
    with bc.write_tar(ctx) as handle, tarfile.open(fileobj=handle) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert sorted(members) == ['.dockerignore', 'Dockerfile', 'bin', 'bin/run.sh']
        assert members['bin/run.sh'].mode & 0o777 == 0o755
        assert members['bin/run.sh'].uid == 0 and members['bin/run.sh'].uname == ''
        assert tar.extractfile('bin/run.sh').read() == b'#!/bin/sh\n'


def test_dockerfile_outside_the_context_is_added_to_the_tar(tmp_path):
    root = str(tmp_path / 'ctx')
    write(root, 'a.txt')
    outside = write(str(tmp_path), 'other/Build.docker', 'FROM scratch\nCOPY a.txt /\n')
    ctx = bc.scan(root, outside)
    assert ctx.dockerfile_name.startswith(bc.OUTSIDE_DOCKERFILE_PREFIX)
    with bc.write_tar(ctx) as handle, tarfile.open(fileobj=handle) as tar:
        assert tar.extractfile(ctx.dockerfile_name).read() == b'FROM scratch\nCOPY a.txt /\n'
    # relative to the context, inside it
    write(root, 'docker/Dockerfile.dev', 'FROM scratch\n')
    assert bc.scan(root, 'docker/Dockerfile.dev').dockerfile_name == 'docker/Dockerfile.dev'


def test_hash_changes_with_one_byte_not_with_mtime(tmp_path):
    root = str(tmp_path)
    write(root, 'Dockerfile', 'FROM scratch\nCOPY . /\n')
    path = write(root, 'data.txt', 'aaaa')
    opts = {'args': {}, 'labels': {}, 'target': None, 'platform': None, 'dockerfile': 'Dockerfile'}
    first = bc.content_hash(bc.scan(root), opts)
    assert first.startswith('sha256:') and len(first) == 71
    later = time.time() + 100
    os.utime(path, (later, later))
    assert bc.content_hash(bc.scan(root), opts) == first, 'touching a file must not rebuild'
    write(root, 'data.txt', 'aaab')
    assert bc.content_hash(bc.scan(root), opts) != first
    write(root, 'data.txt', 'aaaa')
    assert bc.content_hash(bc.scan(root), opts) == first
    os.chmod(path, 0o600)
    assert bc.content_hash(bc.scan(root), opts) != first, 'a mode change changes what COPY makes'
    os.chmod(path, 0o644)
    # build options and the Dockerfile are part of it; ignored files are not
    assert bc.content_hash(bc.scan(root), dict(opts, args={'A': '1'})) != first
    assert bc.content_hash(bc.scan(root), dict(opts, target='x')) != first
    write(root, 'ignored.tmp', 'x')
    write(root, '.dockerignore', '*.tmp\n')
    with_ignore = bc.content_hash(bc.scan(root), opts)
    write(root, 'ignored.tmp', 'y')
    assert bc.content_hash(bc.scan(root), opts) == with_ignore
    write(root, 'Dockerfile', 'FROM scratch\nCOPY . /x/\n')
    assert bc.content_hash(bc.scan(root), opts) != with_ignore


BUILD_FAILURE = [
    {'stream': 'Step 1/3 : FROM berth-test/busybox:1\n'},
    {'stream': ' ---> 9d4584c77f3d\n'},
    {'stream': 'Step 2/3 : RUN echo one && echo two >&2 && exit 3\n'},
    {'stream': ' ---> Running in 0123456789ab\n'},
    {'stream': 'one\n'},
    {'stream': 'two\n'},
    {'errorDetail': {'code': 3, 'message': "The command '/bin/sh -c echo one && echo two >&2 && exit 3' returned a non-zero code: 3"},
     'error': "The command '/bin/sh -c echo one && echo two >&2 && exit 3' returned a non-zero code: 3"},
]


def test_failed_step_and_its_output():
    step, output = bc.failed_step(BUILD_FAILURE)
    assert step == 'Step 2/3 : RUN echo one && echo two >&2 && exit 3'
    assert output == ['one', 'two']
    msg = bc.build_failure_message('app:1', BUILD_FAILURE[-1]['error'], BUILD_FAILURE)
    assert 'building app:1 failed at Step 2/3 : RUN echo one' in msg
    assert 'returned a non-zero code: 3' in msg
    assert 'Output of that step:\none\ntwo' in msg
    assert 'Hint' not in msg


def test_virtualisation_hint_on_runtime_errors():
    assert bc.virtualisation_hint('standard_init_linux.go:228: exec user process caused: exec format error')
    assert bc.virtualisation_hint('OCI runtime create failed: container_linux.go:380: starting container process')
    assert bc.virtualisation_hint("returned a non-zero code: 1") is None
    msg = bc.build_failure_message('a', 'failed to create shim: OCI runtime create failed', BUILD_FAILURE[:4])
    assert 'hardware virtualisation' in msg


def test_bounded_output_keeps_the_tail():
    lines = ['line %d' % i for i in range(1000)]
    kept = bc.bounded(lines, max_lines=10)
    assert kept[0] == '... 990 earlier lines left out'
    assert kept[1:] == lines[-10:]
    assert bc.bounded(['a', 'b']) == ['a', 'b']
    big = ['x' * 1000] * 100
    assert len(bc.bounded(big, max_chars=5000)) == 5  # 4 lines + the note


def test_built_image_id():
    assert bc.built_image_id([{'stream': 'x'}, {'aux': {'ID': 'sha256:abc'}}]) == 'sha256:abc'
    assert bc.built_image_id([{'stream': 'Successfully built 0123abc\n'}]) == '0123abc'
    assert bc.built_image_id([]) is None


def test_output_lines_joins_partial_chunks():
    assert bc.output_lines([{'stream': 'hel'}, {'stream': 'lo\nworld\n'}, {'error': 'boom'}]) == ['hello', 'world', 'ERROR: boom']


def test_tar_of_empty_context_entries(tmp_path):
    write(str(tmp_path), 'Dockerfile', 'FROM scratch\n')
    ctx = bc.scan(str(tmp_path))
    out = io.BytesIO()
    bc.write_tar(ctx, out)
    with tarfile.open(fileobj=out) as tar:
        assert tar.getnames() == ['Dockerfile']


def test_output_lines_drop_ansi_colours():
    assert bc.output_lines([{'stream': '\x1b[91mon stderr\n\x1b[0mRemoving intermediate container 1\n'}]) == [
        'on stderr', 'Removing intermediate container 1']
