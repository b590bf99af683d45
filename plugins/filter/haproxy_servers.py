# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
name: haproxy_servers
short_description: HAProxy server entries from the containers of a compose service on a list of hosts
version_added: 0.1.0
description:
  - Turns the containers of a compose service (found by their C(com.docker.compose.service) label), running on a list of
    inventory hosts, into entries for O(berth.docker.haproxy#module:backends[].servers) of M(berth.docker.haproxy),
    one server per replica, at the host's address and the port the container publishes.
  - Each host must have a variable (O(containers_var)) holding its containers, as registered from
    M(berth.docker.host_info) with O(berth.docker.host_info#module:containers=true), or a plain list of containers.
  - The result is sorted (host, then container number), so the rendered configuration does not change between runs.
author:
  - berth.docker developers (@berth-docker)
options:
  _input:
    description: Inventory host names, for example C(groups.webservers).
    type: list
    elements: str
    required: true
  hostvars:
    description: The C(hostvars) magic variable.
    type: dict
    required: true
  service:
    description: The compose service name.
    type: str
    required: true
  project:
    description: Only containers of this compose project.
    type: str
  private_port:
    description: The container port that is published (the one HAProxy should reach).
    type: int
    default: 80
  containers_var:
    description: The host variable with the host's containers.
    type: str
    default: docker_host_info
  address_var:
    description:
      - The host variable with the address HAProxy uses to reach the host. Defaults to C(ansible_host), then the inventory name.
      - A port published on one specific IP (for example C(127.0.0.1:8001:80)) is reached at that IP instead.
    type: str
    default: ansible_host
  name_format:
    description: 'Server name, a Python format string with C({host}), C({service}), C({project}) and C({number}).'
    type: str
    default: '{service}{number}'
  server_options:
    description: 'Options merged into every entry, for example V({inter: 2s, fall: 3}).'
    type: dict
'''

EXAMPLES = r'''
- name: The containers of each web server
  berth.docker.host_info:
    containers: true
    containers_filters:
      label: com.docker.compose.service=web
  register: docker_host_info
  delegate_to: "{{ item }}"
  delegate_facts: true
  loop: "{{ groups.webservers }}"

- name: Every replica of service web on group webservers behind HAProxy
  berth.docker.haproxy:
    frontends: [{name: main, binds: [{port: 80}], default_backend: app}]
    backends:
      - name: app
        servers: "{{ groups.webservers | berth.docker.haproxy_servers(hostvars, service='web', server_options={'inter': '2s'}) }}"
'''

RETURN = r'''
_value:
  description: Server entries C({name, address, port}) (plus O(server_options)).
  type: list
  elements: dict
'''

import re

from ansible.errors import AnsibleFilterError

from ansible_collections.berth.docker.plugins.module_utils.compose.labels import LABEL_PROJECT, LABEL_SERVICE, container_number

WILDCARDS = ('', '0.0.0.0', '::')


def _containers(value):
    if isinstance(value, dict):
        value = value.get('containers')
    return list(value or [])


def haproxy_servers(hosts, hostvars, service, project=None, private_port=80, containers_var='docker_host_info',
                    address_var='ansible_host', name_format='{service}{number}', server_options=None):
    if isinstance(hosts, str):
        hosts = [hosts]
    out = []
    names = set()
    multi_host = len(hosts) > 1
    for host in sorted(hosts):
        try:
            hv = hostvars[host]
        except KeyError:
            raise AnsibleFilterError('haproxy_servers: host %r is not in hostvars' % host)
        if containers_var not in hv:
            raise AnsibleFilterError('haproxy_servers: host %r has no variable %r: register berth.docker.host_info '
                                     '(containers: true) on it under that name' % (host, containers_var))
        address = hv.get(address_var) or host
        found = []
        for container in _containers(hv[containers_var]):
            labels = container.get('Labels') or {}
            if labels.get(LABEL_SERVICE) != service:
                continue
            if project and labels.get(LABEL_PROJECT) != project:
                continue
            if container.get('State') not in (None, 'running'):
                continue
            found.append(container)
        for container in sorted(found, key=lambda c: (container_number(c), (c.get('Names') or [''])[0])):
            ports = [p for p in container.get('Ports') or []
                     if int(p.get('PrivatePort') or 0) == int(private_port) and p.get('PublicPort')
                     and p.get('Type', 'tcp') == 'tcp']
            if not ports:
                continue
            # prefer the IPv4 entry; a port published on one IP is reached at that IP
            ports.sort(key=lambda p: (':' in (p.get('IP') or ''), p.get('IP') or ''))
            port = ports[0]
            ip = port.get('IP') or ''
            number = container_number(container) or len([o for o in out if o.get('_host') == host]) + 1
            labels = container.get('Labels') or {}
            name = name_format.format(host=host, service=service, number=number,
                                      project=labels.get(LABEL_PROJECT, ''))
            if multi_host and '{host}' not in name_format:
                name = '%s_%s' % (host, name)
            name = re.sub(r'[^A-Za-z0-9_.:-]', '_', name)
            if name in names:
                raise AnsibleFilterError('haproxy_servers: two containers would be called %r: add {host} or {number} to name_format' % name)
            names.add(name)
            entry = {'name': name, 'address': address if ip in WILDCARDS else ip, 'port': int(port['PublicPort']), '_host': host}
            out.append(entry)
    result = []
    for entry in out:
        entry.pop('_host')
        entry.update(server_options or {})
        result.append(entry)
    return result


class FilterModule:
    def filters(self):
        return {'haproxy_servers': haproxy_servers}
