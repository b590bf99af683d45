#!/usr/bin/python
# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r'''
module: image_push
short_description: Push an image to its registry, only when the registry lacks it
version_added: 0.2.0
description:
  - Pushes a present image with the credentials from the docker CLI's C(config.json) (see M(berth.docker.login)).
  - No change when the registry's digest for the tag is one of the image's C(RepoDigests).
  - Option names and results follow C(community.docker.docker_image_push); the work is done by the same code as M(berth.docker.image).
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
      - Nothing is pushed; the registry is asked for the digest of the tag.
  diff_mode:
    support: full
  idempotent:
    support: full
    details:
      - No push when the registry already serves one of the image's digests for the tag.
options:
  name:
    description:
      - 'The image, V([registry/]repository[:tag|@digest]); the registry is its first part.'
    type: str
    required: true
  tag:
    description: The tag, when O(name) has none.
    type: str
    default: latest
'''

EXAMPLES = r'''
- name: Push web 1.4 to the local registry
  berth.docker.image_push:
    name: 127.0.0.1:5000/web
    tag: "1.4"
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
    step_main('push')


if __name__ == '__main__':
    main()
