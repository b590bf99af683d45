#!/usr/bin/python
# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r'''
module: image_load
short_description: Load the images of a docker save archive
version_added: 0.2.0
description:
  - Loads the archive O(path) (as C(docker save) or M(berth.docker.image_export) writes it) unless every image ID and tag in it is present.
  - Option names and results follow C(community.docker.docker_image_load); the work is done by the same code as M(berth.docker.image).
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
      - The archive's manifest is read to predict the load; RV(images) stays empty.
  diff_mode:
    support: none
  idempotent:
    support: full
    details:
      - No load when every image ID and tag in the archive is present.
options:
  path:
    description: The archive on the managed host.
    type: path
    required: true
'''

EXAMPLES = r'''
- name: Load the images shipped with the release
  berth.docker.image_load:
    path: /srv/release/images.tar
'''

RETURN = r'''
image_names:
  description: The names (and IDs of untagged images) in the archive.
  returned: success
  type: list
  elements: str
images:
  description: The inspect data of the images in the archive; empty in check mode.
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
    step_main('load')


if __name__ == '__main__':
    main()
