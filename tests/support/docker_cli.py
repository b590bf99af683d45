"""The docker CLI as an independent witness: tests set up fixtures and check results with
it, never with the module code under test."""

import json
import os
import subprocess

ENV = dict(os.environ, DOCKER_BUILDKIT='0', DOCKER_CLI_HINTS='false')


def docker(*args, check=True, input=None, timeout=600):
    proc = subprocess.run(['docker'] + [str(a) for a in args], input=input, env=ENV, timeout=timeout,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=False)
    if check and proc.returncode != 0:
        raise AssertionError('docker %s failed (rc=%s): %s' % (
            ' '.join(map(str, args)), proc.returncode, proc.stderr.strip() or proc.stdout.strip()))
    return proc


def inspect(kind, name):
    """`docker KIND inspect NAME` as a dict, or None when it does not exist."""
    proc = docker(kind, 'inspect', name, check=False)
    if proc.returncode != 0:
        return None
    return json.loads(proc.stdout)[0]


def exists(kind, name):
    return inspect(kind, name) is not None


def names(kind, prefix):
    """Names (or image references) of the objects of ``kind`` that start with ``prefix``."""
    if kind == 'container':
        out = docker('ps', '-a', '--format', '{{.Names}}').stdout
    elif kind == 'network':
        out = docker('network', 'ls', '--format', '{{.Name}}').stdout
    elif kind == 'volume':
        out = docker('volume', 'ls', '--format', '{{.Name}}').stdout
    else:
        out = docker('images', '--format', '{{.Repository}}:{{.Tag}}').stdout
    found = [n for n in out.split() if n.startswith(prefix) or ('/' + prefix) in n]
    if kind == 'container':
        # a replacement that failed before the fix could leave the old container renamed aside as
        # <short id>_<name>: still this test's, so still cleaned up
        found += [n for n in out.split() if n not in found and ('_' + prefix) in n]
    return found


def cleanup(prefix):
    """Remove every container, network, volume and image whose name starts with ``prefix``."""
    for name in names('container', prefix):
        docker('rm', '-f', '-v', name, check=False)
    for name in names('network', prefix):
        docker('network', 'rm', name, check=False)
    for name in names('volume', prefix):
        docker('volume', 'rm', '-f', name, check=False)
    for name in names('image', prefix):
        docker('rmi', '-f', name, check=False)
