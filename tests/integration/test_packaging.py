"""Secrets stay out of the collection: the tarball built from a checkout that ran the main job holds no
generated password (nor local state or caches), and the main job run from the installed collection
(`ansible-playbook berth.docker.site`) writes its generated passwords next to the inventory, never
inside the collection's install directory."""

import json
import os
import shutil
import stat
import subprocess
import tarfile

import pytest

from tests.support.ansible_run import BIN, ROOT, ansible_env, run_playbook
from tests.support.haproxy import STATS_USER, http_get
from tests.support.web_stack import TEARDOWN
from tests.support.web_stack import stack_fixture  # noqa: F401 (pytest fixture stack)

FIXTURES = (stack_fixture,)
PASSWORD_FILES = ('haproxy_stats_password', 'mariadb_root_password')


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def _checkout_copy(dest):
    """The files of this checkout that git tracks or would track (as they are in the working tree), like a
    fresh clone of it."""
    names = subprocess.run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], cwd=ROOT,
                           check=True, stdout=subprocess.PIPE).stdout.decode().split('\0')
    for name in filter(None, names):
        src = os.path.join(ROOT, name)
        if not os.path.lexists(src):
            continue
        target = os.path.join(dest, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if os.path.islink(src):
            os.symlink(os.readlink(src), target)
        else:
            shutil.copy2(src, target)
    return dest


def _write(path, text, mode=0o600):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as handle:
        handle.write(text)
    os.chmod(path, mode)


def _build(tree, out):
    proc = subprocess.run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'build', tree, '--output-path', out],
                          env=ansible_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    assert proc.returncode == 0, proc.stdout.decode()
    return os.path.join(out, 'berth-docker-0.1.0.tar.gz')


def _members(tarball):
    """{member name: content bytes (files) or None}."""
    out = {}
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            out[member.name] = tar.extractfile(member).read() if member.isfile() else None
    return out


def _assert_no_secret(members, secrets):
    for name, content in members.items():
        parts = name.split('/')
        assert not {'credentials', '.credentials', '.berth', '.venv', '__pycache__', '.pytest_cache', '.ruff_cache',
                    '.ansible'}.intersection(parts), 'the tarball holds %s' % name
        assert not name.startswith('tests/output'), name
        for secret in secrets:
            assert secret.encode() not in (content or b'') and secret not in name, 'a password is in %s' % name


def test_tarball_leaves_out_credentials_local_state_and_caches(tmp_path):
    """Every place a checkout keeps generated passwords (next to an inventory, the playbooks/credentials/
    of older versions), local state (.berth, .venv, .ansible) and caches is left out of the tarball."""
    tree = _checkout_copy(str(tmp_path / 'checkout'))
    secrets = ['Pw-inventory-%s' % os.urandom(6).hex(), 'Pw-legacy-%s' % os.urandom(6).hex(),
               'Pw-custom-%s' % os.urandom(6).hex(), 'Pw-lab-%s' % os.urandom(6).hex()]
    _write(os.path.join(tree, 'inventory', '.credentials', 'localhost', 'haproxy_stats_password'), secrets[0])
    _write(os.path.join(tree, 'playbooks', 'credentials', 'localhost', 'mariadb_root_password'), secrets[1])
    _write(os.path.join(tree, 'credentials', 'web1', 'mariadb_root_password'), secrets[2])
    _write(os.path.join(tree, '.berth', 'lab', 'id_ed25519'), secrets[3])
    for junk in ('.venv/bin/python', '.ansible/collections/x', 'plugins/module_utils/__pycache__/api.cpython-311.pyc',
                 '.pytest_cache/v/cache/lastfailed', '.ruff_cache/0.1/x', 'tests/output/junit.xml',
                 'tests/unit/.pytest_cache/x', 'changelogs/.plugin-cache.yaml', 'benchmarks/results/x.json'):
        _write(os.path.join(tree, junk), 'x', 0o644)
    members = _members(_build(tree, str(tmp_path / 'dist')))
    _assert_no_secret(members, secrets)
    for wanted in ('roles/haproxy/defaults/main.yml', 'playbooks/site.yml', 'playbooks/tasks/credentials_migrate.yml',
                   'plugins/modules/compose.py', 'inventory/local.yml', 'README.md'):
        assert wanted in members, wanted
    assert not [n for n in members if n.endswith('.pyc')]


@pytest.mark.slow
def test_main_job_keeps_passwords_next_to_the_inventory_out_of_tarball_and_install_dir(
        stack, web_image, busybox_image, tmp_path):
    """A checkout copy runs the main job (light stack, private ports) with the default password paths:
    the passwords land in inventory/.credentials/localhost/ (0600, directory 0700), a password an older
    version kept in playbooks/credentials/ moves there and keeps working; the tarball built from that
    checkout holds neither password. The tarball installed into a temp COLLECTIONS_PATH runs
    `ansible-playbook berth.docker.site` (check mode) with an inventory elsewhere: nothing is written
    under the install directory, the new passwords are next to that inventory."""
    tree = _checkout_copy(str(tmp_path / 'checkout'))
    extra_vars = stack.vars(light=True, web_image=web_image, busybox_image=busybox_image)
    for key in ('haproxy_stats_password_file', 'web_stack_db_root_password_file'):
        del extra_vars[key]  # the defaults: next to the inventory
    # an older version's generated stats password, in the playbooks directory
    legacy = 'Legacy-%s' % os.urandom(8).hex()
    legacy_file = os.path.join(tree, 'playbooks', 'credentials', 'localhost', 'haproxy_stats_password')
    _write(legacy_file, legacy)

    run = run_playbook(os.path.join(tree, 'playbooks', 'site.yml'), inventory=os.path.join(tree, 'inventory', 'local.yml'),
                       extra_vars=extra_vars).assert_ok()
    kept = os.path.join(tree, 'inventory', '.credentials', 'localhost')
    assert _mode(kept) == 0o700 and sorted(os.listdir(kept)) == sorted(PASSWORD_FILES)
    passwords = []
    for name in PASSWORD_FILES:
        assert _mode(os.path.join(kept, name)) == 0o600
        with open(os.path.join(kept, name)) as handle:
            passwords.append(handle.read().split()[0])
    assert passwords[0] == legacy and not os.path.exists(legacy_file), 'the old stats password was not moved'
    assert len(passwords[1]) == 24
    assert not os.path.exists(os.path.join(tree, 'playbooks', 'credentials', 'localhost', 'mariadb_root_password'))
    assert http_get(stack.lb.stats_port, '/haproxy_stats', auth=(STATS_USER, legacy))[0] == 200
    for secret in passwords:
        assert secret not in run.output
    # a directory inventory (-i inventory/) does not read the passwords as hosts
    listed = subprocess.run([os.path.join(BIN, 'ansible-inventory'), '-i', os.path.join(tree, 'inventory') + '/', '--list'],
                            env=ansible_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
    for secret in passwords:
        assert secret not in listed.stdout.decode() + listed.stderr.decode()

    tarball = _build(tree, str(tmp_path / 'dist'))
    _assert_no_secret(_members(tarball), passwords)

    # the installed collection, run by its FQCN with an inventory elsewhere
    installed = str(tmp_path / 'installed')
    # (this checkout is berth.docker on the configured path: without --force and that path replaced,
    # ansible-galaxy would find it "already installed" and install nothing)
    subprocess.run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', '--force', tarball, '-p', installed],
                   env=ansible_env({'ANSIBLE_COLLECTIONS_PATH': installed}), check=True,
                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    install_dir = os.path.join(installed, 'ansible_collections', 'berth', 'docker')
    assert os.path.isfile(os.path.join(install_dir, 'playbooks', 'site.yml'))
    before = sorted(os.path.join(d, f) for d, _s, files in os.walk(install_dir) for f in files + _s)
    inventory_dir = str(tmp_path / 'inv')
    os.makedirs(inventory_dir)
    shutil.copy(os.path.join(ROOT, 'inventory', 'local.yml'), os.path.join(inventory_dir, 'hosts.yml'))
    check = run_playbook('berth.docker.site', check=True, inventory=os.path.join(inventory_dir, 'hosts.yml'),
                         extra_vars=extra_vars, env={'ANSIBLE_COLLECTIONS_PATH': installed})
    assert check.rc == 0 and not check.failed, check.output[-6000:]
    after = sorted(os.path.join(d, f) for d, _s, files in os.walk(install_dir) for f in files + _s)
    assert after == before, 'written under the install directory: %s' % sorted(set(after) - set(before))
    new = os.path.join(inventory_dir, '.credentials', 'localhost')
    assert _mode(new) == 0o700 and sorted(os.listdir(new)) == sorted(PASSWORD_FILES)
    assert all(_mode(os.path.join(new, name)) == 0o600 for name in PASSWORD_FILES)
    assert any(r['task'] == 'Move them' for r in check.records)
    for secret in passwords:
        assert secret not in check.output and secret not in json.dumps(check.records)

    run_playbook(TEARDOWN, extra_vars=dict(extra_vars, teardown_remove_volumes=True),
                 inventory=os.path.join(tree, 'inventory', 'local.yml')).assert_ok()


def test_berth_credentials_dir_and_the_defaults_without_an_inventory_file(tmp_path):
    """berth_credentials_dir moves both generated passwords (0600 files in 0700 directories); without an
    inventory file (implicit localhost) they go to ~/.ansible/berth/credentials/HOST/, never to the
    playbook's directory; the per-file variables still win."""
    tasks = [{'name': 'stats', 'ansible.builtin.include_role': {'name': 'berth.docker.haproxy', 'tasks_from': 'credentials'}},
             {'name': 'db', 'ansible.builtin.include_role': {'name': 'berth.docker.web_stack', 'tasks_from': 'credentials'}}]
    chosen = str(tmp_path / 'chosen')
    run = run_playbook([{'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}],
                       extra_vars={'berth_credentials_dir': chosen}).assert_ok()
    assert sorted(os.listdir(os.path.join(chosen, 'localhost'))) == sorted(PASSWORD_FILES)
    assert _mode(os.path.join(chosen, 'localhost')) == 0o700
    for name in PASSWORD_FILES:
        path = os.path.join(chosen, 'localhost', name)
        assert _mode(path) == 0o600
        with open(path) as handle:
            assert handle.read().strip() not in run.output

    # no inventory file: the implicit localhost has no inventory_dir
    home = str(tmp_path / 'home')
    playbook_dir = str(tmp_path / 'book')
    os.makedirs(playbook_dir)
    with open(os.path.join(playbook_dir, 'play.yml'), 'w') as handle:
        json.dump([{'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}], handle)
    own_file = str(tmp_path / 'own' / 'stats')
    proc = subprocess.run([os.path.join(BIN, 'ansible-playbook'), os.path.join(playbook_dir, 'play.yml'),
                           '-e', json.dumps({'haproxy_stats_password_file': own_file})],
                          cwd=playbook_dir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False,
                          env=ansible_env({'HOME': home, 'ANSIBLE_INVENTORY': os.path.join(playbook_dir, 'none')}))
    assert proc.returncode == 0, proc.stdout.decode()[-3000:]
    assert os.listdir(playbook_dir) == ['play.yml']
    assert os.listdir(os.path.join(home, '.ansible', 'berth', 'credentials', 'localhost')) == ['mariadb_root_password']
    assert _mode(own_file) == 0o600


DEV_ONLY = ('Makefile', 'tools/', 'benchmarks/', 'tests/', '.ci/', 'pyproject.toml', 'ansible.cfg', '.ansible-lint',
            '.yamllint', '.gitignore', 'collections/')


def _user_env(tmp_path, collections_path):
    """A user's controller: no checkout ansible.cfg, only the given collections path."""
    cfg = tmp_path / 'user-ansible.cfg'
    cfg.write_text('[defaults]\nhost_key_checking = False\n')
    env = dict(os.environ, ANSIBLE_CONFIG=str(cfg), ANSIBLE_COLLECTIONS_PATH=collections_path, ANSIBLE_NOCOLOR='1',
               ANSIBLE_LOCALHOST_WARNING='0', HOME=str(tmp_path / 'home'))
    for name in ('ANSIBLE_CALLBACK_PLUGINS', 'ANSIBLE_CALLBACKS_ENABLED', 'ANSIBLE_ROLES_PATH', 'ANSIBLE_INVENTORY'):
        env.pop(name, None)
    return env


def _run(cmd, env, cwd):
    proc = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False, timeout=600)
    return proc.returncode, proc.stdout.decode('utf-8', 'replace')


def test_tarball_ships_the_license_and_leaves_out_development_files(tmp_path):
    """The built tarball holds LICENSE (the GPL-3.0 text that galaxy.yml's license names), CHANGELOG.md
    and the changelog data, and none of the development files (Makefile, tools/, benchmarks/, the test
    suite, pyproject.toml, the checkout's ansible.cfg); MANIFEST.json names no placeholder URL."""
    tree = _checkout_copy(str(tmp_path / 'checkout'))
    members = _members(_build(tree, str(tmp_path / 'dist')))
    assert 'LICENSE' in members, 'no LICENSE in the tarball'
    assert b'GNU GENERAL PUBLIC LICENSE' in members['LICENSE'] and b'Version 3, 29 June 2007' in members['LICENSE']
    for wanted in ('README.md', 'CHANGELOG.md', 'changelogs/changelog.yaml', 'changelogs/config.yaml', 'meta/runtime.yml',
                   'docs/migrating.md', 'plugins/doc_fragments/attributes.py'):
        assert wanted in members, wanted
    shipped_dev = sorted(n for n in members if n.startswith(DEV_ONLY) or n.rstrip('/') in {d.rstrip('/') for d in DEV_ONLY})
    assert not shipped_dev, 'development files in the tarball: %s' % shipped_dev
    info = json.loads(members['MANIFEST.json'])['collection_info']
    assert info['license'] == ['GPL-3.0-or-later']
    for key in ('repository', 'documentation', 'issues', 'homepage'):
        assert not info.get(key), '%s: %s (no public URL exists; leave it out)' % (key, info[key])


def test_installed_collection_runs_site_by_fqcn_from_a_requirements_file(tmp_path):
    """What README.md tells a user: `ansible-galaxy collection install -r requirements.yml` with the built
    tarball (type: file) or a git checkout (type: git) installs berth.docker into a collections path,
    and `ansible-playbook berth.docker.site -i INVENTORY` runs from there without the checkout's
    ansible.cfg: a syntax check from the git install, and a check-mode run of the engine part on
    localhost from the tarball install."""
    tree = _checkout_copy(str(tmp_path / 'checkout'))
    tarball = _build(tree, str(tmp_path / 'dist'))
    subprocess.run(['git', 'init', '-q'], cwd=tree, check=True)
    subprocess.run(['git', 'add', '-A'], cwd=tree, check=True)
    subprocess.run(['git', '-c', 'user.email=t@berth', '-c', 'user.name=t', 'commit', '-qm', 'x'], cwd=tree, check=True)
    work = tmp_path / 'user'
    (work / 'inventory').mkdir(parents=True)
    shutil.copy(os.path.join(ROOT, 'inventory', 'local.yml'), str(work / 'inventory' / 'hosts.yml'))
    for kind, source in (('file', tarball), ('git', 'git+file://' + tree)):
        (work / ('requirements-%s.yml' % kind)).write_text(
            'collections:\n  - name: %s\n    type: %s\n' % (source, kind) + ('    version: HEAD\n' if kind == 'git' else ''))
        path = str(tmp_path / ('collections-%s' % kind))
        env = _user_env(tmp_path, path)
        rc, out = _run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', '-r', 'requirements-%s.yml' % kind,
                        '-p', path], env, str(work))
        assert rc == 0, out
        install_dir = os.path.join(path, 'ansible_collections', 'berth', 'docker')
        assert os.path.isfile(os.path.join(install_dir, 'LICENSE')), kind
        assert not os.path.exists(os.path.join(install_dir, 'Makefile')), kind
        assert not os.path.exists(os.path.join(install_dir, 'tools')), kind
        rc, out = _run([os.path.join(BIN, 'ansible-playbook'), 'berth.docker.site', '-i', 'inventory', '--syntax-check'],
                       env, str(work))
        assert rc == 0 and 'playbook: %s' % os.path.join(install_dir, 'playbooks', 'site.yml') in out, out
    rc, out = _run([os.path.join(BIN, 'ansible-playbook'), 'berth.docker.site', '-i', 'inventory', '--check',
                    '-e', 'berth_site_web_stack=false'], _user_env(tmp_path, str(tmp_path / 'collections-file')), str(work))
    assert rc == 0 and 'failed=0' in out and 'Report the engine' in out, out[-4000:]


def test_requires_ansible_agrees_with_the_tested_ansible_core():
    """meta/runtime.yml's requires_ansible is the lowest ansible-core the dev requirements (pyproject.toml)
    allow, and the ansible-core the tests run with satisfies it."""
    import tomllib

    import yaml
    from ansible.release import __version__ as running
    with open(os.path.join(ROOT, 'meta', 'runtime.yml')) as handle:
        required = yaml.safe_load(handle)['requires_ansible']
    with open(os.path.join(ROOT, 'pyproject.toml'), 'rb') as handle:
        dev = tomllib.load(handle)['project']['optional-dependencies']['dev']
    pinned = next(d for d in dev if d.startswith('ansible-core'))
    lowest = next(part[2:] for part in pinned[len('ansible-core'):].split(',') if part.startswith('>='))
    assert required == '>=%s.0' % lowest, (required, pinned)

    def version(text):
        return tuple(int(x) for x in text.split('.')[:2])
    assert version(running) >= version(required[2:]), (running, required)
