#!/usr/bin/python
# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r'''
module: haproxy_server
short_description: Runtime state of a HAProxy backend server (enabled, disabled, drain, weight) through the stats socket
version_added: 0.1.0
description:
  - Puts a server of a running HAProxy into maintenance, drain or ready state and sets its weight, through the
    runtime API (the C(stats socket ... level admin) that M(berth.docker.haproxy) renders). Nothing is written to haproxy.cfg.
  - Option names and semantics follow C(community.general.haproxy) for the common subset, so a task ports by changing the FQCN.
  - 'Unlike C(community.general.haproxy): check mode is supported, C(changed) is computed from the server state
    read before and after, and the socket I/O is separate from the decision logic.'
  - Not part of the C(berth.docker.docker) action group; it does not talk to the Docker engine.
author:
  - berth.docker developers (@berth-docker)
extends_documentation_fragment:
  - berth.docker.attributes
  - berth.docker.attributes.platform_posix
attributes:
  check_mode:
    support: full
    details:
      - The server state is read and the commands that would be sent are reported; none is sent.
  diff_mode:
    support: full
  idempotent:
    support: full
options:
  host:
    description:
      - Name of the server (as in the C(server) line) to change.
      - 'A HAProxy name (letters, digits, C(_), C(.), C(:), C(-)); anything else is refused before a command is sent
        to the socket, where C(;) or a line break would chain other commands.'
    type: str
    required: true
  backend:
    description:
      - Backend of O(host) (a HAProxy name, as O(host)). When omitted, every backend that has a server called O(host) is changed.
    type: str
  state:
    description:
      - V(enabled) puts the server in READY state (out of maintenance and drain).
      - V(disabled) puts it in maintenance (MAINT), no new sessions and, with O(shutdown_sessions), no existing ones.
      - V(drain) puts it in DRAIN state, existing and persistent sessions continue, no new ones from load balancing.
    type: str
    required: true
    choices: [enabled, disabled, drain]
  drain:
    description:
      - With O(state=disabled), first drain the server and wait until it has no sessions left
        (polled every O(wait_interval) seconds, at most O(wait_retries) times), then put it in maintenance.
    type: bool
    default: false
  weight:
    description:
      - Weight to set, an absolute value (V(0) to V(256)) or a percentage of the server's initial weight (V(50%)).
    type: str
  shutdown_sessions:
    description: With O(state=disabled), close the sessions still open on the server once it is in maintenance.
    type: bool
    default: false
  socket:
    description: The HAProxy stats socket (a unix path, or V(tcp:HOST:PORT)); it needs C(level admin).
    type: path
    default: /var/run/haproxy.sock
  wait:
    description: Wait until the server reports the requested state (UP for V(enabled), MAINT for V(disabled), DRAIN for V(drain)).
    type: bool
    default: false
  wait_interval:
    description: Seconds between two checks while waiting.
    type: int
    default: 5
  wait_retries:
    description: Number of checks while waiting.
    type: int
    default: 25
  fail_on_not_found:
    description: Fail when the server (or the backend) does not exist; otherwise the task warns and changes nothing.
    type: bool
    default: false
  health:
    description:
      - Also enable (O(state=enabled)) or disable (O(state=disabled)) the server's health checks, like
        C(community.general.haproxy). Ignored with O(state=drain). A server without C(check) on its line
        gets a warning, not a change.
    type: bool
    default: false
  agent:
    description:
      - Also enable (O(state=enabled)) or disable (O(state=disabled)) the server's agent checks
        (C(agent-check) on its line), like C(community.general.haproxy). Ignored with O(state=drain).
    type: bool
    default: false
notes:
  - In check mode the module reads the state and reports what it would change; it sends no command.
seealso:
  - module: berth.docker.haproxy
'''

EXAMPLES = r'''
- name: Take app1 out of rotation, letting running requests finish
  berth.docker.haproxy_server:
    socket: /run/haproxy/admin.sock
    backend: app
    host: app1
    state: disabled
    drain: true
    wait_interval: 1
    wait_retries: 60
    fail_on_not_found: true

- name: Put it back and wait until it is UP
  berth.docker.haproxy_server:
    socket: /run/haproxy/admin.sock
    backend: app
    host: app1
    state: enabled
    wait: true
    wait_interval: 1

- name: Maintenance that also stops the health checks (no DOWN alerts while app1 is worked on)
  berth.docker.haproxy_server:
    socket: /run/haproxy/admin.sock
    backend: app
    host: app1
    state: disabled
    health: true

- name: Half the traffic to app2
  berth.docker.haproxy_server:
    socket: /run/haproxy/admin.sock
    host: app2
    state: enabled
    weight: 50%
'''

RETURN = r'''
backends:
  description: The backends whose server O(host) was examined.
  returned: always
  type: list
  elements: str
  sample: [app]
commands:
  description: The runtime API commands needed (sent unless in check mode).
  returned: always
  type: list
  elements: str
  sample: ["set server app/app1 state maint"]
commands_sent:
  description: The runtime API commands actually sent.
  returned: success
  type: list
  elements: str
before:
  description: The server's state before, one entry per backend (state, status, weight, sessions...).
  returned: always
  type: list
  elements: dict
  sample: [{backend: app, name: app1, state: enabled, status: UP, weight: 1, initial_weight: 1, sessions: 0,
            health_check: enabled, agent_check: absent}]
after:
  description: The server's state after (not in check mode).
  returned: success
  type: list
  elements: dict
msg:
  description: Why nothing was done (server not found and O(fail_on_not_found=false)).
  returned: when the server was not found
  type: str
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.berth.docker.plugins.module_utils.haproxy_runtime import haproxy_server_argument_spec, run_haproxy_server


def main():
    module = AnsibleModule(argument_spec=haproxy_server_argument_spec(), supports_check_mode=True)
    run_haproxy_server(module)


if __name__ == '__main__':
    main()
