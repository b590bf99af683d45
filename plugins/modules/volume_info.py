#!/usr/bin/python
# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r'''
module: volume_info
short_description: The engine's inspect data of one volume, and whether it exists
version_added: 0.2.0
description:
  - Looks a volume up by name and returns the engine's inspect answer for it unchanged, the same data
    C(docker volume inspect NAME) prints.
  - A missing volume is not an error; RV(exists) says whether there is one.
  - Option and result names follow C(community.docker.docker_volume_info).
author:
  - berth.docker developers (@berth-docker)
extends_documentation_fragment:
  - berth.docker.docker
  - berth.docker.attributes
  - berth.docker.attributes.info_module
  - berth.docker.attributes.actiongroup_docker
options:
  name:
    description: The volume's name.
    type: str
    required: true
    aliases: [volume_name]
seealso:
  - module: berth.docker.volume
  - module: berth.docker.host_info
'''

EXAMPLES = r'''
- name: Read the database volume
  berth.docker.volume_info:
    name: db-data
  register: db_data

- name: Where its files are on the host
  ansible.builtin.debug:
    msg: "{{ db_data.volume.Mountpoint }}"
  when: db_data.exists
'''

RETURN = r'''
exists:
  description: Whether the volume exists.
  returned: always
  type: bool
  sample: true
volume:
  description:
    - The engine's inspect data of the volume (C(GET /volumes/{name})), as C(docker volume inspect) shows it.
    - V(null) when the volume does not exist.
  returned: always
  type: dict
  sample:
    Name: db-data
    Driver: local
    Mountpoint: /var/lib/docker/volumes/db-data/_data
    CreatedAt: "2026-01-05T10:11:12Z"
    Labels:
      app: shop
    Options: null
    Scope: local
'''

from ansible_collections.berth.docker.plugins.module_utils.resource_info import main as info_main


def main():
    info_main('volume')


if __name__ == '__main__':
    main()
