# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""berth.docker.container_copy_into: put one file (from the managed host, or given as content) into a
container through the Engine API's archive endpoints, and only when what is there differs.

What is there is read without running anything in the container: ``HEAD /containers/{id}/archive``
gives the path's stat (size, mode, symlink target) and ``GET`` the same path gives a tar of it (owner,
group, mode, bytes). The new file is written with ``PUT /containers/{id}/archive`` as a one-member tar
built here. All three exist since Engine API 1.20 and work on stopped containers too; only finding the
container user's IDs (when owner_id/group_id are not given) needs a running container.
"""

import base64
import binascii
import io
import json
import os
import posixpath
import stat
import tarfile
import tempfile
import time

from ansible_collections.berth.docker.plugins.module_utils.container_ops import decode_output
from ansible_collections.berth.docker.plugins.module_utils.errors import DockerError, NotFound, SpecError
from ansible_collections.berth.docker.plugins.module_utils.exec import exec_body

# ansible-core's MAX_FILE_SIZE_FOR_DIFF default: larger files get no text diff
DIFF_MAX_SIZE = 104448
LINK_DEPTH = 40
SPOOL_SIZE = 4 * 1024 * 1024

# Go's io/fs FileMode bits, as the stat header of the archive endpoints carries them
GO_DIR = 1 << 31
GO_TEMPORARY = 1 << 28
GO_SYMLINK = 1 << 27
GO_DEVICE = 1 << 26
GO_PIPE = 1 << 25
GO_SOCKET = 1 << 24
GO_SETUID = 1 << 23
GO_SETGID = 1 << 22
GO_CHARDEV = 1 << 21
GO_STICKY = 1 << 20
GO_IRREGULAR = 1 << 19
GO_KINDS = ((GO_DIR, '(directory)'), (GO_TEMPORARY, '(temporary file)'), (GO_DEVICE, '(device)'),
            (GO_PIPE, '(named pipe)'), (GO_SOCKET, '(socket)'), (GO_CHARDEV, '(character device)'),
            (GO_IRREGULAR, '(unknown filesystem object)'))


# -- options ----------------------------------------------------------------------------------

def parse_mode(value, how='legacy'):
    """The ``mode`` option as an int. ``legacy``: an int, or a string read as a decimal number;
    ``modern``: an int, or a string read as octal (like ansible.builtin.copy);
    ``octal_string_only``: only a string, read as octal."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise SpecError('mode', 'got the boolean %s; give the mode as an octal string like "0644"' % value)
    try:
        if isinstance(value, str):
            text = value.strip()
            if how == 'legacy':
                mode = int(text, 10)
            else:
                mode = int(text, 8)
        elif isinstance(value, int):
            if how == 'octal_string_only':
                raise SpecError('mode', 'mode_parse=octal_string_only takes only a string like "0644", got the number %d'
                                % value)
            mode = value
        elif isinstance(value, float) and how == 'legacy' and value.is_integer():
            mode = int(value)
        else:
            raise SpecError('mode', 'give the mode as an octal string like "0644", not %r' % (value,))
    except ValueError:
        base = 'a decimal number (mode_parse=legacy; use mode_parse=modern for octal)' if how == 'legacy' \
            else 'an octal number like "0644"'
        raise SpecError('mode', '%r is not %s' % (value, base))
    if mode < 0 or mode > 0o7777:
        raise SpecError('mode', '%r is outside 0 to 07777' % (value,))
    return mode


def content_bytes(content, is_b64):
    if not is_b64:
        return content.encode('utf-8')
    try:
        return base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SpecError('content', 'content_is_b64 is true but content is not valid Base64 (%s)' % exc)


def normalize_container_path(path):
    if not path.startswith('/'):
        raise SpecError('container_path', '%r is not absolute; write it from the root, like /etc/app.conf' % path)
    path = posixpath.normpath(path)
    if path.startswith('//'):
        path = '/' + path.lstrip('/')
    if path == '/':
        raise SpecError('container_path', 'give the path of a file, not /')
    return path


# -- the source ---------------------------------------------------------------------------------

class Source:
    """What to write: ``kind`` is 'file' (bytes, from ``data`` or the local file ``path``) or 'link'
    (``target``), with its size and mode and a name for diffs."""

    def __init__(self, kind, size, mode, label, data=None, path=None, target=None):
        self.kind = kind
        self.size = size
        self.mode = mode
        self.label = label
        self.data = data
        self.path = path
        self.target = target

    @classmethod
    def from_content(cls, data, mode):
        return cls('file', len(data), mode, 'dynamically generated', data=data)

    @classmethod
    def from_path(cls, path, mode, follow):
        try:
            st = os.stat(path) if follow else os.lstat(path)
        except FileNotFoundError:
            raise SpecError('path', 'there is no file %s on the managed host' % path)
        except OSError as exc:
            raise SpecError('path', 'cannot read %s: %s' % (path, exc))
        if mode is None:
            mode = stat.S_IMODE(st.st_mode)
        if stat.S_ISLNK(st.st_mode):
            return cls('link', 0, mode, path, target=os.readlink(path))
        if not stat.S_ISREG(st.st_mode):
            raise SpecError('path', '%s is not a regular file (nor a symbolic link); give one file' % path)
        return cls('file', st.st_size, mode, path, path=path)

    def open(self):
        return io.BytesIO(self.data) if self.data is not None else open(self.path, 'rb')

    def diff_text(self):
        """(header, text) for the after side, or a marker key: ('src_larger'|'src_binary', value)."""
        if self.kind == 'link':
            return 'text', self.target
        if self.size > DIFF_MAX_SIZE:
            return 'src_larger', DIFF_MAX_SIZE
        with self.open() as handle:
            data = handle.read()
        if b'\x00' in data:
            return 'src_binary', 1
        return 'text', data.decode('utf-8', 'replace')


# -- the container side ------------------------------------------------------------------------

def archive_path(container_id):
    return '/containers/%s/archive' % container_id


def stat_path(client, container_id, path):
    """The stat of ``path`` in the container (keys name, size, mode, mtime, linkTarget), or None."""
    try:
        response = client.request('HEAD', archive_path(container_id), params={'path': path}, stream=True,
                                  what='%s in the container' % path)
    except NotFound:
        return None
    header = response.getheader('X-Docker-Container-Path-Stat')
    response.read()
    if response.will_close:
        client.close()
    if not header:
        raise DockerError('the engine sent no stat of %s (no X-Docker-Container-Path-Stat header)' % path)
    try:
        return json.loads(base64.b64decode(header).decode('utf-8'))
    except (ValueError, binascii.Error) as exc:
        raise DockerError('the engine sent an unreadable stat of %s: %s' % (path, exc))


def resolve(client, container_id, path):
    """Follow symbolic links from ``path``: (the final path, its stat or None)."""
    seen = 0
    info = stat_path(client, container_id, path)
    while info is not None and info.get('mode', 0) & GO_SYMLINK and info.get('linkTarget'):
        seen += 1
        if seen > LINK_DEPTH:
            raise DockerError('%s: more than %d symbolic links to follow in the container' % (path, LINK_DEPTH))
        target = info['linkTarget']
        path = target if target.startswith('/') else posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
        info = stat_path(client, container_id, path)
    return path, info


def go_mode_bits(go_mode):
    """The permission bits (with setuid/setgid/sticky, as in a tar header) of a Go FileMode."""
    mode = go_mode & 0o777
    if go_mode & GO_SETUID:
        mode |= stat.S_ISUID
    if go_mode & GO_SETGID:
        mode |= stat.S_ISGID
    if go_mode & GO_STICKY:
        mode |= stat.S_ISVTX
    return mode


def kind_of(info):
    """'file', 'link' or the diff marker of another kind of object, from a stat."""
    go_mode = info.get('mode', 0)
    if go_mode & GO_SYMLINK:
        return 'link'
    for bit, label in GO_KINDS:
        if go_mode & bit:
            return label
    return 'file'


class Existing:
    """What the archive endpoint returned for a path: a tar member (and its bytes for a file)."""

    def __init__(self, member, data):
        self.member = member
        self.data = data


def fetch(client, container_id, path, read_data=True, limit=None):
    """The tar member at ``path`` (and its bytes when ``read_data``, up to ``limit`` bytes: None
    beyond it), or None when the path does not exist."""
    try:
        response = client.request('GET', archive_path(container_id), params={'path': path}, stream=True,
                                  what='%s in the container' % path)
    except NotFound:
        return None
    try:
        with tarfile.open(fileobj=response, mode='r|') as tar:
            for member in tar:
                data = None
                if read_data and member.isfile() and (limit is None or member.size <= limit):
                    data = tar.extractfile(member).read()
                return Existing(member, data)
    except tarfile.TarError as exc:
        raise DockerError('the engine sent an unreadable archive of %s: %s' % (path, exc))
    finally:
        for _dummy in client.iter_response(response):
            pass
    return None


def container_ids(client, container, user_hint):
    """(uid, gid) of the container's user, asked from ``id`` in the running container."""
    state = container.get('State') or {}
    name = container.get('Name', '').lstrip('/') or container['Id'][:12]
    if not state.get('Running') or state.get('Paused'):
        raise SpecError('owner_id', 'container %s is %s: give owner_id and group_id, which are only looked up '
                        'in a running container' % (name, 'paused' if state.get('Paused') else 'not running'))
    body = exec_body(['/bin/sh', '-c', 'id -u && id -g'], {'user': user_hint}, False)
    created = client.post('/containers/%s/exec' % container['Id'], body=body, what='container %s' % name)
    raw = client.post('/exec/%s/start' % created['Id'], body={'Detach': False, 'Tty': False})
    stdout, stderr = decode_output(raw or b'', False)
    info = client.get('/exec/%s/json' % created['Id']) or {}
    lines = stdout.split()
    if info.get('ExitCode') != 0 or len(lines) != 2 or not all(x.isdigit() for x in lines):
        raise SpecError('owner_id', 'cannot learn the user of container %s from /bin/sh -c "id -u && id -g" '
                        '(exit code %s, output %r %r); give owner_id and group_id'
                        % (name, info.get('ExitCode'), stdout.strip()[:200], stderr.strip()[:200]))
    return int(lines[0]), int(lines[1])


# -- the tar to write ------------------------------------------------------------------------

def build_tar(source, name, uid, gid):
    """A one-member tar of ``source`` named ``name``, in a spooled temporary file (rewound)."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_SIZE)
    info = tarfile.TarInfo(name)
    info.uid, info.gid, info.mode = uid, gid, source.mode
    info.mtime = int(os.stat(source.path).st_mtime) if source.path else int(time.time())
    with tarfile.open(fileobj=spool, mode='w', format=tarfile.PAX_FORMAT) as tar:
        if source.kind == 'link':
            info.type = tarfile.SYMTYPE
            info.linkname = source.target
            tar.addfile(info)
        else:
            info.size = source.size
            with source.open() as handle:
                tar.addfile(info, handle)
    spool.seek(0)
    return spool


def put(client, container_id, container_path, source, uid, gid):
    spool = build_tar(source, posixpath.basename(container_path), uid, gid)
    try:
        data = spool.read()
    finally:
        spool.close()
    directory = posixpath.dirname(container_path)
    try:
        client.put(archive_path(container_id), params={'path': directory}, body=data,
                   headers={'Content-Type': 'application/x-tar'}, what='writing %s into the container' % container_path)
    except NotFound:
        raise DockerError('cannot write %s: the directory %s does not exist in the container; create it first '
                          '(for example with berth.docker.exec mkdir -p)' % (container_path, directory))


# -- deciding --------------------------------------------------------------------------------

def same_bytes(source, data):
    if data is None or len(data) != source.size:
        return False
    with source.open() as handle:
        return handle.read() == data


def differences(source, info, existing, uid, gid):
    """What differs between ``source`` and the path's stat/tar member: a list of words, empty
    when nothing does."""
    kind = kind_of(info)
    if kind != source.kind:
        return ['type']
    found = []
    member = existing.member if existing else None
    if source.kind == 'link':
        if member is None or member.linkname != source.target:
            found.append('target')
    else:
        if info.get('size') != source.size:
            found.append('content')
        elif member is None or not same_bytes(source, existing.data):
            found.append('content')
        if go_mode_bits(info.get('mode', 0)) != source.mode:
            found.append('mode')
    if member is not None:
        if source.kind == 'file' and (member.mode & 0o7777) != source.mode and 'mode' not in found:
            found.append('mode')
        if member.uid != uid or member.gid != gid:
            found.append('owner')
    return found


def before_diff(info, existing, path):
    """The diff's before side for what is at ``path``."""
    if info is None:
        return {'before_header': path, 'before': ''}
    kind = kind_of(info)
    if kind == 'link':
        # the stat's target is the resolved, absolute one (as docker cp shows it)
        target = info.get('linkTarget') or (existing.member.linkname if existing else '')
        return {'before_header': path, 'before': target}
    if kind != 'file':
        return {'before_header': path, 'before': kind}
    if info.get('size', 0) > DIFF_MAX_SIZE or existing is None or existing.data is None:
        return {'dst_larger': DIFF_MAX_SIZE}
    if b'\x00' in existing.data:
        return {'dst_binary': 1}
    return {'before_header': path, 'before': existing.data.decode('utf-8', 'replace')}


def after_diff(source):
    key, value = source.diff_text()
    if key == 'text':
        return {'after_header': source.label, 'after': value}
    return {key: value}


def scramble(diff):
    """Hide the diff's texts from the module's no_log masking of ``content`` (which would turn them
    into ********): XOR with a random key and Base64; the action plugin of the same name, on the
    controller, turns them back (``unscramble``)."""
    key = os.urandom(16)
    for side in ('before', 'after'):
        if side in diff:
            data = diff[side].encode('utf-8')
            mixed = bytes(b ^ key[i % len(key)] for i, b in enumerate(data))
            diff[side] = base64.b64encode(mixed).decode('ascii')
    diff['scrambled'] = base64.b64encode(key).decode('ascii')


def unscramble(diff):
    key = base64.b64decode(diff.pop('scrambled'))
    for side in ('before', 'after'):
        if side in diff:
            mixed = base64.b64decode(diff[side])
            diff[side] = bytes(b ^ key[i % len(key)] for i, b in enumerate(mixed)).decode('utf-8')


def copy_into(module, client):
    p = module.params
    name = p['container']
    container = client.inspect('container', name)
    if container is None:
        raise DockerError('container %s does not exist; create it first (berth.docker.container)' % name)
    cid = container['Id']
    container_path = normalize_container_path(p['container_path'])
    mode = parse_mode(p.get('mode'), p.get('mode_parse') or 'legacy')
    if p.get('content') is not None:
        source = Source.from_content(content_bytes(p['content'], p.get('content_is_b64')), mode)
    else:
        source = Source.from_path(p['path'], mode, p.get('local_follow', True))

    force = p.get('force')
    if p.get('follow'):
        container_path, info = resolve(client, cid, container_path)
    else:
        info = stat_path(client, cid, container_path)

    uid, gid = p.get('owner_id'), p.get('group_id')
    if uid is None or gid is None:
        uid, gid = container_ids(client, container, (container.get('Config') or {}).get('User'))

    want_diff = module._diff
    existing = None
    if info is not None and (want_diff or force is None) and kind_of(info) in ('file', 'link'):
        # the bytes are needed to compare (same size only) or for the diff (small files only)
        limit = DIFF_MAX_SIZE if want_diff else -1
        if force is None and info.get('size') == source.size:
            limit = max(limit, source.size)
        existing = fetch(client, cid, container_path, read_data=limit >= 0, limit=limit)

    if info is None:
        found = ['absent']
    elif force:
        found = ['forced']
    elif force is False:
        found = []
    else:
        found = differences(source, info, existing, uid, gid)

    result = {'changed': bool(found), 'container_path': container_path, 'differences': found}
    if want_diff:
        diff = before_diff(info, existing, container_path)
        if force is not False or info is None:
            diff.update(after_diff(source))
        else:
            # force=false and something is there: nothing is written, the after side is what stays
            for src, dst in (('before_header', 'after_header'), ('before', 'after'),
                             ('dst_larger', 'src_larger'), ('dst_binary', 'src_binary')):
                if src in diff:
                    diff[dst] = diff[src]
        if p.get('content') is not None:
            scramble(diff)
        result['diff'] = diff
    if found and not module.check_mode:
        put(client, cid, container_path, source, uid, gid)
    return result
