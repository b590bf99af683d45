#!/usr/bin/python
# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r'''
module: exec
short_description: Run a command in a running container
version_added: 0.1.0
description:
  - Runs a command in a running container, like C(docker exec), and returns its exit code and output.
  - Fails when the container does not exist or is not running, naming its status.
  - Always reports a change (like M(ansible.builtin.command)); use C(changed_when) to say otherwise. A non-zero
    RV(rc) fails the task, as with M(ansible.builtin.command); use C(failed_when) to accept other exit codes.
  - Option names follow C(community.docker.docker_container_exec) for the common subset.
author:
  - berth.docker developers (@berth-docker)
extends_documentation_fragment:
  - berth.docker.docker
  - berth.docker.attributes
  - berth.docker.attributes.actiongroup_docker
attributes:
  check_mode:
    support: partial
    details:
      - In check mode the command is not run. The task checks that the container exists and is running (failing as a
        real run would when it is not) and reports a change, with no RV(rc), RV(stdout) or RV(stderr).
  diff_mode:
    support: none
  idempotent:
    support: none
    details:
      - Every real run runs the command and reports a change, like M(ansible.builtin.command), whatever the command
        does; use C(changed_when) when the command itself says whether it changed something.
options:
  container:
    description: Name or ID of the container. Give either this, or O(project) and O(service).
    type: str
  project:
    aliases: [project_name]
    description:
      - A compose project name; with O(service) (and O(index)) it picks the container like C(docker-compose exec SERVICE),
        by the C(com.docker.compose.*) labels (projects of berth.docker.compose and of docker compose alike).
    type: str
  service:
    description: The compose service whose container runs the command (with O(project)).
    type: str
  index:
    description: Which replica of O(service), by its container number, like C(docker-compose exec --index).
    type: int
    default: 1
  command:
    description: The command as a string, split like a shell would (no shell features; use V(sh -c '...') for those). Mutually exclusive with O(argv).
    type: str
  argv:
    description: The command as a list of arguments. Mutually exclusive with O(command).
    type: list
    elements: str
  chdir:
    description: Working directory of the command.
    type: str
  user:
    description: User to run as, V(name), V(uid) or V(uid:gid).
    type: str
  env:
    description: Extra environment variables. Values must be strings.
    type: dict
  stdin:
    description: Text sent to the command's standard input (then it sees end of file).
    type: str
  stdin_add_newline:
    description: Append a newline to O(stdin) when it does not end with one.
    type: bool
    default: true
  strip_empty_ends:
    description: Strip trailing newlines from RV(stdout) and RV(stderr).
    type: bool
    default: true
  tty:
    description: Allocate a pseudo-TTY (output then comes as one stream, in RV(stdout)).
    type: bool
    default: false
  detach:
    description: Start the command and return at once with RV(exec_id), without waiting for it.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Ask nginx to check its configuration
  berth.docker.exec:
    container: web1
    argv: [nginx, -t]
  register: check
  changed_when: false
  failed_when: check.rc != 0

- name: Like docker-compose exec php php -v (replica 1 of service php of project web)
  berth.docker.exec:
    project: web
    service: php
    argv: [php, -v]
  changed_when: false

- name: Feed SQL on stdin
  berth.docker.exec:
    container: db
    command: mysql -uroot
    stdin: "CREATE DATABASE IF NOT EXISTS app;"

- name: A shell pipeline
  berth.docker.exec:
    container: web1
    argv: [sh, -c, "ls /etc | wc -l"]
    chdir: /etc
    user: nobody
'''

RETURN = r'''
rc:
  description: Exit code of the command.
  returned: when the command ran to completion
  type: int
  sample: 0
stdout:
  description: Standard output (all output with O(tty=true)).
  returned: when the command ran to completion
  type: str
stderr:
  description: Standard error.
  returned: when the command ran to completion
  type: str
exec_id:
  description: ID of the exec instance.
  returned: when the command was started
  type: str
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.berth.docker.plugins.module_utils.common import docker_argument_spec, run_module
from ansible_collections.berth.docker.plugins.module_utils.exec import run_exec


def main():
    module = AnsibleModule(
        argument_spec=docker_argument_spec(dict(
            container=dict(type='str'),
            project=dict(type='str', aliases=['project_name']),
            service=dict(type='str'),
            index=dict(type='int', default=1),
            command=dict(type='str'),
            argv=dict(type='list', elements='str'),
            chdir=dict(type='str'),
            user=dict(type='str'),
            env=dict(type='dict'),
            stdin=dict(type='str'),
            stdin_add_newline=dict(type='bool', default=True),
            strip_empty_ends=dict(type='bool', default=True),
            tty=dict(type='bool', default=False),
            detach=dict(type='bool', default=False),
        )),
        mutually_exclusive=[('command', 'argv'), ('container', 'project')],
        required_one_of=[('command', 'argv'), ('container', 'project')],
        required_together=[('project', 'service')],
        supports_check_mode=True,
    )
    run_module(module, run_exec)


if __name__ == '__main__':
    main()
