# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Getting the images of a compose project's services: pull or build each one as the pull and
build policies ask (through image_ops), with exact check-mode predictions."""

from ansible_collections.berth.docker.plugins.module_utils import image_ops
from ansible_collections.berth.docker.plugins.module_utils.compose.plan import ImageNotOnEngine, image_action
from ansible_collections.berth.docker.plugins.module_utils.errors import DockerError


def build_spec(build):
    """A service's normalised ``build`` section as image_ops.build's build options."""
    spec = {'path': build['context'], 'dockerfile': build['dockerfile'], 'args': build['args'],
            'target': build['target'], 'labels': build['labels'], 'pull': build['pull'],
            'nocache': build['no_cache'], 'rm': True, 'network': build['network'], 'rebuild': 'auto'}
    for key in ('shm_size', 'extra_hosts', 'cache_from'):
        if build.get(key) is not None:
            spec[key] = build[key]
    return spec


class ServiceImages:
    """The images of one run: what each service's containers run, and what was done to get it.

    ``ids``: {service: image ID, or None when a check-mode pull or build is only predicted};
    ``actions``: {service: 'pull'|'build'} for what changed or would change; ``entries``: the
    ``images`` result entries; ``volumes``: {image ID: its VOLUME paths}."""

    def __init__(self, client, check_mode, warn):
        self.client = client
        self.check_mode = check_mode
        self.warn = warn
        self.ids = {}
        self.actions = {}
        self.entries = []
        self.volumes = {}

    def resolve(self, project, selected, pull, build):
        """Pull / build what the policies ask for, each image reference once."""
        done = {}
        for name in selected:
            svc = project.services[name]
            ref_name = svc['image']
            if ref_name not in done:
                done[ref_name] = self._resolve_one(name, svc, pull, build)
            image_id, act = done[ref_name]
            self.ids[name] = image_id
            if act:
                self.actions[name] = act
        return self.ids, self.actions

    def _resolve_one(self, name, svc, pull, build):
        ref_name = svc['image']
        info = self.client.inspect('image', ref_name)
        present = info is not None and image_ops.platform_matches(info, svc.get('platform'))
        try:
            action = image_action(svc, present, pull, build)
        except ImageNotOnEngine as exc:
            if not self.check_mode:
                raise
            # check mode: an earlier task of the play (a build, a load) may put it there, as
            # the web_stack role's build does on a fresh engine; a real run fails if it is still absent
            self.warn('check mode: %s; predicted as there by the time this task runs' % exc.msg)
            return None, None
        image_id = info.get('Id') if info else None
        act = None
        if action in ('build', 'pull'):
            ref = image_ops.reference(ref_name, None, 'services.%s.image' % name)
            output = None
            if action == 'build':
                outcome = image_ops.build(self.client, ref, build_spec(svc['build']), before=info, check_mode=self.check_mode)
                image, message, output = outcome['image'], outcome['message'], outcome['build_output']
            else:
                image, message = self._pull(ref, ref_name, info, svc.get('platform'))
            if image is image_ops.PENDING:
                image_id, act = None, action
            else:
                info = image
                image_id = image.get('Id')
                act = action if message else None
            if act:
                entry = {'service': name, 'image': ref_name, 'action': action, 'id': image_id}
                if output:
                    entry['build_output'] = output[-20:]
                self.entries.append(entry)
        if info and image_id:
            self.volumes[image_id] = list((info.get('Config') or {}).get('Volumes') or {})
        return image_id, act

    def _pull(self, ref, ref_name, info, platform):
        try:
            return image_ops.pull(self.client, ref, before=info, force=info is not None, platform=platform,
                                  check_mode=self.check_mode)
        except DockerError as exc:
            if not self.check_mode:
                raise
            # check mode: an image an earlier task builds, or a registry out of reach
            # from here, must not end the prediction; a real run fails if it persists
            self.warn('check mode: could not confirm that %s can be pulled (%s); predicted as a pull'
                      % (ref_name, exc.msg))
            return image_ops.PENDING, 'Would pull %s' % ref_name

    def image_volumes(self, image_id, image):
        """The VOLUME paths of the image a container runs (for the anonymous volumes a recreated
        container keeps); asks the engine when resolve() has not seen that image."""
        volumes = self.volumes.get(image_id)
        if volumes is None:
            data = self.client.inspect('image', image_id or image) or {}
            volumes = list((data.get('Config') or {}).get('Volumes') or {})
        return volumes
