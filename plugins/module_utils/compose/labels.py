# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The names compose gives things: its label names (defined here once), project names, and the
container names it derives from them. What exec, container and the haproxy_servers filter need
to find a service's containers imports this file alone (with the engine client it needs)."""

import re

from ansible_collections.berth.docker.plugins.module_utils.api import encode_filters
from ansible_collections.berth.docker.plugins.module_utils.errors import DockerError

LABEL_PREFIX = 'com.docker.compose.'
LABEL_PROJECT = 'com.docker.compose.project'
LABEL_SERVICE = 'com.docker.compose.service'
LABEL_NUMBER = 'com.docker.compose.container-number'
LABEL_ONEOFF = 'com.docker.compose.oneoff'
LABEL_CONFIG_HASH = 'com.docker.compose.config-hash'
LABEL_WORKING_DIR = 'com.docker.compose.project.working_dir'
LABEL_CONFIG_FILES = 'com.docker.compose.project.config_files'
LABEL_ENV_FILE = 'com.docker.compose.project.environment_file'
LABEL_VERSION = 'com.docker.compose.version'
LABEL_IMAGE = 'com.docker.compose.image'
LABEL_DEPENDS_ON = 'com.docker.compose.depends_on'
LABEL_NETWORK = 'com.docker.compose.network'
LABEL_VOLUME = 'com.docker.compose.volume'
# berth.docker's own: the content of a service's environment / content secrets and configs, which
# compose v2's config hash leaves out (convert.file_objects_digest)
LABEL_FILE_OBJECTS = 'berth.docker.file-objects'


def normalise_project_name(name):
    """Like compose: lower case, only a-z 0-9 _ -, starting with a letter or digit."""
    value = re.sub(r'[^a-z0-9_-]', '', str(name or '').lower())
    value = value.lstrip('_-')
    return value


def container_name(project_name, svc, number):
    """``container_name`` or ``<project>-<service>-<n>`` (compose v2)."""
    if svc.get('container_name'):
        return svc['container_name']
    return '%s-%s-%d' % (project_name, svc['name'], number)


def legacy_container_name(project_name, service, number):
    """What docker-compose v1 names the same container: ``<project>_<service>_<n>``."""
    return '%s_%s_%d' % (project_name, service, number)


def labels_of(obj):
    """The labels of a listed container, network or volume."""
    return obj.get('Labels') or {}


def container_number(container):
    """The replica number a listed container carries (0 when it has none)."""
    try:
        return int(labels_of(container).get(LABEL_NUMBER) or 0)
    except ValueError:
        return 0


def container_display_name(container):
    """The name of a listed or inspected container, without the leading slash."""
    names = container.get('Names') or []
    if names:
        return names[0].lstrip('/')
    return (container.get('Name') or '').lstrip('/')


def is_running(container):
    """Whether a listed container runs (or restarts, or is paused)."""
    return container.get('State') in ('running', 'restarting', 'paused')


def is_oneoff(container):
    """Whether a listed container is a one-off (``compose run``) container."""
    return labels_of(container).get(LABEL_ONEOFF, 'False') == 'True'


def project_containers(client, project_name):
    """The project's containers, all states (one GET)."""
    return client.get('/containers/json', {'all': True, 'filters': encode_filters(
        {'label': ['%s=%s' % (LABEL_PROJECT, project_name)]})}) or []


def list_project(client, project_name):
    """The project's containers (all states), and all networks and volumes."""
    containers = project_containers(client, project_name)
    networks = client.get('/networks') or []
    volumes = (client.get('/volumes') or {}).get('Volumes') or []
    return containers, networks, volumes


def service_containers(client, project_name, service):
    """The containers (all states, one-off ones left out) of one service of a project."""
    containers = client.get('/containers/json', {'all': True, 'filters': encode_filters(
        {'label': ['%s=%s' % (LABEL_PROJECT, project_name), '%s=%s' % (LABEL_SERVICE, service)]})}) or []
    return [c for c in containers if not is_oneoff(c)]


def service_container(client, project_name, service, index=1):
    """The name of replica ``index`` of ``service`` in a compose project (for berth.docker.exec
    project/service/index, like ``docker-compose exec --index N SERVICE``)."""
    project = normalise_project_name(project_name)
    containers = service_containers(client, project, service)
    for container in containers:
        if labels_of(container).get(LABEL_NUMBER) == str(index):
            return container_display_name(container)
    if not containers:
        raise DockerError('compose project %s has no container of service %s; bring it up first (berth.docker.compose)'
                          % (project, service))
    raise DockerError('service %s of compose project %s has no container number %d; it has %s' % (
        service, project, index, ', '.join(sorted(container_display_name(c) for c in containers))))
