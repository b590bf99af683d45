"""CHANGELOG.md is antsibull-changelog's output: the fragments and changelogs/changelog.yaml pass its lint,
the standard sections (and `trivial`, left out of the rendered file) are accepted, CHANGELOG.md is what
`antsibull-changelog generate` writes, and the release of 0.1.0 folds every fragment in."""

import os
import shutil
import subprocess

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, '.venv', 'bin')
TOOL = os.path.join(BIN, 'antsibull-changelog')
SECTIONS = ('major_changes', 'minor_changes', 'breaking_changes', 'deprecated_features', 'removed_features',
            'security_fixes', 'bugfixes', 'known_issues', 'trivial')
LEFT_OUT = ('.git', '.venv', 'collections', 'tests', '.berth', 'benchmarks', '.ruff_cache', '.pytest_cache', '.ansible')

pytestmark = pytest.mark.skipif(not os.path.exists(TOOL), reason='antsibull-changelog is not in .venv (make venv)')


def _changelog(args, cwd):
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get('PATH', ''))  # it runs ansible-doc
    proc = subprocess.run([TOOL] + args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          check=False, timeout=300)
    return proc.returncode, proc.stdout.decode('utf-8', 'replace')


def _copy(tmp_path):
    dest = str(tmp_path / 'ansible_collections' / 'berth' / 'docker')
    shutil.copytree(ROOT, dest, symlinks=True, ignore=lambda folder, names: [n for n in names if n in LEFT_OUT and folder == ROOT])
    return dest


def test_fragments_and_changelog_yaml_pass_the_lint():
    rc, out = _changelog(['lint'], ROOT)
    assert rc == 0 and not out.strip(), out
    rc, out = _changelog(['lint-changelog-yaml', os.path.join('changelogs', 'changelog.yaml')], ROOT)
    assert rc == 0 and not out.strip(), out


def test_the_standard_sections_and_trivial_are_accepted_and_others_refused(tmp_path):
    tree = _copy(tmp_path)
    fragments = os.path.join(tree, 'changelogs', 'fragments')
    for name in os.listdir(fragments):
        os.remove(os.path.join(fragments, name))
    with open(os.path.join(fragments, 'all.yml'), 'w') as handle:
        yaml.safe_dump({section: ['%s - one entry.' % section] for section in SECTIONS}, handle)
    rc, out = _changelog(['lint'], tree)
    assert rc == 0 and not out.strip(), out
    with open(os.path.join(fragments, 'typo.yml'), 'w') as handle:
        yaml.safe_dump({'minor_change': ['compose - a section name with a typo.']}, handle)
    rc, out = _changelog(['lint'], tree)
    assert 'typo.yml' in out and 'minor_change' in out, out


def test_changelog_md_is_what_antsibull_changelog_generates(tmp_path):
    tree = _copy(tmp_path)
    os.remove(os.path.join(tree, 'CHANGELOG.md'))
    rc, out = _changelog(['generate'], tree)
    assert rc == 0, out
    with open(os.path.join(tree, 'CHANGELOG.md')) as fresh, open(os.path.join(ROOT, 'CHANGELOG.md')) as kept:
        assert fresh.read() == kept.read(), 'CHANGELOG.md is out of date: run `antsibull-changelog generate`'


def test_the_release_folds_every_fragment_in_and_leaves_trivial_out(tmp_path):
    tree = _copy(tmp_path)
    fragments = os.path.join(tree, 'changelogs', 'fragments')
    entries = []
    for name in sorted(os.listdir(fragments)):
        with open(os.path.join(fragments, name)) as handle:
            for section, items in (yaml.safe_load(handle) or {}).items():
                entries += [(section, item) for item in ([items] if isinstance(items, str) else items)]
    with open(os.path.join(fragments, 'zz-internal.yml'), 'w') as handle:
        yaml.safe_dump({'trivial': ['tests - an internal entry that CHANGELOG.md does not show.']}, handle)
    rc, out = _changelog(['release', '--version', '0.1.0', '--update-existing', '--date', '2026-12-31'], tree)
    assert rc == 0, out
    assert not [n for n in os.listdir(fragments) if n.endswith('.yml')], 'fragments left after the release'
    with open(os.path.join(tree, 'changelogs', 'changelog.yaml')) as handle:
        release = yaml.safe_load(handle)['releases']['0.1.0']
    assert release['release_date'] == '2026-12-31'
    assert 'What 0.1.0 brings' in release['changes']['release_summary']  # kept (edited by hand at the release)
    for section, item in entries:
        if section not in ('release_summary', 'trivial'):
            assert item in release['changes'].get(section, []), (section, item)
    with open(os.path.join(tree, 'CHANGELOG.md')) as handle:
        rendered = handle.read()
    assert '### Minor Changes' in rendered and '### New Modules' in rendered
    assert 'an internal entry' not in rendered
