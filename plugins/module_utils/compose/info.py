# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a compose project looks like on the engine (berth.docker.compose_info, and the
``containers`` result of berth.docker.compose): its containers as ``compose ps`` shows them,
per-service counts, the normalised configuration and the containers' logs."""

import time

from ansible_collections.berth.docker.plugins.module_utils import container_ops
from ansible_collections.berth.docker.plugins.module_utils.compose.labels import (
    LABEL_CONFIG_HASH,
    LABEL_NUMBER,
    LABEL_PROJECT,
    LABEL_SERVICE,
    container_display_name,
    is_oneoff,
    project_containers,
)
from ansible_collections.berth.docker.plugins.module_utils.compose.model import project_config
from ansible_collections.berth.docker.plugins.module_utils.compose.options import bare_project, project_from_params
from ansible_collections.berth.docker.plugins.module_utils.errors import ComposeError, SpecError
from ansible_collections.berth.docker.plugins.module_utils.units import parse_duration


def _health(state, status):
    """The health in a container's State (inspect) or in its Status text (list)."""
    if isinstance(state, dict):
        return (state.get('Health') or {}).get('Status')
    if not (status and '(' in status and status.endswith(')')):
        return None
    health = status.rsplit('(', 1)[1].rstrip(')')
    if health.startswith('health: '):
        health = health[len('health: '):]
    return health if health in ('healthy', 'unhealthy', 'starting') else None


def ps_entry(container):
    """One container as ``compose ps`` shows it (from the container list or an inspect)."""
    labels = container.get('Labels') or (container.get('Config') or {}).get('Labels') or {}
    state = container.get('State')
    status = container.get('Status')
    health = _health(state, status)
    if isinstance(state, dict):
        status = state = state.get('Status')
    ports = []
    for port in container.get('Ports') or []:
        if port.get('PublicPort'):
            ports.append('%s:%s->%s/%s' % (port.get('IP') or '0.0.0.0', port['PublicPort'], port['PrivatePort'], port.get('Type')))
        else:
            ports.append('%s/%s' % (port.get('PrivatePort'), port.get('Type')))
    return {
        'Name': container_display_name(container),
        'ID': container.get('Id'),
        'Service': labels.get(LABEL_SERVICE),
        'Number': int(labels.get(LABEL_NUMBER) or 0),
        'Project': labels.get(LABEL_PROJECT),
        'Image': container.get('Image') or (container.get('Config') or {}).get('Image'),
        'State': state,
        'Status': status,
        'Health': health,
        'Ports': sorted(set(ports)),
        'ConfigHash': labels.get(LABEL_CONFIG_HASH),
    }


def ps(client, project_name, services=None):
    """The project's containers (one-off ones left out) as ps_entry rows."""
    containers = project_containers(client, project_name)
    return ps_from(containers, services)


def ps_from(containers, services=None):
    """Listed containers as ps_entry rows, one-off ones left out, by service and number."""
    result = [ps_entry(c) for c in containers if not is_oneoff(c)]
    if services:
        result = [c for c in result if c['Service'] in services]
    return sorted(result, key=lambda c: (c['Service'] or '', c['Number'], c['Name']))


def container_logs(client, cid, tail=100, since=None):
    """A container's log lines (stdout, then stderr)."""
    out, err = container_ops.logs(client, cid, tail=tail, since=since)
    return (out + err).splitlines()


def since_timestamp(value, now=None):
    """A since option (unix time, or a duration like 10m meaning that long ago) -> unix time."""
    if value is None:
        return None
    text = str(value).strip()
    try:
        return int(float(text))
    except ValueError:
        pass
    try:
        seconds = parse_duration(text, 'since') / 1e9
    except SpecError:
        raise ComposeError('since %r is neither a unix time nor a duration like 10m or 1h' % value)
    return int((now or time.time()) - seconds)


def service_status(project, containers, services=None):
    """Per service: how many containers, how many run, how many are healthy, their states
    (and the declared scale when the project was loaded)."""
    status = {}
    for name in (project.order or sorted(set(c['Service'] for c in containers if c['Service']))):
        if services and name not in services:
            continue
        mine = [c for c in containers if c['Service'] == name]
        status[name] = {
            'containers': len(mine),
            'running': len([c for c in mine if c['State'] == 'running']),
            'healthy': len([c for c in mine if c['Health'] == 'healthy']),
            'states': sorted(set(c['State'] for c in mine)),
        }
        if project.services.get(name):
            status[name]['scale'] = project.services[name]['scale']
    return status


def run_compose_info(module, client):
    """berth.docker.compose_info: the project's containers, services, configuration and logs."""
    p = module.params
    project = project_from_params(p)
    if project is None:
        project = bare_project(p['project_name'])
    for message in project.warnings:
        module.warn(message)
    services = p.get('services')
    if services and project.services:
        for name in services:
            if name not in project.all_services:
                raise ComposeError('no service %s in project %s; its services are: %s' % (
                    name, project.name, ', '.join(project.all_services)))
    containers = ps(client, project.name, services)
    result = {'changed': False, 'project_name': project.name, 'containers': containers}
    if project.services:
        result['config'] = project_config(project, mask=p.get('mask_values', True))
    result['services'] = service_status(project, containers, services)
    if p.get('logs'):
        since = since_timestamp(p.get('since'))
        logs = {}
        for entry in containers:
            logs.setdefault(entry['Service'], {})[entry['Name']] = container_logs(client, entry['ID'], p.get('tail'), since)
        result['logs'] = logs
    return result
