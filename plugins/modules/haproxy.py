#!/usr/bin/python
# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r'''
module: haproxy
short_description: Declarative haproxy.cfg, validated, written atomically and applied with a hitless reload
version_added: 0.1.0
description:
  - Renders C(haproxy.cfg) from a declarative model (global and defaults settings, frontends, backends,
    listens, a stats listener and a runtime stats socket) deterministically, so the file only changes when the model does.
  - Validates the new file with C(haproxy -c -f) on the target before it replaces the old one, writes it
    atomically (optionally keeping a backup) and applies it with a hitless reload.
  - 'Reload strategies: C(systemctl reload) when systemd manages HAProxy; C(SIGUSR2) to a master-worker
    daemon (C(haproxy -W -D -p PIDFILE -S MASTER_SOCKET -f CFG)) where there is no init system; C(-sf) as the
    last resort. A reload that fails restores the previous file, reloads it again and fails the task with the error.'
  - Starts HAProxy when it is not running (O(start)).
  - 'Every string of the model is checked before anything is written: a control character (CR, LF, NUL, TAB...)
    anywhere is refused, naming the option; names (proxies, servers, ACLs, resolvers, nameservers, template
    prefixes) must follow HAProxy''s name grammar; server and nameserver addresses and template FQDNs must be an IP
    address or a host name. Free-text values (realm, stats uri, cookies, certificate paths, httpchk uri and host,
    timeouts...) are quoted so that HAProxy reads back exactly the value given (spaces, C(#), quotes, backslashes and
    C($) included). Fields that are HAProxy syntax (ACL conditions, options, http-request rules, balance,
    httpchk expect, log targets, C(extra) lines) are kept as written but must stay on their line: no unterminated
    quote, no trailing backslash, no C(#) outside quotes (write C(\#)), and an C(extra) line cannot open a section
    or a conditional block.'
  - 'Stats users go into a C(userlist) with SHA-512 crypt hashes (C(password $6$...), never C(insecure-password)),
    computed on the target in pure Python; the hash of the current file is kept while the password still matches, so
    an unchanged password does not change the file, and a rotated one does. Passwords work exactly as given.'
  - 'Diffs, results and errors never show a password: C(stats auth) and C(userlist) password lines are masked on
    both sides of a diff (a hash shows only as a short digest of the hash, so a rotation stays visible), also for
    O(state=absent).'
  - Checks that every bind address is an address of the host (pyroute2 when importable, else C(/proc)).
  - Not part of the C(berth.docker.docker) action group; it does not talk to the Docker engine.
author:
  - berth.docker developers (@berth-docker)
extends_documentation_fragment:
  - berth.docker.attributes
  - berth.docker.attributes.platform_posix
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - Password hashes are masked on both sides of the diff.
  idempotent:
    support: full
options:
  state:
    description:
      - V(present) renders, validates, writes and applies the configuration.
      - V(absent) removes the file at O(path) (HAProxy itself is left alone).
    type: str
    choices: [present, absent]
    default: present
  path:
    description: The configuration file.
    type: path
    default: /etc/haproxy/haproxy.cfg
  mode:
    description: Permissions of the file; it may hold the stats password, hence owner-only by default.
    type: str
    default: '0600'
  backup:
    description: Keep a copy of the previous file as C(PATH.DATE.PID~) before replacing it.
    type: bool
    default: false
  validate:
    description: Validate with C(haproxy -c -f) before replacing the file. Only turn off when HAProxy is not installed yet.
    type: bool
    default: true
  check_bind_addresses:
    description:
      - Fail when a bind address is not one of the host's addresses (HAProxy would start, but never receive a connection there).
      - Also fail, before anything is written, when a bind's port is already taken by another program (its name and PID
        are read from C(/proc)); ports HAProxy itself holds are fine, a reload takes them over.
      - Set to V(false) for addresses added later, such as a floating VIP.
    type: bool
    default: true
  haproxy_bin:
    description: The C(haproxy) binary used to validate, start and reload.
    type: str
    default: haproxy
  service_mgr:
    description:
      - How HAProxy is started and reloaded.
      - V(auto) is V(systemd) when systemd is PID 1, else V(master_worker).
      - V(systemd) runs C(systemctl reload O(service_name)) (C(start) when inactive); the unit must read O(path).
        As Debian's unit reloads with C(kill -USR2) and exits 0 even when the new workers cannot start, the outcome is
        read from the master CLI (the C(-S) socket on the running master's command line, Debian's default
        C(/run/haproxy-master.sock)), or without one from the master's children; a refused reload restores the
        previous file, reloads again, and fails the task with HAProxy's own lines from the journal.
      - V(master_worker) runs C(haproxy -W -D -p O(pid_file) -S O(master_socket) -f O(path)) and reloads with C(SIGUSR2);
        the outcome of the reload is read from the master CLI.
      - V(sf) runs C(haproxy -D -p O(pid_file) -f O(path)) and reloads by starting a new one with C(-sf OLD_PIDS).
      - V(none) only writes the file.
    type: str
    choices: [auto, systemd, master_worker, sf, none]
    default: auto
  service_name:
    description: The systemd unit (O(service_mgr=systemd)).
    type: str
    default: haproxy
  pid_file:
    description: The pid file of a daemon started by this module (O(service_mgr=master_worker) or V(sf)).
    type: path
    default: /run/haproxy.pid
  master_socket:
    description:
      - The master CLI socket of a master-worker daemon, used to learn whether a reload succeeded.
      - Defaults to O(pid_file) without its extension plus C(-master.sock).
    type: path
  start:
    description: Start HAProxy when it is not running (not with O(service_mgr=none)).
    type: bool
    default: true
  enabled:
    description: With systemd, enable the unit at boot (C(systemctl enable)) when it is not.
    type: bool
    default: true
  reload:
    description: Reload a running HAProxy when the file changed.
    type: bool
    default: true
  reload_timeout:
    description: Seconds to wait for a master-worker reload or start to complete.
    type: int
    default: 15
  global_settings:
    description: The C(global) section.
    type: dict
    default: {}
    suboptions:
      log:
        description: C(log) targets, one line each.
        type: list
        elements: str
        default: ['/dev/log local0']
      maxconn:
        description: Maximum concurrent connections of the process.
        type: int
        default: 4096
      user:
        description: User HAProxy drops privileges to.
        type: str
      group:
        description: Group HAProxy drops privileges to.
        type: str
      chroot:
        description: Directory HAProxy chroots into.
        type: path
      nbthread:
        description: Number of threads.
        type: int
      extra:
        description: Raw lines appended to the section, for what the model lacks.
        type: list
        elements: str
        default: []
  defaults:
    description: The C(defaults) section.
    type: dict
    default: {}
    suboptions:
      mode:
        description: Default proxy mode.
        type: str
        choices: [http, tcp]
        default: http
      log:
        description: C(log) line (V(global) uses the global targets).
        type: str
        default: global
      options:
        description: C(option) lines, without the word C(option).
        type: list
        elements: str
        default: [httplog, dontlognull, redispatch]
      retries:
        description: Connection retries.
        type: int
        default: 3
      timeouts:
        description: C(timeout NAME VALUE) lines; underscores in names become dashes (V(http_request) -> C(http-request)).
        type: dict
        default: {connect: 5s, client: 30s, server: 30s, http_request: 10s, queue: 30s, check: 5s}
      maxconn:
        description: Default C(maxconn) per proxy.
        type: int
      extra:
        description: Raw lines appended to the section.
        type: list
        elements: str
        default: []
  frontends:
    description: C(frontend) sections, in this order.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Proxy name (unique among frontends, backends and listens).
        type: str
        required: true
      binds:
        description: Listening addresses.
        type: list
        elements: dict
        suboptions: &bind
          address:
            description: An address of the host; empty or V(*) for all.
            type: str
          port:
            description: TCP port.
            type: int
            required: true
          ssl:
            description: Terminate TLS.
            type: bool
          crt:
            description: Certificate (PEM with key) or directory, with O(frontends[].binds[].ssl).
            type: path
          alpn:
            description: ALPN protocols, for example V(h2,http/1.1).
            type: str
          extra:
            description: Raw words appended to the C(bind) line.
            type: list
            elements: str
      mode:
        description: Proxy mode.
        type: str
        choices: [http, tcp]
      acls:
        description: 'C(acl NAME CONDITION) lines, for example V({name: url_static, condition: "path_beg -i /static"}).'
        type: list
        elements: dict
        suboptions: &acl
          name:
            description: ACL name.
            type: str
            required: true
          condition:
            description: Fetch, flags and patterns, exactly as in HAProxy.
            type: str
            required: true
      use_backends:
        description: C(use_backend BACKEND if CONDITION) rules, in order.
        type: list
        elements: dict
        suboptions: &use_backend
          backend:
            description: Backend to use.
            type: str
            required: true
          condition:
            description: The condition after C(if), for example an ACL name.
            type: str
            required: true
      default_backend:
        description: Backend for everything else.
        type: str
      http_request:
        description: C(http-request) rules, without the word C(http-request).
        type: list
        elements: str
      options:
        description: C(option) lines, without the word C(option).
        type: list
        elements: str
      extra:
        description: Raw lines appended to the section.
        type: list
        elements: str
  backends:
    description: C(backend) sections, in this order.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Proxy name.
        type: str
        required: true
      mode:
        description: Proxy mode.
        type: str
        choices: [http, tcp]
      balance:
        description: Load-balancing algorithm, for example V(roundrobin), V(leastconn), V(source), V(uri).
        type: str
        default: roundrobin
      httpchk:
        description: HTTP health checks (C(option httpchk) and C(http-check) rules); servers need C(check).
        type: dict
        suboptions: &httpchk
          method:
            description: Request method.
            type: str
            default: GET
          uri:
            description: Request path.
            type: str
            default: /
          host:
            description: Host header.
            type: str
          expect:
            description: The C(http-check expect) rule, for example V(status 200) or V(rstring ok).
            type: str
      servers:
        description: Servers; names unique within the backend.
        type: list
        elements: dict
        suboptions: &server
          name:
            description: Server name (used by M(berth.docker.haproxy_server) and the stats page).
            type: str
            required: true
          address:
            description: IP address or host name.
            type: str
            required: true
          port:
            description: TCP port.
            type: int
          check:
            description: Health-check the server.
            type: bool
            default: true
          inter:
            description: Interval between checks, for example V(2s).
            type: str
          rise:
            description: Successful checks before the server is UP.
            type: int
          fall:
            description: Failed checks before the server is DOWN.
            type: int
          weight:
            description: Load-balancing weight (0-256).
            type: int
          maxconn:
            description: Maximum concurrent connections to the server.
            type: int
          backup:
            description: Only used when all non-backup servers are down.
            type: bool
          cookie:
            description: Cookie value for persistence (with O(backends[].cookie)).
            type: str
          resolvers:
            description: Resolvers section used to re-resolve a host name O(backends[].servers[].address).
            type: str
          init_addr:
            description: C(init-addr) methods, for example V(last,libc,none).
            type: str
          extra:
            description: Raw words appended to the C(server) line.
            type: list
            elements: str
      server_templates:
        description: C(server-template) lines, for DNS-named container backends whose replicas come and go.
        type: list
        elements: dict
        aliases: [server_template]
        suboptions: &template
          prefix:
            description: Server name prefix (servers are called PREFIX1 ... PREFIXn).
            type: str
            required: true
          count:
            description: Number of server slots.
            type: int
            required: true
          fqdn:
            description: The DNS name to resolve.
            type: str
            required: true
          port:
            description: TCP port.
            type: int
          check:
            description: Health-check the servers.
            type: bool
            default: true
          inter:
            description: Interval between checks.
            type: str
          rise:
            description: Successful checks before UP.
            type: int
          fall:
            description: Failed checks before DOWN.
            type: int
          weight:
            description: Weight.
            type: int
          maxconn:
            description: Maximum concurrent connections per server.
            type: int
          resolvers:
            description: Resolvers section to use.
            type: str
          init_addr:
            description: C(init-addr) methods; V(last,libc,none) when not set, so HAProxy starts before the name resolves.
            type: str
          extra:
            description: Raw words appended to the line.
            type: list
            elements: str
      cookie:
        description: The C(cookie) line, for example V(SERVERID insert indirect nocache).
        type: str
      http_request:
        description: C(http-request) rules.
        type: list
        elements: str
      options:
        description: C(option) lines, without the word C(option).
        type: list
        elements: str
      allow_empty:
        description: Allow a backend without servers (otherwise that is an error).
        type: bool
        default: false
      extra:
        description: Raw lines appended to the section.
        type: list
        elements: str
  listens:
    description: C(listen) sections (frontend and backend in one); the options of both O(frontends) and O(backends).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Proxy name.
        type: str
        required: true
      binds:
        description: Listening addresses.
        type: list
        elements: dict
        suboptions: *bind
      mode:
        description: Proxy mode.
        type: str
        choices: [http, tcp]
      acls:
        description: ACLs.
        type: list
        elements: dict
        suboptions: *acl
      use_backends:
        description: C(use_backend) rules.
        type: list
        elements: dict
        suboptions: *use_backend
      default_backend:
        description: Backend for everything else.
        type: str
      http_request:
        description: C(http-request) rules.
        type: list
        elements: str
      balance:
        description: Load-balancing algorithm.
        type: str
        default: roundrobin
      httpchk:
        description: HTTP health checks.
        type: dict
        suboptions: *httpchk
      servers:
        description: Servers.
        type: list
        elements: dict
        suboptions: *server
      server_templates:
        description: C(server-template) lines.
        type: list
        elements: dict
        aliases: [server_template]
        suboptions: *template
      cookie:
        description: The C(cookie) line.
        type: str
      options:
        description: C(option) lines.
        type: list
        elements: str
      allow_empty:
        description: Allow no servers.
        type: bool
        default: false
      extra:
        description: Raw lines appended to the section.
        type: list
        elements: str
  stats:
    description: The stats listener (C(listen stats)).
    type: dict
    default: {}
    suboptions:
      enabled:
        description: Render the stats listener. Needs O(stats.users) (there is no default password).
        type: bool
        default: false
      binds:
        description: 'Where the stats page listens, for example V([{port: 9001}]).'
        type: list
        elements: dict
        suboptions: *bind
      uri:
        description: Path of the stats page.
        type: str
        default: /haproxy_stats
      realm:
        description: Basic-auth realm (any printable text, read back exactly).
        type: str
        default: HAProxy Statistics
      users:
        description:
          - Basic-auth users; REQUIRED when O(stats.enabled).
          - Written as a C(userlist stats_users) with SHA-512 crypt hashes and checked with
            a C(stats http-request auth) rule on C(http_auth).
        type: list
        elements: dict
        suboptions:
          username:
            description: User name (any printable text without C(:)).
            type: str
            required: true
          password:
            description:
              - Password, any printable characters, used exactly as given (spaces, C(#), quotes, backslashes).
              - Only its SHA-512 crypt hash is written to the file; it never shows in results, diffs or errors.
            type: str
            required: true
      refresh:
        description: Auto-refresh interval of the page, for example V(10s).
        type: str
      admin:
        description: Allow the admin actions of the stats page to its authenticated users. Off unless asked.
        type: bool
        default: false
      hide_version:
        description: Hide the HAProxy version on the page.
        type: bool
        default: true
      extra:
        description: Raw lines appended to the section.
        type: list
        elements: str
  stats_socket:
    description: The runtime API socket in the global section (needed by M(berth.docker.haproxy_server)).
    type: dict
    default: {}
    suboptions:
      enabled:
        description: Render the socket.
        type: bool
        default: true
      path:
        description: Socket path (its directory is created).
        type: path
        default: /run/haproxy/admin.sock
      mode:
        description: Socket permissions.
        type: str
        default: '660'
      level:
        description: Access level; M(berth.docker.haproxy_server) needs V(admin).
        type: str
        choices: [user, operator, admin]
        default: admin
      timeout:
        description: C(stats timeout).
        type: str
        default: 30s
  resolvers:
    description: C(resolvers) sections, for O(backends[].server_templates) and DNS-named servers.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Section name.
        type: str
        required: true
      nameservers:
        description: Name servers.
        type: list
        elements: dict
        suboptions:
          name:
            description: Label.
            type: str
            required: true
          address:
            description: IP address.
            type: str
            required: true
          port:
            description: UDP port.
            type: int
            default: 53
      parse_resolv_conf:
        description: Add the name servers of C(/etc/resolv.conf).
        type: bool
        default: false
      hold_valid:
        description: C(hold valid) period.
        type: str
      resolve_retries:
        description: C(resolve_retries).
        type: int
      timeout_retry:
        description: C(timeout retry).
        type: str
      extra:
        description: Raw lines appended to the section.
        type: list
        elements: str
notes:
  - The file holds the stats password hashes; it is written with mode O(mode) (V(0600) by default) and shown in diffs
    only with the passwords masked.
  - "Quoting follows section 2.2 (Quoting and escaping) of the HAProxy configuration manual: a value that needs it is
    written in single quotes, inside which HAProxy interprets nothing, and a single quote in it as C('\\'')
    (close the quotes, an escaped quote, reopen)."
  - C(changed) is true only when the rendered file differs from the one on the target (or its mode differs, or HAProxy had to be started).
seealso:
  - module: berth.docker.haproxy_server
  - plugin: berth.docker.haproxy_servers
    plugin_type: filter
'''

EXAMPLES = r'''
- name: The reference setup, round robin over two web containers, with stats
  berth.docker.haproxy:
    frontends:
      - name: main
        binds: [{port: 80}]
        acls:
          - {name: url_static, condition: "path_beg -i /static /images /javascript /stylesheets"}
          - {name: url_static, condition: "path_end -i .jpg .gif .png .css .js"}
        use_backends: [{backend: static, condition: url_static}]
        default_backend: app
    backends:
      - name: static
        servers: [{name: static, address: 127.0.0.1, port: 4331}]
      - name: app
        httpchk: {uri: /health, expect: status 200}
        servers:
          - {name: app1, address: 192.0.2.10, port: 8001, inter: 2s, fall: 3, rise: 2}
          - {name: app2, address: 192.0.2.10, port: 8002, inter: 2s, fall: 3, rise: 2}
    stats:
      enabled: true
      binds: [{port: 9001}]
      uri: /haproxy_stats
      realm: "Ops # stats"  # written 'Ops # stats': read back exactly
      # any printable password works as given; the file gets only its SHA-512 crypt hash
      users: [{username: admin, password: "{{ vault_haproxy_stats_password }}"}]
    backup: true

- name: Backends from every replica of compose service web on the webservers group
  berth.docker.haproxy:
    frontends: [{name: main, binds: [{port: 80}], default_backend: app}]
    backends:
      - name: app
        servers: "{{ groups.webservers | berth.docker.haproxy_servers(hostvars, service='web', private_port=80) }}"

- name: A test instance in a temporary directory, without systemd
  berth.docker.haproxy:
    path: /tmp/lb/haproxy.cfg
    pid_file: /tmp/lb/haproxy.pid
    service_mgr: master_worker
    global_settings: {log: []}
    stats_socket: {path: /tmp/lb/admin.sock}
    frontends: [{name: main, binds: [{address: 127.0.0.1, port: 18080}], default_backend: app}]
    backends: [{name: app, servers: [{name: web1, address: 127.0.0.1, port: 18001}]}]
'''

RETURN = r'''
path:
  description: The configuration file.
  returned: always
  type: str
  sample: /etc/haproxy/haproxy.cfg
backup_file:
  description: The backup of the previous file, when O(backup) made one.
  returned: always
  type: str
reloaded:
  description: Whether HAProxy was (or in check mode would be) reloaded.
  returned: always
  type: bool
started:
  description: Whether HAProxy was (or in check mode would be) started.
  returned: always
  type: bool
enabled:
  description: Whether the systemd unit was (or in check mode would be) enabled at boot.
  returned: always
  type: bool
service_mgr:
  description: The service manager used (V(auto) resolved).
  returned: when O(state=present)
  type: str
  sample: master_worker
socket:
  description: The runtime stats socket path, for M(berth.docker.haproxy_server).
  returned: when O(state=present)
  type: str
  sample: /run/haproxy/admin.sock
unified_diff:
  description: The unified diff of the file (diff mode only), with every password line masked on both sides.
  returned: when the file changes in diff mode
  type: str
  sample: "-    user admin password ******** (sha256 1c2d3e4f)\n+    user admin password ******** (sha256 9a8b7c6d)\n"
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.berth.docker.plugins.module_utils.haproxy_module import haproxy_argument_spec, run_haproxy


def main():
    module = AnsibleModule(argument_spec=haproxy_argument_spec(), supports_check_mode=True)
    run_haproxy(module)


if __name__ == '__main__':
    main()
