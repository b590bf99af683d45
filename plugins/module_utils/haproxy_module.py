# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The argument spec and the run wrapper of berth.docker.haproxy (kept out of the module file so
it stays thin). berth.docker.haproxy_server's are in haproxy_runtime, the only file it ships."""

import traceback

from ansible_collections.berth.docker.plugins.module_utils import haproxy_service as svc
from ansible_collections.berth.docker.plugins.module_utils.errors import BerthError

_EXTRA = dict(type='list', elements='str')

BIND_SPEC = dict(
    address=dict(type='str'),
    port=dict(type='int', required=True),
    ssl=dict(type='bool'),
    crt=dict(type='path'),
    alpn=dict(type='str'),
    extra=_EXTRA,
)
ACL_SPEC = dict(name=dict(type='str', required=True), condition=dict(type='str', required=True))
USE_BACKEND_SPEC = dict(backend=dict(type='str', required=True), condition=dict(type='str', required=True))
HTTPCHK_SPEC = dict(
    method=dict(type='str', default='GET'),
    uri=dict(type='str', default='/'),
    host=dict(type='str'),
    expect=dict(type='str'),
)
_TUNING = dict(
    inter=dict(type='str'),
    rise=dict(type='int'),
    fall=dict(type='int'),
    weight=dict(type='int'),
    maxconn=dict(type='int'),
    resolvers=dict(type='str'),
    init_addr=dict(type='str'),
    extra=_EXTRA,
)
SERVER_SPEC = dict(
    name=dict(type='str', required=True),
    address=dict(type='str', required=True),
    port=dict(type='int'),
    check=dict(type='bool', default=True),
    backup=dict(type='bool'),
    cookie=dict(type='str'),
    **_TUNING
)
TEMPLATE_SPEC = dict(
    prefix=dict(type='str', required=True),
    count=dict(type='int', required=True),
    fqdn=dict(type='str', required=True),
    port=dict(type='int'),
    check=dict(type='bool', default=True),
    **_TUNING
)
_MODE = dict(type='str', choices=['http', 'tcp'])
FRONTEND_SPEC = dict(
    name=dict(type='str', required=True),
    binds=dict(type='list', elements='dict', options=BIND_SPEC),
    mode=_MODE,
    acls=dict(type='list', elements='dict', options=ACL_SPEC),
    use_backends=dict(type='list', elements='dict', options=USE_BACKEND_SPEC),
    default_backend=dict(type='str'),
    http_request=_EXTRA,
    options=_EXTRA,
    extra=_EXTRA,
)
BACKEND_SPEC = dict(
    name=dict(type='str', required=True),
    mode=_MODE,
    balance=dict(type='str', default='roundrobin'),
    httpchk=dict(type='dict', options=HTTPCHK_SPEC),
    servers=dict(type='list', elements='dict', options=SERVER_SPEC),
    server_templates=dict(type='list', elements='dict', options=TEMPLATE_SPEC, aliases=['server_template']),
    cookie=dict(type='str'),
    http_request=_EXTRA,
    options=_EXTRA,
    allow_empty=dict(type='bool', default=False),
    extra=_EXTRA,
)
LISTEN_SPEC = dict(FRONTEND_SPEC, **BACKEND_SPEC)

GLOBAL_SPEC = dict(
    log=dict(type='list', elements='str', default=['/dev/log local0']),
    maxconn=dict(type='int', default=4096),
    user=dict(type='str'),
    group=dict(type='str'),
    chroot=dict(type='path'),
    nbthread=dict(type='int'),
    extra=dict(type='list', elements='str', default=[]),
)
DEFAULTS_SPEC = dict(
    mode=dict(type='str', choices=['http', 'tcp'], default='http'),
    log=dict(type='str', default='global'),
    options=dict(type='list', elements='str', default=['httplog', 'dontlognull', 'redispatch']),
    retries=dict(type='int', default=3),
    timeouts=dict(type='dict', default=dict(connect='5s', client='30s', server='30s', http_request='10s',
                                            queue='30s', check='5s')),
    maxconn=dict(type='int'),
    extra=dict(type='list', elements='str', default=[]),
)
STATS_SPEC = dict(
    enabled=dict(type='bool', default=False),
    binds=dict(type='list', elements='dict', options=BIND_SPEC),
    uri=dict(type='str', default='/haproxy_stats'),
    realm=dict(type='str', default='HAProxy Statistics'),
    users=dict(type='list', elements='dict', options=dict(
        username=dict(type='str', required=True),
        password=dict(type='str', required=True, no_log=True),
    )),
    refresh=dict(type='str'),
    admin=dict(type='bool', default=False),
    hide_version=dict(type='bool', default=True),
    extra=_EXTRA,
)
SOCKET_SPEC = dict(
    enabled=dict(type='bool', default=True),
    path=dict(type='path', default='/run/haproxy/admin.sock'),
    mode=dict(type='str', default='660'),
    level=dict(type='str', choices=['user', 'operator', 'admin'], default='admin'),
    timeout=dict(type='str', default='30s'),
)
RESOLVERS_SPEC = dict(
    name=dict(type='str', required=True),
    nameservers=dict(type='list', elements='dict', options=dict(
        name=dict(type='str', required=True),
        address=dict(type='str', required=True),
        port=dict(type='int', default=53),
    )),
    parse_resolv_conf=dict(type='bool', default=False),
    hold_valid=dict(type='str'),
    resolve_retries=dict(type='int'),
    timeout_retry=dict(type='str'),
    extra=_EXTRA,
)


def haproxy_argument_spec():
    return dict(
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        path=dict(type='path', default='/etc/haproxy/haproxy.cfg'),
        mode=dict(type='str', default='0600'),
        backup=dict(type='bool', default=False),
        validate=dict(type='bool', default=True),
        check_bind_addresses=dict(type='bool', default=True),
        haproxy_bin=dict(type='str', default='haproxy'),
        service_mgr=dict(type='str', choices=['auto', 'systemd', 'master_worker', 'sf', 'none'], default='auto'),
        service_name=dict(type='str', default='haproxy'),
        pid_file=dict(type='path', default='/run/haproxy.pid'),
        master_socket=dict(type='path'),
        start=dict(type='bool', default=True),
        enabled=dict(type='bool', default=True),
        reload=dict(type='bool', default=True),
        reload_timeout=dict(type='int', default=15),
        global_settings=dict(type='dict', default={}, options=GLOBAL_SPEC, apply_defaults=True),
        defaults=dict(type='dict', default={}, options=DEFAULTS_SPEC, apply_defaults=True),
        frontends=dict(type='list', elements='dict', default=[], options=FRONTEND_SPEC),
        backends=dict(type='list', elements='dict', default=[], options=BACKEND_SPEC),
        listens=dict(type='list', elements='dict', default=[], options=LISTEN_SPEC),
        stats=dict(type='dict', default={}, options=STATS_SPEC, apply_defaults=True),
        stats_socket=dict(type='dict', default={}, options=SOCKET_SPEC, apply_defaults=True),
        resolvers=dict(type='list', elements='dict', default=[], options=RESOLVERS_SPEC),
    )


def run_haproxy(module):
    try:
        result = svc.apply(module.params, module.check_mode, module._diff)
    except BerthError as exc:
        module.fail_json(msg=str(exc))
    except Exception as exc:  # pragma: no cover - a bug, not bad input
        module.fail_json(msg='unexpected error: %s: %s' % (type(exc).__name__, exc), exception=traceback.format_exc())
    module.exit_json(**result)
