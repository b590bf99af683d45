"""The layout docs/architecture.md promises, checked on the source (tools/shipped-utils.py measures
what each module ships the way AnsiballZ packs it)."""

import ast
import importlib.util
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
UTILS = os.path.join(ROOT, 'plugins', 'module_utils')
MODULES = os.path.join(ROOT, 'plugins', 'modules')


def _tool():
    spec = importlib.util.spec_from_file_location('shipped_utils', os.path.join(ROOT, 'tools', 'shipped-utils.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def _util_files():
    found = []
    for folder, _dirs, names in os.walk(UTILS):
        found += [os.path.join(folder, name) for name in names if name.endswith('.py')]
    return sorted(found)


def _modules():
    return sorted(os.path.join(MODULES, n) for n in os.listdir(MODULES) if n.endswith('.py') and not n.startswith('_'))


@pytest.mark.parametrize('path', _util_files(), ids=lambda p: os.path.relpath(p, UTILS))
def test_no_module_utils_file_is_over_700_lines(path):
    assert _tool().lines(path) <= 700


@pytest.mark.parametrize('path', _modules(), ids=os.path.basename)
def test_every_module_main_is_under_30_lines(path):
    assert 0 < _tool().main_length(path) < 30


def test_no_two_classes_share_a_name():
    seen = {}
    for path in _util_files():
        with open(path) as handle:
            tree = ast.parse(handle.read())
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                seen.setdefault(node.name, []).append(os.path.relpath(path, UTILS))
    assert dict((name, where) for name, where in seen.items() if len(where) > 1) == {}


def test_error_classes_are_one_family():
    """Every exception class of module_utils derives from errors.BerthError."""
    from ansible_collections.berth.docker.plugins.module_utils import errors
    outside = []
    for path in _util_files():
        rel = os.path.relpath(path, UTILS)[:-3].replace(os.sep, '.')
        name = rel[:-len('.__init__')] if rel.endswith('.__init__') else rel
        module = importlib.import_module('ansible_collections.berth.docker.plugins.module_utils.' + name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Exception) and value.__module__ == module.__name__:
                if not issubclass(value, errors.BerthError):
                    outside.append('%s.%s' % (name, value.__name__))
    assert outside == []


def _shipped(module):
    return set(_tool().shipped(os.path.join(MODULES, module + '.py')))


def test_haproxy_server_ships_only_the_runtime_client():
    assert _shipped('haproxy_server') == {'errors', 'haproxy_runtime'}


def test_exec_does_not_ship_compose_orchestration():
    shipped = _shipped('exec')
    assert 'compose.labels' in shipped
    assert not [name for name in shipped if name.startswith('compose.') and name != 'compose.labels']


# Modules whose attributes their owners wire later (berth.docker.attributes with check_mode, diff_mode and
# idempotent): expected to fail the attribute test until they are taken off this list.
ATTRIBUTES_PENDING = set()
SUPPORT = {'full', 'partial', 'none', 'N/A'}


def _fragment_attributes(name):
    """The attributes of doc fragment NAME (berth.docker.FILE or berth.docker.FILE.piece), read from the source."""
    import yaml
    parts = name.split('.')
    assert parts[:2] == ['berth', 'docker'], name
    spec = importlib.util.spec_from_file_location('fragment_' + parts[2], os.path.join(ROOT, 'plugins', 'doc_fragments', parts[2] + '.py'))
    fragment = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fragment)
    text = getattr(fragment.ModuleDocFragment, parts[3].upper() if len(parts) > 3 else 'DOCUMENTATION')
    return yaml.safe_load(text).get('attributes') or {}


def _attributes(path):
    """A module's attributes as ansible-doc shows them: its fragments' attributes, each updated by its own."""
    import yaml
    with open(path) as handle:
        tree = ast.parse(handle.read())
    doc = next(yaml.safe_load(node.value.value) for node in tree.body if isinstance(node, ast.Assign)
               and getattr(node.targets[0], 'id', None) == 'DOCUMENTATION')
    merged = {}
    for name in doc.get('extends_documentation_fragment') or []:
        for key, value in _fragment_attributes(name).items():
            merged.setdefault(key, {}).update(value)
    for key, value in (doc.get('attributes') or {}).items():
        merged.setdefault(key, {}).update(value)
    return merged


@pytest.mark.parametrize('path', [pytest.param(p, marks=pytest.mark.xfail(
    os.path.basename(p)[:-3] in ATTRIBUTES_PENDING, reason='attributes wired later: take it off ATTRIBUTES_PENDING')) for p in _modules()],
    ids=os.path.basename)
def test_every_module_declares_check_diff_and_idempotent(path):
    """check_mode, diff_mode and idempotent, each described (berth.docker.attributes) with its support level;
    anything less than full support says why in details; modules of the action group declare it."""
    attributes = _attributes(path)
    for key in ('check_mode', 'diff_mode', 'idempotent'):
        assert key in attributes, key
        assert attributes[key].get('description'), '%s has no description (extend berth.docker.attributes)' % key
        assert attributes[key].get('support') in SUPPORT, (key, attributes[key].get('support'))
        if attributes[key]['support'] in ('partial', 'none') and key != 'diff_mode':
            assert attributes[key].get('details'), '%s: %s support says why in details' % (key, attributes[key]['support'])
    with open(os.path.join(ROOT, 'meta', 'runtime.yml')) as handle:
        import yaml
        group = yaml.safe_load(handle)['action_groups']['docker']
    if os.path.basename(path)[:-3] in group:
        assert attributes.get('action_group', {}).get('membership') == ['berth.docker.docker']


def test_docs_and_comments_cite_only_files_in_the_repository():
    """The reference deployment's description file is not in the repository: nothing tracked may point at
    it; docs/web_stack.md describes the reference deployment."""
    import subprocess
    missing = 'REFERENCE' + '.md'
    found = subprocess.run(['git', 'grep', '-n', '-F', missing, '--', '.', ':!collections'], cwd=ROOT,
                           stdout=subprocess.PIPE, check=False).stdout.decode()
    assert found == '', found
