# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of berth.docker.compose and compose_info, their shared main(), and the project
those options choose (loaded from files or a definition, or known only by its name)."""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.berth.docker.plugins.module_utils.common import docker_argument_spec, run_module
from ansible_collections.berth.docker.plugins.module_utils.compose.labels import normalise_project_name
from ansible_collections.berth.docker.plugins.module_utils.compose.model import Project, load_project
from ansible_collections.berth.docker.plugins.module_utils.errors import ComposeError

# the module options that choose the project (shared by compose and compose_info)
PROJECT_SPEC = dict(
    project_src=dict(type='path'),
    files=dict(type='list', elements='path'),
    definition=dict(type='dict'),
    project_name=dict(type='str'),
    env_files=dict(type='list', elements='path'),
    profiles=dict(type='list', elements='str'),
)

COMPOSE_SPEC = dict(
    state=dict(type='str', default='present', choices=['present', 'stopped', 'restarted', 'absent']),
    services=dict(type='list', elements='str'),
    dependencies=dict(type='bool', default=True),
    scale=dict(type='dict'),
    recreate=dict(type='str', default='auto', choices=['auto', 'always', 'never']),
    pull=dict(type='str', default='policy', choices=['always', 'missing', 'never', 'policy']),
    build=dict(type='str', default='policy', choices=['always', 'never', 'policy']),
    remove_orphans=dict(type='bool', default=False),
    remove_volumes=dict(type='bool', default=False),
    remove_images=dict(type='str', choices=['all', 'local']),
    wait=dict(type='bool', default=False),
    wait_timeout=dict(type='int', default=300),
    timeout=dict(type='int', aliases=['stop_timeout']),
)

INFO_SPEC = dict(
    mask_values=dict(type='bool', default=True),
    logs=dict(type='bool', default=False),
    tail=dict(type='int', default=100),
    since=dict(type='str'),
    services=dict(type='list', elements='str'),
)


def compose_main(spec, handler):
    """main() of compose and compose_info: the project options plus ``spec``, then ``handler``."""
    merged = dict(PROJECT_SPEC)
    merged.update(spec)
    module = AnsibleModule(
        argument_spec=docker_argument_spec(merged),
        mutually_exclusive=[('files', 'definition')],
        required_one_of=[('project_src', 'files', 'definition', 'project_name')],
        supports_check_mode=True,
    )
    run_module(module, handler)


def has_sources(params):
    """Whether the options name compose files or a definition (not only a project name)."""
    return bool(params.get('project_src') or params.get('files') or params.get('definition') is not None)


def project_from_params(params, services=None):
    """Load the project the options describe; None when only project_name is given."""
    if not has_sources(params):
        if not params.get('project_name'):
            raise ComposeError('give project_src, files or definition (or project_name alone to act on an existing project)')
        return None
    return load_project(
        project_src=params.get('project_src'), files=params.get('files'), definition=params.get('definition'),
        project_name=params.get('project_name'), env_files=params.get('env_files'), profiles=params.get('profiles'),
        services=services)


def bare_project(name):
    """A project known only by name (from the labels of what exists)."""
    project = Project()
    project.name = normalise_project_name(name)
    if not project.name:
        raise ComposeError('project_name %r has no letters or digits' % name)
    return project
