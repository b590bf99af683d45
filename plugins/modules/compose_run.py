#!/usr/bin/python
# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r'''
module: compose_run
short_description: Run a command in a new one-off container of a compose service
version_added: 0.1.0
description:
  - Runs a command in a new container of a compose service, like C(docker compose run SERVICE COMMAND), natively
    through the Engine API (no compose CLI on the host).
  - The container gets the service's configuration (image, environment and C(env_file), volumes, networks, labels,
    healthcheck, ...) with the overrides given here, and the labels compose sets on one-off containers
    (C(com.docker.compose.oneoff=True), C(com.docker.compose.slug)). It is named C(<project>-<service>-run-<12 hex digits>)
    unless O(name) is set. As with compose, it has no restart policy, publishes none of the service's ports unless
    O(service_ports=true), and carries no network aliases unless O(use_aliases=true), so it never answers for the service.
  - 'The services it depends on (C(depends_on), C(links), C(network_mode: service:X), C(volumes_from)) are brought up
    first, like M(berth.docker.compose) with its C(services) option set to them (created, recreated
    when their configuration changed, started), and their C(depends_on) conditions are waited for, unless
    O(no_deps=true). They are left running afterwards, as compose leaves them. The networks and volumes of the project
    that the container needs are created even with O(no_deps=true).'
  - By default the run is attached. The module waits for the command to exit and returns RV(rc), RV(stdout) and
    RV(stderr), then removes the container (O(rm)). A non-zero RV(rc) fails the task, as with M(ansible.builtin.command);
    use C(failed_when) to accept other exit codes. With O(detach=true) it returns RV(container_id) once the container
    has started.
  - One-off containers are neither counted nor touched by M(berth.docker.compose) with O(berth.docker.compose#module:state=present);
    O(berth.docker.compose#module:state=absent) of the whole project removes them, as C(docker compose down) does.
  - Option names follow C(community.docker.docker_compose_v2_run) for the common subset. Differences are listed in the notes.
author:
  - berth.docker developers (@berth-docker)
extends_documentation_fragment:
  - berth.docker.docker
  - berth.docker.compose
  - berth.docker.attributes
  - berth.docker.attributes.actiongroup_docker
attributes:
  check_mode:
    support: partial
    details:
      - In check mode nothing is created, pulled, built or run. The task reports a change, the image it would pull or build,
        what it would do to the dependencies, and the container it would run, but no RV(rc), RV(stdout) or RV(stderr).
  diff_mode:
    support: none
  idempotent:
    support: none
    details:
      - A one-off run is never idempotent. Each real run creates and runs a new container and reports a change.
options:
  service:
    description:
      - The service whose configuration the container gets. A service disabled by its C(profiles) can be run; the
        dependencies it needs must be enabled.
    type: str
    required: true
  argv:
    description:
      - The command as a list of arguments, instead of the service's C(command). Mutually exclusive with O(command).
    type: list
    elements: str
  command:
    description:
      - The command as a string, split like a shell would (no shell features; use V(sh -c '...') for those), instead
        of the service's C(command). Mutually exclusive with O(argv).
      - Without O(argv) or O(command) the service's own command runs.
    type: str
  entrypoint:
    description:
      - Replaces the service's entrypoint (split like a shell would). Without O(argv) or O(command), the service's
        command is then dropped, as compose drops it.
    type: str
  env:
    description:
      - Environment variables set in the container, over the service's C(environment) and C(env_file).
      - A variable given without a value (V(null)) takes its value from the project's environment (the shell and
        the env files) and is left out when that has none, like C(docker compose run -e NAME).
      - Quote values that YAML would read as booleans.
    type: dict
  user:
    description: The user to run the command as, instead of the service's C(user).
    type: str
  chdir:
    description: The working directory of the command, instead of the service's C(working_dir).
    type: str
    aliases: [workdir]
  labels:
    description: Labels added to the container (over the service's C(labels)).
    type: dict
  name:
    description:
      - The container's name. Defaults to C(<project>-<service>-run-<12 hex digits>). A name that another container
        has fails the task.
    type: str
  no_deps:
    description: Do not start the services this one depends on, and do not wait for them.
    type: bool
    default: false
  service_ports:
    description: Publish the service's C(ports) as it declares them. They are not published by default, as with compose.
    type: bool
    default: false
  publish:
    description:
      - Ports to publish, in the C(ports) short syntax, for example V(127.0.0.1:8080:80).
    type: list
    elements: str
  volumes:
    description:
      - Volumes to mount in addition to the service's, in the C(volumes) short syntax (V(./data:/data:ro),
        V(name:/path)). A relative host path is relative to the project directory. An entry for a path the service
        mounts already replaces that mount.
      - A named volume that the project does not declare is used by that name, and the engine creates it when it is missing.
    type: list
    elements: str
  use_aliases:
    description:
      - Give the container the service's network aliases (the service name among them), so that it answers to the
        service's name on its networks.
    type: bool
    default: false
  cap_add:
    description: Capabilities added to the service's.
    type: list
    elements: str
  cap_drop:
    description: Capabilities dropped from the service's.
    type: list
    elements: str
  rm:
    description:
      - Remove the container (and its anonymous volumes) once the command has exited. With O(detach=true) the engine
        removes it when it exits.
      - With V(false) the container is kept, stopped, labelled as a one-off container of the project.
      - Called C(cleanup) in community.docker.docker_compose_v2_run, where it defaults to V(false).
    type: bool
    default: true
  detach:
    description:
      - Start the container and return at once with RV(container_id), without waiting for the command.
      - O(stdin) cannot be given then.
    type: bool
    default: false
  tty:
    description:
      - Allocate a pseudo-TTY. The output then comes as one stream, in RV(stdout).
      - Defaults to V(true) in community.docker.docker_compose_v2_run.
    type: bool
    default: false
  stdin:
    description: Text sent to the command's standard input (then it sees end of file). Only with O(detach=false).
    type: str
  stdin_add_newline:
    description: Append a newline to O(stdin) when it does not end with one.
    type: bool
    default: true
  strip_empty_ends:
    description: Strip trailing newlines from RV(stdout) and RV(stderr).
    type: bool
    default: true
  pull:
    description:
      - How the service's image is had, as in M(berth.docker.compose). V(policy) follows its C(pull_policy) (default
        C(missing)). V(always) pulls it, V(missing) pulls it only when absent. V(never) fails when it is missing.
      - The dependencies' images follow the same option.
    type: str
    default: policy
    choices: [always, missing, never, policy]
  build:
    description:
      - For a service with C(build), as in M(berth.docker.compose). V(policy) builds the image when it is missing
        (or C(pull_policy) is C(build)). V(always) builds it, but a build whose inputs are unchanged is skipped.
        V(never) never builds.
    type: str
    default: policy
    choices: [always, never, policy]
  wait_timeout:
    description: Seconds to wait for each C(depends_on) condition of the dependencies.
    type: int
    default: 300
  profiles:
    description:
      - Profiles to enable (like C(--profile)). Services with C(profiles) are part of the project only when one of
        theirs is enabled; O(service) always is. Defaults to C(COMPOSE_PROFILES).
    type: list
    elements: str
notes:
  - The command runs as long as it runs; O(timeout) bounds each Engine API call, not the command.
  - Unlike community.docker.docker_compose_v2_run, O(rm) and O(tty) default to the values that suit a playbook, and
    O(env) and O(labels) are dictionaries.
  - Without O(project_src), O(files) or O(definition) the task fails; a project known only by O(project_name) cannot be run.
seealso:
  - module: berth.docker.compose
  - module: berth.docker.exec
'''

EXAMPLES = r'''
- name: Migrate the database with the app's image and configuration, like docker compose run --rm app ./manage.py migrate
  berth.docker.compose_run:
    project_src: /srv/shop
    service: app
    argv: [./manage.py, migrate, --no-input]
  register: migrate

- name: A shell pipeline, with an extra variable and the project's db service left alone
  berth.docker.compose_run:
    project_src: /srv/shop
    service: app
    command: sh -c 'env | sort | grep ^APP_'
    env:
      APP_MODE: maintenance
    no_deps: true
  changed_when: false

- name: Feed SQL on stdin to a client in the db service's image
  berth.docker.compose_run:
    project_src: /srv/shop
    service: db
    argv: [mysql, -h, db, -uroot]
    stdin: "CREATE DATABASE IF NOT EXISTS reports;"

- name: A grep that may find nothing (exit code 1 is fine)
  berth.docker.compose_run:
    project_src: /srv/shop
    service: app
    argv: [grep, -c, ERROR, /var/log/app/app.log]
  register: errors
  failed_when: errors.rc not in [0, 1]

- name: Start a worker in the background with the service's ports, keep its container
  berth.docker.compose_run:
    project_src: /srv/shop
    service: app
    argv: [./worker, --once]
    detach: true
    rm: false
    service_ports: true
  register: worker
'''

RETURN = r'''
project_name:
  description: The normalised project name.
  returned: success
  type: str
  sample: shop
service:
  description: The service the container was made from.
  returned: success
  type: str
  sample: app
container_name:
  description: The one-off container's name (in check mode, the name it would have).
  returned: success
  type: str
  sample: shop-app-run-4f1c2a9b7d3e
container_id:
  description: The one-off container's ID (the container is gone by the end of the task when O(rm=true) and O(detach=false)).
  returned: when the container was created
  type: str
rc:
  description: The exit code of the command.
  returned: when the command ran to completion (O(detach=false))
  type: int
  sample: 0
stdout:
  description: Standard output of the command (all its output with O(tty=true)).
  returned: when the command ran to completion (O(detach=false))
  type: str
stderr:
  description: Standard error of the command.
  returned: when the command ran to completion (O(detach=false))
  type: str
actions:
  description:
    - What was done (or, in check mode, would be done), in order. The dependencies' actions first, as
      M(berth.docker.compose) reports them, with C(dependency=true). Then the networks and volumes the container needs
      that were still missing, then the image pulled or built for the service,
      then the run, C(what=container) and C(action=run), with C(service), C(name), C(command), C(entrypoint),
      C(remove) and C(detach).
  returned: success
  type: list
  elements: dict
  sample:
    - what: container
      action: start
      service: db
      name: shop-db-1
      reason: it is exited
      dependency: true
    - what: container
      action: run
      service: app
      name: shop-app-run-4f1c2a9b7d3e
      command: [./manage.py, migrate]
      entrypoint: null
      remove: true
      detach: false
images:
  description: The service's image pulled or built (or that would be), with the service, reference and image ID.
  returned: success
  type: list
  elements: dict
'''

from ansible_collections.berth.docker.plugins.module_utils.compose.oneoff import RUN_SPEC, run_oneoff
from ansible_collections.berth.docker.plugins.module_utils.compose.options import compose_main


def main():
    compose_main(RUN_SPEC, run_oneoff)


if __name__ == '__main__':
    main()
