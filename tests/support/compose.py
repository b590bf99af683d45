"""Shared helpers of the compose tests: project directories and the docker / docker-compose CLIs as witnesses."""

import json
import os
import subprocess
import urllib.request

import yaml

from tests.support.docker_cli import ENV, docker

LABEL_PROJECT = 'com.docker.compose.project'


def write_project(directory, compose, name='compose.yaml', extra_files=None):
    """Write ``compose`` (a dict) to ``directory/name`` (plus {relative path: text} files)."""
    os.makedirs(str(directory), exist_ok=True)
    path = os.path.join(str(directory), name)
    with open(path, 'w') as handle:
        yaml.safe_dump(compose, handle, sort_keys=False)
    for rel, text in (extra_files or {}).items():
        full = os.path.join(str(directory), rel)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, 'w') as handle:
            handle.write(text)
    return path


def project_containers(project):
    """{name: inspect} of every container labelled with the project (the docker CLI as witness)."""
    out = docker('ps', '-a', '-q', '--filter', 'label=%s=%s' % (LABEL_PROJECT, project)).stdout.split()
    if not out:
        return {}
    data = json.loads(docker('inspect', *out).stdout)
    return dict((c['Name'].lstrip('/'), c) for c in data)


def running_names(project):
    return sorted(n for n, c in project_containers(project).items() if c['State']['Running'])


def ids(project):
    return dict((n, c['Id']) for n, c in project_containers(project).items())


def project_networks(project):
    out = docker('network', 'ls', '-q', '--filter', 'label=%s=%s' % (LABEL_PROJECT, project)).stdout.split()
    return sorted(json.loads(docker('network', 'inspect', *out).stdout)[i]['Name'] for i in range(len(out))) if out else []


def project_volumes(project):
    return sorted(docker('volume', 'ls', '-q', '--filter', 'label=%s=%s' % (LABEL_PROJECT, project)).stdout.split())


def docker_compose(directory, project, *args, check=True):
    """Debian's docker-compose 1.29 (the v1 CLI) in the project directory."""
    proc = subprocess.run(['docker-compose', '-p', project] + list(args), cwd=str(directory), env=ENV,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300, check=False)
    if check and proc.returncode != 0:
        raise AssertionError('docker-compose %s failed: %s%s' % (' '.join(args), proc.stdout, proc.stderr))
    return proc


def http_get(port, path='/', timeout=5):
    with urllib.request.urlopen('http://127.0.0.1:%d%s' % (port, path), timeout=timeout) as response:
        return response.read().decode()


def compose_task(name='compose', **options):
    return {'name': name, 'berth.docker.compose': options, 'register': 'result'}
