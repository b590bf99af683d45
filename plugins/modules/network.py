#!/usr/bin/python
# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r'''
module: network
short_description: A Docker network in its declared state
version_added: 0.1.0
description:
  - Creates, recreates and removes a network, and connects and disconnects containers.
  - Only the options you set are compared; what the engine fills in (an automatic subnet, driver options it adds)
    causes no change.
  - A network whose configuration must change is recreated. When containers use it, that happens only with
    O(force=true) (they are disconnected and reconnected with their aliases and addresses); otherwise the task fails
    naming the containers.
  - Option names follow C(community.docker.docker_network) for the common subset. One deliberate difference - without
    O(connected), no container is disconnected (community.docker disconnects every container when O(appends=false)
    and O(connected) is empty).
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
    support: full
options:
  name:
    description: Name of the network.
    type: str
    required: true
    aliases: [network_name]
  state:
    description:
      - V(present) or V(absent).
      - V(absent) disconnects the containers still on the network (they keep running), then removes it.
    type: str
    default: present
    choices: [absent, present]
  driver:
    description: Network driver.
    type: str
    default: bridge
  driver_options:
    description: 'Driver options, for example V({com.docker.network.bridge.name: br-app}).'
    type: dict
  ipam_driver:
    description: IPAM driver (the engine's V(default) when not set).
    type: str
  ipam_config:
    description: Address pools. When not set, the engine picks a subnet and it is not compared.
    type: list
    elements: dict
    suboptions:
      subnet:
        description: Subnet in CIDR form, for example V(172.28.0.0/16).
        type: str
      gateway:
        description: Gateway address.
        type: str
      iprange:
        description: Range for container addresses, inside O(ipam_config[].subnet).
        type: str
      aux_addresses:
        description: 'Addresses the IPAM driver must not hand out, V({name: address}).'
        type: dict
  ipam_driver_options:
    description: Options of the IPAM driver.
    type: dict
  internal:
    description: No external connectivity.
    type: bool
  attachable:
    description: Standalone containers may attach to a swarm network.
    type: bool
  enable_ipv4:
    description:
      - Give containers IPv4 addresses. Engines default to V(true); V(false) makes an IPv6-only network.
      - Needs Engine API 1.47 (Docker 28) or newer.
    type: bool
  enable_ipv6:
    description: Enable IPv6 (give an IPv6 subnet in O(ipam_config)).
    type: bool
  scope:
    description:
      - V(local), V(global) or V(swarm). The engine picks it from the driver when not set.
      - Needs Engine API 1.30 or newer.
    type: str
    choices: [local, global, swarm]
  config_only:
    description:
      - A configuration-only network, a template that O(config_from) of other networks names; no container can use it.
      - Needs Engine API 1.30 or newer.
    type: bool
  config_from:
    description:
      - Take the configuration of this config-only network (see O(config_only)).
      - Needs Engine API 1.30 or newer.
    type: str
  ingress:
    description:
      - The swarm routing-mesh network (overlay driver on a swarm manager only).
      - Needs Engine API 1.29 or newer.
    type: bool
  labels:
    description: Labels of the network (labels present on the network but not listed here cause no change).
    type: dict
  connected:
    description: Containers that must be connected. With O(appends=false), other containers are disconnected.
    type: list
    elements: str
    aliases: [containers]
  appends:
    description: Only connect the containers of O(connected); disconnect no other one.
    type: bool
    default: false
    aliases: [incremental]
  force:
    description:
      - Recreate a network whose configuration must change even when containers use it (they are disconnected
        first, and reconnected after the recreation).
    type: bool
    default: false
  debug:
    description: Accepted for compatibility with C(community.docker.docker_network); the result always holds RV(actions) and, in diff mode, the diff.
    type: bool
    default: false
notes:
  - An option that needs a newer Engine API than the one in use fails the task before anything changes, naming the option and the version.
'''

EXAMPLES = r'''
- name: A network for the backend with a fixed subnet
  berth.docker.network:
    name: backend
    ipam_config:
      - subnet: 172.28.0.0/16
        gateway: 172.28.0.1
    labels:
      app: shop

- name: Exactly these containers on the frontend network
  berth.docker.network:
    name: frontend
    connected: [web1, web2]

- name: Removed (containers still on it are disconnected first)
  berth.docker.network:
    name: backend
    state: absent
'''

RETURN = r'''
network:
  description: The network's inspect data after the run (before it, in check mode); empty when absent.
  returned: success
  type: dict
actions:
  description: What was done (or would be done in check mode), for example V(create), V(recreate), V(connect:web1).
  returned: success
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.berth.docker.plugins.module_utils.common import docker_argument_spec, run_module
from ansible_collections.berth.docker.plugins.module_utils.network import NETWORK_SPEC, run_network


def main():
    module = AnsibleModule(
        argument_spec=docker_argument_spec(NETWORK_SPEC),
        supports_check_mode=True,
    )
    run_module(module, run_network)


if __name__ == '__main__':
    main()
