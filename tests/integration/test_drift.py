"""playbooks/drift.yml on this host (docs/drift.md): site.yml's declared state in check mode, the
berth.docker.drift callback's JSON report and the exit status. After a real site.yml run (light web
tier, private HAProxy) the report is empty and the exit 0; then three hand edits on the host (a web
replica container removed with `docker rm -f`, the other replica's environment edited in the rendered
docker-compose.yaml, a server weight added to the rendered haproxy.cfg) make it exit non-zero with each
of the three named (host, what, field), no password anywhere in the report or the output, and nothing
changed on the host (container IDs and states, both files byte for byte, the HAProxy master and its
workers). Without --check it refuses to start and changes nothing either."""

import json
import os

from tests.support import docker_cli
from tests.support.ansible_run import ROOT, run_playbook
from tests.support.web_stack import SITE
from tests.support.web_stack import stack_fixture  # noqa: F401 (pytest fixture stack)

FIXTURES = (stack_fixture,)

DRIFT = os.path.join(ROOT, 'playbooks', 'drift.yml')
# the test runner enables its own recorder through the environment, which replaces ansible.cfg's list
CALLBACKS = {'ANSIBLE_CALLBACKS_ENABLED': 'berth_record,berth.docker.drift'}


def run_drift(extra_vars, report, check=True):
    run = run_playbook(DRIFT, check=check, diff=True, extra_vars=dict(extra_vars, berth_drift_report=report), env=CALLBACKS)
    with open(report) as handle:
        return run, json.load(handle), handle.name


def host_state(stack):
    """What must not move: every container of the project (ID, state, start time), the two rendered files,
    the HAProxy master and its workers."""
    containers = {}
    for name in stack.containers():
        data = docker_cli.inspect('container', name)
        containers[name] = (data['Id'], data['State']['Status'], data['State']['StartedAt'])
    with open(stack.lb.cfg, 'rb') as handle:
        cfg = handle.read()
    with open(os.path.join(stack.project_dir, 'docker-compose.yaml'), 'rb') as handle:
        compose = handle.read()
    return {'containers': containers, 'haproxy.cfg': cfg, 'docker-compose.yaml': compose,
            'master': stack.lb.master_pid(), 'workers': sorted(stack.lb.workers())}


def edit_line(path, after_line, startswith, old, new):
    """Replace ``old`` by ``new`` in the first line starting with ``startswith`` after the line ``after_line``."""
    with open(path) as handle:
        lines = handle.read().split('\n')
    start = lines.index(after_line)
    index = next(i for i in range(start + 1, len(lines)) if lines[i].startswith(startswith))
    assert old in lines[index], lines[index]
    lines[index] = lines[index].replace(old, new)
    with open(path, 'w') as handle:
        handle.write('\n'.join(lines))
    return lines[index]


def changes(report, host='localhost'):
    """[(task, module, change)] of one host."""
    return [(entry['task'], entry['module'], change) for entry in report['hosts'][host]['changes'] for change in entry['changes']]


def test_drift_reports_hand_edits_and_changes_nothing(stack, web_image, busybox_image, tmp_path):
    extra_vars = stack.vars(light=True, web_image=web_image, busybox_image=busybox_image)
    run_playbook(SITE, extra_vars=extra_vars).assert_ok()
    stats_password = stack.stats_password()
    with open(os.path.join(stack.credentials, 'mariadb_root_password')) as handle:
        db_password = handle.read().split()[0]

    # in sync: exit 0, an empty report, the table says so
    run, report, path = run_drift(extra_vars, str(tmp_path / 'in-sync.json'))
    assert run.rc == 0, run.output[-6000:]
    assert report['status'] == 'in_sync' and report['complete'] and report['check_mode'] and report['diff_mode'], report
    assert report['hosts'] == {'localhost': {'changes': [], 'errors': []}}, report['hosts']
    assert report['summary'] == {'hosts': 1, 'hosts_with_drift': 0, 'changes': 0, 'errors': 0}
    assert 'No drift: nothing would change.' in run.output
    assert oct(os.stat(path).st_mode & 0o777) == '0o600'

    # three hand edits on the host
    web1, web2 = stack.project + '-web1-1', stack.project + '-web2-1'
    docker_cli.docker('rm', '-f', web1)
    compose_file = os.path.join(stack.project_dir, 'docker-compose.yaml')
    edit_line(compose_file, '  web2:', '    environment:', '"WEB_VERSION": "1"', '"WEB_VERSION": "1-hotfix"')
    edit_line(stack.lb.cfg, 'backend app', '    server web2 ', ' check', ' weight 50 check')
    before = host_state(stack)
    assert web1 not in before['containers'] and web2 in before['containers']

    run, report, path = run_drift(extra_vars, str(tmp_path / 'drift.json'))
    assert run.rc != 0, run.output[-6000:]
    assert report['status'] == 'drift' and report['complete'], json.dumps(report, indent=1)[-6000:]
    assert report['summary']['errors'] == 0 and report['summary']['hosts_with_drift'] == 1, report['summary']
    found = changes(report)
    text = json.dumps(report, indent=1)

    # 1. the removed replica: the compose task would create it again, and says why
    created = [c for task, module, c in found if module == 'berth.docker.compose' and c['action'] == 'create']
    assert [c['what'] for c in created] == ['container ' + web1], text
    assert created[0]['why'] == 'replica 1 is missing' and created[0]['service'] == 'web1', created
    # 2. the hand-edited environment of the other replica, field by field from the template's diff
    env = [c for task, module, c in found if module == 'ansible.builtin.template' and c['what'] == 'file ' + compose_file]
    assert len(env) == 1, text
    fields = [f for f in env[0]['fields'] if f['field'] == 'services > web2 > environment']
    assert len(fields) == 1 and len(env[0]['fields']) == 1, env
    assert '"WEB_VERSION": "1-hotfix"' in fields[0]['before'] and '"WEB_VERSION": "1"' in fields[0]['after'], fields
    # 3. the server weight in haproxy.cfg, field by field from the module's diff
    lb = [c for task, module, c in found if module == 'berth.docker.haproxy']
    assert [c['action'] for c in lb] == ['update', 'reload'] and lb[0]['what'] == 'file ' + stack.lb.cfg, text
    assert [f['field'] for f in lb[0]['fields']] == ['backend app > server web2'], lb
    assert 'weight 50' in lb[0]['fields'][0]['before'] and 'weight' not in lb[0]['fields'][0]['after'], lb
    # nothing else (the reload is the consequence of 3.), and the table names all three
    assert len(found) == 4, text
    table = report['table']
    assert table.splitlines()[0].split(' | ')[0].strip() == 'HOST' and len(table.splitlines()) == 5, table
    for needle in ('create container %s (replica 1 is missing)' % web1,
                   'services > web2 > environment: "WEB_VERSION": "1-hotfix", -> "WEB_VERSION": "1",',
                   'backend app > server web2: weight 50 -> (none)'):
        assert needle in table and needle in run.output, (needle, table)

    # no password anywhere, and the host is exactly as the hand edits left it
    for secret in (stats_password, db_password):
        assert secret not in text and secret not in run.output
    assert host_state(stack) == before
    assert not docker_cli.exists('container', web1)

    # without --check it refuses before site.yml starts: non-zero, status refused, nothing changed
    run, report, path = run_drift(extra_vars, str(tmp_path / 'refused.json'), check=False)
    assert run.rc != 0 and 'refuses to run without check and diff mode' in run.output, run.output[-4000:]
    assert report['status'] == 'refused' and report['hosts']['localhost']['changes'] == [], report
    assert report['table'].startswith('Refused: nothing was compared'), report['table']
    assert not [r for r in run.records if r['task'] not in (
        'The report file and this run\'s id (they switch the berth.docker.drift callback on)',
        'Drift only reads - it runs with --check --diff or not at all')], [r['task'] for r in run.records]
    assert host_state(stack) == before
