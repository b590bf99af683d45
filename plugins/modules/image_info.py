#!/usr/bin/python
# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r'''
module: image_info
short_description: The engine's inspect data of local images
version_added: 0.2.0
description:
  - Returns the engine's inspect answer, unchanged, for each named image that is on the engine, the same data
    C(docker image inspect NAME) prints; without O(name), for every image C(docker images) lists.
  - An image that is not on the engine is left out of RV(images), which is not an error. To test whether one
    image is there, name it alone and check whether RV(images) is empty.
  - Nothing is pulled; M(berth.docker.image) does that.
  - Option and result names follow C(community.docker.docker_image_info).
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
      - Images to inspect, each as C(name), C(name:tag), C(name@sha256:digest), an image ID (V(sha256:...)) or a
        unique ID prefix. A name without tag or digest means its V(latest) tag.
      - When not set, every image C(docker images) lists (tagged and dangling, not intermediate build layers).
    type: list
    elements: str
seealso:
  - module: berth.docker.image
  - module: berth.docker.host_info
'''

EXAMPLES = r'''
- name: Read two images
  berth.docker.image_info:
    name:
      - web:1.0
      - busybox
  register: found

- name: Their IDs, in the order found
  ansible.builtin.debug:
    msg: "{{ found.images | map(attribute='Id') | list }}"

- name: Is web:2.0 on the engine?
  berth.docker.image_info:
    name: web:2.0
  register: web2

- name: Build it only when it is not
  berth.docker.image:
    name: web:2.0
    source: build
    build:
      path: /srv/web
  when: web2.images | length == 0
'''

RETURN = r'''
images:
  description:
    - The engine's inspect data (C(GET /images/{name}/json)) of each image found, in the order of O(name);
      images not on the engine are left out.
    - Without O(name), every listed image.
  returned: always
  type: list
  elements: dict
  sample:
    - Id: sha256:9c7a54a9a43cca047013b82af109fe963fde787f63f9e016fdc3384500c2823d
      RepoTags:
        - busybox:latest
      RepoDigests: []
      Architecture: amd64
      Os: linux
      Size: 4261574
      Config:
        Cmd:
          - sh
'''

from ansible_collections.berth.docker.plugins.module_utils.resource_info import main as info_main


def main():
    info_main('image')


if __name__ == '__main__':
    main()
