# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``berth.docker.image``: an image in its declared state.

Orchestration only: pull, build, load, import or take a local image, then save it to an
archive, tag it under another repository, push it; or remove it; and export a container's
file system. Pull, build, references and platforms are image_ops (shared with the container
and compose code), reference parsing is image_ref, the build context build_context,
credentials registry. Every step computes what it would do first, acts only outside
check mode, and says what it did in ``actions``.
"""


import hashlib
import io
import json
import os
import tarfile
import zlib
from urllib.parse import quote, urlencode

from ansible_collections.berth.docker.plugins.module_utils import build_context, files
from ansible_collections.berth.docker.plugins.module_utils.api_features import check_options
from ansible_collections.berth.docker.plugins.module_utils.errors import BuildFailed, Conflict, DockerError, NotFound
from ansible_collections.berth.docker.plugins.module_utils.image_ops import (
    PENDING,
    STREAM_TIMEOUT,
    IdRef,
    build,
    full_name,
    pull,
    reference,
    registry_digest,
    stream,
    summary,
)
from ansible_collections.berth.docker.plugins.module_utils.image_ref import is_image_id, parse, repo_digests_for
from ansible_collections.berth.docker.plugins.module_utils.registry import RegistryUnreachable, auth_header, registry_error

IMPORT_HASH_LABEL = 'berth.docker.import-hash'

BUILD_SPEC = dict(
    path=dict(type='path'),
    dockerfile=dict(type='str'),
    args=dict(type='dict'),
    target=dict(type='str'),
    labels=dict(type='dict'),
    pull=dict(type='bool', default=False),
    nocache=dict(type='bool', default=False),
    rm=dict(type='bool', default=True),
    network=dict(type='str'),
    platform=dict(type='str'),
    etc_hosts=dict(type='dict'),
    shm_size=dict(type='str'),
    cache_from=dict(type='list', elements='str'),
    rebuild=dict(type='str', default='auto', choices=['auto', 'always', 'never']),
    container_limits=dict(type='dict', options=dict(
        memory=dict(type='str'),
        memswap=dict(type='str'),
        cpushares=dict(type='int'),
        cpusetcpus=dict(type='str'),
    )),
    http_timeout=dict(type='int'),
    use_config_proxy=dict(type='bool', default=False),
)

IMAGE_SPEC = dict(
    name=dict(type='str'),
    tag=dict(type='str', default='latest'),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    source=dict(type='str', choices=['build', 'load', 'pull', 'local', 'import']),
    force_source=dict(type='bool', default=False),
    force_absent=dict(type='bool', default=False),
    force_tag=dict(type='bool', default=False),
    build=dict(type='dict', options=BUILD_SPEC),
    pull=dict(type='dict', options=dict(platform=dict(type='str'))),
    push=dict(type='bool', default=False),
    repository=dict(type='str'),
    archive_path=dict(type='path'),
    archive_names=dict(type='list', elements='str'),
    load_path=dict(type='path'),
    import_path=dict(type='path'),
    changes=dict(type='list', elements='str'),
    container_export=dict(type='dict', options=dict(
        container=dict(type='str', required=True),
        path=dict(type='path', required=True),
    )),
)


def archive_manifest(path):
    """{image ID: sorted RepoTags} of a ``docker save`` archive. Raises ValueError with a
    clear message when it is not one (corrupt, truncated, not a tar, no manifest.json)."""
    try:
        with tarfile.open(path, 'r:*') as tar:
            all_members = tar.getmembers()
            check_complete(tar, all_members, path)
            members = dict((m.name[2:] if m.name.startswith('./') else m.name, m) for m in all_members)
            manifest_member = members.get('manifest.json')
            if manifest_member is None:
                raise ValueError('%s is a tar file but has no manifest.json: not an archive made by docker save '
                                 '(for a root file system tarball use source: import)' % path)
            manifest = json.loads(tar.extractfile(manifest_member).read().decode('utf-8'))
            result = {}
            for entry in manifest:
                config_name = entry.get('Config')
                member = members.get(config_name)
                if member is None:
                    raise ValueError('%s: manifest.json names %s, which the archive does not hold (truncated?)'
                                     % (path, config_name))
                data = tar.extractfile(member).read()
                image_id = 'sha256:' + hashlib.sha256(data).hexdigest()
                result[image_id] = sorted(set(result.get(image_id, [])) | set(entry.get('RepoTags') or []))
            return result
    except (tarfile.TarError, EOFError, OSError, ValueError, UnicodeDecodeError, AttributeError, TypeError) as exc:
        if isinstance(exc, ValueError) and str(exc).startswith(path):
            raise
        raise ValueError('%s is not a readable docker save archive (%s): is it complete and not corrupt?'
                         % (path, exc or type(exc).__name__))


def check_complete(tar, members, path):
    """Raise tarfile.ReadError when an uncompressed tar is cut short: tarfile silently stops
    at a truncated header, so look at what follows the last member: a complete archive has
    an end-of-archive block of zeros there. (Compressed archives: the decompressor notices.)"""
    if not isinstance(tar.fileobj, io.BufferedReader):
        return
    size = os.path.getsize(path)
    for member in members:
        if member.isfile() and member.offset_data + member.size > size:
            raise tarfile.ReadError('truncated: %s ends beyond the end of the file' % member.name)
    with open(path, 'rb') as handle:
        handle.seek(tar.offset)
        rest = handle.read(1024)
    if len(rest) < tarfile.BLOCKSIZE or rest.strip(b'\0'):
        raise tarfile.ReadError('truncated or damaged after %d bytes (no end-of-archive block)' % tar.offset)


def check_rootfs_tarball(path):
    """Read every member header of a root file system tarball; ValueError when it is corrupt."""
    count = 0
    try:
        with tarfile.open(path, 'r:*') as tar:
            members = []
            for member in tar:
                count += 1
                members.append(member)
                if member.isfile():
                    handle = tar.extractfile(member)
                    while handle.read(1024 * 1024):
                        pass
            check_complete(tar, members, path)
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise ValueError('%s is not a readable tar archive (%s): is it complete and not corrupt?' % (path, exc))
    if count == 0:
        raise ValueError('%s is an empty tar archive: nothing to import' % path)


def import_hash(path, changes):
    digest = hashlib.sha256()
    digest.update(build_context.file_sha256(path).encode('ascii'))
    digest.update(json.dumps(list(changes or [])).encode('utf-8'))
    return 'sha256:' + digest.hexdigest()


def query(path, pairs):
    """``path?k=v&k=v2`` with repeated keys (the client's params take one value per key)."""
    pairs = [(k, v) for k, v in pairs if v is not None]
    return path + ('?' + urlencode(pairs) if pairs else '')


class ImageManager:
    def __init__(self, module, client, params=None):
        self.module = module
        self.client = client
        # the split modules (image_pull, image_tag, ...) pass the image module's params for their step
        self.params = module.params if params is None else params
        self.check_mode = module.check_mode
        self.results = {'changed': False, 'actions': [], 'image': None}
        self.before = None
        self.image = None
        self.predicted_tags = []

    # -- helpers ------------------------------------------------------------------------

    def act(self, message):
        self.results['changed'] = True
        self.results['actions'].append(message)

    def note(self, message):
        self.results['actions'].append(message)

    def inspect(self, name):
        if name is None:
            return None
        return self.client.inspect('image', name)

    def ref(self, value, tag=None, option='name'):
        return reference(value, tag, option)

    def stream(self, method, path, params=None, body=None, headers=None, what=None):
        return stream(self.client, method, path, params=params, body=body, headers=headers, what=what)

    # -- entry ----------------------------------------------------------------------------

    def run(self):
        p = self.params
        if p['container_export']:
            self.export_container()
        if not p['name']:
            if not p['container_export']:
                raise DockerError('name is required (the image), unless only container_export is given')
            return self.finish(None)
        if is_image_id(p['name']):
            if p['state'] == 'present' and p['source'] not in ('local', 'load'):
                raise DockerError('name %s is an image ID; with state=present only source=local and load can use an '
                                  'ID (give a repository name for source=%s)' % (p['name'], p['source']))
            ref = IdRef(p['name'])
        else:
            ref = self.ref(p['name'], p['tag'])
        # every reference is checked before anything is done
        if p['repository']:
            if is_image_id(p['repository']):
                raise DockerError('repository %s is an image ID; give a repository name (with an optional tag) to '
                                  'tag the image as' % p['repository'])
            self.ref(p['repository'], ref.tag or 'latest', 'repository')
        for extra in p['archive_names'] or []:
            self.ref(extra, None, 'archive_names')
        self.before = self.inspect(ref.name)
        if p['state'] == 'absent':
            self.remove(ref)
            return self.finish(ref)
        source = p['source']
        if source is None:
            raise DockerError('state=present needs source: pull, build, load, import or local (local only checks '
                              'that the image exists, e.g. before tagging, pushing or archiving it)')
        if ref.digest and source in ('build', 'load', 'import'):
            raise DockerError('name %s has a digest; source=%s needs a name with a tag (a digest names content '
                              'that only a registry can give)' % (p['name'], source))
        getattr(self, 'source_' + source)(ref)
        if p['archive_path']:
            self.archive(ref)
        push_ref = ref
        if p['repository']:
            push_ref = self.tag_as(ref)
        if p['push']:
            self.push(push_ref)
        return self.finish(ref)

    def finish(self, ref):
        if ref is not None and self.params['state'] == 'present':
            image = self.image if self.image is not PENDING else None
            if image is None and not self.check_mode:
                image = self.inspect(ref.name)
            self.results['image'] = image
        if self.module._diff and ref is not None:
            after = self.results.get('image')
            if self.params['state'] == 'absent':
                after = None if self.results['changed'] else self.before
            elif self.image is PENDING:
                after = {'Id': '(new image)', 'RepoTags': [ref.name]}
            if after and self.predicted_tags:
                after = dict(after, RepoTags=list(after.get('RepoTags') or []) + self.predicted_tags)
            self.results['diff'] = {'before': summary(self.before), 'after': summary(after)}
        return self.results

    # -- sources --------------------------------------------------------------------------

    def source_local(self, ref):
        if self.before is None:
            raise DockerError('image %s is not present on the engine (source=local only uses what is there); '
                              'use source pull, build, load or import to get it' % ref.name)
        self.image = self.before

    def source_pull(self, ref):
        try:
            self.image, message = pull(self.client, ref, before=self.before, platform=(self.params['pull'] or {}).get('platform'),
                                       force=self.params['force_source'], check_mode=self.check_mode)
        except RegistryUnreachable as exc:
            if not self.check_mode:
                raise
            # check mode: a registry an earlier task starts, or one out of reach from here
            self.module.warn('check mode: could not ask %s for %s (%s); predicted as a pull' % (ref.registry, ref.name, exc.msg))
            self.image, message = PENDING, 'Would pull %s' % ref.name
        if message:
            self.act(message)

    def source_build(self, ref):
        outcome = build(self.client, ref, self.params['build'] or {}, before=self.before,
                        force=self.params['force_source'], check_mode=self.check_mode)
        self.image = outcome['image']
        self.results['build_hash'] = outcome['build_hash']
        if outcome['build_output'] is not None:
            self.results['build_output'] = outcome['build_output']
            self.results['stdout'] = '\n'.join(outcome['build_output'])  # the peer's name, as one text
        if outcome['message']:
            self.act(outcome['message'])

    def source_load(self, ref):
        path = self.params['load_path']
        if not path:
            raise DockerError('source=load needs load_path: the tar made by docker save (or archive_path)')
        inside = self.load_manifest(path, 'load_path')
        tags = sorted(t for ts in inside.values() for t in ts)
        if isinstance(ref, IdRef):
            if ref.name not in inside:
                raise DockerError('load_path %s does not hold image %s (it holds %s); set name to one of those'
                                  % (path, ref.name, ', '.join(sorted(inside)) or 'no image'))
        elif not any(full_name(t) == ref.full for ts in inside.values() for t in ts):
            raise DockerError('load_path %s holds %s, not %s; set name to one of those'
                              % (path, ', '.join(tags) or 'only untagged images', ref.name))
        if not self.load_archive(path, inside, 'load_path'):
            self.image = self.before
        elif self.check_mode:
            self.image = PENDING
        else:
            self.image = self.inspect(ref.name)
            if self.image is None:
                raise DockerError('loaded %s but %s is not among the images' % (path, ref.name))

    @staticmethod
    def load_manifest(path, option):
        """{image ID: [tags]} of the docker save archive ``path`` (the option ``option`` names it)."""
        if not os.path.isfile(path):
            raise DockerError('%s %s does not exist (or is not a file)' % (option, path))
        try:
            return archive_manifest(path)
        except ValueError as exc:
            raise DockerError('%s: %s; nothing was loaded' % (option, exc))

    def load_archive(self, path, inside, option):
        """Load ``path`` unless every image ID and tag in it (``inside``) is present already (or
        force_source). Returns whether it was (or would be) loaded."""
        missing = []
        for image_id, image_tags in inside.items():
            local = self.inspect(image_id)
            if local is None:
                missing.append(image_id)
                continue
            for t in image_tags:
                tagged = self.inspect(t)
                if tagged is None or tagged.get('Id') != image_id:
                    missing.append(t)
        if not missing and not self.params['force_source']:
            return False
        names = ', '.join(missing) or ', '.join(sorted(t for ts in inside.values() for t in ts)) or path
        if self.check_mode:
            self.act('Would load %s from %s' % (names, path))
            return True
        with open(path, 'rb') as body:
            try:
                self.stream('POST', '/images/load', params={'quiet': True}, body=body,
                            headers={'Content-Type': 'application/x-tar'}, what='load %s' % path)
            except DockerError as exc:
                raise DockerError('loading %s (%s) failed: %s' % (path, option, exc.msg))
        if missing:
            self.act('Loaded %s from %s' % (', '.join(missing), path))
        else:
            self.note('Loaded %s again (force_source); nothing changed' % path)
        return True

    def source_import(self, ref):
        path = self.params['import_path']
        changes = list(self.params['changes'] or [])
        if not path:
            raise DockerError('source=import needs import_path: a root file system tarball (as docker export makes)')
        if not os.path.isfile(path):
            raise DockerError('import_path %s does not exist (or is not a file)' % path)
        for change in changes:
            word = change.strip().split(None, 1)[0].upper() if change.strip() else ''
            if word not in ('CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'ONBUILD', 'USER', 'VOLUME', 'WORKDIR', 'LABEL', 'STOPSIGNAL'):
                raise DockerError('changes: %r is not a Dockerfile instruction that import accepts (CMD, ENTRYPOINT, ENV, '
                                  'EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR)' % change)
        try:
            check_rootfs_tarball(path)
        except ValueError as exc:
            raise DockerError('import_path: %s; nothing was imported' % exc)
        digest = import_hash(path, changes)
        self.results['import_hash'] = digest
        before = self.before
        stamped = ((before or {}).get('Config') or {}).get('Labels') or {}
        if before is not None and not self.params['force_source'] and stamped.get(IMPORT_HASH_LABEL) == digest:
            self.image = before
            return
        if self.check_mode:
            self.act('Would import %s from %s' % (ref.name, path))
            self.image = PENDING
            return
        pairs = [('fromSrc', '-'), ('repo', ref.repository), ('tag', ref.tag)]
        pairs += [('changes', c) for c in changes]
        pairs.append(('changes', 'LABEL %s=%s' % (IMPORT_HASH_LABEL, digest)))
        with open(path, 'rb') as body:
            try:
                self.stream('POST', query('/images/create', pairs), body=body,
                            headers={'Content-Type': 'application/x-tar'}, what='import %s' % path)
            except DockerError as exc:
                raise DockerError('importing %s as %s failed: %s' % (path, ref.name, exc.msg))
        self.image = self.inspect(ref.name)
        self.act('Imported %s from %s (%s)' % (ref.name, path, (self.image or {}).get('Id')))

    # -- archive, tag, push -------------------------------------------------------------------

    def archive(self, ref):
        path = self.params['archive_path']
        names = [ref.name] + [self.ref(n, None, 'archive_names').name for n in (self.params['archive_names'] or [])]
        wanted = {}
        pending = self.image is PENDING
        for name in names:
            image = self.image if name == ref.name else self.inspect(name)
            if image is None:
                raise DockerError('archive_names: image %s is not present on the engine; nothing was archived' % name)
            if image is PENDING:
                continue
            names_of = wanted.setdefault(image['Id'], set())
            if not is_image_id(name):
                names_of.add(name)
        current = None
        if os.path.exists(path):
            try:
                current = archive_manifest(path)
            except ValueError:
                current = None
        if current is not None and not pending and not self.params.get('force_archive'):
            # the archive holds the same image IDs, each with (at least) the requested names
            same = set(current) == set(wanted) and all(
                set(full_name(n) for n in wanted[i]) <= set(full_name(t) for t in current[i]) for i in wanted)
            if same:
                return
        if self.check_mode:
            self.act('Would save %s to %s' % (', '.join(names), path))
            return
        directory = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(directory):
            raise DockerError('archive_path %s: the directory %s does not exist' % (path, directory))
        with files.atomic_open(path, 0o644, dir_mode=None) as out:
            response = self.client.request('GET', query('/images/get', [('names', n) for n in names]), stream=True,
                                           timeout=max(self.client.config.timeout, STREAM_TIMEOUT),
                                           what='save %s' % ', '.join(names))
            for chunk in self.client.iter_response(response):
                out.write(chunk)
        self.act('Saved %s to %s' % (', '.join(names), path))

    def tag_as(self, ref, repository=None, keep=False):
        """Tag the image as ``repository`` (default: the repository option; its own tag, else the tag of
        name). Returns the new ref. ``keep``: a tag naming another image stays as it is (no error)."""
        repository = repository or self.params['repository']
        if is_image_id(repository):
            raise DockerError('repository %s is an image ID; give a repository name (with an optional tag) to tag '
                              'the image as' % repository)
        repo = self.ref(repository, ref.tag or 'latest', 'repository')
        if repo.digest:
            raise DockerError('repository %s has a digest; give a repository with an optional tag' % repository)
        if self.image is None:
            raise DockerError('cannot tag %s as %s: the image is not present' % (ref.name, repo.name))
        existing = self.inspect(repo.name)
        if existing is not None and self.image is not PENDING and existing.get('Id') == self.image.get('Id'):
            return repo
        if existing is not None and keep:
            self.note('Kept %s, which names another image (%s)' % (repo.name, existing.get('Id')))
            return None
        if existing is not None and not self.params['force_tag']:
            raise DockerError(
                '%s already names another image (%s), not %s (%s); set force_tag: true to move the tag'
                % (repo.name, existing.get('Id'), ref.name, self.image.get('Id')))
        if self.check_mode:
            self.act('Would tag %s as %s' % (ref.name, repo.name))
            self.predicted_tags.append(repo.name)
            return repo
        self.client.post('/images/%s/tag' % quote(self.image['Id'], safe=':'),
                         params={'repo': repo.repository, 'tag': repo.tag}, what='tag %s' % repo.name)
        self.act('Tagged %s as %s%s' % (ref.name, repo.name, ' (moved from %s)' % existing.get('Id') if existing else ''))
        self.image = self.inspect(self.image['Id']) or self.image
        return repo

    def push(self, ref):
        if ref.digest or not ref.tag:
            raise DockerError('push needs a name with a tag, not a digest (%s)' % ref.name)
        if self.image is None:
            raise DockerError('cannot push %s: the image is not present' % ref.name)
        local = self.inspect(ref.name) if self.image is not PENDING else None
        try:
            remote = registry_digest(self.client, ref)[0]
        except RegistryUnreachable as exc:
            if not self.check_mode:
                raise
            # check mode: a registry an earlier task starts, or one out of reach from here; the real
            # run fails if it persists
            self.module.warn('check mode: could not ask %s whether it has %s (%s); predicted as a push'
                             % (ref.registry, ref.name, exc.msg))
            remote = None
        if local is not None and remote and remote in repo_digests_for(local.get('RepoDigests'), ref.repository):
            self.results['push'] = {'repository': ref.repository, 'tag': ref.tag, 'digest': remote, 'changed': False}
            return
        if self.check_mode:
            self.act('Would push %s to %s' % (ref.name, ref.registry))
            return
        try:
            messages = self.stream('POST', '/images/%s/push' % quote(ref.repository, safe=':/'),
                                   params={'tag': ref.tag}, headers=auth_header(ref.registry), what='push %s' % ref.name)
        except DockerError as exc:
            raise registry_error(ref.registry, exc)
        digest = None
        for m in messages:
            aux = m.get('aux') if isinstance(m, dict) else None
            if isinstance(aux, dict) and aux.get('Digest'):
                digest = aux['Digest']
        self.results['push'] = {'repository': ref.repository, 'tag': ref.tag, 'digest': digest, 'changed': True}
        self.act('Pushed %s (%s)' % (ref.name, digest))
        self.image = None  # RepoDigests changed: finish() inspects it again

    # -- absent ---------------------------------------------------------------------------

    def remove(self, ref):
        image = self.before
        if image is None:
            return
        requested = {ref.full}
        by_id = is_image_id(self.params['name'])
        others = []
        for t in image.get('RepoTags') or []:
            try:
                if parse(t).full not in requested:
                    others.append(t)
            except ValueError:
                others.append(t)
        if by_id or not others:
            what = 'Deleted image %s (%s)' % (image.get('Id'), ref.name if not others else 'tags %s' % ', '.join(others))
            mode = 'delete'
        else:
            what = 'Untagged %s; image %s stays because it is still tagged %s' % (ref.name, image.get('Id'), ', '.join(others))
            mode = 'untag'
        self.results['removal'] = mode
        if self.check_mode:
            self.act('Would ' + what[0].lower() + what[1:])
            return
        try:
            params = {'force': bool(self.params['force_absent'])}
            if self.params.get('prune') is False:
                params['noprune'] = True
            answer = self.client.delete('/images/%s' % quote(ref.name, safe=':/@'), params=params,
                                        what='image %s' % ref.name)
        except Conflict as exc:
            if 'multiple repositories' in exc.msg:
                raise DockerError(
                    'cannot remove %s: %s. Remove it by one of its tags (%s), or set force_absent: true to remove '
                    'every tag' % (ref.name, exc.msg, ', '.join(image.get('RepoTags') or [])))
            raise DockerError(
                'cannot remove %s: %s. Remove the containers that use it first (berth.docker.container state=absent), '
                'or set force_absent: true' % (ref.name, exc.msg))
        except NotFound:
            return
        self.results['removed'] = answer or []
        self.act(what)

    # -- container export -------------------------------------------------------------------------

    def export_container(self):
        spec = self.params['container_export']
        name, path = spec['container'], spec['path']
        container = self.client.inspect('container', name)
        if container is None:
            raise DockerError('container_export: there is no container %s' % name)
        directory = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(directory):
            raise DockerError('container_export.path %s: the directory %s does not exist' % (path, directory))
        digest = hashlib.sha256()
        with files.atomic_open(path, 0o644, dir_mode=None) as out:
            response = self.client.request('GET', '/containers/%s/export' % quote(container['Id']), stream=True,
                                           timeout=max(self.client.config.timeout, STREAM_TIMEOUT),
                                           what='export of container %s' % name)
            for chunk in self.client.iter_response(response):
                digest.update(chunk)
                out.write(chunk)
            same = os.path.isfile(path) and build_context.file_sha256(path) == digest.hexdigest()
            self.results['export'] = {'container': name, 'path': path, 'sha256': digest.hexdigest(), 'changed': not same}
            if same or self.check_mode:
                out.discard()
        if same:
            return
        self.act('%s container %s to %s' % ('Would export' if self.check_mode else 'Exported', name, path))


def run_image(module, client):
    if module.params['state'] != 'absent':
        check_options(client, 'image', module.params)  # an option the negotiated Engine API lacks fails first
    return ImageManager(module, client).run()


def on_error(exc):
    """Extra failure fields: the (bounded) build output of a failed build."""
    if isinstance(exc, BuildFailed):
        return {'build_output': exc.output}
    return {}
