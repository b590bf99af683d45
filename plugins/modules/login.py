#!/usr/bin/python
# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r'''
module: login
short_description: Registry credentials in the docker CLI's config.json
version_added: 0.1.0
description:
  - Logs in to a registry (C(docker login)) or out of it (C(docker logout)).
  - New credentials are verified through the engine (C(POST /auth)) before anything is written, so a wrong
    password leaves the file untouched. When the same credentials are already stored the task reports no change
    without asking the registry (unless O(reauthorize=true)).
  - Writes C(config.json) in the docker CLI's format, so the CLI, M(berth.docker.image) and other tools use the
    same credentials. The file is written atomically with mode 0600 (its directory 0700 when created);
    other entries in it are kept.
  - Option names follow C(community.docker.docker_login) for the common subset.
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
      - New credentials are verified with the registry through the engine in check mode too; nothing is written.
  diff_mode:
    support: full
  idempotent:
    support: full
    details:
      - With O(reauthorize=true) the registry is asked again on every run, but a change is only reported when the stored
        credentials change.
options:
  registry_url:
    description:
      - The registry, as V(host[:port]) or a URL. Docker Hub by default; it is stored under the key the docker CLI uses
        (V(https://index.docker.io/v1/) for Docker Hub, V(host[:port]) for others).
    type: str
    default: https://index.docker.io/v1/
    aliases: [registry, url]
  username:
    description: The user name. Required with O(state=present).
    type: str
  password:
    description: The password or access token. Required with O(state=present). Never logged.
    type: str
  reauthorize:
    description:
      - Verify the credentials with the registry even when the same ones are already stored, and store them again.
    type: bool
    default: false
    aliases: [reauth]
  config_path:
    description:
      - The config file. Default C($DOCKER_CONFIG/config.json), else C(~/.docker/config.json) of the user running the module.
    type: path
    aliases: [dockercfg_path]
  state:
    description: V(present) logs in, V(absent) removes the stored credentials of O(registry_url) (no engine needed).
    type: str
    default: present
    choices: [present, absent]
  debug:
    description: Accepted for compatibility with C(community.docker.docker_login); the result always holds RV(actions).
    type: bool
    default: false
notes:
  - When the config file names a credential helper for the registry (C(credHelpers), else C(credsStore)), the secret
    goes to C(docker-credential-HELPER) (C(store), C(get), C(erase)) and the config file only lists the registry, as the
    docker CLI does; M(berth.docker.image) and M(berth.docker.container) read credentials through the helper too.
    The helper must be in the PATH of the user the module runs as, and must not ask for a passphrase.
  - An invalid config file is never overwritten; the task fails and says so.
seealso:
  - module: berth.docker.image
'''

EXAMPLES = r'''
- name: Log in to the company registry
  berth.docker.login:
    registry_url: registry.example.com:5000
    username: deploy
    password: "{{ vault_registry_password }}"

- name: Log in as another user with an own config file
  berth.docker.login:
    registry_url: https://registry.example.com
    username: ci
    password: "{{ vault_ci_token }}"
    config_path: /home/ci/.docker/config.json

- name: Log out
  berth.docker.login:
    registry_url: registry.example.com:5000
    state: absent
'''

RETURN = r'''
login_result:
  description: The login (user name, registry key and the registry's status); never the password.
  returned: with O(state=present)
  type: dict
  sample:
    username: deploy
    serveraddress: registry.example.com:5000
    status: Login Succeeded
registry:
  description: The key the credentials are stored under in config.json.
  returned: success
  type: str
  sample: registry.example.com:5000
config_path:
  description: The config file used.
  returned: success
  type: str
  sample: /root/.docker/config.json
actions:
  description: What the task did (or would do in check mode).
  returned: success
  type: list
  elements: str
credential_helper:
  description: The credential helper that holds the secret (C(docker-credential-NAME)), when the config file names one.
  returned: when a credential helper is configured for the registry
  type: str
  sample: pass
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.berth.docker.plugins.module_utils.common import docker_argument_spec, run_module
from ansible_collections.berth.docker.plugins.module_utils.registry import LOGIN_SPEC, run_login


def main():
    module = AnsibleModule(
        argument_spec=docker_argument_spec(LOGIN_SPEC),
        required_if=[('state', 'present', ('username', 'password'))],
        supports_check_mode=True,
    )
    run_module(module, run_login)


if __name__ == '__main__':
    main()
