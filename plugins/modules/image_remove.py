#!/usr/bin/python
# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r'''
module: image_remove
short_description: Remove an image or one of its tags
version_added: 0.2.0
description:
  - Removes the tag O(name); the image itself goes when no other tag names it, or when O(name) is its ID.
  - Option names and results follow C(community.docker.docker_image_remove); the work is done by the same code as M(berth.docker.image).
author:
  - berth.docker developers (@berth-docker)
extends_documentation_fragment:
  - berth.docker.docker
  - berth.docker.attributes
  - berth.docker.attributes.actiongroup_docker
attributes:
  check_mode:
    support: full
    details:
      - The result predicts RV(deleted) and RV(untagged) from the image's tags.
  diff_mode:
    support: full
  idempotent:
    support: full
options:
  name:
    description:
      - 'The image, V([registry/]repository[:tag|@digest]), or an image ID.'
    type: str
    required: true
  tag:
    description: The tag, when O(name) has none.
    type: str
    default: latest
  force:
    description: Remove the image even when containers use it, and every tag of an image given by ID (C(docker rmi -f)).
    type: bool
    default: false
  prune:
    description: Also delete the untagged parent images (V(false) is C(docker rmi --no-prune)).
    type: bool
    default: true
'''

EXAMPLES = r'''
- name: Remove web:1.3
  berth.docker.image_remove:
    name: web
    tag: "1.3"
'''

RETURN = r'''
image:
  description: The image's inspect data before the removal; empty when it was not there.
  returned: success
  type: dict
deleted:
  description: The IDs of the images deleted (or that would be).
  returned: success
  type: list
  elements: str
untagged:
  description: The names removed (or that would be).
  returned: success
  type: list
  elements: str
actions:
  description: What was done (or would be done in check mode), one sentence each.
  returned: success
  type: list
  elements: str
'''

from ansible_collections.berth.docker.plugins.module_utils.image_steps import main as step_main


def main():
    step_main('remove')


if __name__ == '__main__':
    main()
