"""Unit tests of the pure HAProxy rooms: config model validation and rendering, the runtime
parsers and decision logic, the master CLI parser and the haproxy_servers filter."""

import pytest

from ansible_collections.berth.docker.plugins.filter.haproxy_servers import haproxy_servers
from ansible_collections.berth.docker.plugins.module_utils import haproxy_config as cfg
from ansible_collections.berth.docker.plugins.module_utils import haproxy_runtime as rt
from ansible_collections.berth.docker.plugins.module_utils import host_network as hn
from ansible_collections.berth.docker.plugins.module_utils.haproxy_service import parse_show_proc, unified_diff


def model(**over):
    base = {
        'global_settings': {'log': ['/dev/log local0'], 'maxconn': 4096, 'extra': []},
        'defaults': {'mode': 'http', 'log': 'global', 'options': ['httplog'], 'retries': 3,
                     'timeouts': {'server': '30s', 'connect': '5s', 'client': '30s'}},
        'frontends': [{'name': 'main', 'binds': [{'address': '*', 'port': 80}],
                       'acls': [{'name': 'url_static', 'condition': 'path_beg -i /static'}],
                       'use_backends': [{'backend': 'static', 'condition': 'url_static'}],
                       'default_backend': 'app'}],
        'backends': [{'name': 'app', 'balance': 'roundrobin',
                      'servers': [{'name': 'app1', 'address': '10.0.0.1', 'port': 8001, 'check': True, 'inter': '2s'},
                                  {'name': 'app2', 'address': '10.0.0.1', 'port': 8002, 'check': True}]},
                     {'name': 'static', 'servers': [{'name': 's', 'address': '127.0.0.1', 'port': 4331, 'check': True}]}],
        'listens': [],
        'stats': {'enabled': True, 'binds': [{'port': 9001}], 'uri': '/haproxy_stats', 'realm': 'Haproxy Statistics',
                  'users': [{'username': 'admin', 'password': 's3cret'}], 'hide_version': True},
        'stats_socket': {'enabled': True, 'path': '/run/haproxy/admin.sock', 'mode': '660', 'level': 'admin'},
        'resolvers': [],
    }
    base.update(over)
    return base


def test_render_reference_setup():
    text = cfg.render(model())
    assert text.startswith(cfg.HEADER)
    assert '\nfrontend main\n    bind :80\n    acl url_static path_beg -i /static\n    use_backend static if url_static\n' \
        '    default_backend app\n' in text
    assert '    server app1 10.0.0.1:8001 check inter 2s\n    server app2 10.0.0.1:8002 check\n' in text
    # the password only as a SHA-512 crypt hash in a userlist, never in clear, never `stats auth`
    assert 's3cret' not in text and 'stats auth' not in text and 'insecure-password' not in text
    assert "\nuserlist stats_users\n    user admin password '$6$" in text
    assert "    stats http-request auth realm 'Haproxy Statistics' unless { http_auth(stats_users) }\n" in text
    assert 'stats admin' not in text  # only when asked
    assert '    stats socket /run/haproxy/admin.sock mode 660 level admin expose-fd listeners\n' in text
    # timeouts in a fixed (sorted) order, whatever the dict order
    assert text.index('timeout client') < text.index('timeout connect') < text.index('timeout server')


def test_render_is_deterministic():
    a = model()
    b = model()
    b['defaults']['timeouts'] = dict(reversed(list(b['defaults']['timeouts'].items())))
    first = cfg.render(a)
    # the same password hash is kept when the current file's hash still verifies
    assert cfg.render(b, previous_text=first) == first


def test_render_httpchk_template_resolvers_listen():
    m = model(resolvers=[{'name': 'docker', 'nameservers': [{'name': 'dns', 'address': '127.0.0.11'}],
                          'hold_valid': '10s'}],
              listens=[{'name': 'db', 'binds': [{'address': '127.0.0.1', 'port': 3307}], 'mode': 'tcp',
                        'balance': 'leastconn', 'servers': [{'name': 'db1', 'address': 'db', 'port': 3306, 'check': False}]}])
    m['backends'][0]['httpchk'] = {'method': 'HEAD', 'uri': '/health', 'host': 'example.org', 'expect': 'status 200'}
    m['backends'][0]['server_templates'] = [{'prefix': 'web', 'count': 5, 'fqdn': 'web', 'port': 80,
                                             'resolvers': 'docker', 'check': True}]
    cfg.validate(m)
    text = cfg.render(m)
    assert 'option httpchk\n    http-check send meth HEAD uri /health hdr Host example.org\n    http-check expect status 200\n' in text
    assert 'server-template web 5 web:80 check resolvers docker init-addr last,libc,none' in text
    assert 'resolvers docker\n    nameserver dns 127.0.0.11:53\n    hold valid 10s\n' in text
    assert 'listen db\n    bind 127.0.0.1:3307\n    mode tcp\n    mode tcp' not in text
    assert 'listen db\n    bind 127.0.0.1:3307\n    mode tcp\n    balance leastconn\n    server db1 db:3306\n' in text


@pytest.mark.parametrize('mutate, message', [
    (lambda m: m['stats'].update(users=[]), 'no credentials'),
    (lambda m: m['stats'].update(users=[{'username': 'a', 'password': ''}]), 'no credentials'),
    (lambda m: m['backends'][0].update(servers=[]), "backend 'app' has no servers"),
    (lambda m: m['backends'][0]['servers'].append({'name': 'app1', 'address': 'x', 'port': 1}), "'app1' appears twice"),
    (lambda m: m['frontends'][0].update(default_backend='nope'), "default_backend 'nope'"),
    (lambda m: m['frontends'][0]['use_backends'].append({'backend': 'x', 'condition': 'y'}), "uses backend 'x'"),
    (lambda m: m['backends'].append({'name': 'main', 'servers': [{'name': 'a', 'address': 'b'}]}), 'defined twice'),
    (lambda m: m['backends'][0].update(name='bad name'), 'not valid'),
    (lambda m: m['frontends'][0].update(binds=[]), 'has no binds'),
])
def test_validate_rejects(mutate, message):
    m = model()
    mutate(m)
    with pytest.raises(cfg.HAProxyConfigError, match=message):
        cfg.validate(m)


def test_empty_backend_allowed_when_asked():
    m = model()
    m['backends'][0].update(servers=[], allow_empty=True)
    cfg.validate(m)


def test_bind_addresses_checked_against_the_host():
    m = model()
    m['frontends'][0]['binds'] = [{'address': '192.0.2.50', 'port': 80}]
    with pytest.raises(cfg.HAProxyConfigError, match='not an address of this host'):
        cfg.validate(m, {'127.0.0.1', '10.1.1.1'})
    cfg.validate(m, {'127.0.0.1', '192.0.2.50'})
    m['frontends'][0]['binds'] = [{'address': '[::1]', 'port': 80}, {'address': '0.0.0.0', 'port': 81},
                                  {'address': '', 'port': 82}]
    cfg.validate(m, {'::1'})
    m['frontends'][0]['binds'] = [{'address': 'not-an-ip', 'port': 80}]
    with pytest.raises(cfg.HAProxyConfigError, match='not an IP address'):
        cfg.validate(m, {'127.0.0.1'})


FIB_TRIE = """Main:
  +-- 0.0.0.0/0 3 0 5
     |-- 10.0.0.0
        /8 link UNICAST
     |-- 10.1.2.3
        /32 host LOCAL
  +-- 127.0.0.0/8 2 0 2
     |-- 127.0.0.1
        /32 host LOCAL
Local:
     |-- 10.1.2.3
        /32 host LOCAL
"""
IF_INET6 = "00000000000000000000000000000001 01 80 10 80       lo\nfd000000000000000000000000000002 02 40 00 80 eth0\n"


def test_parse_proc_addresses():
    assert hn.parse_proc_addresses(FIB_TRIE, IF_INET6) == {'10.1.2.3', '127.0.0.1', '::1', 'fd00::2'}


def test_host_addresses_include_loopback():
    assert '127.0.0.1' in hn.host_addresses()


SERVERS_STATE = """1
# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight \
srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state \
srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord
3 app 1 web1 127.0.0.1 2 0 1 1 10 6 3 4 6 0 0 0 - 8001 -
3 app 2 web2 127.0.0.1 2 1 1 1 10 6 3 4 6 0 0 0 - 8002 -
3 app 3 web3 127.0.0.1 2 8 2 4 10 6 3 4 6 0 0 0 - 8003 -
4 static 1 web1 127.0.0.1 2 0 1 1 10 6 3 4 6 0 0 0 - 4331 -
"""


def test_parse_servers_state_and_plan():
    states = rt.parse_servers_state(SERVERS_STATE)
    assert rt.admin_name(states[('app', 'web1')]['admin_state']) == 'enabled'
    assert rt.admin_name(states[('app', 'web2')]['admin_state']) == 'disabled'
    assert rt.admin_name(states[('app', 'web3')]['admin_state']) == 'drain'
    assert states[('app', 'web3')]['port'] == 8003
    web1 = states[('app', 'web1')]
    assert rt.plan(web1, 'enabled') == []
    assert rt.plan(web1, 'disabled') == [('cmd', 'set server app/web1 state maint')]
    assert rt.plan(web1, 'disabled', drain=True, shutdown_sessions=True) == [
        ('cmd', 'set server app/web1 state drain'), ('wait_drained', 'app/web1'),
        ('cmd', 'set server app/web1 state maint'), ('cmd', 'shutdown sessions server app/web1')]
    assert rt.plan(states[('app', 'web2')], 'disabled') == []
    assert rt.plan(states[('app', 'web2')], 'enabled') == [('cmd', 'set server app/web2 state ready')]
    assert rt.plan(states[('app', 'web3')], 'drain') == []
    # weight: absolute, and % of the initial weight (iweight 4: 50% -> 2, which it already has)
    assert rt.plan(states[('app', 'web3')], 'drain', weight='50%') == []
    assert rt.plan(states[('app', 'web3')], 'drain', weight='3') == [('cmd', 'set weight app/web3 3')]
    with pytest.raises(ValueError):
        rt.plan(web1, 'enabled', weight='300')


def test_health_and_agent_check_steps():
    states = rt.parse_servers_state(SERVERS_STATE)
    web1 = states[('app', 'web1')]  # check_state 6 (configured, enabled), agent_state 0 (none)
    assert rt.check_name(web1['check_state']) == 'enabled' and rt.check_name(web1['agent_state']) == 'absent'
    assert rt.check_name(2) == 'disabled' and rt.check_name(22) == 'enabled' and rt.check_name(18) == 'disabled'
    assert rt.check_steps(web1, 'enabled', health=True) == ([], [])
    steps, warnings = rt.check_steps(web1, 'disabled', health=True, agent=True)
    assert steps == [('cmd', 'disable health app/web1')]
    assert warnings and 'no agent check' in warnings[0] and 'app/web1' in warnings[0]
    assert rt.check_steps(dict(web1, check_state=2), 'enabled', health=True)[0] == [('cmd', 'enable health app/web1')]
    assert rt.check_steps(dict(web1, agent_state=22), 'disabled', agent=True)[0] == [('cmd', 'disable agent app/web1')]
    assert rt.check_steps(web1, 'drain', health=True) == ([], [])


def test_find_targets():
    states = rt.parse_servers_state(SERVERS_STATE)
    assert rt.find_targets(states, 'web1') == [('app', 'web1'), ('static', 'web1')]
    assert rt.find_targets(states, 'web1', 'static') == [('static', 'web1')]
    with pytest.raises(rt.HAProxyServerNotFound, match="server 'nope' does not exist in any backend"):
        rt.find_targets(states, 'nope')
    with pytest.raises(rt.HAProxyServerNotFound, match="server 'web2' does not exist in backend 'static'"):
        rt.find_targets(states, 'web2', 'static')
    with pytest.raises(rt.HAProxyServerNotFound, match="backend 'x' does not exist"):
        rt.find_targets(states, 'web1', 'x')


def test_state_reached():
    assert rt.state_reached('enabled', 0, 'UP')
    assert not rt.state_reached('enabled', 0, 'DOWN')
    assert rt.state_reached('disabled', 1, 'MAINT')
    assert rt.state_reached('drain', 8, 'DRAIN')


def test_parse_stat_csv():
    text = "# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status\n" \
           "app,FRONTEND,,,0,0,,,,,,,,,,,,OPEN\napp,web1,0,0,2,3,,,,,,,,,,,,UP\n"
    assert rt.parse_stat_csv(text) == {('app', 'web1'): {'status': 'UP', 'scur': 2, 'qcur': 0}}


def test_parse_show_proc():
    text = ("#<PID>          <type>          <reloads>       <uptime>        <version>\n"
            "12211           master          4 [failed: 1]   0d00h10m27s     2.6.12\n# workers\n"
            "3404            worker          1               0d00h00m11s     2.6.12\n# programs\n")
    assert parse_show_proc(text) == {'master': 12211, 'reloads': 4, 'failed': 1, 'workers': [3404]}


def test_unified_diff():
    diff = unified_diff('a\nb\n', 'a\nc\n', '/etc/haproxy/haproxy.cfg')
    assert '-b\n+c\n' in diff and diff.startswith('--- /etc/haproxy/haproxy.cfg (before)')


def _container(service, number, port, ip='0.0.0.0', state='running', project='web'):
    return {'Names': ['/%s-%s-%d' % (project, service, number)], 'State': state,
            'Ports': [{'IP': ip, 'PrivatePort': 80, 'PublicPort': port, 'Type': 'tcp'},
                      {'IP': '::', 'PrivatePort': 80, 'PublicPort': port, 'Type': 'tcp'}],
            'Labels': {'com.docker.compose.service': service, 'com.docker.compose.project': project,
                       'com.docker.compose.container-number': str(number)}}


def test_haproxy_servers_filter():
    hostvars = {
        'h2': {'ansible_host': '10.0.0.2', 'docker_host_info': {'containers': [
            _container('web', 2, 8002), _container('web', 1, 8001), _container('db', 1, 3306),
            _container('web', 3, 8003, state='exited')]}},
        'h1': {'docker_host_info': [_container('web', 1, 8001, ip='127.0.0.1')]},
    }
    assert haproxy_servers(['h2'], hostvars, 'web') == [
        {'name': 'web1', 'address': '10.0.0.2', 'port': 8001},
        {'name': 'web2', 'address': '10.0.0.2', 'port': 8002}]
    both = haproxy_servers(['h2', 'h1'], hostvars, 'web', server_options={'inter': '2s'})
    assert [(s['name'], s['address'], s['port']) for s in both] == [
        ('h1_web1', '127.0.0.1', 8001), ('h2_web1', '10.0.0.2', 8001), ('h2_web2', '10.0.0.2', 8002)]
    assert all(s['inter'] == '2s' for s in both)
    assert haproxy_servers(['h2'], hostvars, 'web', project='other') == []
