#!/usr/bin/python
# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r'''
module: image_pull
short_description: Pull an image from its registry
version_added: 0.2.0
description:
  - Pulls an image with the credentials the docker CLI's C(config.json) holds for its registry (see M(berth.docker.login)).
  - Reports a change only when the image was missing or its ID changed; check mode asks the registry for the digest.
  - Option names and results follow C(community.docker.docker_image_pull); the work is done by the same code as M(berth.docker.image).
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
      - Nothing is pulled; the registry is asked for the digest of the tag to predict a pull.
  diff_mode:
    support: full
  idempotent:
    support: full
    details:
      - With O(pull=always) a change is reported only when the image ID moved, so a second run reports none unless the registry got a new image in between.
options:
  name:
    description:
      - 'The image, V([registry/]repository[:tag|@digest]).'
    type: str
    required: true
  tag:
    description: The tag, when O(name) has none.
    type: str
    default: latest
  platform:
    description: The platform to pull, such as V(linux/arm64).
    type: str
  pull:
    description:
      - V(always) pulls every time (a change only when the image ID moved); V(not_present) pulls only when the image is missing.
    type: str
    choices: [always, not_present]
    default: always
'''

EXAMPLES = r'''
- name: Pull the registry image when missing
  berth.docker.image_pull:
    name: registry.example.com:5000/web
    tag: "1.4"
    pull: not_present
'''

RETURN = r'''
image:
  description: The image's inspect data (C(GET /images/{name}/json)); empty in check mode when the image is not there yet.
  returned: success
  type: dict
actions:
  description: What was done (or would be done in check mode), one sentence each.
  returned: success
  type: list
  elements: str
'''

from ansible_collections.berth.docker.plugins.module_utils.image_steps import main as step_main


def main():
    step_main('pull')


if __name__ == '__main__':
    main()
