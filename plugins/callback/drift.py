# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# The drift report of playbooks/drift.yml (docs/drift.md): every change the check run predicts, per host,
# as JSON, secrets masked. Silent and inert in every other run.

from __future__ import annotations

DOCUMENTATION = r'''
name: drift
type: aggregate
short_description: the drift report of berth.docker's playbooks/drift.yml (JSON, secrets masked)
version_added: 0.1.0
author:
  - berth.docker developers (@berth-docker)
description:
  - Writes the report of C(playbooks/drift.yml) (C(berth.docker.drift)). Per host, every task result that
    reports a change in the check run - what would change and why (the module's C(actions), its diff field by
    field, the changed lines of a file) - and every task that failed or host that was unreachable.
  - It acts only in a run of C(playbooks/drift.yml). That playbook's first play sets C(berth_drift_report_path)
    and C(berth_drift_run_id) with C(ansible.builtin.set_fact), which switches the plugin on. In any other
    run it writes nothing and prints nothing, so it can stay enabled in a configuration.
  - The report is rewritten (atomically, mode 0600) after every result, so a run that is interrupted still
    leaves what it had seen, with C(complete=false).
  - Secrets are masked as C(********). The whole result of a C(no_log) task is; so is every value whose key
    looks like a password, passphrase, secret, token, API key, private key or credential, in structured
    diffs and in the lines of text diffs (C(password=...), C("token" = "..."), C(stats auth user...),
    userlist C(password ...)), and the password of a URL.
  - The final play of C(playbooks/drift.yml) reads the report, prints its C(table) and fails when its
    C(status) is not C(in_sync). The format is described in the collection's C(docs/drift.md).
requirements:
  - enabled in configuration, for example C(ANSIBLE_CALLBACKS_ENABLED=berth.docker.drift) in the
    environment, or C(callbacks_enabled = berth.docker.drift) in the C([defaults]) section of ansible.cfg
notes:
  - The report path is the variable C(berth_drift_report) of C(playbooks/drift.yml) (default
    C(INVENTORY_DIR/.berth/drift-report.json)); the plugin has no options of its own.
'''

import datetime
import difflib
import json
import os
import re
import tempfile

from ansible import context
from ansible.plugins.callback import CallbackBase

FORMAT = 1
MASK = '********'
# a key that names a secret (password, passwd, passphrase, secret, token, api key, private key, credential)
SECRET_KEY = re.compile(r'(?i)(pass(word|wd|phrase)?$|password|passwd|passphrase|secret|token|api[_-]?key|'
                        r'private[_-]?key|credential|authorization)')
# in a line of text: KEY = VALUE, KEY: VALUE, "KEY": "VALUE", KEY VALUE (haproxy's userlist), user:pass@ in URLs
_SECRET_WORD = r'[\w.-]*(?:password|passwd|passphrase|secret|token|api[_-]?key|private[_-]?key|credential)[\w.-]*'
SECRET_ASSIGN = re.compile(r'''(?i)(["']?\b%s["']?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s,;}\]]+)''' % _SECRET_WORD)
SECRET_WORD_VALUE = re.compile(r'(?i)(\b(?:password|insecure-password|passwd|token|secret)\s+)(?![:=])(\S+)')
STATS_AUTH = re.compile(r'(?i)(\bstats\s+auth\s+[^:\s]+:)(\S+)')
URL_USERINFO = re.compile(r'(://[^/\s:@]+:)([^/\s@]+)(@)')
AUTH_HEADER = re.compile(r'(?i)(\b(?:basic|bearer)\s+)([A-Za-z0-9+/=._-]{8,})')
MAX_FIELDS = 50
MAX_TEXT = 20000
# haproxy-style directives whose second word names the thing (server web1, timeout connect, acl url_static)
NAMED = {'server', 'acl', 'timeout', 'option', 'user', 'group', 'stats', 'http-request', 'http-response', 'http-check',
         'tcp-request', 'use_backend', 'default-server', 'server-template', 'errorfile', 'nameserver'}
YAML_KEY = re.compile(r'''^(-\s+)?(["']?)([^"'\s:#][^:#]*?)\2:(\s|$)''')


def plain(value):
    """``value`` as plain JSON types (dict, list, str, int, float, bool, None)."""
    if isinstance(value, dict):
        return dict((str(k), plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, bytes):
        return value.decode('utf-8', 'replace')
    return str(value)


def mask_text(text):
    """A line or text with everything that looks like a secret replaced by ********."""
    if not isinstance(text, str) or not text:
        return text
    text = STATS_AUTH.sub(lambda m: m.group(1) + MASK, text)
    text = SECRET_WORD_VALUE.sub(lambda m: m.group(1) + MASK, text)
    text = SECRET_ASSIGN.sub(lambda m: m.group(1) + (('"%s"' % MASK) if m.group(2).startswith('"') else MASK), text)
    text = URL_USERINFO.sub(lambda m: m.group(1) + MASK + m.group(3), text)
    text = AUTH_HEADER.sub(lambda m: m.group(1) + MASK, text)
    return text


def mask(value, key=None):
    """A copy of ``value`` with secret-looking keys' values and secret-looking text masked."""
    if key is not None and SECRET_KEY.search(str(key)) and value not in (None, '', [], {}):
        if isinstance(value, dict):  # a mapping under a secret-named key: its keys may be plain, its values are not
            return dict((k, MASK) for k in value)
        return MASK
    if isinstance(value, dict):
        return dict((k, mask(v, k)) for k, v in value.items())
    if isinstance(value, list):
        return [mask(v) for v in value]
    if isinstance(value, str):
        return mask_text(value)
    return value


def clip(text, size=160):
    text = ' '.join(str(text).split())
    return text if len(text) <= size else text[:size - 3] + '...'


# --------------------------------------------------------------------------- field-by-field diffs

def line_key(line):
    """The name of what a line of a config file sets: a YAML key, or a directive's first word (and its
    second one for named directives and section headers)."""
    body = line.strip()
    match = YAML_KEY.match(body)
    if match:
        return match.group(3).strip()
    words = body.split()
    if not words:
        return ''
    if len(words) > 1 and (words[0] in NAMED or not line[:1].isspace()):
        return '%s %s' % (words[0], words[1])
    return words[0]


def _indent(line):
    return len(line) - len(line.lstrip(' \t'))


def line_path(lines, index):
    """Where line ``index`` sits: the keys of the lines it is nested under (by indentation), then its own."""
    line = lines[index]
    path = [line_key(line)]
    level = _indent(line)
    for back in range(index - 1, -1, -1):
        if level == 0:
            break
        other = lines[back]
        if not other.strip() or other.lstrip().startswith('#'):
            continue
        if _indent(other) < level:
            path.insert(0, line_key(other))
            level = _indent(other)
    return ' > '.join(p for p in path if p)


def text_fields(before, after):
    """Field by field changes between two texts: {field, before, after} per changed line (a line that
    only went away has no after, one that only came has no before)."""
    old, new = (before or '').splitlines(), (after or '').splitlines()
    fields = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == 'equal':
            continue
        gone = [(line_path(old, i), old[i].strip()) for i in range(i1, i2) if old[i].strip()]
        came = [(line_path(new, j), new[j].strip()) for j in range(j1, j2) if new[j].strip()]
        came_by_path = {}
        for path, text in came:
            came_by_path.setdefault(path, []).append(text)
        for path, text in gone:
            if came_by_path.get(path):
                fields.append({'field': path, 'before': mask_text(text), 'after': mask_text(came_by_path[path].pop(0))})
            else:
                fields.append({'field': path, 'before': mask_text(text), 'after': None})
        for path, texts in came_by_path.items():
            for text in texts:
                fields.append({'field': path, 'before': None, 'after': mask_text(text)})
    return fields


def unified(before, after, header):
    text = ''.join(difflib.unified_diff((before or '').splitlines(True), (after or '').splitlines(True),
                                        fromfile='%s (before)' % header, tofile='%s (after)' % header))
    text = '\n'.join(mask_text(line) for line in text.split('\n'))
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + '\n... (%d more characters)\n' % (len(text) - MAX_TEXT)


def flatten(value, prefix=''):
    """{dotted path: leaf value}; lists are leaves."""
    if isinstance(value, dict) and value:
        out = {}
        for key, item in value.items():
            out.update(flatten(item, '%s.%s' % (prefix, key) if prefix else str(key)))
        return out
    return {prefix: value}


def dict_fields(before, after):
    old, new = flatten(before or {}), flatten(after or {})
    fields = []
    for path in sorted(set(old) | set(new)):
        if old.get(path) != new.get(path):
            fields.append({'field': path, 'before': old.get(path), 'after': new.get(path)})
    return fields


def diff_fields(diff):
    """(fields, unified text or None) of one diff dict as modules return it."""
    before, after = diff.get('before'), diff.get('after')
    header = diff.get('before_header') or diff.get('after_header') or ''
    header = re.sub(r'\s*\((before|after)\)$', '', str(header))
    if isinstance(before, str) or isinstance(after, str):
        before = before if isinstance(before, str) else ''
        after = after if isinstance(after, str) else ''
        fields = text_fields(before, after)
        for field in fields:
            field['file'] = header or None
        return fields, unified(before, after, header or 'content')
    if isinstance(before, dict) or isinstance(after, dict):
        return [mask(f) if not SECRET_KEY.search(f['field']) else dict(f, before=MASK, after=MASK)
                for f in dict_fields(before, after)], None
    if before != after:
        return [{'field': header or 'value', 'before': mask(before), 'after': mask(after)}], None
    return [], None


# --------------------------------------------------------------------------- one result -> changes

def compose_changes(data):
    """berth.docker.compose: one change per planned action (what, action, name, why), and for a recreated
    service the config hash its containers carry and the one declared now."""
    diff = data.get('diff') if isinstance(data.get('diff'), dict) else {}
    hashes_before, hashes_after = diff.get('before') or {}, diff.get('after') or {}
    changes = []
    for action in data.get('actions') or []:
        if not isinstance(action, dict):
            changes.append({'what': mask_text(str(action)), 'action': None, 'why': None})
            continue
        name = action.get('new_name') or action.get('name') or action.get('image')
        change = {'what': '%s %s' % (action.get('what'), name), 'action': action.get('action'), 'why': action.get('reason')}
        if action.get('service'):
            change['service'] = action['service']
        service = action.get('service')
        if action.get('action') == 'recreate' and service in hashes_after:
            change['fields'] = [{'field': 'config_hash', 'before': (hashes_before.get(service) or {}).get('config_hash'),
                                 'after': hashes_after[service].get('config_hash')}]
        changes.append(mask(change))
    return changes


def result_changes(data, module):
    """(changes, unified diff text) of one changed result."""
    if module.endswith('.compose') and isinstance(data.get('actions'), list) and data['actions'] \
            and isinstance(data['actions'][0], dict):
        return compose_changes(data), None
    diffs = data.get('diff')
    diffs = [diffs] if isinstance(diffs, dict) else [d for d in (diffs or []) if isinstance(d, dict)]
    changes, texts = [], []
    for diff in diffs:
        fields, text = diff_fields(diff)
        if text:
            texts.append(text)
        header = re.sub(r'\s*\((before|after)\)$', '', str(diff.get('before_header') or diff.get('after_header') or ''))
        what = ('file %s' % header) if header else (data.get('dest') or data.get('path') or module)
        if fields:
            changes.append({'what': mask_text(str(what)), 'action': 'update', 'why': 'differs from the declared state',
                            'fields': fields[:MAX_FIELDS]})
            if len(fields) > MAX_FIELDS:
                changes[-1]['fields_left_out'] = len(fields) - MAX_FIELDS
    actions = data.get('actions') if isinstance(data.get('actions'), list) else []
    listed = data.get('changes') if isinstance(data.get('changes'), list) else []
    for entry in actions + listed:
        if isinstance(entry, dict):
            entry = dict(mask(entry))
            changes.append({'what': clip(entry.pop('what', None) or entry.pop('name', None) or module),
                            'action': entry.pop('action', None), 'why': entry.pop('reason', None), 'detail': entry})
        else:
            changes.append({'what': module, 'action': mask_text(str(entry)), 'why': None})
    for flag, why in (('started', 'it is not running'), ('reloaded', 'its configuration changes')):
        if data.get(flag) is True:
            changes.append({'what': data.get('service_mgr') and '%s (%s)' % (module, data['service_mgr']) or module,
                            'action': 'start' if flag == 'started' else 'reload', 'why': why})
    if not changes:
        detail = data.get('msg') or 'the module reports a change and no diff (run with --diff for details)'
        changes.append({'what': mask_text(str(data.get('dest') or data.get('path') or data.get('name') or module)),
                        'action': 'change', 'why': clip(mask_text(str(detail)), 400)})
    return changes, '\n'.join(texts) or None


def short_change(before, after, size=60):
    """The part of a line that changes, both ways: only the words that differ (a server's ``weight 50`` ->
    ``(none)``, an environment's ``"WEB_VERSION": "2"`` -> ``"WEB_VERSION": "1"``)."""
    old, new = re.split(r'(\s+)', str(before)), re.split(r'(\s+)', str(after))
    gone, came = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op != 'equal':
            # a value changes: show its key too (the word before it, when that ends with ':' or '=')
            if i1 >= 2 and j1 >= 2 and old[i1 - 2] == new[j1 - 2] and old[i1 - 2].endswith((':', '=')):
                i1, j1 = i1 - 2, j1 - 2
            gone.append(''.join(old[i1:i2]).strip())
            came.append(''.join(new[j1:j2]).strip())
    gone = ' ... '.join(g for g in gone if g) or '(none)'
    came = ' ... '.join(c for c in came if c) or '(none)'
    return '%s -> %s' % (clip(gone, size), clip(came, size))


def summarize(change):
    """One table cell for a change: action, what, the first field (only the words that change) or why."""
    parts = ['%s %s' % (change.get('action') or 'change', change.get('what'))]
    fields = change.get('fields') or []
    if fields:
        first = fields[0]
        if first.get('before') is not None and first.get('after') is not None:
            parts.append('%s: %s' % (first['field'], short_change(first['before'], first['after'])))
        else:
            parts.append('%s: %s' % (first['field'], 'added' if first.get('before') is None else 'removed'))
        if len(fields) > 1:
            parts.append('(+%d more)' % (len(fields) - 1))
    elif change.get('why'):
        parts.append('(%s)' % change['why'])
    return clip(' '.join(parts), 240)


def table_text(rows, status):
    if status == 'refused':
        return 'Refused: nothing was compared (playbooks/drift.yml runs with --check --diff only).'
    if not rows:
        return 'No drift: nothing would change.'
    head = ('HOST', 'TASK', 'WHAT')
    widths = [min(max(len(r[i]) for r in rows + [head]), cap) for i, cap in ((0, 30), (1, 60))]
    lines = []
    for row in [head] + rows:
        lines.append('%s | %s | %s' % (clip(row[0], 30).ljust(widths[0]), clip(row[1], 60).ljust(widths[1]), row[2]))
    return '\n'.join(lines)


def _utcnow():
    return datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'berth.docker.drift'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self.path = None       # set by playbooks/drift.yml's first play: the plugin acts only then
        self.report = None
        self.play = None
        self.play_role = None  # __berth_drift_play of drift.yml's own plays (guard, report): not recorded

    # -- helpers --------------------------------------------------------------------------

    @staticmethod
    def _parts(result):
        data = getattr(result, 'result', None)
        if not isinstance(data, dict):
            data = result._result
        task = getattr(result, 'task', None) or result._task
        host = getattr(result, 'host', None) or result._host
        return data, task, host

    def _host(self, name):
        return self.report['hosts'].setdefault(name, {'changes': [], 'errors': []})

    def _write(self):
        report = self.report
        changes = sum(len(h['changes']) for h in report['hosts'].values())
        errors = sum(len(h['errors']) for h in report['hosts'].values())
        if not (report['check_mode'] and report['diff_mode']):
            status = 'refused'  # drift.yml's first play stopped the run: it needs --check --diff
        elif errors:
            status = 'error'
        elif changes:
            status = 'drift'
        else:
            status = 'in_sync'
        rows = []
        for host in sorted(report['hosts']):
            for entry in report['hosts'][host]['changes']:
                for change in entry['changes']:
                    rows.append((host, entry['task'], summarize(change)))
            for error in report['hosts'][host]['errors']:
                rows.append((host, error['task'] or '-', clip('ERROR %s' % error['msg'], 200)))
        report.update(status=status, updated=_utcnow(), table=table_text(rows, status),
                      summary={'hosts': len(report['hosts']),
                               'hosts_with_drift': sum(1 for h in report['hosts'].values() if h['changes']),
                               'changes': changes, 'errors': errors})
        directory = os.path.dirname(self.path) or '.'
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix='.drift-', suffix='.json', dir=directory)
        try:
            with os.fdopen(fd, 'w') as handle:
                json.dump(report, handle, indent=2, sort_keys=False)
                handle.write('\n')
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def _start(self, facts):
        self.path = os.path.abspath(os.path.expanduser(str(facts['berth_drift_report_path'])))
        args = context.CLIARGS
        self.report = {
            'format': FORMAT,
            'run_id': str(facts.get('berth_drift_run_id')),
            'started': _utcnow(),
            'updated': None,
            'complete': False,
            'check_mode': bool(args.get('check')),
            'diff_mode': bool(args.get('diff')),
            'limit': args.get('subset') or None,
            'status': None,
            'summary': {},
            'hosts': {},
            'table': '',
        }
        self._write()

    def _recordable(self):
        return self.report is not None and self.play_role is None

    # -- events ---------------------------------------------------------------------------

    def v2_playbook_on_play_start(self, play):
        self.play = play.get_name()
        play_vars = getattr(play, 'vars', None) or {}
        self.play_role = play_vars.get('__berth_drift_play') if isinstance(play_vars, dict) else None

    def v2_runner_on_ok(self, result, **kwargs):
        data, task, host = self._parts(result)
        if self.report is None:
            facts = data.get('ansible_facts') or {}
            if 'berth_drift_report_path' in facts and 'berth_drift_run_id' in facts:
                self._start(facts)
            return
        if not self._recordable():
            self._host(host.get_name())
            return
        entry_host = self._host(host.get_name())
        if data.get('changed'):
            entry_host['changes'].extend(self._entries(data, task))
            self._write()

    def _entries(self, data, task):
        module = str(getattr(task, 'resolved_action', None) or task.action)
        base = {'task': task.get_name(), 'play': self.play, 'module': module}
        items = data.get('results') if isinstance(data.get('results'), list) else None
        if items is None:
            items = [data]
        entries = []
        for item in items:
            if not isinstance(item, dict) or not item.get('changed'):
                continue
            entry = dict(base)
            label = item.get('_ansible_item_label', item.get('item')) if item is not data else None
            if label is not None:
                entry['item'] = MASK if item.get('censored') or data.get('censored') else mask(plain(label))
            if item.get('censored') or data.get('censored') or item.get('_ansible_no_log'):
                entry.update(masked=True, changes=[{'what': MASK, 'action': 'change', 'why': 'no_log: the result is hidden'}])
            else:
                changes, text = result_changes(plain(item), module)
                entry['changes'] = changes
                if text:
                    entry['diff'] = text
            entries.append(entry)
        return entries

    def _error(self, result, unreachable=False):
        if self.report is None:
            return
        data, task, host = self._parts(result)
        entry = self._host(host.get_name())
        if self.play_role is not None and not unreachable:
            return  # drift.yml's own guard and final failures are its exit status, not errors of the check
        if data.get('censored'):
            msg = MASK
        else:
            msg = data.get('msg') or data.get('reason') or data.get('stderr') or 'failed'
            msg = clip(mask_text(str(plain(msg))), 1000)
        entry['errors'].append({'task': task.get_name() if task else None, 'play': self.play,
                                'unreachable': unreachable, 'msg': msg})
        self._write()

    def v2_runner_on_failed(self, result, ignore_errors=False, **kwargs):
        if not ignore_errors:
            self._error(result)

    def v2_runner_on_unreachable(self, result, **kwargs):
        self._error(result, unreachable=True)

    def v2_runner_on_skipped(self, result, **kwargs):
        if self._recordable():
            self._host(self._parts(result)[2].get_name())

    def v2_playbook_on_stats(self, stats):
        if self.report is None:
            return
        for name in sorted(getattr(stats, 'processed', {}) or {}):
            self._host(name)
        self.report['complete'] = True
        self._write()
