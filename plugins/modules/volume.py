#!/usr/bin/python
# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r'''
module: volume
short_description: A Docker volume in its declared state
version_added: 0.1.0
description:
  - Creates, recreates and removes a named volume.
  - Only the options you set are compared; labels and driver options present on the volume but not listed cause no change.
  - A volume in use by containers is never removed or recreated; the task fails naming the containers.
  - Option names follow C(community.docker.docker_volume) for the common subset.
author:
  - berth.docker developers (@berth-docker)
extends_documentation_fragment:
  - berth.docker.docker
  - berth.docker.attributes
  - berth.docker.attributes.actiongroup_docker
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: partial
    details:
      - With O(recreate=always) every run recreates the volume and reports a change; otherwise a second run changes nothing.
options:
  name:
    description: Name of the volume.
    type: str
    required: true
    aliases: [volume_name]
  state:
    description: V(present) or V(absent).
    type: str
    default: present
    choices: [absent, present]
  driver:
    description: Volume driver.
    type: str
    default: local
  driver_options:
    description: 'Driver options, for example V({type: tmpfs, device: tmpfs, o: size=64m}).'
    type: dict
    aliases: [driver_opts]
  labels:
    description: Labels of the volume.
    type: dict
  recreate:
    description:
      - V(never) (default) - an existing volume is kept even when its driver, options or labels differ (a warning says so).
      - V(options-changed) - recreate it when they differ (its data is lost).
      - V(always) - recreate it on every run.
    type: str
    default: never
    choices: [always, never, options-changed]
  debug:
    description: Accepted for compatibility with C(community.docker.docker_volume); the result always holds RV(actions) and, in diff mode, the diff.
    type: bool
    default: false
notes:
  - Label values must be text or whole numbers; quote a value YAML would read as a boolean or a decimal number (V("1.0"), V("true")).
'''

EXAMPLES = r'''
- name: Database data
  berth.docker.volume:
    name: db-data
    labels:
      app: shop

- name: A tmpfs volume, recreated when its options change
  berth.docker.volume:
    name: scratch
    driver_options:
      type: tmpfs
      device: tmpfs
      o: size=64m
    recreate: options-changed
'''

RETURN = r'''
volume:
  description: The volume's inspect data after the run (before it, in check mode); empty when absent.
  returned: success
  type: dict
actions:
  description: What was done (or would be done in check mode) - V(create), V(recreate) or V(remove).
  returned: success
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.berth.docker.plugins.module_utils.common import docker_argument_spec, run_module
from ansible_collections.berth.docker.plugins.module_utils.volume import run_volume


def main():
    module = AnsibleModule(
        argument_spec=docker_argument_spec(dict(
            name=dict(type='str', required=True, aliases=['volume_name']),
            state=dict(type='str', default='present', choices=['absent', 'present']),
            driver=dict(type='str', default='local'),
            driver_options=dict(type='dict', aliases=['driver_opts']),
            labels=dict(type='dict'),
            recreate=dict(type='str', default='never', choices=['always', 'never', 'options-changed']),
            debug=dict(type='bool', default=False),
        )),
        supports_check_mode=True,
    )
    run_module(module, run_volume)


if __name__ == '__main__':
    main()
