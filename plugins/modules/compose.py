#!/usr/bin/python
# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r'''
module: compose
short_description: A compose project in its declared state, natively through the Engine API
version_added: 0.1.0
description:
  - Brings a compose project (services, networks, volumes) to its declared state, like C(docker-compose up -d),
    C(stop), C(restart) and C(down), without any compose CLI on the host.
  - 'Reads C(compose.yaml) / C(docker-compose.yml) files (several merged in order), or an inline O(definition);
    interpolates C(${VAR}), C(${VAR:-default}), C(${VAR-default}), C(${VAR:?error}), C(${VAR:+alt}) and C($$)
    from the environment, C(.env) or O(env_files); honours C(profiles).'
  - Containers carry the labels real compose sets (C(com.docker.compose.project), C(.service),
    C(.container-number), C(.oneoff), C(.config-hash), C(.project.working_dir), C(.project.config_files),
    C(.version)), so C(docker compose ps/down) and C(docker-compose ps/down) work on what this module made, and
    projects brought up by them are adopted. Containers are named C(<project>-<service>-<n>) unless
    C(container_name) is set; containers named C(<project>_<service>_<n>) by docker-compose v1 are adopted and get
    the new name when they are recreated.
  - A container is recreated only when its service's config hash or its image changed, so editing one service
    recreates only that service. The hash is the one docker compose v2 computes (2.26), so C(docker compose up)
    keeps what this module made and this module keeps what C(docker compose up) made.
  - Check mode computes the whole plan (create / recreate / start / stop / remove per container, networks,
    volumes, images to build or pull) without building, pulling or changing anything.
  - Option names follow C(community.docker.docker_compose_v2) for the common subset. Differences are listed in
    the notes.
  - Talks to the Engine API with the Python standard library only; reading compose files needs PyYAML on the
    managed host, an inline O(definition) does not.
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
      - Check mode computes the whole plan (what would be pulled, built, created, recreated, started, stopped or
        removed) and builds and pulls nothing.
  diff_mode:
    support: full
  idempotent:
    support: partial
    details:
      - O(state=restarted) restarts containers on every run, and O(recreate=always) recreates them on every run;
        with the other values a second run reports no change.
options:
  state:
    description:
      - V(present) creates networks and volumes, pulls or builds images per O(pull) / O(build), creates or recreates
        only what changed, and starts the services in C(depends_on) order, waiting for each C(condition)
        (C(service_started), C(service_healthy), C(service_completed_successfully)).
      - V(stopped) makes the containers exist as declared, and stopped (dependants first).
      - V(restarted) is V(present), then restarts every container that was not just created or started. It always
        reports a change when the project has containers.
      - V(absent) removes the containers and the project's networks (and volumes with O(remove_volumes), images with
        O(remove_images)), like C(docker-compose down).
    type: str
    default: present
    choices: [present, stopped, restarted, absent]
  services:
    description:
      - Act only on these services (and, with O(dependencies), what they depend on). An unknown name fails.
      - Services named here run even when their C(profiles) are not enabled.
    type: list
    elements: str
  dependencies:
    description:
      - With O(services), also act on the services they depend on (like C(docker-compose up SERVICE)).
      - With O(state=stopped) and O(state=absent) only the services named are stopped or removed; with
        O(state=restarted) only they are restarted (what they depend on is started when it is not running).
    type: bool
    default: true
  scale:
    description:
      - 'Replica counts per service, overriding C(scale) / C(deploy.replicas), for example V({web: 3}).'
      - Scaling down removes the highest-numbered containers.
    type: dict
  recreate:
    description:
      - V(auto) recreates containers whose config hash changed; V(always) recreates every container; V(never) keeps
        existing containers whatever changed.
    type: str
    default: auto
    choices: [auto, always, never]
  pull:
    description:
      - V(policy) follows each service's C(pull_policy) (default C(missing)); V(always) pulls every image (in check mode
        the registry's digest is compared, nothing is pulled); V(missing) pulls only absent images; V(never) fails when an
        image is missing.
    type: str
    default: policy
    choices: [always, missing, never, policy]
  build:
    description:
      - V(policy) builds a service with C(build) when its image is missing (or C(pull_policy) is C(build));
        V(always) builds every such service, but a build whose context, Dockerfile and arguments are unchanged is
        skipped (the image carries a content hash label), so the run stays idempotent; V(never) never builds.
    type: str
    default: policy
    choices: [always, never, policy]
  remove_orphans:
    description:
      - Remove containers of the project whose service is no longer in the compose files. Without it they are left
        and a warning names them.
    type: bool
    default: false
  remove_volumes:
    description: With O(state=absent), also remove the project's named volumes and the containers' anonymous volumes.
    type: bool
    default: false
  remove_images:
    description:
      - With O(state=absent), also remove images. V(all) removes every service's image; V(local) only images built
        without an C(image) name of their own.
    type: str
    choices: [all, local]
  wait:
    description:
      - After O(state=present) or O(state=restarted), wait until every container of the services acted on is running,
        and healthy when it has a healthcheck (services others wait for with C(service_completed_successfully) must
        have exited with code 0).
      - Fails after O(wait_timeout) naming the service, its state and its last health check output. Nothing is rolled back,
        the other services stay as they are.
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait for O(wait) and for each C(depends_on) condition.
    type: int
    default: 300
  timeout:
    description:
      - Seconds a container gets to stop before it is killed, when stopped, recreated or restarted (the meaning
        O(timeout) has on community.docker.docker_compose_v2).
      - Defaults to the service's C(stop_grace_period), else 10.
      - The Engine API timeout, called O(timeout) on the other modules of this collection, is O(api_timeout) here.
    type: int
    default: null
    aliases: [stop_timeout]
  api_timeout:
    description:
      - Seconds to wait for an answer from the engine before failing.
      - If not set, the environment variable E(DOCKER_TIMEOUT) is used.
    type: int
    default: 60
notes:
  - Supported service keys include C(image), C(build) (C(context), C(dockerfile), C(args), C(target), C(labels)),
    C(command), C(entrypoint), C(environment), C(env_file), C(ports) and C(volumes) (short and long syntax),
    C(expose), C(networks) (C(aliases), C(ipv4_address)), C(network_mode), C(depends_on), C(healthcheck), C(restart),
    C(container_name), C(hostname), C(user), C(working_dir), C(labels), C(extra_hosts), C(dns), C(logging), C(init),
    C(stop_signal), C(stop_grace_period), C(tmpfs), C(ulimits), C(cap_add), C(cap_drop), C(read_only), C(scale),
    C(deploy.replicas), C(deploy.resources.limits), C(profiles) and C(pull_policy); top-level C(networks) and
    C(volumes) with C(external), C(name), C(driver) and C(ipam). Unknown or unsupported keys give a warning.
  - A port that another running container already publishes, or a container name taken outside the project, fails the
    task before anything is changed.
  - Unlike docker compose, anonymous volumes of a recreated container are not carried over to the new one.
  - Networks that exist with a configuration different from the declaration are used as they are, with a warning.
  - With C(--diff), the configuration of each created or recreated service is shown with every environment value and
    build arg masked as C(<masked sha256:DIGEST>) (keys in clear); secrets and configs show only their sha256.
    A value interpolated from C(.env) into any other key (C(command), C(labels), ...) shows as it is; pass secrets
    through C(environment), C(secrets) or C(env_file), never on a command line.
  - An env file line that does not parse, or a value of an env file that does not interpolate, fails the task with
    the file, the line number and the variable name, never the line or the value. Nothing is changed then.
seealso:
  - module: berth.docker.compose_info
  - module: berth.docker.container
'''

EXAMPLES = r'''
- name: The web stack from its directory, like docker-compose up -d
  berth.docker.compose:
    project_src: /srv/web
  register: web

- name: Base file plus an override, like -f docker-compose.yml -f prod.yml
  berth.docker.compose:
    project_src: /srv/web
    files:
      - docker-compose.yml
      - prod.yml
    env_files:
      - prod.env

- name: Inline definition templated on the controller (no PyYAML needed on the host)
  berth.docker.compose:
    project_name: shop
    project_src: /srv/shop
    definition:
      services:
        db:
          image: mariadb:11
          environment:
            MARIADB_ROOT_PASSWORD: "{{ vault_db_password }}"
          volumes:
            - data:/var/lib/mysql
          healthcheck:
            test: ["CMD", "healthcheck.sh", "--connect"]
            interval: 5s
        web:
          image: nginx:1.25
          ports:
            - "8001:80"
          depends_on:
            db:
              condition: service_healthy
      volumes:
        data: {}
    wait: true

- name: Three web replicas
  berth.docker.compose:
    project_src: /srv/web
    scale:
      web: 3

- name: Stop the project (containers kept)
  berth.docker.compose:
    project_src: /srv/web
    state: stopped

- name: Down, with the volumes
  berth.docker.compose:
    project_src: /srv/web
    state: absent
    remove_volumes: true

- name: Down a project known only by name
  berth.docker.compose:
    project_name: web
    state: absent
'''

RETURN = r'''
project_name:
  description: The normalised project name.
  returned: success
  type: str
  sample: web
containers:
  description:
    - The project's containers after the run, like C(docker-compose ps) (stopped ones too). In check mode, today's
      containers with the action planned for each in C(Planned), plus the ones that would be created.
  returned: success
  type: list
  elements: dict
  sample:
    - Name: web-nginx-1
      ID: 3f4e...
      Service: nginx
      Number: 1
      Project: web
      Image: nginx:1.25
      State: running
      Status: Up 3 seconds
      Health: null
      Ports: ["0.0.0.0:8001->80/tcp"]
      ConfigHash: 9a0c...
actions:
  description:
    - What was done (or, in check mode, would be done), in order. Each has C(what) (C(network), C(volume), C(image)
      or C(container)), C(action) (C(create), C(recreate), C(start), C(stop), C(restart), C(remove), C(pull), C(build))
      and the C(name) / C(service) / C(reason) that apply.
  returned: success
  type: list
  elements: dict
  sample:
    - what: network
      action: create
      name: web_default
    - what: container
      action: recreate
      service: nginx
      name: web-nginx-1
      reason: its configuration or image changed
images:
  description: Images pulled, built or removed (or that would be), with the service, reference and image ID.
  returned: success
  type: list
  elements: dict
'''

from ansible_collections.berth.docker.plugins.module_utils.compose.options import COMPOSE_SPEC, compose_main
from ansible_collections.berth.docker.plugins.module_utils.compose.run import run_compose


def main():
    compose_main(COMPOSE_SPEC, run_compose)


if __name__ == '__main__':
    main()
