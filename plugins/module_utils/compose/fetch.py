# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""berth.docker.compose_pull and compose_build: the images of a compose project's services pulled
or built without bringing the project up, like ``docker compose pull`` / ``build [SERVICE...]``.

Pulls and builds are image_ops (the same calls compose.images.ServiceImages makes for
berth.docker.compose, with the same image names and build options, so that a later compose run
with pull / build never finds them). ``changed`` is exact: a pull or build counts only when the
image under the service's name was absent or its ID changed; check mode asks the registry for the
digest (pull) and compares the build context's content hash with the image's label (build).
"""

from ansible_collections.berth.docker.plugins.module_utils import image_ops
from ansible_collections.berth.docker.plugins.module_utils.compose.images import build_spec
from ansible_collections.berth.docker.plugins.module_utils.compose.options import project_from_params
from ansible_collections.berth.docker.plugins.module_utils.compose.plan import select_services
from ansible_collections.berth.docker.plugins.module_utils.errors import BuildFailed, ComposeError, DockerError, RegistryUnreachable

PULL_SPEC = dict(
    services=dict(type='list', elements='str'),
    policy=dict(type='str', default='always', choices=['always', 'missing']),
    include_deps=dict(type='bool', default=False),
    ignore_buildable=dict(type='bool', default=False),
    ignore_pull_failures=dict(type='bool', default=False),
)

BUILD_SPEC = dict(
    services=dict(type='list', elements='str'),
    include_deps=dict(type='bool', default=False),
    pull=dict(type='bool', default=False),
    no_cache=dict(type='bool', default=False),
)


def load(module, what):
    """The project the options describe, its warnings passed on; a project name alone fails."""
    project = project_from_params(module.params, services=module.params.get('services'))
    if project is None:
        raise ComposeError('%s needs the project\'s files or definition (project_src, files or definition): a project '
                           'name alone does not say which images its services use' % what)
    for message in project.warnings:
        module.warn(message)
    return project


def declared_image(project, name):
    """Whether the service's file gives an ``image`` of its own (a service with only ``build``
    has nothing to pull: its image is named <project>-<service> when it is built)."""
    raw = (project.config.get('services') or {}).get(name)
    return bool(isinstance(raw, dict) and raw.get('image'))


class ImageFetcher:
    """One run of compose_pull or compose_build: ``entries`` (the ``images`` result, one per
    selected service), ``actions`` (what changed or would change) and the diff."""

    def __init__(self, module, client, what):
        self.module = module
        self.client = client
        self.p = module.params
        self.check_mode = module.check_mode
        self.project = load(module, what)
        self.selected = select_services(self.project, self.p.get('services'), self.p['include_deps'])
        self.entries = []
        self.actions = []
        self.done = {}  # image name -> the service that got it in this run
        self.diff = {'before': {}, 'after': {}}

    def entry(self, name, image, status, image_id=None, previous=None, **extra):
        item = dict({'service': name, 'image': image, 'status': status, 'id': image_id, 'previous_id': previous}, **extra)
        self.entries.append(item)
        return item

    def changed(self, action, item):
        self.actions.append({'what': 'image', 'action': action, 'service': item['service'], 'image': item['image'],
                             'id': item['id'], 'previous_id': item['previous_id']})
        self.diff['before'][item['service']] = item['previous_id']
        self.diff['after'][item['service']] = item['id'] or '(new image)'

    def shared(self, name, image):
        """The entry of a service whose image another service of this run already got."""
        first = self.done.get(image)
        if first is None:
            return False
        got = [e for e in self.entries if e['service'] == first][-1]
        self.entry(name, image, 'skipped', got['id'], got['previous_id'], reason='same image as service %s' % first)
        return True

    def finish(self):
        result = {'changed': bool(self.actions), 'project_name': self.project.name, 'actions': self.actions,
                  'images': self.entries}
        if self.module._diff:
            result['diff'] = self.diff
        return result

    # -- pull ----------------------------------------------------------------------------

    def pull_all(self):
        for name in self.selected:
            svc = self.project.services[name]
            image = svc['image']
            if not declared_image(self.project, name):
                self.entry(name, image, 'skipped', reason='no image to pull: the service is built (berth.docker.compose_build)')
            elif svc.get('build') and self.p['ignore_buildable']:
                self.entry(name, image, 'skipped', reason='the service can be built (ignore_buildable)')
            elif not self.shared(name, image):
                self.done[image] = name
                self.pull_one(name, svc, image)
        return self.finish()

    def pull_one(self, name, svc, image):
        platform = svc.get('platform')
        info = self.client.inspect('image', image)
        previous = (info or {}).get('Id')
        if self.p['policy'] == 'missing' and info is not None and image_ops.platform_matches(info, platform):
            self.entry(name, image, 'present', previous, previous)
            return
        ref = image_ops.reference(image, None, 'services.%s.image' % name)
        try:
            after, message = image_ops.pull(self.client, ref, before=info, platform=platform,
                                            force=self.p['policy'] == 'always', check_mode=self.check_mode)
        except DockerError as exc:
            self.pull_failed(name, svc, image, previous, exc)
            return
        if after is image_ops.PENDING:
            self.changed('pull', self.entry(name, image, 'pulled', None, previous, message=message))
        elif message:
            self.changed('pull', self.entry(name, image, 'pulled', after.get('Id'), previous, message=message))
        else:
            self.entry(name, image, 'unchanged', after.get('Id'), previous)

    def pull_failed(self, name, svc, image, previous, exc):
        """A failed pull (or registry lookup): a warning when the service can be built (as compose
        does) or ignore_pull_failures is set; in check mode a registry out of reach predicts the
        pull (the real run fails if it persists); else the task fails naming the service."""
        if svc.get('build') or self.p['ignore_pull_failures']:
            why = 'it can be built: berth.docker.compose_build' if svc.get('build') else 'ignore_pull_failures'
            self.module.warn('service %s: pulling %s failed, ignored (%s): %s' % (name, image, why, exc.msg))
            self.entry(name, image, 'failed', previous, previous, reason=exc.msg)
            return
        if self.check_mode and isinstance(exc, RegistryUnreachable):
            self.module.warn('check mode: could not ask the registry for %s of service %s (%s); predicted as a pull'
                             % (image, name, exc.msg))
            self.changed('pull', self.entry(name, image, 'pulled', None, previous, message='Would pull %s' % image))
            return
        raise DockerError('service %s: %s%s' % (name, exc.msg, self.pulled_before()))

    def pulled_before(self):
        done = [a['service'] for a in self.actions]
        return ('. Pulled before this failure: %s' % ', '.join(done)) if done and not self.check_mode else ''

    # -- build ---------------------------------------------------------------------------

    def build_all(self):
        for name in self.selected:
            svc = self.project.services[name]
            image = svc['image']
            if not svc.get('build'):
                self.entry(name, image, 'skipped', reason='the service has no build section')
            elif not self.shared(name, image):
                self.done[image] = name
                self.build_one(name, svc, image)
        return self.finish()

    def build_one(self, name, svc, image):
        spec = build_spec(svc['build'])
        spec['pull'] = bool(spec['pull'] or self.p['pull'])
        spec['nocache'] = bool(spec['nocache'] or self.p['no_cache'])
        ref = image_ops.reference(image, None, 'services.%s.image' % name)
        info = self.client.inspect('image', image)
        previous = (info or {}).get('Id')
        # no_cache always builds anew; pull builds (from the cache) to see whether the base image
        # changed, which only the real run can know: check mode predicts from the content hash
        force = self.p['no_cache'] or (self.p['pull'] and not self.check_mode)
        try:
            outcome = image_ops.build(self.client, ref, spec, before=info, force=force, check_mode=self.check_mode)
        except BuildFailed as exc:
            raise BuildFailed('service %s: %s%s' % (name, exc.msg, self.built_before()), exc.output)
        except DockerError as exc:
            raise DockerError('service %s: %s%s' % (name, exc.msg, self.built_before()))
        after = outcome['image']
        extra = {'build_hash': outcome['build_hash']}
        if outcome['build_output']:
            extra['build_output'] = outcome['build_output'][-20:]
        if after is image_ops.PENDING:
            self.changed('build', self.entry(name, image, 'built', None, previous, message=outcome['message'], **extra))
        elif outcome['message'] and after.get('Id') != previous:
            self.changed('build', self.entry(name, image, 'built', after.get('Id'), previous,
                                             message=outcome['message'], **extra))
        else:
            self.entry(name, image, 'unchanged', (after or {}).get('Id'), previous, **extra)

    def built_before(self):
        done = [a['service'] for a in self.actions]
        return ('\nBuilt before this failure: %s' % ', '.join(done)) if done else ''


def run_compose_pull(module, client):
    """berth.docker.compose_pull: pull the images of the selected services."""
    return ImageFetcher(module, client, 'compose_pull').pull_all()


def run_compose_build(module, client):
    """berth.docker.compose_build: build the images of the selected services that have a build section."""
    return ImageFetcher(module, client, 'compose_build').build_all()
