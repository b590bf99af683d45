#!/usr/bin/python
# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r'''
module: container_copy_into
short_description: Put one file into a container, only when it differs
version_added: 0.2.0
description:
  - Writes one file into a container, like C(docker cp), either a file of the managed host (O(path)) or text or Base64
    data given in the task (O(content)).
  - Idempotent without running anything in the container; the module reads the path's type, size, mode, owner and bytes
    through the Engine API's archive endpoints and writes only when one of them differs from what is wanted (see O(force)).
  - Works on stopped containers too, then O(owner_id) and O(group_id) are required; when they are not given, the module
    runs C(/bin/sh -c "id -u && id -g") in the running container to use its user's IDs.
  - Option names follow C(community.docker.docker_container_copy_into).
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
      - Nothing is written; what is in the container is read and compared as in a real run.
  diff_mode:
    support: full
    details:
      - Text files up to 104448 bytes (the default of ansible-core's MAX_FILE_SIZE_FOR_DIFF) are shown; for larger or
        binary files the diff says so instead (C(src_larger), C(dst_larger), C(src_binary), C(dst_binary)).
  idempotent:
    support: partial
    details:
      - Idempotent unless O(force=true), which writes every time.
options:
  container:
    description: Name or ID of the container.
    type: str
    required: true
  path:
    description:
      - A file on the managed host to copy. A symbolic link is copied as a link when O(local_follow=false).
      - Exactly one of O(path) and O(content) is required.
    type: path
  content:
    description:
      - The file's content, as text (written as UTF-8), or Base64 with O(content_is_b64=true) (use that for binary data).
      - Requires O(mode).
    type: str
  content_is_b64:
    description: O(content) is Base64; it is decoded before it is written.
    type: bool
    default: false
  container_path:
    description: Absolute path of the file in the container. Its directory must exist.
    type: str
    required: true
  follow:
    description:
      - When O(container_path) is a symbolic link in the container, write to the file it points to (followed to the end)
        instead of replacing the link. RV(container_path) then returns the path written.
    type: bool
    default: false
  local_follow:
    description: When O(path) is a symbolic link, copy the file it points to; with V(false), copy the link itself.
    type: bool
    default: true
  owner_id:
    description:
      - Numeric user ID owning the file in the container. With O(group_id); when both are left out, the IDs of the
        container's user (looked up in the running container).
    type: int
  group_id:
    description: Numeric group ID of the file in the container. With O(owner_id).
    type: int
  mode:
    description:
      - Permission bits of the file. Default for O(path) is the local file's mode; O(content) requires it.
      - How a string is read is set by O(mode_parse).
    type: raw
  mode_parse:
    description:
      - How O(mode) is read. V(legacy) - an integer, and a string as a B(decimal) number (V("420") is 0644);
        V(modern) - an integer, and a string as an octal number (V("0644")), like M(ansible.builtin.copy);
        V(octal_string_only) - only an octal string.
    type: str
    choices: [legacy, modern, octal_string_only]
    default: legacy
  force:
    description:
      - Unset (the default) - write when the file differs in type, content, mode or owner.
      - V(true) - always write.
      - V(false) - write only when nothing exists at O(container_path).
    type: bool
'''

EXAMPLES = r'''
- name: Put the application configuration into the container
  berth.docker.container_copy_into:
    container: app
    path: /srv/app/app.conf
    container_path: /etc/app/app.conf
    owner_id: 0
    group_id: 0
    mode: "0644"
    mode_parse: modern

- name: Write a token file from a variable, readable by uid 1000 only
  berth.docker.container_copy_into:
    container: app
    content: "{{ app_token }}"
    container_path: /run/app/token
    owner_id: 1000
    group_id: 1000
    mode: "0600"
    mode_parse: modern

- name: Binary data, given as Base64
  berth.docker.container_copy_into:
    container: app
    content: "{{ lookup('ansible.builtin.file', 'logo.png.b64') }}"
    content_is_b64: true
    container_path: /srv/www/logo.png
    mode: "0644"
    mode_parse: modern
'''

RETURN = r'''
container_path:
  description: The path written (or that would be written); it differs from O(container_path) only with O(follow=true).
  returned: success
  type: str
  sample: /etc/app/app.conf
differences:
  description:
    - Why the file is (or would be) written - V(absent), V(type), V(content), V(target) (of a link), V(mode), V(owner)
      or V(forced); empty when nothing is written.
  returned: success
  type: list
  elements: str
  sample: [content, mode]
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.berth.docker.plugins.module_utils.common import docker_argument_spec, run_module
from ansible_collections.berth.docker.plugins.module_utils.copy_into import copy_into


def main():
    module = AnsibleModule(
        argument_spec=docker_argument_spec(dict(
            container=dict(type='str', required=True),
            path=dict(type='path'),
            content=dict(type='str', no_log=True),
            content_is_b64=dict(type='bool', default=False),
            container_path=dict(type='str', required=True),
            follow=dict(type='bool', default=False),
            local_follow=dict(type='bool', default=True),
            owner_id=dict(type='int'),
            group_id=dict(type='int'),
            mode=dict(type='raw'),
            mode_parse=dict(type='str', choices=['legacy', 'modern', 'octal_string_only'], default='legacy'),
            force=dict(type='bool'),
        )),
        mutually_exclusive=[('path', 'content')],
        required_one_of=[('path', 'content')],
        required_together=[('owner_id', 'group_id')],
        required_by={'content': ['mode']},
        supports_check_mode=True,
    )
    run_module(module, copy_into)


if __name__ == '__main__':
    main()
