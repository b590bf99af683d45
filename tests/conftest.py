"""Shared fixtures: the real engine, test images, random name prefixes, free ports."""

import os
import socket
import subprocess
import sys
import uuid

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# unit tests import the collection as ansible_collections.berth.docker (via the symlink)
sys.path.insert(0, os.path.join(ROOT, 'collections'))
sys.path.insert(0, ROOT)

from tests.support import docker_cli, images  # noqa: E402


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = str(item.fspath)
        if os.sep + 'integration' + os.sep in path:
            item.add_marker(pytest.mark.integration)
        if os.sep + 'lab' + os.sep in path:
            item.add_marker(pytest.mark.lab)
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope='session')
def engine():
    """A Docker engine answering on /var/run/docker.sock (installed and started if needed)."""
    subprocess.run([os.path.join(ROOT, 'tools', 'ensure-engine.sh')], check=True)
    return '/var/run/docker.sock'


@pytest.fixture
def prefix(engine):
    """A random name prefix for this test's resources; everything carrying it is removed after."""
    value = 'berth%s-' % uuid.uuid4().hex[:6]
    yield value
    docker_cli.cleanup(value)


@pytest.fixture(scope='session')
def busybox_image(engine):
    return images.ensure_busybox()


@pytest.fixture(scope='session')
def web_image(engine):
    return images.ensure_web()


@pytest.fixture(scope='session')
def debian_image(engine):
    return images.ensure_debian()


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.fixture
def port():
    return free_port()
