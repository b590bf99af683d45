# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Engine facts and object lists for berth.docker.host_info."""


import time

from ansible_collections.berth.docker.plugins.module_utils.api import APIError, DockerError, EngineUnreachable, encode_filters
from ansible_collections.berth.docker.plugins.module_utils.api_features import check_options

LISTS = ('containers', 'images', 'networks', 'volumes')
DF_BUSY = 'disk usage operation is already running'
DF_WAIT = 120  # seconds to wait for another client's GET /system/df to finish


def engine_summary(version, info):
    """The short facts a play usually wants, from GET /version and GET /info."""
    return {
        'version': version.get('Version'),
        'api_version': version.get('ApiVersion'),
        'min_api_version': version.get('MinAPIVersion'),
        'os': info.get('OperatingSystem'),
        'os_type': info.get('OSType') or version.get('Os'),
        'kernel_version': info.get('KernelVersion') or version.get('KernelVersion'),
        'architecture': info.get('Architecture') or version.get('Arch'),
        'storage_driver': info.get('Driver'),
        'cgroup_driver': info.get('CgroupDriver'),
        'cgroup_version': info.get('CgroupVersion'),
        'docker_root_dir': info.get('DockerRootDir'),
        'containers': info.get('Containers'),
        'containers_running': info.get('ContainersRunning'),
        'containers_paused': info.get('ContainersPaused'),
        'containers_stopped': info.get('ContainersStopped'),
        'images': info.get('Images'),
        'name': info.get('Name'),
    }


# the fields of each object in the short lists: docker_host_info's, plus the labels (and a
# container's state) that plays filter on
SHORT_FIELDS = {
    'containers': ('Id', 'Image', 'Command', 'Created', 'Status', 'State', 'Ports', 'Names', 'Labels'),
    'images': ('Id', 'RepoTags', 'Created', 'Size', 'Labels'),
    'networks': ('Id', 'Driver', 'Name', 'Scope', 'Labels'),
    'volumes': ('Driver', 'Name', 'Labels'),
}


def shorten(kind, item):
    return dict((key, item.get(key)) for key in SHORT_FIELDS[kind])


def list_objects(client, kind, filters=None, include_all=False):
    """GET /containers/json, /images/json, /networks or /volumes with engine filters."""
    params = {'filters': encode_filters(filters) if filters else None}
    if kind == 'containers':
        params['all'] = bool(include_all)
        return client.get('/containers/json', params) or []
    if kind == 'images':
        params['all'] = bool(include_all)
        return client.get('/images/json', params) or []
    if kind == 'networks':
        return client.get('/networks', params) or []
    return (client.get('/volumes', params) or {}).get('Volumes') or []


def disk_usage(client, wait=DF_WAIT, poll=0.5):
    """GET /system/df. Engines before Docker 23 (API 1.42) refuse a second one while one runs
    (HTTP 500, another client's or another task's): wait for it, then ask again."""
    deadline = time.time() + wait
    while True:
        try:
            return client.get('/system/df') or {}
        except APIError as exc:
            if DF_BUSY not in exc.msg or time.time() >= deadline:
                raise
        time.sleep(poll)


def gather(module, client):
    params = module.params
    version = client.version()
    try:
        client.negotiate()
    except DockerError as exc:
        # no API version both sides speak (api_version outside the engine's range): no talking to it
        raise EngineUnreachable(exc.msg)
    check_options(client, 'host_info', params)
    info = client.get('/info')
    result = {
        'changed': False,
        'can_talk_to_docker': True,
        'api_version_used': client.api_version,
        'engine': engine_summary(version, info),
        'host_info': info,
        'docker_version': version,
    }
    for kind in LISTS:
        if not params.get(kind):
            continue
        items = list_objects(client, kind, params.get('%s_filters' % kind),
                             params.get('%s_all' % kind, False))
        if not params.get('verbose_output'):
            items = [shorten(kind, item) for item in items]
        result[kind] = items
    if params.get('disk_usage'):
        usage = disk_usage(client)
        result['disk_usage'] = usage if params.get('verbose_output') else {'LayersSize': usage.get('LayersSize')}
    return result
