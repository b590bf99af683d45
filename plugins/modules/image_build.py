#!/usr/bin/python
# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r'''
module: image_build
short_description: Build an image from a Dockerfile, only when its build context changed
version_added: 0.2.0
description:
  - Builds through the Engine API (C(POST /build), the legacy builder), like M(berth.docker.image) with O(berth.docker.image#module:source=build).
  - The image is stamped with the label C(berth.docker.build-hash) (context, Dockerfile, build options); with O(rebuild=auto)
    the build is skipped while the hash matches.
  - Option names and results follow C(community.docker.docker_image_build); the work is done by the same code as M(berth.docker.image).
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
      - Nothing is built; the build hash of the context is compared with the image label.
  diff_mode:
    support: full
  idempotent:
    support: full
    details:
      - The build is skipped while the build hash label matches (O(rebuild=auto)); O(rebuild=always) builds and reports a change every time.
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
  path:
    description: The build context directory. Its C(.dockerignore) is honoured.
    type: path
    required: true
  dockerfile:
    description: The Dockerfile, relative to O(path) or absolute.
    type: str
  cache_from:
    description: Images to use as cache sources.
    type: list
    elements: str
  pull:
    description: Pull newer versions of the C(FROM) images while building.
    type: bool
    default: false
  network:
    description: Network mode of the C(RUN) steps.
    type: str
  nocache:
    description: Do not use the build cache.
    type: bool
    default: false
  etc_hosts:
    description: 'Extra C(/etc/hosts) entries for the C(RUN) steps, V({host: address}).'
    type: dict
  args:
    description: Build arguments (C(--build-arg)).
    type: dict
  target:
    description: The stage of a multi-stage Dockerfile to build.
    type: str
  platform:
    description: The platform to build for, such as V(linux/amd64). One only (the Engine API builds one at a time).
    type: list
    elements: str
  shm_size:
    description: Size of C(/dev/shm) for the C(RUN) steps, such as V(64m).
    type: str
  labels:
    description: Labels added to the image.
    type: dict
  rebuild:
    description:
      - V(auto) builds when the image is missing or its build hash differs; V(never) only when it is missing;
        V(always) every time.
      - C(community.docker.docker_image_build) knows only V(never) (its default) and V(always).
    type: str
    choices: [auto, never, always]
    default: auto
'''

EXAMPLES = r'''
- name: Build the web image from ./web
  berth.docker.image_build:
    name: web
    tag: "1.4"
    path: ./web
    args:
      VERSION: "1.4"
'''

RETURN = r'''
image:
  description: The image's inspect data (C(GET /images/{name}/json)); empty in check mode when the image is not there yet.
  returned: success
  type: dict
build_hash:
  description: The build hash compared with the image's C(berth.docker.build-hash) label.
  returned: success
  type: str
build_output:
  description: The build's output, bounded to its last 400 lines.
  returned: when a build ran
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
    step_main('build')


if __name__ == '__main__':
    main()
