# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The split image modules (image_pull, image_build, image_push, image_tag, image_remove,
image_load, image_export): one step of ``berth.docker.image`` each (image.ImageManager), under
community.docker's option and result names."""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.berth.docker.plugins.module_utils.common import docker_argument_spec, run_module
from ansible_collections.berth.docker.plugins.module_utils.errors import DockerError
from ansible_collections.berth.docker.plugins.module_utils.image import IMAGE_SPEC, ImageManager
from ansible_collections.berth.docker.plugins.module_utils.image_ops import IdRef, full_name
from ansible_collections.berth.docker.plugins.module_utils.image_ref import is_image_id


def step_params(**values):
    """The image module's params (its defaults) with ``values``: what ImageManager reads."""
    params = dict((key, spec.get('default')) for key, spec in IMAGE_SPEC.items())
    params.update(values)
    return params


def named_ref(manager, name, tag):
    return IdRef(name) if is_image_id(name) else manager.ref(name, tag)


def _step(module, client, **values):
    manager = ImageManager(module, client, step_params(**values))
    ref = named_ref(manager, values['name'], values.get('tag'))
    manager.before = manager.inspect(ref.name)
    return manager, ref


def run_image_pull(module, client):
    p = module.params
    manager, ref = _step(module, client, name=p['name'], tag=p['tag'], source='pull',
                         force_source=p['pull'] == 'always', pull={'platform': p['platform']})
    if isinstance(ref, IdRef):
        raise DockerError('name %s is an image ID; give a repository name to pull' % p['name'])
    manager.source_pull(ref)
    return manager.finish(ref)


def run_image_build(module, client):
    p = module.params
    platform = p['platform'] or []
    if len(platform) > 1:
        raise DockerError('platform: the Engine API builds one platform at a time; give one (got %s)' % ', '.join(platform))
    spec = dict((key, p[key]) for key in ('path', 'dockerfile', 'cache_from', 'pull', 'network', 'nocache', 'etc_hosts',
                                          'args', 'target', 'shm_size', 'labels', 'rebuild'))
    spec.update(platform=platform[0] if platform else None, rm=True)
    manager, ref = _step(module, client, name=p['name'], tag=p['tag'], source='build', build=spec)
    manager.source_build(ref)
    return manager.finish(ref)


def run_image_push(module, client):
    p = module.params
    manager, ref = _step(module, client, name=p['name'], tag=p['tag'], source='local')
    manager.source_local(ref)
    manager.push(ref)
    return manager.finish(ref)


def run_image_tag(module, client):
    p = module.params
    manager, ref = _step(module, client, name=p['name'], tag=p['tag'], source='local',
                         force_tag=p['existing_images'] == 'overwrite')
    # a new name without a tag takes the tag option (not the tag in name), as in docker_image_tag;
    # all are checked before any is tagged
    names = [manager.ref(repository, p['tag'], 'repository').name for repository in p['repository']]
    manager.source_local(ref)
    tagged = []
    diff = {'before': {'images': []}, 'after': {'images': []}}
    for name in names:
        existing = manager.inspect(name)
        entry = {'name': name, 'id': (existing or {}).get('Id'), 'exists': existing is not None}
        diff['before']['images'].append(entry)
        before = len(manager.results['actions'])
        repo = manager.tag_as(ref, name, keep=p['existing_images'] == 'keep')
        if repo is not None and len(manager.results['actions']) > before:
            tagged.append(repo.name)
            entry = {'name': name, 'id': manager.before.get('Id'), 'exists': True}
        diff['after']['images'].append(entry)
    manager.results['tagged_images'] = tagged
    results = manager.finish(ref)
    if module._diff:
        results['diff'] = diff  # one entry per repository, as community.docker.docker_image_tag shows it
    return results


def run_image_remove(module, client):
    p = module.params
    manager, ref = _step(module, client, name=p['name'], tag=p['tag'], state='absent', force_absent=p['force'],
                         prune=p['prune'])
    image = manager.before
    manager.remove(ref)
    results = manager.finish(ref)
    results['image'] = image or {}
    removed = results.get('removed') or []
    if image is not None and module.check_mode:
        # predicted: the tag goes (every tag, when the image goes by its ID), the image with the last one
        by_id = isinstance(ref, IdRef)
        untagged = list(image.get('RepoTags') or []) if by_id else [ref.name]
        removed = [{'Untagged': t} for t in untagged]
        if results.get('removal') == 'delete':
            removed.append({'Deleted': image.get('Id')})
    results['deleted'] = [r['Deleted'] for r in removed if isinstance(r, dict) and r.get('Deleted')]
    results['untagged'] = [r['Untagged'] for r in removed if isinstance(r, dict) and r.get('Untagged')]
    if module._diff:
        # as community.docker.docker_image_remove shows it: the image's ID, tags and digests before and after
        before = {'exists': image is not None, 'id': (image or {}).get('Id'),
                  'tags': sorted((image or {}).get('RepoTags') or []), 'digests': sorted((image or {}).get('RepoDigests') or [])}
        after = dict(before)
        if image is not None and results['changed']:
            if results['deleted']:
                after = {'exists': False, 'id': image.get('Id'), 'tags': [], 'digests': []}
            else:
                gone = set(full_name(t) for t in results['untagged'])
                after['tags'] = [t for t in before['tags'] if full_name(t) not in gone]
        results['diff'] = {'before': before, 'after': after}
    return results


def run_image_load(module, client):
    p = module.params
    manager = ImageManager(module, client, step_params(state='present', force_source=False))
    inside = manager.load_manifest(p['path'], 'path')
    manager.load_archive(p['path'], inside, 'path')
    names = sorted(set(t for ts in inside.values() for t in ts)) + sorted(i for i, ts in inside.items() if not ts)
    manager.results['image_names'] = names
    images = []
    if not module.check_mode:
        images = [img for img in (manager.inspect(i) for i in sorted(inside)) if img is not None]
    manager.results['images'] = images
    manager.results.pop('image', None)
    return manager.results


def run_image_export(module, client):
    p = module.params
    names = p['names']
    if not p['path']:
        raise DockerError('path: give the file to write the archive to')
    manager, ref = _step(module, client, name=names[0], tag=p['tag'], source='local', archive_path=p['path'],
                         archive_names=names[1:], force_archive=p['force'])
    manager.source_local(ref)
    manager.archive(ref)
    images = [manager.image] + [manager.inspect(manager.ref(n, None, 'names').name) for n in names[1:]]
    manager.results['images'] = [img for img in images if img]
    manager.results.pop('image', None)
    return manager.results


# -- each split module whole: its own options (plus the connection options) and its step --------------

STEPS = {
    'build': (run_image_build, dict(
        name=dict(type='str', required=True),
        tag=dict(type='str', default='latest'),
        path=dict(type='path', required=True),
        dockerfile=dict(type='str'),
        cache_from=dict(type='list', elements='str'),
        pull=dict(type='bool', default=False),
        network=dict(type='str'),
        nocache=dict(type='bool', default=False),
        etc_hosts=dict(type='dict'),
        args=dict(type='dict'),
        target=dict(type='str'),
        platform=dict(type='list', elements='str'),
        shm_size=dict(type='str'),
        labels=dict(type='dict'),
        rebuild=dict(type='str', choices=['auto', 'never', 'always'], default='auto'),
    )),
    'export': (run_image_export, dict(
        names=dict(type='list', elements='str', required=True, aliases=['name']),
        tag=dict(type='str', default='latest'),
        path=dict(type='path', required=True),
        force=dict(type='bool', default=False),
    )),
    'load': (run_image_load, dict(
        path=dict(type='path', required=True),
    )),
    'pull': (run_image_pull, dict(
        name=dict(type='str', required=True),
        tag=dict(type='str', default='latest'),
        platform=dict(type='str'),
        pull=dict(type='str', choices=['always', 'not_present'], default='always'),
    )),
    'push': (run_image_push, dict(
        name=dict(type='str', required=True),
        tag=dict(type='str', default='latest'),
    )),
    'remove': (run_image_remove, dict(
        name=dict(type='str', required=True),
        tag=dict(type='str', default='latest'),
        force=dict(type='bool', default=False),
        prune=dict(type='bool', default=True),
    )),
    'tag': (run_image_tag, dict(
        name=dict(type='str', required=True),
        tag=dict(type='str', default='latest'),
        repository=dict(type='list', elements='str', required=True),
        existing_images=dict(type='str', choices=['keep', 'overwrite'], default='overwrite'),
    )),
}


def main(step):
    """The whole module ``image_<step>``: argument spec, check mode, run."""
    runner, options = STEPS[step]
    module = AnsibleModule(argument_spec=docker_argument_spec(dict(options)), supports_check_mode=True)
    run_module(module, runner)
