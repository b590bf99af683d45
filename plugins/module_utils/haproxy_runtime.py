# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HAProxy runtime API: a client for the stats socket (and the master CLI), the parsers
for its answers, and the decision logic of ``berth.docker.haproxy_server``.

The socket I/O (:class:`RuntimeSocket`) is kept apart from the decisions: ``plan()`` takes
the parsed server states and the wanted state and returns the runtime commands; it is a
plain function with unit tests. ``run_server()`` glues both together for the module.
"""

import re
import socket
import time
import traceback

from ansible_collections.berth.docker.plugins.module_utils.errors import BerthError

DEFAULT_SOCKET = '/var/run/haproxy.sock'
NAME_RE = re.compile(r'^[A-Za-z0-9_.:-]+$')

# srv_admin_state bits (HAProxy src/server.h)
ADMIN_FMAINT = 0x01
ADMIN_IMAINT = 0x02
ADMIN_CMAINT = 0x04
ADMIN_FDRAIN = 0x08
ADMIN_IDRAIN = 0x10
ADMIN_RMAINT = 0x20
ADMIN_HMAINT = 0x40
MAINT_MASK = ADMIN_FMAINT | ADMIN_IMAINT | ADMIN_CMAINT | ADMIN_RMAINT | ADMIN_HMAINT
DRAIN_MASK = ADMIN_FDRAIN | ADMIN_IDRAIN
# srv_check_state / srv_agent_state bits (HAProxy include/haproxy/check-t.h)
CHK_ST_CONFIGURED = 0x02
CHK_ST_ENABLED = 0x04


class HAProxyRuntimeError(BerthError):
    """The socket could not be used, or HAProxy refused a command."""


class HAProxyServerNotFound(BerthError):
    """The server (or backend) does not exist."""


class RuntimeSocket:
    """One command per connection on a HAProxy stats socket (unix path or ``tcp:HOST:PORT``)."""

    def __init__(self, path, timeout=5.0):
        self.path = path
        self.timeout = timeout

    def _connect(self):
        if self.path.startswith('tcp:'):
            host, port = self.path[4:].rsplit(':', 1)
            sock = socket.create_connection((host, int(port)), timeout=self.timeout)
        else:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(self.timeout)
            sock.connect(self.path)
        return sock

    def command(self, line, close_with_quit=False):
        """Send one command, return HAProxy's whole answer as text."""
        try:
            sock = self._connect()
        except OSError as exc:
            raise HAProxyRuntimeError('cannot connect to the HAProxy socket %s: %s. Is HAProxy running with '
                                      '"stats socket %s level admin" in its global section?' % (self.path, exc, self.path))
        try:
            payload = line + (';quit' if close_with_quit else '') + '\n'
            sock.sendall(payload.encode('utf-8'))
            chunks = []
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                chunks.append(data)
        except socket.timeout:
            raise HAProxyRuntimeError('HAProxy socket %s did not answer %r within %ss' % (self.path, line, self.timeout))
        except OSError as exc:
            raise HAProxyRuntimeError('HAProxy socket %s failed on %r: %s' % (self.path, line, exc))
        finally:
            sock.close()
        return b''.join(chunks).decode('utf-8', 'replace')

    def execute(self, line):
        """A command that changes state: HAProxy answers nothing on success, and a sentence on
        refusal ("No such server.", "Require 'admin' level.", "Backend is using a static LB
        algorithm and only accepts weights '0%' and '100%'.")."""
        answer = self.command(line).strip()
        if answer and not answer.lower().startswith(('done', 'success')):
            raise HAProxyRuntimeError('HAProxy refused %r: %s' % (line, answer))
        return answer


# --------------------------------------------------------------------------- parsers

def parse_servers_state(text):
    """``show servers state`` -> {(backend, server): {...}}."""
    rows = {}
    fields = None
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith('#'):
            fields = line.lstrip('# ').split()
            continue
        if fields is None or line[0].isdigit() and len(line.split()) == 1:
            continue  # the version line ("1")
        values = line.split()
        row = dict(zip(fields, values))
        if 'be_name' not in row or 'srv_name' not in row:
            continue
        rows[(row['be_name'], row['srv_name'])] = {
            'backend': row['be_name'],
            'name': row['srv_name'],
            'address': row.get('srv_addr'),
            'port': int(row['srv_port']) if row.get('srv_port', '').isdigit() else None,
            'op_state': int(row.get('srv_op_state', 0)),
            'admin_state': int(row.get('srv_admin_state', 0)),
            'weight': int(row.get('srv_uweight', 0)),
            'initial_weight': int(row.get('srv_iweight', 0)),
            'check_state': int(row.get('srv_check_state', 0)),
            'agent_state': int(row.get('srv_agent_state', 0)),
        }
    return rows


def parse_stat_csv(text):
    """``show stat`` (CSV) -> {(backend, server): {'status', 'scur', ...}} for server rows."""
    rows = {}
    header = None
    for line in text.splitlines():
        if line.startswith('# '):
            header = line[2:].split(',')
            continue
        if not line.strip() or header is None:
            continue
        row = dict(zip(header, line.split(',')))
        if row.get('svname') in ('FRONTEND', 'BACKEND'):
            continue
        rows[(row.get('pxname'), row.get('svname'))] = {
            'status': row.get('status', ''),
            'scur': int(row.get('scur') or 0),
            'qcur': int(row.get('qcur') or 0),
        }
    return rows


def check_name(check_state):
    """A health or agent check's state bits (``srv_check_state`` / ``srv_agent_state``):
    'absent' (not configured on the server line), 'enabled' or 'disabled'."""
    if not check_state & CHK_ST_CONFIGURED:
        return 'absent'
    return 'enabled' if check_state & CHK_ST_ENABLED else 'disabled'


def admin_name(admin_state):
    if admin_state & MAINT_MASK:
        return 'disabled'
    if admin_state & DRAIN_MASK:
        return 'drain'
    return 'enabled'


def parse_weight(value, initial_weight):
    """'50' -> 50; '50%' -> 50% of the server's initial weight (as HAProxy computes it)."""
    text = str(value).strip()
    if text.endswith('%'):
        pct = int(text[:-1])
        if not 0 <= pct <= 100:
            raise ValueError('weight %s is not between 0%% and 100%%' % text)
        return (initial_weight * pct + 99) // 100 if pct else 0
    number = int(text)
    if not 0 <= number <= 256:
        raise ValueError('weight %s is not between 0 and 256' % text)
    return number


# --------------------------------------------------------------------------- decisions

def find_targets(states, host, backend=None):
    """The (backend, server) keys for server ``host``: in ``backend``, or in every backend
    that has a server of that name when ``backend`` is omitted. Raises HAProxyServerNotFound."""
    if backend:
        if not any(key[0] == backend for key in states):
            raise HAProxyServerNotFound('backend %r does not exist in the running HAProxy (backends: %s)' % (
                backend, ', '.join(sorted({k[0] for k in states})) or 'none'))
        if (backend, host) not in states:
            raise HAProxyServerNotFound('server %r does not exist in backend %r (its servers: %s)' % (
                host, backend, ', '.join(sorted(k[1] for k in states if k[0] == backend))))
        return [(backend, host)]
    keys = sorted(key for key in states if key[1] == host)
    if not keys:
        raise HAProxyServerNotFound('server %r does not exist in any backend of the running HAProxy (servers: %s)' % (
            host, ', '.join(sorted('%s/%s' % k for k in states)) or 'none'))
    return keys


def check_steps(current, state, health=False, agent=False):
    """Runtime commands that enable (state enabled) or disable (state disabled) the server's
    health and / or agent checks, like community.general.haproxy's ``health`` and ``agent``.
    Returns (steps, warnings); a check the server line does not configure is only warned about."""
    target = '%s/%s' % (current['backend'], current['name'])
    steps, warnings = [], []
    if state not in ('enabled', 'disabled'):
        return steps, warnings
    for wanted, kind, key, keyword in ((health, 'health', 'check_state', 'check'),
                                       (agent, 'agent', 'agent_state', 'agent-check')):
        if not wanted:
            continue
        now = check_name(current.get(key, 0))
        if now == 'absent':
            warnings.append('server %s has no %s check (no %s on its server line); %s: true changes nothing there'
                            % (target, kind, keyword, kind))
        elif now != state:
            steps.append(('cmd', '%s %s %s' % ('enable' if state == 'enabled' else 'disable', kind, target)))
    return steps, warnings


def plan(current, state, weight=None, drain=False, shutdown_sessions=False):
    """Runtime commands that take one server from ``current`` (a parse_servers_state row)
    to the wanted ``state`` / ``weight``. Returns a list of (kind, command) where kind is
    'cmd' (send it) or 'wait_drained' (wait until the server has no sessions). Empty list:
    nothing to change."""
    target = '%s/%s' % (current['backend'], current['name'])
    steps = []
    now = admin_name(current['admin_state'])
    if state == 'enabled' and now != 'enabled':
        steps.append(('cmd', 'set server %s state ready' % target))
    elif state == 'drain' and now != 'drain':
        steps.append(('cmd', 'set server %s state drain' % target))
    elif state == 'disabled' and now != 'disabled':
        if drain:
            if now != 'drain':
                steps.append(('cmd', 'set server %s state drain' % target))
            steps.append(('wait_drained', target))
        steps.append(('cmd', 'set server %s state maint' % target))
        if shutdown_sessions:
            steps.append(('cmd', 'shutdown sessions server %s' % target))
    if weight is not None:
        wanted = parse_weight(weight, current['initial_weight'])
        if wanted != current['weight']:
            steps.insert(0, ('cmd', 'set weight %s %s' % (target, weight)))
    return steps


def state_reached(state, admin_state, status):
    """Whether a server's (admin state, ``show stat`` status) matches the awaited state."""
    status = (status or '').upper()
    if state == 'enabled':
        return admin_name(admin_state) == 'enabled' and (status.startswith('UP') or status == 'NO CHECK')
    if state == 'drain':
        return admin_name(admin_state) == 'drain'
    return status.startswith('MAINT') or admin_name(admin_state) == 'disabled'


# --------------------------------------------------------------------------- orchestration

class Runtime:
    """Reads the state of all servers through a RuntimeSocket."""

    def __init__(self, sock):
        self.sock = sock

    def states(self):
        states = parse_servers_state(self.sock.command('show servers state'))
        stats = parse_stat_csv(self.sock.command('show stat'))
        for key, row in states.items():
            row.update(stats.get(key, {'status': '', 'scur': 0, 'qcur': 0}))
        return states


def public_state(row):
    return {
        'backend': row['backend'], 'name': row['name'], 'address': row['address'], 'port': row['port'],
        'state': admin_name(row['admin_state']), 'status': row.get('status'), 'weight': row['weight'],
        'initial_weight': row['initial_weight'], 'sessions': row.get('scur', 0),
        'health_check': check_name(row.get('check_state', 0)), 'agent_check': check_name(row.get('agent_state', 0)),
    }


def run_server(params, check_mode, sock=None, sleep=time.sleep):
    """berth.docker.haproxy_server: returns the result dict; raises HAProxyServerNotFound / HAProxyRuntimeError / ValueError."""
    # host and backend go into runtime commands (one line, ";" separates commands): names only
    for key in ('host', 'backend'):
        value = params.get(key)
        if value is not None and not NAME_RE.match(str(value)):
            raise ValueError('%s %r is not a HAProxy server or backend name: use letters, digits, "_", ".", ":" and "-" '
                             'only' % (key, value))
    if params.get('weight') is not None:
        parse_weight(params['weight'], 0)  # "50" or "50%", nothing else reaches the socket
    sock = sock or RuntimeSocket(params['socket'])
    runtime = Runtime(sock)
    before = runtime.states()
    targets = find_targets(before, params['host'], params.get('backend'))
    commands_sent = []
    planned, warnings = {}, []
    for key in targets:
        steps, notes = check_steps(before[key], params['state'], params.get('health'), params.get('agent'))
        planned[key] = plan(before[key], params['state'], params.get('weight'), params.get('drain'),
                            params.get('shutdown_sessions')) + steps
        warnings.extend(notes)
    retries = params.get('wait_retries') or 25
    interval = params.get('wait_interval') or 5
    if not check_mode:
        for key in targets:
            for kind, what in planned[key]:
                if kind == 'wait_drained':
                    for _attempt in range(retries):
                        row = runtime.states().get(key)
                        if row and row.get('scur', 0) == 0:
                            break
                        sleep(interval)
                    else:
                        raise HAProxyRuntimeError('server %s still has sessions after %s x %ss of draining; it was left in DRAIN' % (
                            what, retries, interval))
                    continue
                sock.execute(what)
                commands_sent.append(what)
        if params.get('wait'):
            for key in targets:
                for _attempt in range(retries):
                    row = runtime.states().get(key)
                    if row and state_reached(params['state'], row['admin_state'], row.get('status')):
                        break
                    sleep(interval)
                else:
                    row = runtime.states().get(key) or {}
                    raise HAProxyRuntimeError('server %s/%s did not reach %s within %s x %ss (status now %s)' % (
                        key[0], key[1], params['state'], retries, interval, row.get('status')))
    after = runtime.states() if not check_mode else before
    changed = any(planned[key] for key in targets)
    if not check_mode:
        changed = any(_comparable(before[key]) != _comparable(after[key]) for key in targets)
    return {
        'changed': changed,
        'backends': sorted({key[0] for key in targets}),
        'commands': [what for key in targets for kind, what in planned[key] if kind == 'cmd'],
        'before': [public_state(before[key]) for key in targets],
        'after': [public_state(after[key]) for key in targets] if not check_mode else None,
        'commands_sent': commands_sent,
        'warnings': warnings,
    }


def _comparable(row):
    return (admin_name(row['admin_state']), row['weight'], check_name(row.get('check_state', 0)),
            check_name(row.get('agent_state', 0)))


# --------------------------------------------------------------------------- the haproxy_server module

def haproxy_server_argument_spec():
    return dict(
        host=dict(type='str', required=True),
        backend=dict(type='str'),
        state=dict(type='str', choices=['enabled', 'disabled', 'drain'], required=True),
        drain=dict(type='bool', default=False),
        weight=dict(type='str'),
        shutdown_sessions=dict(type='bool', default=False),
        socket=dict(type='path', default=DEFAULT_SOCKET),
        wait=dict(type='bool', default=False),
        wait_interval=dict(type='int', default=5),
        wait_retries=dict(type='int', default=25),
        fail_on_not_found=dict(type='bool', default=False),
        health=dict(type='bool', default=False),
        agent=dict(type='bool', default=False),
    )


def run_haproxy_server(module):
    try:
        result = run_server(module.params, module.check_mode)
    except HAProxyServerNotFound as exc:
        if module.params['fail_on_not_found']:
            module.fail_json(msg=str(exc))
        module.warn(str(exc))
        module.exit_json(changed=False, msg=str(exc), backends=[], commands=[], before=[], after=[])
    except (HAProxyRuntimeError, ValueError) as exc:
        module.fail_json(msg=str(exc))
    except Exception as exc:  # pragma: no cover - a bug, not bad input
        module.fail_json(msg='unexpected error: %s: %s' % (type(exc).__name__, exc), exception=traceback.format_exc())
    for warning in result.pop('warnings', []):
        module.warn(warning)
    if module._diff:
        result['diff'] = {'before': {'servers': result['before']}, 'after': {'servers': result['after'] or []}}
    module.exit_json(**result)
