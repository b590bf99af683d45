# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading a compose project's sources: the compose files (YAML), ``.env`` and env files, and
``${VAR}`` interpolation, as compose-go's loader does before anything is merged or normalised.

PyYAML is imported only when a file is read: an inline ``definition`` needs no PyYAML.
Every error is a ComposeError whose message says what is wrong and where; a value of an env
file is never shown in one (it may be a secret).
"""

import os
import re

from ansible_collections.berth.docker.plugins.module_utils.errors import ComposeError

COMPOSE_FILE_NAMES = ('compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml')
OVERRIDE_FILE_NAMES = ('compose.override.yaml', 'compose.override.yml',
                       'docker-compose.override.yml', 'docker-compose.override.yaml')


# --------------------------------------------------------------------------- files and paths

def _yaml():
    """PyYAML, imported here and only here: an inline definition must load without it (it is not
    in the standard library), so the module does not ship or need it until a file is read."""
    try:
        import yaml  # pylint: disable=import-outside-toplevel
    except ImportError:
        raise ComposeError(
            'reading compose files needs the Python package PyYAML on the managed host: install '
            'python3-yaml (apt/dnf) or run pip install pyyaml; or pass the project inline with the '
            'definition option, which needs no PyYAML')
    return yaml


class Reset:
    """A value tagged ``!reset``: the key is removed from the merged model (merge.py)."""

    def __repr__(self):
        return '!reset'


class Override:
    """A value tagged ``!override``: it replaces what earlier files set instead of being merged
    with it (merge.py)."""

    def __init__(self, value):
        self.value = value

    def __repr__(self):
        return '!override %r' % (self.value,)


BOOL_TAG = 'tag:yaml.org,2002:bool'
YAML12_BOOL = re.compile(r'^(?:true|True|TRUE|false|False|FALSE)$')


def _tag_constructors(yaml, base):
    """A safe loader that reads compose's ``!reset`` and ``!override`` tags into Reset / Override."""

    def construct(loader, node):
        if isinstance(node, yaml.ScalarNode):
            tag = loader.resolve(yaml.ScalarNode, node.value, (not node.style, bool(node.style)))  # quoted: a string
            return loader.yaml_constructors[tag](loader, yaml.ScalarNode(tag, node.value))
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node, deep=True)
        return loader.construct_mapping(node, deep=True)

    class ComposeLoader(base):  # pylint: disable=too-many-ancestors
        pass

    # YAML 1.2, as compose-go reads compose files: only true/false are booleans; yes, no, on and
    # off stay strings (FLAG: yes in an environment is "yes"; boolean keys cast such strings,
    # values.to_bool)
    ComposeLoader.yaml_implicit_resolvers = dict(
        (first, [(tag, regexp) for tag, regexp in resolvers if tag != BOOL_TAG])
        for first, resolvers in base.yaml_implicit_resolvers.items())
    ComposeLoader.add_implicit_resolver(BOOL_TAG, YAML12_BOOL, list('tTfF'))
    ComposeLoader.add_constructor('!reset', lambda loader, node: Reset())
    ComposeLoader.add_constructor('!override', lambda loader, node: Override(construct(loader, node)))
    return ComposeLoader


def strip_tags(data):
    """``data`` without its merge tags: keys whose value is ``!reset`` removed, ``!override``
    values unwrapped (what remains once nothing is left to merge)."""
    if isinstance(data, Override):
        return strip_tags(data.value)
    if isinstance(data, dict):
        return dict((k, strip_tags(v)) for k, v in data.items() if not isinstance(v, Reset))
    if isinstance(data, list):
        return [strip_tags(v) for v in data if not isinstance(v, Reset)]
    return data


def parse_yaml(text, source='<definition>'):
    """Parse one compose document; a syntax error names the file, line and column. The
    ``!reset`` and ``!override`` tags become Reset and Override values (merged by merge.py)."""
    yaml = _yaml()
    loader = _tag_constructors(yaml, getattr(yaml, 'CSafeLoader', None) or yaml.SafeLoader)
    try:
        data = yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = ''
        if mark is not None:
            where = ', line %d, column %d' % (mark.line + 1, mark.column + 1)
        raise ComposeError('invalid YAML in %s%s: %s%s' % (
            source, where, exc.problem or exc.context or 'syntax error',
            (' (%s)' % exc.context) if exc.context and exc.problem else ''))
    except yaml.YAMLError as exc:
        raise ComposeError('invalid YAML in %s: %s' % (source, exc))
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ComposeError('%s must be a mapping with a services key, not a %s' % (source, type(data).__name__))
    return data


def read_file(path, what='compose file'):
    """The UTF-8 text of a compose or env file; an error names the file."""
    try:
        with open(path, 'rb') as handle:
            raw = handle.read()
    except OSError as exc:
        raise ComposeError('cannot read %s %s: %s' % (what, path, exc.strerror or exc))
    try:
        return raw.decode('utf-8')
    except UnicodeDecodeError:
        raise ComposeError('%s %s is not UTF-8 text' % (what, path))


def find_compose_files(project_dir):
    """The compose file in a directory (and its override file, as compose reads it)."""
    if not os.path.isdir(project_dir):
        raise ComposeError('project_src %s is not a directory on the managed host' % project_dir)
    for name in COMPOSE_FILE_NAMES:
        path = os.path.join(project_dir, name)
        if os.path.isfile(path):
            files = [path]
            for override in OVERRIDE_FILE_NAMES:
                opath = os.path.join(project_dir, override)
                if os.path.isfile(opath):
                    files.append(opath)
                    break
            return files
    raise ComposeError('no compose file in %s: expected one of %s (or pass files or definition)' % (
        project_dir, ', '.join(COMPOSE_FILE_NAMES)))


def abs_host_path(path, project_dir):
    """A host path of the project (``./x``, ``../x``, ``~/x``, ``/x``) made absolute against the
    project directory; a definition without project_src has none, so a relative path fails."""
    if path.startswith('~'):
        path = os.path.expanduser(path)
    if not os.path.isabs(path) and project_dir is None:
        raise ComposeError('the relative path %s in definition needs a project directory to be resolved against; '
                           'set project_src (or write an absolute path)' % path)
    if not os.path.isabs(path):
        path = os.path.normpath(os.path.join(project_dir, path))
    return path


# --------------------------------------------------------------------------- env files

_ENV_KEY = re.compile(r'^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.\-]*)\s*(=[ \t]*)?')
# escapes in a double-quoted value, each processed once (\\n stays a backslash and an n)
_DOUBLE_QUOTED_ESCAPES = {'n': '\n', 'r': '\r', 't': '\t', '\\': '\\', '"': '"'}


class EnvValues(dict):
    """The values of an env file (KEY -> value or None), and where each came from:
    ``origin[KEY]`` is ``'PATH line N'``, for error messages that never show a value.
    ``literal`` holds the keys whose value was single-quoted: used as written, never interpolated."""

    def __init__(self, *args, **kwargs):
        dict.__init__(self, *args, **kwargs)
        self.origin = {}
        self.literal = set()


def _closing_quote(text, quote):
    """Index of the quote that closes a value opened by ``quote`` (``text`` starts after it), a
    backslash escaping the next character; -1 when it is not closed in ``text``."""
    index = 0
    while index < len(text):
        if text[index] == '\\':
            index += 2
            continue
        if text[index] == quote:
            return index
        index += 1
    return -1


def _unescape(body, quote):
    """A quoted value's text: in single quotes only \\' is an escape; in double quotes \\n \\r \\t
    \\\\ and \\" are processed, once, and any other backslash is kept."""
    if quote == "'":
        return body.replace("\\'", "'")
    return re.sub(r'\\(.)', lambda m: _DOUBLE_QUOTED_ESCAPES.get(m.group(1), m.group(0)), body, flags=re.S)


def parse_env_file_text(text, source='env file'):
    """An env file, by the compose specification's rules -> EnvValues.

    ``KEY=VALUE`` lines (``export`` allowed), blank lines and ``#`` comment lines. A bare KEY (no
    ``=``) maps to None: the value comes from the environment, if any. Unquoted values end at an
    inline comment (`` #``, a space or tab before the ``#``) and lose trailing blanks. A quoted
    value ends at its closing quote (it may span lines); only a comment may follow it. Single-
    quoted values are literal (in ``literal``: no interpolation); in double-quoted ones the
    escapes are processed once. A line that does not parse is reported by file and line number
    only: its content may be a secret."""
    result = EnvValues()
    lines = text.splitlines()
    lineno = 0
    while lineno < len(lines):
        line = lines[lineno]
        lineno += 1
        first = lineno
        stripped = line.strip()
        if not stripped or stripped.startswith('#'):
            continue
        match = _ENV_KEY.match(line)
        rest = line[match.end():] if match else line
        if not match or (match.group(2) is None and rest.strip()):
            raise ComposeError('%s line %d is not KEY=VALUE (a name of letters, digits, _ . and -, then =, then the '
                               'value; comments start with #); the line is not shown here, it may hold a secret'
                               % (source, first))
        key = match.group(1)
        result.origin[key] = '%s line %d' % (source, first)
        result.literal.discard(key)
        if match.group(2) is None:
            result[key] = None
            continue
        if rest[:1] in ('"', "'"):
            quote, body = rest[0], rest[1:]
            end = _closing_quote(body, quote)
            while end < 0 and lineno < len(lines):  # a quoted value may span lines
                body += '\n' + lines[lineno]
                lineno += 1
                end = _closing_quote(body, quote)
            after = body[end + 1:].strip() if end >= 0 else ''
            if end < 0 or (after and not after.startswith('#')):
                raise ComposeError('%s line %d: the quoted value of %s %s; the value is not shown here, it may hold a '
                                   'secret' % (source, first, key, 'is never closed' if end < 0 else
                                               'is followed by more than a comment after its closing quote'))
            result[key] = _unescape(body[:end], quote)
            if quote == "'":
                result.literal.add(key)
            continue
        comment = re.search(r'[ \t]#', match.group(2)[1:] + rest)  # the blanks after = count
        value = (match.group(2)[1:] + rest)[:comment.start()] if comment else rest
        result[key] = value.strip()
    return result


def read_env_file(path, required=True):
    """The EnvValues of an env file; a missing one is empty unless ``required``."""
    if not os.path.exists(path):
        if required:
            raise ComposeError('env file %s does not exist' % path)
        return EnvValues()
    return parse_env_file_text(read_file(path, 'env file'), 'env file %s' % path)


# --------------------------------------------------------------------------- interpolation

_VAR_NAME = re.compile(r'[A-Za-z_][A-Za-z0-9_]*')


class _Interpolator:
    """``$VAR``, ``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``, ``${VAR:+alt}``, ``${VAR+alt}``,
    ``${VAR:?error}``, ``${VAR?error}`` (nested) and ``$$`` in one string, as compose expands them."""

    def __init__(self, env, where, conceal=False):
        self.env = env
        self.where = where
        self.conceal = conceal  # a value of an env file: errors name it, never show it

    def _shown(self, text):
        return 'the value (not shown: it may hold a secret)' if self.conceal else repr(text)

    def _find_close(self, text, start):
        depth = 1
        i = start
        while i < len(text):
            if text[i] == '$' and text[i + 1:i + 2] == '{':
                depth += 1
                i += 2
                continue
            if text[i] == '}':
                depth -= 1
                if depth == 0:
                    return i
            i += 1
        raise ComposeError('%s: unclosed ${ in %s' % (self.where, self._shown(text)))

    def expand(self, text):
        out = []
        i = 0
        n = len(text)
        while i < n:
            ch = text[i]
            if ch != '$':
                out.append(ch)
                i += 1
                continue
            nxt = text[i + 1:i + 2]
            if nxt == '$':
                out.append('$')
                i += 2
                continue
            if nxt == '{':
                end = self._find_close(text, i + 2)
                out.append(self._braced(text[i + 2:end], text))
                i = end + 1
                continue
            match = _VAR_NAME.match(text, i + 1)
            if match:
                out.append(self.env.get(match.group(0)) or '')
                i = match.end()
                continue
            raise ComposeError('%s: invalid interpolation format in %s: a lone $ must be written $$' % (
                self.where, self._shown(text)))
        return ''.join(out)

    def _braced(self, body, whole):
        match = _VAR_NAME.match(body)
        if not match:
            raise ComposeError('%s: invalid interpolation format in %s%s' % (
                self.where, self._shown(whole), '' if self.conceal else ': ${%s}' % body))
        name = match.group(0)
        rest = body[match.end():]
        value = self.env.get(name)
        if not rest:
            return value or ''
        for op in (':-', ':?', ':+', '-', '?', '+'):
            if rest.startswith(op):
                arg = rest[len(op):]
                break
        else:
            raise ComposeError('%s: invalid interpolation format in %s%s' % (
                self.where, self._shown(whole), '' if self.conceal else ': ${%s}' % body))
        unset_or_empty = value is None or value == ''
        missing = unset_or_empty if op[0] == ':' else value is None
        kind = op[-1]
        if kind == '-':
            return self.expand(arg) if missing else value
        if kind == '+':
            return '' if missing else self.expand(arg)
        # '?': required
        if missing:
            message = self.expand(arg) if arg and not self.conceal else (
                'variable %s is %s' % (name, 'unset or empty' if op[0] == ':' else 'unset'))
            raise ComposeError('%s: required variable %s is missing a value: %s' % (self.where, name, message))
        return value


def interpolate(data, env, where='compose file', path=''):
    """Interpolate every string value (not keys) of a parsed compose document."""
    if isinstance(data, Override):
        return Override(interpolate(data.value, env, where, path))
    if isinstance(data, dict):
        return dict((k, interpolate(v, env, where, '%s.%s' % (path, k) if path else str(k))) for k, v in data.items())
    if isinstance(data, list):
        return [interpolate(v, env, where, '%s[%d]' % (path, i)) for i, v in enumerate(data)]
    if isinstance(data, str):
        return _Interpolator(env, '%s, %s' % (where, path) if path else where).expand(data)
    return data


def interpolate_env_value(value, env, origin):
    """Interpolate one value of an env file; an error names ``origin`` (file, line, variable), never the value."""
    return _Interpolator(env, origin, conceal=True).expand(value)
