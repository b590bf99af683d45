#!/usr/bin/python
# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r'''
module: image_tag
short_description: Tag an image under more names
version_added: 0.2.0
description:
  - Tags a present image as each of O(repository); no change when a name already names it.
  - Option names and results follow C(community.docker.docker_image_tag); the work is done by the same code as M(berth.docker.image).
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
  repository:
    description:
      - The new names, V(repository[:tag]); a name without a tag gets O(tag).
    type: list
    elements: str
    required: true
  existing_images:
    description: When a new name already names another image, V(overwrite) moves it, V(keep) leaves it.
    type: str
    choices: [keep, overwrite]
    default: overwrite
'''

EXAMPLES = r'''
- name: Tag web:1.4 for the local registry
  berth.docker.image_tag:
    name: web
    tag: "1.4"
    repository:
      - 127.0.0.1:5000/web
      - web:stable
'''

RETURN = r'''
image:
  description: The image's inspect data (C(GET /images/{name}/json)); empty in check mode when the image is not there yet.
  returned: success
  type: dict
tagged_images:
  description: The names the image was (or would be) tagged as.
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
    step_main('tag')


if __name__ == '__main__':
    main()
