"""playbooks/fleet_registry.yml on two lab nodes: the registry (the site's docker-registry image) on r1
with TLS and htpasswd, published on r1's address; w1 trusts the generated CA in
/etc/docker/certs.d/R1:5443/ca.crt (no insecure-registries entry), logs in with the generated
credentials and pulls the image r1 pushed once. Four-step idempotence over the whole play; the
CA key and the password stay 0600 on the controller; a pull without credentials is refused.
Witnesses: the docker CLI and files inside the nodes (docker exec), files on the controller.

The registry image is built here once (cached by its build hash, the same Dockerfile and config
playbooks/tasks/fleet_registry.yml templates) and loaded into r1 with the busybox image, so the play
finds it up to date and builds nothing on the nodes."""

import json
import os
import stat
import subprocess
import time

import pytest
import yaml

from tests.support.ansible_run import ROOT, run_playbook, run_tasks
from tests.support.lab import lab, lab_image, lab_key  # pylint: disable=unused-import  # noqa: F401

pytestmark = pytest.mark.slow

PLAY = os.path.join(ROOT, 'playbooks', 'fleet_registry.yml')
REGISTRY_IMAGE = 'berth-test/fleet-registry:1'
BASE_IMAGE = 'berth-test/debian-root755:bookworm'
PORT = 5443


def _base_image(debian_image):
    """The Debian test base with / at 0755: the debootstrap'ed berth-test/debian:bookworm carries its
    temporary directory's 0700 as the root entry of its layer, which the nested engine's vfs keeps, so the
    registry's own user could not even exec /bin/sh there (re-imported from a container export, which has
    no root entry)."""
    if subprocess.run(['docker', 'image', 'inspect', BASE_IMAGE], stdout=subprocess.DEVNULL,
                      stderr=subprocess.DEVNULL, check=False).returncode == 0:
        return BASE_IMAGE
    cid = subprocess.run(['docker', 'create', debian_image, 'true'], stdout=subprocess.PIPE, text=True,
                         check=True).stdout.strip()
    try:
        export = subprocess.Popen(['docker', 'export', cid], stdout=subprocess.PIPE)
        subprocess.run(['docker', 'import', '--change', 'CMD ["/bin/bash"]', '-', BASE_IMAGE], stdin=export.stdout,
                       stdout=subprocess.DEVNULL, check=True)
        assert export.wait() == 0
    finally:
        subprocess.run(['docker', 'rm', '-f', cid], stdout=subprocess.DEVNULL, check=False)
    return BASE_IMAGE


def _registry_image(base_image, tmp_path):
    """berth-test/fleet-registry:1 on this machine's engine, from the same templated context."""
    context = str(tmp_path / 'registry-image')
    files = os.path.join(ROOT, 'playbooks', 'files', 'registry')
    tasks = [
        {'name': 'context', 'ansible.builtin.file': {'path': context, 'state': 'directory', 'mode': '0755'}},
        {'name': 'files', 'ansible.builtin.template': {'src': '{{ item.src }}', 'dest': context + '/{{ item.dest }}',
                                                       'mode': '0644'},
         'loop': [{'src': files + '/config.yml', 'dest': 'config.yml'},
                  {'src': files + '/Dockerfile.j2', 'dest': 'Dockerfile'}],
         'vars': {'__berth_registry_base_image': base_image}},
        {'name': 'image', 'berth.docker.image': {'name': REGISTRY_IMAGE, 'source': 'build', 'build': {'path': context}}},
    ]
    run_tasks(tasks, timeout=1200).assert_ok()


def _load(node, *names):
    save = subprocess.Popen(['docker', 'save'] + list(names), stdout=subprocess.PIPE)
    subprocess.run(['docker', 'exec', '-i', node.name, 'docker', 'load', '-q'], stdin=save.stdout, check=True,
                   stdout=subprocess.DEVNULL, timeout=600)
    assert save.wait() == 0


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_registry_over_tls_with_login_on_two_nodes(lab, tmp_path, busybox_image, debian_image):  # noqa: F811
    started = time.time()
    base_image = _base_image(debian_image)
    _registry_image(base_image, tmp_path)
    r1, w1 = lab.node('r1'), lab.node('w1')
    inv_dir = tmp_path / 'inventory'
    inv_dir.mkdir()
    inventory = str(inv_dir / 'fleet.yml')
    with open(inventory, 'w') as handle:
        yaml.safe_dump({'all': {'children': {
            'registry': {'hosts': {r1.name: r1.hostvars()}},
            'web': {'hosts': {w1.name: w1.hostvars()}},
        }}}, handle, sort_keys=False)

    engine = [{'name': 'engine', 'ansible.builtin.include_role': {'name': 'berth.docker.engine'}}]
    run_tasks(engine, hosts='all', inventory=inventory, timeout=1200).assert_ok()
    _load(r1, REGISTRY_IMAGE, busybox_image)
    print('engines and images ready after %.0f s' % (time.time() - started))

    extra = {
        'berth_registry_image': REGISTRY_IMAGE,
        'berth_registry_base_image': base_image,
        'berth_registry_push_images': [busybox_image],
    }
    endpoint = '%s:%d' % (r1.ip, PORT)
    pulled = '%s/%s' % (endpoint, busybox_image)

    # four steps: check predicts what the run changes, then nothing to do
    runs = []
    for check in (True, False, True, False):
        run = run_playbook(PLAY, check=check, inventory=inventory, extra_vars=extra)
        assert run.rc == 0 and not run.failed, run.output[-8000:]
        runs.append(run)
    check, real, check2, real2 = runs
    assert real.changed and check.changed == real.changed, (check.changed, real.changed)
    assert not check2.changed, check2.output[-6000:]
    assert not real2.changed, real2.output[-6000:]
    print('four steps done after %.0f s' % (time.time() - started))

    # controller: the credentials next to the inventory, secrets 0600 in a 0700 directory
    creds = inv_dir / '.credentials' / r1.name / 'registry'
    assert _mode(str(creds)) == 0o700
    for name in ('ca.key', 'server.key', 'password', 'htpasswd'):
        assert _mode(str(creds / name)) == 0o600, name
    password = (creds / 'password').read_text().split()[0]
    assert (creds / 'htpasswd').read_text().startswith('berth:$2')
    san = subprocess.run(['openssl', 'x509', '-noout', '-ext', 'subjectAltName', '-in', str(creds / 'server.crt')],
                         stdout=subprocess.PIPE, text=True, check=True).stdout
    assert 'IP Address:%s' % r1.ip in san and 'DNS:%s' % r1.name in san, san
    assert subprocess.run(['openssl', 'verify', '-CAfile', str(creds / 'ca.crt'), str(creds / 'server.crt')],
                          check=False, stdout=subprocess.DEVNULL).returncode == 0

    # registry host: key and htpasswd 0600, owned by the user the registry runs as; TLS + auth in force
    uid = r1.sh('docker exec berth-fleet-registry id -u').stdout.strip()
    for name in ('server.key', 'htpasswd'):
        assert r1.sh('stat -c "%%a %%u" /etc/berth/fleet-registry/%s' % name).stdout.split() == ['600', uid], name
    assert r1.sh("docker inspect -f '{{.State.Running}}' berth-fleet-registry").stdout.strip() == 'true'

    # w1: trust through certs.d, no insecure registry; logged in; the image pulled, not built
    assert w1.sh('cat /etc/docker/certs.d/%s/ca.crt' % endpoint).stdout == (creds / 'ca.crt').read_text()
    daemon = w1.sh('cat /etc/docker/daemon.json 2>/dev/null || true').stdout
    assert 'insecure-registries' not in daemon, daemon
    registry_config = json.loads(w1.sh("docker info --format '{{json .RegistryConfig}}'").stdout)
    assert registry_config['IndexConfigs'].get(endpoint, {'Secure': True})['Secure'] is True, registry_config
    assert registry_config['InsecureRegistryCIDRs'] == ['127.0.0.0/8'], registry_config
    assert endpoint in w1.sh('cat /root/.docker/config.json').stdout
    assert w1.sh('docker image inspect -f "{{.Id}}" %s' % pulled, check=False).returncode == 0
    assert w1.sh('docker image inspect %s' % REGISTRY_IMAGE, check=False).returncode != 0
    assert w1.sh('docker run --rm %s echo pulled-over-tls' % pulled).stdout.strip() == 'pulled-over-tls'

    # without credentials the registry refuses (a fresh client config), with them it serves
    w1.sh('docker rmi %s' % pulled)
    anon = w1.sh('mkdir -p /tmp/anon && DOCKER_CONFIG=/tmp/anon docker pull %s' % pulled, check=False)
    assert anon.returncode != 0 and ('no basic auth credentials' in anon.stderr or 'unauthorized' in anon.stderr), anon
    ca = '/etc/docker/certs.d/%s/ca.crt' % endpoint
    answer = w1.sh('python3 -c "import ssl,urllib.request,urllib.error\n'
                   'ctx = ssl.create_default_context(cafile=\'%s\')\n'
                   'try:\n urllib.request.urlopen(\'https://%s/v2/\', context=ctx)\n'
                   'except urllib.error.HTTPError as e:\n print(e.code)"' % (ca, endpoint)).stdout.strip()
    assert answer == '401'
    w1.sh('docker pull -q %s' % pulled)
    assert password not in w1.sh('cat /etc/docker/daemon.json 2>/dev/null || true').stdout
    # the password never shows in the play's output
    for run in runs:
        assert password not in run.output
    print('done after %.0f s' % (time.time() - started))
