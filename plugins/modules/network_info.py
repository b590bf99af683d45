#!/usr/bin/python
# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r'''
module: network_info
short_description: The engine's inspect data of one network, and whether it exists
version_added: 0.2.0
description:
  - Looks a network up by name or ID and returns the engine's inspect answer for it unchanged, the same
    data C(docker network inspect NAME) prints (including the running containers attached to it).
  - A missing network is not an error; RV(exists) says whether there is one.
  - Option and result names follow C(community.docker.docker_network_info).
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
      - The network's name, full ID, or an ID prefix that only this network's ID starts with.
    type: str
    required: true
seealso:
  - module: berth.docker.network
  - module: berth.docker.host_info
'''

EXAMPLES = r'''
- name: Read the backend network
  berth.docker.network_info:
    name: backend
  register: backend

- name: Its subnets and the containers on it
  ansible.builtin.debug:
    msg:
      subnets: "{{ backend.network.IPAM.Config | map(attribute='Subnet') | list }}"
      containers: "{{ backend.network.Containers | dict2items | map(attribute='value.Name') | list }}"
  when: backend.exists
'''

RETURN = r'''
exists:
  description: Whether the network exists.
  returned: always
  type: bool
  sample: true
network:
  description:
    - The engine's inspect data of the network (C(GET /networks/{id})), as C(docker network inspect) shows it.
    - V(null) when the network does not exist.
  returned: always
  type: dict
  sample:
    Name: backend
    Id: 0f3a9e3cbd7a4d31b0bd1d4e0e1c6b5a7d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a
    Driver: bridge
    Scope: local
    IPAM:
      Driver: default
      Config:
        - Subnet: 172.28.0.0/16
          Gateway: 172.28.0.1
    Containers: {}
    Labels: {}
'''

from ansible_collections.berth.docker.plugins.module_utils.resource_info import main as info_main


def main():
    info_main('network')


if __name__ == '__main__':
    main()
