# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Carrying out a compose plan on the engine: networks and volumes, then every new container
created (none started yet), then the containers started service by service in depends_on order
(each service's dependencies waited for first), replacing containers safely
(container_ops.Replacement), and the optional wait for the whole project."""

import time
from urllib.parse import quote

from ansible_collections.berth.docker.plugins.module_utils import container_ops
from ansible_collections.berth.docker.plugins.module_utils.compose.convert import (
    create_body,
    file_objects_archive,
    inherit_anonymous_volumes,
    is_anonymous_volume,
    network_create_body,
    service_config_hash,
    service_networks,
    volume_create_body,
)
from ansible_collections.berth.docker.plugins.module_utils.compose.labels import (
    LABEL_NUMBER,
    LABEL_SERVICE,
    is_oneoff,
    labels_of,
    project_containers,
    service_containers,
)
from ansible_collections.berth.docker.plugins.module_utils.container_body import endpoint_config
from ansible_collections.berth.docker.plugins.module_utils.errors import Conflict, DockerError, NotFound

POLL = 0.25


def quoted(name):
    """A network, volume or image name as one path segment of an Engine API URL."""
    return quote(name, safe='')


def run_once_services(project):
    """The services others wait for with service_completed_successfully."""
    names = set()
    for svc in project.services.values():
        for dep, spec in (svc.get('depends_on') or {}).items():
            if spec['condition'] == 'service_completed_successfully':
                names.add(dep)
    return names


class PlanExecutor:
    """Carries out a Plan of ``project`` (or the removals of a project known only by name).

    ``stop_timeout``: the stop_timeout option (None: each service's stop_grace_period, else 10 s);
    ``wait_timeout``: seconds to wait for each condition; ``images``: the run's ServiceImages
    (image VOLUME paths for recreated containers)."""

    def __init__(self, client, project, stop_timeout=None, wait_timeout=None, images=None):
        self.client = client
        self.project = project
        self.stop_timeout_option = stop_timeout
        self.wait_timeout = wait_timeout
        self.images = images
        self.ids = {}  # service -> id of its first replica (after changes)

    # -- stopping and removing -----------------------------------------------------------

    def stop_timeout(self, service):
        """The seconds a stop of one of ``service``'s containers waits before it kills."""
        if self.stop_timeout_option is not None:
            return self.stop_timeout_option
        svc = self.project.services.get(service) if self.project else None
        if svc and svc.get('stop_grace_period') is not None:
            return int(round(svc['stop_grace_period']))
        return container_ops.DEFAULT_STOP_TIMEOUT

    def stop(self, cid, service):
        container_ops.stop(self.client, cid, self.stop_timeout(service), what='stopping container %s' % cid[:12])

    def remove(self, cid, volumes=False):
        container_ops.remove(self.client, cid, volumes=volumes, what='removing container %s' % cid[:12])

    def retire(self, item, volumes=False):
        """Stop a container gracefully (its stop signal, then the stop timeout), then remove it,
        like docker-compose down / rm -s. With ``volumes`` its anonymous volumes go too, also
        those it inherited from a container it replaced (the engine counts those as named)."""
        anonymous = []
        if volumes:
            data = self.client.inspect('container', item['id']) or {}
            anonymous = [m['Name'] for m in data.get('Mounts') or []
                         if m.get('Type') == 'volume' and is_anonymous_volume(m.get('Name'))]
        if item.get('running'):
            try:
                self.stop(item['id'], item.get('service'))
            except NotFound:
                return
        self.remove(item['id'], volumes=volumes)
        for name in anonymous:
            try:
                self.client.delete('/volumes/%s' % name, what='removing anonymous volume %s' % name[:12])
            except (NotFound, Conflict):
                pass  # gone with the container, or still used by another one

    def delete(self, kind, name, what=None, params=None):
        """Remove a network, volume or image; one already gone is fine."""
        try:
            self.client.delete('/%s/%s' % (kind, quoted(name)), params, what=what)
        except NotFound:
            pass

    # -- the plan ------------------------------------------------------------------------

    def execute(self, plan, image_ids, state, remove_volumes=False):
        self.create_resources(plan)
        if state == 'absent':
            return self.execute_absent(plan, remove_volumes)
        if not plan.containers:
            return None
        by_service = {}
        for item in plan.containers:
            by_service.setdefault(item['service'], []).append(item)
        # orphans and scale-down first (frees names and ports)
        for item in plan.containers:
            if item['action'] == 'remove':
                self.retire(item, volumes=False)
        self.refresh_ids()
        created = self.create_new(plan, by_service, image_ids)
        stops = []
        for name in plan.services:
            items = [i for i in by_service.get(name, []) if i['action'] != 'remove']
            starting = [i for i in items if i['action'] in ('create', 'recreate', 'start', 'restart') and i.get('start', True)]
            if starting:
                self.wait_dependencies(name)
            acted = False
            for item in items:
                if item['action'] == 'stop':
                    stops.append(item)
                    continue
                self.execute_container(item, image_ids.get(name), created)
                acted = True
            if acted:
                self.refresh_ids()
        for item in stops:
            self.stop(item['id'], item['service'])
        return None

    def create_resources(self, plan):
        """The networks and volumes the plan creates."""
        project = self.project
        for item in plan.networks:
            if item['action'] == 'create':
                key = item['network']
                try:
                    self.client.post('/networks/create', body=network_create_body(project, key, project.networks[key]),
                                     what='creating network %s' % item['name'])
                except DockerError as exc:
                    if 'overlap' in exc.msg.lower():
                        raise DockerError('%s. The subnet of networks.%s overlaps a network that exists already (docker '
                                          'network inspect shows their subnets); choose another ipam subnet' % (exc.msg, key))
                    raise
        for item in plan.volumes:
            if item['action'] == 'create':
                key = item['volume']
                self.client.post('/volumes/create', body=volume_create_body(project, key, project.volumes[key]),
                                 what='creating volume %s' % item['name'])

    def execute_absent(self, plan, remove_volumes):
        for item in plan.containers:
            self.retire(item, volumes=remove_volumes)
        for item in plan.networks:
            self.delete('networks', item['name'], what='removing network %s' % item['name'])
        for item in plan.volumes:
            self.delete('volumes', item['name'], what='removing volume %s' % item['name'])
        for item in plan.images:
            if item['action'] == 'remove':
                self.delete('images', item['image'], what='removing image %s' % item['image'], params={'force': False})

    def refresh_ids(self):
        containers = project_containers(self.client, self.project.name)
        ids = {}
        for container in sorted(containers, key=lambda c: int(labels_of(c).get(LABEL_NUMBER) or 0)):
            if not is_oneoff(container):
                ids.setdefault(labels_of(container).get(LABEL_SERVICE), container['Id'])
        self.ids = ids

    def resolve_container(self, service):
        return self.ids.get(service)

    # -- containers ----------------------------------------------------------------------

    def create_new(self, plan, by_service, image_ids):
        """Create every new container of the plan, in start order, before any is started (as
        docker compose v2's up does: its create pass, then its start pass), so that a container the
        engine refuses to create leaves the rest of the project created but not started.
        Returns {container name: new ID}."""
        created = {}
        for name in plan.services:
            items = [i for i in by_service.get(name, []) if i['action'] == 'create']
            for item in items:
                try:
                    created[item['name']] = self.create(item, image_ids.get(name))
                except DockerError as exc:
                    if not created:
                        raise
                    raise DockerError('%s. Nothing was started: %s, created before it, stay%s created and start on '
                                      'the next run once this is fixed' % (
                                          exc.msg, ', '.join(sorted(created)), '' if len(created) > 1 else 's'))
            if items:
                self.refresh_ids()  # network_mode / volumes_from of later services name these
        return created

    def execute_container(self, item, image_id, created):
        action = item['action']
        if action == 'create':
            if item.get('start', True):
                self.start(created[item['name']], item['name'])
        elif action == 'recreate':
            self.recreate(item, image_id)
        elif action == 'start':
            self.start(item['id'], item['name'])
        elif action == 'restart':
            container_ops.restart(self.client, item['id'], self.stop_timeout(item['service']),
                                  what='restarting container %s' % item['name'])

    def create(self, item, image_id, old=None, on_created=None):
        """Create the container of ``item`` and connect its other networks; a failure after the
        create removes it again. ``on_created(id)`` is told the new ID first (Replacement.adopt)."""
        svc = self.project.services[item['service']]
        chash = service_config_hash(self.project, svc, image_id, dict(self.ids))
        body = create_body(self.project, svc, item['number'], chash, image_id,
                           self.resolve_container, self.client.negotiate())
        if old is not None:
            inherit_anonymous_volumes(body, old, self.images.image_volumes(image_id, svc['image']))
        name = item.get('new_name') or item['name']
        params = {'name': name}
        if svc.get('platform'):
            params['platform'] = svc['platform']
        cid = self.client.post('/containers/create', params, body=body, what='creating container %s' % name)['Id']
        if on_created is not None:
            on_created(cid)
        try:
            self.copy_file_objects(cid, name, svc)
            if not svc.get('network_mode'):
                for net in service_networks(self.project, svc)[1:]:
                    self.client.post('/networks/%s/connect' % quoted(net['name']),
                                     body={'Container': cid, 'EndpointConfig': endpoint_config(net)},
                                     what='connecting %s to network %s' % (name, net['name']))
        except DockerError:
            self.remove(cid)
            raise
        return cid

    def copy_file_objects(self, cid, name, svc):
        """The service's environment / content secrets and configs, into the container."""
        archive = file_objects_archive(self.project, svc)
        if archive:
            self.client.put('/containers/%s/archive' % cid, {'path': '/'}, body=archive,
                            headers={'Content-Type': 'application/x-tar'},
                            what='copying the secrets and configs of service %s into %s' % (svc['name'], name))

    def start(self, cid, name):
        try:
            container_ops.start(self.client, cid, what='starting container %s' % name)
        except DockerError as exc:
            raise DockerError('%s. The container was created but did not start; fix the cause and run again' % exc.msg)

    def recreate(self, item, image_id):
        """Replace a container without losing it on failure (container_ops.Replacement): the old
        one keeps running while the new one is created and connected; when the create, a network
        connect or the start fails, the new one is removed and the old one gets its name back
        and runs again, and the error names the original cause."""
        old = self.client.inspect('container', item['id']) or {'Id': item['id']}
        service = labels_of(old.get('Config') or {}).get(LABEL_SERVICE)
        with container_ops.Replacement(self.client, old, item['name']) as replacement:
            cid = replacement.create(lambda adopt: self.create(item, image_id, old=old, on_created=adopt))
            replacement.stop_old(lambda: self.stop(old['Id'], service))
            if item.get('start', True):
                self.start(cid, item.get('new_name') or item['name'])

    # -- waiting -------------------------------------------------------------------------

    def deadline(self):
        return time.time() + (self.wait_timeout or 300)

    def wait_dependencies(self, name):
        svc = self.project.services[name]
        for dep, spec in sorted((svc.get('depends_on') or {}).items()):
            if dep not in self.project.services:
                continue
            condition = spec['condition']
            if condition == 'service_started':
                continue
            deadline = self.deadline()
            for container in service_containers(self.client, self.project.name, dep):
                self.wait_container(container['Id'], dep, condition, deadline, 'service %s depends on it' % name)

    def wait_project(self, services):
        deadline = self.deadline()
        run_once = run_once_services(self.project)
        for name in services:
            for container in service_containers(self.client, self.project.name, name):
                condition = 'service_completed_successfully' if name in run_once else 'running'
                self.wait_container(container['Id'], name, condition, deadline, 'wait is true')

    def wait_container(self, cid, service, condition, deadline, why):
        """Wait until the container meets ``condition`` (service_completed_successfully,
        service_healthy, or running: healthy when it has a healthcheck)."""
        completed = condition == 'service_completed_successfully'
        outcome, data = container_ops.wait_for(self.client, cid, 'exited' if completed else 'healthy', deadline, poll=POLL)
        if outcome == 'gone':
            raise DockerError('container %s of service %s disappeared while waiting (%s)' % (cid[:12], service, why))
        if outcome == 'exited':
            if completed and (data.get('State') or {}).get('ExitCode') == 0:
                return data
            if completed:
                raise DockerError('service %s did not complete successfully (%s): %s' % (
                    service, why, container_ops.exit_explanation(self.client, data)))
            raise DockerError('service %s is not running (%s): %s' % (service, why, container_ops.exit_explanation(self.client, data)))
        if outcome == 'running' and condition == 'service_healthy':
            raise DockerError('service %s has no healthcheck, so it can never become healthy (%s); add a '
                              'healthcheck to it or use condition service_started' % (service, why))
        if outcome in ('running', 'healthy'):
            return data
        state = data.get('State') or {}
        status = container_ops.health_status(data)
        raise DockerError('service %s is not %s after %s s (%s): container %s is %s%s; last health checks: %s. '
                          'Fix the service or its healthcheck, or raise wait_timeout. The other services were '
                          'left as they are' % (
                              service, 'complete' if completed else 'healthy', self.wait_timeout, why,
                              data.get('Name', '').lstrip('/'), state.get('Status'), (' (%s)' % status) if status else '',
                              container_ops.health_log(data) or 'none ran'))
