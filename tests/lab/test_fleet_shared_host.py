"""playbooks/site.yml and rolling_update.yml in fleet mode where one host is in both dbservers and webservers:
a lab fleet of one web node, which is also the database host, and one node that is the load balancer and the
registry host (group registry). Both tiers of the web stack are one compose project on the shared host, each
deployed by its own play, so each play must keep the other tier's containers (web_stack_remove_orphans
false there, playbooks/vars/fleet.yml) and the web replicas must reach the database beside them.

The light web tier of test_fleet_site.py. site.yml runs four times (check, real, check, real: check mode
predicts every change of the real run: exactly on the lb node, and on the shared host one more, its project
directory, which the db tier's play makes first; the last two change nothing); the shared host then runs the
database and the whole web tier, every replica answers through the load balancer and reaches the database
itself (GET /cgi-bin/db), the database port refuses this machine. A rolling update to a new version replaces
the replicas and leaves the database container as it was (the same container, never restarted)."""

import os
import time
from collections import Counter

import pytest
import yaml

from tests.lab.test_fleet_registry import REGISTRY_IMAGE, _base_image, _load, _registry_image
from tests.lab.test_fleet_site import DB_PORT, PROJECT, ROLLING_UPDATE, SITE, _changed, _connect, _derive, _light_vars
from tests.lab.test_fleet_site import _services
from tests.support.ansible_run import run_playbook, run_tasks
from tests.support.haproxy import http_get, wait_until
from tests.support.lab import fleet_vars, lab, lab_image, lab_key  # pylint: disable=unused-import  # noqa: F401

pytestmark = pytest.mark.slow


def _shared_inventory(path, web, lb, key):
    """webservers and dbservers: the one web node; loadbalancers and registry: the lb node."""
    data = {'all': {
        'vars': fleet_vars(key),
        'children': {
            'webservers': {'hosts': {web.name: {'ansible_host': web.ip}}},
            'dbservers': {'hosts': {web.name: None}},
            'loadbalancers': {'hosts': {lb.name: {'ansible_host': lb.ip}}},
            'registry': {'hosts': {lb.name: None}},
        },
    }}
    with open(path, 'w') as handle:
        yaml.safe_dump(data, handle, sort_keys=False)
    return path


def _container(node, service, fmt='{{.Id}} {{.State.StartedAt}}'):
    return node.sh("docker inspect -f '%s' %s-%s-1" % (fmt, PROJECT, service)).stdout.strip()


def _db_answers(lb, count=4):
    answers = []
    for _n in range(count):
        status, body = http_get(80, '/cgi-bin/db', host=lb.ip)
        assert status == 200, (status, body)
        answers.append(body.strip())
    return answers


def test_a_host_in_dbservers_and_webservers_keeps_both_tiers(lab, tmp_path, busybox_image, web_image, debian_image):  # noqa: F811
    started = time.time()
    _registry_image(_base_image(debian_image), tmp_path)
    fleet = lab.fleet(web=1)
    lb, shared = fleet.lb, fleet.web[0]
    inventory = _shared_inventory(os.path.join(str(tmp_path), 'shared.yml'), shared, lb, lab.key)
    engine = [{'name': 'engine', 'ansible.builtin.include_role': {'name': 'berth.docker.engine'}}]
    run_tasks(engine, hosts='all', inventory=inventory, timeout=1200).assert_ok()
    _load(lb, REGISTRY_IMAGE, busybox_image, web_image)
    image_prefix = lab.prefix
    lb.sh('docker tag %s %snginx:1' % (web_image, image_prefix))
    extra = _light_vars(web_image, busybox_image, image_prefix)
    print('fleet, engines and images ready after %.0f s' % (time.time() - started))

    runs = []
    for check in (True, False, True, False):
        run = run_playbook(SITE, check=check, inventory=inventory, extra_vars=extra, timeout=1800)
        assert run.rc == 0 and not run.failed, run.output[-8000:]
        runs.append(run)
    check, real, check2, real2 = runs
    assert set(_changed(real)) == {shared.name, lb.name}, _changed(real)
    predicted, changed = _changed(check), _changed(real)
    assert predicted[lb.name] == changed[lb.name], (predicted[lb.name], changed[lb.name])
    # the shared host: every change is predicted, and one more: check mode cannot know that the db tier's play
    # made the project directory before the web tier's play looks at it (each tier writes only its own files
    # in it, so that is the only one; docs/fleet.md)
    extra_predictions = Counter(predicted[shared.name]) - Counter(changed[shared.name])
    assert extra_predictions == Counter(['berth.docker.web_stack : Project directory']), (predicted[shared.name], changed[shared.name])
    assert not Counter(changed[shared.name]) - Counter(predicted[shared.name])
    assert not check2.changed, check2.output[-6000:]
    assert not real2.changed, real2.output[-6000:]
    print('site.yml four runs done after %.0f s' % (time.time() - started))

    # both tiers on the shared host, one project; nothing of the stack on the lb node
    assert _services(shared) == ['db', 'php', 'static', 'web1', 'web2'], _services(shared)
    assert _services(lb) == [], _services(lb)
    # each tier's compose file its own (else each play rewrote the other's, a change on every run)
    files = shared.sh('ls /srv/berth/web_stack').stdout.split()
    assert 'docker-compose.db.yaml' in files and 'docker-compose.web.yaml' in files, files
    assert 'db:' in shared.sh('cat /srv/berth/web_stack/docker-compose.db.yaml').stdout
    assert 'web1:' in shared.sh('cat /srv/berth/web_stack/docker-compose.web.yaml').stdout
    # the database published on the shared host's address, refused from this machine
    ports = shared.sh('docker port %s-db-1 %d/tcp' % (PROJECT, DB_PORT)).stdout.split()
    assert ports == ['%s:%d' % (shared.ip, DB_PORT)], ports
    assert _connect(shared.ip, DB_PORT) == 'ConnectionRefusedError'

    # every replica answers through the load balancer, and reaches the database from inside its container
    replicas = ['%s-web1' % shared.name, '%s-web2' % shared.name]
    wait_until(lambda: http_get(80, '/', host=lb.ip)[0] == 200, timeout=60, what='a first answer through HAProxy')
    answers = [http_get(80, '/', host=lb.ip)[1].splitlines()[0] for _n in range(4)]
    assert set(answers) == {'%s 1' % r for r in replicas}, answers
    assert set(_db_answers(lb)) == {'%s 1 db reachable' % r for r in replicas}

    # a rolling update replaces the replicas only: the database is the same container, never restarted
    db_before = _container(shared, 'db')
    _derive(lb, '%snginx:1' % image_prefix, '%snginx:2' % image_prefix, 'LABEL org.berth.test.version=2')
    roll = run_playbook(ROLLING_UPDATE, inventory=inventory, extra_vars=dict(extra, web_stack_version='2'), timeout=1200)
    assert roll.rc == 0 and not roll.failed, roll.output[-8000:]
    assert _container(shared, 'db') == db_before
    assert _services(shared) == ['db', 'php', 'static', 'web1', 'web2'], _services(shared)
    wait_until(lambda: set(http_get(80, '/', host=lb.ip)[1].splitlines()[0] for _n in range(4)) == {'%s 2' % r for r in replicas},
               timeout=60, what='both replicas on version 2')
    assert set(_db_answers(lb)) == {'%s 2 db reachable' % r for r in replicas}
    # and site.yml with version 2 finds nothing to do, on either host
    again = run_playbook(SITE, check=True, inventory=inventory, extra_vars=dict(extra, web_stack_version='2'), timeout=1800)
    assert again.rc == 0 and not again.changed, (again.changed, again.output[-6000:])
    assert _container(shared, 'db') == db_before
    print('done after %.0f s' % (time.time() - started))
