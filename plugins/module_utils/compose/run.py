# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One run of berth.docker.compose: load the project (compose.model), read the engine's current
state, get the images (compose.images), decide (compose.plan), check that the names and ports it
needs are free, carry the plan out (compose.apply) unless in check mode, and report."""

from ansible_collections.berth.docker.plugins.module_utils.compose.apply import PlanExecutor, run_once_services
from ansible_collections.berth.docker.plugins.module_utils.compose.convert import create_body, service_config_hash
from ansible_collections.berth.docker.plugins.module_utils.compose.images import ServiceImages
from ansible_collections.berth.docker.plugins.module_utils.compose.info import ps, ps_from
from ansible_collections.berth.docker.plugins.module_utils.compose.labels import (
    LABEL_CONFIG_HASH,
    LABEL_PROJECT,
    LABEL_SERVICE,
    container_display_name,
    is_running,
    labels_of,
    list_project,
)
from ansible_collections.berth.docker.plugins.module_utils.compose.model import mask_service
from ansible_collections.berth.docker.plugins.module_utils.compose.options import bare_project, has_sources, project_from_params
from ansible_collections.berth.docker.plugins.module_utils.compose.plan import (
    containers_by_service,
    first_containers,
    plan_project,
    port_conflicts,
    published_ports,
    select_services,
)
from ansible_collections.berth.docker.plugins.module_utils.errors import ComposeError


class ComposeRunner:
    """One run of berth.docker.compose."""

    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.p = module.params
        self.check_mode = module.check_mode
        self.project = None
        self.actions = []
        self.changed = False
        self.listed = None  # the container list, when nothing changed since it was read
        self.hashes = {}  # container id -> config hash it carries
        self.first = {}  # service -> ID of its first container (plan.first_containers)
        self.images = ServiceImages(client, self.check_mode, module.warn)

    def executor(self):
        return PlanExecutor(self.client, self.project, stop_timeout=self.p.get('timeout'),
                            wait_timeout=self.p.get('wait_timeout'), images=self.images)

    def run(self):
        p = self.p
        if p['state'] == 'absent' and not has_sources(p):
            self.project = bare_project(p['project_name'] or '')
            return self.run_bare_absent()
        self.project = project = project_from_params(p, services=p.get('services'))
        for message in project.warnings:
            self.module.warn(message)
        containers, networks, volumes = list_project(self.client, project.name)
        if p['state'] != 'absent':
            self.images.resolve(project, select_services(project, p.get('services'), p['dependencies']), p['pull'], p['build'])
        self.hashes = dict((c['Id'], labels_of(c).get(LABEL_CONFIG_HASH)) for c in containers)
        self.first = first_containers(containers_by_service(containers, project.name)[0])
        plan = plan_project(project, containers, networks, volumes, self.images.ids, state=p['state'],
                            services=p.get('services'), dependencies=p['dependencies'], scale=p.get('scale'),
                            recreate=p['recreate'], remove_orphans=p['remove_orphans'],
                            remove_volumes=p['remove_volumes'], image_actions=self.images.actions,
                            run_once=run_once_services(project))
        for message in plan.warnings:
            self.module.warn(message)
        if p['state'] != 'absent':
            self.preflight(plan)
        self.actions = [dict(what='image', **i) for i in self.images.entries]
        self.actions += [a for a in plan.actions() if a['what'] != 'image']
        self.changed = bool(self.actions)
        if p['state'] == 'absent':
            self.plan_image_removal(plan)
        if not self.check_mode:
            executor = self.executor()
            executor.execute(plan, self.images.ids, p['state'], p['remove_volumes'])
            if p['wait'] and p['state'] in ('present', 'restarted'):
                executor.wait_project(plan.services)
        if not self.changed:
            self.listed = containers
        return self.finish(plan)

    # -- before anything changes ---------------------------------------------------------

    def preflight(self, plan):
        """Fail before touching anything when a port we publish, or a container name we create, is
        taken by another container."""
        going = set(item['id'] for item in plan.containers if item['action'] in ('recreate', 'remove'))
        wanted = []
        for item in plan.containers:
            if item['action'] not in ('create', 'recreate') or not item.get('start', True):
                continue
            svc = self.project.services[item['service']]
            body = create_body(self.project, svc, item['number'], 'x', resolve_container=lambda s: 'x')
            for host_ip, port, proto in published_ports(body):
                wanted.append((item.get('new_name') or item['name'], host_ip, port, proto))
        taken = self.names_taken(plan, going)
        if taken:
            raise ComposeError('cannot create the containers of project %s: %s. Nothing was changed; remove that '
                               'container or change container_name' % (self.project.name, '; '.join(taken)))
        if not wanted:
            return
        clashes = port_conflicts(wanted, self.client.get('/containers/json') or [], going)
        if clashes:
            raise ComposeError('cannot start project %s: %s. Nothing was changed; free the port or change the '
                               'ports of the service' % (self.project.name, '; '.join(clashes)))

    def names_taken(self, plan, going):
        """The container names the plan creates that another container has."""
        taken = []
        for item in plan.containers:
            name = item.get('new_name') or item['name']
            if item['action'] == 'create' or (item['action'] == 'recreate' and name != item['name']):
                other = self.client.inspect('container', name)
                if other is not None and other.get('Id') not in going:
                    owner = labels_of(other.get('Config') or {}).get(LABEL_PROJECT)
                    taken.append('the name %s (service %s) is taken by container %s%s' % (
                        name, item['service'], other.get('Id', '')[:12],
                        ' of compose project %s' % owner if owner else ', which belongs to no compose project'))
        return taken

    def plan_image_removal(self, plan):
        """remove_images for state absent (planned here: it needs image inspects)."""
        mode = self.p.get('remove_images')
        if not mode:
            return
        seen = set()
        for name in self.project.all_services:
            raw = (self.project.config.get('services') or {}).get(name) or {}
            svc = self.project.services.get(name)
            image = svc['image'] if svc else (raw.get('image') or '%s-%s' % (self.project.name, name))
            if (mode == 'local' and raw.get('image')) or image in seen:
                continue
            seen.add(image)
            info = self.client.inspect('image', image)
            if info is None:
                continue
            plan.images.append({'action': 'remove', 'service': name, 'image': image, 'id': info.get('Id')})
            self.actions.append({'what': 'image', 'action': 'remove', 'service': name, 'image': image})
            self.images.entries.append({'service': name, 'image': image, 'action': 'remove', 'id': info.get('Id')})
        self.changed = bool(self.actions)

    # -- state absent with only a project name ------------------------------------------

    def run_bare_absent(self):
        project = self.project
        containers, networks, volumes = list_project(self.client, project.name)
        actions = []
        for container in containers:
            actions.append({'what': 'container', 'action': 'remove', 'name': container_display_name(container),
                            'id': container['Id'], 'service': labels_of(container).get(LABEL_SERVICE),
                            'reason': 'state is absent', 'running': is_running(container)})
        for net in networks:
            if labels_of(net).get(LABEL_PROJECT) == project.name:
                actions.append({'what': 'network', 'action': 'remove', 'name': net['Name']})
        if self.p['remove_volumes']:
            for vol in volumes:
                if labels_of(vol).get(LABEL_PROJECT) == project.name:
                    actions.append({'what': 'volume', 'action': 'remove', 'name': vol['Name']})
        self.actions = actions
        self.changed = bool(actions)
        if not self.check_mode:
            executor = self.executor()
            for item in actions:
                if item['what'] == 'container':
                    executor.retire(item, volumes=self.p['remove_volumes'])
            for item in actions:
                if item['what'] in ('network', 'volume'):
                    executor.delete(item['what'] + 's', item['name'])
        return self.finish(None)

    # -- result --------------------------------------------------------------------------

    def finish(self, plan):
        result = {
            'changed': self.changed,
            'project_name': self.project.name,
            'actions': self.actions,
            'images': self.images.entries,
            'containers': self.containers_now(plan),
        }
        if self.module._diff:
            lines = []
            for item in self.actions:
                target = item.get('new_name') or item.get('name') or item.get('image')
                lines.append('%s %s %s%s' % (item['action'], item['what'], target,
                                             (' (%s)' % item['reason']) if item.get('reason') else ''))
            result['diff'] = {'prepared': '\n'.join(lines) + ('\n' if lines else '')}
            before, after = self.service_diff(plan)
            if before or after:
                result['diff'].update(before=before, after=after)
        return result

    def service_diff(self, plan):
        """The configuration of every service whose containers are created or recreated: before
        the config hash the containers carry, after the new hash and the normalised configuration
        (environment values and build args masked: they may come from env files and hold secrets)."""
        before, after = {}, {}
        if plan is None or not self.project.services:
            return before, after
        for item in plan.containers:
            if item['action'] not in ('create', 'recreate'):
                continue
            name = item['service']
            svc = self.project.services[name]
            image_id = self.images.ids.get(name)
            old = self.hashes.get(item.get('id')) if item.get('id') else None
            before.setdefault(name, {'config_hash': old})
            new = dict((k, v) for k, v in mask_service(svc).items() if k != 'name' and v not in (None, [], {}))
            new['config_hash'] = service_config_hash(self.project, svc, image_id, self.first) if image_id else '(after the image is %s)' % (
                self.images.actions.get(name) or 'resolved')
            after[name] = new
        return before, after

    def containers_now(self, plan):
        if self.listed is not None:
            return ps_from(self.listed)
        if self.check_mode and self.changed:
            return self.predicted_ps(plan)
        return ps(self.client, self.project.name)

    def predicted_ps(self, plan):
        """In check mode: today's containers with what the plan would do to each."""
        current = ps(self.client, self.project.name)
        if plan is None:
            return current
        planned = dict((i.get('id'), i) for i in plan.containers if i.get('id'))
        for entry in current:
            if entry['ID'] in planned:
                entry['Planned'] = planned[entry['ID']]['action']
        for item in plan.containers:
            if item['action'] == 'create':
                current.append({'Name': item['name'], 'ID': None, 'Service': item['service'], 'Number': item['number'],
                                'Project': self.project.name, 'State': None, 'Planned': 'create'})
        return current


def run_compose(module, client):
    """berth.docker.compose: bring the project to its declared state."""
    return ComposeRunner(module, client).run()
