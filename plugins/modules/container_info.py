#!/usr/bin/python
# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r'''
module: container_info
short_description: The engine's inspect data of one container, and whether it exists
version_added: 0.2.0
description:
  - Looks a container up by name or ID and returns the engine's inspect answer for it unchanged, the same
    data C(docker inspect NAME) prints.
  - A missing container is not an error; RV(exists) says whether there is one.
  - Option and result names follow C(community.docker.docker_container_info).
author:
  - berth.docker developers (@berth-docker)
extends_documentation_fragment:
  - berth.docker.docker
  - berth.docker.attributes
  - berth.docker.attributes.info_module
  - berth.docker.attributes.actiongroup_docker
options:
  name:
    description:
      - The container's name (also as the engine writes it, V(/web)), full ID, or an ID prefix that only this
        container's ID starts with.
    type: str
    required: true
seealso:
  - module: berth.docker.container
  - module: berth.docker.host_info
'''

EXAMPLES = r'''
- name: Read the web container
  berth.docker.container_info:
    name: web
  register: web

- name: Its address on the default bridge, if it exists
  ansible.builtin.debug:
    msg: "{{ web.container.NetworkSettings.IPAddress if web.exists else 'no container named web' }}"

- name: Fail unless it is running
  ansible.builtin.assert:
    that:
      - web.exists
      - web.container.State.Running
'''

RETURN = r'''
exists:
  description: Whether the container exists.
  returned: always
  type: bool
  sample: true
container:
  description:
    - The engine's inspect data of the container (C(GET /containers/{id}/json)), as C(docker inspect) shows it.
    - V(null) when the container does not exist.
  returned: always
  type: dict
  sample:
    Id: 3f1c0ad1b9e8f3d7f2d9d1a8b8d8a1f3c0ad1b9e8f3d7f2d9d1a8b8d8a1f3c0a
    Name: /web
    State:
      Status: running
      Running: true
    Config:
      Image: web:1.0
      Labels: {}
'''

from ansible_collections.berth.docker.plugins.module_utils.resource_info import main as info_main


def main():
    info_main('container')


if __name__ == '__main__':
    main()
