"""The reference haproxy.cfg in full: playbooks/site.yml deploys the static-file service of the web_stack
role (service `static`, light tier: busybox httpd on the role's document root) and the HAProxy play
passes it as haproxy_static_servers, so the rendered configuration holds the tutorial's url_static ACLs,
`use_backend static if url_static` and `backend static`. Requests matching the ACLs reach the static
container (its own log and HAProxy's session counters say so), everything else the web replicas in
round robin. Four runs (check, real, check, real: the last two change nothing), then teardown.yml
leaves nothing behind. The light test is also site.yml's main light-stack test: every service running in
one project, the generated passwords 0600 and in no output (the real Debian stack is test_web_stack.py's)."""

import os
import re
import shlex
import stat
import subprocess

from tests.integration.test_web_stack import assert_db_password_files, assert_stats_need_credentials
from tests.support import docker_cli
from tests.support.ansible_run import run_tasks
from tests.support.haproxy import http_get, wait_until
from tests.support.web_stack import SITE, assert_alternates, four_step_playbook, round_robin, teardown_leaves_nothing
from tests.support.web_stack import stack_fixture  # noqa: F401 (pytest fixture stack)

import pytest

FIXTURES = (stack_fixture,)

# the frontend and backend lines of the tutorial's haproxy.cfg this project replaces
TUTORIAL = """
frontend main
    acl url_static path_beg -i /static /images /javascript /stylesheets
    acl url_static path_end -i .jpg .gif .png .css .js
    use_backend static if url_static
backend static
    balance roundrobin
    server static 127.0.0.1:4331 check
"""


def sections(text):
    """{(kind, name): [tokens of each line]} of an haproxy.cfg, comments and blank lines left out."""
    result = {}
    current = None
    for line in text.splitlines():
        line = line.split('#', 1)[0].strip()
        if not line:
            continue
        words = shlex.split(line)
        if words[0] in ('global', 'defaults', 'frontend', 'backend', 'listen', 'userlist', 'resolvers'):
            current = result.setdefault((words[0], words[1] if len(words) > 1 else ''), [])
        elif current is not None:
            current.append(words)
    return result


def assert_tutorial_lines(cfg_text, static_port):
    """Every tutorial line is in the rendered file, in the same section and order; a server line may carry
    more options (inter/fall/rise) after the tutorial's, and the port is the test's."""
    want = sections(TUTORIAL.replace('4331', str(static_port)))
    got = sections(cfg_text)
    for section, lines in want.items():
        assert section in got, 'no %s %s in\n%s' % (section + (cfg_text,))
        rendered = got[section]
        positions = []
        for words in lines:
            if words[0] == 'server':
                match = [i for i, r in enumerate(rendered) if r[:3] == words[:3] and set(words[3:]) <= set(r[3:])]
            else:
                match = [i for i, r in enumerate(rendered) if r == words]
            assert match, '%s %s lacks %r:\n%s' % (section + (' '.join(words), cfg_text))
            positions.append(match[0])
        assert positions == sorted(positions), 'lines of %s %s out of order:\n%s' % (section + (cfg_text,))
    # the static requests go to static before the default backend, which stays the replicas' round robin
    main = got[('frontend', 'main')]
    assert ['default_backend', 'app'] in main
    assert ['balance', 'roundrobin'] in got[('backend', 'app')]


# a request in the static container's log: busybox httpd -vv (light tier) or nginx's access log (real tier)
REQUEST_LOG = re.compile(r'^\[(?:::ffff:)?(?P<bb>[^\]]+)\]:\d+: url:(?P<bb_url>\S+)$'
                         r'|^(?P<ngx>\S+) \S+ \S+ \[[^\]]*\] "GET (?P<ngx_url>\S+) HTTP/')


def _urls(container):
    """The URLs the static container logged for clients other than itself (its healthcheck): the
    requests HAProxy passed on."""
    out = docker_cli.docker('logs', container)
    urls = []
    for line in (out.stdout + out.stderr).splitlines():
        match = REQUEST_LOG.match(line)
        if match:
            client = match.group('bb') or match.group('ngx')
            if not client.startswith('127.') and client != '::1':
                urls.append(match.group('bb_url') or match.group('ngx_url'))
    return urls


def _sessions(lb, backend, server):
    return int(lb.stats_csv()[(backend, server)]['stot'] or 0)


@pytest.mark.slow
def test_site_renders_the_tutorial_static_backend_and_routes_to_the_static_service(stack, web_image, busybox_image):
    _site_with_static_service(stack, stack.vars(light=True, web_image=web_image, busybox_image=busybox_image, static=True))


def _site_with_static_service(stack, extra_vars):
    runs = four_step_playbook(SITE, extra_vars)
    assert any('The stack is up' in name for name in runs[1].changed)
    assert any('HAProxy configuration' in name for name in runs[1].changed)

    # the static service: one more container of the project, published on 127.0.0.1 like the replicas;
    # the docker CLI as witness: one project, every service running
    names = stack.containers()
    assert names == sorted('%s-%s-1' % (stack.project, s) for s in ('db', 'php', 'static', 'web1', 'web2')), names
    for name in names:
        assert docker_cli.docker('inspect', '-f', '{{.State.Running}}', name).stdout.strip() == 'true'
        assert docker_cli.docker('inspect', '-f', '{{index .Config.Labels "com.docker.compose.project"}}', name).stdout.strip() == stack.project
    for replica in stack.replicas:
        assert http_get(replica['port'], '/health') == (200, '%s 1\n' % replica['name'])
    # the generated passwords: 0600 on the controller (and the host), never in any output
    stats_password = assert_stats_need_credentials(stack)
    db_password = assert_db_password_files(stack)
    for run in runs:
        assert stats_password not in run.output and db_password not in run.output
    static = stack.project + '-static-1'
    info = docker_cli.inspect('container', static)
    assert info['State']['Running'] and info['State']['Health']['Status'] in ('starting', 'healthy')
    assert info['Config']['Labels']['com.docker.compose.service'] == 'static'
    assert info['HostConfig']['PortBindings']['80/tcp'] == [{'HostIp': '127.0.0.1', 'HostPort': str(stack.static_port)}]
    with open(os.path.join(stack.project_dir, 'static', 'static', 'app.css')) as handle:
        app_css = handle.read()
    assert app_css.startswith('/*') and 'body {' in app_css
    assert http_get(stack.static_port, '/static/app.css') == (200, app_css)
    if not extra_vars.get('web_stack_static_command'):  # nginx with the role's static configuration
        status, _body, headers = http_get(stack.static_port, '/x/y.png', with_headers=True)
        assert status == 404 and headers.get('x-berth-static') == 'static', (status, headers)

    # the rendered haproxy.cfg holds the tutorial's lines, and HAProxy itself accepts the file
    with open(stack.lb.cfg) as handle:
        cfg_text = handle.read()
    assert_tutorial_lines(cfg_text, stack.static_port)
    check = subprocess.run(['haproxy', '-c', '-f', stack.lb.cfg], capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr

    # GET / : the web replicas in round robin (round_robin waits until both are UP)
    assert_alternates(round_robin(stack), 1)
    lb = stack.lb
    wait_until(lambda: lb.server_status('static', 'static') == 'UP', timeout=30, what='static UP')
    assert lb.stats_csv()[('static', 'static')]['check_status'] == 'L4OK'  # `check`: HAProxy health-checks it

    # GET /static/app.css and /x/y.png: the static container answers (the replicas of the light tier
    # would answer `static web1` for the first and never log a URL), HAProxy counts them on `static`
    app_before = sum(_sessions(lb, 'app', r['name']) for r in stack.replicas)
    static_before = _sessions(lb, 'static', 'static')
    urls_before = _urls(static)
    assert lb.get('/static/app.css') == (200, app_css)
    status, _body = lb.get('/x/y.png')
    assert status == 404  # no such file: the static service's answer (busybox httpd logs it below)
    for path, marker in (('/images/logo.svg', '<svg'), ('/javascript/app.js', 'berth-static'),
                         ('/stylesheets/site.css', '@import')):
        status, body = lb.get(path)
        assert status == 200 and marker in body, (path, status, body)
    urls = _urls(static)
    assert urls[len(urls_before):] == ['/static/app.css', '/x/y.png', '/images/logo.svg', '/javascript/app.js',
                                       '/stylesheets/site.css'], urls
    assert '/' not in urls, 'GET / reached the static service'
    assert _sessions(lb, 'static', 'static') - static_before == 5
    assert sum(_sessions(lb, 'app', r['name']) for r in stack.replicas) == app_before
    assert_alternates(round_robin(stack, count=4), 1)

    _hand_edits_put_back(stack, extra_vars)
    _static_off_and_one_replica(stack, extra_vars, static)

    teardown_leaves_nothing(stack, extra_vars)
    assert not docker_cli.exists('container', static)


def _written(run):
    """{task name without the role: [what it wrote]} of one run: the items a loop task changed, or True."""
    found = {}
    for record in run.records:
        result = record['result']
        if not result.get('changed'):
            continue
        name = record['task'].split(' : ', 1)[-1]
        if 'results' in result:
            items = [r['item'] for r in result['results'] if r.get('changed')]
            found[name] = sorted(i.get('dest') or i.get('path') for i in items)
        else:
            found[name] = True
    return found


COMPOSE_FILE_TASK = 'Compose file (for people and for docker-compose ps/logs; the task below passes the same definition)'


def _hand_edits_put_back(stack, extra_vars):
    """The role looks at the project's directories and files once and writes only those that differ
    (roles/web_stack/tasks/present.yml): a template edited by hand, one removed, a directory and a file
    with another mode are found and put back, check mode predicting each item; a file of the user's own
    under static/ is left alone, nothing else is written and no container is recreated."""
    root = stack.project_dir
    site_css = os.path.join(root, 'static', 'stylesheets', 'site.css')
    with open(site_css) as handle:
        rendered = handle.read()
    with open(site_css, 'a') as handle:
        handle.write('/* edited by hand */\n')
    os.remove(os.path.join(root, 'static', 'images', 'logo.svg'))
    os.chmod(os.path.join(root, 'secrets'), 0o755)
    os.chmod(os.path.join(root, 'docker-compose.yaml'), 0o600)
    own = os.path.join(root, 'static', 'images', 'own.png')
    with open(own, 'wb') as handle:
        handle.write(b'\x89PNG not the role\'s')
    ids = dict((name, docker_cli.inspect('container', name)['Id']) for name in stack.containers())

    runs = four_step_playbook(SITE, extra_vars)
    want = {'Project directories': ['secrets'],
            'Static-file service content and nginx configuration': ['static/images/logo.svg', 'static/stylesheets/site.css'],
            COMPOSE_FILE_TASK: True}
    assert _written(runs[0]) == want, _written(runs[0])  # check mode, item by item
    assert _written(runs[1]) == want, _written(runs[1])
    with open(site_css) as handle:
        assert handle.read() == rendered
    assert os.path.exists(os.path.join(root, 'static', 'images', 'logo.svg'))
    assert stat.S_IMODE(os.stat(os.path.join(root, 'secrets')).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(os.path.join(root, 'docker-compose.yaml')).st_mode) == 0o644
    with open(own, 'rb') as handle:
        assert handle.read() == b'\x89PNG not the role\'s'
    os.remove(own)
    assert dict((name, docker_cli.inspect('container', name)['Id']) for name in stack.containers()) == ids


def _static_off_and_one_replica(stack, extra_vars, static):
    """Declared state shrinks: web_stack_static_enabled off and web2 dropped from web_stack_replicas. Four runs
    (check mode predicts the removals); afterwards neither container exists, haproxy.cfg has no static
    backend, no url_static ACL and no web2, every path reaches web1, and the other containers were left
    running (not recreated)."""
    before = dict((name, docker_cli.inspect('container', name)['Id']) for name in stack.containers())
    smaller = dict(extra_vars, web_stack_static_enabled=False, web_stack_replicas=stack.replicas[:1])
    runs = four_step_playbook(SITE, smaller)
    assert any('The stack is up' in name for name in runs[1].changed), runs[1].changed
    assert any('HAProxy configuration' in name for name in runs[1].changed), runs[1].changed
    gone = ['%s-%s-1' % (stack.project, s) for s in ('static', 'web2')]
    assert stack.containers() == sorted(n for n in before if n not in gone), stack.containers()
    for name in stack.containers():  # db, php, web1: untouched
        assert docker_cli.inspect('container', name)['Id'] == before[name], name
        assert docker_cli.docker('inspect', '-f', '{{.State.Running}}', name).stdout.strip() == 'true'
    assert not docker_cli.exists('container', static)
    with open(stack.lb.cfg) as handle:
        cfg = sections(handle.read())
    assert ('backend', 'static') not in cfg and not any('url_static' in words for words in cfg[('frontend', 'main')])
    assert [w[1] for w in cfg[('backend', 'app')] if w[0] == 'server'] == ['web1']
    lb = stack.lb
    wait_until(lambda: ('app', 'web2') not in lb.stats_csv(), timeout=30, what='web2 gone from the stats')
    web1_before = _sessions(lb, 'app', 'web1')
    assert lb.get('/') == (200, 'web1 1\n')
    assert lb.get('/static/app.css') == (200, 'static web1 1\n')  # the replica's own file, not the static service's
    assert lb.get('/x/y.png')[0] == 404
    assert _sessions(lb, 'app', 'web1') - web1_before == 3


def test_web_stack_refuses_a_replica_named_static_or_on_the_static_port(stack, web_image, busybox_image):
    role_vars = stack.vars(light=True, web_image=web_image, busybox_image=busybox_image, static=True)
    role_vars = {k: v for k, v in role_vars.items() if k.startswith('web_stack_')}
    for replicas in ([{'name': 'static', 'port': stack.replicas[0]['port']}],
                     [{'name': 'web1', 'port': stack.static_port}]):
        role_vars['web_stack_replicas'] = replicas
        run = run_tasks([{'name': 'role', 'ansible.builtin.include_role': {'name': 'berth.docker.web_stack'},
                          'vars': role_vars}])
        assert run.failed and 'no replica may be named static nor use web_stack_static_port' in run.output, run.output[-3000:]
        assert stack.containers() == [] and not os.path.exists(stack.project_dir)
