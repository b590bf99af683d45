"""berth.docker.compose and docker compose v2 adopt each other's containers: on a Debian trixie lab
node (docker.io 26 through berth.docker.engine, and trixie's own compose v2, the ``docker-compose``
package: 2.26.1, built with compose-go 2.4.8; trixie has no ``docker-compose-v2`` package),

(a) ``docker compose up -d`` on a project berth.docker.compose created recreates nothing (same
    container IDs) and ``docker compose ps`` lists berth's containers;
(b) berth.docker.compose on a project ``docker compose up -d`` created recreates nothing either
    (check mode plans nothing, the real run changes nothing), and compose, run again afterwards,
    still keeps everything.

Compose v2 recreates a container when its ``com.docker.compose.config-hash`` label differs from
its own hash of the service (compose/v2hash.py emulates it) or its ``com.docker.compose.image``
label from the ID of the service's image, so this passes once berth writes and accepts those.

Needs the node to reach the Debian mirror for the docker-compose package (docker.io comes from the
node image's apt cache). Marked lab (by its directory) + slow.
"""

import json
import subprocess

import pytest

from tests.support.ansible_run import four_step, run_tasks
from tests.support.docker_cli import docker
from tests.support.lab import lab, lab_image, lab_key, trixie_image  # pylint: disable=unused-import  # noqa: F401

pytestmark = pytest.mark.slow

# every group of keys berth's compose loader normalises, in short and long syntaxes
COMPOSE_FILE = """\
services:
  web:
    image: %(image)s
    command: ["sleep", "600"]
    init: true
    ports:
      - "127.0.0.1:%(port)d:80"
      - target: 81
        published: "%(port2)d"
        host_ip: 127.0.0.1
    expose: ["3000"]
    environment:
      TIER: web
      FROM_DOTENV:
    env_file: app.env
    volumes:
      - data:/data
      - ./conf:/conf:ro
      - /anon
    networks:
      front:
        aliases: [www]
      back: {}
    labels:
      org.example.tier: web
    healthcheck:
      test: ["CMD", "true"]
      interval: 2s
      retries: 3
    depends_on:
      db:
        condition: service_started
    restart: unless-stopped
    stop_grace_period: 5s
    extra_hosts: ["somehost:10.1.2.3"]
    ulimits:
      nofile:
        soft: 1024
        hard: 2048
  db:
    image: %(image)s
    command: sleep 600
    networks: [back]
    environment:
      - ROLE=db
    deploy:
      resources:
        limits:
          memory: 64m
    scale: 2
  tool:
    image: %(image)s
    entrypoint: /bin/sh -c
    command: ["sleep 600"]
    network_mode: none
    tmpfs: /run
    labels: [org.example.kind=tool]
volumes:
  data: {}
networks:
  front: {}
  back: {}
"""


def _load(node, image):
    save = subprocess.Popen(['docker', 'save', image], stdout=subprocess.PIPE)
    subprocess.run(['docker', 'exec', '-i', node.name, 'docker', 'load', '-q'], stdin=save.stdout, check=True,
                   stdout=subprocess.DEVNULL)
    save.wait()


def _write(node, path, text):
    docker('exec', '-i', node.name, 'sh', '-c', 'mkdir -p "$(dirname %s)" && cat > %s' % (path, path), input=text)


def _write_project(node, directory, image, port):
    _write(node, directory + '/compose.yaml', COMPOSE_FILE % dict(image=image, port=port, port2=port + 1))
    _write(node, directory + '/.env', 'FROM_DOTENV=dotenv-value\n')
    _write(node, directory + '/app.env', 'APP_MODE=lab\nTIER=overridden-by-environment\n')
    node.sh('mkdir -p %s/conf && echo conf > %s/conf/app.conf' % (directory, directory))


def _ids(node, project):
    """{container name: ID} of the project's containers."""
    out = node.sh("docker ps -a --no-trunc --filter label=com.docker.compose.project=%s --format '{{.Names}} {{.ID}}'"
                  % project).stdout
    return dict(line.split() for line in out.splitlines() if line.strip())


def _compose(node, directory, project, args):
    return node.sh('cd %s && docker compose -p %s %s 2>&1' % (directory, project, args), timeout=600).stdout


def _compose_ps_ids(node, directory, project):
    return set(_compose(node, directory, project, 'ps -a -q --no-trunc').split())


def _labels(node, name):
    return json.loads(node.sh('docker inspect %s' % name).stdout)[0]['Config']['Labels']


def test_compose_v2_interoperability(lab, trixie_image, busybox_image, prefix):  # noqa: F811
    node = lab.node('t1', image=trixie_image)
    kw = {'hosts': node.name, 'inventory': lab.inventory([node])}
    # Docker >= 26 and the node's read-only /proc/sys/net/ipv6 (see test_newer_engine_lab.py)
    node.sh('mkdir -p /etc/systemd/system/docker.service.d && printf "[Service]\\nEnvironment='
            'DOCKER_ALLOW_IPV6_ON_IPV4_INTERFACE=1\\n" > /etc/systemd/system/docker.service.d/lab.conf')
    run_tasks([{'name': 'engine', 'berth.docker.engine': {}}], **kw).assert_ok()
    _load(node, busybox_image)

    # trixie's compose v2 is the docker-compose package (the CLI plugin and /usr/bin/docker-compose);
    # python3-yaml (in the node image's apt cache) lets berth.docker.compose read the compose files
    policy = node.sh('apt-cache policy docker-compose docker-compose-v2').stdout
    candidate = [line.split(':', 1)[1].strip() for line in policy.splitlines() if line.strip().startswith('Candidate:')]
    assert candidate and candidate[0].startswith('2.'), policy
    node.sh('DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker-compose python3-yaml >/dev/null',
            timeout=900)
    version = node.sh('docker compose version --short').stdout.strip()
    assert version.startswith('2.'), version

    # (a) berth creates the project, compose up keeps every container
    name_a, dir_a = prefix + 'bertha', '/root/bertha'
    _write_project(node, dir_a, busybox_image, 18180)
    task_a = [{'name': 'stack', 'berth.docker.compose': {'project_src': dir_a, 'project_name': name_a}}]
    four_step(task_a, **kw)
    before = _ids(node, name_a)
    assert sorted(before) == sorted(['%s-web-1' % name_a, '%s-db-1' % name_a, '%s-db-2' % name_a,
                                     '%s-tool-1' % name_a])
    web = _labels(node, '%s-web-1' % name_a)
    assert web['com.docker.compose.image'].startswith('sha256:'), web
    output = _compose(node, dir_a, name_a, 'up -d')
    assert _ids(node, name_a) == before, output
    assert 'Recreate' not in output, output
    assert _compose_ps_ids(node, dir_a, name_a) == set(before.values())
    # and berth, run again after compose, still has nothing to do
    assert not run_tasks(task_a, **kw).assert_ok().changed
    assert _ids(node, name_a) == before

    # (b) compose creates the project, berth adopts it without recreating anything
    name_b, dir_b = prefix + 'composeb', '/root/composeb'
    _write_project(node, dir_b, busybox_image, 18190)
    output = _compose(node, dir_b, name_b, 'up -d')
    before = _ids(node, name_b)
    assert len(before) == 4, output
    task_b = [{'name': 'stack', 'berth.docker.compose': {'project_src': dir_b, 'project_name': name_b}}]
    check = run_tasks(task_b, check=True, **kw).assert_ok()
    planned = [a for a in check.task('stack').get('actions') or [] if a.get('what') == 'container']
    assert not check.changed and not planned, check.task('stack').get('actions')
    real = run_tasks(task_b, **kw).assert_ok()
    assert not real.changed, real.task('stack').get('actions')
    assert _ids(node, name_b) == before
    output = _compose(node, dir_b, name_b, 'up -d')
    assert _ids(node, name_b) == before, output

    # berth's down removes what compose created
    gone = [{'name': 'stack', 'berth.docker.compose': {'project_src': dir_b, 'project_name': name_b, 'state': 'absent'}}]
    run_tasks(gone, **kw).assert_ok()
    assert _ids(node, name_b) == {}
