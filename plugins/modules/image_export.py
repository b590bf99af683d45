#!/usr/bin/python
# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r'''
module: image_export
short_description: Save images to a docker save archive
version_added: 0.2.0
description:
  - Writes the images O(names) to the archive O(path), like C(docker save); no change when the archive already holds
    exactly those images under those names (unless O(force)).
  - Option names and results follow C(community.docker.docker_image_export); the work is done by the same code as M(berth.docker.image).
author:
  - berth.docker developers (@berth-docker)
extends_documentation_fragment:
  - berth.docker.docker
  - berth.docker.attributes
  - berth.docker.attributes.actiongroup_docker
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  idempotent:
    support: full
    details:
      - No write when the archive holds the same images under the same names; O(force=true) writes every time.
options:
  names:
    description: The images, V(repository[:tag]) or image IDs; the first must be present, as must the others.
    type: list
    elements: str
    required: true
    aliases: [name]
  tag:
    description: The tag of the first of O(names), when it has none.
    type: str
    default: latest
  path:
    description: The archive to write on the managed host (its directory must exist).
    type: path
    required: true
  force:
    description: Write the archive even when it holds the same images.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Save web 1.4 and its base to an archive
  berth.docker.image_export:
    names: [web:1.4, debian:12]
    path: /srv/release/images.tar
'''

RETURN = r'''
images:
  description: The inspect data of the images saved.
  returned: success
  type: list
  elements: dict
actions:
  description: What was done (or would be done in check mode), one sentence each.
  returned: success
  type: list
  elements: str
'''

from ansible_collections.berth.docker.plugins.module_utils.image_steps import main as step_main


def main():
    step_main('export')


if __name__ == '__main__':
    main()
