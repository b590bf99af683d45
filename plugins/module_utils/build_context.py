# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The build context of ``berth.docker.image`` with ``source: build``.

- ``.dockerignore`` read and matched the way the docker CLI does (moby's patternmatcher:
  ``*``, ``?``, ``**``, ``[...]``, ``!`` exceptions, a pattern also matches everything
  below a matching directory, the last matching pattern wins);
- the context listed in a stable order and sent to ``/build`` as a tar stream (standard
  library ``tarfile``, written to a temporary file and streamed chunked);
- a content hash of the context (paths, modes, file contents, link targets; not mtimes),
  the Dockerfile and the build options that shape the image, stamped on the image as the
  label ``berth.docker.build-hash``: an image carrying the same hash is not rebuilt;
- the build output: bounded for the result, and the failing step picked out of it.

Plain functions, no engine: unit-tested directly.
"""


import hashlib
import io
import json
import os
import posixpath
import re
import stat
import tarfile
import tempfile

BUILD_HASH_LABEL = 'berth.docker.build-hash'
DOCKERIGNORE = '.dockerignore'
OUTSIDE_DOCKERFILE_PREFIX = '.berth-dockerfile-'
MAX_OUTPUT_LINES = 400
ANSI_RE = re.compile(r'\x1b\[[0-9;]*[A-Za-z]')
MAX_OUTPUT_CHARS = 64 * 1024

# build failures that usually mean the machine cannot run the container at all
VIRTUALISATION_HINTS = (
    'exec format error',
    'oci runtime',
    'cannot start container',
    'failed to create shim',
    'failed to create task',
)
VIRTUALISATION_HINT = (
    'Hint: the engine could not start the build container. Inside a virtual machine this usually '
    'means the hypervisor does not expose hardware virtualisation (VT-x/AMD-V) or nested '
    'virtualisation to the VM, or the image was made for another CPU architecture; enable it in '
    'the hypervisor settings (or build for this architecture) and run again.')


# -- .dockerignore -------------------------------------------------------------------------

def parse_dockerignore(text):
    """The patterns of a .dockerignore file as a list of (pattern, exclusion) pairs."""
    patterns = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        exclusion = line.startswith('!')
        if exclusion:
            line = line[1:].strip()
            if not line:
                raise ValueError('.dockerignore: a line "!" needs a pattern after it')
        line = posixpath.normpath(line)
        if len(line) > 1 and line.startswith('/'):
            line = line.lstrip('/') or '/'
        patterns.append((line, exclusion))
    return patterns


def _compile(pattern):
    """A Go-style path pattern (with ``**``) as an anchored regular expression."""
    out = ['^']
    i = 0
    n = len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == '*':
            if i + 1 < n and pattern[i + 1] == '*':
                i += 2
                if i < n and pattern[i] == '/':
                    i += 1
                out.append('.*' if i >= n else '(.*/)?')
                continue
            out.append('[^/]*')
        elif ch == '?':
            out.append('[^/]')
        elif ch == '\\':
            i += 1
            if i < n:
                out.append(re.escape(pattern[i]))
        elif ch == '[':
            end = pattern.find(']', i + 1)
            if end < 0:
                raise ValueError('.dockerignore: pattern %r has "[" without a closing "]"' % pattern)
            body = pattern[i + 1:end]
            if body.startswith('^'):
                body = '!' + body[1:]
            if body.startswith('!'):
                body = '^' + body[1:].replace('\\', '\\\\')
            else:
                body = body.replace('\\', '\\\\')
            out.append('[%s]' % body)
            i = end
        else:
            out.append(re.escape(ch))
        i += 1
    out.append('$')
    return re.compile(''.join(out))


class PatternMatcher:
    """Matches context paths (relative, '/'-separated) against .dockerignore patterns."""

    def __init__(self, patterns):
        self.patterns = [(pattern, exclusion, _compile(pattern)) for pattern, exclusion in patterns]
        self.has_exclusions = any(exclusion for _p, exclusion, _r in self.patterns)

    def excluded(self, path):
        path = posixpath.normpath(path)
        parents = path.split('/')[:-1]
        matched = False
        for _pattern, exclusion, regex in self.patterns:
            if exclusion and not matched:
                continue
            match = bool(regex.match(path))
            if not match and parents:
                for depth in range(1, len(parents) + 1):
                    if regex.match('/'.join(parents[:depth])):
                        match = True
                        break
            if match:
                matched = not exclusion
        return matched


# -- the context ---------------------------------------------------------------------------

class Context:
    """What goes into the build: a sorted list of entries (relpath, kind, abspath) and the
    Dockerfile's name inside the tar (and its bytes when it lives outside the context)."""

    def __init__(self, path, entries, dockerfile_name, dockerfile_text, outside_dockerfile=None):
        self.path = path
        self.entries = entries
        self.dockerfile_name = dockerfile_name
        self.dockerfile_text = dockerfile_text
        self.outside_dockerfile = outside_dockerfile

    @property
    def paths(self):
        return [rel for rel, _kind, _abs in self.entries]


def _locate_dockerfile(context, dockerfile):
    """(name inside the context or None, absolute path) of the Dockerfile."""
    dockerfile = dockerfile or 'Dockerfile'
    if os.path.isabs(dockerfile):
        full = os.path.normpath(dockerfile)
    else:
        full = os.path.normpath(os.path.join(context, dockerfile))
    rel = os.path.relpath(full, context)
    if rel == '..' or rel.startswith('..' + os.sep):
        return None, full
    return rel.replace(os.sep, '/'), full


def scan(path, dockerfile=None):
    """List the build context at ``path`` honouring its .dockerignore. Raises ValueError
    with a clear message for a missing context or Dockerfile."""
    if not path:
        raise ValueError('build.path is required with source=build: the directory holding the build context')
    if not os.path.exists(path):
        raise ValueError('build.path %s does not exist; point it at the directory holding the Dockerfile and the '
                         'files it copies' % path)
    if not os.path.isdir(path):
        raise ValueError('build.path %s is not a directory; it must be the build context directory' % path)
    context = os.path.abspath(path)
    rel_dockerfile, dockerfile_path = _locate_dockerfile(context, dockerfile)
    if not os.path.isfile(dockerfile_path):
        raise ValueError('the Dockerfile %s does not exist; set build.dockerfile to its path (relative to build.path '
                         '%s, or absolute)' % (dockerfile_path, path))
    with open(dockerfile_path, 'rb') as handle:
        dockerfile_text = handle.read()
    patterns = []
    ignore_file = os.path.join(context, DOCKERIGNORE)
    if os.path.isfile(ignore_file):
        with open(ignore_file, encoding='utf-8', errors='replace') as handle:
            patterns = parse_dockerignore(handle.read())
    matcher = PatternMatcher(patterns)
    keep = {DOCKERIGNORE}
    if rel_dockerfile:
        keep.add(rel_dockerfile)

    entries = []
    for root, dirs, files in os.walk(context):
        dirs.sort()
        rel_root = os.path.relpath(root, context)
        rel_root = '' if rel_root == '.' else rel_root.replace(os.sep, '/')
        pruned = []
        for name in list(dirs):
            rel = posixpath.join(rel_root, name) if rel_root else name
            full = os.path.join(root, name)
            if os.path.islink(full):
                # a symlink to a directory: sent as a link, never followed
                pruned.append(name)
                if rel in keep or not matcher.excluded(rel):
                    entries.append((rel, 'symlink', full))
                continue
            if matcher.excluded(rel):
                if not matcher.has_exclusions:
                    pruned.append(name)
                continue
            entries.append((rel, 'dir', full))
        for name in pruned:
            dirs.remove(name)
        for name in sorted(files):
            rel = posixpath.join(rel_root, name) if rel_root else name
            full = os.path.join(root, name)
            if rel not in keep and matcher.excluded(rel):
                continue
            mode = os.lstat(full).st_mode
            if stat.S_ISLNK(mode):
                entries.append((rel, 'symlink', full))
            elif stat.S_ISREG(mode):
                entries.append((rel, 'file', full))
            # sockets, fifos and devices are left out, as the docker CLI does
    entries.sort(key=lambda e: e[0])
    outside = None
    name = rel_dockerfile
    if rel_dockerfile is None:
        name = OUTSIDE_DOCKERFILE_PREFIX + hashlib.sha256(dockerfile_text).hexdigest()[:12]
        outside = dockerfile_path
    return Context(context, entries, name, dockerfile_text, outside)


def file_sha256(path):
    """The sha256 (hex) of a file's content, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b''):
            digest.update(chunk)
    return digest.hexdigest()


def content_hash(context, options):
    """sha256 over the context (paths, kinds, permission bits, contents, link targets; not
    times or owners), the Dockerfile and ``options`` (the build options that shape the
    image: args, target, labels, platform, Dockerfile name). Returns ``sha256:<hex>``."""
    digest = hashlib.sha256()
    digest.update(b'berth-build-hash-v1\0')
    for rel, kind, full in context.entries:
        st = os.lstat(full)
        digest.update(('%s\0%s\0%o\0' % (kind, rel, stat.S_IMODE(st.st_mode))).encode('utf-8', 'surrogateescape'))
        if kind == 'file':
            digest.update(file_sha256(full).encode('ascii'))
        elif kind == 'symlink':
            digest.update(os.readlink(full).encode('utf-8', 'surrogateescape'))
        digest.update(b'\n')
    digest.update(b'dockerfile\0' + context.dockerfile_text + b'\0')
    digest.update(json.dumps(options, sort_keys=True, default=str).encode('utf-8'))
    return 'sha256:' + digest.hexdigest()


def _tarinfo(tar, full, rel):
    info = tar.gettarinfo(full, arcname=rel)
    info.uid = info.gid = 0
    info.uname = info.gname = ''
    return info


def write_tar(context, fileobj=None):
    """The context as an uncompressed tar in ``fileobj`` (a new temporary file by default),
    rewound, ready to stream to ``/build``."""
    out = fileobj if fileobj is not None else tempfile.TemporaryFile(prefix='berth-context-')
    with tarfile.open(fileobj=out, mode='w', format=tarfile.PAX_FORMAT) as tar:
        for rel, kind, full in context.entries:
            info = _tarinfo(tar, full, rel)
            if kind == 'file':
                with open(full, 'rb') as handle:
                    tar.addfile(info, handle)
            else:
                tar.addfile(info)
        if context.outside_dockerfile:
            info = tarfile.TarInfo(context.dockerfile_name)
            info.size = len(context.dockerfile_text)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(context.dockerfile_text))
    out.seek(0)
    return out


# -- the build output ----------------------------------------------------------------------

def output_lines(messages):
    """The text of a /build progress stream as lines (the ``stream`` fields, then errors)."""
    text = ''.join(m.get('stream', '') for m in messages if isinstance(m, dict) and isinstance(m.get('stream'), str))
    # the legacy builder colours the RUN steps' stderr red with ANSI escapes: drop them
    lines = ANSI_RE.sub('', text).splitlines()
    for m in messages:
        if isinstance(m, dict) and m.get('error'):
            lines.append('ERROR: %s' % m['error'])
    return lines


def bounded(lines, max_lines=MAX_OUTPUT_LINES, max_chars=MAX_OUTPUT_CHARS):
    """The tail of ``lines`` within the limits, with a first line saying what was left out."""
    kept = []
    size = 0
    for line in reversed(lines):
        if len(kept) >= max_lines or size + len(line) > max_chars:
            break
        kept.append(line)
        size += len(line) + 1
    kept.reverse()
    left_out = len(lines) - len(kept)
    if left_out:
        kept.insert(0, '... %d earlier lines left out' % left_out)
    return kept


def failed_step(messages):
    """(step line, output lines of that step) of a failed legacy-builder build."""
    lines = output_lines([m for m in messages if not (isinstance(m, dict) and m.get('error'))])
    step = None
    start = 0
    for index, line in enumerate(lines):
        if line.startswith('Step '):
            step = line.strip()
            start = index + 1
    output = [line for line in lines[start:]
              if not line.startswith(' ---> ') and not line.startswith('Removing intermediate container')]
    return step, output


def build_failure_message(name, error, messages):
    """What the task says when the build stream reports an error."""
    step, output = failed_step(messages)
    parts = ['building %s failed' % name]
    if step:
        parts[0] += ' at %s' % step
    parts[0] += ': %s' % error
    if output:
        shown = bounded(output, max_lines=40, max_chars=8000)
        parts.append('Output of that step:\n' + '\n'.join(shown))
    parts.append('The image that %s named before (if any) is left in place.' % name)
    hint = virtualisation_hint(error + '\n' + '\n'.join(output))
    if hint:
        parts.append(hint)
    return '\n'.join(parts)


def virtualisation_hint(text):
    """A hint about hardware virtualisation when ``text`` looks like the engine could not
    run the build container at all, else None."""
    lowered = (text or '').lower()
    if any(marker in lowered for marker in VIRTUALISATION_HINTS):
        return VIRTUALISATION_HINT
    return None


def built_image_id(messages):
    """The image ID the build reported (``aux.ID``, or the "Successfully built" line)."""
    for m in reversed(messages):
        if isinstance(m, dict) and isinstance(m.get('aux'), dict) and m['aux'].get('ID'):
            return m['aux']['ID']
    for line in reversed(output_lines(messages)):
        if line.startswith('Successfully built '):
            return line.split()[-1]
    return None
