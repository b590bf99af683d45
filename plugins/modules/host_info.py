#!/usr/bin/python
# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r'''
module: host_info
short_description: Facts about a Docker engine, and lists of its containers, images, networks and volumes
version_added: 0.1.0
description:
  - Returns the engine's version, negotiated API version, operating system, storage driver, cgroup
    driver and version, and object counts.
  - Optionally lists containers, images, networks and volumes, with the engine's own filters.
  - Talks to the Engine API with the Python standard library only; nothing needs to be installed on the managed host.
  - Option names follow C(community.docker.docker_host_info) for the common subset.
author:
  - berth.docker developers (@berth-docker)
extends_documentation_fragment:
  - berth.docker.docker
  - berth.docker.attributes
  - berth.docker.attributes.info_module
  - berth.docker.attributes.actiongroup_docker
options:
  containers:
    description: List containers (running ones; see O(containers_all)).
    type: bool
    default: false
  containers_all:
    description: With O(containers), list stopped containers too, like C(docker ps -a).
    type: bool
    default: false
  containers_filters:
    description:
      - 'Engine filters for the container list, for example V({label: "app=web", status: running, name: web}).'
      - 'A value may be a string, a list of strings, or for C(label) a dict V({key: value}).'
    type: dict
  images:
    description: List images.
    type: bool
    default: false
  images_filters:
    description: 'Engine filters for the image list, for example V({dangling: true}) or V({reference: "nginx*"}).'
    type: dict
  networks:
    description: List networks.
    type: bool
    default: false
  networks_filters:
    description: 'Engine filters for the network list, for example V({driver: bridge}).'
    type: dict
  volumes:
    description: List volumes.
    type: bool
    default: false
  volumes_filters:
    description: 'Engine filters for the volume list, for example V({dangling: true}).'
    type: dict
  disk_usage:
    description: Return a summary of disk usage (C(GET /system/df)); the full data with O(verbose_output).
    type: bool
    default: false
  verbose_output:
    description: Return the engine's complete objects in the lists instead of a short summary of each.
    type: bool
    default: false
  fail_on_unreachable:
    description:
      - When V(false), an engine that cannot be reached does not fail the task; the result has
        RV(can_talk_to_docker=false) and the reason in RV(msg).
    type: bool
    default: true
  debug:
    description: Accepted for compatibility with C(community.docker.docker_host_info); it changes nothing.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Engine facts
  berth.docker.host_info:
  register: docker

- name: Show the engine version and storage driver
  ansible.builtin.debug:
    msg: "Docker {{ docker.engine.version }} (API {{ docker.engine.api_version }}), {{ docker.engine.storage_driver }}"

- name: Every container of the web stack, running or not
  berth.docker.host_info:
    containers: true
    containers_all: true
    containers_filters:
      label: com.docker.compose.project=web
  register: web

- name: Is there an engine at all? (does not fail when there is none)
  berth.docker.host_info:
    fail_on_unreachable: false
  register: probe

- name: Install the engine only where there is none
  berth.docker.engine:
  when: not probe.can_talk_to_docker
'''

RETURN = r'''
can_talk_to_docker:
  description: Whether the engine answered.
  returned: always
  type: bool
  sample: true
msg:
  description: Why the engine could not be reached (only with O(fail_on_unreachable=false)).
  returned: when the engine could not be reached
  type: str
api_version_used:
  description: The Engine API version negotiated for this run.
  returned: success
  type: str
  sample: "1.41"
engine:
  description: Short engine facts.
  returned: success
  type: dict
  sample:
    version: 20.10.24+dfsg1
    api_version: "1.41"
    min_api_version: "1.12"
    os: Debian GNU/Linux 12 (bookworm)
    os_type: linux
    storage_driver: overlay2
    cgroup_driver: cgroupfs
    cgroup_version: "1"
    containers: 3
    containers_running: 2
    containers_paused: 0
    containers_stopped: 1
    images: 5
host_info:
  description: The engine's complete C(GET /info) answer (C(docker info)).
  returned: success
  type: dict
docker_version:
  description: The engine's complete C(GET /version) answer (C(docker version)).
  returned: success
  type: dict
containers:
  description:
    - Containers; unless O(verbose_output), each with C(Id), C(Image), C(Command), C(Created), C(Status), C(State),
      C(Ports), C(Names) and C(Labels).
  returned: when O(containers=true)
  type: list
  elements: dict
images:
  description: Images; unless O(verbose_output), each with C(Id), C(RepoTags), C(Created), C(Size) and C(Labels).
  returned: when O(images=true)
  type: list
  elements: dict
networks:
  description: Networks; unless O(verbose_output), each with C(Id), C(Driver), C(Name), C(Scope) and C(Labels).
  returned: when O(networks=true)
  type: list
  elements: dict
volumes:
  description: Volumes; unless O(verbose_output), each with C(Driver), C(Name) and C(Labels).
  returned: when O(volumes=true)
  type: list
  elements: dict
disk_usage:
  description: The size of all image layers (C(LayersSize)), or all of C(GET /system/df) with O(verbose_output).
  returned: when O(disk_usage=true)
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.berth.docker.plugins.module_utils.api import EngineUnreachable
from ansible_collections.berth.docker.plugins.module_utils.common import docker_argument_spec, run_module
from ansible_collections.berth.docker.plugins.module_utils.host_info import gather


def main():
    module = AnsibleModule(
        argument_spec=docker_argument_spec(dict(
            containers=dict(type='bool', default=False),
            containers_all=dict(type='bool', default=False),
            containers_filters=dict(type='dict'),
            images=dict(type='bool', default=False),
            images_filters=dict(type='dict'),
            networks=dict(type='bool', default=False),
            networks_filters=dict(type='dict'),
            volumes=dict(type='bool', default=False),
            volumes_filters=dict(type='dict'),
            disk_usage=dict(type='bool', default=False),
            verbose_output=dict(type='bool', default=False),
            fail_on_unreachable=dict(type='bool', default=True),
            debug=dict(type='bool', default=False),
        )),
        supports_check_mode=True,
    )

    def on_error(exc):
        if module.params['fail_on_unreachable'] or not isinstance(exc, EngineUnreachable):
            return {'can_talk_to_docker': not isinstance(exc, EngineUnreachable)}
        return {'_exit': True, 'changed': False, 'can_talk_to_docker': False, 'msg': exc.msg}

    run_module(module, gather, on_error)


if __name__ == '__main__':
    main()
