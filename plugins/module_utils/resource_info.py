# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The four read-only inspect modules (container_info, image_info, network_info, volume_info).

One table says, per kind, which argument spec the module takes and how its answer looks; one
function runs any of them. The data returned is the engine's own inspect answer, unchanged, so
it equals what ``docker inspect`` / ``docker network inspect`` / ``docker volume inspect``
print for the same object.
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.berth.docker.plugins.module_utils.common import docker_argument_spec, run_module

# kind -> the module's own options. Containers, networks and volumes take one name and answer
# {exists, <kind>}; images take a list of names (none: every image) and answer {images: [...]}.
KINDS = {
    'container': dict(name=dict(type='str', required=True)),
    'network': dict(name=dict(type='str', required=True)),
    'volume': dict(name=dict(type='str', required=True, aliases=['volume_name'])),
    'image': dict(name=dict(type='list', elements='str')),
}


def inspect_one(client, kind, name):
    """The engine's inspect answer for one object, or None when there is none by that name or ID.

    The engine resolves names, full IDs and unique ID prefixes itself; an image name without a
    tag means its ``latest`` tag, as everywhere in docker. A container name may be written as the
    engine stores it, with a leading slash (``/web``)."""
    if kind == 'container' and name.startswith('/'):
        name = name[1:]
    return client.inspect(kind, name)


def all_images(client):
    """Every image the engine lists (tagged or dangling, not the intermediate layers), inspected."""
    found = []
    for summary in client.get('/images/json') or []:
        image = client.inspect('image', summary['Id'])
        if image is not None:  # removed between the list and the inspect
            found.append(image)
    return found


def gather(kind):
    """The handler for ``run_module``: reads, never changes anything (also in check mode)."""

    def handler(module, client):
        name = module.params.get('name')
        if kind == 'image':
            if name:
                images = [inspect_one(client, kind, n) for n in name]
                images = [image for image in images if image is not None]
            else:
                images = all_images(client)
            return {'changed': False, 'images': images}
        data = inspect_one(client, kind, name)
        return {'changed': False, 'exists': data is not None, kind: data}

    return handler


def main(kind):
    """The whole module ``<kind>_info``: argument spec, check mode, run."""
    module = AnsibleModule(argument_spec=docker_argument_spec(dict(KINDS[kind])), supports_check_mode=True)
    run_module(module, gather(kind))
