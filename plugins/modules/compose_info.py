#!/usr/bin/python
# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r'''
module: compose_info
short_description: The containers, merged configuration, logs and service status of a compose project
version_added: 0.1.0
description:
  - What C(docker-compose ps), C(config) and C(logs) show, for a project given by O(project_name) alone (found by
    its C(com.docker.compose.project) label, whoever created it) or by its files / directory / definition.
  - RV(config) is the fully merged and interpolated configuration, normalised (only when the project's files or
    definition are given). Environment values and build args in it are masked (see O(mask_values)); secrets and
    configs show only the sha256 of their content.
  - Talks to the Engine API with the Python standard library only; reading compose files needs PyYAML on the
    managed host.
author:
  - berth.docker developers (@berth-docker)
extends_documentation_fragment:
  - berth.docker.docker
  - berth.docker.compose
  - berth.docker.attributes
  - berth.docker.attributes.info_module
  - berth.docker.attributes.actiongroup_docker
options:
  services:
    description: Only these services.
    type: list
    elements: str
  mask_values:
    description:
      - Show every environment value and build arg in RV(config) as C(<masked sha256:DIGEST>), the first 12 hex
        digits of the sha256 of the value (keys in clear; the same value gives the same digest, so a change shows).
        They may come from C(.env) or O(env_files), or be interpolated from them, and hold passwords.
      - V(false) returns them in clear, like C(docker compose config), for a comparison with it; the task's result
        then holds those values (set C(no_log) on the task, do not register it where it gets printed).
    type: bool
    default: true
  logs:
    description: Return the last O(tail) log lines of every container, per service (stdout and stderr).
    type: bool
    default: false
  tail:
    description: With O(logs), how many lines per container; V(-1) for all.
    type: int
    default: 100
  since:
    description: With O(logs), only lines since this time, a unix timestamp or a duration ago such as V(10m) or V(1h).
    type: str
seealso:
  - module: berth.docker.compose
'''

EXAMPLES = r'''
- name: Like docker-compose ps
  berth.docker.compose_info:
    project_name: web
  register: web

- name: Which services are not fully running?
  ansible.builtin.debug:
    msg: "{{ web.services | dict2items | selectattr('value.running', 'lt', 1) | map(attribute='key') | list }}"

- name: The merged configuration of two files, like docker-compose -f a -f b config
  berth.docker.compose_info:
    project_src: /srv/web
    files: [docker-compose.yml, prod.yml]
  register: merged

- name: Compare with docker compose config (values in clear; keep the result out of the log)
  berth.docker.compose_info:
    project_src: /srv/web
    mask_values: false
  register: plain_config
  no_log: true

- name: The last 20 log lines of nginx from the last hour
  berth.docker.compose_info:
    project_name: web
    services: [nginx]
    logs: true
    tail: 20
    since: 1h
'''

RETURN = r'''
project_name:
  description: The normalised project name.
  returned: success
  type: str
containers:
  description: The project's containers, stopped ones too, like C(docker-compose ps -a).
  returned: success
  type: list
  elements: dict
  sample:
    - Name: web-nginx-1
      Service: nginx
      Number: 1
      State: running
      Status: Up 2 minutes (healthy)
      Health: healthy
      Ports: ["0.0.0.0:8001->80/tcp"]
config:
  description:
    - The merged, interpolated and normalised configuration (C(name), C(services), C(networks), C(volumes),
      C(secrets), C(configs)).
    - Environment values and build args are masked unless O(mask_values=false).
  returned: when the project's files, directory or definition are given
  type: dict
  sample:
    name: web
    services:
      db:
        image: mariadb:11
        environment:
          MARIADB_ROOT_PASSWORD: <masked sha256:5e884898da28>
          TZ: <masked sha256:2c4c0ef3c6b1>
services:
  description: Per service, how many containers it has, how many run, how many are healthy, and their states.
  returned: success
  type: dict
  sample:
    nginx:
      containers: 2
      running: 2
      healthy: 0
      states: [running]
      scale: 2
logs:
  description: Per service, per container name, the log lines.
  returned: when O(logs=true)
  type: dict
'''

from ansible_collections.berth.docker.plugins.module_utils.compose.info import run_compose_info
from ansible_collections.berth.docker.plugins.module_utils.compose.options import INFO_SPEC, compose_main


def main():
    compose_main(INFO_SPEC, run_compose_info)


if __name__ == '__main__':
    main()
