# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HAProxy's configuration language, as far as berth.docker writes it: the one quoting and
validation layer every string of the model passes through on its way into haproxy.cfg, the
tokenizer that reads a line back the way HAProxy does, and the masking of passwords in text
shown to the user. Pure functions; the model and its rendering are in haproxy_config."""

import hashlib
import ipaddress
import re

from ansible_collections.berth.docker.plugins.module_utils.errors import BerthError

NAME_RE = re.compile(r'^[A-Za-z0-9_.:-]+$')
MASK = '********'


class HAProxyConfigError(BerthError):
    """Bad input in the model: the message says what is wrong and what to do."""


# --------------------------------------------------------------------------- the quoting layer
#
# Every string of the model reaches haproxy.cfg through one of the functions below, each named
# for what the field is (HAProxy's configuration language, "2.2. Quoting and escaping"):
#
# - word():   one argument, written so HAProxy reads back exactly that value: bare when it has
#             only safe characters, else in strong (single) quotes, in which HAProxy interprets
#             nothing ('$', '#', '\\', '"' and spaces are literal); a single quote is written
#             '\'' (close, an escaped quote, reopen: HAProxy joins the pieces into one word);
# - name():   a proxy, server, ACL, resolvers or nameserver name (HAProxy's name grammar);
# - host():   an IP address or a host name (server and nameserver addresses, template FQDNs);
# - raw():    a fragment that *is* HAProxy syntax (ACL conditions, options, http-request rules,
#             `extra` lines...): kept as written, but it must tokenize cleanly on its own line:
#             no unterminated quote, no trailing backslash, no unescaped '#' (a comment would
#             silently drop the rest), and an `extra` line cannot open a section or a
#             conditional block.
#
# Control characters (CR, LF, NUL, TAB, ...) are refused everywhere: validate() walks the whole
# model before any of this runs, so no field, present or future, can end a line early.

SAFE_WORD_RE = re.compile(r'^[A-Za-z0-9_.:/@%+,=\[\]-]+$')
CONTROL_RE = re.compile(r'[\x00-\x1f\x7f]')
HOSTNAME_RE = re.compile(r'^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?'
                         r'(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$')
HTTP_TOKEN_RE = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
SECTION_KEYWORDS = ('global', 'defaults', 'frontend', 'backend', 'listen', 'resolvers', 'userlist', 'peers',
                    'mailers', 'program', 'http-errors', 'ring', 'cache', 'fcgi-app', 'dynamic-update',
                    'crt-store', 'traces', 'log-forward')
_CONTROL_NAMES = {'\r': 'a carriage return (CR)', '\n': 'a line feed (LF)', '\x00': 'a NUL byte', '\t': 'a TAB'}


def _control_name(char):
    return _CONTROL_NAMES.get(char, 'the control character %r' % char)


def check_text(where, value, secret=False):
    """Refuse control characters (named, never echoing a secret)."""
    text = str(value)
    found = CONTROL_RE.search(text)
    if found:
        raise HAProxyConfigError(
            '%s contains %s%s: haproxy.cfg holds one setting per line, so it would end the line and the rest '
            'would be read as new configuration. Remove it; nothing was written' % (
                where, _control_name(found.group(0)), '' if secret else ' (value %r)' % text))
    return text


def quote(text):
    """``text`` as one HAProxy word that reads back exactly as ``text`` (no control characters)."""
    if SAFE_WORD_RE.match(text):
        return text
    return "'" + text.replace("'", "'\\''") + "'"


def word(where, value):
    text = check_text(where, value)
    if text == '':
        raise HAProxyConfigError('%s is empty: give it a value or leave the option out' % where)
    return quote(text)


def name(where, value):
    text = '' if value is None else str(value)
    if not text or not NAME_RE.match(text):
        raise HAProxyConfigError('%s %r is not a valid name: use letters, digits, "_", ".", ":" and "-" only' % (where, value))
    return text


def host(where, value):
    """An IP address (IPv6 optionally in brackets) or a host name."""
    text = check_text(where, '' if value is None else value)
    inner = text[1:-1] if text.startswith('[') and text.endswith(']') else text
    try:
        ip = ipaddress.ip_address(inner)
    except ValueError:
        ip = None
    if ip is not None:
        if inner != text and ip.version != 6:
            raise HAProxyConfigError('%s %r: only an IPv6 address goes in brackets' % (where, text))
        return text
    if inner == text and HOSTNAME_RE.match(text) and not text.replace('.', '').isdigit():
        return text
    raise HAProxyConfigError('%s %r is not an IP address or a host name (letters, digits, "-", "_" and dots); '
                             'give the port in the port option' % (where, text))


def tokenize(line):
    """(words, comment) of one haproxy.cfg line, as HAProxy 2.6 splits it (configuration.txt 2.2):
    backslash escapes outside strong quotes, weak ("...") and strong ('...') quotes that may be
    joined to their neighbours, '#' outside quotes starting a comment. ValueError for an
    unterminated quote or a trailing backslash. ``$`` expansion inside weak quotes is not done."""
    words, current, in_word, quote_char = [], [], False, None
    i = 0
    while i < len(line):
        char = line[i]
        if quote_char == "'":
            if char == "'":
                quote_char = None
            else:
                current.append(char)
            i += 1
            continue
        if char == '\\':
            if i + 1 >= len(line):
                raise ValueError('it ends with a lone backslash')
            nxt = line[i + 1]
            if nxt in ' \\#\'"':
                current.append(nxt)
                i += 2
            else:
                current.append(char)  # other pairs (\1, \r, \x..) are HAProxy's own business
                i += 1
            in_word = True
            continue
        if quote_char == '"':
            if char == '"':
                quote_char = None
            else:
                current.append(char)
            i += 1
            continue
        if char in ' \t':
            if in_word:
                words.append(''.join(current))
                current, in_word = [], False
            i += 1
            continue
        if char == '#':
            if in_word:
                words.append(''.join(current))
            return words, line[i:]
        if char in '\'"':
            quote_char = char
            in_word = True
            i += 1
            continue
        current.append(char)
        in_word = True
        i += 1
    if quote_char:
        raise ValueError('a %s quote is not closed' % ('single' if quote_char == "'" else 'double'))
    if in_word:
        words.append(''.join(current))
    return words, None


def raw(where, value, line=False):
    """A fragment of HAProxy syntax, kept as written once it is safe on one line. ``line``: it is a
    whole line (an ``extra`` entry), which must not open a section or a conditional block."""
    text = check_text(where, value).strip()
    if not text:
        raise HAProxyConfigError('%s is empty: give it a value or leave the entry out' % where)
    try:
        words, comment = tokenize(text)
    except ValueError as exc:
        raise HAProxyConfigError('%s %r cannot be read by HAProxy: %s' % (where, text, exc))
    if comment is not None:
        raise HAProxyConfigError('%s %r contains "#" outside quotes: HAProxy would read the rest of the line as a comment and '
                                 'drop it silently. Write \\# or put the word in quotes' % (where, text))
    if line and words:
        first = words[0].lower()
        if first in SECTION_KEYWORDS:
            raise HAProxyConfigError('%s %r would open a new "%s" section: an extra line stays inside its section; use the '
                                     'module options (frontends, backends, listens, resolvers) for new sections'
                                     % (where, text, first))
        if first.startswith('.'):
            raise HAProxyConfigError('%s %r is a %s directive, which would change how the lines after it are read: '
                                     'it is not allowed in an extra line' % (where, text, words[0]))
    return text


def password_text(where, value):
    text = '' if value is None else str(value)
    check_text(where, text, secret=True)
    if not text:
        raise HAProxyConfigError('%s is empty: give a non-empty password' % where)
    return text


def stats_user(where, value):
    text = check_text(where, '' if value is None else value)
    if not text or ':' in text:
        raise HAProxyConfigError('%s %r is not a valid user name: it must be non-empty and without ":" (HTTP basic '
                                 'authentication splits user and password at the first ":")' % (where, text))
    return quote(text)


def check_model_text(value, where=''):
    """Refuse control characters anywhere in the model (keys too), naming the option."""
    if isinstance(value, dict):
        for key, item in value.items():
            check_text('%s key' % where if where else 'an option key', key)
            check_model_text(item, '%s.%s' % (where, key) if where else str(key))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            label = item.get('name') if isinstance(item, dict) else None
            label = label if isinstance(label, str) and NAME_RE.match(label) else str(index)
            check_model_text(item, '%s[%s]' % (where, label))
    elif isinstance(value, str):
        check_text(where, value, secret='password' in where)


def mask(text):
    """``text`` (haproxy.cfg) with every password masked: ``stats auth USER:****``, userlist
    ``user NAME password|insecure-password ****`` (a hash shows as a short digest of the hash,
    so a rotation is visible; a clear-text password as **** only)."""
    if not text:
        return text
    out = []
    for line in text.splitlines(True):
        body = line.rstrip('\r\n')
        end = line[len(body):]
        # a commented-out line ("# stats auth ...", "# user ...") is masked as well
        match = re.match(r'^(\s*(?:#\s*)?stats\s+auth\s+)(.*)$', body)
        if match:
            user = match.group(2).split(':', 1)[0]
            body = '%s%s:%s' % (match.group(1), user, MASK)
        match = re.match(r'^(\s*(?:#\s*)?user\s+.*?\s(password|insecure-password)\s+)(\S.*)$', body)
        if match:
            secret = match.group(3)
            if match.group(2) == 'password':
                body = '%s%s (sha256 %s)' % (match.group(1), MASK, hashlib.sha256(secret.encode('utf-8')).hexdigest()[:8])
            else:
                body = match.group(1) + MASK
        out.append(body + end)
    return ''.join(out)
