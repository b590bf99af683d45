"""Shared helpers for the container / exec / network / volume integration tests. Results are
read back with the docker CLI (tests.support.docker_cli), never with the module code."""

import os
import shutil
import tempfile

from tests.support.docker_cli import docker, inspect


def task(module, args, name='t', **extra):
    """One task dict: ``task('container', {...})`` -> {'name': 't', 'berth.docker.container': {...}}."""
    t = {'name': name, 'berth.docker.%s' % module: args}
    t.update(extra)
    return t


def container_id(name):
    data = inspect('container', name)
    return data['Id'] if data else None


def status(name):
    data = inspect('container', name)
    return data['State']['Status'] if data else None


def run_web(name, image, *args):
    """A running web container made with the docker CLI (someone else's container)."""
    docker('run', '-d', '--name', name, *(list(args) + [image]))
    return container_id(name)


def build_image(tag, dockerfile, files=None):
    """Build ``tag`` from ``dockerfile`` text with the docker CLI (a local image)."""
    ctx = tempfile.mkdtemp(prefix='berth-ctx-')
    try:
        with open(os.path.join(ctx, 'Dockerfile'), 'w') as handle:
            handle.write(dockerfile)
        for fname, content in (files or {}).items():
            with open(os.path.join(ctx, fname), 'w') as handle:
                handle.write(content)
        docker('build', '-q', '-t', tag, ctx)
    finally:
        shutil.rmtree(ctx, ignore_errors=True)
    return inspect('image', tag)['Id']
