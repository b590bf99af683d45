#!/usr/bin/python
# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r'''
module: compose_build
short_description: Build the images of a compose project's services without bringing the project up
version_added: 0.1.0
description:
  - Builds the image of every selected service that has a C(build) section, like C(docker compose build [SERVICE...]),
    natively through the Engine API. No container, network or volume is created or changed.
  - The project is read as M(berth.docker.compose) reads it, and each image gets the name that module gives it (the
    service's C(image), else C(<project>-<service>)) and the same build options (C(context), C(dockerfile), C(args),
    C(target), C(labels), C(network), C(shm_size), C(extra_hosts), C(cache_from), C(pull), C(no_cache)). A following
    M(berth.docker.compose) run with O(berth.docker.compose#module:build=never) uses the images built here.
  - The image carries a content hash of the build context, the Dockerfile and the build options (the label
    C(berth.docker.build-hash), as M(berth.docker.image) with C(source=build) sets it). A service whose image carries
    the hash of today's context is not built again, so the task is idempotent; a change in the context, the Dockerfile
    or the build args builds again.
  - The task reports a change only when an image was built that was absent before or whose image ID changed. A build
    that gives back the image it had (everything cached) is no change.
  - Check mode builds nothing and predicts each build from the content hash. A context that does not exist yet (an
    earlier task creates it) predicts a build when the image is missing, no build when it is present.
  - A failed build fails the task naming the service and the failed step, with that step's output; the image the name
    had before stays in place. The services built before the failure stay built (they are listed in the message).
author:
  - berth.docker developers (@berth-docker)
extends_documentation_fragment:
  - berth.docker.docker
  - berth.docker.compose
  - berth.docker.attributes
  - berth.docker.attributes.actiongroup_docker
attributes:
  check_mode:
    support: full
    details:
      - Nothing is built; each build is predicted from the content hash of the context.
  diff_mode:
    support: full
  idempotent:
    support: partial
    details:
      - O(no_cache=true) builds every selected service, and reports it changed, on every run; otherwise a second
        run reports no change.
options:
  services:
    description:
      - Build only these services (and, with O(include_deps), what they depend on). Services among them without a
        C(build) section are skipped. An unknown name fails and nothing is built.
      - Default is every enabled service of the project. Services named here are built even when their C(profiles)
        are not enabled.
    type: list
    elements: str
  include_deps:
    description: With O(services), also build the services they depend on (like C(--with-dependencies)).
    type: bool
    default: false
  pull:
    description:
      - Always try to pull a newer version of the base images (like C(--pull)). The build then runs even when the
        content hash is unchanged (using the build cache), and reports a change only when the image ID changed, that
        is when a base image was newer.
      - Check mode cannot know whether a base image is newer in its registry, so it predicts from the content hash only.
    type: bool
    default: false
  no_cache:
    description:
      - Build without the build cache (like C(--no-cache)). Every selected service is then built, and reported as
        changed, on every run.
    type: bool
    default: false
notes:
  - With only O(project_name) (no O(project_src), O(files) or O(definition)) the task fails, since the name alone does
    not say what to build.
  - A C(build) section's own C(pull) and C(no_cache) keys are passed to the engine when a build runs; only the module
    options O(pull) and O(no_cache) make a build run when the content hash is unchanged.
  - With C(--diff), the diff shows per service the image ID before and after the build.
seealso:
  - module: berth.docker.compose
  - module: berth.docker.compose_pull
  - module: berth.docker.image
'''

EXAMPLES = r'''
- name: Build every service that has a build section
  berth.docker.compose_build:
    project_src: /srv/shop
  register: built

- name: Then bring the project up with those images, building nothing
  berth.docker.compose:
    project_src: /srv/shop
    build: never

- name: Build the api service and what it depends on, pulling newer base images
  berth.docker.compose_build:
    project_src: /srv/shop
    services:
      - api
    include_deps: true
    pull: true

- name: A clean rebuild of one service
  berth.docker.compose_build:
    project_src: /srv/shop
    services:
      - worker
    no_cache: true
'''

RETURN = r'''
project_name:
  description: The normalised project name.
  returned: success
  type: str
  sample: shop
images:
  description:
    - One entry per selected service, in dependency order.
    - C(status) is V(built) (the image was absent or its ID changed; in check mode, would be built), V(unchanged) (the
      image carries the context's content hash, or a forced build gave the same image ID) or V(skipped) (see
      C(reason)).
    - C(image) is the name the image is built under; C(id) the image ID after the run (null when check mode predicts a
      build), C(previous_id) the one before (null when the image was absent); C(build_hash) the content hash of the
      context (null in check mode when the context does not exist yet); C(build_output) the last lines of the build's
      output when a build ran.
  returned: success
  type: list
  elements: dict
  sample:
    - service: api
      image: shop-api
      status: built
      id: sha256:0d9c...
      previous_id: sha256:51e2...
      build_hash: sha256:c41f...
      message: Built shop-api (sha256:0d9c...)
      build_output: ['Step 1/3 : FROM debian:bookworm', '...', 'Successfully tagged shop-api:latest']
    - service: db
      image: mariadb:11
      status: skipped
      id: null
      previous_id: null
      reason: the service has no build section
actions:
  description:
    - The builds that changed an image (or, in check mode, would), in order. Each has C(what=image), C(action=build),
      C(service), C(image), C(id) and C(previous_id).
  returned: success
  type: list
  elements: dict
  sample:
    - what: image
      action: build
      service: api
      image: shop-api
      id: sha256:0d9c...
      previous_id: sha256:51e2...
'''

from ansible_collections.berth.docker.plugins.module_utils.compose.fetch import BUILD_SPEC, run_compose_build
from ansible_collections.berth.docker.plugins.module_utils.compose.options import compose_main


def main():
    compose_main(BUILD_SPEC, run_compose_build)


if __name__ == '__main__':
    main()
