#!/usr/bin/python
# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r'''
module: prune
short_description: Remove unused containers, images, networks, volumes and build cache
version_added: 0.2.0
description:
  - Runs the engine's prune for each kind asked for, as C(docker container prune), C(docker image prune),
    C(docker network prune), C(docker volume prune) and C(docker builder prune) do, each narrowed by the engine's
    own filters.
  - Reports RV(ignore:changed) exactly when something was removed (or space reclaimed).
  - In check mode nothing is removed. The engine has no dry run for prune, so the module lists what the engine's
    rules and the filters would select (from C(GET /system/df) and the network list); see the notes for how exact
    that is.
  - Option and result names follow C(community.docker.docker_prune).
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
      - Nothing is removed. The engine has no dry run for prune, so the module lists what the engine's rules and the
        filters select; RV(ignore:changed) is predicted from that. The notes say how exact the lists are.
  diff_mode:
    support: none
  idempotent:
    support: full
    details:
      - A second run finds nothing left to remove and reports no change, unless new unused objects appeared in between.
options:
  containers:
    description: Remove containers that are not running (created, exited or dead).
    type: bool
    default: false
  containers_filters:
    description:
      - 'Engine filters selecting the containers to remove: C(until) (a duration such as V(24h), a Unix time or a date;
        only containers created before it), C(label) and C(label!).'
      - 'A value may be a string or a list of strings, for example V({label: [app=web, tier=front], "label!": keep}).'
      - Every C(label) entry must match (C(key) or C(key=value)); an object matching every C(label!) entry is kept.
    type: dict
  images:
    description:
      - Remove images that no container uses (running or not).
      - 'Only dangling ones (without a tag) unless O(images_filters) has V(dangling: false).'
    type: bool
    default: false
  images_filters:
    description:
      - 'Engine filters: C(dangling) (V(true), the default, or V(false) for every unused image), C(until), C(label),
        C(label!).'
    type: dict
  networks:
    description: Remove networks no container is attached to (never V(bridge), V(host) or V(none)).
    type: bool
    default: false
  networks_filters:
    description: 'Engine filters: C(until), C(label), C(label!).'
    type: dict
  volumes:
    description:
      - Remove volumes of the V(local) driver that no container uses (running or not).
      - 'From Engine API 1.42 (Docker 23) the engine removes only anonymous volumes unless O(volumes_filters) has
        V(all: true); older engines remove named ones too.'
    type: bool
    default: false
  volumes_filters:
    description:
      - 'Engine filters: C(label), C(label!), and from Engine API 1.42 C(all).'
    type: dict
  builder_cache:
    description:
      - Remove build cache records that are not in use (C(docker builder prune)). Needs Engine API 1.31.
    type: bool
    default: false
  builder_cache_all:
    description: Remove all kinds of build cache records, not only the unshared ones (C(docker builder prune --all)). Needs Engine API 1.39.
    type: bool
    default: false
  builder_cache_filters:
    description:
      - 'Engine filters for the build cache, for example V({until: 24h}): C(until) (time since last use, a duration),
        C(id) (a regular expression), C(parent), C(type), C(description) (exact), C(inuse), C(shared), C(private)
        (V(true) or V(false)). Each takes one value. Needs Engine API 1.39.'
    type: dict
  builder_cache_keep_storage:
    description:
      - Keep this much build cache, removing the least recently used records first. A number of bytes with an optional
        binary unit, for example V(512M) or V(10GB) (1 MB = 1024 KB). Needs Engine API 1.39.
    type: str
notes:
  - 'How exact check mode is: for containers, networks and volumes it lists what the real run removes, unless
    something changes on the engine in between. For images, untagged parent layers of the classic builder that the
    engine removes together with a pruned image are not listed, and the space is the sum of the images'' unique sizes.
    For the build cache, records that only become free when their children are removed are not counted.'
  - A filter key the engine does not know fails the run, in check mode as in the real run.
  - Prune works on the whole engine. Narrow it with C(label) filters when other users or tools keep objects there.
seealso:
  - module: berth.docker.host_info
'''

EXAMPLES = r'''
- name: Remove stopped containers older than a day, and dangling images
  berth.docker.prune:
    containers: true
    containers_filters:
      until: 24h
    images: true

- name: Remove everything of the old stack that nothing uses any more
  berth.docker.prune:
    containers: true
    containers_filters:
      label: com.docker.compose.project=oldstack
    networks: true
    networks_filters:
      label: com.docker.compose.project=oldstack
    volumes: true
    volumes_filters:
      all: true
      label: com.docker.compose.project=oldstack

- name: Every unused image, not only dangling ones, but keep the ones labelled keep
  berth.docker.prune:
    images: true
    images_filters:
      dangling: false
      "label!": keep

- name: Trim the build cache to 5 GB
  berth.docker.prune:
    builder_cache: true
    builder_cache_keep_storage: 5G

- name: What would go? (nothing is removed in check mode)
  berth.docker.prune:
    containers: true
    volumes: true
  check_mode: true
  register: would_go
'''

RETURN = r'''
containers:
  description: IDs of the containers removed (in check mode, those that would be).
  returned: when O(containers=true)
  type: list
  elements: str
  sample: [3f1c0ad1b9e8f3d7f2d9d1a8b8d8a1f3c0ad1b9e8f3d7f2d9d1a8b8d8a1f3c0a]
containers_space_reclaimed:
  description: Bytes freed by removing the containers.
  returned: when O(containers=true)
  type: int
  sample: 1024
images:
  description:
    - 'What the engine untagged and deleted, one entry each, V({Untagged: REFERENCE}) or V({Deleted: ID}).'
  returned: when O(images=true)
  type: list
  elements: dict
  sample:
    - Untagged: web@sha256:2b7412e6465c3c7fc5bb21d3e6f1917c167358449fecac8176c6e496e5c1f05f
    - Deleted: sha256:9c7a54a9a43cca047013b82af109fe963fde787f63f9e016fdc3384500c2823d
images_space_reclaimed:
  description: Bytes freed by removing the images.
  returned: when O(images=true)
  type: int
  sample: 4261574
networks:
  description: Names of the networks removed.
  returned: when O(networks=true)
  type: list
  elements: str
  sample: [oldstack_default]
volumes:
  description: Names of the volumes removed.
  returned: when O(volumes=true)
  type: list
  elements: str
  sample: [oldstack_data]
volumes_space_reclaimed:
  description: Bytes freed by removing the volumes.
  returned: when O(volumes=true)
  type: int
  sample: 0
builder_cache_space_reclaimed:
  description: Bytes freed by removing build cache.
  returned: when O(builder_cache=true)
  type: int
  sample: 0
builder_cache_caches_deleted:
  description: IDs of the build cache records removed.
  returned: when O(builder_cache=true) and the Engine API is 1.39 or newer
  type: list
  elements: str
  sample: []
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.berth.docker.plugins.module_utils.common import docker_argument_spec, run_module
from ansible_collections.berth.docker.plugins.module_utils.prune import run_prune


def main():
    module = AnsibleModule(
        argument_spec=docker_argument_spec(dict(
            containers=dict(type='bool', default=False),
            containers_filters=dict(type='dict'),
            images=dict(type='bool', default=False),
            images_filters=dict(type='dict'),
            networks=dict(type='bool', default=False),
            networks_filters=dict(type='dict'),
            volumes=dict(type='bool', default=False),
            volumes_filters=dict(type='dict'),
            builder_cache=dict(type='bool', default=False),
            builder_cache_all=dict(type='bool', default=False),
            builder_cache_filters=dict(type='dict'),
            builder_cache_keep_storage=dict(type='str'),
        )),
        supports_check_mode=True,
    )
    run_module(module, run_prune)


if __name__ == '__main__':
    main()
