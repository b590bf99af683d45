"""berth.docker.image with source=build: real ansible-playbook runs against the real engine,
the docker CLI as witness."""

import json
import os
import tarfile

import pytest

from tests.support import docker_cli
from tests.support.ansible_run import four_step, run_tasks

EVERY_INSTRUCTION = r"""# every Dockerfile instruction of the reference deployment
ARG BASE=berth-test/busybox:1
FROM ${BASE}
ARG GREETING=hello
SHELL ["/bin/sh", "-c"]
ENV APP_HOME=/srv/app
ENV MODE production
LABEL org.example.name="every instruction" org.example.greeting=${GREETING}
WORKDIR $APP_HOME
WORKDIR sub
RUN echo "$GREETING from $(pwd) in $MODE" > /greeting.txt && mkdir -m 1777 /tmp
RUN ["/bin/sh", "-c", "echo exec-form > /exec.txt"]
ADD bundle.tar /opt/bundle/
COPY copied/ /opt/copied/
EXPOSE 8080/tcp 9090/udp
VOLUME ["/data"]
HEALTHCHECK --interval=1s --timeout=3s --retries=2 CMD test -f /greeting.txt || exit 1
ONBUILD RUN echo onbuild-trigger > /tmp/onbuild.txt
SHELL ["/bin/sh", "-ec"]
USER 1000:1000
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["cat /greeting.txt"]
"""


def write(path, data, mode=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb' if isinstance(data, bytes) else 'w') as handle:
        handle.write(data)
    if mode is not None:
        os.chmod(path, mode)


def simple_context(root, busybox, extra=''):
    write(os.path.join(root, 'Dockerfile'),
          'FROM %s\nCOPY data.txt /data.txt\nRUN cat /data.txt > /copy.txt\n%s' % (busybox, extra))
    write(os.path.join(root, 'data.txt'), 'version one\n')


def build_task(name, path, register='build', **build):
    build['path'] = path
    return {'name': register, 'berth.docker.image': {'name': name, 'source': 'build', 'build': build}}


@pytest.mark.slow
def test_build_four_step_then_skip_without_calling_build(engine, prefix, busybox_image, tmp_path):
    ctx = str(tmp_path / 'ctx')
    simple_context(ctx, busybox_image)
    name = prefix + 'app:1'
    # nocache: if /build were called again, a new image (new ID, new Created) would result
    task = build_task(name, ctx, nocache=True)
    runs = four_step([task])
    built = runs[1].task('build')
    assert built['actions'][0].startswith('Built %s' % name)
    assert any(line.startswith('Step 3/') and line.endswith(': RUN cat /data.txt > /copy.txt') for line in built['build_output'])
    witness = docker_cli.inspect('image', name)
    assert witness['Id'] == built['image']['Id']
    assert witness['Config']['Labels']['berth.docker.build-hash'] == built['build_hash']
    assert runs[0].task('build')['image'] is None, 'check mode built nothing'
    for run in runs[2:]:
        result = run.task('build')
        assert 'build_output' not in result, 'an unchanged context must not be built'
        assert result['image']['Id'] == witness['Id']
    again = docker_cli.inspect('image', name)
    assert (again['Id'], again['Created']) == (witness['Id'], witness['Created'])
    assert docker_cli.docker('run', '--rm', name, 'cat', '/copy.txt').stdout == 'version one\n'

    # touching a file (mtime only) does not rebuild
    os.utime(os.path.join(ctx, 'data.txt'), (1, 1))
    run = run_tasks([task]).assert_ok()
    assert not run.changed and docker_cli.inspect('image', name)['Id'] == witness['Id']

    # one byte changed in the context: rebuilt
    write(os.path.join(ctx, 'data.txt'), 'version onf\n')
    check = run_tasks([task], check=True, diff=True).assert_ok()
    assert check.changed
    assert '-    id: %s' % witness['Id'] in check.output and '+    id: (new image)' in check.output
    run = run_tasks([task]).assert_ok()
    assert run.changed
    rebuilt = docker_cli.inspect('image', name)
    assert rebuilt['Id'] != witness['Id'] and rebuilt['Id'] == run.task('build')['image']['Id']
    assert docker_cli.docker('run', '--rm', name, 'cat', '/copy.txt').stdout == 'version onf\n'

    # a changed build argument rebuilds too; rebuild: always builds every time
    task_args = build_task(name, ctx, args={'UNUSED': 'x'})
    assert run_tasks([task_args]).assert_ok().changed
    assert not run_tasks([task_args]).assert_ok().changed
    always = build_task(name, ctx, args={'UNUSED': 'x'}, rebuild='always')
    assert run_tasks([always]).assert_ok().task('build')['build_output']


@pytest.mark.slow
def test_dockerfile_with_every_instruction(engine, prefix, busybox_image, tmp_path):
    ctx = str(tmp_path / 'every')
    write(os.path.join(ctx, 'Dockerfile'), EVERY_INSTRUCTION)
    write(os.path.join(ctx, 'copied', 'a.txt'), 'copied\n')
    bundle_src = str(tmp_path / 'bundle.txt')
    write(bundle_src, 'from the tar\n')
    with tarfile.open(os.path.join(ctx, 'bundle.tar'), 'w') as tar:
        tar.add(bundle_src, arcname='inside/bundle.txt')
    name = prefix + 'every:1'
    task = build_task(name, ctx, args={'GREETING': 'hi-from-args'}, labels={'org.example.team': 'berth'})
    four_step([task])
    cfg = docker_cli.inspect('image', name)['Config']
    assert cfg['Cmd'] == ['cat /greeting.txt']
    assert cfg['Entrypoint'] == ['/bin/sh', '-c']
    assert 'APP_HOME=/srv/app' in cfg['Env'] and 'MODE=production' in cfg['Env']
    assert cfg['WorkingDir'] == '/srv/app/sub'  # relative WORKDIR after an ENV-expanded one
    assert cfg['User'] == '1000:1000'
    labels = cfg['Labels']
    assert labels['org.example.name'] == 'every instruction'
    assert labels['org.example.greeting'] == 'hi-from-args'  # ARG used in LABEL
    assert labels['org.example.team'] == 'berth'  # build.labels
    assert labels['org.berth.test'] == 'busybox'  # inherited from FROM
    assert set(cfg['ExposedPorts']) == {'8080/tcp', '9090/udp'}
    assert set(cfg['Volumes']) == {'/data'}
    assert cfg['Healthcheck'] == {'Test': ['CMD-SHELL', 'test -f /greeting.txt || exit 1'],
                                  'Interval': 1000000000, 'Timeout': 3000000000, 'Retries': 2}
    assert cfg['OnBuild'] == ['RUN echo onbuild-trigger > /tmp/onbuild.txt']
    assert cfg['Shell'] == ['/bin/sh', '-ec']
    # the labels read back the way the reference does it
    fmt = docker_cli.docker('image', 'inspect', '--format', '{{ json .Config.Labels }}', name).stdout
    assert json.loads(fmt)['org.example.name'] == 'every instruction'
    # RUN (both forms), ADD (a local tar is extracted), COPY, ENV, WORKDIR and CMD/ENTRYPOINT at run time
    assert docker_cli.docker('run', '--rm', name).stdout == 'hi-from-args from /srv/app/sub in production\n'
    listing = docker_cli.docker('run', '--rm', name, 'cat /exec.txt /opt/bundle/inside/bundle.txt /opt/copied/a.txt; id -u').stdout
    assert listing == 'exec-form\nfrom the tar\ncopied\n1000\n'
    # HEALTHCHECK: the result shows in docker container inspect
    container = prefix + 'health'
    docker_cli.docker('run', '-d', '--name', container, name, 'sleep 60')
    status = None
    for _dummy in range(100):
        status = docker_cli.inspect('container', container)['State']['Health']['Status']
        if status == 'healthy':
            break
        __import__('time').sleep(0.1)
    assert status == 'healthy'
    # ONBUILD: the trigger runs in a child build
    child_ctx = str(tmp_path / 'child')
    write(os.path.join(child_ctx, 'Dockerfile'), 'FROM %s\nLABEL child=1\n' % name)
    run_tasks([build_task(prefix + 'child:1', child_ctx)]).assert_ok()
    assert docker_cli.docker('run', '--rm', prefix + 'child:1', 'cat /tmp/onbuild.txt').stdout == 'onbuild-trigger\n'


def test_dockerignore_matches_the_docker_cli(engine, prefix, busybox_image, tmp_path):
    ctx = str(tmp_path / 'ign')
    write(os.path.join(ctx, 'Dockerfile'), 'FROM %s\nCOPY . /ctx/\n' % busybox_image)
    write(os.path.join(ctx, '.dockerignore'), '# comment\n*.log\n**/*.tmp\nnode_modules\ndocs\n!docs/keep.md\n/secret\nDockerfile\n')
    for rel in ('app.py', 'a.log', 'sub/b.log', 'sub/deep/c.tmp', 'node_modules/x/i.js', 'docs/keep.md',
                'docs/drop.md', 'secret', 'sub/secret', 'src/main.c'):
        write(os.path.join(ctx, rel), rel + '\n')
    os.symlink('app.py', os.path.join(ctx, 'link'))
    ours, theirs = prefix + 'ign:ours', prefix + 'ign:cli'
    run_tasks([build_task(ours, ctx)]).assert_ok()
    docker_cli.docker('build', '-q', '-t', theirs, ctx)

    def files(image):
        return sorted(docker_cli.docker('run', '--rm', image, 'find', '/ctx').stdout.split())
    assert files(ours) == files(theirs)
    assert '/ctx/docs/keep.md' in files(ours) and '/ctx/a.log' not in files(ours) and '/ctx/sub/b.log' in files(ours)


def test_dockerfile_outside_the_context(engine, prefix, busybox_image, tmp_path):
    ctx = str(tmp_path / 'ctx')
    write(os.path.join(ctx, 'data.txt'), 'outside dockerfile\n')
    dockerfile = str(tmp_path / 'elsewhere' / 'Build.docker')
    write(dockerfile, 'FROM %s\nCOPY data.txt /data.txt\n' % busybox_image)
    name = prefix + 'outside:1'
    four_step([build_task(name, ctx, dockerfile=dockerfile)])
    assert docker_cli.docker('run', '--rm', name, 'cat', '/data.txt').stdout == 'outside dockerfile\n'


def test_failing_run_shows_step_and_output_and_keeps_the_previous_image(engine, prefix, busybox_image, tmp_path):
    ctx = str(tmp_path / 'ctx')
    simple_context(ctx, busybox_image)
    name = prefix + 'fail:1'
    run_tasks([build_task(name, ctx)]).assert_ok()
    previous = docker_cli.inspect('image', name)['Id']
    simple_context(ctx, busybox_image, extra='RUN echo about-to-fail && echo on-stderr >&2 && exit 7\n')
    run = run_tasks([build_task(name, ctx)])
    assert run.rc != 0
    result = run.task('build')
    assert result['failed']
    msg = result['msg']
    assert 'building %s failed at Step 4/' % name in msg and ' : RUN echo about-to-fail' in msg
    assert 'returned a non-zero code: 7' in msg
    assert 'about-to-fail' in msg and 'on-stderr' in msg
    assert 'Hint' not in msg
    assert any('about-to-fail' in line for line in result['build_output'])
    assert docker_cli.inspect('image', name)['Id'] == previous, 'the previous image must stay tagged'


def test_exec_format_error_carries_the_virtualisation_hint(engine, prefix, busybox_image, tmp_path):
    ctx = str(tmp_path / 'ctx')
    write(os.path.join(ctx, 'junk'), b'\x01\x02 not a program', mode=0o755)
    write(os.path.join(ctx, 'Dockerfile'), 'FROM %s\nCOPY junk /junk\nRUN ["/junk"]\n' % busybox_image)
    run = run_tasks([build_task(prefix + 'junk:1', ctx)])
    assert run.rc != 0
    msg = run.task('build')['msg']
    assert 'exec format error' in msg and 'hardware virtualisation' in msg
    assert not docker_cli.exists('image', prefix + 'junk:1')


def test_bad_build_inputs(engine, prefix, busybox_image, tmp_path):
    os.makedirs(str(tmp_path / 'empty'))
    tasks = [
        dict(build_task(prefix + 'x:1', str(tmp_path / 'missing'), register='missing context'), ignore_errors=True),
        dict(build_task(prefix + 'x:1', str(tmp_path / 'empty'), register='no dockerfile'), ignore_errors=True),
        dict(build_task('Bad Name!', str(tmp_path), register='bad name'), ignore_errors=True),
        {'name': 'no build', 'ignore_errors': True, 'berth.docker.image': {'name': prefix + 'x', 'source': 'build'}},
    ]
    run = run_tasks(tasks)
    assert 'build.path %s does not exist' % (tmp_path / 'missing') in run.task('missing context')['msg']
    msg = run.task('no dockerfile')['msg']
    assert 'the Dockerfile %s does not exist' % (tmp_path / 'empty' / 'Dockerfile') in msg
    assert run.task('bad name')['msg'].startswith('name: image reference')
    assert 'build' in run.task('no build')['msg']
    assert all(r['result'].get('failed') for r in run.records)
    assert not docker_cli.names('image', prefix)


def test_build_options_reach_the_run_steps(engine, prefix, busybox_image, tmp_path):
    ctx = str(tmp_path / 'opts')
    write(os.path.join(ctx, 'Dockerfile'), 'FROM %s AS base\nRUN echo base > /stage.txt\n'
          'FROM base AS final\nARG FLAVOUR\nRUN echo "final $FLAVOUR" > /stage.txt\n'
          'RUN grep berth-db /etc/hosts > /hosts.txt; df -k /dev/shm | tail -1 > /shm.txt; '
          'ls /sys/class/net | sort | tr "\\n" " " > /net.txt\n' % busybox_image)
    name = prefix + 'opts:1'
    task = build_task(name, ctx, target='base', etc_hosts={'berth-db': '10.11.12.13'}, shm_size='8m', network='none',
                      args={'FLAVOUR': 'salty'})
    run = run_tasks([task]).assert_ok()
    assert docker_cli.docker('run', '--rm', name, 'cat', '/stage.txt').stdout == 'base\n'  # target
    final = build_task(name, ctx, target='final', etc_hosts={'berth-db': '10.11.12.13'}, shm_size='8m', network='none',
                       args={'FLAVOUR': 'salty'})
    run = run_tasks([final]).assert_ok()
    assert run.changed, 'another target is another build hash'
    out = docker_cli.docker('run', '--rm', name, 'cat', '/stage.txt', '/hosts.txt', '/shm.txt', '/net.txt').stdout.splitlines()
    assert out[0] == 'final salty'
    assert out[1].split() == ['10.11.12.13', 'berth-db']
    assert out[2].split()[1] == '8192'  # shm_size 8m
    assert out[3].split() == ['lo']  # network none


def test_context_written_by_an_earlier_task_check_mode_predicts_the_build(engine, prefix, busybox_image, tmp_path):
    """A play that writes the build context and then builds: check mode cannot read the context
    (the write was only predicted), so it predicts the build; the real runs build, then skip."""
    ctx = str(tmp_path / 'later')
    tasks = [
        {'name': 'dir', 'ansible.builtin.file': {'path': ctx, 'state': 'directory', 'mode': '0755'}},
        {'name': 'context', 'ansible.builtin.copy': {'dest': ctx + '/Dockerfile', 'content': 'FROM %s\nLABEL x=y\n' % busybox_image,
                                                     'mode': '0644'}},
        {'name': 'image', 'berth.docker.image': {'name': prefix + 'later:1', 'source': 'build', 'build': {'path': ctx}}},
    ]
    runs = four_step(tasks)
    assert 'does not exist yet' in runs[0].task('image')['actions'][0]
    assert docker_cli.inspect('image', prefix + 'later:1')['Config']['Labels']['x'] == 'y'
    # the image present and its context gone (say, removed by a teardown): check mode cannot hash it
    # and predicts no build, which is what the real run finds once the same context is written again
    import shutil
    shutil.rmtree(ctx)
    check = run_tasks(tasks, check=True).assert_ok()
    assert not check.task('image')['changed']
    real = run_tasks(tasks).assert_ok()
    assert not real.task('image')['changed'] and real.task('context')['changed']
    # a real run without the context still fails, naming it
    run = run_tasks([{'name': 'image', 'berth.docker.image': {'name': prefix + 'nope:1', 'source': 'build',
                                                              'build': {'path': str(tmp_path / 'nowhere')}}}])
    assert run.rc != 0 and 'does not exist' in run.task('image')['msg']
