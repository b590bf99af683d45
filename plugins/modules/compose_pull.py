#!/usr/bin/python
# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r'''
module: compose_pull
short_description: Pull the images of a compose project's services without bringing the project up
version_added: 0.1.0
description:
  - Pulls the image of every selected service of a compose project, like C(docker compose pull [SERVICE...]), natively
    through the Engine API. No container, network or volume is created or changed.
  - The project is read as M(berth.docker.compose) reads it (same files, C(.env), profiles and interpolation), so the
    images pulled are the ones a following M(berth.docker.compose) run with O(berth.docker.compose#module:pull=never)
    uses.
  - Each image is pulled for the service's C(platform) when it has one, with the credentials C(config.json) holds for
    its registry (see M(berth.docker.login)). An image two services share is pulled once.
  - A service with only a C(build) section (no C(image)) has nothing to pull and is skipped. A service with both
    C(build) and C(image) is pulled; when that pull fails the task warns and goes on, as compose does, since the image
    can be built (M(berth.docker.compose_build)). O(ignore_buildable) skips such services.
  - The task reports a change only when an image was pulled that was absent before or whose image ID changed.
  - Check mode pulls nothing. With O(policy=missing) it predicts a pull for each absent image. With O(policy=always) it
    asks the registry for the manifest digest of each image and predicts a pull only when the local image does not
    carry that digest, so the prediction is exact too. A registry out of reach in check mode gives a warning and a
    predicted pull.
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
      - Nothing is pulled; the prediction asks the registry for the image digest with O(policy=always) (see the notes).
  diff_mode:
    support: full
  idempotent:
    support: full
    details:
      - A change is reported only when a pulled image is new or has a new image ID, so a second run reports none
        unless a newer image was pushed to the registry in between.
options:
  services:
    description:
      - Pull only the images of these services (and, with O(include_deps), of what they depend on). An unknown name fails
        and nothing is pulled. Services named here are pulled even when their C(profiles) are not enabled.
      - Default is every enabled service of the project.
    type: list
    elements: str
  policy:
    description:
      - V(always) pulls every image, so that a newer image pushed under the same tag replaces the local one.
      - V(missing) pulls only images that are not on the engine (or not for the service's C(platform)).
      - Like C(docker compose pull --policy), it applies to every selected service whatever its C(pull_policy).
    type: str
    default: always
    choices: [always, missing]
  include_deps:
    description: With O(services), also pull the images of the services they depend on (C(depends_on), C(links), ...).
    type: bool
    default: false
  ignore_buildable:
    description: Skip the services that have a C(build) section (like C(--ignore-buildable)).
    type: bool
    default: false
  ignore_pull_failures:
    description:
      - Pull what can be pulled. A pull that fails gives a warning and the service's entry in RV(images) gets
        C(status=failed), instead of failing the task (like C(--ignore-pull-failures)).
      - A service that can be built never fails the task on a failed pull, with or without this option.
    type: bool
    default: false
notes:
  - With only O(project_name) (no O(project_src), O(files) or O(definition)) the task fails, since the name alone does
    not say which images the services use.
  - Unlike C(docker compose pull --policy missing), an image tagged C(latest) that is present is not pulled again with
    O(policy=missing); use O(policy=always) to refresh it.
  - With C(--diff), the diff shows per service the image ID before and after the pull.
seealso:
  - module: berth.docker.compose
  - module: berth.docker.compose_build
  - module: berth.docker.image
'''

EXAMPLES = r'''
- name: Pull every image of the project before a maintenance window
  berth.docker.compose_pull:
    project_src: /srv/web
  register: pulled

- name: Then bring the project up with the images just pulled
  berth.docker.compose:
    project_src: /srv/web
    pull: never
  when: pulled is changed

- name: Pull only the missing images of two services and what they depend on
  berth.docker.compose_pull:
    project_src: /srv/shop
    services:
      - web
      - worker
    include_deps: true
    policy: missing

- name: Pull what can be pulled, skipping the services built here
  berth.docker.compose_pull:
    project_src: /srv/shop
    ignore_buildable: true
    ignore_pull_failures: true
'''

RETURN = r'''
project_name:
  description: The normalised project name.
  returned: success
  type: str
  sample: web
images:
  description:
    - One entry per selected service, in dependency order.
    - C(status) is V(pulled) (the image was absent or its ID changed; in check mode, would be pulled), V(unchanged)
      (pulled, or the registry's digest checked in check mode, and the image is the same), V(present) (O(policy=missing)
      and the image is there), V(skipped) (see C(reason)) or V(failed) (a pull failure that was ignored, see C(reason)).
    - C(id) is the image ID after the run (null when check mode predicts a pull), C(previous_id) the one before (null
      when the image was absent).
  returned: success
  type: list
  elements: dict
  sample:
    - service: web
      image: registry.example.com/web:2
      status: pulled
      id: sha256:6e3a...
      previous_id: sha256:90b1...
      message: Pulled registry.example.com/web:2 (sha256:6e3a...)
    - service: builder
      image: shop-builder
      status: skipped
      id: null
      previous_id: null
      reason: 'no image to pull: the service is built (berth.docker.compose_build)'
actions:
  description:
    - The pulls that changed an image (or, in check mode, would), in order. Each has C(what=image), C(action=pull),
      C(service), C(image), C(id) and C(previous_id).
  returned: success
  type: list
  elements: dict
  sample:
    - what: image
      action: pull
      service: web
      image: registry.example.com/web:2
      id: sha256:6e3a...
      previous_id: sha256:90b1...
'''

from ansible_collections.berth.docker.plugins.module_utils.compose.fetch import PULL_SPEC, run_compose_pull
from ansible_collections.berth.docker.plugins.module_utils.compose.options import compose_main


def main():
    compose_main(PULL_SPEC, run_compose_pull)


if __name__ == '__main__':
    main()
