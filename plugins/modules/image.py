#!/usr/bin/python
# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r'''
module: image
short_description: An image in its declared state - pulled, built, loaded, imported, tagged, pushed, saved or removed
version_added: 0.1.0
description:
  - Pulls an image, builds it from a Dockerfile through the Engine API C(/build), loads it from a
    C(docker save) archive, imports it from a root file system tarball, or takes one already present;
    then optionally saves it to an archive, tags it under another repository and pushes it.
    With O(state=absent) removes it (untagging only when other tags still name the image).
  - Also exports a container's file system to a tarball (O(container_export)), as C(docker export) does.
  - Builds are idempotent without rebuilding. The image is stamped with the label C(berth.docker.build-hash),
    a hash of the build context (after C(.dockerignore)), the Dockerfile and the build options that shape
    the image (O(build.args), O(build.target), O(build.labels), O(build.platform), O(build.dockerfile)). When
    the image already carries the same hash the build is skipped; changing one byte of the context rebuilds.
  - Option names follow C(community.docker.docker_image) for the common subset.
  - Talks to the Engine API with the Python standard library only. Registry credentials come from the
    docker CLI's C(config.json) (E(DOCKER_CONFIG) or C(~/.docker/config.json)), as written by M(berth.docker.login).
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
      - Nothing is pulled, built, loaded, imported, saved, tagged, pushed or removed. Pulls and pushes are predicted from the
        registry's digest, builds from the build hash, loads from the archive's manifest.
  diff_mode:
    support: full
  idempotent:
    support: partial
    details:
      - Idempotent, except O(force_source=true) with O(source=import), which imports every time; forced pulls, builds
        and loads report a change only when an image ID moved.
options:
  name:
    description:
      - 'The image: V([registry/]repository[:tag|@digest]). V(docker.io/library/) may be left out, so V(ubuntu:14.04)
        is V(docker.io/library/ubuntu:14.04).'
      - A tag or digest in O(name) wins over O(tag).
      - With O(state=absent) it may also be an image ID.
      - Required unless only O(container_export) is given.
    type: str
  tag:
    description: The tag, when O(name) has none.
    type: str
    default: latest
  state:
    description:
      - V(present) makes sure the image is there (from O(source)), then saves, tags and pushes it as asked.
      - V(absent) removes the tag O(name); the image itself is deleted when no other tag names it
        (the result's RV(removal) says which of V(untag) and V(delete) happened).
    type: str
    default: present
    choices: [present, absent]
  source:
    description:
      - Where the image comes from with O(state=present).
      - V(pull) pulls it from its registry when it is not present (or always with O(force_source); then the task
        reports a change only when the image ID moved). Check mode asks the registry for the digest.
      - V(build) builds it from O(build.path) (skipped when the build hash is unchanged, see above).
      - V(load) loads O(load_path); no change when every image ID and tag inside is already present.
      - V(import) creates it from the root file system tarball O(import_path) with O(changes), like C(docker import);
        the image is stamped with the label C(berth.docker.import-hash) (tarball and changes) and not imported again
        while that matches.
      - V(local) only checks that it is present (to save, tag or push it).
    type: str
    choices: [build, load, pull, local, import]
  force_source:
    description: Pull, build, load or import even when the image is present and up to date.
    type: bool
    default: false
  force_absent:
    description: With O(state=absent), remove the image even when containers use it (C(docker rmi -f)).
    type: bool
    default: false
  force_tag:
    description:
      - Move the tag O(repository) when it already names another image. Without it such a task fails
        (C(community.docker.docker_image) silently leaves the tag; here it is an error that says what to do).
    type: bool
    default: false
  build:
    description: How to build the image with O(source=build) (the legacy builder, C(POST /build)).
    type: dict
    suboptions:
      path:
        description: The build context directory. Its C(.dockerignore) is honoured.
        type: path
      dockerfile:
        description: The Dockerfile, relative to O(build.path) or absolute (it may live outside the context).
        type: str
      args:
        description: Build arguments (C(--build-arg)), part of the build hash.
        type: dict
      target:
        description: The stage of a multi-stage Dockerfile to build (C(--target)).
        type: str
      labels:
        description: Labels added to the image.
        type: dict
      pull:
        description: Pull newer versions of the C(FROM) images while building.
        type: bool
        default: false
      nocache:
        description: Do not use the build cache.
        type: bool
        default: false
      rm:
        description: Remove the intermediate containers (also after a failed build).
        type: bool
        default: true
      network:
        description: Network mode of the C(RUN) steps (V(bridge), V(host), V(none) or a network name).
        type: str
      platform:
        description: Platform to build for, such as V(linux/amd64).
        type: str
      etc_hosts:
        description: 'Extra C(/etc/hosts) entries for the C(RUN) steps, V({host: address}).'
        type: dict
      shm_size:
        description: Size of C(/dev/shm) for the C(RUN) steps, such as V(64m).
        type: str
      cache_from:
        description: Images to use as cache sources.
        type: list
        elements: str
      rebuild:
        description:
          - V(auto) builds when the image is missing or its build hash differs.
          - V(always) builds every time (as O(force_source) does).
          - V(never) builds only when the image is missing.
        type: str
        default: auto
        choices: [auto, always, never]
      container_limits:
        description: Limits of the containers that run the C(RUN) steps.
        type: dict
        suboptions:
          memory:
            description: Memory limit, such as V(512MB) (a number is bytes).
            type: str
          memswap:
            description: Memory plus swap limit, V(-1) for unlimited swap.
            type: str
          cpushares:
            description: CPU shares (relative weight).
            type: int
          cpusetcpus:
            description: The CPUs the steps may use, such as V(0-3) or V(0,1).
            type: str
      http_timeout:
        description: Seconds the build may run, when longer than the module's timeout and the default build timeout.
        type: int
      use_config_proxy:
        description:
          - Pass the proxies of the docker CLI's C(config.json) (C(proxies.default)) as the build arguments C(HTTP_PROXY),
            C(HTTPS_PROXY), C(NO_PROXY), C(FTP_PROXY) and C(ALL_PROXY) (and their lower-case forms); O(build.args) win.
        type: bool
        default: false
  pull:
    description: Options of O(source=pull).
    type: dict
    suboptions:
      platform:
        description: Platform to pull, such as V(linux/arm64).
        type: str
  push:
    description:
      - Push the image (O(repository) when given, else O(name)) to its registry. No change when the registry already
        has the same digest for that tag. The pushed digest is returned in RV(push).
    type: bool
    default: false
  repository:
    description:
      - Tag the image also as this repository (V(registry/repo[:tag]); without a tag, the tag of O(name)),
        like C(docker tag), and push that with O(push=true).
    type: str
  archive_path:
    description:
      - Save the image (and O(archive_names)) to this tar file, like C(docker save). No change when the archive
        already holds the same image IDs with those names. Written atomically.
    type: path
  archive_names:
    description: More images to save into O(archive_path) together with O(name).
    type: list
    elements: str
  load_path:
    description: The archive (made by C(docker save) or O(archive_path)) to load with O(source=load).
    type: path
  import_path:
    description: The root file system tarball (such as made by C(docker export) or O(container_export)) for O(source=import).
    type: path
  changes:
    description:
      - Dockerfile instructions applied by O(source=import), like C(docker import --change), for example V(CMD ["/bin/sh"])
        or V(ENV A=b). Allowed are CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME and WORKDIR.
    type: list
    elements: str
  container_export:
    description:
      - Export the file system of a container to a tarball, like C(docker export). No change when the file already
        holds exactly that content. Runs before anything else of the task; O(name) may be left out.
    type: dict
    suboptions:
      container:
        description: Name or ID of the container.
        type: str
        required: true
      path:
        description: The tarball to write (atomically).
        type: path
        required: true
notes:
  - The build uses the legacy builder API (C(POST /build)); BuildKit-only Dockerfile features (C(RUN --mount), heredocs) are not available.
  - The build hash covers the context, the Dockerfile and the build options, not the C(FROM) images. To pick up a changed
    base image use O(build.pull=true) together with O(build.rebuild=always), or O(force_source=true).
  - When a build fails because the engine could not start the build container (C(exec format error), OCI runtime errors),
    the message carries a hint about hardware virtualisation in virtual machines.
  - Credential helpers (C(credsStore), C(credHelpers)) of config.json are not used; store credentials with M(berth.docker.login).
seealso:
  - module: berth.docker.login
  - module: berth.docker.host_info
'''

EXAMPLES = r'''
- name: Pull nginx (docker.io/library/nginx:latest) when it is not present
  berth.docker.image:
    name: nginx
    source: pull

- name: Pull a pinned digest
  berth.docker.image:
    name: registry.example.com/app@sha256:0f8e9c3b0c5e8f1bd1f5a2f2c74c0a0b1d8c8e5d0f3c0b6a0c1e2d3f4a5b6c7d
    source: pull

- name: Build from a Dockerfile (skipped while the context is unchanged)
  berth.docker.image:
    name: web
    tag: "1.4"
    source: build
    build:
      path: /srv/web
      args:
        VERSION: "1.4"
  register: web_image

- name: Show the build output
  ansible.builtin.debug:
    var: web_image.build_output

- name: Tag it for the registry and push it
  berth.docker.image:
    name: web:1.4
    source: local
    repository: registry.example.com:5000/web:1.4
    push: true

- name: Save two images into one archive
  berth.docker.image:
    name: web:1.4
    source: local
    archive_path: /var/tmp/web.tar
    archive_names:
      - nginx:latest

- name: Load it on another host
  berth.docker.image:
    name: web:1.4
    source: load
    load_path: /var/tmp/web.tar

- name: Export a container's file system
  berth.docker.image:
    container_export:
      container: web-1
      path: /var/tmp/web-1.tar

- name: Import it as an image with a command
  berth.docker.image:
    name: web-flat:1
    source: import
    import_path: /var/tmp/web-1.tar
    changes:
      - CMD ["/web.sh"]
      - ENV PORT=80

- name: Remove a tag (the image stays while other tags name it)
  berth.docker.image:
    name: registry.example.com:5000/web:1.3
    state: absent
'''

RETURN = r'''
image:
  description: The image's inspect data (C(docker image inspect)) after the task; empty in check mode when the image does not exist yet.
  returned: success, with O(state=present)
  type: dict
  sample:
    Id: sha256:2a2e1f6c5b7c2f0a3e3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091
    RepoTags: ["web:1.4"]
    Config:
      Labels:
        berth.docker.build-hash: sha256:8d1f...
actions:
  description: What the task did (or would do in check mode), one sentence each.
  returned: success
  type: list
  elements: str
  sample: ["Built web:1.4 (sha256:2a2e...)", "Tagged web:1.4 as registry.example.com:5000/web:1.4"]
build_output:
  description:
    - The output of the build, bounded to its last 400 lines (64 KiB); the first line says how many were left out.
    - Also returned when the build fails.
  returned: when a build ran
  type: list
  elements: str
stdout:
  description: RV(build_output) as one text (the name C(community.docker.docker_image) uses).
  returned: when a build ran
  type: str
build_hash:
  description: The build hash of the context, Dockerfile and options (compared with the image's C(berth.docker.build-hash) label).
  returned: with O(source=build)
  type: str
  sample: sha256:8d1f0c...
import_hash:
  description: The hash of the tarball and O(changes) (compared with the image's C(berth.docker.import-hash) label).
  returned: with O(source=import)
  type: str
push:
  description: The push, with the digest the registry has for the tag, and whether it changed.
  returned: with O(push=true), unless check mode predicts a push
  type: dict
  sample:
    repository: registry.example.com:5000/web
    tag: "1.4"
    digest: sha256:4c7d...
    changed: true
removal:
  description: With O(state=absent), V(untag) when other tags still name the image (it stays), V(delete) when the image goes.
  returned: when an image was (or would be) removed
  type: str
  sample: untag
removed:
  description: The engine's answer to the removal (C(Untagged) and C(Deleted) entries).
  returned: when an image was removed
  type: list
  elements: dict
export:
  description: The container export (container, path, sha256 of the tarball, changed).
  returned: with O(container_export)
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.berth.docker.plugins.module_utils.common import docker_argument_spec, run_module
from ansible_collections.berth.docker.plugins.module_utils.image import IMAGE_SPEC, on_error, run_image


def main():
    module = AnsibleModule(
        argument_spec=docker_argument_spec(IMAGE_SPEC),
        required_one_of=[('name', 'container_export')],
        mutually_exclusive=[('load_path', 'import_path')],
        required_if=[
            ('source', 'build', ('build',)),
            ('source', 'load', ('load_path',)),
            ('source', 'import', ('import_path',)),
        ],
        supports_check_mode=True,
    )
    run_module(module, run_image, on_error)


if __name__ == '__main__':
    main()
